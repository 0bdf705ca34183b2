"""Digest → Markdown, HTML (Jinja2, autoescaped) and Atom (feedgen).

Everything from the web is hostile until shown otherwise: titles and evidence are escaped
for the format at hand, and only http(s) links are ever emitted.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

import jinja2
from feedgen.feed import FeedGenerator

from tradewatch.alerts.digest import Digest, item_keys
from tradewatch.alerts.model import StoryItem
from tradewatch.alerts.wording import format_figure, status_label
from tradewatch.alerts.model import Figure

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")


def safe_url(url: str | None) -> str:
    """The URL when it is plain http(s), percent-encoding characters that could break out of a link; else ""."""
    if not url:
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(url, safe="/:?&=#%@+,;~!$*'-._[]")


def md_text(text: object) -> str:
    """Plain text made inert in Markdown: one line, markup characters backslash-escaped."""
    flat = " ".join(str(text or "").split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_url(url: str | None) -> str:
    """A URL safe inside Markdown link parentheses (no spaces, parentheses or angle brackets)."""
    return safe_url(url).replace("(", "%28").replace(")", "%29").replace("'", "%27").replace("*", "%2A")


def _figure(value: dict | Figure) -> str:
    if isinstance(value, dict):
        value = Figure(**value)
    return format_figure(value)


def _date(when: str | None) -> str:
    return (when or "")[:10]


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tradewatch.alerts", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=md_text, md_url=md_url, safe_url=safe_url, figure=_figure, date=_date,
                       status=status_label)
    return env


_MARKDOWN = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def item_dict(item: StoryItem) -> dict:
    """What templates and stored digests see: plain data with the item's reserved keys."""
    data = item.to_dict()
    data["carried_by"] = item.carried_by
    data["keys"] = item_keys(item)
    data["others"] = [c for c in data["copies"] if c["id"] != item.lead.id]
    return data


def item_span(items: list[StoryItem]) -> str:
    """"2026-10-08 – 2026-11-24": the days of the items' articles (not the window the digest looked at)."""
    days = sorted(d for i in items for d in (_date(c.when) for c in (i.copies or [i.lead])) if d)
    if not days:
        return ""
    return days[0] if days[0] == days[-1] else f"{days[0]} – {days[-1]}"


def _context(digest: Digest) -> dict:
    return {
        "title": digest.title,
        "watchlist": digest.watchlist,
        "created_at": digest.created_at,
        "since": digest.since,
        "ad_hoc": not digest.record_state,
        "items": [item_dict(i) for i in digest.items],
        "span": item_span(digest.items),
        "datasette": safe_url(digest.datasette_url),
    }


def render_markdown(digest: Digest) -> str:
    text = _MARKDOWN.get_template("digest.md.j2").render(_context(digest))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(digest: Digest) -> str:
    return _HTML.get_template("digest.html.j2").render(_context(digest))


def render_atom(watchlist: str, entries: list[tuple[str, dict]], *, feed_id: str | None = None,
                self_url: str | None = None) -> str:
    """An Atom feed: one entry per digest item, newest first. `entries`: (updated ISO, item dict)."""
    feed = FeedGenerator()
    feed.id(feed_id or f"urn:tradewatch:watchlist:{quote(watchlist, safe='')}")
    feed.title(f"tradewatch: {watchlist}")
    feed.subtitle(f"New trade-policy stories for the watchlist {watchlist}")
    feed.generator("tradewatch")
    feed.author({"name": "tradewatch", "uri": "https://github.com/tradewatch/tradewatch"})   # RFC 4287 4.1.1
    self_link = safe_url(self_url) or (self_url if (self_url or "").startswith("file:///") else "")
    if self_link:
        feed.link(href=self_link, rel="self", type="application/atom+xml")
    updated = [u for u, _ in entries] or [datetime.now(timezone.utc).isoformat(timespec="seconds")]
    feed.updated(max(updated))
    template = _HTML.get_template("item.html.j2")
    seen_ids: set[str] = set()
    for when, item in reversed(entries):       # feedgen prepends: add oldest first
        entry_id = f"urn:tradewatch:{quote(watchlist, safe='')}:{quote(item['key'], safe='')}"
        if entry_id in seen_ids:               # an id names one entry (RFC 4287 4.2.6)
            continue
        seen_ids.add(entry_id)
        entry = feed.add_entry()
        entry.id(entry_id)
        entry.title(" ".join((item["lead"]["title"] or item["lead"]["url"]).split()))
        link = safe_url(item["lead"]["url"])
        if link:
            entry.link(href=link)
        entry.updated(when)
        if item["lead"].get("published"):
            try:
                entry.published(item["lead"]["published"])
            except ValueError:
                pass
        # feedgen escapes the HTML once more as XML text, as Atom's type="html" expects.
        entry.content(template.render(item=item, datasette=""), type="html")
    return feed.atom_str(pretty=True).decode("utf-8")


def render_atom_digest(digest: Digest, self_url: str | None = None) -> str:
    # digest.datasette_url is "<datasette>/<db>"; Datasette serves each watchlist's feed under it.
    base = digest.datasette_url.rstrip("/")
    return render_atom(digest.watchlist, [(digest.created_at, i) for i in (item_dict(x) for x in digest.items)],
                       self_url=self_url or (f"{base}/-/feed/{quote(digest.watchlist, safe='')}.atom" if base else None))
