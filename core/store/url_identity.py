"""Re-keying a knowledge base on `core.urls.canonical_url` (schema version 6).

Before, the crawler and the store each had their own canonical URL: `seen_urls`, `http_cache`
and feed entries were keyed with one spelling (`www.`, trailing slashes and some tracking
parameters kept) while pages were looked up with another. `rekey_urls` recomputes every key
with the one `canonical_url`, merges rows that now share a key (keeping the strongest
crawl state), renames articles whose id changes in every table that points at them, and
carries digest state along, so no row and no "already sent" mark is lost. Re-running it
changes nothing.
"""
from __future__ import annotations

import json
import sqlite3

import sqlite_utils

from core.ids import stable_id
from core.store.events import refresh_events
from core.urls import canonical_url

# Which seen-URL state wins when two spellings merge: stored beats failed beats skipped beats retry.
SEEN_RANK = {"stored": 3, "failed": 2, "skipped": 1, "retry": 0}
ARTICLE_CHILDREN = ("raw_pages", "figures", "company_mentions", "event_mentions", "story_signatures")


def _key(url: str | None) -> str | None:
    try:
        return canonical_url(url) if url else url
    except ValueError:
        return url


def rekey_urls(db: sqlite_utils.Database) -> dict[str, str]:
    """Re-key everything on the canonical URL; returns {old article id: new article id}."""
    conn = db.conn
    with db.atomic():
        _rekey_seen_urls(conn)
        _rekey_http_cache(conn)
        _rekey_feed_entries(conn)
        renamed = _rekey_articles(conn)
        _rename_in_digests(conn, renamed)
    return renamed


def _rekey_seen_urls(conn: sqlite3.Connection) -> None:
    merged: dict[str, list] = {}
    changed = False
    for row in conn.execute("SELECT url, source, status, reason, run_id, first_seen, last_seen FROM seen_urls"):
        key = _key(row[0])
        changed = changed or key != row[0]
        best = merged.get(key)
        if best is None:
            merged[key] = [key, *row[1:]]
            continue
        first = min(x for x in (best[5], row[5]) if x) if (best[5] or row[5]) else None
        last = max(x for x in (best[6], row[6]) if x) if (best[6] or row[6]) else None
        if SEEN_RANK.get(row[2], -1) > SEEN_RANK.get(best[2], -1):
            best[1:5] = row[1:5]
        best[5], best[6] = first, last
    if not changed:
        return
    conn.execute("DELETE FROM seen_urls")
    conn.executemany("INSERT INTO seen_urls (url, source, status, reason, run_id, first_seen, last_seen) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", list(merged.values()))


def _rekey_http_cache(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT url, etag, last_modified, updated_at FROM http_cache ORDER BY updated_at").fetchall()
    latest = {_key(url): (etag, modified, updated) for url, etag, modified, updated in rows}   # the newest wins
    if sorted(latest) == sorted(r[0] for r in rows):
        return
    conn.execute("DELETE FROM http_cache")
    conn.executemany("INSERT INTO http_cache (url, etag, last_modified, updated_at) VALUES (?, ?, ?, ?)",
                     [(url, *values) for url, values in latest.items()])


def _rekey_feed_entries(conn: sqlite3.Connection) -> None:
    columns = [r[1] for r in conn.execute("PRAGMA table_info(feed_entries)")]
    rows = [dict(zip(columns, r)) for r in conn.execute(f"SELECT * FROM feed_entries ORDER BY first_seen")]
    merged: dict[str, dict] = {}
    for row in rows:
        key = _key(row["url"])
        new = {**row, "url": key, "id": stable_id("entry", key)}
        old = merged.get(new["id"])
        if old is None:
            merged[new["id"]] = new
            continue
        for column, value in new.items():          # fill what the earlier copy left empty
            if old.get(column) in (None, "") and value not in (None, ""):
                old[column] = value
        old["last_seen"] = max(filter(None, (old.get("last_seen"), new.get("last_seen"))), default=None)
    if sorted(merged) == sorted(r["id"] for r in rows) and all(r["url"] == _key(r["url"]) for r in rows):
        return
    conn.execute("DELETE FROM feed_entries")
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT INTO feed_entries ({', '.join(columns)}) VALUES ({marks})",
                     [[row[c] for c in columns] for row in merged.values()])


def _rekey_articles(conn: sqlite3.Connection) -> dict[str, str]:
    renamed: dict[str, str] = {}
    touched_events: set[str] = set()
    rows = conn.execute("SELECT id, canonical_url FROM articles ORDER BY coalesce(stored_at, fetched_at), id").fetchall()
    for old_id, url in rows:
        key = _key(url)
        new_id = stable_id("article", key)
        if new_id == old_id:
            if key != url:
                conn.execute("UPDATE articles SET canonical_url = ? WHERE id = ?", [key, old_id])
            continue
        renamed[old_id] = new_id
        touched_events |= {r[0] for r in conn.execute(
            "SELECT DISTINCT event_id FROM event_mentions WHERE article_id = ?", [old_id])}
        if conn.execute("SELECT 1 FROM articles WHERE id = ?", [new_id]).fetchone():
            _merge_into(conn, old_id, new_id)          # the same page stored twice under two spellings
            continue
        conn.execute("UPDATE articles SET id = ?, canonical_url = ? WHERE id = ?", [new_id, key, old_id])
        for table in ARTICLE_CHILDREN:
            conn.execute(f"UPDATE {table} SET article_id = ? WHERE article_id = ?", [new_id, old_id])
        conn.execute("UPDATE events SET first_article_id = ? WHERE first_article_id = ?", [new_id, old_id])
    if touched_events:
        refresh_events(conn, touched_events)
    return renamed


def _merge_into(conn: sqlite3.Connection, old_id: str, new_id: str) -> None:
    """Keep the article already stored under the new id; the other copy's derived rows go (the kept
    copy has its own), its raw HTML is kept where the survivor has none."""
    for table in ("figures", "company_mentions", "event_mentions", "story_signatures"):
        conn.execute(f"DELETE FROM {table} WHERE article_id = ?", [old_id])
    if conn.execute("SELECT 1 FROM raw_pages WHERE article_id = ?", [new_id]).fetchone():
        conn.execute("DELETE FROM raw_pages WHERE article_id = ?", [old_id])
    else:
        conn.execute("UPDATE raw_pages SET article_id = ? WHERE article_id = ?", [new_id, old_id])
    conn.execute("UPDATE events SET first_article_id = ? WHERE first_article_id = ?", [new_id, old_id])
    conn.execute("DELETE FROM articles WHERE id = ?", [old_id])


def _rename_in_digests(conn: sqlite3.Connection, renamed: dict[str, str]) -> None:
    """Digest state names articles by id ("a:<id>" item keys, ids inside stored items)."""
    if not renamed:
        return
    for watchlist, key, sent_at in conn.execute("SELECT watchlist, item_key, sent_at FROM digests_sent").fetchall():
        prefix, _, ident = key.partition(":")
        if prefix == "a" and ident in renamed:
            new_key = f"a:{renamed[ident]}"
            conn.execute("DELETE FROM digests_sent WHERE id = ?", [stable_id("digest_item", watchlist, key)])
            conn.execute("INSERT OR IGNORE INTO digests_sent (id, watchlist, item_key, sent_at) VALUES (?, ?, ?, ?)",
                         [stable_id("digest_item", watchlist, new_key), watchlist, new_key, sent_at])
    for digest_id, items in conn.execute("SELECT id, items FROM digests").fetchall():
        updated = json.dumps(_renamed(json.loads(items or "[]"), renamed), ensure_ascii=False)
        if updated != items:
            conn.execute("UPDATE digests SET items = ? WHERE id = ?", [updated, digest_id])


def _renamed(value, renamed: dict[str, str]):
    if isinstance(value, dict):
        return {k: _renamed(v, renamed) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renamed) for v in value]
    if isinstance(value, str):
        if value in renamed:
            return renamed[value]
        prefix, _, ident = value.partition(":")
        if prefix == "a" and ident in renamed:
            return f"a:{renamed[ident]}"
    return value
