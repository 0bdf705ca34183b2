"""`tradewatch serve`: Datasette on the knowledge base; `tradewatch reextract`: refresh derived rows."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click

from tradewatch.cli.options import config_option, db_option, resolve_config


def _open(path: Path):
    """The knowledge base, or exit with its one-line error (names the file and the fix)."""
    from tradewatch.store import KnowledgeBase, KnowledgeBaseError

    try:
        return KnowledgeBase(path)
    except KnowledgeBaseError as exc:
        click.echo(f"tradewatch: {exc}", err=True)
        sys.exit(2)


@click.command("serve")
@db_option
@config_option
@click.option("--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; 127.0.0.1 keeps it on this machine, 0.0.0.0 shares it (read-only).")
def serve_command(db_path: str | None, config_path: str | None, port: int, host: str) -> None:
    """Browse the knowledge base in Datasette (read-only, with facets and canned queries)."""
    from datasette.cli import cli as datasette_cli

    from tradewatch.datasette import load_metadata, serve_args

    config = resolve_config(config_path, db_path)
    path = Path(config.db)
    _open(path).close()  # creates an empty knowledge base or upgrades an old one, so every page works
    with tempfile.TemporaryDirectory(prefix="tradewatch-serve-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(json.dumps(load_metadata(path.stem)), encoding="utf-8")
        click.echo(f"tradewatch: serving {path} at http://{host}:{port}/{path.stem} (Ctrl-C stops)", err=True)
        datasette_cli.main(["serve", *serve_args(path, metadata_file, port=port, host=host)],
                           prog_name="datasette", standalone_mode=True)


@click.command("reextract")
@db_option
@config_option
@click.option("--since", default=None, metavar="DATE",
              help="Only articles published (or fetched) on or after DATE (YYYY-MM-DD).")
@click.option("--all", "force", is_flag=True, help="Re-extract every article, even those already at this version.")
@click.option("--model", default=None, help="spaCy model package (default: the config's model).")
@click.option("--batch-size", type=int, default=32, show_default=True, help="Articles per transaction.")
def reextract_command(db_path: str | None, config_path: str | None, since: str | None, force: bool,
                      model: str | None, batch_size: int) -> None:
    """Re-run extraction on articles extracted by an older extractor version.

    Each article's figures, company mentions and event reports are replaced in one
    transaction; the crawled text is never changed."""
    from extract import EXTRACTOR_VERSION
    from extract.nlp import extract_records, load_pipeline

    from tradewatch.store.identity import parse_day
    from tradewatch.store.reextraction import reextract

    if since and parse_day(since) is None:
        raise click.BadParameter(f"{since!r} is not a date like 2026-11-01", param_hint="--since")
    config = resolve_config(config_path, db_path)
    kb = _open(Path(config.db))
    nlp = load_pipeline(model or config.model)
    with kb:
        result = reextract(
            kb, lambda items: extract_records(items, nlp=nlp), EXTRACTOR_VERSION, since=since, force=force,
            batch_size=batch_size, progress=lambda n: click.echo(f"  {n} articles", err=True),
        )
    click.echo(f"re-extracted {result.articles} articles with extractor {EXTRACTOR_VERSION}"
               f" ({result.failed} failed; run {result.run_id})")
    for error in result.errors[:20]:
        click.echo(f"  {error}", err=True)
    if result.failed:
        sys.exit(1)


COMMANDS = [serve_command, reextract_command]
