"""TOML configuration → typed config with documented defaults (see tradewatch.example.toml)."""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from core.vocabulary import SOURCE_KINDS, TIERS

DEFAULT_DB = "data/tradewatch.db"
# Sent with every request: who we are and where to read about it (politeness).
USER_AGENT = "tradewatch/0.1 (+https://github.com/tradewatch/tradewatch)"


class ConfigError(ValueError):
    """A configuration problem, with a message that names the fix."""


@dataclass
class Source:
    """A configured source; also what crosses into the crawl process (`to_dict` / `coerce`)."""

    name: str
    kind: str                       # core/data/vocabulary.toml [source_kinds]; "any" = ad hoc URL, sniffed
    urls: list[str]
    language: str = "en"
    tier: str = "national"
    tags: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)   # regexes, kind=site
    deny: list[str] = field(default_factory=list)
    depth: int = 1
    rate: float | None = None       # max requests/s for this source
    recrawl: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def coerce(cls, value) -> "Source":
        """A Source from itself or from its dict (as it arrives in the crawl process)."""
        if isinstance(value, cls):
            return value
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in dict(value).items() if k in known})


@dataclass
class FigureRule:
    kind: str = "percent"           # money | percent | quantity
    min_value: float = 0.0
    unit: str | None = None
    with_company: bool = False
    event_type: str | None = None   # only figures stated in the evidence of this event type


@dataclass
class Watchlist:
    name: str
    companies: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    hs_chapters: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    figure_rules: list[FigureRule] = field(default_factory=list)
    email: list[str] = field(default_factory=list)
    # Bilateral rules, "ACTOR -> TARGET" by any common name ("United States -> China": US measures aimed at China).
    pairs: list[str] = field(default_factory=list)


@dataclass
class CrawlSettings:
    user_agent: str = USER_AGENT
    allow_private: bool = False     # only for tests and local mirrors
    max_page_bytes: int = 5 * 1024 * 1024
    concurrency_per_domain: int = 4
    download_delay: float = 0.25
    obey_robots: bool = True
    raw_html_days: int | None = 30  # keep raw HTML N days; 0 = never keep; negative (or None) = forever


@dataclass
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"     # starttls | ssl | none
    sender: str = "tradewatch@localhost"
    # credentials come from TRADEWATCH_SMTP_USER / TRADEWATCH_SMTP_PASSWORD, never from this file


@dataclass
class Config:
    db: str = DEFAULT_DB
    model: str | None = None        # spaCy model; None = extract's default (extract.DEFAULT_MODEL)
    datasette_url: str = "http://127.0.0.1:8001"
    sources: list[Source] = field(default_factory=list)
    watchlists: list[Watchlist] = field(default_factory=list)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r}; configured: {', '.join(s.name for s in self.sources) or 'none'}")

    def watchlist(self, name: str) -> Watchlist:
        for watchlist in self.watchlists:
            if watchlist.name == name:
                return watchlist
        raise ConfigError(
            f"no watchlist named {name!r}; configured: {', '.join(w.name for w in self.watchlists) or 'none'}"
        )


def _build(cls, data: dict, where: str):
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def parse_config(data: dict) -> Config:
    data = dict(data)
    sources = []
    for i, raw in enumerate(data.pop("sources", [])):
        raw = dict(raw)
        if "url" in raw:
            raw.setdefault("urls", [])
            raw["urls"] = [raw.pop("url"), *raw["urls"]]
        source = _build(Source, raw, f"sources[{i}]")
        if source.kind not in SOURCE_KINDS:
            raise ConfigError(
                f"sources[{i}] ({source.name}): unknown kind {source.kind!r}; use one of {', '.join(SOURCE_KINDS)}"
            )
        if source.tier not in TIERS:
            raise ConfigError(f"sources[{i}] ({source.name}): unknown tier {source.tier!r}; use one of {', '.join(TIERS)}")
        if not source.urls:
            raise ConfigError(f"sources[{i}] ({source.name}): give at least one url")
        sources.append(source)
    watchlists = []
    for i, raw in enumerate(data.pop("watchlists", [])):
        raw = dict(raw)
        rules = [_build(FigureRule, r, f"watchlists[{i}].figure_rules") for r in raw.pop("figure_rules", [])]
        watchlist = _build(Watchlist, raw, f"watchlists[{i}]")
        watchlist.figure_rules = rules
        watchlists.append(watchlist)
    crawl = _build(CrawlSettings, data.pop("crawl", {}), "crawl")
    smtp = _build(SmtpSettings, data.pop("smtp", {}), "smtp")
    config = _build(Config, data, "config")
    config.sources, config.watchlists, config.crawl, config.smtp = sources, watchlists, crawl, smtp
    return config


def load_config(path: str | Path | None) -> Config:
    """Config from a TOML file; no path → defaults (empty source list)."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found; copy tradewatch.example.toml to start one") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}; fix the line it names") from None
    return parse_config(data)
