"""`tradewatch review` and `tradewatch corrections`: the review loop from the command line.

Thin over core.store.corrections, which the browser's review form calls too."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.store import corrections
from tradewatch.cli.options import config_option, db_option, open_knowledge_base, resolve_config


def _open(config_path: str | None, db_path: str | None):
    config = resolve_config(config_path, db_path)
    if not Path(config.db).exists():
        click.echo(f"tradewatch: no knowledge base at {config.db}; run `tradewatch daily` first", err=True)
        sys.exit(2)
    return open_knowledge_base(Path(config.db))


@click.command("review")
@click.argument("event_id")
@click.option("--confirm", is_flag=True, help="The measure is right as extracted.")
@click.option("--reject", is_flag=True, help="Not a real measure: hidden from views and digests.")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help=f"Correct a field (repeatable): {', '.join(corrections.EVENT_FIELDS)}. "
                   "Countries by any common name; targets comma-separated.")
@click.option("--reviewer", default="cli", show_default=True, help="Who reviewed (kept with the correction).")
@db_option
@config_option
def review_command(event_id, confirm, reject, assignments, reviewer, db_path, config_path) -> None:
    """Confirm, reject or correct one measure (EVENT_ID: an `events` id).

    Corrections win over the extractor, survive `tradewatch reextract --all`, show in every view
    and digest, and `tradewatch corrections --export` writes them as training records."""
    with _open(config_path, db_path) as kb:
        try:
            sets = corrections.parse_assignments(assignments)
            with kb.transaction() as conn:
                state = corrections.review_event(conn, event_id, confirm=confirm, reject=reject, sets=sets,
                                                 reviewer=reviewer)
        except corrections.ReviewError as exc:
            click.echo(f"tradewatch review: {exc}; nothing changed", err=True)
            sys.exit(2)
    click.echo(json.dumps(state, ensure_ascii=False, sort_keys=True))


@click.command("corrections")
@click.option("--export", "export", is_flag=True, required=True,
              help="Write every reviewed measure and company as JSON lines in the gold record shape.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", show_default=True,
              help="File to write (default: stdout).")
@db_option
@config_option
def corrections_command(export, output, db_path, config_path) -> None:
    """Export the analysts' corrections as gold-shape JSONL (one record per reviewed article)."""
    with _open(config_path, db_path) as kb:
        count = 0
        for record in corrections.export_records(kb.conn):
            output.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    click.echo(f"tradewatch corrections: {count} record(s)", err=True)
