"""End to end through the real Scrapy engine (in a child process) against a local server."""
from __future__ import annotations

import pytest

import sqlite3

from crawler.run import crawl
from tests.crawler.conftest import TEST_SETTINGS
from tests.crawler.faultserver import html_page
from tests.crawler.sitebuilder import ARTICLES, add_articles, feed_for, news_sitemap, rss, sitemap_index
from core.config import Config, Source

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow


def _rows(db_path, sql, *params):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def _config(*sources):
    return Config(sources=list(sources))


def test_feed_crawl_is_incremental_and_conditional(server, db_path):
    urls = add_articles(server)
    # One page states its own date; one states an impossible future date (the feed's wins).
    a0, a1 = ARTICLES[0], ARTICLES[1]
    server.route("/news/steel-duties.html", html_page(a0["title"], a0["paragraphs"], published="2025-03-09T06:00:00+01:00"))
    server.route("/news/port-volumes.html", html_page(a1["title"], a1["paragraphs"], published="2091-01-01T00:00:00Z"))
    feed = feed_for(server, urls, etag='"v1"', headers={"Last-Modified": "Mon, 10 Mar 2025 09:00:00 GMT"})
    config = _config(Source(name="trade-feed", kind="feed", urls=[feed], tier="trade"))

    # This crawl cleans in a worker process, as production does (the others clean inline).
    first = crawl(config, db_path=db_path, settings={**TEST_SETTINGS, "TRADEWATCH_CLEAN_WORKERS": 1})
    assert first["articles_new"] == 4 and first["pages_fetched"] == 4 and first["feeds_fetched"] == 1
    assert first["failures"] == 0, first["failure_list"]
    articles = {r["title"]: r for r in _rows(db_path, "SELECT * FROM articles")}
    assert len(articles) == 4
    steel, port = articles[a0["title"]], articles[a1["title"]]
    assert steel["published_source"] == "meta" and steel["published"].startswith("2025-03-09")
    assert port["published_source"] == "feed" and port["published"] == "2025-03-10T09:30:00Z"
    assert all(r["source"] == "trade-feed" and r["tier"] == "trade" and r["text"] for r in articles.values())
    assert len(_rows(db_path, "SELECT * FROM feed_entries")) == 4
    run = _rows(db_path, "SELECT * FROM runs WHERE id = ?", first["run_id"])[0]
    assert run["status"] == "ok" and '"articles_new": 4' in run["counts"]

    second = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert second["articles_new"] == 0 and second["pages_fetched"] == 0
    assert second["not_modified"] == 1                       # 304 on the validators of run 1
    feed_requests = [h for p, h in server.log if p == "/feed.xml"]
    assert feed_requests[-1].get("If-None-Match") == '"v1"'
    assert feed_requests[-1].get("If-Modified-Since") == "Mon, 10 Mar 2025 09:00:00 GMT"
    assert all(server.hits(f"/news/{a['slug']}.html") == 1 for a in ARTICLES)

    # The feed changes (new ETag): already stored articles are skipped without a fetch.
    server.routes["/feed.xml"].etag = '"v2"'
    third = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert third["feeds_fetched"] == 1 and third["skipped_seen"] == 4 and third["pages_fetched"] == 0
    assert len(_rows(db_path, "SELECT id FROM articles")) == 4

    # Re-crawl only when the source asks for it; the same rows are updated, none added.
    server.routes["/feed.xml"].etag = '"v3"'
    config.sources[0].recrawl = True
    fourth = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert fourth["pages_fetched"] == 4 and fourth["skipped_seen"] == 0
    assert all(server.hits(f"/news/{a['slug']}.html") == 2 for a in ARTICLES)
    assert len(_rows(db_path, "SELECT id FROM articles")) == 4


def test_sitemap_index_and_news_sitemap_dates(server, db_path):
    urls = add_articles(server)
    server.route("/sitemap-news.xml", news_sitemap([
        {"url": urls[0], "published": "2025-02-01T12:00:00+00:00", "title": ARTICLES[0]["title"]},
        {"url": urls[1], "published": "2025-02-02T12:00:00Z"},
    ]), content_type="application/xml")
    server.route("/sitemap-old.xml", news_sitemap([{"url": urls[2], "lastmod": "2025-01-05"}]), content_type="text/xml")
    index = server.route("/sitemap.xml", sitemap_index([server.base_url + "/sitemap-news.xml", "/sitemap-old.xml"]),
                         content_type="application/xml")
    stats = crawl(_config(Source(name="maps", kind="sitemap", urls=[index])), db_path=db_path, settings=TEST_SETTINGS)
    assert stats["sitemaps_fetched"] == 3 and stats["articles_new"] == 3, stats
    by_url = {r["url"]: r for r in _rows(db_path, "SELECT url, published, published_source FROM articles")}
    assert by_url[urls[0]]["published"] == "2025-02-01T12:00:00Z" and by_url[urls[0]]["published_source"] == "sitemap"
    assert by_url[urls[2]]["published"] == "2025-01-05T00:00:00Z"


def test_site_crawl_follows_allowed_links_within_depth_and_robots(server, db_path):
    urls = add_articles(server)
    links = "".join(f'<a href="{u}">story</a>' for u in urls[:3])
    server.route("/", f"<html><body><h1>Latest</h1>{links}<a href='/about.html'>About</a>"
                      f"<a href='/news/private-note.html'>x</a><a href='/private/secret.html'>y</a></body></html>")
    server.route("/about.html", html_page("About us", ["We are a test site. " * 30]))
    server.route("/private/secret.html", html_page("Secret", ["Do not fetch. " * 30]))
    # A followed article links on to another article: depth 1 does not follow it.
    a = ARTICLES[0]
    server.route("/news/steel-duties.html", html_page(a["title"], a["paragraphs"]).replace(
        "</article>", f'<a href="{urls[3]}">more</a></article>'))
    source = Source(name="site", kind="site", urls=[server.base_url + "/"], allow=[r"/news/"], deny=[r"private"], depth=1)
    stats = crawl(_config(source), db_path=db_path, settings=TEST_SETTINGS)
    assert stats["articles_new"] == 3, stats
    assert server.hits("/about.html") == 0 and server.hits("/news/private-note.html") == 0
    assert server.hits(urls[3].replace(server.base_url, "")) == 0
    assert server.hits("/private/secret.html") == 0


def test_syndicated_copies_become_one_story_with_two_outlets(server, db_path):
    a = ARTICLES[0]
    original = server.route("/wire/steel.html", html_page(a["title"], a["paragraphs"]))
    edited = [p.replace("Tuesday", "Tuesday evening") for p in a["paragraphs"]] + ["Reporting by the wire desk."]
    copy = server.route("/paper/steel.html", html_page("Steel duties rise", edited))
    exact = server.route("/blog/steel.html", html_page(a["title"], a["paragraphs"]))
    other = server.route("/paper/port.html", html_page(ARTICLES[1]["title"], ARTICLES[1]["paragraphs"]))
    # The paper's AMP copy declares the paper's page canonical: one article, fetched once.
    amp = server.route("/paper/amp/steel.html", html_page("Steel duties rise", edited, canonical="/paper/steel.html"))
    server.route("/wire.xml", rss([{"title": a["title"], "url": original}]), content_type="application/rss+xml")
    server.route("/paper.xml", rss([{"title": "x", "url": copy}, {"title": "y", "url": other}, {"title": "z", "url": amp}]),
                 content_type="application/rss+xml")
    server.route("/blog.xml", rss([{"title": a["title"], "url": exact}]), content_type="application/rss+xml")
    config = _config(Source(name="wire", kind="feed", urls=[server.base_url + "/wire.xml"]),
                     Source(name="paper", kind="feed", urls=[server.base_url + "/paper.xml"]))
    first = crawl(config, db_path=db_path, settings={**TEST_SETTINGS, "CONCURRENT_REQUESTS": 1})
    assert first["articles_new"] + first["duplicates"] == 3
    # A later run (a new process: the index comes back from the knowledge base).
    later = crawl(_config(Source(name="blog", kind="feed", urls=[server.base_url + "/blog.xml"])),
                  db_path=db_path, settings=TEST_SETTINGS)
    assert later["exact_duplicates"] == 1, later
    rows = _rows(db_path, "SELECT url, source, story_id FROM articles")
    story = {r["url"]: r["story_id"] for r in rows}
    assert story[original] == story[copy] == story[exact] != story[other]
    assert amp not in story and len(rows) == 4
    stories = _rows(db_path, "SELECT * FROM stories WHERE id = ?", story[original])
    assert stories[0]["outlets_count"] == 3 and stories[0]["articles_count"] == 3


def test_crawl_is_callable_many_times_and_adhoc_urls_are_sniffed(server, db_path):
    urls = add_articles(server)
    feed = feed_for(server, urls[:2])
    server.route("/sm.xml", news_sitemap([{"url": urls[2], "published": "2025-01-01T00:00:00Z"}]), content_type="text/plain")
    for url in (feed, server.base_url + "/sm.xml", urls[3]):
        stats = crawl(None, db_path=db_path, urls=[url], settings=TEST_SETTINGS)
        assert stats["failures"] == 0, stats["failure_list"]
    assert len(_rows(db_path, "SELECT id FROM articles")) == 4


def test_a_run_that_stops_early_leaves_no_validators_so_the_next_run_fetches_the_rest(server, db_path):
    """Validators stored at parse time would make the next run's 304 hide the entries a killed
    or stopped run never fetched. Here the run stops after its first page (CLOSESPIDER_PAGECOUNT
    stands in for a kill: the spider does not finish)."""
    urls = add_articles(server)
    for a in ARTICLES[1:]:     # the other pages are slow to answer, so the stop comes first
        server.routes[f"/news/{a['slug']}.html"].delay = 1.5
    feed = feed_for(server, urls, etag='"v1"')
    config = _config(Source(name="trade-feed", kind="feed", urls=[feed]))

    stopped = crawl(config, db_path=db_path, settings={**TEST_SETTINGS, "CLOSESPIDER_PAGECOUNT": 2})
    assert stopped["articles_new"] < len(ARTICLES)
    assert _rows(db_path, "SELECT * FROM http_cache") == []

    for a in ARTICLES[1:]:
        server.routes[f"/news/{a['slug']}.html"].delay = 0
    rest = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert rest["not_modified"] == 0 and rest["feeds_fetched"] == 1
    assert stopped["articles_new"] + rest["articles_new"] == len(ARTICLES), (stopped, rest)
    assert [r["etag"] for r in _rows(db_path, "SELECT etag FROM http_cache")] == ['"v1"']
    assert crawl(config, db_path=db_path, settings=TEST_SETTINGS)["not_modified"] == 1


def test_tracking_variants_of_an_article_are_fetched_once(server, db_path):
    """A feed and a sitemap that list each article plain, with tracking tags and with a fragment:
    one request per article (the dupefilter keys on the canonical URL), and the next run fetches
    none of them again (seen under the same key)."""
    urls = add_articles(server)
    for article, url in zip(ARTICLES, urls):        # a real server serves the page whatever the query
        for query in ("?utm_source=rss&utm_medium=feed", "?fbclid=abc", "?utm_campaign=x"):
            server.route(url.replace(server.base_url, "") + query, html_page(article["title"], article["paragraphs"]))
    variants = [v for url in urls for v in (url, f"{url}?utm_source=rss&utm_medium=feed", f"{url}?fbclid=abc",
                                            f"{url}#comments")]
    feed = server.route("/wire.xml", rss([{"title": f"Story {i}", "url": u} for i, u in enumerate(variants)]),
                        content_type="application/rss+xml")
    sitemap = server.route("/wire-sitemap.xml", news_sitemap(
        [{"url": f"{u}?utm_campaign=x", "published": "2025-03-10T08:00:00Z"} for u in urls]))
    config = _config(Source(name="wire", kind="feed", urls=[feed]), Source(name="wire-map", kind="sitemap", urls=[sitemap]))

    def fetches(url):          # every request for the article, whatever the query string
        path = url.replace(server.base_url, "")
        return sum(1 for p, _ in server.log if p.split("?")[0] == path)

    first = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert first["failures"] == 0, first["failure_list"]
    assert [fetches(u) for u in urls] == [1] * len(urls)
    assert first["pages_fetched"] == len(urls) and first["articles_new"] == len(urls)
    assert len(_rows(db_path, "SELECT id FROM articles")) == len(urls)
    second = crawl(config, db_path=db_path, settings=TEST_SETTINGS)
    assert second["pages_fetched"] == 0 and [fetches(u) for u in urls] == [1] * len(urls)
