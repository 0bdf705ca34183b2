"""The whole pipeline once, for real: the embedded demo site served over HTTP on
127.0.0.1 → the Scrapy engine (child process) → cleaning → spaCy extraction → a
temporary SQLite knowledge base → Datasette's test client → a digest. Then the same
job again, which must change nothing."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest

from crawler.settings import FAST_LOCAL
from core.config import Config
from tradewatch.daily import Reporter, demo_config, run_daily
from tradewatch.datasette import make_datasette
from tradewatch.demo.server import DemoSite

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

TABLES = ("articles", "figures", "companies", "company_mentions", "events", "event_mentions", "stories")


def table_counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    db = tmp_path_factory.mktemp("e2e") / "tradewatch.db"
    with DemoSite() as site:
        config = demo_config(Config(db=str(db)), site)
        first = run_daily(config, allow_private=True, reporter=Reporter(tty=False), mail=False,
                          crawl_settings=dict(FAST_LOCAL))
        after_first = table_counts(db)
        second = run_daily(config, allow_private=True, reporter=Reporter(tty=False), mail=False,
                           crawl_settings=dict(FAST_LOCAL))
        after_second = table_counts(db)
        live = len(site.articles)
    return db, live, first, after_first, second, after_second


def test_every_demo_article_is_crawled_cleaned_and_stored(demo_runs):
    db, live, first, counts, *_ = demo_runs
    assert first.status == "ok", first.errors
    assert counts["articles"] == live >= 12
    with sqlite3.connect(db) as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM articles")]
    assert all(len(text) > 300 for text in texts)
    # the demo pages carry stray tags, entities and boilerplate on purpose; none survives
    for debris in ("< / P >", "&nbsp;", "Skip to content", "Accept cookies", "<p>"):
        assert not any(debris.lower() in text.lower() for text in texts), debris


def test_figures_companies_and_events_are_extracted_with_provenance(demo_runs):
    db, _, _, counts, *_ = demo_runs
    assert counts["figures"] >= 30 and counts["companies"] >= 10 and counts["events"] >= 10
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        event_types = {row[0] for row in conn.execute("SELECT DISTINCT type FROM events")}
        assert {"tariff", "export_control", "trade_remedy", "sanction"} <= event_types
        # provenance: every figure's sentence is in its article's stored text at its offsets
        for row in conn.execute("SELECT f.text, f.char_start AS start, f.char_end AS end, a.text AS body FROM figures f "
                                "JOIN articles a ON a.id = f.article_id WHERE f.char_start IS NOT NULL"):
            assert row["body"][row["start"]:row["end"]] == row["text"]
        money = conn.execute("SELECT count(*) FROM figures WHERE kind = 'money' AND unit = 'USD' "
                             "AND value >= 1e9").fetchone()[0]
        assert money >= 2


def test_second_run_adds_nothing(demo_runs):
    _, _, _, after_first, second, after_second = demo_runs
    assert second.status == "ok", second.errors
    assert second.counts["articles_new"] == 0
    assert after_second == after_first


def test_syndicated_copies_form_one_story(demo_runs):
    db = demo_runs[0]
    with sqlite3.connect(db) as conn:
        carried = conn.execute("SELECT max(outlets_count) FROM stories").fetchone()[0]
    assert carried >= 2


def test_datasette_facets_events_by_type(demo_runs):
    db = demo_runs[0]
    ds = make_datasette(db)

    async def get():
        await ds.invoke_startup()
        return await ds.client.get("/tradewatch/events.json?_facet=type&_shape=objects")

    response = asyncio.run(get())
    assert response.status_code == 200
    facet = {r["value"]: r["count"] for r in response.json()["facet_results"]["type"]["results"]}
    with sqlite3.connect(db) as conn:
        expected = dict(conn.execute("SELECT type, count(*) FROM events GROUP BY type").fetchall())
    assert facet == expected


def test_first_run_writes_a_digest_with_evidence_and_links(demo_runs):
    first = demo_runs[2]
    assert first.digests
    digest = max(first.digests, key=lambda d: d.items)
    text = digest.markdown_path.read_text()
    assert digest.items >= 3
    assert "> " in text                           # evidence sentences quoted
    assert "http://127.0.0.1" in text             # links back to the source
