"""Feeds and sitemaps → entries: real-world corpora (from ../shared by path) and edge cases."""
from __future__ import annotations

import re

import pytest

from crawler.dates import localized_rfc822, to_utc_iso
from crawler.parsing import ParseFailure, parse_feed, parse_sitemap, sniff_kind


def _readme_counts(readme: str) -> dict[str, int]:
    """file → entry count, from the table in the corpus README."""
    counts = {}
    for line in readme.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|[^|]*\|[^|]*\|\s*(\d+)", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def test_every_shared_feed_parses_with_its_readme_count(shared_dir):
    feeds = shared_dir / "corpora" / "feeds"
    if not feeds.is_dir():
        pytest.skip(f"{feeds} not found")
    counts = _readme_counts((feeds / "README.md").read_text(encoding="utf-8"))
    assert len(counts) == 11, counts          # 10 feeds + the news sitemap
    for name, expected in counts.items():
        body = (feeds / name).read_bytes()
        url = f"https://feeds.example.org/{name}"
        kind = sniff_kind(body)
        if kind == "sitemap":
            sitemap = parse_sitemap(body, url)
            assert sitemap.kind == "urlset"
            assert len(sitemap.entries) == expected, name
            assert all(" " not in e.url for e in sitemap.entries)       # stray spaces stripped
            assert all(e.published and e.published.endswith("Z") for e in sitemap.entries)
            assert all(e.lastmod for e in sitemap.entries)
            assert all(e.title for e in sitemap.entries)
        else:
            assert kind == "feed", name
            entries, info = parse_feed(body, url)
            assert len(entries) == expected, name
            assert all(e.url.startswith(("http://", "https://")) for e in entries), name
            assert all(e.title for e in entries), name
            # Every entry gets a UTC date, non-English day/month names included.
            assert all(e.published and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e.published) for e in entries), name


def test_shared_feeds_keep_text_in_the_right_encoding(shared_dir):
    feeds = shared_dir / "corpora" / "feeds" / "rss-parser"
    if not feeds.is_dir():
        pytest.skip(f"{feeds} not found")
    uol, _ = parse_feed((feeds / "uolNoticias.rss").read_bytes(), "https://uol.example/feed")
    jn, _ = parse_feed((feeds / "encoding.rss").read_bytes(), "https://jn.example/feed")
    assert any(ch in e.title for e in jn for ch in "ãçéõ")   # declared ISO-8859-1, decoded as such
    assert not any("Ã" in e.title for e in uol + jn)          # no mojibake
    assert uol[0].published == "2018-09-24T22:42:40Z"         # "Seg, 24 Set 2018 19:42:40 -0300"


def test_feed_entries_carry_what_the_feed_knows():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://ex.org/</link>
    <item><title> Tariffs up </title><link>/news/a.html</link><description>&lt;p&gt;Short&lt;/p&gt;</description>
    <pubDate>Tue, 04 Mar 2025 10:00:00 +0100</pubDate><author>desk@ex.org (Desk)</author>
    <category>Trade</category><category>Steel</category></item></channel></rss>"""
    entries, info = parse_feed(body, "https://feeds.ex.org/rss", source="ex")
    (entry,) = entries
    assert entry.url == "https://feeds.ex.org/news/a.html"       # relative link resolved
    assert entry.title == "Tariffs up"
    assert "Short" in entry.summary
    assert entry.published == "2025-03-04T09:00:00Z"
    assert entry.categories == ["Trade", "Steel"]
    assert entry.author and entry.source == "ex" and entry.origin == "feed"
    assert info["link"] == "https://ex.org/"


def test_rss_090_and_rdf_and_atom_parse():
    rss090 = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>Old</title><link>http://old.example/</link>
      <description>d</description></channel><item><title>One</title><link>http://old.example/1</link></item></rdf:RDF>"""
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
      <entry><title>E</title><link href="https://a.example/e"/><id>x</id><updated>2024-01-02T03:04:05Z</updated></entry></feed>"""
    assert [e.url for e in parse_feed(rss090, "http://old.example/rss")[0]] == ["http://old.example/1"]
    entries, _ = parse_feed(atom, "https://a.example/atom")
    assert entries[0].published == "2024-01-02T03:04:05Z"


def test_malformed_and_empty_feeds():
    with pytest.raises(ParseFailure):
        parse_feed(b"this is not xml at all {", "https://x.example/feed")
    entries, _ = parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title></channel></rss>',
                            "https://x.example/feed")
    assert entries == []
    # Truncated mid-item: feedparser keeps what it could read.
    broken = b'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><item><title>Ok</title><link>https://x.example/ok</link></item><item><title>Cut'
    entries, info = parse_feed(broken, "https://x.example/feed")
    assert [e.url for e in entries] == ["https://x.example/ok"] and info["bozo"]


def test_entity_expansion_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<rss version="2.0"><channel><title>&b;</title><item><link>https://x.example/1</link></item></channel></rss>')
    with pytest.raises(ParseFailure, match="entit"):
        parse_feed(bomb, "https://x.example/feed")
    external = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>')
    with pytest.raises(ParseFailure):
        parse_sitemap(external, "https://x.example/sitemap.xml")


def test_sitemap_index_and_malformed_sitemap():
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/s1.xml</loc></sitemap>'
             b"<sitemap><loc>https://x.example/s2.xml</loc></sitemap></sitemapindex>")
    parsed = parse_sitemap(index, "https://x.example/index.xml")
    assert parsed.kind == "index" and parsed.sitemaps == ["https://x.example/s1.xml", "https://x.example/s2.xml"]
    with pytest.raises(ParseFailure, match="malformed"):
        parse_sitemap(b"<urlset><url><loc>https://x", "https://x.example/s.xml")
    with pytest.raises(ParseFailure, match="not a sitemap"):
        parse_sitemap(b"<html><body>hi</body></html>", "https://x.example/s.xml")


def test_sniff_kind():
    assert sniff_kind(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c --><rss version="2.0">') == "feed"
    assert sniff_kind(b'<feed xmlns="http://www.w3.org/2005/Atom">') == "feed"
    assert sniff_kind(b"<sitemapindex>") == "sitemap"
    assert sniff_kind(b"<!doctype html><html>") == "page"


@pytest.mark.parametrize("text, expected", [
    ("Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T22:42:40Z"),
    ("Mo, 03 Mär 2025 10:00:00 +0100", "2025-03-03T09:00:00Z"),
    ("mer., 5 févr. 2025 08:00:00 GMT", "2025-02-05T08:00:00Z"),
    ("Tue, 04 Mar 2025 10:00:00 GMT", "2025-03-04T10:00:00Z"),
])
def test_localized_rfc822_dates(text, expected):
    assert to_utc_iso(text) == expected
    assert localized_rfc822("no date here") is None
