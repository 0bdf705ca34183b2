"""Producing digests for the daily job: reserve → write files → mail → mark delivered.

Order matters for crash safety: items are reserved together with the rendered digest
(pending) before anything leaves the machine, so a run killed at any point either left
nothing (the next run builds the digest again) or left a pending digest that the next
run delivers as it was. A mail can be sent twice only if the process dies between the
SMTP server accepting it and the commit that marks it delivered; its Message-ID is the
digest id, so mail clients see the repeat as the same message.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from tradewatch.alerts import state
from tradewatch.alerts.digest import Digest, build_digest
from tradewatch.alerts.mail import MailError, build_message, send_message
from tradewatch.alerts.reader import now_iso
from tradewatch.alerts.formats import DIGEST_FORMATS, FEED_FORMATS, render_bodies
from tradewatch.alerts.render import item_dict
from core.config import Config, Watchlist


@dataclass
class DigestResult:
    watchlist: str
    digest_id: str
    items: int
    paths: dict[str, Path] = field(default_factory=dict)      # format name → file written

    @property
    def markdown_path(self) -> Path | None:
        return self.paths.get("md")
    mailed_to: list[str] = field(default_factory=list)
    error: str | None = None


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "watchlist"


def record(db: sqlite_utils.Database, digest: Digest) -> str:
    """Reserve the digest's items and keep its rendered bodies (pending until delivered)."""
    digest.digest_id = state.reserve(
        db, watchlist=digest.watchlist, created_at=digest.created_at, selected_at=digest.selected_at,
        items=[item_dict(i) for i in digest.items], bodies=render_bodies(digest),
    )
    return digest.digest_id


def feed_url(config: Config, db_name: str, watchlist: str, fmt: str = "atom") -> str | None:
    """Where Datasette serves a watchlist's feed (tradewatch.datasette: /<db>/-/feed/<watchlist>.atom)."""
    if not config.datasette_url:
        return None
    return f"{config.datasette_url.rstrip('/')}/{quote(db_name)}/-/feed/{quote(slug(watchlist))}.{fmt}"


def deliver(db: sqlite_utils.Database, row: dict, config: Config, out_dir: Path, *, mail: bool = True,
            ssl_context=None, db_name: str = "tradewatch") -> DigestResult:
    """Write the pending digest `row` to files, mail it if its watchlist has recipients, mark it delivered."""
    name = row["watchlist"]
    result = DigestResult(watchlist=name, digest_id=row["id"], items=row["item_count"])
    folder = out_dir / slug(name)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{row['created_at'][:10]}-{row['id'][:8]}"
    bodies = state.bodies(row)
    for fmt in DIGEST_FORMATS:
        result.paths[fmt.name] = _write(folder / f"{stem}.{fmt.name}", bodies.get(fmt.name, ""))
        latest = folder / f"latest.{fmt.name}"
        # latest.* is the last digest that had something in it: an empty run does not blank it.
        if row["item_count"] or not latest.exists():
            _write(latest, bodies.get(fmt.name, ""))
    for fmt in FEED_FORMATS:
        feed_path = out_dir / f"{slug(name)}.{fmt.name}"
        self_url = feed_url(config, db_name, name, fmt.name) or feed_path.resolve().as_uri()
        result.paths[fmt.name] = _write(feed_path, fmt.feed(name, state.recent_items(db, name), self_url=self_url))
    recipients = _recipients(config, name)
    if mail and recipients and row["item_count"]:
        subject = f"tradewatch: {row['item_count']} new for {name} ({row['created_at'][:10]})"
        message = build_message(sender=config.smtp.sender, recipients=recipients, subject=subject,
                                text=bodies.get("md", ""), html=bodies.get("html"), message_id=f"<{row['id']}@tradewatch>")
        try:
            send_message(config.smtp, message, ssl_context=ssl_context)
        except MailError as exc:
            result.error = str(exc)
            state.mark_failed(db, row["id"], str(exc))
            return result
        result.mailed_to = recipients
    state.mark_delivered(db, row["id"], now_iso(), [str(result.markdown_path), *result.mailed_to])
    return result


def run_digests(db: sqlite_utils.Database, config: Config, out_dir: str | Path, *,
                watchlists: list[Watchlist] | None = None, mail: bool = True, db_name: str = "tradewatch",
                ssl_context=None) -> list[DigestResult]:
    """Deliver what an earlier run left pending, then one new digest per watchlist."""
    out_dir = Path(out_dir)
    state.ensure_tables(db)
    results = [deliver(db, row, config, out_dir, mail=mail, ssl_context=ssl_context, db_name=db_name)
               for row in state.pending(db)]
    for watchlist in watchlists if watchlists is not None else config.watchlists:
        digest = build_digest(db, watchlist, datasette_url=config.datasette_url, db_name=db_name)
        record(db, digest)
        row = db[state.DIGESTS].get(digest.digest_id)
        results.append(deliver(db, row, config, out_dir, mail=mail, ssl_context=ssl_context, db_name=db_name))
    return results


def _recipients(config: Config, watchlist: str) -> list[str]:
    for w in config.watchlists:
        if w.name == watchlist:
            return list(w.email)
    return []


def _write(path: Path, text: str) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def dumps(results: list[DigestResult]) -> str:
    return json.dumps([r.__dict__ for r in results], default=str, indent=2)
