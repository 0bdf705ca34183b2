"""The knowledge base: one SQLite file written through sqlite-utils.

This module's public API is the contract the crawler, the daily job and the
alerts use. Every write is an upsert on a stable id inside a transaction, so
any step can be re-run without duplicating rows.

    kb = KnowledgeBase("data/tradewatch.db")          # opens, WAL, busy timeout, migrates

    # crawl state
    kb.is_seen(url) -> bool                           # canonical url already stored (or permanently failed)
    kb.mark_seen(url, source=..., status="stored"|"failed"|"skipped", reason=None, run_id=None)
    kb.get_http_validators(url) -> {"etag": str|None, "last_modified": str|None}
    kb.set_http_validators(url, etag=None, last_modified=None)
    kb.save_entry(entry: dict, run_id=None) -> str    # crawler.items.FeedEntry as dict; kept even if the page fails

    # articles
    kb.save_article(article: dict, *, source, tier=None, fetched_at, html=None, entry=None,
                    content_hash, story_id=None, run_id=None) -> article_id
        # article: extract.clean.Article as dict; article_id = stable hash of the canonical URL
    kb.pending_extraction(extractor_version) -> iterator of {"id", "title", "text", "language"}
    kb.save_extraction(article_id, record: dict, extractor_version) -> None
        # record: the GUIDELINES shape from extract.nlp; replaces that article's derived rows atomically

    # near-duplicate stories
    kb.story_signatures() -> iterator of (article_id, story_id, signature: bytes)
    kb.save_signature(article_id, story_id, signature: bytes) -> None

    # run log
    kb.start_run(kind: str) -> run_id: int
    kb.log_failure(run_id, url, reason, source=None) -> None
    kb.update_run(run_id, **counts) -> None
    kb.finish_run(run_id, status, **counts) -> None

Extensions (same rules):

    # ids: the same functions the store uses, for callers that need a key before writing
    canonical_url(url) -> str                          # lower-case host, no fragment/tracking params, sorted query
    article_id(url) -> str                             # == the id save_article returns for that URL

    kb.mark_seen(..., status="retry")                  # recorded, but is_seen() stays False (transient failure)
    kb.save_articles_batch([{"article": ..., "source": ..., "fetched_at": ..., "content_hash": ..., ...}]) -> [ids]
    kb.save_extractions([(article_id, record), ...], extractor_version) -> n   # one transaction
    kb.pending_extraction(version, since="2026-11-01", force=False)            # filter / re-extract all
    kb.article(article_id) -> dict | None
    kb.run(run_id) -> dict | None                      # counts decoded from JSON
    kb.counts() -> {"articles": n, "figures": n, ...}  # rows per main table, for summaries
    kb.was_sent(watchlist, item_key) -> bool           # digests_sent
    kb.sent_keys(watchlist) -> set[str]
    kb.mark_sent(watchlist, item_keys, sent_at=None)
    kb.drop_raw_html(older_than_days) -> n             # retention: raw HTML only, text and derived rows stay
    kb.transaction()                                   # context manager: BEGIN IMMEDIATE … COMMIT (nests)
    kb.db / kb.conn                                    # sqlite_utils.Database / sqlite3.Connection, for reads
    kb.close(); with KnowledgeBase(path) as kb: ...      # close() refreshes planner statistics when stale
    kb.refresh_statistics(force=False) -> bool         # ANALYZE when missing or the file has doubled
    KnowledgeBaseError                                 # opening failed: not SQLite, unwritable, locked; message says the fix

Cross-article identity: `events` holds one row per real-world measure (same type, actor
and targets, similar product, dates within a few weeks); every report is an
`event_mentions` row, and `events.outlets_count` says how many sources carry it.
`companies` holds one row per firm across the knowledge base (aliases merged), resolved
by `extract.companies.names.CompanyResolver` when present.

Review loop: `core.store.corrections` (`review_event`, `review_company`, `apply_corrections`,
`export_records`): analysts' corrections live in `corrections`, are applied over every extraction write
(`events`/`companies` show corrected values, `extracted` keeps the extractor's, `review` the verdict)
and follow their report to a new measure id after a re-extraction.

Re-extraction: `core.store.reextraction.reextract(kb, extract_batch, version, since=, force=)`
(`tradewatch reextract`) replaces derived rows batch by batch; a failing article keeps its rows
and is logged in run_failures. The store never imports the extractor: the caller passes it.

Schema: `core.store.migrations` (versioned: `schema_version` table and PRAGMA user_version;
a file from the first schema version upgrades in place). Browsing: `tradewatch.datasette`.
"""
from core.ids import article_id  # noqa: F401
from core.store.knowledge_base import KnowledgeBase, KnowledgeBaseError, write_problem  # noqa: F401
from core.store.migrations import LATEST as SCHEMA_VERSION  # noqa: F401
