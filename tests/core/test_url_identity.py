"""One URL identity: a knowledge base written before it (main at 574ad5c) is re-keyed on
core.urls.canonical_url without losing rows or digest state."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from core.ids import article_id
from core.store import KnowledgeBase
from core.store.url_identity import rekey_urls
from core.urls import canonical_url

FIXTURE = Path(__file__).parent / "fixtures" / "store" / "kb_before_url_identity.db"
RAW_ARTICLE_URLS = [
    "https://www.Example.com/trade/steel-duties/?utm_source=rss&utm_medium=feed",
    "https://news.example.org/2026/11/21/chips.html?fbclid=abc",
    "http://WWW.TRADE-DAILY.example.net/a/b/?ref_src=twsrc&id=7",
]
TABLES = ("articles", "raw_pages", "figures", "company_mentions", "event_mentions", "events", "companies",
          "stories", "story_signatures", "digests", "digests_sent", "runs", "run_failures")


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


@pytest.fixture
def old_kb(tmp_path) -> Path:
    path = tmp_path / "kb.db"
    shutil.copy(FIXTURE, path)
    return path


def test_the_fixture_was_keyed_the_old_way(old_kb):
    conn = sqlite3.connect(old_kb)
    keys = {r[0] for r in conn.execute("SELECT url FROM seen_urls")}
    conn.close()
    assert "https://www.example.com/trade/steel-duties/" in keys      # www. and the slash kept: two spellings


def test_migration_rekeys_without_losing_rows(old_kb):
    before = _counts(old_kb)
    with KnowledgeBase(old_kb) as kb:
        assert kb.conn.execute("PRAGMA user_version").fetchone()[0] >= 6
        assert not kb.conn.execute("PRAGMA foreign_key_check").fetchall()
        seen = {r[0]: r[1] for r in kb.conn.execute("SELECT url, status FROM seen_urls")}
        ids = {r[0] for r in kb.conn.execute("SELECT id FROM articles")}
        urls = {r[0] for r in kb.conn.execute("SELECT canonical_url FROM articles")}
    assert _counts(old_kb) == before
    assert all(canonical_url(url) == url for url in seen) and all(canonical_url(url) == url for url in urls)
    assert ids == {article_id(url) for url in RAW_ARTICLE_URLS}
    assert seen["https://example.com/trade/gone"] == "failed" and seen["https://example.com/trade/later"] == "retry"


def test_every_spelling_of_a_stored_page_is_seen_after_the_migration(old_kb):
    with KnowledgeBase(old_kb) as kb:
        for raw in RAW_ARTICLE_URLS:
            assert kb.is_seen(raw) and kb.is_seen(canonical_url(raw))
        assert kb.is_seen("https://example.com/trade/gone")          # failed for good stays seen
        assert not kb.is_seen("https://www.example.com/trade/later/")  # a transient failure is fetched again
        assert kb.get_http_validators("https://example.com/feeds/trade.xml")["etag"] == '"v1"'
        assert kb.get_http_validators("http://news.example.org/rss")["etag"] == '"v1"'


def test_digest_state_follows_the_renamed_articles(old_kb):
    with KnowledgeBase(old_kb) as kb:
        keys = {r[0] for r in kb.conn.execute("SELECT item_key FROM digests_sent WHERE watchlist = 'everything'")}
        items = kb.conn.execute("SELECT items FROM digests").fetchone()[0]
        for raw in RAW_ARTICLE_URLS:
            assert f"a:{article_id(raw)}" in keys
            assert article_id(raw) in items
        leads = [r[0] for r in kb.conn.execute("SELECT first_article_id FROM events")]
        assert leads and all(kb.article(lead) for lead in leads)


def test_rekeying_again_changes_nothing(old_kb):
    with KnowledgeBase(old_kb) as kb:
        snapshot = {t: sorted(map(tuple, kb.conn.execute(f"SELECT * FROM [{t}]"))) for t in
                    ("seen_urls", "http_cache", "feed_entries", "articles", "digests_sent", "digests")}
        assert rekey_urls(kb.db) == {}
        assert {t: sorted(map(tuple, kb.conn.execute(f"SELECT * FROM [{t}]"))) for t in snapshot} == snapshot


def test_two_spellings_of_one_article_merge_into_one_row(tmp_path):
    """A page stored twice under two old spellings ends as one article; the seen state of both is kept."""
    path = tmp_path / "kb.db"
    shutil.copy(FIXTURE, path)
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT * FROM articles WHERE canonical_url LIKE 'https://www.example.com/trade/steel%'").fetchone()
    columns = [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
    copy = dict(zip(columns, row), id="0123456789abcdef", canonical_url="https://example.com/trade/steel-duties/")
    conn.execute(f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                 [copy[c] for c in columns])
    conn.commit()
    conn.close()
    before = _counts(path)["articles"]
    with KnowledgeBase(path) as kb:
        assert kb.db["articles"].count == before - 1
        assert kb.article(article_id(RAW_ARTICLE_URLS[0])) is not None
        assert not kb.conn.execute("PRAGMA foreign_key_check").fetchall()
