"""Stable ids and canonical URLs: the same input always gives the same key."""
from __future__ import annotations

import functools
import hashlib
from importlib import resources
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": "80", "https": "443"}


@functools.lru_cache(maxsize=1)
def _tracking_params() -> tuple[frozenset[str], tuple[str, ...]]:
    """Query parameters that never change the page (data file: exact names and `prefix*`)."""
    text = resources.files("tradewatch.store").joinpath("data/tracking_params.txt").read_text("utf-8")
    names, prefixes = set(), []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if line.endswith("*"):
            prefixes.append(line[:-1])
        else:
            names.add(line)
    return frozenset(names), tuple(prefixes)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    remaining parameters sorted. Idempotent: canonical_url(canonical_url(u)) == canonical_url(u)."""
    url = (url or "").strip()
    if not url:
        raise ValueError("empty URL")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host  # credentials, if any, are dropped from keys
    if port is not None and str(port) != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    names, prefixes = _tracking_params()
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in names and not key.lower().startswith(prefixes)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def stable_id(*parts: object) -> str:
    """16 hex characters from the parts (None and "" differ from each other)."""
    text = "\x1f".join("\x00" if part is None else repr(part) for part in parts) + "\x1f"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def article_id(url: str) -> str:
    """The article key: a stable hash of its canonical URL."""
    return stable_id("article", canonical_url(url))
