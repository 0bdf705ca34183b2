"""Write batches: one transaction for many pages, seen checks inside it, counts only once committed."""
from __future__ import annotations

import sqlite3

from crawler.batching import SharedStore, WriteBatch
from crawler.spool import PageSpool
from core.store import KnowledgeBase


class CountingRecorder:
    """Stands in for RunRecorder: just its counters (the batch needs nothing else)."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.failures: list[dict] = []

    def count(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n


def _other_connection_sees(db_path, url) -> bool:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT 1 FROM seen_urls WHERE url = ?", [url]).fetchone() is not None


def test_pages_of_an_open_batch_are_seen_by_the_crawl_but_count_only_once_committed(tmp_path):
    db_path = str(tmp_path / "kb.db")
    kb = KnowledgeBase(db_path)
    recorder = CountingRecorder()
    batch = WriteBatch(kb, max_pages=3, max_seconds=60)
    for n in range(2):
        batch.begin()
        kb.mark_seen(f"https://example.org/{n}", source="s")
        batch.count(recorder, "articles_new")
        batch.page_done()
    assert batch.open and kb.is_seen("https://example.org/1")          # the crawl's own connection
    assert not _other_connection_sees(db_path, "https://example.org/1")  # not committed: a kill loses it
    assert recorder.counts == {}
    batch.begin()
    kb.mark_seen("https://example.org/2", source="s")
    batch.count(recorder, "articles_new")
    batch.page_done()                                  # the third page fills the batch: committed
    assert not batch.open and _other_connection_sees(db_path, "https://example.org/2")
    assert recorder.counts == {"articles_new": 3}
    kb.close()


def test_a_batch_older_than_its_time_limit_commits_at_the_next_page(tmp_path):
    now = [0.0]
    kb = KnowledgeBase(str(tmp_path / "kb.db"))
    batch = WriteBatch(kb, max_pages=100, max_seconds=0.5, clock=lambda: now[0])
    batch.begin()
    kb.mark_seen("https://example.org/a", source="s")
    batch.page_done()
    assert batch.open
    now[0] = 0.6
    batch.begin()
    batch.page_done()
    assert not batch.open and _other_connection_sees(str(tmp_path / "kb.db"), "https://example.org/a")
    kb.close()


def test_without_batching_every_write_commits_at_once(tmp_path):
    kb = KnowledgeBase(str(tmp_path / "kb.db"))
    recorder = CountingRecorder()
    batch = WriteBatch(kb, max_pages=0)
    batch.begin()
    kb.mark_seen("https://example.org/a", source="s")
    batch.count(recorder, "articles_new")
    assert not batch.open and recorder.counts == {"articles_new": 1}
    assert _other_connection_sees(str(tmp_path / "kb.db"), "https://example.org/a")
    kb.close()


def test_crawlers_of_one_process_share_one_connection_until_the_last_releases_it(tmp_path):
    db_path = str(tmp_path / "kb.db")
    first, second = SharedStore.acquire(db_path), SharedStore.acquire(db_path)
    assert first is second
    first.batch.begin()
    first.kb.mark_seen("https://example.org/a", source="s")
    first.release()                     # the other crawler still runs: the batch is committed, kb open
    assert _other_connection_sees(db_path, "https://example.org/a")
    assert second.kb.is_seen("https://example.org/a")
    second.release()
    assert SharedStore.acquire(db_path) is not first
    SharedStore._open.pop(db_path).kb.close()


def test_page_spool_gives_back_every_record_in_order_and_empties():
    spool = PageSpool()
    records = [("page", "x" * n, {"n": n}) for n in (0, 10, 100_000)]
    for record in records:
        spool.add(record)
    assert len(spool) == 3
    assert list(spool.drain()) == records
    assert len(spool) == 0 and list(spool.drain()) == []
    spool.close()
