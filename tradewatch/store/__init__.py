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
"""
from tradewatch.store.knowledge_base import KnowledgeBase  # noqa: F401
