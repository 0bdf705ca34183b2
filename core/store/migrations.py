"""Versioned schema migrations: each step upgrades the database in place, keeping every row.

`migrate(db)` applies the steps a database has not seen yet, in order, and records each
in `schema_version` (also mirrored in `PRAGMA user_version`). A step is never edited
after release: a change to the schema is a new step appended to `MIGRATIONS`.
Each step is written so that re-running it after a crash is harmless.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Callable

import pycountry
import sqlite_utils

from core.ids import stable_id
from core.store.url_identity import rekey_urls

Step = Callable[[sqlite_utils.Database], None]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _add_columns(table: sqlite_utils.db.Table, columns: dict) -> None:
    existing = set(table.columns_dict)
    for name, kind in columns.items():
        if name not in existing:
            table.add_column(name, kind)


# --- version 1: the first release ------------------------------------------------------


def v1_initial(db: sqlite_utils.Database) -> None:
    """Crawl state, articles (raw HTML inline), per-article derived rows, run log."""
    create = dict(if_not_exists=True)
    db["sources"].create({"name": str, "kind": str, "tier": str, "language": str, "first_seen": str}, pk="name", **create)
    db["articles"].create(
        {
            "id": str, "canonical_url": str, "url": str, "title": str, "text": str,
            "published": str, "published_source": str, "author": str, "language": str,
            "source": str, "tier": str, "site_name": str, "story_id": str, "content_hash": str,
            "extractor_version": str, "extracted_at": str, "fetched_at": str, "html": str, "run_id": int,
        },
        pk="id", foreign_keys=[("source", "sources", "name")], not_null=["canonical_url"], **create,
    )
    db["feed_entries"].create(
        {
            "id": str, "url": str, "source": str, "title": str, "summary": str, "published": str,
            "author": str, "categories": str, "origin": str, "origin_url": str,
            "first_seen": str, "last_seen": str, "run_id": int,
        },
        pk="id", **create,
    )
    db["seen_urls"].create(
        {"url": str, "source": str, "status": str, "reason": str, "run_id": int, "first_seen": str, "last_seen": str},
        pk="url", **create,
    )
    db["http_cache"].create({"url": str, "etag": str, "last_modified": str, "updated_at": str}, pk="url", **create)
    db["story_signatures"].create(
        {"article_id": str, "story_id": str, "signature": bytes, "created_at": str},
        pk="article_id", foreign_keys=[("article_id", "articles", "id")], **create,
    )
    db["figures"].create(
        {
            "id": str, "article_id": str, "kind": str, "value": float, "unit": str, "text": str,
            "sentence": str, "char_start": int, "char_end": int, "direction": str, "measure": str, "period": str,
        },
        pk="id", foreign_keys=[("article_id", "articles", "id")], **create,
    )
    db["companies"].create({"id": str, "name": str, "aliases": str, "country": str}, pk="id", **create)
    db["company_mentions"].create(
        {"id": str, "article_id": str, "company_id": str, "text": str, "char_start": int, "char_end": int},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("company_id", "companies", "id")], **create,
    )
    db["events"].create(
        {
            "id": str, "article_id": str, "type": str, "actor": str, "targets": str, "status": str,
            "product": str, "hs_chapters": str, "announced": str, "effective": str, "evidence": str,
            "char_start": int, "char_end": int, "confidence": float,
        },
        pk="id", foreign_keys=[("article_id", "articles", "id")], **create,
    )
    db["runs"].create(
        {"id": int, "kind": str, "started_at": str, "finished_at": str, "status": str, "counts": str, "errors": int},
        pk="id", **create,
    )
    db["run_failures"].create(
        {"id": int, "run_id": int, "url": str, "source": str, "reason": str, "at": str},
        pk="id", foreign_keys=[("run_id", "runs", "id")], **create,
    )
    db["digests_sent"].create(
        {"id": str, "watchlist": str, "item_key": str, "sent_at": str}, pk="id", **create,
    )


# --- version 2: cross-article identity, stories, raw pages apart ------------------------


def v2_identity(db: sqlite_utils.Database) -> None:
    """Raw HTML moves to `raw_pages` (retention can drop it); `stories`; events become one row
    per real-world measure with `event_mentions` linking each report; figure currency/scale."""
    _v2_raw_pages_and_stories(db)
    _add_columns(db["figures"], {"currency": str, "scale": str})
    db.execute("UPDATE figures SET currency = unit WHERE kind = 'money' AND currency IS NULL")
    _add_columns(db["companies"], {"first_seen": str})
    _v2_events_as_measures(db)


def _v2_raw_pages_and_stories(db: sqlite_utils.Database) -> None:
    db["stories"].create(
        {"id": str, "title": str, "first_seen": str, "last_seen": str, "articles_count": int, "outlets_count": int},
        pk="id", if_not_exists=True,
    )
    db["raw_pages"].create(
        {"article_id": str, "url": str, "html": str, "fetched_at": str},
        pk="article_id", foreign_keys=[("article_id", "articles", "id")], if_not_exists=True,
    )
    articles = db["articles"]
    _add_columns(articles, {"published_month": str, "stored_at": str, "updated_at": str})
    if "html" in articles.columns_dict:
        db.execute(
            "INSERT OR IGNORE INTO raw_pages (article_id, url, html, fetched_at) "
            "SELECT id, url, html, fetched_at FROM articles WHERE html IS NOT NULL"
        )
        articles.transform(drop={"html"})
    db.execute(
        "UPDATE articles SET published_month = substr(published, 1, 7), "
        "stored_at = coalesce(stored_at, fetched_at), updated_at = coalesce(updated_at, fetched_at) "
        "WHERE published_month IS NULL OR stored_at IS NULL"
    )
    db.execute(
        """INSERT OR IGNORE INTO stories (id, title, first_seen, last_seen, articles_count, outlets_count)
           SELECT story_id, min(title), min(coalesce(published, fetched_at)), max(coalesce(published, fetched_at)),
                  count(*), count(DISTINCT source)
           FROM articles WHERE story_id IS NOT NULL GROUP BY story_id"""
    )
    db.execute(
        "INSERT OR IGNORE INTO stories (id) SELECT DISTINCT story_id FROM story_signatures WHERE story_id IS NOT NULL"
    )
    if not any(fk.column == "story_id" for fk in articles.foreign_keys):
        articles.transform(add_foreign_keys=[("story_id", "stories", "id")])
    if not any(fk.column == "story_id" for fk in db["story_signatures"].foreign_keys):
        db["story_signatures"].transform(add_foreign_keys=[("story_id", "stories", "id")])


def _v2_events_as_measures(db: sqlite_utils.Database) -> None:
    """Each first-release event becomes a measure with its one report as an `event_mentions` row."""
    db["event_mentions"].create(
        {
            "id": str, "event_id": str, "article_id": str, "status": str, "product": str, "evidence": str,
            "char_start": int, "char_end": int, "announced": str, "effective": str, "confidence": float,
            "seen_at": str,
        },
        pk="id", foreign_keys=[("event_id", "events", "id"), ("article_id", "articles", "id")], if_not_exists=True,
    )
    events = db["events"]
    _add_columns(events, {
        "targets_key": str, "first_seen": str, "last_seen": str, "first_article_id": str,
        "mentions_count": int, "articles_count": int, "outlets_count": int,
    })
    if "article_id" in events.columns_dict:
        # Each first-release event becomes its own measure with one report.
        rows = db.execute(
            """SELECT e.id, e.article_id, e.targets, e.status, e.product, e.evidence, e.char_start, e.char_end,
                      e.announced, e.effective, e.confidence, coalesce(a.published, a.fetched_at), a.fetched_at
               FROM events e LEFT JOIN articles a ON a.id = e.article_id"""
        ).fetchall()
        for (event_id, article_id, targets, status, product, evidence, start, end,
             announced, effective, confidence, seen, fetched) in rows:
            try:
                targets_key = ",".join(sorted(json.loads(targets or "[]")))
            except ValueError:
                targets_key = ""
            db.execute(
                "INSERT OR IGNORE INTO event_mentions VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [stable_id("event_mention", article_id, event_id, start, evidence), event_id, article_id, status,
                 product, evidence, start, end, announced, effective, confidence, fetched],
            )
            db.execute(
                "UPDATE events SET targets_key = ?, first_seen = ?, last_seen = ?, first_article_id = ?, "
                "mentions_count = 1, articles_count = 1, outlets_count = 1 WHERE id = ?",
                [targets_key, seen, seen, article_id, event_id],
            )
        events.transform(
            drop={"article_id", "char_start", "char_end"},
            add_foreign_keys=[("first_article_id", "articles", "id")],
        )


# --- version 3: search, indexes, views ---------------------------------------------------

INDEXES = {
    "articles": [["published"], ["source"], ["tier"], ["language"], ["published_month"], ["story_id"],
                 ["extractor_version"], ["fetched_at"], ["canonical_url"]],
    "feed_entries": [["url"], ["source"]],
    "figures": [["article_id"], ["kind", "unit"]],
    "company_mentions": [["article_id"], ["company_id"]],
    "companies": [["name"]],
    "events": [["type", "actor", "targets_key", "last_seen"], ["actor"], ["status"], ["last_seen"],
               ["first_article_id"]],
    "event_mentions": [["event_id"], ["article_id"]],
    "stories": [["outlets_count"]],
    "story_signatures": [["story_id"]],
    "run_failures": [["run_id"]],
    "runs": [["started_at"]],
    "digests_sent": [["watchlist", "item_key"]],
}

VIEWS = {
    "events_view": """
SELECT e.id, e.type, e.actor, e.targets, e.status, e.product, e.hs_chapters,
       e.announced, e.effective, e.first_seen, e.last_seen, substr(e.first_seen, 1, 7) AS first_seen_month,
       e.outlets_count, e.articles_count, e.mentions_count, e.confidence, e.evidence,
       a.title AS article_title, a.url AS article_url, a.published AS article_published,
       a.source AS article_source, a.tier AS article_tier, a.language AS article_language
FROM events e LEFT JOIN articles a ON a.id = e.first_article_id""",
    "event_reports_view": """
SELECT m.id, m.event_id, e.type, e.actor, e.targets, m.status, m.product, m.evidence, m.confidence,
       a.title AS article_title, a.url AS article_url, a.published AS article_published,
       a.published_month, a.source, a.tier, a.language, m.article_id
FROM event_mentions m JOIN events e ON e.id = m.event_id JOIN articles a ON a.id = m.article_id""",
    "figures_view": """
SELECT f.id, f.kind, f.value, f.unit, f.currency, f.scale, f.direction, f.measure, f.period, f.text,
       f.sentence, a.title AS article_title, a.url AS article_url, a.published AS article_published,
       a.published_month, a.source, a.tier, a.language, f.article_id
FROM figures f JOIN articles a ON a.id = f.article_id""",
    "companies_view": """
SELECT c.id, c.name, c.aliases, c.country, c.first_seen,
       count(m.id) AS mentions_count, count(DISTINCT m.article_id) AS articles_count,
       max(a.published) AS last_mentioned
FROM companies c LEFT JOIN company_mentions m ON m.company_id = c.id LEFT JOIN articles a ON a.id = m.article_id
GROUP BY c.id""",
}

# Full-text search tables: (table, columns). Porter stemming so "tariffs" finds "tariff".
FTS = {"articles": ["title", "text"], "events": ["evidence"]}


def _enable_fts(db: sqlite_utils.Database, table: str, columns: list[str]) -> None:
    db[table].enable_fts(columns, tokenize="porter", create_triggers=True)
    # sqlite-utils' update trigger fires on any column; re-index only when the indexed text changes,
    # so bookkeeping updates (extractor_version, counts) do not rewrite the index.
    cols = ", ".join(f"[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    db.execute(f"DROP TRIGGER IF EXISTS [{table}_au]")
    db.execute(
        f"""CREATE TRIGGER [{table}_au] AFTER UPDATE OF {cols} ON [{table}] BEGIN
  INSERT INTO [{table}_fts] ([{table}_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
  INSERT INTO [{table}_fts] (rowid, {cols}) VALUES (new.rowid, {new});
END"""
    )


def v3_search(db: sqlite_utils.Database) -> None:
    """Indexes for the facets and joins, porter FTS with triggers, views for browsing."""
    for table, indexes in INDEXES.items():
        for columns in indexes:
            db[table].create_index(columns, if_not_exists=True)
    for table, columns in FTS.items():
        _enable_fts(db, table, columns)
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


# --- version 4: country names ------------------------------------------------------------

# Codes events use beyond ISO 3166-1 (see the gold GUIDELINES): blocs and multilateral bodies.
EXTRA_JURISDICTIONS = {"EU": "European Union", "INTL": "International body (GATT, WTO, COCOM)"}


def v4_countries(db: sqlite_utils.Database) -> None:
    """`countries` (code, name, official name) so queries take "China" as well as "CN"."""
    rows = [
        {"code": c.alpha_2, "name": getattr(c, "common_name", None) or c.name,
         "official_name": getattr(c, "official_name", None) or c.name}
        for c in pycountry.countries
    ]
    rows += [{"code": code, "name": name, "official_name": name} for code, name in EXTRA_JURISDICTIONS.items()]
    db["countries"].create({"code": str, "name": str, "official_name": str}, pk="code", if_not_exists=True)
    db["countries"].insert_all(rows, replace=True)
    db["countries"].create_index(["name"], if_not_exists=True)


# --- version 5: digests (adopted from the alerts) ------------------------------------------


def v5_digests(db: sqlite_utils.Database) -> None:
    """`digests`: each rendered digest kept until delivered (created by tradewatch.alerts.state
    before the store adopted it; same columns, so an existing table is kept as it is)."""
    db["digests"].create(
        {"id": str, "watchlist": str, "created_at": str, "selected_at": str, "status": str,
         "item_count": int, "items": str, "markdown": str, "html": str, "delivered_at": str,
         "delivered_to": str, "error": str},
        pk="id", if_not_exists=True,
    )
    db["digests"].create_index(["watchlist", "created_at"], if_not_exists=True)
    db["digests"].create_index(["status"], if_not_exists=True)


# --- version 6: one URL identity ------------------------------------------------------------


def v6_url_identity(db: sqlite_utils.Database) -> None:
    """Every URL key and article id recomputed with core.urls.canonical_url (see url_identity)."""
    rekey_urls(db)


# --- version 7: digest bodies by format ------------------------------------------------------


def v7_digest_bodies(db: sqlite_utils.Database) -> None:
    """`digests.bodies`: JSON of format name → rendered text, so a new digest format needs no new
    column (the `markdown` and `html` columns become the "md" and "html" bodies)."""
    table = db["digests"]
    if "bodies" in table.columns_dict:
        return
    table.add_column("bodies", str)
    if "markdown" in table.columns_dict:
        db.execute("UPDATE digests SET bodies = json_object('md', coalesce(markdown, ''), 'html', coalesce(html, ''))")
        table.transform(drop={"markdown", "html"})


# --- version 8: the analyst's workbench ----------------------------------------------------

# Views as an analyst reads them: what, who, to whom, status, product, evidence, source first; country
# names beside codes; measures a reviewer rejected left out (the `events` table still has them).
WORKBENCH_VIEWS = {
    "events_view": """
SELECT e.id AS measure, substr(e.last_seen, 1, 10) AS last_reported, e.type, e.actor, ca.name AS actor_name,
       e.targets,
       (SELECT json_group_array(coalesce(c.name, t.value)) FROM json_each(e.targets) t
        LEFT JOIN countries c ON c.code = t.value) AS target_names,
       e.status, e.product, e.hs_chapters, e.evidence,
       a.title AS article_title, a.url AS article_url, coalesce(nullif(a.site_name, ''), a.source) AS outlet,
       a.tier AS article_tier, e.outlets_count, e.mentions_count, e.announced, e.effective,
       substr(e.first_seen, 1, 10) AS first_reported, substr(e.first_seen, 1, 7) AS first_seen_month,
       e.first_seen, e.last_seen, e.review, e.confidence, a.language AS article_language, e.first_article_id AS article_id,
       e.rowid AS event_rowid
FROM events e LEFT JOIN articles a ON a.id = e.first_article_id LEFT JOIN countries ca ON ca.code = e.actor
WHERE e.review IS NOT 'rejected'""",
    "event_reports_view": """
SELECT m.id, m.event_id AS measure, substr(coalesce(a.published, a.fetched_at), 1, 10) AS reported,
       m.status, e.type, e.actor, ca.name AS actor_name, e.targets, m.product, m.evidence,
       a.title AS article_title, a.url AS article_url, coalesce(nullif(a.site_name, ''), a.source) AS outlet,
       a.tier, a.published AS article_published, a.published_month, a.source, a.language, m.confidence,
       m.announced, m.effective, m.article_id, m.event_id
FROM event_mentions m JOIN events e ON e.id = m.event_id JOIN articles a ON a.id = m.article_id
LEFT JOIN countries ca ON ca.code = e.actor
WHERE e.review IS NOT 'rejected'""",
    "figures_view": """
SELECT f.id, substr(a.published, 1, 10) AS published, f.text AS figure, f.kind, f.value, f.unit, f.measure,
       f.direction, f.period, f.sentence, a.title AS article_title, a.url AS article_url,
       coalesce(nullif(a.site_name, ''), a.source) AS outlet, a.tier, a.published AS article_published,
       a.published_month, a.source, a.language, f.currency, f.scale, f.text, f.article_id, f.rowid AS figure_rowid
FROM figures f JOIN articles a ON a.id = f.article_id""",
    "measure_figures_view": """
SELECT f.id, m.event_id AS measure, substr(coalesce(a.published, a.fetched_at), 1, 10) AS reported,
       e.type, e.actor, ca.name AS actor_name, e.targets, e.product, m.status, f.text AS figure, f.kind, f.value,
       f.unit, f.measure AS figure_measure, f.sentence, a.title AS article_title, a.url AS article_url,
       coalesce(nullif(a.site_name, ''), a.source) AS outlet, a.tier, e.hs_chapters, f.article_id,
       f.rowid AS figure_rowid
FROM event_mentions m JOIN events e ON e.id = m.event_id
JOIN figures f ON f.article_id = m.article_id
  AND m.evidence != '' AND (instr(coalesce(f.sentence, ''), m.evidence) > 0 OR instr(m.evidence, f.text) > 0)
JOIN articles a ON a.id = m.article_id LEFT JOIN countries ca ON ca.code = e.actor
WHERE e.review IS NOT 'rejected'""",
    "companies_view": """
SELECT c.id, c.name, c.country, cc.name AS country_name, count(m.id) AS mentions_count,
       count(DISTINCT m.article_id) AS articles_count, max(a.published) AS last_mentioned, c.aliases,
       c.first_seen, c.review
FROM companies c LEFT JOIN company_mentions m ON m.company_id = c.id LEFT JOIN articles a ON a.id = m.article_id
LEFT JOIN countries cc ON cc.code = c.country
WHERE c.review IS NOT 'rejected'
GROUP BY c.id""",
}


def v8_workbench(db: sqlite_utils.Database) -> None:
    """`corrections` (the review loop: one row per review action, see core.store.corrections);
    `review` and `extracted` on events and companies; figures get their article's date and full-text
    search; measures are searchable by product and type too; the workbench views."""
    db["corrections"].create(
        {"id": str, "kind": str, "target_id": str, "action": str, "field": str, "value": str,
         "anchor_article_id": str, "anchor_evidence": str, "reviewer": str, "created_at": str},
        pk="id", if_not_exists=True,
    )
    db["corrections"].create_index(["kind", "target_id"], if_not_exists=True)
    db["corrections"].create_index(["created_at"], if_not_exists=True)
    for table in ("events", "companies"):
        _add_columns(db[table], {"review": str, "extracted": str})
        db[table].create_index(["review"], if_not_exists=True)
    # Reports of a corrected measure are matched by the extractor's own key (see EventMatcher).
    db.execute("CREATE INDEX IF NOT EXISTS events_corrected_targets_key ON events (targets_key) "
               "WHERE extracted IS NOT NULL")
    db["figures"].create_index(["measure"], if_not_exists=True)
    # The day of the figure's article (published, else fetched), so the table sorts by date.
    _add_columns(db["figures"], {"published": str})
    db.execute("UPDATE figures SET published = (SELECT coalesce(a.published, a.fetched_at) FROM articles a "
               "WHERE a.id = figures.article_id) WHERE published IS NULL")
    db["figures"].create_index(["published"], if_not_exists=True)
    _enable_fts(db, "figures", ["text", "sentence", "measure"])
    db["events"].disable_fts()
    _enable_fts(db, "events", ["evidence", "product", "type"])
    for name in VIEWS:
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
    for name, sql in WORKBENCH_VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, "initial", v1_initial),
    (2, "identity", v2_identity),
    (3, "search", v3_search),
    (4, "countries", v4_countries),
    (5, "digests", v5_digests),
    (6, "url_identity", v6_url_identity),
    (7, "digest_bodies", v7_digest_bodies),
    (8, "workbench", v8_workbench),
]
LATEST = MIGRATIONS[-1][0]


def current_version(db: sqlite_utils.Database) -> int:
    if not db["schema_version"].exists():
        return 0
    return db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int | None = None) -> list[int]:
    """Apply pending steps up to `target` (default: latest); returns the versions applied."""
    target = LATEST if target is None else target
    db["schema_version"].create({"version": int, "name": str, "applied_at": str}, pk="version", if_not_exists=True)
    done = current_version(db)
    applied = []
    if done >= target:
        return applied
    # Table rebuilds (transform) need foreign keys off; they are checked after each step.
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        for version, name, step in MIGRATIONS:
            if done < version <= target:
                step(db)
                problems = db.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise RuntimeError(f"migration {version} ({name}) left broken foreign keys: {problems[:5]}")
                with db.atomic():
                    db["schema_version"].insert({"version": version, "name": name, "applied_at": _now()}, replace=True)
                db.execute(f"PRAGMA user_version = {int(version)}")
                applied.append(version)
    finally:
        db.execute("PRAGMA foreign_keys = ON")
    return applied
