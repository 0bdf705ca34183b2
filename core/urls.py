"""URL identity: one spelling per page, so "seen?", article ids and story links agree everywhere.

`canonical_url` is the only URL normaliser of the project: the crawler deduplicates requests
with it, the store keys `seen_urls`, `http_cache`, feed entries and article ids on it, and the
alerts link with it. Its tracking parameters live in `core/data/tracking_parameters.txt`.
"""
from __future__ import annotations

import functools
import re
from importlib import resources
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:(["'])(.*?)\2|([^\s>]+))""", re.S)


@functools.lru_cache(maxsize=1)
def tracking_parameters() -> tuple[frozenset[str], tuple[str, ...]]:
    """(exact names, prefixes) of query parameters that never change the page."""
    text = resources.files("core").joinpath("data/tracking_parameters.txt").read_text("utf-8")
    names, prefixes = set(), []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line.endswith("*"):
            prefixes.append(line[:-1])
        elif line:
            names.add(line)
    return frozenset(names), tuple(prefixes)


def is_tracking_parameter(name: str) -> bool:
    names, prefixes = tracking_parameters()
    name = name.lower()
    return name in names or name.startswith(prefixes)


@functools.lru_cache(maxsize=65536)  # feeds repeat the same URLs run after run
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no `www.`, no credentials, no default port, no fragment, no
    tracking parameters, the rest of the query sorted, the path quoted one way and without a
    trailing slash (except the root). Idempotent. A URL that is not http(s) comes back stripped."""
    url = (url or "").strip()
    if not url:
        raise ValueError("empty URL")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return url
    host = (parts.hostname or "").rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:                      # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", quote(unquote(parts.path), safe=_SAFE_PATH)) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_parameter(k))
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def link_canonical(html: str, base_url: str) -> str | None:
    """The page's own `<link rel="canonical">`, resolved against its URL, if it is http(s)."""
    for tag in _LINK_TAG.finditer(html[:200_000]):
        attrs = {m.group(1).lower(): m.group(3) if m.group(3) is not None else m.group(4)
                 for m in _ATTRIBUTE.finditer(tag.group(0))}
        if "canonical" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            target = urljoin(base_url, attrs["href"].strip())
            if urlsplit(target).scheme in DEFAULT_PORTS:
                return target
    return None


def origin_of(url: str) -> str:
    """"https://www.Example.org:443/a?b" → "https://www.example.org": scheme and host, with the
    port only when it is not the scheme's default."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{scheme}://{host}" if port in (None, DEFAULT_PORTS.get(scheme)) else f"{scheme}://{host}:{port}"


def rebase_url(url: str, origins, to_origin: str) -> str:
    """`url` moved onto `to_origin` when it lives on one of `origins` (a mirror's own addresses);
    any other URL comes back unchanged. Path, query and fragment are kept."""
    if origin_of(url) not in origins:
        return url
    parts = urlsplit(url.strip())
    target = urlsplit(to_origin)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
