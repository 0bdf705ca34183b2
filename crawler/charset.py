"""Which encoding a page really uses, when its declaration may be wrong."""
from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)
_LATIN1_FAMILY = {"iso-8859-1", "latin-1", "latin1", "l1", "iso8859-1", "iso_8859-1", "windows-1252", "cp1252", "us-ascii", "ascii"}


def declared_charset(body: bytes, header: str | None) -> str | None:
    """Charset from the Content-Type header, else from <meta> or the XML declaration."""
    if header:
        m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", header, re.I)
        if m:
            return m.group(1).lower()
    head = body[:4096]
    m = _META_CHARSET.search(head) or _XML_DECL.search(head)
    return m.group(1).decode("ascii", "replace").lower() if m else None


def _valid(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _valid_utf8_prefix(sample: bytes) -> bool:
    """Valid UTF-8, allowing a sequence cut at the end of the sample."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def effective_charset(body: bytes, header: str | None = None) -> str:
    """The encoding to decode `body` with.

    Bytes that decode as UTF-8 and are not plain ASCII are UTF-8 whatever the page says
    (Latin-1 text almost never forms valid multi-byte UTF-8 sequences); a page declared
    UTF-8 whose bytes are not valid UTF-8 is Windows-1252 (the superset of Latin-1 that
    browsers use for it)."""
    declared = declared_charset(body, header)
    sample = body[:262_144]
    utf8_ok = _valid_utf8_prefix(sample)
    if declared in (None, "utf-8", "utf8"):
        return "utf-8" if utf8_ok else "cp1252"
    if declared in _LATIN1_FAMILY:
        return "utf-8" if utf8_ok and not sample.isascii() else "cp1252"
    return declared if _valid(sample[:4096], declared) or not utf8_ok else "utf-8"
