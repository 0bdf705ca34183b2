"""Cleaning pages off the reactor thread.

trafilatura is CPU-bound (several ms per page); run inline it would stall downloads,
timers and timeouts. `Cleaner` runs `extract.clean.clean_html` plus the dedupe signature
in worker processes (TRADEWATCH_CLEAN_WORKERS: a number, "auto" = one per CPU, 0 = inline
for tiny crawls and tests). When they run (while crawling, or after the fetch) is the
pipeline's choice (TRADEWATCH_CLEAN_AFTER_FETCH).
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from scrapy.utils.misc import load_object

from crawler.dedupe import signature_of
from crawler.run import set_parent_death_signal
from extract.clean import clean_html


def clean_page(html: str, url: str) -> dict:
    """HTML → {"article": Article as dict, "signature": bytes | None}. Runs in a worker."""
    article = clean_html(html, url=url)
    # A headline-only page (a wire flash) is compared by its headline: outlets carrying the same flash are one story.
    basis = article.text or ("" if article.error else article.title or "")
    return {"article": article.to_dict(), "signature": signature_of(basis) if basis.strip() else None}


def _exit_with_crawl() -> None:
    """A worker dies with its crawl process, however that one ends."""
    set_parent_death_signal()


def _warm_up() -> bool:
    """Submitted once per worker so it starts (importing this module, trafilatura included)
    before pages arrive."""
    return True


def _call(function_path: str, html: str, url: str) -> dict:
    return load_object(function_path)(html, url)


MAX_AUTO_WORKERS = 8      # each worker is a process with trafilatura & co. imported


def worker_count(value) -> int:
    """TRADEWATCH_CLEAN_WORKERS: a number (0 = inline) or "auto" (one per CPU, at most MAX_AUTO_WORKERS)."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS))
    return max(0, int(value))


class Cleaner:
    """`function` (an import path with clean_page's signature) runs in the workers."""

    def __init__(self, workers: int = 1, function: str = "crawler.cleaning.clean_page"):
        self.function = function
        self.workers = max(0, int(workers))
        self.pool: ProcessPoolExecutor | None = None
        if self.workers:
            # spawn: the crawl process runs a reactor and threads, which must not be forked.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_exit_with_crawl)
            for _ in range(self.workers):
                self.pool.submit(_warm_up)

    async def clean(self, html: str, url: str) -> dict:
        if self.pool is None:
            return _call(self.function, html, url)
        return await asyncio.wrap_future(self.pool.submit(_call, self.function, html, url))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
