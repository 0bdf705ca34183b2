"""Pure parts of the crawler: the address guard, charsets, dates, dedupe."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crawler import guard
from crawler.charset import effective_charset
from crawler.dates import choose_published, plausible
from crawler.dedupe import StoryIndex, content_hash, encode_signature, minhash
from crawler.middlewares import retry_after_seconds
from tests.crawler.sitebuilder import ARTICLES





@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "scheme"),
    ("ftp://ex.org/x", "scheme"),
    ("http://10.1.2.3/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]:8080/", "loopback"),
    ("http://127.0.0.1/", "loopback"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://metadata.google.internal/", "metadata"),
])
def test_guard_refuses_before_resolving_anything_public(url, reason):
    with pytest.raises(guard.Refused, match=reason):
        guard.check_url(url, resolver=lambda h, p: pytest.fail("must not resolve"))


def test_guard_checks_every_resolved_address_and_the_allow_list():
    mixed = lambda host, port: ("93.184.216.34", "10.0.0.7")   # noqa: E731 - a DNS answer with a private address
    with pytest.raises(guard.Refused, match="private"):
        guard.check_url("https://news.example.com/a", resolver=mixed)
    public = lambda host, port: ("93.184.216.34",)           # noqa: E731
    guard.check_url("https://news.example.com/a", allowed_domains=["example.com"], resolver=public)
    with pytest.raises(guard.Refused, match="offsite"):
        guard.check_url("https://evil.example.net/a", allowed_domains=["example.com"], resolver=public)
    loopback_only = guard.parse_networks(["127.0.0.1/32"])
    guard.check_url("http://127.0.0.1:9/x", loopback_only)
    with pytest.raises(guard.Refused):
        guard.check_url("http://127.0.0.2:9/x", loopback_only)
    mirror = guard.parse_networks(guard.PRIVATE_MIRROR_NETWORKS)
    guard.check_url("http://10.0.0.5/", mirror)
    with pytest.raises(guard.Refused, match="link-local"):
        guard.check_url("http://169.254.169.254/", mirror)      # --allow-private never opens metadata


def test_source_domain_allows_sibling_hosts():
    assert guard.source_domain("https://feeds.bbc.co.uk/news/rss.xml") == "bbc.co.uk"
    assert guard.source_domain("http://127.0.0.1:8000/feed") == "127.0.0.1"
    assert guard.host_allowed("www.bbc.co.uk", ["bbc.co.uk"]) and not guard.host_allowed("bbc.co.uk.evil.net", ["bbc.co.uk"])


def test_charset_repairs_wrong_declarations():
    text = "Exportações de café subiram 5 % — São Paulo"
    assert effective_charset(text.encode("utf-8"), "text/html; charset=iso-8859-1") == "utf-8"
    assert effective_charset(text.encode("cp1252"), "text/html; charset=utf-8") == "cp1252"
    assert effective_charset(text.encode("cp1252"), None) == "cp1252"
    meta = b'<meta charset="iso-8859-1">' + text.encode("cp1252")
    assert meta.decode(effective_charset(meta, "text/html")).endswith(text)
    assert effective_charset(b"plain ascii", "text/html; charset=iso-8859-1") == "cp1252"
    sjis = "日本の輸出".encode("shift_jis")
    assert effective_charset(sjis, "text/html; charset=shift_jis") == "shift_jis"


def test_dates_are_plausible_and_sources_ranked():
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    assert not plausible("2025-07-01T00:00:00Z", now=now)      # future
    assert not plausible("1985-01-01T00:00:00Z", now=now)      # before 1990
    assert plausible("1985-01-01T00:00:00Z", now=now, allow_before_1990=True)
    assert choose_published([("meta", "2031-01-01"), ("feed", "2025-05-02T10:00:00+02:00")], now=now) == \
        ("2025-05-02T08:00:00Z", "feed")
    assert choose_published([("meta", "2025-05-01"), ("feed", "2025-05-02T10:00:00Z")], now=now) == \
        ("2025-05-01T00:00:00Z", "meta")
    assert choose_published([("meta", None), ("sitemap", "garbage")], now=now) == (None, None)


def test_retry_after_parsing():
    assert retry_after_seconds(b"3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0      # in the past
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def _text(i):
    return " ".join(ARTICLES[i]["paragraphs"])


def test_dedupe_exact_near_and_distinct():
    index = StoryIndex()
    first = index.match("a", _text(0))
    assert first.kind == "new"
    index.add("a", "a", first)
    # A syndicated copy with a different intro and one sentence edited.
    paragraphs = ARTICLES[0]["paragraphs"]
    rewrite = " ".join(["(Wire) —"] + [paragraphs[0].replace("Tuesday", "Wednesday")] + paragraphs[1:])
    near = index.match("b", rewrite)
    assert near.kind == "near" and near.story_id == "a" and near.similarity >= 0.5
    exact = index.match("c", _text(0).upper() + "  ")
    assert exact.kind == "exact" and exact.story_id == "a"
    assert index.match("d", _text(1)).kind == "new"
    assert minhash("too short") is None


def test_dedupe_signatures_survive_a_reload():
    first = StoryIndex()
    match = first.match("a", _text(2))
    first.add("a", "story-a", match)
    rows = [("a", "story-a", encode_signature(content_hash(_text(2)), minhash(_text(2))))]
    second = StoryIndex()
    assert second.load(rows + [("junk", "s", b"\x09garbage")]) == 1
    paragraphs = ARTICLES[2]["paragraphs"]
    again = second.match("b", " ".join(paragraphs[:3]))
    assert again.kind == "near" and again.story_id == "story-a"


def test_minhash_keeps_datasketch_values_so_stored_signatures_still_match():
    """minhash() reuses permutations and a quicker sha1_hash32: the values must stay datasketch's own."""
    from datasketch import MinHash

    from crawler.dedupe import NUM_PERM, SHINGLE_WORDS, normalise

    text = " ".join(p for a in ARTICLES[:2] for p in a["paragraphs"])
    words = normalise(text).split()
    reference = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    reference.update_batch(list({" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8")
                                 for i in range(len(words) - SHINGLE_WORDS + 1)}))
    assert (minhash(text).hashvalues == reference.hashvalues).all()
    assert (minhash(text + " ").hashvalues == reference.hashvalues).all()     # permutations reused: same again
