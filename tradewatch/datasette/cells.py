"""How table cells read: ids as links, country names beside codes, JSON lists as lists, search
snippets with their matches marked. Everything from the knowledge base is escaped here."""
from __future__ import annotations

import json
from urllib.parse import quote

from markupsafe import Markup, escape

from core import countries, hs

# Column name → which page an id opens.
MEASURE_COLUMNS = frozenset({"measure", "event_id"})
ARTICLE_COLUMNS = frozenset({"article_id", "first_article_id"})
COUNTRY_LIST_COLUMNS = frozenset({"targets"})
COUNTRY_COLUMNS = frozenset({"actor", "country"})
NAME_LIST_COLUMNS = frozenset({"target_names", "aliases", "sources"})
SNIPPET_OPEN, SNIPPET_CLOSE = "\x02", "\x03"      # markers the search query puts around matches


def _keys(row) -> set[str]:
    try:
        return set(row.keys())
    except AttributeError:
        return set()


def _json_list(value) -> list[str] | None:
    if not isinstance(value, str) or not value.startswith("["):
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return None
    return [str(v) for v in items] if isinstance(items, list) else None


def link(href: str, text: str, title: str | None = None) -> Markup:
    extra = Markup(' title="{}"').format(title) if title else Markup("")
    return Markup('<a href="{}"{}>{}</a>').format(href, extra, text)


def measure_url(db: str, event_id: str) -> str:
    return f"/{quote(db)}/-/measure/{quote(str(event_id), safe='')}"


def article_url(db: str, article_id: str) -> str:
    return f"/{quote(db)}/-/article/{quote(str(article_id), safe='')}"


def country_label(code: str) -> Markup:
    name = countries.name_of(code)
    if not code or name == code:
        return Markup("{}").format(code)
    return Markup('{} <span class="tw-name">{}</span>').format(code, name)


def _chips(items: list[Markup]) -> Markup:
    if not items:
        return Markup('<span class="tw-empty">none</span>')
    return Markup('<ul class="tw-list">{}</ul>').format(Markup("").join(Markup("<li>{}</li>").format(i) for i in items))


def render(row, value, column: str, table: str | None, database: str) -> Markup | None:
    """The HTML for one cell, or None to leave it to Datasette."""
    if value is None or value == "":
        return None
    keys = _keys(row)
    if column in MEASURE_COLUMNS and isinstance(value, str):
        return link(measure_url(database, value), value, "Open the measure: timeline, figures, review")
    if column in ARTICLE_COLUMNS and isinstance(value, str):
        return link(article_url(database, value), value, "Read the article with its evidence highlighted")
    if column == "story_id" and isinstance(value, str):
        return link(f"/{quote(database)}/articles?story_id={quote(value, safe='')}", value, "Every article of this story")
    if column in ("article_title", "title") and isinstance(value, str):
        if "article_id" in keys and row["article_id"]:
            return link(article_url(database, row["article_id"]), value)
        if table == "articles" and "id" in keys:
            return link(article_url(database, row["id"]), value)
        if column == "title" and table is None and "id" in keys and "snippet" in keys:
            return link(article_url(database, row["id"]), value)
    if column == "id" and table is None and "snippet" in keys and isinstance(value, str):
        return link(article_url(database, value), value)
    if column == "snippet" and isinstance(value, str):
        text = escape(value)
        return Markup(str(text).replace(SNIPPET_OPEN, "<mark>").replace(SNIPPET_CLOSE, "</mark>"))
    if column in COUNTRY_COLUMNS and isinstance(value, str) and countries.is_code(value):
        return country_label(value)
    items = _json_list(value)
    if items is None:
        return None
    if column in COUNTRY_LIST_COLUMNS:
        return _chips([country_label(code) for code in items])
    if column == "hs_chapters":
        names = hs.chapter_names()
        return _chips([Markup('{} <span class="tw-name">{}</span>').format(c, names.get(c.zfill(2), "")) for c in items])
    if column in NAME_LIST_COLUMNS:
        return _chips([Markup("{}").format(i) for i in items])
    return None
