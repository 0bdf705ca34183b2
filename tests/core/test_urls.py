"""URL identity: one canonical spelling per page, and ids derived from it."""
from __future__ import annotations

import pytest

from core.ids import article_id
from core.urls import canonical_url, is_tracking_parameter, link_canonical


@pytest.mark.parametrize("raw, expected", [
    ("HTTPS://WWW.Example.COM:443/News/A/?utm_source=x&b=2&a=1&fbclid=z#top", "https://example.com/News/A?a=1&b=2"),
    ("http://example.com:80/a//b/", "http://example.com/a/b"),
    ("http://example.com:8080/", "http://example.com:8080/"),
    ("https://example.com/path?gclid=1&utm_medium=m", "https://example.com/path"),
    ("https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"),
    ("https://example.com/café", "https://example.com/caf%C3%A9"),
])
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected
    assert canonical_url(canonical_url(raw)) == canonical_url(raw)


def test_link_canonical():
    html = '<html><head><link href="/a/b?x=1" rel="canonical"></head></html>'
    assert link_canonical(html, "https://ex.org/c") == "https://ex.org/a/b?x=1"
    assert link_canonical("<link rel='canonical' href='javascript:alert(1)'>", "https://ex.org/") is None
    assert link_canonical("<p>none</p>", "https://ex.org/") is None


def test_canonical_url_and_article_id_are_stable():
    a = canonical_url("HTTPS://News.Example.com:443/trade/story?b=2&utm_source=rss&a=1#top")
    assert a == "https://news.example.com/trade/story?a=1&b=2"
    assert canonical_url(a) == a
    assert article_id("https://news.example.com/trade/story?a=1&b=2&fbclid=zz") == article_id(a)
    assert article_id("https://news.example.com/other") != article_id(a)


def test_tracking_parameters_come_from_the_data_file():
    assert is_tracking_parameter("utm_campaign") and is_tracking_parameter("FBCLID") and is_tracking_parameter("pk_kwd")
    assert not is_tracking_parameter("id") and not is_tracking_parameter("page")


def test_one_spelling_for_the_variants_a_feed_hands_over():
    """The crawler's and the store's keys used to differ for these (www., trailing slash, tracking)."""
    variants = ["https://www.Example.com/a/b/?utm_source=x", "https://example.com/a/b",
                "https://EXAMPLE.com/a/b/#comments", "https://example.com/a/b?fbclid=1&utm_medium=rss"]
    assert {canonical_url(v) for v in variants} == {"https://example.com/a/b"}
    assert len({article_id(v) for v in variants}) == 1


def test_not_http_urls_come_back_stripped_and_empty_ones_raise():
    assert canonical_url("  mailto:desk@example.com ") == "mailto:desk@example.com"
    with pytest.raises(ValueError):
        canonical_url("   ")
