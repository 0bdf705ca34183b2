"""Scaled mode of the demo site: N generated pages, paged sitemaps and feeds, built lazily."""
from __future__ import annotations

import html
import itertools
import random
import re
import urllib.error
import urllib.request

import feedparser
import pytest
from defusedxml import ElementTree

from tradewatch.demo import DemoContent, DemoSite
from tradewatch.demo.generate import rescale_figures

SCALE = 1_250          # crosses a sitemap page (1,000) and feed page (500) boundary
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def site():
    with DemoSite(scale=SCALE) as running:
        yield running


def test_sitemap_index_pages_list_every_scaled_page(site):
    index = ElementTree.fromstring(fetch(site.sitemap_index_url)[1])
    children = [s.findtext(f"{NS}loc") for s in index]
    assert children[0] == site.sitemap_url and len(children) == 1 + 2
    locs = []
    for child in children[1:]:
        locs += [u.findtext(f"{NS}loc") for u in ElementTree.fromstring(fetch(child)[1])]
    assert len(locs) == len(set(locs)) == SCALE
    assert set(locs) == {site.url(f"/scaled/{n}.html") for n in range(1, SCALE + 1)}
    assert len(site.article_urls) == SCALE + len(site.articles)


def test_scaled_pages_are_distinct_and_deterministic(site):
    numbers = random.Random(7).sample(range(1, SCALE + 1), 25)
    pages = {}
    for n in numbers:
        status, body = fetch(site.url(f"/scaled/{n}.html"))
        assert status == 200
        pages[n] = body
    assert len(set(pages.values())) == len(numbers)
    other = DemoContent(scale=SCALE)                       # a fresh instance builds the same page
    for n in numbers[:5]:
        assert other.find(f"/scaled/{n}.html").body_html == site.content.find(f"/scaled/{n}.html").body_html
    titles = {site.content.find(f"/scaled/{n}.html").title for n in numbers}
    assert len(titles) == len(numbers)
    assert fetch(site.url(f"/scaled/{SCALE + 1}.html"))[0] == 404
    assert fetch(site.url("/scaled/0.html"))[0] == 404


def test_generated_pages_swap_companies_for_invented_ones(site):
    article = site.content.find("/scaled/3.html")
    names = [company["name"] for company in article.expect["companies"]]
    assert names and all(name in article.body_html for name in names)
    written = {c["name"] for a in site.content.articles for c in a.expect["companies"]}
    assert not written & set(names)


def test_paged_scaled_feeds_chain_to_the_end(site):
    urls = site.scaled_feed_urls
    assert len(urls) == 3
    seen, url = [], urls[0]
    while url:
        feed = feedparser.parse(fetch(url)[1])
        assert not feed.bozo
        seen += [entry.id for entry in feed.entries]
        url = next((link.href for link in feed.feed.get("links", []) if link.rel == "next"), None)
    assert len(seen) == len(set(seen)) == SCALE


def test_front_page_paginates_into_the_scaled_archive(site):
    front = fetch(site.index_url)[1].decode()
    assert 'rel="next"' in front and "/archive/2.html" in front
    last_page = -(-(SCALE + len(site.articles)) // 25)
    status, body = fetch(site.url(f"/archive/{last_page}.html"))
    assert status == 200 and site.url(f"/scaled/{SCALE}.html") in body.decode()
    assert fetch(site.url(f"/archive/{last_page + 1}.html"))[0] == 404


def test_rescale_figures_keeps_forms_and_leaves_dates_alone():
    text = "On 1 January 2026 it paid $14.6bn, £600m and 300,000 barrels for 25% and 12 per cent."
    out = rescale_figures(text, 2.0)
    assert out == "On 1 January 2026 it paid $29.2bn, £1200m and 600,000 barrels for 50% and 24 per cent."


def _shingles(fragment: str, size: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>", " ", fragment)).lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def test_generated_pages_are_not_near_duplicates_but_the_syndicated_pair_is():
    content = DemoContent(scale=200)
    shingles = [_shingles(content.find(f"/scaled/{n}.html").body_html) for n in range(1, 201)]
    worst = max(_jaccard(a, b) for a, b in itertools.combinations(shingles, 2))
    original = content.by_id("china-graphite-licences-wire")
    copy = next(a for a in content.articles if a.syndicated_from == original.id)
    pair = _jaccard(_shingles(original.body_html), _shingles(copy.body_html))
    assert worst < 0.5 < pair, (worst, pair)
