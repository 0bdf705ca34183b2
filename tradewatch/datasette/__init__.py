"""Datasette on the knowledge base: committed metadata (titles, column descriptions, facets,
canned queries) and settings, plus the helpers `tradewatch serve` and the
tests use to start it the same way.

    load_metadata(db_name="tradewatch") -> dict       # metadata.yaml, keyed to the database name
    SETTINGS                                          # Datasette --setting values
    make_datasette(db_path) -> datasette.app.Datasette   # in-process, for tests and embedding
    serve_args(db_path, metadata_file, port, host) -> list[str]   # `datasette serve …` arguments

Importing this package registers the workbench plugin (plugin.py: the measure, article and review
pages, cell rendering); templates/ overrides the home page and the row page.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path

import yaml
from datasette.app import Datasette
from datasette.plugins import pm

from tradewatch.datasette import plugin as _plugin

HERE = Path(__file__).resolve().parent
METADATA_FILE = HERE / "metadata.yaml"
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
STATIC_MOUNT = "tradewatch-assets"   # served at /tradewatch-assets/…; metadata's extra_css_urls points here
DEFAULT_NAME = "tradewatch"

# Read-only serving: SQL is read-only in Datasette 0.65 (no write API, no writable canned queries);
# the whole-file download is off because the file can be large.
SETTINGS = {
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 1000,
    "suggest_facets": False,   # suggestions scan every column: too slow on a big knowledge base
    "allow_download": False,
    "default_facet_size": 20,
    "truncate_cells_html": 400,  # article texts in table cells; the row page shows them whole
}


if not pm.is_registered(_plugin):
    pm.register(_plugin, name=_plugin.PLUGIN_NAME)


@functools.lru_cache(maxsize=1)
def _committed_metadata() -> dict:
    return yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))


def load_metadata(db_name: str = DEFAULT_NAME) -> dict:
    """The committed metadata with its database section under `db_name` (the file's stem)."""
    metadata = copy.deepcopy(_committed_metadata())
    if db_name != DEFAULT_NAME:
        metadata["databases"] = {db_name: metadata["databases"].pop(DEFAULT_NAME)}
        metadata["description_html"] = metadata["description_html"].replace(f"/{DEFAULT_NAME}/", f"/{db_name}/")
        for dashboard in metadata.get("plugins", {}).get("datasette-dashboards", {}).values():
            for chart in dashboard.get("charts", {}).values():
                if chart.get("db") == DEFAULT_NAME:
                    chart["db"] = db_name
                if "query" in chart:
                    chart["query"] = chart["query"].replace(f"/{DEFAULT_NAME}/", f"/{db_name}/")
    return metadata


def make_datasette(db_path: str | Path, **kwargs):
    """A Datasette instance configured as `tradewatch serve` configures it."""
    db_path = Path(db_path)
    return Datasette(
        [str(db_path)],
        metadata=load_metadata(db_path.stem),
        settings=SETTINGS,
        static_mounts=[(STATIC_MOUNT, str(STATIC_DIR))],
        template_dir=str(TEMPLATE_DIR),
        **kwargs,
    )


def serve_args(db_path: str | Path, metadata_file: str | Path, port: int = 8001, host: str = "127.0.0.1") -> list[str]:
    """Arguments for `datasette serve` equivalent to make_datasette()."""
    args = [str(db_path), "--metadata", str(metadata_file), "--port", str(port), "--host", host]
    for name, value in SETTINGS.items():
        value = ("on" if value else "off") if isinstance(value, bool) else value
        args += ["--setting", name, str(value)]
    args += ["--static", f"{STATIC_MOUNT}:{STATIC_DIR}", "--template-dir", str(TEMPLATE_DIR)]
    return args
