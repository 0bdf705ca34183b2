"""One SQLite transaction per batch of pages instead of one (or four) per page.

A commit costs far more than the rows it writes, and the crawl writes a page, its story
signature, its seen URLs and its feed entry separately. `WriteBatch` opens one write
transaction on the crawl's knowledge base and commits it after `max_pages` stored pages or
`max_seconds`, whichever comes first; every knowledge-base write in between
(`kb.transaction()` nests as a savepoint) joins it. Reads on the same connection see the
uncommitted rows, so the seen-URL check also sees the pages of the current batch.

Crash safety: a page counts as stored only once its batch is committed. Counters for stored
pages are held back (`count`) and applied at the commit; a kill loses at most the open
batch, whose pages are not marked seen and are fetched again next run.

All calls come from the reactor thread. The crawlers of one process (one per source kind)
share one connection and one batch per database file (`SharedStore`): two connections of
one thread would wait on each other's write lock forever. Several processes writing one
file (distributed crawls) use `max_pages = 0`: no batching, no long-held write lock.
"""
from __future__ import annotations

import logging
import time

from core.store import KnowledgeBase

logger = logging.getLogger(__name__)


class WriteBatch:
    def __init__(self, kb, max_pages: int = 200, max_seconds: float = 0.5, clock=time.monotonic):
        self.kb = kb
        self.max_pages = max(0, int(max_pages))
        self.max_seconds = max_seconds
        self.clock = clock
        self._transaction = None          # the open kb.transaction() context manager
        self._opened_at = 0.0
        self._pages = 0
        self._counts: list[tuple[object, str, int]] = []    # (recorder, counter, n) held for the commit
        self._timer = None

    @property
    def open(self) -> bool:
        return self._transaction is not None

    def begin(self) -> None:
        """Open a batch unless one is open (call before a page's writes)."""
        if not self.max_pages or self._transaction is not None:
            return
        transaction = self.kb.transaction()
        transaction.__enter__()
        self._transaction = transaction
        self._opened_at = self.clock()
        self._schedule_commit()

    def count(self, recorder, key: str, n: int = 1) -> None:
        """A counter for a stored page: applied when its batch commits (at once without one)."""
        if self._transaction is None:
            recorder.count(key, n)
        else:
            self._counts.append((recorder, key, n))

    def page_done(self) -> None:
        """One page's writes are in the batch: commit when the batch is full or old enough."""
        if self._transaction is None:
            return
        self._pages += 1
        if self._pages >= self.max_pages or self.clock() - self._opened_at >= self.max_seconds:
            self.commit()

    def commit(self) -> None:
        """Commit the open batch (if any), then apply its counters. A failed commit loses the
        batch's writes (logged as a failure of each crawler in it); its pages are fetched next run."""
        transaction, self._transaction = self._transaction, None
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        counts, self._counts, pages, self._pages = self._counts, [], self._pages, 0
        if transaction is None:
            return
        try:
            transaction.__exit__(None, None, None)
        except Exception as exc:
            logger.exception("committing a batch of %d pages", pages)
            try:
                self.kb.conn.rollback()
            except Exception:
                logger.exception("rolling back the failed batch")
            for recorder in {id(r): r for r, _, _ in counts}.values():
                recorder.count("failures")
                recorder.failures.append({"url": "", "reason": f"store: batch commit failed, its pages are "
                                                               f"fetched again next run: {exc}", "source": None})
            return
        for recorder, key, n in counts:
            recorder.count(key, n)

    def _schedule_commit(self) -> None:
        """A quiet moment (no page for a while) must not keep the batch, and the lock, open."""
        try:
            from twisted.internet import reactor  # the one Scrapy installed (imported late on purpose)

            if reactor.running:
                self._timer = reactor.callLater(self.max_seconds, self.commit)
        except Exception:  # no reactor (unit use): page_done and close still commit
            self._timer = None


class SharedStore:
    """The knowledge base connection and write batch of one database file, shared by every
    crawler of this process; closed when the last one releases it."""

    _open: dict[str, "SharedStore"] = {}

    def __init__(self, db_path: str, max_pages: int, max_seconds: float):
        self.db_path = db_path
        self.kb = KnowledgeBase(db_path)
        self.batch = WriteBatch(self.kb, max_pages, max_seconds)
        self.users = 0

    @classmethod
    def acquire(cls, db_path: str, max_pages: int = 200, max_seconds: float = 0.5) -> "SharedStore":
        store = cls._open.get(db_path)
        if store is None:
            store = cls._open[db_path] = cls(db_path, max_pages, max_seconds)
        store.users += 1
        return store

    def release(self) -> None:
        self.users -= 1
        if self.users > 0:
            self.batch.commit()
            return
        self._open.pop(self.db_path, None)
        try:
            self.batch.commit()
        finally:
            self.kb.close()
