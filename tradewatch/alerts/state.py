"""Digest state: which items each watchlist has had, and digests written but not yet delivered.

`digests_sent` (store schema) holds one row per (watchlist, item key): an item is reserved
there in the same transaction that records its digest as pending, so no later digest can
repeat it, crash or not. `digests` keeps each digest's rendered bodies (JSON: format name →
text, see formats.py) until delivery is done, so a run killed between reserving and
delivering delivers the same digest next time.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import sqlite_utils

from core.ids import stable_id

DIGESTS = "digests"


def ensure_tables(db: sqlite_utils.Database) -> None:
    # The store's migrations create both tables (v1, v5); this only covers a bare database handed in.
    db["digests_sent"].create({"id": str, "watchlist": str, "item_key": str, "sent_at": str},
                              pk="id", if_not_exists=True)
    db[DIGESTS].create(
        {"id": str, "watchlist": str, "created_at": str, "selected_at": str, "status": str,
         "item_count": int, "items": str, "bodies": str, "delivered_at": str, "delivered_to": str, "error": str},
        pk="id", if_not_exists=True,
    )
    db[DIGESTS].create_index(["watchlist", "created_at"], if_not_exists=True)
    db[DIGESTS].create_index(["status"], if_not_exists=True)


def sent_id(watchlist: str, item_key: str) -> str:
    """The same id KnowledgeBase.mark_sent gives the row."""
    return stable_id("digest_item", watchlist, item_key)


def already_sent(db: sqlite_utils.Database, watchlist: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    keys = list(dict.fromkeys(keys))
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        found.update(r[0] for r in db.execute(
            f"SELECT item_key FROM digests_sent WHERE watchlist = ? AND item_key IN ({','.join('?' * len(chunk))})",
            [watchlist, *chunk],
        ))
    return found


def horizon(db: sqlite_utils.Database, watchlist: str, margin_hours: float = 24) -> str | None:
    """Where the next digest's candidates start: the last selection, less a margin (repeats are
    filtered by digests_sent, so the margin only guards against clock skew and slow commits)."""
    row = db.execute(f"SELECT max(selected_at) FROM {DIGESTS} WHERE watchlist = ?", [watchlist]).fetchone()
    if not row or not row[0]:
        return None
    return (datetime.fromisoformat(row[0]) - timedelta(hours=margin_hours)).isoformat(timespec="seconds")


def reserve(db: sqlite_utils.Database, *, watchlist: str, created_at: str, selected_at: str,
            items: list[dict], bodies: dict[str, str]) -> str:
    """Record a digest as pending and its items as sent, atomically; returns the digest id."""
    keys = [key for item in items for key in item.get("keys") or [item["key"]]]
    digest_id = stable_id("digest", watchlist, selected_at, *keys)
    with db.conn:
        db[DIGESTS].insert({
            "id": digest_id, "watchlist": watchlist, "created_at": created_at, "selected_at": selected_at,
            "status": "pending", "item_count": len(items), "items": json.dumps(items, ensure_ascii=False),
            "bodies": json.dumps(bodies, ensure_ascii=False), "delivered_at": None, "delivered_to": None, "error": None,
        }, replace=True)
        db["digests_sent"].insert_all(
            ({"id": sent_id(watchlist, key), "watchlist": watchlist, "item_key": key, "sent_at": created_at}
             for key in keys),
            pk="id", ignore=True,
        )
    return digest_id


def pending(db: sqlite_utils.Database) -> list[dict]:
    return list(db[DIGESTS].rows_where("status = 'pending'", order_by="created_at"))


def mark_delivered(db: sqlite_utils.Database, digest_id: str, delivered_at: str, delivered_to: list[str]) -> None:
    with db.conn:
        db[DIGESTS].update(digest_id, {"status": "delivered", "delivered_at": delivered_at,
                                       "delivered_to": json.dumps(delivered_to), "error": None})


def mark_failed(db: sqlite_utils.Database, digest_id: str, error: str) -> None:
    """Delivery failed: stays pending (retried next run), with the reason kept."""
    with db.conn:
        db[DIGESTS].update(digest_id, {"error": error})


def recent_items(db: sqlite_utils.Database, watchlist: str, limit: int = 50) -> list[tuple[str, dict]]:
    """(digest created_at, item dict) of the latest digested items, newest first — the Atom feed's entries."""
    out: list[tuple[str, dict]] = []
    for created_at, items in db.execute(
        f"SELECT created_at, items FROM {DIGESTS} WHERE watchlist = ? AND item_count > 0 ORDER BY created_at DESC",
        [watchlist],
    ):
        for item in json.loads(items or "[]"):
            out.append((created_at, item))
            if len(out) >= limit:
                return out
    return out


def bodies(row: dict) -> dict[str, str]:
    """The rendered bodies a `digests` row keeps, by format name."""
    return json.loads(row.get("bodies") or "{}")
