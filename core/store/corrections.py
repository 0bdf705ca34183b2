"""The review loop: an analyst confirms, rejects or corrects a measure (`events` row) or a company.

Corrections live in their own table (`corrections`, one row per review action, kept as history)
and win over the extractor: after every extraction write and after every review,
`apply_corrections` writes the corrected values into `events` / `companies`, keeping what the
extractor said in their `extracted` column (JSON: field → extractor value) and the verdict in
`review` (confirmed | corrected | rejected). So every view shows corrected values, and a
`reextract --all` that rewrites the extractor's rows cannot undo a correction.

A correction is anchored to the report it was made on (article id + evidence span): when a new
extractor gives the measure another id, the correction follows the report to it.

    review_event(conn, event_id, confirm=False, reject=False, sets={"status": "announced"}, reviewer="cli")
    review_company(conn, company_id, confirm=..., reject=..., sets={"country": "Japan"}, reviewer=...)
    parse_assignments(["status=announced", "targets=China, EU"]) -> {"status": ..., "targets": ...}
    apply_corrections(conn, refreshed=None)          # re-applies every correction; cheap (few rows)
    export_records(conn) -> iterator of gold-shape records (`tradewatch corrections --export`)
    ReviewError                                      # bad input: one message, nothing changed

Works on a plain sqlite3 connection, so the CLI (through KnowledgeBase) and Datasette's write
thread call the same code.
"""
from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from core import countries, hs, vocabulary
from core.ids import stable_id

EVENT_FIELDS = ("type", "actor", "targets", "status", "product", "hs_chapters", "announced", "effective")
COMPANY_FIELDS = ("name", "country")
# Fields that refresh_events recomputes from the reports on every extraction write.
REFRESHED_EVENT_FIELDS = frozenset({"status", "product", "announced", "effective"})
VERDICTS = ("confirmed", "corrected", "rejected")
MAX_TEXT = 200
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# Free text an analyst types: letters, digits, spaces and ordinary punctuation; no markup.
_MARKUP = re.compile(r"[<>{}`\\]|javascript:|&#", re.IGNORECASE)


class ReviewError(ValueError):
    """A review that cannot be applied; the message says what to fix. Nothing was changed."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- validation ---------------------------------------------------------------------------


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """["status=announced", "targets=CN, EU"] → {"status": "announced", "targets": "CN, EU"}."""
    sets: dict[str, str] = {}
    for item in items:
        field, sep, value = str(item).partition("=")
        if not sep or not field.strip():
            raise ReviewError(f"{item!r}: write FIELD=VALUE, e.g. status=announced")
        sets[field.strip().lower()] = value.strip()
    return sets


def _country(value: str, what: str) -> str:
    code = countries.code_of(value)
    if code is None:
        raise ReviewError(f"{what}: unknown country {value!r}; use a name, short form or code (China, UK, USA, CN, EU)")
    return code


def _plain_text(value: str, what: str) -> str:
    text = " ".join(str(value).split())
    if _MARKUP.search(text):
        raise ReviewError(f"{what}: plain text only (no <, >, braces, backslashes or script)")
    if len(text) > MAX_TEXT:
        raise ReviewError(f"{what}: at most {MAX_TEXT} characters")
    return text


def _list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "").strip()
    if text.startswith("["):
        try:
            return [str(v).strip() for v in json.loads(text) if str(v).strip()]
        except ValueError:
            pass
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def validate_event_value(field: str, value: Any) -> Any:
    """The value to store for one event field, or ReviewError."""
    if field not in EVENT_FIELDS:
        raise ReviewError(f"unknown field {field!r}; a measure has {', '.join(EVENT_FIELDS)}")
    if field == "type":
        if value not in vocabulary.EVENT_TYPES:
            raise ReviewError(f"type: {value!r} is not an event type; use one of {', '.join(vocabulary.EVENT_TYPES)}")
        return value
    if field == "status":
        if value not in vocabulary.STATUSES:
            raise ReviewError(f"status: {value!r} is not a status; use one of {', '.join(vocabulary.STATUSES)}")
        return value
    if field == "actor":
        return _country(str(value), "actor")
    if field == "targets":
        return sorted({_country(name, "targets") for name in _list(value)})
    if field == "hs_chapters":
        try:
            return sorted({hs.normalise_chapter(c) for c in _list(value)})
        except ValueError as exc:
            raise ReviewError(f"hs_chapters: {exc}") from None
    if field == "product":
        return _plain_text(value, "product")
    text = str(value or "").strip()      # announced / effective
    if text and not _DATE.match(text):
        raise ReviewError(f"{field}: {value!r} is not a date; write YYYY-MM-DD (or YYYY-MM, YYYY), or leave it empty")
    return text or None


def validate_company_value(field: str, value: Any) -> Any:
    if field not in COMPANY_FIELDS:
        raise ReviewError(f"unknown field {field!r}; a company has {', '.join(COMPANY_FIELDS)}")
    if field == "country":
        return _country(str(value), "country") if str(value or "").strip() else None
    name = _plain_text(value, "name")
    if not name:
        raise ReviewError("name: give the company's name")
    return name


def chapters_of_product(product: str) -> list[str]:
    """HS chapters of the product words a product text contains ("steel wire rod" → ["72"])."""
    text = f" {product.lower()} "
    found = {c for term, chapters in hs.product_terms().items() if f" {term} " in text for c in chapters}
    return sorted(found)


# --- recording reviews --------------------------------------------------------------------


def _action(confirm: bool, reject: bool, sets: dict) -> str:
    chosen = [name for name, on in (("confirm", confirm), ("reject", reject), ("set", bool(sets))) if on]
    if len(chosen) != 1:
        raise ReviewError("give exactly one of: confirm, reject, or one or more FIELD=VALUE corrections")
    return chosen[0]


def _insert(conn: sqlite3.Connection, kind: str, target: str, action: str, field: str | None, value: Any,
            anchor: tuple[str | None, str | None], reviewer: str, at: str) -> None:
    encoded = None if field is None else json.dumps(value, ensure_ascii=False)
    conn.execute(
        "INSERT OR REPLACE INTO corrections (id, kind, target_id, action, field, value, anchor_article_id, "
        "anchor_evidence, reviewer, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [stable_id("correction", kind, target, action, field, encoded, at), kind, target, action, field, encoded,
         anchor[0], anchor[1], reviewer, at],
    )


def review_event(conn: sqlite3.Connection, event_id: str, *, confirm: bool = False, reject: bool = False,
                 sets: dict[str, Any] | None = None, reviewer: str = "analyst") -> dict:
    """Record one review of a measure and apply it; returns the measure as it now reads.
    Everything is validated before anything is written (ReviewError otherwise)."""
    sets = dict(sets or {})
    action = _action(confirm, reject, sets)
    row = conn.execute("SELECT first_article_id, evidence FROM events WHERE id = ?", [event_id]).fetchone()
    if row is None:
        raise ReviewError(f"no measure with id {event_id!r}")
    values = {field: validate_event_value(field, value) for field, value in sets.items()}
    at = _now()
    with _savepoint(conn):
        if action == "set":
            for field, value in values.items():
                _insert(conn, "event", event_id, "set", field, value, row, reviewer, at)
        else:
            _insert(conn, "event", event_id, action, None, None, row, reviewer, at)
        apply_corrections(conn)
    return event_state(conn, event_id)


def review_company(conn: sqlite3.Connection, company_id: str, *, confirm: bool = False, reject: bool = False,
                   sets: dict[str, Any] | None = None, reviewer: str = "analyst") -> dict:
    sets = dict(sets or {})
    action = _action(confirm, reject, sets)
    if conn.execute("SELECT 1 FROM companies WHERE id = ?", [company_id]).fetchone() is None:
        raise ReviewError(f"no company with id {company_id!r}")
    values = {field: validate_company_value(field, value) for field, value in sets.items()}
    at = _now()
    with _savepoint(conn):
        if action == "set":
            for field, value in values.items():
                _insert(conn, "company", company_id, "set", field, value, (None, None), reviewer, at)
        else:
            _insert(conn, "company", company_id, action, None, None, (None, None), reviewer, at)
        apply_corrections(conn)
    row = conn.execute("SELECT id, name, country, review, extracted FROM companies WHERE id = ?", [company_id]).fetchone()
    return {"id": row[0], "name": row[1], "country": row[2], "review": row[3], "extracted": json.loads(row[4] or "{}")}


@contextlib.contextmanager
def _savepoint(conn: sqlite3.Connection) -> Iterator[None]:
    """All or nothing, on a plain connection or inside an open transaction (then it nests);
    releasing the outermost savepoint commits."""
    conn.execute("SAVEPOINT review")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK TO review")
        conn.execute("RELEASE review")
        raise
    conn.execute("RELEASE review")


def event_state(conn: sqlite3.Connection, event_id: str) -> dict:
    row = conn.execute(
        "SELECT id, type, actor, targets, status, product, hs_chapters, announced, effective, review, extracted "
        "FROM events WHERE id = ?", [event_id]).fetchone()
    if row is None:
        return {}
    keys = ("id", "type", "actor", "targets", "status", "product", "hs_chapters", "announced", "effective",
            "review", "extracted")
    state = dict(zip(keys, row))
    for key in ("targets", "hs_chapters", "extracted"):
        state[key] = json.loads(state[key] or ("{}" if key == "extracted" else "[]"))
    return state


# --- applying -----------------------------------------------------------------------------


def _latest(conn: sqlite3.Connection, kind: str) -> dict[str, dict]:
    """target id → {"verdict": confirmed|rejected|None, "fields": {field: value}, "anchor": (article, evidence)}."""
    targets: dict[str, dict] = {}
    for target, action, field, value, article, evidence in conn.execute(
        "SELECT target_id, action, field, value, anchor_article_id, anchor_evidence FROM corrections "
        "WHERE kind = ? ORDER BY created_at, rowid", [kind],
    ):
        state = targets.setdefault(target, {"verdict": None, "fields": {}, "anchor": (article, evidence)})
        if action == "set":
            state["fields"][field] = json.loads(value)
            if state["verdict"] == "rejected":
                state["verdict"] = None      # correcting a rejected row means it is a real one after all
        else:
            state["verdict"] = "confirmed" if action == "confirm" else "rejected"
    return targets


def _reanchor(conn: sqlite3.Connection, old_id: str, anchor: tuple) -> str | None:
    """The measure that now holds the report a correction was made on (after a re-extraction gave it a new id)."""
    article, evidence = anchor
    if not article:
        return None
    rows = conn.execute("SELECT event_id, evidence FROM event_mentions WHERE article_id = ? ORDER BY char_start",
                        [article]).fetchall()
    evidence = (evidence or "").strip()
    for event_id, text in rows:
        if evidence and (text or "").strip() == evidence:
            return event_id
    for event_id, text in rows:
        text = (text or "").strip()
        if evidence and text and (text in evidence or evidence in text):
            return event_id
    return None


def apply_corrections(conn: sqlite3.Connection, refreshed: Iterable[str] | None = None) -> int:
    """Write corrections into `events` and `companies`; returns the rows changed.

    Without `refreshed`, every correction is applied (after a review). With it (after an extraction
    write), only the measures the extractor has just rewritten and corrections whose measure is gone
    (they follow their report to its new measure); the extractor's new values are recorded in `extracted`."""
    states = _latest(conn, "event")
    if refreshed is None:
        wanted, fresh = set(states), set()
    else:
        fresh = set(refreshed)
        missing = {r[0] for r in conn.execute(
            "SELECT DISTINCT target_id FROM corrections WHERE kind = 'event' "
            "AND target_id NOT IN (SELECT id FROM events)")}
        wanted = (fresh | missing) & set(states)
    changed = 0
    for event_id in sorted(wanted):
        state, target = states[event_id], event_id
        if conn.execute("SELECT 1 FROM events WHERE id = ?", [event_id]).fetchone() is None:
            target = _reanchor(conn, event_id, state["anchor"])
            if target is None:
                continue                     # the report is gone for now; kept until it comes back
            conn.execute("UPDATE corrections SET target_id = ? WHERE kind = 'event' AND target_id = ?", [target, event_id])
        # Re-anchored after a re-extraction: what the row holds now is the new extractor's output.
        extractor_wrote = target in fresh or (refreshed is not None and target != event_id)
        changed += _apply_event(conn, target, state, extractor_wrote)
    for company_id, state in _latest(conn, "company").items():
        changed += _apply_company(conn, company_id, state)
    return changed


def _apply_event(conn: sqlite3.Connection, event_id: str, state: dict, extractor_wrote: bool) -> int:
    """Corrected values into one `events` row; `extracted` records the extractor's value of each corrected
    field (taken anew for report-derived fields when the extractor has just rewritten the row)."""
    row = conn.execute(f"SELECT {', '.join(EVENT_FIELDS)}, extracted, review FROM events WHERE id = ?",
                       [event_id]).fetchone()
    current = dict(zip(EVENT_FIELDS, row[:len(EVENT_FIELDS)]))
    extracted = json.loads(row[len(EVENT_FIELDS)] or "{}")
    fields = dict(state["fields"])
    if "product" in fields and "hs_chapters" not in fields:
        fields["hs_chapters"] = chapters_of_product(fields["product"])
    stored = {}
    for field, value in fields.items():
        encoded = json.dumps(value) if field in ("targets", "hs_chapters") else value
        if field not in extracted or (extractor_wrote and field in REFRESHED_EVENT_FIELDS and current[field] != encoded):
            extracted[field] = json.loads(current[field] or "[]") if field in ("targets", "hs_chapters") else current[field]
        stored[field] = encoded
    verdict = state["verdict"] or ("corrected" if state["fields"] else None)
    if verdict == "confirmed" and state["fields"]:
        verdict = "corrected"
    updates = {**stored, "extracted": json.dumps(extracted, ensure_ascii=False, sort_keys=True), "review": verdict}
    if all(current.get(k) == v for k, v in stored.items()) and row[-2] == updates["extracted"] and row[-1] == verdict:
        return 0
    assignments = ", ".join(f"[{k}] = ?" for k in updates)
    conn.execute(f"UPDATE events SET {assignments} WHERE id = ?", [*updates.values(), event_id])
    return 1


def _apply_company(conn: sqlite3.Connection, company_id: str, state: dict) -> int:
    row = conn.execute("SELECT name, country, aliases, extracted, review FROM companies WHERE id = ?",
                       [company_id]).fetchone()
    if row is None:
        return 0
    name, country, aliases, extracted_json, review = row
    extracted = json.loads(extracted_json or "{}")
    current = {"name": name, "country": country}
    aliases_list = json.loads(aliases or "[]")
    for field, value in state["fields"].items():
        extracted.setdefault(field, current[field])
        current[field] = value
    if "name" in state["fields"] and extracted["name"] != current["name"] and extracted["name"] not in aliases_list:
        # The extractor's spelling stays an alias, so its next report files under this company.
        aliases_list = sorted({*aliases_list, extracted["name"]})
    verdict = state["verdict"] or ("corrected" if state["fields"] else None)
    if verdict == "confirmed" and state["fields"]:
        verdict = "corrected"
    new = [current["name"], current["country"], json.dumps(aliases_list, ensure_ascii=False),
           json.dumps(extracted, ensure_ascii=False, sort_keys=True), verdict]
    if new == [name, country, aliases, extracted_json, review]:
        return 0
    conn.execute("UPDATE companies SET name = ?, country = ?, aliases = ?, extracted = ?, review = ? WHERE id = ?",
                 [*new, company_id])
    return 1


# --- export -------------------------------------------------------------------------------


def export_records(conn: sqlite3.Connection) -> Iterator[dict]:
    """Reviewed measures and companies as gold-shape records (shared/gold/GUIDELINES.md), one per
    article: the article a measure was reviewed on, with its text, so the record can join training
    data. Only what was reviewed is listed (`reviewed` says which lists; figures are never reviewed
    here); rejected measures and companies are listed under `rejected` as negative examples."""
    by_article: dict[str, dict] = {}

    def record(article_id: str) -> dict:
        if article_id not in by_article:
            row = conn.execute("SELECT url, title, text FROM articles WHERE id = ?", [article_id]).fetchone()
            url, title, text = row if row else (None, "", "")
            by_article[article_id] = {
                "source": "tradewatch-review", "id": article_id, "url": url, "title": title or "", "text": text or "",
                "figures": [], "companies": [], "events": [], "rejected": {"companies": [], "events": []},
                "reviewed": ["events", "companies"],
            }
        return by_article[article_id]

    for event_id, state in _latest(conn, "event").items():
        row = conn.execute(
            "SELECT type, actor, targets, status, product, hs_chapters, announced, effective, evidence, "
            "first_article_id, review, extracted FROM events WHERE id = ?", [event_id]).fetchone()
        if row is None:
            continue
        (etype, actor, targets, status, product, chapters, announced, effective, evidence, first_article,
         review, extracted) = row
        article_id, anchor_evidence = state["anchor"]
        event = {"type": etype, "actor": actor or "", "targets": json.loads(targets or "[]"), "status": status or "",
                 "product": product or "", "evidence": anchor_evidence or evidence or "",
                 "hs_chapters": json.loads(chapters or "[]"), "announced": announced, "effective": effective,
                 "event_id": event_id, "review": review, "extracted": json.loads(extracted or "{}")}
        if not (article_id or first_article):
            continue                         # no report left to anchor a training record to
        target = record(article_id or first_article)
        (target["rejected"]["events"] if review == "rejected" else target["events"]).append(event)
    for company_id, state in _latest(conn, "company").items():
        row = conn.execute("SELECT name, aliases, country, review, extracted FROM companies WHERE id = ?",
                           [company_id]).fetchone()
        if row is None:
            continue
        name, aliases, country, review, extracted = row
        company = {"name": name, "aliases": json.loads(aliases or "[]"), "country": country, "company_id": company_id,
                   "review": review, "extracted": json.loads(extracted or "{}")}
        articles = [r[0] for r in conn.execute(
            "SELECT DISTINCT article_id FROM company_mentions WHERE company_id = ? ORDER BY article_id", [company_id])]
        for article_id in articles[:1] or []:
            target = record(article_id)
            (target["rejected"]["companies"] if review == "rejected" else target["companies"]).append(company)
    for article_id in sorted(by_article):
        yield by_article[article_id]
