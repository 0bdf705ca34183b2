"""Stable ids: the same input always gives the same key."""
from __future__ import annotations

import hashlib

from core.urls import canonical_url


def stable_id(*parts: object) -> str:
    """16 hex characters from the parts (None and "" differ from each other)."""
    text = "\x1f".join("\x00" if part is None else repr(part) for part in parts) + "\x1f"
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def article_id(url: str) -> str:
    """The article key: a stable hash of its canonical URL."""
    return stable_id("article", canonical_url(url))
