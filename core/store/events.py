"""One `events` row per real-world measure; each report of it is an `event_mentions` row.

A report joins an existing measure with the same type, actor and targets whose dates are
close and whose product is similar (see `event_matching.event_match_score`); otherwise it starts
a new measure whose id is derived from its first article (stable on re-runs).
"""
from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any, Iterable

from core.store.coerce import float_or_none as _float, int_or_none as _int, str_list as _str_list
from core.store import event_matching
from core.store.companies import plain_key
from core.store.event_dates import resolve_stated_date
from core.ids import stable_id

EVENT_COLUMNS = (
    "id", "type", "actor", "targets", "targets_key", "status", "product", "hs_chapters", "announced",
    "effective", "evidence", "confidence", "first_seen", "last_seen", "first_article_id",
    "mentions_count", "articles_count", "outlets_count",
)
INSERT_EVENT = (
    f"INSERT OR IGNORE INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)
MENTION_COLUMNS = (
    "id", "event_id", "article_id", "status", "product", "evidence", "char_start", "char_end",
    "announced", "effective", "confidence", "seen_at",
)
INSERT_MENTION = (
    f"INSERT OR REPLACE INTO event_mentions ({', '.join(MENTION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(MENTION_COLUMNS))})"
)


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return sorted({str(v).strip().upper() for v in value if v is not None and str(v).strip()})




def _extracted_key(row: tuple) -> tuple:
    """(type, actor) as the extractor gave them, for a row whose `extracted` JSON is row[7]."""
    original = json.loads(row[7] or "{}")
    return original.get("type", row[8]), original.get("actor", row[9])


class EventMatcher:
    """Matches the reports of one write transaction to measures. The transaction holds the write
    lock, so what it has read cannot change underneath; measures it creates or widens are kept in
    memory and seen by the reports after them, exactly as if each were saved on its own."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._window = timedelta(days=event_matching.EVENT_WINDOW_DAYS)
        self._seen: dict[str, dict] = {}                 # id → candidate, for every measure read or made
        self._mine: dict[tuple, list[dict]] = {}         # key → measures created or widened here
        self.new_events: list[list] = []
        self.mentions: list[list] = []
        self.existing_touched: set[str] = set()     # measures that existed before and got a report
        self._new_counts: dict[str, int] = {}       # new measure → reports in this transaction

    def _candidates(self, key: tuple, day) -> list[dict]:
        """Stored measures with this key whose span comes within the window of `day`, plus the
        ones this transaction created or widened (their in-memory span is the current one)."""
        low = (day - self._window).isoformat() if day else ""
        high = (day + self._window).isoformat() + "\uffff" if day else "\uffff"
        found = {c["id"]: c for c in self._mine.get(key, ())}
        window = "AND (last_seen IS NULL OR last_seen >= ?) AND (first_seen IS NULL OR first_seen <= ?)"
        rows = self.conn.execute(
            "SELECT id, product, announced, effective, first_seen, last_seen, status, extracted FROM events "
            f"WHERE type = ? AND actor IS ? AND targets_key = ? {window}", [*key, low, high],
        ).fetchall()
        # A reviewed measure shows corrected values; its reports still match on what the extractor said.
        rows += [r for r in self.conn.execute(
            "SELECT id, product, announced, effective, first_seen, last_seen, status, extracted, type, actor "
            f"FROM events WHERE extracted IS NOT NULL AND targets_key = ? {window}", [key[2], low, high],
        ) if _extracted_key(r) == key[:2]]
        for r in rows:
            if r[0] not in found:
                original = json.loads(r[7] or "{}")
                found[r[0]] = self._seen.setdefault(r[0], {
                    "id": r[0], "product": original.get("product", r[1]), "announced": original.get("announced", r[2]),
                    "effective": original.get("effective", r[3]), "first_seen": r[4], "last_seen": r[5],
                    "status": original.get("status", r[6]), "new": False})
        return list(found.values())

    def add_report(self, article_id: str, event: dict, article_day: str | None, now: str) -> str:
        """Link one extracted event (GUIDELINES shape) to its measure; returns the event id."""
        etype = str(event["type"]).strip()
        actor = str(event.get("actor") or "").strip().upper() or None
        targets = _codes(event.get("targets"))
        key = (etype, actor, ",".join(targets))
        product = (event.get("product") or "").strip()
        day = event_matching.parse_day(article_day)
        # Stated dates ("Friday", "1 January") become ISO dates against the article's day.
        event = {**event, "announced": resolve_stated_date(event.get("announced"), day, "past"),
                 "effective": resolve_stated_date(event.get("effective"), day, "future")}
        report = {"product": product, "announced": event["announced"], "effective": event["effective"],
                  "status": event.get("status")}
        best, best_rank = None, None
        for candidate in self._candidates(key, day):
            score = event_matching.event_match_score(report, candidate, day)
            if score > 0:
                rank = (-score, candidate["first_seen"] or "", candidate["id"])
                if best_rank is None or rank < best_rank:
                    best, best_rank = candidate, rank
        hs_chapters = json.dumps(_str_list(event.get("hs_chapters")))
        confidence = _float(event.get("confidence"))
        evidence = event.get("evidence") or ""
        start, end = _int(event.get("start")), _int(event.get("end"))
        if best is None:
            event_id = stable_id("event", *key, plain_key(product), article_id)
            best = {"id": event_id, "product": product, "announced": event.get("announced"),
                    "effective": event.get("effective"), "first_seen": article_day, "last_seen": article_day,
                    "status": event.get("status"), "new": True}
            self._seen[event_id] = best
            self._mine.setdefault(key, []).append(best)
            self.new_events.append([
                event_id, etype, actor, json.dumps(targets), key[2], event.get("status"), product, hs_chapters,
                event.get("announced"), event.get("effective"), evidence, confidence, article_day, article_day,
                article_id, 1, 1, 1,
            ])
        elif article_day:  # later reports in this transaction see the widened date span
            best["first_seen"] = min(best["first_seen"] or article_day, article_day)
            best["last_seen"] = max(best["last_seen"] or article_day, article_day)
            if all(c["id"] != best["id"] for c in self._mine.get(key, ())):
                self._mine.setdefault(key, []).append(best)
        event_id = best["id"]
        if best["new"]:
            self._new_counts[event_id] = self._new_counts.get(event_id, 0) + 1
        else:
            self.existing_touched.add(event_id)
        self.mentions.append([
            stable_id("event_mention", article_id, event_id, start, evidence), event_id, article_id,
            event.get("status"), product, evidence, start, end, event.get("announced"), event.get("effective"),
            confidence, now,
        ])
        return event_id

    def write(self) -> set[str]:
        """Insert the new measures and all reports; returns the measures whose aggregates need a refresh
        (a new measure with a single report already holds the right values)."""
        if self.new_events:
            self.conn.executemany(INSERT_EVENT, self.new_events)
        if self.mentions:
            self.conn.executemany(INSERT_MENTION, self.mentions)
        return self.existing_touched | {eid for eid, n in self._new_counts.items() if n > 1}


def refresh_events(conn: sqlite3.Connection, event_ids: Iterable[str]) -> None:
    """Recompute each measure's counts, dates, first article, latest status, product and evidence
    from its reports; delete measures left without reports."""
    ids = sorted(set(event_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        reports: dict[str, list[tuple]] = {eid: [] for eid in chunk}
        for row in conn.execute(
            "SELECT m.event_id, coalesce(a.published, a.fetched_at) AS day, m.id, m.article_id, "
            "coalesce(nullif(a.site_name, ''), a.source) AS outlet, m.status, "
            "m.product, m.evidence, m.confidence, m.announced, m.effective "
            f"FROM event_mentions m JOIN articles a ON a.id = m.article_id WHERE m.event_id IN ({marks})",
            chunk,
        ):
            reports[row[0]].append(row)
        current = dict(conn.execute(f"SELECT id, evidence FROM events WHERE id IN ({marks})", chunk).fetchall())
        updates, evidence_updates, orphans = [], [], []
        for eid, rows in reports.items():
            if not rows:
                orphans.append(eid)
                continue
            rows.sort(key=lambda r: (r[1] or "", r[2]))
            first, latest = rows[0], rows[-1]
            days = [r[1] for r in rows if r[1]]
            products = [r[6] for r in rows if r[6]]
            confidences = [r[8] for r in rows if r[8] is not None]
            announced = [r[9] for r in rows if r[9]]
            effective = [r[10] for r in rows if r[10]]
            updates.append([
                len(rows), len({r[3] for r in rows}), len({r[4] for r in rows}),
                min(days) if days else None, max(days) if days else None, first[3], latest[5],
                products[0] if products else "", max(confidences) if confidences else None,
                min(announced) if announced else None, min(effective) if effective else None, eid,
            ])
            if current.get(eid) != first[7]:  # only then, so the FTS trigger on evidence stays quiet
                evidence_updates.append([first[7], eid])
        conn.executemany(
            "UPDATE events SET mentions_count = ?, articles_count = ?, outlets_count = ?, first_seen = ?, "
            "last_seen = ?, first_article_id = ?, status = coalesce(?, status), product = ?, confidence = ?, "
            "announced = ?, effective = ? WHERE id = ?",
            updates,
        )
        conn.executemany("UPDATE events SET evidence = ? WHERE id = ?", evidence_updates)
        if orphans:
            conn.execute(f"DELETE FROM events WHERE id IN ({', '.join('?' * len(orphans))})", orphans)
