"""Family: the address guard against DNS tricks and IPv6 forms that carry an IPv4 address.

- Every IPv6 form that embeds a private IPv4 address (NAT64 64:ff9b::/96 and 64:ff9b:1::/48,
  6to4 2002::/16, IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-mapped)
  is refused by the pure guard; the same forms around a public address are not.
- DNS rebinding: a name answers an allowed address (127.0.0.3, the test's stand-in for a
  public one) to its first lookup and 127.0.0.1 to every later one. The crawl must fetch
  robots.txt and the pages from the checked address only; the loopback server, on the same
  port, must never be asked for anything; nor when a redirect leads to that name.
- Names that resolve to the embedded forms, and the literal forms in URLs, are refused and
  logged with the form named; nothing connects.
- The connect-time resolver on its own: an answer it has not seen checked is checked.
- `--allow-private` keeps working for a local mirror reached by name (localhost).

Names resolve through the stand-in DNS (fake_dns: dns_stub/sitecustomize.py in the crawl
process), so no query leaves the machine; the only servers are on 127.0.0.1 and 127.0.0.3.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from crawler.settings import FAST_LOCAL
from tests.reliability.fake_dns import fake_dns, stub_env
from tests.reliability.fault_server import StressFaultServer
from tests.reliability.results import FamilyResult

ALLOWED_HOST = "127.0.0.3"          # stands for a public address: the only one the test allows
SETTINGS = {**FAST_LOCAL, "TRADEWATCH_ALLOWED_NETWORKS": [f"{ALLOWED_HOST}/32"], "LOG_LEVEL": "ERROR",
            "RETRY_TIMES": 0}

# (name, address): each must be refused, by the form it names.
EMBEDDED_PRIVATE = [
    ("NAT64 loopback", "64:ff9b::7f00:1", "NAT64"),
    ("NAT64 metadata", "64:ff9b::a9fe:a9fe", "NAT64"),
    ("NAT64 private", "64:ff9b::a00:1", "NAT64"),
    ("NAT64 local-use /96", "64:ff9b:1::7f00:1", "local-use NAT64"),
    ("NAT64 local-use /48", "64:ff9b:1:7f00:1::", "local-use NAT64"),
    ("6to4 loopback", "2002:7f00:1::", "6to4"),
    ("6to4 metadata", "2002:a9fe:a9fe::1", "6to4"),
    ("IPv4-compatible loopback", "::127.0.0.1", "IPv4-compatible"),
    ("IPv4-translated loopback", "::ffff:0:7f00:1", "IPv4-translated"),
    ("IPv4-translated private", "::ffff:0:c0a8:101", "IPv4-translated"),
    ("IPv4-mapped loopback", "::ffff:127.0.0.1", "loopback"),
    ("IPv4-mapped metadata", "::ffff:169.254.169.254", "link-local"),
]
EMBEDDED_PUBLIC = ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8", "2606:4700::1111"]
# Names for the crawl: each resolves (stand-in DNS) to one embedded form; "mixed" to an allowed
# and a loopback address at once.
RESOLVED_TO = {
    "nat64.test": "64:ff9b::7f00:1", "nat64-meta.test": "64:ff9b::a9fe:a9fe", "nat64-local.test": "64:ff9b:1::7f00:1",
    "sixtofour.test": "2002:7f00:1::", "compatible.test": "::127.0.0.1", "translated.test": "::ffff:0:7f00:1",
}


def run(workdir: Path, *, cli_checks: bool = True) -> FamilyResult:
    result = FamilyResult("address guard (DNS)")
    started = time.monotonic()
    _pure_guard(result)
    _connect_time_resolver(result)
    _crawls(result, workdir, cli_checks)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _pure_guard(result: FamilyResult) -> None:
    from crawler import guard

    for name, address, form in EMBEDDED_PRIVATE:
        def refused(address=address, form=form):
            try:
                guard.check_address(address)
            except guard.Refused as exc:
                return form in str(exc), str(exc)
            return False, f"{address} passed the guard"
        result.attempt(f"guard refuses {name} {address}", refused)
        # --allow-private opens loopback/private LANs, never a translator towards them.
        if form != "loopback":
            def refused_even_allowed(address=address):
                try:
                    guard.check_address(address, guard.parse_networks(guard.PRIVATE_MIRROR_NETWORKS))
                except guard.Refused as exc:
                    return True, str(exc)
                return False, f"{address} passed with --allow-private"
            result.attempt(f"guard refuses {name} even with --allow-private", refused_even_allowed)
    for address in EMBEDDED_PUBLIC:
        def allowed(address=address):
            guard.check_address(address)
            return True, ""
        result.attempt(f"guard allows public {address}", allowed)
    for name, address, form in EMBEDDED_PRIVATE[:6]:
        host = f"[{address}]"
        def literal(host=host, form=form):
            try:
                guard.check_url(f"http://{host}:8080/x", resolver=lambda h, p: (_ for _ in ()).throw(AssertionError("resolved")))
            except guard.Refused as exc:
                return form in str(exc), str(exc)
            return False, "passed"
        result.attempt(f"guard refuses the URL http://{host}/", literal)


class _Receiver:
    def __init__(self):
        self.addresses, self.complete = [], False

    def resolutionBegan(self, resolution):  # noqa: N802 - Twisted's interface
        pass

    def addressResolved(self, address):  # noqa: N802
        self.addresses.append(address.host)

    def resolutionComplete(self):  # noqa: N802
        self.complete = True


def _connect_time_resolver(result: FamilyResult) -> None:
    """GuardedResolver without a reactor: lookups run inline, answers come from a dict."""
    from twisted.internet.defer import maybeDeferred

    def resolver(answers, allowed=()):
        from crawler import guard
        from crawler.resolver import GuardedResolver

        return GuardedResolver(None, guard.parse_networks(allowed), lookup=lambda host, port: answers[host],
                               run_blocking=lambda f, *args: maybeDeferred(f, *args))

    def resolve(res, host):
        receiver = _Receiver()
        res.resolveHostName(receiver, host, 443)
        return receiver

    def refuses_loopback():
        from crawler import guard
        receiver = resolve(resolver({"late-rebind.test": ("93.184.216.34", "127.0.0.1")}), "late-rebind.test")
        reason = guard.refused_at_connect("https://late-rebind.test/")
        return (receiver.complete and receiver.addresses == [] and bool(reason) and "loopback" in reason,
                f"answered {receiver.addresses}, reason {reason!r}")

    def refuses_embedded():
        receiver = resolve(resolver({"late-nat64.test": ("64:ff9b::a9fe:a9fe",)}), "late-nat64.test")
        return receiver.complete and receiver.addresses == [], f"answered {receiver.addresses}"

    def answers_allowed():
        receiver = resolve(resolver({"mirror.test": ("127.0.0.3",)}, ["127.0.0.3/32"]), "mirror.test")
        return receiver.addresses == ["127.0.0.3"], f"answered {receiver.addresses}"

    def rechecks_cached():
        from crawler import guard
        guard._RESOLVED[("cached-loopback.test", 443)] = ("127.0.0.1",)     # as a lookup would have left it
        receiver = resolve(resolver({}), "cached-loopback.test")
        return receiver.addresses == [], f"answered {receiver.addresses}"

    result.attempt("connect-time resolver refuses a loopback answer", refuses_loopback)
    result.attempt("connect-time resolver refuses an embedded metadata address", refuses_embedded)
    result.attempt("connect-time resolver answers an allowed address", answers_allowed)
    result.attempt("connect-time resolver re-checks a cached answer", rechecks_cached)


def _crawls(result: FamilyResult, workdir: Path, cli_checks: bool) -> None:
    from crawler.run import crawl

    loopback = StressFaultServer(host="127.0.0.1")           # must never be asked for anything
    allowed = StressFaultServer(host=ALLOWED_HOST, port=loopback.port)
    port = loopback.port
    answers = {"rebind.test": [[ALLOWED_HOST], ["127.0.0.1"]],
               "mixed.test": [[ALLOWED_HOST, "127.0.0.1"]], "nxdomain.test": [],
               **{name: [[address]] for name, address in RESOLVED_TO.items()}}
    pages = [f"http://rebind.test:{port}/good/{n}.html" for n in (1, 2)]
    # A redirect to the rebinding name (on-site for the crawl: the same name as the pages).
    redirect = f"http://rebind.test:{port}/redirect?to={quote(f'http://rebind.test:{port}/good/3.html', safe='')}"
    refused = {name: f"http://{name}:{port}/good/9.html" for name in [*RESOLVED_TO, "mixed.test"]}
    literals = {address: f"http://[{address}]:{port}/good/8.html" for _, address, _ in EMBEDDED_PRIVATE[:6]}
    db_path = workdir / "dns.db"
    for stale in workdir.glob("dns.db*"):
        stale.unlink()
    with loopback, allowed, fake_dns(answers) as env:
        stats = crawl(None, db_path=str(db_path), urls=[*pages, redirect, *refused.values(), *literals.values()],
                      settings=SETTINGS, timeout=180)
        conn = sqlite3.connect(db_path)
        stored = {url: text for url, text in conn.execute("SELECT url, text FROM articles")}
        logged: dict[str, list[str]] = {}
        for url, reason in conn.execute("SELECT url, reason FROM run_failures"):
            logged.setdefault(url, []).append(reason or "")
        conn.close()
        result.case("rebinding: the loopback address is never connected to",
                    loopback.requests == 0, f"the loopback server got {loopback.requests} requests: {loopback.paths}")
        result.case("rebinding: robots.txt and pages come from the checked address",
                    allowed.hits("/robots.txt") >= 1 and allowed.hits("/good/1.html") == 1
                    and allowed.hits("/good/2.html") == 1, f"allowed server saw {allowed.paths}")
        result.case("rebinding: both pages stored", all(any(p in u for u in stored) for p in ("/good/1.html", "/good/2.html")),
                    f"stored {sorted(stored)}; failures {logged}")
        result.case("rebinding behind a redirect: target fetched from the checked address",
                    allowed.hits("/good/3.html") == 1 and any("/good/3.html" in u for u in stored),
                    f"allowed server saw {allowed.paths}; failures {logged}")
        for name, url in refused.items():
            reasons = logged.get(url, [])
            expected = RESOLVED_TO.get(name, f"{ALLOWED_HOST} and 127.0.0.1")
            result.case(f"name {name} ({expected}) refused and logged",
                        bool(reasons) and all(r.startswith("refused") for r in reasons), f"run log: {reasons}")
        for address, url in literals.items():
            reasons = logged.get(url, []) or logged.get(url.lower(), [])
            result.case(f"URL with the literal {address} refused and logged",
                        bool(reasons) and all(r.startswith("refused") for r in reasons), f"run log: {reasons}")
        result.case("refusals counted", stats.get("refused", 0) >= len(refused) + len(literals),
                    f"refused {stats.get('refused')}")
        if cli_checks:
            _allow_private_by_name(result, workdir, loopback, env)


def _allow_private_by_name(result: FamilyResult, workdir: Path, server: StressFaultServer, env: dict) -> None:
    """--allow-private still reaches a local mirror by name, through the connect-time check."""
    exe = str(Path(sys.executable).parent / "tradewatch")
    before = server.requests
    out = subprocess.run([exe, "crawl", "--allow-private", "--url", f"http://localhost:{server.port}/good/5.html",
                          "--db", str(workdir / "allow.db"), "--no-extract", "--json"],
                         capture_output=True, text=True, timeout=180, env=stub_env({}, env))
    try:
        stats = json.loads(out.stdout)
    except ValueError:
        stats = {}
    result.case("--allow-private: a local mirror by name is fetched",
                out.returncode == 0 and stats.get("articles_new") == 1 and server.requests > before,
                f"exit {out.returncode}; {out.stdout[-300:]} {out.stderr[-300:]}")
