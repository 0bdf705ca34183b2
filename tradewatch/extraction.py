"""Glue between stored or streamed articles and the extract package."""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from extract.clean import clean_html
from extract.nlp import extract_records, load_pipeline


def _parse_lines(lines: Iterable[str]) -> Iterator[tuple[str | None, str, str, str | None]]:
    """(id, title, text, error) per non-empty line."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            yield None, "", "", f"line {number}: invalid JSON ({exc})"
            continue
        ident = item.get("id")
        if item.get("text") is not None:
            yield ident, str(item.get("title") or ""), str(item["text"]), None
        elif item.get("html") is not None:
            article = clean_html(item["html"], url=item.get("url"))
            yield ident, article.title, article.text, article.error
        else:
            yield ident, "", "", f"line {number}: needs 'text' or 'html'"


def extract_jsonl(lines: Iterable[str], model: str | None = None, n_process: int = 1) -> Iterator[dict]:
    """One output dict per input line, in input order; a bad line becomes an `error` field."""
    nlp = load_pipeline(model)
    batch: list[tuple[str | None, str, str, str | None]] = []
    for parsed in _parse_lines(lines):
        batch.append(parsed)
        if len(batch) >= 64:
            yield from _extract_batch(batch, nlp, n_process)
            batch = []
    if batch:
        yield from _extract_batch(batch, nlp, n_process)


def _extract_batch(batch, nlp, n_process) -> Iterator[dict]:
    good = [(str(i), title, text) for i, (ident, title, text, error) in enumerate(batch) if not error]
    records = {}
    try:
        records = dict(extract_records(good, nlp=nlp, n_process=n_process))
    except Exception:
        # Fall back to one at a time so one bad text cannot sink its batch.
        for key, title, text in good:
            try:
                records.update(extract_records([(key, title, text)], nlp=nlp))
            except Exception as exc:  # reported per record
                records[key] = {"error": f"{type(exc).__name__}: {exc}"}
    for i, (ident, title, text, error) in enumerate(batch):
        empty = {"figures": [], "companies": [], "events": []}
        record = records.get(str(i), empty) if not error else {**empty, "error": error}
        yield {"id": ident, **empty, **record}
