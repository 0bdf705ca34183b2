"""The extract stage run over stored or streamed articles.

    extract_pending(kb, ...)           every stored article not yet extracted by this extractor
    reextract(kb, extract_batch, ...)  the same over a date range or everything (`tradewatch reextract`)
    extract_jsonl(lines, ...)          `tradewatch extract --jsonl`: one output line per input line

All three isolate failures the same way (`extract_isolated`): a batch goes through the
pipeline as one stream, and only when that stream raises do the rest go one by one, so one
bad text never sinks the others. The store is told how the extractor compares company names
(`extract.companies.NAMING`), so company rows are filed the way the extractor names them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from core.store import KnowledgeBase
from extract import EXTRACTOR_VERSION
from extract.clean import clean_html
from extract.companies import NAMING
from extract.nlp import extract_records, load_pipeline
from tradewatch.jsonl import read_lines

Item = tuple[str, str, str]                                   # (id, title, text)
ExtractBatch = Callable[[list[Item]], Iterable[tuple[str, dict]]]
EMPTY_RECORD = {"figures": [], "companies": [], "events": []}


def extract_isolated(items: list[Item], extract_batch: ExtractBatch) -> Iterator[tuple[str, dict | None, str | None]]:
    """(id, record, None) per item, or (id, None, reason) for an item whose extraction raises."""
    done: set[str] = set()
    try:
        for ident, record in extract_batch(items):
            done.add(ident)
            yield ident, record, None
    except Exception:
        for item in items:
            if item[0] in done:
                continue
            try:
                for ident, record in extract_batch([item]):
                    yield ident, record, None
            except Exception as exc:  # reported per item; the others go on
                yield item[0], None, f"{type(exc).__name__}: {exc}"


# --- stored articles ---------------------------------------------------------------------


def extract_pending(
    kb: KnowledgeBase,
    model: str | None = None,
    n_process: int | None = None,
    batch_size: int = 32,
    progress=None,
    chunk: int = 64,
    run_id: int | None = None,
) -> dict:
    """Extract every stored article not yet extracted by the current extractor version.

    Resumable by construction: each article's derived rows are written in one transaction as
    soon as it comes back, so a killed run leaves only finished articles and the next run picks
    up the rest. One stream goes through `nlp.pipe` (worker processes start once, not per chunk);
    `progress(done, total)` is called every `chunk` articles. An article whose extraction raises
    keeps its earlier rows, stays pending, and is logged against `run_id`.
    Returns counts of articles, figures, companies, events and errors."""
    counts = {"articles": 0, "figures": 0, "companies": 0, "events": 0, "errors": 0}
    pending = [(row["id"], row.get("title") or "", row.get("text") or "")
               for row in kb.pending_extraction(EXTRACTOR_VERSION)]
    if not pending:
        return counts
    kb.use_company_naming(NAMING)
    nlp = load_pipeline(model)
    if n_process is None:
        # Worker start-up (a model load each) only pays off on a real backlog.
        n_process = 2 if len(pending) >= 200 else 1

    def stream(items: list[Item]):
        workers = n_process if len(items) > 1 else 1
        return extract_records(items, nlp=nlp, batch_size=batch_size, n_process=workers)

    done = 0
    for article_id, record, error in extract_isolated(pending, stream):
        if error is not None:
            counts["errors"] += 1
            if run_id is not None:
                kb.log_failure(run_id, article_id, f"extraction failed: {error}")
            continue
        kb.save_extraction(article_id, record, EXTRACTOR_VERSION)
        done += 1
        counts["articles"] += 1
        for key in ("figures", "companies", "events"):
            counts[key] += len(record.get(key, []))
        if progress and (done % chunk == 0 or done == len(pending)):
            progress(done, len(pending))
    return counts


@dataclass
class ReextractResult:
    run_id: int
    articles: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def reextract(kb: KnowledgeBase, extract_batch: ExtractBatch, extractor_version: str = EXTRACTOR_VERSION, *,
              since: str | None = None, force: bool = False, batch_size: int = 32,
              progress: Callable[[int], None] | None = None) -> ReextractResult:
    """Re-extract stored articles (those not at `extractor_version`; all with `force`; only those
    published on or after `since`), one transaction per batch; the crawled text never changes.
    A failing article keeps its previous rows and is logged in run_failures."""
    kb.use_company_naming(NAMING)
    result = ReextractResult(run_id=kb.start_run("reextract"))
    status = "failed"
    try:
        batch: list[Item] = []
        for article in kb.pending_extraction(extractor_version, since=since, force=force):
            batch.append((article["id"], article["title"] or "", article["text"] or ""))
            if len(batch) >= batch_size:
                _reextract_batch(kb, batch, extract_batch, extractor_version, result, progress)
                batch = []
        if batch:
            _reextract_batch(kb, batch, extract_batch, extractor_version, result, progress)
        status = "ok" if not result.failed else "partial"
    finally:
        kb.finish_run(result.run_id, status, articles=result.articles, failed=result.failed,
                      extractor_version=extractor_version)
    return result


def _reextract_batch(kb, batch, extract_batch, extractor_version, result: ReextractResult, progress) -> None:
    records = []
    for ident, record, error in extract_isolated(batch, extract_batch):
        if error is None:
            records.append((ident, record))
            continue
        result.failed += 1
        reason = f"extraction failed: {error}"
        result.errors.append(f"{ident}: {reason}")
        kb.log_failure(result.run_id, ident, reason)
    result.articles += kb.save_extractions(records, extractor_version)
    kb.update_run(result.run_id, articles=result.articles, failed=result.failed)
    if progress:
        progress(result.articles)


# --- JSONL streams -----------------------------------------------------------------------


def _parse_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[object, str, str, str | None]]:
    """(id, title, text, error) per non-blank line (tradewatch.jsonl reads and checks each)."""
    for line in read_lines(lines):
        if line.error:
            yield line.id, "", "", line.error
            continue
        item, number = line.item, line.number
        text, title = item.get("text"), item.get("title")
        if text is not None:
            if not isinstance(text, str) or not isinstance(title, (str, type(None))):
                yield line.id, "", "", f"line {number}: 'text' and 'title' must be strings"
            else:
                yield line.id, title or "", text, None
        elif item.get("html") is not None:
            url = item.get("url")
            article = clean_html(item["html"], url=url if isinstance(url, str) else None)
            yield line.id, article.title, article.text, article.error
        else:
            yield line.id, "", "", f"line {number}: needs 'text' or 'html'"


def extract_jsonl(lines: Iterable[bytes | str], model: str | None = None, n_process: int = 1,
                  extract_batch: ExtractBatch | None = None) -> Iterator[dict]:
    """One output dict per non-blank input line, in input order; a bad line becomes an `error`
    field. `extract_batch` replaces the spaCy pipeline (default: `model`'s)."""
    if extract_batch is None:
        nlp = load_pipeline(model)

        def extract_batch(items):
            return extract_records(items, nlp=nlp, n_process=n_process)
    batch: list[tuple[object, str, str, str | None]] = []
    for parsed in _parse_lines(lines):
        batch.append(parsed)
        if len(batch) >= 64:
            yield from _extract_batch(batch, extract_batch)
            batch = []
    if batch:
        yield from _extract_batch(batch, extract_batch)


def _extract_batch(batch, extract_batch: ExtractBatch) -> Iterator[dict]:
    good = [(str(i), title, text) for i, (ident, title, text, error) in enumerate(batch) if not error]
    records = {}
    for key, record, error in extract_isolated(good, extract_batch):
        records[key] = record if error is None else {"error": error}
    for i, (ident, title, text, error) in enumerate(batch):
        record = records.get(str(i), EMPTY_RECORD) if not error else {**EMPTY_RECORD, "error": error}
        yield {"id": ident, **EMPTY_RECORD, **record}
