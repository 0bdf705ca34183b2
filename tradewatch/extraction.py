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


def extract_pending(
    kb,
    model: str | None = None,
    n_process: int | None = None,
    batch_size: int = 32,
    progress=None,
    chunk: int = 64,
    run_id: int | None = None,
) -> dict:
    """Extract every stored article not yet extracted by the current extractor version.

    Resumable by construction: each article's derived rows are written in one
    transaction as soon as it comes back, so a killed run leaves only finished
    articles behind and the next run picks up the rest. One stream goes through
    `nlp.pipe` (worker processes start once, not per chunk); `progress(done, total)`
    is called every `chunk` articles. An article whose extraction raises keeps its
    earlier rows, stays pending, and is logged against `run_id`.
    Returns counts of articles, figures, companies, events and errors.
    """
    from extract import EXTRACTOR_VERSION

    counts = {"articles": 0, "figures": 0, "companies": 0, "events": 0, "errors": 0}
    pending = [(row["id"], row.get("title") or "", row.get("text") or "")
               for row in kb.pending_extraction(EXTRACTOR_VERSION)]
    if not pending:
        return counts
    nlp = load_pipeline(model)
    if n_process is None:
        # Worker start-up (a model load each) only pays off on a real backlog.
        n_process = 2 if len(pending) >= 200 else 1
    done: set[str] = set()

    def save(article_id: str, record: dict) -> None:
        kb.save_extraction(article_id, record, EXTRACTOR_VERSION)
        done.add(article_id)
        counts["articles"] += 1
        for key in ("figures", "companies", "events"):
            counts[key] += len(record.get(key, []))
        if progress and (len(done) % chunk == 0 or len(done) == len(pending)):
            progress(len(done), len(pending))

    try:
        for article_id, record in extract_records(pending, nlp=nlp, batch_size=batch_size, n_process=n_process):
            save(article_id, record)
    except Exception:
        # Something in the stream raised: finish the rest one by one to isolate it.
        for item in pending:
            if item[0] in done:
                continue
            try:
                for article_id, record in extract_records([item], nlp=nlp):
                    save(article_id, record)
            except Exception as exc:
                counts["errors"] += 1
                if run_id is not None:
                    kb.log_failure(run_id, item[0], f"extraction failed: {type(exc).__name__}: {exc}")
    return counts
