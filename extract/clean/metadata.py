"""Page metadata: title (without the site-name suffix), published date, author, language,
canonical URL and site name. Read from the parsed tree without modifying it."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import py3langid
from htmldate import find_date

EARLIEST_DATE = "1990-01-01"
# A separator between a headline and the site's name, spaced on both sides.
# The lookbehind starts a try only at the first space of a run: linear on long space runs.
_TITLE_SEPARATOR = re.compile(r"(?<!\s)\s+(\||-|–|—|·|::|»|/)\s+")
# A site-name suffix is a few words; more would be part of the headline.
MAX_SUFFIX_WORDS = 5
MAX_SECTION_WORDS = 1  # "Opinion |", "Analysis |"
_SPACES = re.compile(r"\s+")
_BYLINE_PREFIX = re.compile(r"^(by|von|par|por|di|door)\s+", re.IGNORECASE)
_LANGUAGE_SAMPLE = 800  # characters: enough for a confident guess, and cheap


@dataclass
class Metadata:
    title: str = ""
    published: str | None = None
    published_source: str | None = None
    author: str = ""
    canonical_url: str | None = None
    site_name: str = ""
    declared_language: str | None = None
    article_body: str = ""        # JSON-LD articleBody, a fallback for pages rendered by script


def read_metadata(tree, url: str | None = None) -> Metadata:
    meta = _meta_tags(tree)
    json_ld = _json_ld(tree)
    site_name = meta.get("og:site_name") or json_ld.get("publisher") or ""
    raw_title = (
        meta.get("og:title") or meta.get("twitter:title") or json_ld.get("headline")
        or _first_text(tree, "//title") or _first_text(tree, "//h1")
    )
    published, source = published_date(tree, url)
    return Metadata(
        title=strip_site_suffix(raw_title, site_name, url),
        published=published,
        published_source=source,
        author=_author(meta, json_ld, tree),
        canonical_url=_canonical(tree) or meta.get("og:url") or url,
        site_name=_clean(site_name),
        declared_language=_declared_language(tree, meta),
        article_body=json_ld.get("articleBody", ""),
    )


def strip_site_suffix(title: str, site_name: str = "", url: str | None = None) -> str:
    """"Tariffs rise again | Example News" → "Tariffs rise again".

    The last separated part goes when it names the site (site name or host), or when
    the separator is a pipe/double colon and the part is a few words only."""
    title = _clean(title)
    parts = _TITLE_SEPARATOR.split(title)
    # parts = [text, separator, text, separator, text, ...]
    # A leading "Site | Headline" is rarer but happens.
    if len(parts) >= 3 and len(parts[2]) >= 10 and (
        _names_site(parts[0], site_name, url)
        # a section label in front: "Opinion | Headline"
        or (parts[1] == "|" and len(parts[0].split()) <= MAX_SECTION_WORDS and len(parts[2]) >= 20)
    ):
        parts = parts[2:]
    while len(parts) >= 3:
        head, separator, tail = " ".join(parts[:-2]), parts[-2], parts[-1]
        if len(head) < 10 or not _is_site_name(tail, separator, site_name, url):
            break
        parts = parts[:-2]
    head = "".join(part if i % 2 == 0 else f" {part} " for i, part in enumerate(parts))
    return head.strip()


def _is_site_name(part: str, separator: str, site_name: str, url: str | None) -> bool:
    if _names_site(part, site_name, url):
        return True
    return separator in ("|", "::", "»") and len(part.split()) <= MAX_SUFFIX_WORDS


def _names_site(part: str, site_name: str, url: str | None) -> bool:
    if site_name and _same_name(part, site_name):
        return True
    host = (urlsplit(url or "").hostname or "").lower()
    squashed = re.sub(r"\W", "", part.lower())
    if not host or len(squashed) < 3:
        return False
    if squashed in re.sub(r"\W", "", host):
        return True
    # "Vortex Cannon Entertainment" on vortexcannon.org: the host's name inside a short part
    labels = [label for label in host.split(".")[:-1] if len(label) >= 4 and label != "www"]
    return len(part.split()) <= MAX_SUFFIX_WORDS - 1 and any(label in squashed for label in labels)


def _same_name(a: str, b: str) -> bool:
    a, b = re.sub(r"\W", "", a.lower()), re.sub(r"\W", "", b.lower())
    return bool(a) and bool(b) and (a == b or a in b or b in a)


def published_date(tree, url: str | None = None) -> tuple[str | None, str | None]:
    """UTC ISO 8601 publication date via htmldate, between 1990 and now; and where it came from:
    "meta" from markup and URL, "text" from a date found in the page's text."""
    now = datetime.now(timezone.utc)
    for extensive, source in ((False, "meta"), (True, "text")):
        try:
            found = find_date(
                tree, url=url, original_date=True, extensive_search=extensive,
                outputformat="%Y-%m-%dT%H:%M:%S%z", min_date=EARLIEST_DATE,
                max_date=now.strftime("%Y-%m-%d"),
            )
        except Exception:  # htmldate on hostile markup: no date rather than no article
            found = None
        iso = _to_utc_iso(found, now)
        if iso:
            return iso, source
    return None, None


def _to_utc_iso(value: str | None, now: datetime) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if moment > now or moment < datetime.fromisoformat(EARLIEST_DATE).replace(tzinfo=timezone.utc):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text (py3langid); the page's declared language for short texts."""
    sample = (text or "")[:_LANGUAGE_SAMPLE]
    if len(sample.split()) < 5:
        return declared
    code, _score = py3langid.classify(sample)
    return code


def _meta_tags(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in tree.iterfind(".//meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        value = (element.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _json_ld(tree) -> dict[str, str]:
    """headline / author / publisher name / body from the first JSON-LD article object."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _walk_json_ld(data):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and ("Article" in k or k in ("BlogPosting", "Report")) for k in kinds):
                return {
                    "headline": _as_text(item.get("headline")),
                    "author": _names(item.get("author")),
                    "publisher": _names(item.get("publisher")),
                    "articleBody": item.get("articleBody") if isinstance(item.get("articleBody"), str) else "",
                }
    return {}


def _walk_json_ld(data, depth: int = 0):
    if depth > 4:
        return
    if isinstance(data, list):
        for entry in data:
            yield from _walk_json_ld(entry, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _walk_json_ld(data["@graph"], depth + 1)


def _names(value) -> str:
    if isinstance(value, list):
        return ", ".join(filter(None, (_names(entry) for entry in value[:5])))
    if isinstance(value, dict):
        return _as_text(value.get("name"))
    return _as_text(value)


def _as_text(value) -> str:
    return _clean(value) if isinstance(value, str) else ""


def _author(meta: dict, json_ld: dict, tree) -> str:
    candidates = [
        json_ld.get("author"), meta.get("author"), meta.get("article:author"),
        meta.get("dc.creator"), meta.get("parsely-author"), meta.get("sailthru.author"),
        _first_text(tree, '//*[@rel="author"]'),
    ]
    for candidate in candidates:
        candidate = _BYLINE_PREFIX.sub("", _clean(candidate or ""))
        # Profile URLs and handles are not names.
        if candidate and "://" not in candidate and not candidate.startswith("@") and len(candidate) <= 120:
            return candidate
    return ""


def _canonical(tree) -> str | None:
    for link in tree.iterfind(".//link"):
        if (link.get("rel") or "").lower() == "canonical" and (link.get("href") or "").startswith("http"):
            return link.get("href").strip()
    return None


def _declared_language(tree, meta: dict) -> str | None:
    value = tree.get("lang") or meta.get("og:locale") or meta.get("content-language") or ""
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def _first_text(tree, xpath: str) -> str:
    for element in tree.xpath(xpath)[:1]:
        return _clean(element.text_content())
    return ""


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()
