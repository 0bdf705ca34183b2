"""Re-run extraction over stored articles when the extractor changes.

The store does not import the extractor (data flows one way): the caller passes a function
that turns [(id, title, text)] into [(id, record)], e.g. `extract.nlp.extract_records`.
Each batch's derived rows are replaced in one transaction; the articles' text is never touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from tradewatch.store.knowledge_base import KnowledgeBase

ExtractBatch = Callable[[list[tuple[str, str, str]]], Iterable[tuple[str, dict]]]


@dataclass
class ReextractResult:
    run_id: int
    articles: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _batches(items: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def reextract(kb: KnowledgeBase, extract_batch: ExtractBatch, extractor_version: str, *,
              since: str | None = None, force: bool = False, batch_size: int = 32,
              progress: Callable[[int], None] | None = None) -> ReextractResult:
    """Extract every article not yet extracted by `extractor_version` (all with `force`);
    a failing article is logged in run_failures and keeps its previous rows."""
    result = ReextractResult(run_id=kb.start_run("reextract"))
    status = "failed"
    try:
        for batch in _batches(kb.pending_extraction(extractor_version, since=since, force=force), batch_size):
            items = [(a["id"], a["title"] or "", a["text"] or "") for a in batch]
            try:
                records = list(extract_batch(items))
            except Exception:
                records = []
                for item in items:  # one bad text must not sink its batch
                    try:
                        records.extend(extract_batch([item]))
                    except Exception as exc:
                        result.failed += 1
                        reason = f"extraction failed: {type(exc).__name__}: {exc}"
                        result.errors.append(f"{item[0]}: {reason}")
                        kb.log_failure(result.run_id, item[0], reason)
            result.articles += kb.save_extractions(records, extractor_version)
            kb.update_run(result.run_id, articles=result.articles, failed=result.failed)
            if progress:
                progress(result.articles)
        status = "ok" if not result.failed else "partial"
    finally:
        kb.finish_run(result.run_id, status, articles=result.articles, failed=result.failed,
                      extractor_version=extractor_version)
    return result
