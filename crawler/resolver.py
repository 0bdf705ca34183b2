"""The address guard at connect time: the name resolver Scrapy's downloader connects through.

AddressGuardMiddleware checks a request's host before it is sent; the downloader then asks
the reactor's name resolver where to connect. Scrapy's own resolver looks the name up a
second time, so a name that answers a public address to the check and 127.0.0.1 to the
connection (DNS rebinding) used to reach the loopback address. This resolver (installed by
TWISTED_DNS_RESOLVER, so requests, redirects and robots.txt all connect through it) answers
from the guard's own lookup (`guard.resolve`: one lookup per name and port for the crawl, the
one the middleware checked) and checks every address again before answering. When any
address is refused it answers none: the download fails, and the run log gets the guard's
reason (`guard.refused_at_connect`), not "no results for hostname lookup".
"""
from __future__ import annotations

import ipaddress
import logging

from scrapy.exceptions import CannotResolveHostError
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.defer import maybeDeferred
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

from crawler import guard

logger = logging.getLogger(__name__)
# What the downloader fails with when a resolver answers no address (Twisted's error, or
# Scrapy's wrapper of it); `guard.refused_at_connect` tells a refusal from a failed lookup.
HOST_NOT_RESOLVED = (DNSLookupError, CannotResolveHostError)


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str):
        self.name = name

    def cancel(self) -> None:      # the lookup runs in a thread; its answer is simply not used
        pass


@implementer(IHostnameResolver)
class GuardedResolver:
    """`lookup(host, port) -> addresses` runs off the reactor thread (`run_blocking`);
    both are parameters so the check can be tested without a reactor or a DNS server."""

    def __init__(self, reactor, allowed_networks=(), *, lookup=guard.resolve, run_blocking=None):
        self.reactor = reactor
        self.allowed_networks = tuple(allowed_networks)
        self.lookup = lookup
        self.run_blocking = run_blocking or (
            lambda function, *args: deferToThreadPool(reactor, reactor.getThreadPool(), function, *args))

    @classmethod
    def from_crawler(cls, crawler, reactor):
        # Scrapy passes the CrawlerProcess here: one resolver for the process, from its settings.
        return cls(reactor, guard.parse_networks(crawler.settings.getlist("TRADEWATCH_ALLOWED_NETWORKS")))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,  # noqa: N802,N803
                        transportSemantics="TCP"):  # noqa: N803 - Twisted's interface names
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        host = guard.host_key(hostName)
        try:
            addresses = guard.resolve_cached(host, portNumber)
            answer = maybeDeferred(self._checked, host, portNumber, addresses)
        except guard.NotResolvedYet:
            answer = self.run_blocking(self._looked_up_and_checked, host, portNumber)
        answer.addCallbacks(lambda found: self._deliver(resolutionReceiver, found, portNumber),
                            lambda failure: self._refuse(resolutionReceiver, host, failure))
        return resolution

    def _looked_up_and_checked(self, host: str, port: int) -> list[str]:
        return self._checked(host, port, self._lookup(host, port))

    def _lookup(self, host: str, port: int) -> tuple[str, ...]:
        try:
            return (str(ipaddress.ip_address(host)),)
        except ValueError:
            return self.lookup(host, port)

    def _checked(self, host: str, port: int, addresses) -> list[str]:
        """The addresses, every one checked; Refused names the first that is not allowed."""
        for address in addresses:
            guard.check_address(address, self.allowed_networks)
        return list(addresses)

    def _deliver(self, receiver, addresses: list[str], port: int) -> None:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            receiver.addressResolved(IPv6Address("TCP", address, port) if ip.version == 6
                                     else IPv4Address("TCP", address, port))
        receiver.resolutionComplete()

    def _refuse(self, receiver, host: str, failure) -> None:
        reason = str(failure.value) if failure.check(guard.Refused) else \
            f"DNS lookup failed: {host}: {type(failure.value).__name__}: {failure.value}"
        guard.note_refused_at_connect(host, reason)
        logger.warning("connection to %s refused at connect time: %s", host, reason)
        receiver.resolutionComplete()          # no address: the download fails, nothing connects
