"""Which URLs the crawler may fetch: http(s) only, configured hosts only, no private addresses.

The check runs before any connection is made; hostnames are resolved here and every
address they resolve to must be public. `allowed_networks` is the explicit escape hatch
for tests and local mirrors (`--allow-private`); it is empty by default.
"""
from __future__ import annotations

import functools
import ipaddress
import socket
from urllib.parse import urlsplit

import tldextract

ALLOWED_SCHEMES = ("http", "https")
# What `--allow-private` opens: loopback and private LANs. Link-local (169.254/16, fe80::/10,
# which holds cloud metadata endpoints) stays closed even then.
PRIVATE_MIRROR_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"})


class Refused(Exception):
    """A URL the crawler will not fetch; the message is the reason logged for it."""


def parse_networks(values) -> tuple:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values or ())


def _public(address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_address(address: str, allowed_networks=()) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed_networks if ip.version == net.version):
        return
    if not _public(ip):
        kind = ("loopback" if ip.is_loopback else "link-local/metadata" if ip.is_link_local
                else "private" if ip.is_private else "non-public")
        raise Refused(f"refused: {kind} address {ip}")


class NotResolvedYet(Exception):
    """`resolve_cached` has no answer for this host yet: call `resolve` (it blocks)."""


_RESOLVED: dict[tuple[str, int], tuple[str, ...]] = {}   # one crawl process's lifetime
_MAX_RESOLVED = 10_000


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address `host` resolves to (blocking; cached)."""
    key = (host, port)
    if key not in _RESOLVED:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"DNS lookup failed for {host}: {exc}") from None
        if len(_RESOLVED) >= _MAX_RESOLVED:
            _RESOLVED.clear()
        _RESOLVED[key] = tuple(sorted({info[4][0] for info in infos}))
    return _RESOLVED[key]


def resolve_cached(host: str, port: int) -> tuple[str, ...]:
    try:
        return _RESOLVED[(host, port)]
    except KeyError:
        raise NotResolvedYet(host) from None


def check_url(url: str, allowed_networks=(), allowed_domains=None, resolver=resolve) -> None:
    """Raise Refused unless `url` may be fetched. `allowed_domains=None` means any host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise Refused(f"refused: scheme {scheme or '(none)'!r} is not http/https")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise Refused("refused: URL has no host")
    if host in METADATA_HOSTS:
        raise Refused(f"refused: metadata host {host}")
    if allowed_domains is not None and not host_allowed(host, allowed_domains):
        raise Refused(f"refused: offsite host {host}")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused("refused: invalid port") from None
    addresses = [str(literal)] if literal else resolver(host, port)
    for address in addresses:
        check_address(address, allowed_networks)


def host_allowed(host: str, allowed_domains) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in allowed_domains)


# The bundled public-suffix snapshot only: never fetched over the network.
_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def source_domain(url: str) -> str:
    """The domain a source URL opens for crawling: its registered domain (so a feed on
    feeds.example.co.uk may lead to www.example.co.uk), or the bare host for IPs/localhost."""
    return _registered_domain((urlsplit(url).hostname or "").lower().rstrip("."))


@functools.lru_cache(maxsize=4096)
def _registered_domain(host: str) -> str:
    """Per host, not per URL: the public-suffix lookup runs several times for every page."""
    return _SUFFIXES(host).top_domain_under_public_suffix or host
