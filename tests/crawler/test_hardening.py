"""Pure parts of the crawler's hardening (issue 15): embedded-IPv4 forms, the connect-time
resolver, failure reasons, ad hoc URL checks, DTD sniffing, stale temp folders, mirror URLs.
The crawls themselves are in tests/reliability (dns_guard, honest_exits, stable_data)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import maybeDeferred
from twisted.python.failure import Failure

from core.urls import origin_of, rebase_url
from crawler import guard
from crawler.parsing import ParseFailure, parse_feed, parse_sitemap, refuse_entities, sniff_kind
from crawler.resolver import GuardedResolver
from crawler.run import remove_stale_crawl_dirs
from crawler.sources import adhoc_url_problem
from crawler.spiders.base import describe_failure


@pytest.mark.parametrize("address, form", [
    ("64:ff9b::7f00:1", "NAT64"), ("64:ff9b::a9fe:a9fe", "NAT64"), ("64:ff9b:1::7f00:1", "local-use NAT64"),
    ("64:ff9b:1:a:b::", "local-use NAT64"), ("2002:7f00:1::", "6to4"), ("::127.0.0.1", "IPv4-compatible"),
    ("::ffff:0:7f00:1", "IPv4-translated"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
])
def test_ipv6_forms_carrying_a_private_ipv4_address_are_refused(address, form):
    with pytest.raises(guard.Refused, match=form):
        guard.check_address(address)


def test_allow_private_opens_plain_and_mapped_addresses_not_translators():
    mirror = guard.parse_networks(guard.PRIVATE_MIRROR_NETWORKS)
    guard.check_address("::ffff:127.0.0.1", mirror)
    guard.check_address("10.1.2.3", mirror)
    for address in ("64:ff9b::7f00:1", "2002:7f00:1::", "::ffff:0:7f00:1", "::127.0.0.1"):
        with pytest.raises(guard.Refused):
            guard.check_address(address, mirror)


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"])
def test_the_same_forms_around_a_public_address_pass(address):
    guard.check_address(address)


class Receiver:
    def __init__(self):
        self.addresses, self.done = [], False

    def resolutionBegan(self, resolution):  # noqa: N802
        pass

    def addressResolved(self, address):  # noqa: N802
        self.addresses.append((type(address).__name__, address.host, address.port))

    def resolutionComplete(self):  # noqa: N802
        self.done = True


def resolver(answers, allowed=()):
    """The resolver with its lookup answered from a dict and run inline (no reactor, no DNS)."""
    return GuardedResolver(None, guard.parse_networks(allowed), lookup=lambda host, port: answers[host],
                           run_blocking=lambda f, *a: maybeDeferred(f, *a))


def test_the_connect_time_resolver_answers_checked_addresses_only():
    receiver = Receiver()
    resolver({"mirror.test": ("127.0.0.3", "::1")}, ["127.0.0.0/8", "::1/128"]).resolveHostName(receiver, "mirror.test", 80)
    assert receiver.done and receiver.addresses == [("IPv4Address", "127.0.0.3", 80), ("IPv6Address", "::1", 80)]
    receiver = Receiver()
    resolver({"rebound.test": ("93.184.216.34", "127.0.0.1")}).resolveHostName(receiver, "Rebound.Test.", 443)
    assert receiver.done and receiver.addresses == []
    assert guard.refused_at_connect("https://rebound.test/a") == "refused: loopback address 127.0.0.1"


def test_the_connect_time_resolver_checks_a_cached_answer_again():
    guard._RESOLVED[("cached.test", 80)] = ("169.254.169.254",)
    receiver = Receiver()
    resolver({}).resolveHostName(receiver, "cached.test", 80)
    assert receiver.done and receiver.addresses == []
    assert "link-local" in guard.refused_at_connect("http://cached.test/")


def test_a_lookup_that_fails_at_connect_time_is_named():
    def fail(host, port):
        raise guard.Refused(f"DNS lookup failed: {host} does not resolve (Name or service not known)")
    receiver = Receiver()
    GuardedResolver(None, (), lookup=fail, run_blocking=lambda f, *a: maybeDeferred(f, *a)).resolveHostName(
        receiver, "gone.test", 80)
    assert receiver.done and receiver.addresses == []
    assert "does not resolve" in guard.refused_at_connect("http://gone.test/x")


def _failure(exc, url="http://news.example.org/a"):
    failure = Failure(exc)
    failure.request = Request(url)
    return failure


def test_a_refusal_at_connect_time_is_the_logged_reason_and_final():
    guard.note_refused_at_connect("late.test", "refused: loopback address 127.0.0.1")
    reason, permanent = describe_failure(_failure(CannotResolveHostError("no results"), "http://late.test/x"))
    assert reason == "refused: loopback address 127.0.0.1" and permanent


@pytest.mark.parametrize("location, expected", [
    (b"file:///etc/passwd", "refused: redirect to a file: URL"),
    (b"gopher://127.0.0.1:70/_x", "refused: redirect to a gopher: URL"),
    (b"data:text/html,<p>x</p>", "refused: redirect to a data: URL"),
    (None, "redirect without a Location header"),
])
def test_an_unfollowed_redirect_names_its_target_scheme(location, expected):
    request = Request("http://news.example.org/a")
    headers = {b"Location": location} if location else {}
    response = Response("http://news.example.org/a", status=302, headers=headers, request=request)
    reason, permanent = describe_failure(_failure(HttpError(response, "302")))
    assert expected in reason and "loop" not in reason and permanent


@pytest.mark.parametrize("url, reason", [
    ("/no/such/feed.xml", "no such file"), ("not a url", "has no scheme"), ("ftp://example.org/x", "scheme 'ftp'"),
    ("gopher://example.org/", "scheme 'gopher'"), ("http:///x", "no host"), ("news.example.org/rss",
                                                                          "did you mean https://news.example.org/rss"),
    ("", "empty"), ("https://a.example.org:99999/", "invalid port"),
])
def test_ad_hoc_urls_that_cannot_be_crawled_get_their_reason(url, reason):
    assert reason in adhoc_url_problem(url)


def test_an_existing_local_file_is_named_as_such(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss/>")
    assert "is a local file" in adhoc_url_problem(str(path))
    assert adhoc_url_problem("https://news.example.org/rss.xml") is None


def test_sniffing_looks_past_a_dtd_and_long_comments():
    dtd = (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "x">]><urlset xmlns="http://www.sitemaps.org/'
           b'schemas/sitemap/0.9"><url><loc>http://x/a</loc></url></urlset>')
    assert sniff_kind(dtd) == "sitemap"
    assert sniff_kind(b"<!-- " + b"x" * 200_000 + b" --><rss version='2.0'></rss>") == "feed"
    assert sniff_kind(b"<!doctype html><html><body>x</body></html>") == "page"
    with pytest.raises(ParseFailure, match="DTD"):
        parse_sitemap(dtd, "http://x/sitemap.xml")


def test_entity_declarations_are_refused_anywhere_in_the_document():
    late = (b'<?xml version="1.0"?><!-- ' + b"p" * 100_000 + b' --><!DOCTYPE rss [<!ENTITY a "lol">]>'
            b'<rss version="2.0"><channel><title>&a;</title><item><link>http://x/a</link></item></channel></rss>')
    with pytest.raises(ParseFailure, match="entity declarations refused"):
        refuse_entities(late)
    with pytest.raises(ParseFailure, match="entity declarations refused"):
        parse_feed(late, "http://x/feed.xml")
    refuse_entities(b"<rss><channel><description><![CDATA[write <!ENTITY in a post]]></description></channel></rss>")


def test_stale_crawl_folders_are_removed_and_live_ones_kept(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    folders = {}
    for name, owner in (("dead", {"pid": gone.pid, "started": 1}), ("live", {"pid": os.getpid(), "started": None}),
                        ("reused", {"pid": os.getpid(), "started": 1})):
        folders[name] = tmp_path / f"tradewatch-crawl-{name}"
        folders[name].mkdir()
        (folders[name] / "owner.json").write_text(json.dumps(owner))
    folders["fresh"] = tmp_path / "tradewatch-crawl-fresh"           # no owner file yet: too young to judge
    folders["fresh"].mkdir()
    folders["old"] = tmp_path / "tradewatch-crawl-old"
    folders["old"].mkdir()
    os.utime(folders["old"], (0, 0))
    (tmp_path / "other-folder").mkdir()
    removed = {p.name for p in remove_stale_crawl_dirs(tmp_path)}
    assert removed == {"tradewatch-crawl-dead", "tradewatch-crawl-reused", "tradewatch-crawl-old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-folder", "tradewatch-crawl-fresh",
                                                          "tradewatch-crawl-live"]


def test_a_mirror_url_is_rebased_onto_the_mirrored_origin():
    origins = {origin_of("http://127.0.0.1:41234/feed.xml")}
    assert rebase_url("http://127.0.0.1:41234/news/a.html?x=1", origins, "http://127.0.0.1:8800") == \
        "http://127.0.0.1:8800/news/a.html?x=1"
    assert rebase_url("https://elsewhere.example.org/a", origins, "http://127.0.0.1:8800") == \
        "https://elsewhere.example.org/a"
    assert origin_of("HTTPS://WWW.Example.org:443/a") == "https://www.example.org"
