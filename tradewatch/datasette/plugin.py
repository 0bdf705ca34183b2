"""The workbench's Datasette plugin: its pages, how cells read, what the home page knows.
Registered by tradewatch.datasette at import (the package is not a pip entry point)."""
from __future__ import annotations

from datasette import hookimpl

from core import countries, vocabulary
from tradewatch.datasette import cells, pages

PLUGIN_NAME = "tradewatch-workbench"


@hookimpl
def register_routes():
    return pages.ROUTES


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return cells.render(row, value, column, table, database)


@hookimpl
def extra_template_vars(template, database, datasette, request):
    """The home page's search forms need the registries and the newest day in the data."""
    if template != "index.html":
        return {}

    async def inner():
        names = list(datasette.databases)
        name = next((n for n in names if n != "_internal"), None)
        newest = None
        if name:
            db = datasette.get_database(name)
            try:
                newest = (await db.execute("SELECT max(last_seen) FROM events")).rows[0][0]
            except Exception:    # not a knowledge base (another file served alongside)
                newest = None
        return {"tw": {
            "db": name, "newest": (newest or "")[:10], "types": vocabulary.EVENT_TYPES,
            "type_labels": {t: vocabulary.event_type(t).get("label", t) for t in vocabulary.EVENT_TYPES},
            "statuses": vocabulary.STATUSES, "tiers": vocabulary.TIERS,
            "example_countries": [countries.name_of(c) for c in ("CN", "US", "EU", "GB", "RU")],
        }}

    return inner


@hookimpl
def menu_links(datasette, actor, request):
    links = [{"href": "/-/dashboards/tradewatch", "label": "Dashboard"}]
    if not actor:
        links.append({"href": "/-/login", "label": "Log in to review"})
    return links
