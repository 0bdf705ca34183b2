"""`tradewatch clean --jsonl`: HTML pages → clean article records (a stable interface)."""
from __future__ import annotations

import sys

import click

from extract.clean import clean_html
from tradewatch.jsonl import read_lines, write_record

FIELDS = ("id", "title", "text", "published", "author", "language")


@click.command("clean")
@click.option("--jsonl", is_flag=True, required=True, help='Read {"id","html","url"?} lines, write article lines.')
@click.option("--input", "input_file", type=click.File("rb"), default="-", help="Input JSONL (default stdin).")
def clean_command(jsonl: bool, input_file) -> None:
    """Clean HTML pages into {"id","title","text","published","author","language"} JSON lines.

    One output line per input line, in order; blank lines are skipped. A line that cannot be
    used (not UTF-8, not JSON, nested too deep, no usable page) gets its line with an "error"
    field and empty fields, and the batch goes on. Exit 0 unless the input cannot be read.
    """
    out = sys.stdout.buffer
    try:
        for line in read_lines(input_file):
            write_record(out, clean_record(line))
    except BrokenPipeError:             # the reader went away (| head): nothing left to say
        sys.exit(1)
    except OSError as exc:
        click.echo(f"tradewatch clean: cannot read the input: {exc.strerror or exc}; check the --input path", err=True)
        sys.exit(2)


def clean_record(line) -> dict:
    result = {"id": line.id, "title": "", "text": "", "published": None, "author": "", "language": None}
    if line.error:
        return {**result, "error": line.error}
    item = line.item
    try:
        url = item.get("url")
        article = clean_html(item.get("html") or "", url=url if isinstance(url, str) else None)
        result.update(title=article.title, text=article.text, published=article.published,
                      author=article.author, language=article.language)
        if article.error:
            result["error"] = article.error
    except Exception as exc:  # one bad line never stops the batch
        result["error"] = f"line {line.number}: {type(exc).__name__}: {exc}"
    return result
