"""`tradewatch serve`: Datasette on the knowledge base, read-only."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click
from datasette.cli import cli as datasette_cli

from tradewatch.cli.options import config_option, db_option, open_knowledge_base, resolve_config
from tradewatch.datasette import load_metadata, serve_args


@click.command("serve")
@db_option
@config_option
@click.option("--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 127.0.0.1 keeps it on this machine, 0.0.0.0 shares it (read-only).")
def serve_command(db_path: str | None, config_path: str | None, port: int, host: str) -> None:
    """Browse the knowledge base in Datasette (facets, canned queries, measure and article pages, dashboard).

    Read-only for everyone; analysts log in at /-/login as "analyst" to review measures and companies
    when TRADEWATCH_ANALYST_PASSWORD_HASH holds a hash from `datasette hash-password`."""
    config = resolve_config(config_path, db_path)
    path = Path(config.db)
    if not path.is_file():           # a mistyped --db would otherwise be created empty and served
        what = "is a directory, not" if path.is_dir() else "does not exist; there is no"
        click.echo(f"tradewatch serve: {path} {what} a knowledge base; check the --db path, or create one "
                   "with `tradewatch daily` (or `tradewatch daily --demo`)", err=True)
        sys.exit(2)
    open_knowledge_base(path).close()  # upgrades an old knowledge base, so every page works
    with tempfile.TemporaryDirectory(prefix="tradewatch-serve-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(json.dumps(load_metadata(path.stem)), encoding="utf-8")
        click.echo(f"tradewatch: serving {path} at http://{host}:{port}/{path.stem} (Ctrl-C stops)", err=True)
        datasette_cli.main(["serve", *serve_args(path, metadata_file, port=port, host=host)],
                           prog_name="datasette", standalone_mode=True)


