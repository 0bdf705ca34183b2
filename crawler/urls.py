"""Canonical URLs: one spelling per article, so 'seen?' and story links agree across runs."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, never which page it is.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_hsenc", "_hsmi", "mkt_tok", "ocid", "cmpid", "ncid", "ref_src", "__twitter_impression",
})
TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "hsa_", "at_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Normalise an http(s) URL: lower-case scheme/host, no `www.`, no default port,
    no fragment, no tracking parameters, sorted query, no trailing slash (except root)."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:                      # IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    # Re-quote the path the same way whatever the source spelled it as.
    path = quote(unquote(parts.path), safe=_SAFE_PATH) or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def link_canonical(html: str, base_url: str) -> str | None:
    """The page's own `<link rel="canonical">`, resolved against its URL, if it is http(s)."""
    head = html[:200_000]
    for tag in re.finditer(r"<link\b[^>]*>", head, re.I):
        attrs = dict(
            (m.group(1).lower(), m.group(3) if m.group(3) is not None else m.group(4))
            for m in re.finditer(r"""([\w:-]+)\s*=\s*(?:(["'])(.*?)\2|([^\s>]+))""", tag.group(0), re.S)
        )
        if "canonical" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            target = urljoin(base_url, attrs["href"].strip())
            if urlsplit(target).scheme in ("http", "https"):
                return target
    return None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")
