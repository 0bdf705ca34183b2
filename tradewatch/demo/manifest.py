"""The demo site's hand-written stories: `site/manifest.toml` lists them (metadata, expected
figures, companies and events); their bodies are HTML fragments in `site/articles/`."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent / "site"
MANIFEST = SITE_DIR / "manifest.toml"
DEFAULT_META = ("og", "jsonld", "time")
KNOWN_META = frozenset({"og", "jsonld", "time", "visible"})


# How each artifact shows in an article body's HTML source.
ARTIFACT_PATTERNS = {
    "escaped-tags": re.compile(r"&lt;\s*/?\s*p\s*&gt;|<\s+/\s*p\s*>\s*<\s+p\s*>", re.I),
    "nbsp": re.compile(r"&nbsp;|\u00a0"),
    "skip-to-content": re.compile(r"Skip to content"),
    "advertisement": re.compile(r">\s*Advertisement\s*<"),
}


def detect_artifacts(body_html: str) -> tuple[str, ...]:
    """The artifacts (keys of ARTIFACT_PATTERNS) present in an article body."""
    return tuple(name for name, pattern in ARTIFACT_PATTERNS.items() if pattern.search(body_html))


class DemoSiteError(ValueError):
    """The demo site's data is inconsistent; the message names the entry and the fix."""


@dataclass(frozen=True)
class DemoArticle:
    """One article page. `expect` holds what the extractor should find (GUIDELINES shape:
    companies as {"name", "aliases"}, events as {"type", "actor", "targets", "status", "product"},
    figures as the literal texts that appear in the body)."""

    id: str
    path: str
    title: str
    outlet: str
    outlet_name: str
    section: str
    author: str
    published: datetime
    summary: str
    body_html: str = field(repr=False)
    categories: tuple[str, ...] = ()
    updated: datetime | None = None
    batch: int = 1
    meta: tuple[str, ...] = DEFAULT_META
    artifacts: tuple[str, ...] = ()
    summary_html: str = ""
    feed_full_text: bool = False     # feeds carry the whole body (content:encoded / Atom content)
    syndicated_from: str = ""        # id of the original when this is a syndicated copy
    updates: str = ""                # id of an earlier article whose measure this one updates
    generated: bool = False          # built by the generator (scaled/extra), not hand-written
    expect: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.published


@dataclass(frozen=True)
class SiteInfo:
    name: str
    tagline: str
    language: str
    publisher: str
    sections: dict[str, str]         # slug -> display name, in nav order
    outlets: dict[str, str]          # key -> display name


def _aware(value, where: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise DemoSiteError(f"{where}: needs a UTC datetime like 2026-11-03T07:30:00Z, got {value!r}")
    return value.astimezone(timezone.utc)


def _companies(raw: list, where: str) -> list[dict]:
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append({"name": item, "aliases": []})
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append({"name": item["name"], "aliases": list(item.get("aliases", []))})
        else:
            raise DemoSiteError(f"{where}: expect.companies entries are names or {{name, aliases}} tables")
    return out


def load_manifest(path: Path = MANIFEST) -> tuple[SiteInfo, list[DemoArticle]]:
    """Read and check the manifest; article bodies are read from `articles/` beside it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    site = data.get("site", {})
    outlets = {key: value["name"] for key, value in data.get("outlets", {}).items()}
    info = SiteInfo(
        name=site.get("name", "Demo news"),
        tagline=site.get("tagline", ""),
        language=site.get("language", "en"),
        publisher=site.get("publisher", ""),
        sections=dict(data.get("sections", {})),
        outlets=outlets,
    )
    articles: list[DemoArticle] = []
    seen_ids: set[str] = set()
    seen_paths: set[str] = set()
    for raw in data.get("articles", []):
        where = f"{path.name} article {raw.get('id', '?')!r}"
        for key in ("id", "file", "path", "title", "outlet", "section", "author", "published", "summary"):
            if key not in raw:
                raise DemoSiteError(f"{where}: missing {key!r}")
        if raw["id"] in seen_ids or raw["path"] in seen_paths:
            raise DemoSiteError(f"{where}: id and path must be unique")
        if not raw["path"].startswith("/") or not raw["path"].endswith(".html"):
            raise DemoSiteError(f"{where}: path must start with / and end with .html")
        if raw["outlet"] not in outlets:
            raise DemoSiteError(f"{where}: outlet {raw['outlet']!r} is not in [outlets]")
        if raw["section"] not in info.sections:
            raise DemoSiteError(f"{where}: section {raw['section']!r} is not in [sections]")
        meta = tuple(raw.get("meta", DEFAULT_META))
        artifacts = tuple(raw.get("artifacts", ()))
        if not set(meta) <= KNOWN_META or not set(artifacts) <= set(ARTIFACT_PATTERNS):
            raise DemoSiteError(f"{where}: meta must be within {sorted(KNOWN_META)}, "
                                f"artifacts within {sorted(ARTIFACT_PATTERNS)}")
        body_file = path.parent / "articles" / raw["file"]
        if not body_file.is_file():
            raise DemoSiteError(f"{where}: body file {body_file} not found")
        expect = dict(raw.get("expect", {}))
        expect["companies"] = _companies(expect.get("companies", []), where)
        expect.setdefault("figures", [])
        expect.setdefault("events", [])
        seen_ids.add(raw["id"])
        seen_paths.add(raw["path"])
        articles.append(DemoArticle(
            id=raw["id"], path=raw["path"], title=raw["title"], outlet=raw["outlet"],
            outlet_name=outlets[raw["outlet"]], section=raw["section"], author=raw["author"],
            published=_aware(raw["published"], where), summary=raw["summary"],
            body_html=body_file.read_text(encoding="utf-8").strip(),
            categories=tuple(raw.get("categories", ())),
            updated=_aware(raw["updated"], where) if "updated" in raw else None,
            batch=int(raw.get("batch", 1)), meta=meta, artifacts=artifacts,
            summary_html=raw.get("summary_html", ""), feed_full_text=bool(raw.get("feed_full_text", False)),
            syndicated_from=raw.get("syndicated_from", ""),
            updates=raw.get("updates", ""), expect=expect,
        ))
    for article in articles:
        for ref in (article.syndicated_from, article.updates):
            if ref and ref not in seen_ids:
                raise DemoSiteError(f"{path.name} article {article.id!r}: refers to unknown id {ref!r}")
    return info, articles
