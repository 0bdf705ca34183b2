"""`tradewatch reextract`: re-run extraction over stored articles after an extractor upgrade."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from core.store.event_matching import parse_day
from extract import EXTRACTOR_VERSION
from extract.nlp import extract_records, load_pipeline
from tradewatch.cli.options import config_option, db_option, open_knowledge_base, resolve_config
from tradewatch.extraction import reextract


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
    if since and parse_day(since) is None:
        raise click.BadParameter(f"{since!r} is not a date like 2026-11-01", param_hint="--since")
    config = resolve_config(config_path, db_path)
    kb = open_knowledge_base(Path(config.db))
    nlp = load_pipeline(model or config.model)
    with kb:
        result = reextract(
            kb, lambda items: extract_records(items, nlp=nlp), since=since, force=force,
            batch_size=batch_size, progress=lambda n: click.echo(f"  {n} articles", err=True),
        )
    click.echo(f"re-extracted {result.articles} articles with extractor {EXTRACTOR_VERSION}"
               f" ({result.failed} failed; run {result.run_id})")
    for error in result.errors[:20]:
        click.echo(f"  {error}", err=True)
    if result.failed:
        sys.exit(1)


