"""`tradewatch clean --jsonl`: HTML pages → clean article records (a stable interface)."""
from __future__ import annotations

import json
import sys

import click

from extract.clean import clean_html


@click.command("clean")
@click.option("--jsonl", is_flag=True, required=True, help='Read {"id","html","url"?} lines, write article lines.')
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default="-", help="Input JSONL (default stdin).")
def clean_command(jsonl: bool, input_file) -> None:
    """Clean HTML pages into {"id","title","text","published","author","language"} JSON lines."""
    out = sys.stdout
    for number, line in enumerate(input_file, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            article = clean_html(item.get("html") or "", url=item.get("url"))
            result = {
                "id": item.get("id"), "title": article.title, "text": article.text,
                "published": article.published, "author": article.author, "language": article.language,
            }
            if article.error:
                result["error"] = article.error
        except Exception as exc:  # one bad line never stops the batch
            result = {"id": _safe_id(line), "error": f"line {number}: {type(exc).__name__}: {exc}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


def _safe_id(line: str):
    try:
        return json.loads(line).get("id")
    except Exception:
        return None


