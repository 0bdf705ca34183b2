"""Which URLs the crawler may fetch: http(s) only, configured hosts only, no private addresses.

The check runs before any connection is made (AddressGuardMiddleware, on every request,
redirect and robots.txt) and again when the downloader connects (crawler.resolver): a name
is looked up once per crawl (`resolve`), and the connection goes to the addresses that were
checked, so a name that answers differently to a second lookup (DNS rebinding) gains nothing.
Every address a name resolves to must be public; IPv6 addresses that carry an IPv4 address
(IPv4-mapped and -translated, IPv4-compatible, NAT64, 6to4) are judged by the IPv4 address
they lead to. `allowed_networks` is the explicit escape hatch for tests and local mirrors
(`--allow-private`); it is empty by default.
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

# IPv6 ranges whose addresses lead to an IPv4 address: (network, name, where the IPv4 address sits).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")              # RFC 6052 well-known prefix: last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")      # RFC 8215 local-use: never public, layout varies
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")           # RFC 3056: bits 16-47
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")      # RFC 2765 IPv4-translated: last 32 bits
_COMPATIBLE = ipaddress.ip_network("::/96")                # deprecated IPv4-compatible: last 32 bits


class Refused(Exception):
    """A URL the crawler will not fetch; the message is the reason logged for it."""


def parse_networks(values) -> tuple:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values or ())


def embedded_ipv4(ip) -> tuple[ipaddress.IPv4Address | None, str]:
    """(the IPv4 address an IPv6 address leads to, the form's name), or (None, "")."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None, ""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped, "IPv4-mapped"
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _TRANSLATED:
        return low32, "IPv4-translated"
    if ip in _NAT64:
        return low32, "NAT64"
    if ip.sixtofour:
        return ip.sixtofour, "6to4"
    if ip in _COMPATIBLE and int(ip) > 1:           # :: and ::1 are themselves, not IPv4
        return low32, "IPv4-compatible"
    return None, ""


def _public(address) -> bool:
    return address.is_global and not address.is_multicast


def _kind(ip) -> str:
    return ("loopback" if ip.is_loopback else "link-local/metadata" if ip.is_link_local
            else "private" if ip.is_private else "non-public")


def check_address(address: str, allowed_networks=()) -> None:
    """Raise Refused unless the address (or the IPv4 address it carries) is public or allowed.

    `allowed_networks` opens plain addresses, and IPv4-mapped ones (the same host on a
    dual-stack socket), never a tunnel or translator (NAT64, 6to4 …) towards them."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip in _NAT64_LOCAL:
        raise Refused(f"refused: local-use NAT64 address {ip} (64:ff9b:1::/48 is never public)")
    inner, form = embedded_ipv4(ip)
    if inner is not None and form != "IPv4-mapped":
        if not _public(inner):
            raise Refused(f"refused: {_kind(inner)} address {inner} inside the {form} address {ip}")
        if not _public(ip) and ip not in _NAT64 and ip not in _SIX_TO_FOUR:
            raise Refused(f"refused: {_kind(ip)} address {ip}")
        return
    target = inner or ip
    if any(target in net for net in allowed_networks if target.version == net.version):
        return
    if not _public(target):
        raise Refused(f"refused: {_kind(target)} address {target}")


class NotResolvedYet(Exception):
    """`resolve_cached` has no answer for this host yet: call `resolve` (it blocks)."""


_RESOLVED: dict[tuple[str, int], tuple[str, ...]] = {}   # one crawl process's lifetime
_MAX_RESOLVED = 10_000


def host_key(host: str) -> str:
    """One spelling per host for the lookup cache: lower case, no trailing dot, no brackets,
    IDNA (Twisted hands the resolver "bücher.de" where the request said "xn--bcher-kva.de")."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def lookup(host: str, port: int) -> tuple[str, ...]:
    """Every address `host` resolves to, straight from the system resolver (blocking)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise Refused(f"DNS lookup failed: {host} does not resolve ({reason})") from None
    return tuple(sorted({info[4][0] for info in infos}))


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address `host` resolves to (blocking; looked up once per crawl process and port,
    so the check before a request and the connection use the same answer)."""
    key = (host_key(host), port)
    if key not in _RESOLVED:
        addresses = lookup(key[0], port)
        if len(_RESOLVED) >= _MAX_RESOLVED:
            _RESOLVED.clear()
        _RESOLVED[key] = addresses
    return _RESOLVED[key]


def resolve_cached(host: str, port: int) -> tuple[str, ...]:
    try:
        return _RESOLVED[(host_key(host), port)]
    except KeyError:
        raise NotResolvedYet(host) from None


# Hosts the connect-time check refused (crawler.resolver): the downloader then fails with a
# bare "no results for hostname lookup", and the run log needs the real reason.
_REFUSED_AT_CONNECT: dict[str, str] = {}


def note_refused_at_connect(host: str, reason: str) -> None:
    if len(_REFUSED_AT_CONNECT) >= _MAX_RESOLVED:
        _REFUSED_AT_CONNECT.clear()
    _REFUSED_AT_CONNECT[host_key(host)] = reason


def refused_at_connect(url: str) -> str | None:
    """The reason the connect-time check refused this URL's host, if it did."""
    host = urlsplit(url).hostname
    return _REFUSED_AT_CONNECT.get(host_key(host)) if host else None


def check_url(url: str, allowed_networks=(), allowed_domains=None, resolver=resolve) -> None:
    """Raise Refused unless `url` may be fetched. `allowed_domains=None` means any host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise Refused(f"refused: scheme {scheme or '(none)'!r} is not http/https")
    host = host_key(parts.hostname or "")
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
