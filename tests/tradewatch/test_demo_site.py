"""The embedded demo site: content, feeds, sitemaps, robots.txt and conditional GET,
all fetched over real HTTP from a DemoSite on 127.0.0.1."""
from __future__ import annotations

import difflib
import html
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
from pathlib import Path

import feedparser
import pytest
from defusedxml import ElementTree

from tradewatch.demo import DemoSite, DemoSiteError, detect_artifacts, load_manifest

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def fetch(url: str, headers: dict | None = None, method: str = "GET") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:      # 304 and 4xx/5xx arrive as errors
        return error.code, dict(error.headers), error.read()


def article_body(page: str) -> str:
    match = re.search(r'<div class="article-body"[^>]*>(.*?)\n  </div>', page, re.S)
    assert match, "article page has no article-body block"
    return match.group(1)


def visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("\xa0", " ")


@pytest.fixture(scope="module")
def site():
    with DemoSite() as running:
        yield running


@pytest.fixture(scope="module")
def manifest():
    return load_manifest()


# -- the written content --------------------------------------------------------------
def test_manifest_has_enough_distinct_articles(manifest):
    info, articles = manifest
    assert len(articles) >= 14
    assert len({a.path for a in articles}) == len(articles)
    assert len({a.title for a in articles}) == len(articles)
    assert {a.section for a in articles} <= set(info.sections)
    kinds = {event["type"] for a in articles for event in a.expect["events"]}
    assert kinds >= {"tariff", "export_control", "trade_remedy", "import_restriction", "sanction",
                     "subsidy", "trade_agreement", "trade_dispute", "trade_legislation"}
    statuses = {event["status"] for a in articles for event in a.expect["events"]}
    assert statuses >= {"threatened", "announced", "in_effect", "lifted", "investigating", "negotiating",
                        "ruled", "proposed"}


def test_expected_figures_and_companies_are_in_the_text(manifest):
    _, articles = manifest
    for article in articles:
        text = visible_text(article.body_html)
        for figure in article.expect["figures"]:
            assert figure in text, f"{article.id}: figure {figure!r} not in body"
        for company in article.expect["companies"]:
            for form in [company["name"], *company["aliases"]]:
                assert form in text, f"{article.id}: company form {form!r} not in body"


def test_figures_come_in_many_forms(manifest):
    _, articles = manifest
    figures = {figure for a in articles for figure in a.expect["figures"]}
    for form in ("$1.2bn", "3.5 billion US dollars", "£600m", "€40 million", "25%", "12 per cent",
                 "2.5 percentage points", "1.5 mln tonnes", "300,000 barrels per day"):
        assert form in figures


def test_syndicated_pair_is_a_near_duplicate_on_two_outlets(manifest):
    _, articles = manifest
    copies = [a for a in articles if a.syndicated_from]
    assert copies, "no syndicated copy in the manifest"
    for copy in copies:
        original = next(a for a in articles if a.id == copy.syndicated_from)
        assert copy.outlet != original.outlet and copy.path.split("/")[1] != original.path.split("/")[1]
        a, b = visible_text(original.body_html), visible_text(copy.body_html)
        similarity = difflib.SequenceMatcher(None, a, b).ratio()
        assert 0.8 < similarity < 1.0, similarity


def test_update_pair_changes_the_status_of_one_measure(manifest):
    _, articles = manifest
    updates = [a for a in articles if a.updates]
    assert updates
    for later in updates:
        earlier = next(a for a in articles if a.id == later.updates)
        assert later.published > earlier.published and later.batch > earlier.batch
        before, after = earlier.expect["events"][0], later.expect["events"][0]
        assert (before["type"], before["actor"], before["product"]) == (after["type"], after["actor"], after["product"])
        assert before["status"] != after["status"]


def test_declared_artifacts_are_in_the_bodies(manifest):
    _, articles = manifest
    seen = set()
    for article in articles:
        assert set(article.artifacts) <= set(detect_artifacts(article.body_html)), article.id
        seen.update(article.artifacts)
    assert seen == {"escaped-tags", "nbsp", "skip-to-content", "advertisement"}


def test_bad_manifest_gets_a_clear_error(tmp_path: Path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.html").write_text("<p>Body.</p>")
    (tmp_path / "manifest.toml").write_text(
        '[outlets.x]\nname = "X"\n[sections]\nnews = "News"\n'
        '[[articles]]\nid = "a"\nfile = "a.html"\npath = "/a.html"\ntitle = "A"\noutlet = "x"\n'
        'section = "sport"\nauthor = "Me"\npublished = 2026-01-01T00:00:00Z\nsummary = "S"\n')
    with pytest.raises(DemoSiteError, match="section 'sport'"):
        load_manifest(tmp_path / "manifest.toml")


# -- the server -----------------------------------------------------------------------
def test_server_listens_on_a_free_loopback_port(site):
    assert site.base_url.startswith("http://127.0.0.1:") and site.port > 0
    with DemoSite() as second:
        assert second.port != site.port
        status, _, _ = fetch(second.feed_url)
        assert status == 200
    with pytest.raises(RuntimeError):
        second.base_url                                        # stopped: no address any more


def test_rss_feed_lists_every_article(site, manifest):
    _, articles = manifest
    feed = feedparser.parse(fetch(site.feed_url)[2])
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == len(articles) == len(site.articles)
    assert {entry.id for entry in feed.entries} == set(site.article_urls)
    for entry in feed.entries:
        assert entry.title and entry.published_parsed and entry.author and entry.tags
        assert "utm_source=rss" in entry.link                   # tracking parameters, as in the wild
    with_html = [entry for entry in feed.entries if "<strong>" in entry.summary]
    assert len(with_html) == 1
    full = [entry for entry in feed.entries if "content" in entry]       # content:encoded
    assert [entry.id for entry in full] == [site.url(a.path) for a in articles if a.feed_full_text]
    assert full[0].content[0].value.startswith("<p>") and "Advertisement" in full[0].content[0].value


def test_atom_feed_lists_every_article(site):
    feed = feedparser.parse(fetch(site.atom_url)[2])
    assert not feed.bozo and feed.version == "atom10"
    assert {entry.link for entry in feed.entries} == set(site.article_urls)
    assert all(entry.published_parsed and entry.author for entry in feed.entries)


def test_news_sitemap_and_index(site):
    root = ElementTree.fromstring(fetch(site.sitemap_url)[2])
    urls = root.findall(f"{SITEMAP_NS}url")
    assert {u.findtext(f"{SITEMAP_NS}loc") for u in urls} == set(site.article_urls)
    for url in urls:
        news = url.find(f"{NEWS_NS}news")
        assert url.findtext(f"{SITEMAP_NS}lastmod")
        assert news.findtext(f"{NEWS_NS}publication_date") and news.findtext(f"{NEWS_NS}title")
    index = ElementTree.fromstring(fetch(site.sitemap_index_url)[2])
    assert [s.findtext(f"{SITEMAP_NS}loc") for s in index] == [site.sitemap_url]


def test_robots_txt_disallows_an_existing_private_path(site):
    status, headers, body = fetch(site.robots_url)
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {site.sitemap_index_url}" in body.decode()
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    private = site.url("/private/embargoed-draft.html")
    assert not robots.can_fetch("tradewatch", private)
    assert all(robots.can_fetch("tradewatch", url) for url in site.article_urls)
    assert fetch(private)[0] == 200                            # it exists; only robots keep crawlers out
    front = fetch(site.index_url)[2].decode()
    assert "/private/" in front


@pytest.mark.parametrize("which", ["feed_url", "atom_url", "sitemap_url", "sitemap_index_url"])
def test_conditional_get_gives_304(site, which):
    url = getattr(site, which)
    status, headers, body = fetch(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    status, again, body = fetch(url, {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"") and again["ETag"] == headers["ETag"]
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"something-else"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": "Thu, 01 Jan 2026 00:00:00 GMT"})[0] == 200


def test_head_sends_headers_only(site):
    status, headers, body = fetch(site.feed_url, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_article_pages_carry_metadata_layout_and_artifacts(site):
    for article in site.articles:
        status, headers, raw = fetch(site.url(article.path))
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        page = raw.decode()
        url = site.url(article.path)
        assert f'<link rel="canonical" href="{url}">' in page
        for layout in ('id="cookie-consent"', 'class="site-nav"', 'class="site-footer"', 'class="share"',
                       'class="related"', 'class="newsletter"', "Skip to content"):
            assert layout in page, (article.id, layout)
        published = article.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        if "time" in article.meta:
            assert f'<time datetime="{published}"' in page
        if "og" in article.meta:
            assert f'<meta property="article:published_time" content="{published}">' in page
        if "jsonld" in article.meta:
            block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
            data = json.loads(block)
            assert data["datePublished"] == published and data["headline"] == article.title
        assert set(article.artifacts) <= set(detect_artifacts(article_body(page))), article.id
    one = site.article("japan-chip-tool-controls")
    body = visible_text(article_body(fetch(site.url(one.path))[2].decode()))
    assert "< / P > < p >" in body and body.rstrip().endswith("Skip to content")


def test_related_links_and_sections_resolve(site):
    page = fetch(site.url(site.articles[0].path))[2].decode()
    related = re.search(r'class="related".*?</section>', page, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', related)
    assert len(links) == 3 and all(fetch(link)[0] == 200 for link in links)
    nav = re.findall(r'href="([^"]+/section/[^"]+)"', page)
    assert nav and all(fetch(link)[0] == 200 for link in set(nav))
    front = fetch(site.index_url)[2].decode()
    assert all(url in front for url in site.article_urls)


def test_unknown_paths_are_404_and_set_status_forces_errors(site):
    assert fetch(site.url("/news/2026/11/99/nothing-here.html"))[0] == 404
    path = site.articles[0].path
    site.set_status(path, 503)
    try:
        assert fetch(site.url(path))[0] == 503
    finally:
        site.set_status(path, None)
    assert fetch(site.url(path))[0] == 200
    assert site.hits(path, status=503) == 1


def test_batches_and_extra_articles_appear_between_runs():
    with DemoSite(batch=1) as site:
        first = feedparser.parse(fetch(site.feed_url)[2])
        later = [a for a in load_manifest()[1] if a.batch == 2]
        assert later and len(first.entries) == len(site.articles)
        assert all(fetch(site.url(a.path))[0] == 404 for a in later)
        etag = fetch(site.feed_url)[1]["ETag"]

        site.publish_batch(2)
        status, _, body = fetch(site.feed_url, {"If-None-Match": etag})
        assert status == 200
        second = feedparser.parse(body)
        assert len(second.entries) == len(first.entries) + len(later)
        assert all(fetch(site.url(a.path))[0] == 200 for a in later)

        added = site.add_articles(2)
        third = feedparser.parse(fetch(site.feed_url)[2])
        assert len(third.entries) == len(second.entries) + 2
        newest_written = max(a.published for a in load_manifest()[1])
        for article in added:
            assert article.published > newest_written and article.path.startswith("/extra/")
            status, _, page = fetch(site.url(article.path))
            assert status == 200 and article.title in html.unescape(page.decode())
        sitemap = fetch(site.sitemap_url)[2].decode()
        assert all(site.url(a.path) in sitemap for a in added)


def test_module_entry_point_serves_until_stopped():
    process = subprocess.Popen([sys.executable, "-m", "tradewatch.demo", "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", first_line).group(0)
        assert fetch(base + "/feed.xml")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
