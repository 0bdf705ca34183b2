"""Reads what alerts need from the knowledge base (schema: core/store/migrations.py).

All SQL of the alerts package lives here; everything else works on alerts.model values.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Iterable

import sqlite_utils

from tradewatch.alerts.model import ArticleView, Company, Event, Figure

CHUNK = 500


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _marks(ids: list[str]) -> str:
    return ",".join("?" * len(ids))


def _json_list(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [t.strip() for t in text.split(",") if t.strip()]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def iso_days_ago(days: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds")


# A report says its own status and product, unless an analyst corrected the measure's
# (core.store.corrections keeps the extractor's value in `extracted`); rejected measures are left out.
_REVIEWED_STATUS = ("CASE WHEN json_type(e.extracted, '$.status') IS NOT NULL THEN e.status "
                    "ELSE coalesce(m.status, e.status) END")
_REVIEWED_PRODUCT = ("CASE WHEN json_type(e.extracted, '$.product') IS NOT NULL THEN e.product "
                     "ELSE coalesce(m.product, e.product) END")

ARTICLE_COLUMNS = "id, url, title, source, tier, published, fetched_at, story_id, text, site_name"


def _article(row) -> ArticleView:
    ident, url, title, source, tier, published, fetched_at, story_id, text, site_name = row
    return ArticleView(id=ident, url=url or "", title=title or "", source=source or "", tier=tier,
                       published=published, fetched_at=fetched_at, story_id=story_id, text=text or "",
                       site_name=site_name or "")


def extracted_since(db: sqlite_utils.Database, horizon: str | None) -> list[str]:
    """Ids of extracted articles whose extraction (or storage) is at or after `horizon`."""
    sql = "SELECT id FROM articles WHERE extractor_version IS NOT NULL"
    params: list = []
    if horizon:
        sql += " AND coalesce(extracted_at, stored_at, fetched_at) >= ?"
        params.append(horizon)
    return [r[0] for r in db.execute(sql, params).fetchall()]


def published_since(db: sqlite_utils.Database, since: str) -> list[str]:
    """Ids of extracted articles published (else fetched) on or after `since` (ISO date or datetime)."""
    return [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE extractor_version IS NOT NULL AND coalesce(published, fetched_at) >= ?",
        [since],
    ).fetchall()]


def load_articles(db: sqlite_utils.Database, ids: list[str]) -> dict[str, ArticleView]:
    """Articles with their figures, companies and event reports, keyed by id."""
    articles: dict[str, ArticleView] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        marks = _marks(chunk)
        for row in db.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
            articles[row[0]] = _article(row)
        for article_id, kind, value, unit, text, sentence in db.execute(
            f"SELECT article_id, kind, value, unit, text, sentence FROM figures WHERE article_id IN ({marks}) "
            "ORDER BY article_id, char_start", chunk,
        ):
            articles[article_id].figures.append(Figure(text or "", kind or "", value, unit, sentence or ""))
        for article_id, company_id, name, aliases in db.execute(
            "SELECT DISTINCT m.article_id, c.id, c.name, c.aliases FROM company_mentions m "
            f"JOIN companies c ON c.id = m.company_id WHERE m.article_id IN ({marks})", chunk,
        ):
            articles[article_id].companies.append(Company(company_id, name or "", _json_list(aliases)))
        for article_id, event_id, type_, actor, targets, status, product, evidence, chapters in db.execute(
            f"SELECT m.article_id, e.id, e.type, e.actor, e.targets, {_REVIEWED_STATUS}, {_REVIEWED_PRODUCT}, "
            "coalesce(m.evidence, e.evidence), e.hs_chapters FROM event_mentions m "
            f"JOIN events e ON e.id = m.event_id WHERE m.article_id IN ({marks}) AND e.review IS NOT 'rejected' "
            "ORDER BY m.article_id, m.char_start",
            chunk,
        ):
            article = articles[article_id]
            if any(e.id == event_id for e in article.events):
                continue                      # one line per measure, first report in the text wins
            article.events.append(Event(event_id, type_ or "", actor, _json_list(targets), status,
                                        product or "", evidence or "", article_id,
                                        [c.zfill(2) for c in _json_list(chapters)]))
    return articles


def story_copies(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, list[ArticleView]]:
    """Every stored article of each story (syndicated copies), without text."""
    copies: dict[str, list[ArticleView]] = {}
    for chunk in _chunks(list(dict.fromkeys(story_ids))):
        for row in db.execute(
            "SELECT id, url, title, source, tier, published, fetched_at, story_id, '', site_name FROM articles "
            f"WHERE story_id IN ({_marks(chunk)}) ORDER BY coalesce(published, fetched_at), id", chunk,
        ):
            copies.setdefault(row[7], []).append(_article(row))
    return copies


def previous_report(db: sqlite_utils.Database, event: Event, before: str, exclude: list[str]) -> dict | None:
    """The latest earlier report of the same measure outside this story: {status, evidence, article_id}.

    Same measure = the same `events` row (the store merges reports of one measure); when the store
    keeps a changed status as a separate row, the same type, actor and targets count as well."""
    marks = _marks(exclude) if exclude else "''"
    row = db.execute(
        f"""SELECT {_REVIEWED_STATUS}, coalesce(m.evidence, e.evidence), m.article_id,
                   coalesce(a.published, a.fetched_at) AS at
            FROM event_mentions m JOIN events e ON e.id = m.event_id JOIN articles a ON a.id = m.article_id
            WHERE (e.id = ? OR (e.type = ? AND coalesce(e.actor, '') = ? AND coalesce(e.targets_key, '') = ?))
              AND m.article_id NOT IN ({marks}) AND at <= ? AND e.review IS NOT 'rejected'
            ORDER BY (e.id = ?) DESC, at DESC, m.article_id LIMIT 1""",
        [event.id, event.type, event.actor or "", ",".join(sorted(event.targets)), *exclude, before, event.id],
    ).fetchone()
    if row is None:
        return None
    return {"status": row[0], "evidence": row[1] or "", "article_id": row[2]}


def figures_in_sentence(db: sqlite_utils.Database, article_id: str, evidence: str) -> list[Figure]:
    if not evidence:
        return []
    rows = db.execute(
        "SELECT text, kind, value, unit, sentence FROM figures WHERE article_id = ? ORDER BY char_start", [article_id]
    ).fetchall()
    return [Figure(t or "", k or "", v, u, s or "") for t, k, v, u, s in rows
            if t and ((s and evidence in s) or t in evidence)]


def fts_article_ids(db: sqlite_utils.Database, query: str, ids: list[str] | None = None) -> set[str]:
    """Articles matching an FTS query (SQLite FTS syntax; a query that does not parse is searched as words)."""
    if not db["articles_fts"].exists():
        return set()
    sql = "SELECT a.id FROM articles_fts f JOIN articles a ON a.rowid = f.rowid WHERE articles_fts MATCH ?"
    try:
        found = {r[0] for r in db.execute(sql, [query]).fetchall()}
    except Exception:
        quoted = " ".join('"' + word.replace('"', '""') + '"' for word in query.split())
        found = {r[0] for r in db.execute(sql, [quoted]).fetchall()}
    return found & set(ids) if ids is not None else found
