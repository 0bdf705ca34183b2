"""`tradewatch crawl`: ad hoc --url without a config, --source NAME from a TOML config."""
from __future__ import annotations

import pytest

import json
import sqlite3

from click.testing import CliRunner

from tests.crawler.sitebuilder import add_articles, feed_for, news_sitemap
from tradewatch.cli import main

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


def _count(db, table):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_crawl_url_without_config(server, db_path):
    urls = add_articles(server)
    feed = feed_for(server, urls[:2])
    result = CliRunner().invoke(main, ["crawl", "--url", feed, "--url", urls[3], "--db", db_path,
                                       "--allow-private", "--no-extract", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["articles_new"] == 3 and stats["failures"] == 0
    assert _count(db_path, "articles") == 3


def test_crawl_refuses_loopback_without_allow_private(server, db_path):
    urls = add_articles(server)
    result = CliRunner().invoke(main, ["crawl", "--url", urls[0], "--db", db_path, "--no-extract"])
    assert result.exit_code == 1, result.output          # every start URL refused: the crawl failed
    assert "refused: loopback address 127.0.0.1" in result.output
    assert server.hits("/news/steel-duties.html") == 0


def test_crawl_source_by_name_then_extraction(server, tmp_path, db_path):
    urls = add_articles(server)
    server.route("/sitemap.xml", news_sitemap([{"url": u, "published": "2025-02-0%dT10:00:00Z" % (i + 1)}
                                               for i, u in enumerate(urls[:2])]), content_type="application/xml")
    feed = feed_for(server, urls[2:])
    config = tmp_path / "tradewatch.toml"
    config.write_text(f"""
db = "{db_path}"
[crawl]
allow_private = true
download_delay = 0
[[sources]]
name = "maps"
kind = "sitemap"
url = "{server.base_url}/sitemap.xml"
[[sources]]
name = "wire"
kind = "feed"
url = "{feed}"
tier = "wire"
""", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["crawl", "--config", str(config), "--source", "maps", "--no-extract"])
    assert result.exit_code == 0, result.output
    assert "2 new articles" in result.output and server.hits("/feed.xml") == 0
    result = runner.invoke(main, ["crawl", "--config", str(config), "--source", "wire"])
    assert result.exit_code == 0, result.output
    assert "extraction:" in result.output
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 4
    assert conn.execute("SELECT count(*) FROM articles WHERE source = 'wire' AND tier = 'wire'").fetchone()[0] == 2
    # Extraction ran over every stored article (figures in the fixtures: percentages, tonnes).
    assert conn.execute("SELECT count(*) FROM figures").fetchone()[0] > 0
    result = runner.invoke(main, ["crawl", "--config", str(config), "--source", "nope"])
    assert result.exit_code == 2 and "no source named 'nope'" in result.output
