"""Digest formats: adding one is one entry here (plus its template under templates/).

A `digest` format is rendered from one digest, kept with it until delivery (the `bodies` JSON of
the `digests` table) and written as `<watchlist>/<date>-<id>.<name>` and `<watchlist>/latest.<name>`.
A `feed` format is rendered over a watchlist's recent items and written as `<watchlist>.<name>`.
`tradewatch digest --format NAME` prints any of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tradewatch.alerts.digest import Digest
from tradewatch.alerts.render import render_atom, render_atom_digest, render_html, render_markdown


@dataclass(frozen=True)
class DigestFormat:
    name: str                                   # --format value and file suffix
    media_type: str
    render: Callable[[Digest], str]             # one digest → text
    # (watchlist, recent items, self_url=where the feed is published) → text
    feed: Callable[..., str] | None = None


FORMATS: dict[str, DigestFormat] = {f.name: f for f in (
    DigestFormat("md", "text/markdown; charset=utf-8", render_markdown),
    DigestFormat("html", "text/html; charset=utf-8", render_html),
    DigestFormat("atom", "application/atom+xml; charset=utf-8", render_atom_digest, feed=render_atom),
)}
DIGEST_FORMATS = [f for f in FORMATS.values() if f.feed is None]     # kept with each digest, one file each
FEED_FORMATS = [f for f in FORMATS.values() if f.feed is not None]   # one file per watchlist


def render_bodies(digest: Digest) -> dict[str, str]:
    return {f.name: f.render(digest) for f in DIGEST_FORMATS}
