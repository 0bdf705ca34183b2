"""TOML configuration → typed, validated config with documented defaults (see tradewatch.example.toml).

The types below are plain dataclasses: what the rest of the code builds, reads and changes.
`parse_config` checks a TOML document against them with pydantic when it is loaded: the type
of every key (a string is not a list, "lots" is not a number, 1 is not true), and the allowed
values of the keys backed by a registry: source kinds, tiers, event types, statuses and
figure kinds (core/data/vocabulary.toml), countries (core.countries), HS chapters (core.hs).
The first problem becomes one ConfigError line naming the key, the bad value and the fix.

Adding a key: a field with its type (an alias below, or a new one with its check) and its
default in the dataclass, and a line in tradewatch.example.toml.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, Strict, StrictBool, StrictInt, StrictStr
from pydantic import TypeAdapter, ValidationError

from core import countries, hs
from core.vocabulary import EVENT_TYPES, FIGURE_KINDS, SOURCE_KINDS, STATUSES, TIERS

DEFAULT_DB = "data/tradewatch.db"
# Read from the working directory when a command is given no --config.
DEFAULT_CONFIG_FILE = "tradewatch.toml"
# Sent with every request: who we are and where to read about it (politeness).
USER_AGENT = "tradewatch/0.1 (+https://github.com/tradewatch/tradewatch)"
SMTP_SECURITY = ("starttls", "ssl", "none")
COUNTRY_ROLES = ("actor", "target")


class ConfigError(ValueError):
    """A configuration problem, with a message that names the fix."""


# --- value checks: each raises ValueError with the sentence shown to the user -----------------


def _one_of(choices: tuple[str, ...], what: str):
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"unknown {what} {_shown(value)}; use one of {', '.join(choices)}")
        return value
    return check


def _http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{_shown(value)} is not an http(s) URL; give a full URL such as https://news.example.org/rss.xml")
    return value.strip()


def _origin(value: str) -> str:
    value = _http_url(value)
    parts = urlsplit(value)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{_shown(value)} is not an origin; give scheme and host only, e.g. https://news.example.org")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


# "United States -> China", "US → CN", "US > CN"
PAIR_ARROW = re.compile(r"\s*(?:->|→|>)\s*")


def _pair(value: str) -> str:
    parts = PAIR_ARROW.split(value.strip())
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"{_shown(value)}: write ACTOR -> TARGET, e.g. \"United States -> China\"")
    for part in parts:
        if countries.code_of(part) is None:
            raise ValueError(f"unknown country {_shown(part)}; give a name or an ISO code such as US, CN, EU")
    return value


def _country(value: str) -> str:
    role, _, name = value.partition(":") if ":" in value else ("", "", value)
    if role and role not in COUNTRY_ROLES:
        raise ValueError(f"{_shown(value)}: use NAME, actor:NAME or target:NAME")
    if countries.code_of(name) is None:
        raise ValueError(f"unknown country {_shown(name)}; give a name or an ISO code such as US, CN, EU")
    return value


def _hs_chapter(value: str) -> str:
    try:
        return hs.normalise_chapter(value)
    except ValueError as exc:
        raise ValueError(f"{exc}; give a two-digit chapter such as \"72\"") from None


def _int_as_chapter(value: Any) -> Any:
    """hs_chapters = [72] means the same as ["72"]."""
    return f"{value:02d}" if isinstance(value, int) and not isinstance(value, bool) else value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{_shown(value)} is not a regular expression ({exc}); fix the pattern") from None
    return value


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", value.strip()):
        raise ValueError(f"{_shown(value)} is not an email address; give one like analyst@example.org")
    return value.strip()


def _language(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}", value):
        raise ValueError(f"{_shown(value)} is not a language code; use ISO 639-1 such as en, de, fr")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty; give a value")
    return value


# The types keys are declared with. Strict: TOML has types, and a value of the wrong one is a
# mistake to report, not to convert ("5" is not 5, 1 is not true).
Name = Annotated[StrictStr, AfterValidator(_not_blank)]
Number = Annotated[float, Strict()]                 # an int is a number too (10 == 10.0)
HttpUrl = Annotated[StrictStr, AfterValidator(_http_url)]
Origin = Annotated[StrictStr, AfterValidator(_origin)]
SourceKind = Annotated[StrictStr, AfterValidator(_one_of(SOURCE_KINDS, "source kind"))]
Tier = Annotated[StrictStr, AfterValidator(_one_of(TIERS, "tier"))]
EventType = Annotated[StrictStr, AfterValidator(_one_of(EVENT_TYPES, "event type"))]
Status = Annotated[StrictStr, AfterValidator(_one_of(STATUSES, "status"))]
FigureKind = Annotated[StrictStr, AfterValidator(_one_of(FIGURE_KINDS, "figure kind"))]
Security = Annotated[StrictStr, AfterValidator(_one_of(SMTP_SECURITY, "security"))]
Country = Annotated[StrictStr, AfterValidator(_country)]
Pair = Annotated[StrictStr, AfterValidator(_pair)]
HsChapter = Annotated[StrictStr, BeforeValidator(_int_as_chapter), AfterValidator(_hs_chapter)]
Regex = Annotated[StrictStr, AfterValidator(_regex)]
Email = Annotated[StrictStr, AfterValidator(_email)]
Language = Annotated[StrictStr, AfterValidator(_language)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
# Unknown keys are refused (a typo would otherwise silently keep the default).
_STRICT_KEYS = ConfigDict(extra="forbid")


# --- the configuration ----------------------------------------------------------------------


@dataclass
class Source:
    """A configured source; also what crosses into the crawl process (`to_dict` / `coerce`)."""

    __pydantic_config__ = _STRICT_KEYS

    name: Name
    kind: SourceKind                # core/data/vocabulary.toml [source_kinds]; "any" = ad hoc URL, sniffed
    urls: Annotated[list[HttpUrl], Field(min_length=1)]
    language: Language = "en"
    tier: Tier = "national"
    tags: list[StrictStr] = field(default_factory=list)
    allow: list[Regex] = field(default_factory=list)   # regexes, kind=site
    deny: list[Regex] = field(default_factory=list)
    depth: Annotated[StrictInt, Field(ge=0)] = 1
    rate: Annotated[Number, Field(gt=0)] | None = None   # max requests/s for this source
    recrawl: StrictBool = False
    # A local mirror of a public site: its pages are stored under this origin's URLs, so the
    # mirror may move (another host or port) without storing anything twice.
    mirror_of: Origin | None = None

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
    __pydantic_config__ = _STRICT_KEYS

    kind: FigureKind = "percent"    # core/data/vocabulary.toml [figure_kinds]
    min_value: Number = 0.0
    unit: StrictStr | None = None
    with_company: StrictBool = False
    event_type: EventType | None = None   # only figures stated in the evidence of this event type


@dataclass
class Watchlist:
    __pydantic_config__ = _STRICT_KEYS

    name: Name
    companies: list[StrictStr] = field(default_factory=list)
    countries: list[Country] = field(default_factory=list)
    event_types: list[EventType] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    products: list[StrictStr] = field(default_factory=list)
    hs_chapters: list[HsChapter] = field(default_factory=list)
    queries: list[StrictStr] = field(default_factory=list)
    figure_rules: list[FigureRule] = field(default_factory=list)
    email: list[Email] = field(default_factory=list)
    # Bilateral rules, "ACTOR -> TARGET" by any common name ("United States -> China": US measures aimed at China).
    pairs: list[Pair] = field(default_factory=list)


@dataclass
class CrawlSettings:
    __pydantic_config__ = _STRICT_KEYS

    user_agent: Name = USER_AGENT
    allow_private: StrictBool = False     # only for tests and local mirrors
    max_page_bytes: Annotated[StrictInt, Field(gt=0)] = 5 * 1024 * 1024
    concurrency_per_domain: Annotated[StrictInt, Field(ge=1)] = 4
    download_delay: Annotated[Number, Field(ge=0)] = 0.25
    obey_robots: StrictBool = True
    raw_html_days: StrictInt | None = 30  # keep raw HTML N days; 0 = never keep; negative (or None) = forever


@dataclass
class SmtpSettings:
    __pydantic_config__ = _STRICT_KEYS

    host: Name = "localhost"
    port: Port = 587
    security: Security = "starttls"       # starttls | ssl | none
    sender: Email = "tradewatch@localhost"
    # credentials come from TRADEWATCH_SMTP_USER / TRADEWATCH_SMTP_PASSWORD, never from this file


@dataclass
class Config:
    __pydantic_config__ = _STRICT_KEYS

    db: Name = DEFAULT_DB
    model: Name | None = None       # spaCy model; None = extract's default (extract.DEFAULT_MODEL)
    datasette_url: HttpUrl = "http://127.0.0.1:8001"
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


_CONFIG = TypeAdapter(Config)


# --- loading --------------------------------------------------------------------------------


def parse_config(data: dict) -> Config:
    """A checked Config from a parsed TOML document; ConfigError (one line) for the first problem."""
    if not isinstance(data, dict):
        raise ConfigError(f"config: expected a TOML document, got {type(data).__name__}")
    data = _with_url_shorthand(data)
    try:
        config = _CONFIG.validate_python(data)
    except ValidationError as exc:
        raise ConfigError(describe_problem(exc, data)) from None
    for key, items in (("sources", config.sources), ("watchlists", config.watchlists)):
        names = [item.name for item in items]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ConfigError(f"{key}: the name {_shown(twice[0])} is used more than once; give each one its own name")
    return config


def _with_url_shorthand(data: dict) -> dict:
    """`url = "…"` in a source is one more entry of its `urls`."""
    sources = data.get("sources")
    if not isinstance(sources, list):
        return data
    fixed = []
    for raw in sources:
        if isinstance(raw, dict) and "url" in raw:
            raw = dict(raw)
            urls = raw.get("urls", [])
            raw["urls"] = [raw.pop("url"), *urls] if isinstance(urls, list) else urls
        fixed.append(raw)
    return {**data, "sources": fixed}


def load_config(path: str | Path | None) -> Config:
    """Config from a TOML file; no path → defaults (empty source list). See also default_config_path."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found; copy tradewatch.example.toml to start one") from None
    except IsADirectoryError:
        raise ConfigError(f"config path {path} is a directory; pass the TOML file itself") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}; check its permissions") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"config file {path} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                          "fix the encoding: save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}; fix the line it names") from None
    try:
        return parse_config(data)
    except ConfigError as exc:
        raise ConfigError(f"config file {path}: {exc}") from None


def default_config_path(directory: str | Path = ".") -> Path | None:
    """`tradewatch.toml` in `directory` (the working directory) if there is one."""
    candidate = Path(directory) / DEFAULT_CONFIG_FILE
    return candidate if candidate.is_file() else None


# --- one line per problem -------------------------------------------------------------------

_CLASSES = {"sources": Source, "watchlists": Watchlist, "figure_rules": FigureRule,
            "crawl": CrawlSettings, "smtp": SmtpSettings}


def describe_problem(exc: ValidationError, data: dict) -> str:
    """The first problem pydantic found as one line: where (`sources[0] (wire).urls`), the
    value given, what is wrong, and what to write instead."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = [part for part in first["loc"] if not isinstance(part, str) or not part.startswith("function-")]
    where = _where(loc, data)
    key = next((part for part in reversed(loc) if isinstance(part, str)), "")
    value = first.get("input")
    kind = first["type"]
    if kind == "unexpected_keyword_argument":
        message = f"unknown key {key!r}; known keys: {', '.join(_known_keys(loc))}"
        where = _where(loc[:-1], data) or "config"
    elif kind in ("missing", "missing_argument"):
        message = f"{key!r} is missing; set it"
        where = _where(loc[:-1], data) or "config"
    elif kind == "value_error":
        message = str(first.get("ctx", {}).get("error") or first["msg"])
    elif kind in ("list_type", "string_type", "int_type", "float_type", "bool_type", "dataclass_type",
                  "int_from_float", "dict_type", "model_type", "dataclass_args_type"):
        message = f"{_shown(value)} is {_type_name(value)}; {_expected(kind)}{_example(loc, key) or '; fix the value'}"
    elif kind == "too_short":
        message = f"{_shown(value)} is empty; give at least one value"
    else:      # bounds (greater_than …): pydantic's sentence names the limit
        message = f"{_shown(value)}: {first['msg'][0].lower()}{first['msg'][1:]}; fix the value"
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where}: {message}{more}"


def _where(loc: list, data: dict) -> str:
    """('sources', 0, 'urls') → "sources[0] (wire).urls" (the item's name when it has one)."""
    text, node = "", data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            name = node.get("name") if isinstance(node, dict) else None
            if isinstance(name, str) and name:
                text += f" ({name})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _known_keys(loc: list) -> list[str]:
    table = next((part for part in reversed(loc[:-1]) if isinstance(part, str)), None)
    cls = _CLASSES.get(table, Config)
    return sorted(f.name for f in fields(cls))


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _expected(kind: str) -> str:
    return {
        "list_type": "expected a list",
        "string_type": "expected a string in quotes",
        "int_type": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_type": "expected a number",
        "bool_type": "expected true or false",
    }.get(kind, "expected a table ([name], [[name]] or { key = value })")


def _example(loc: list, key: str) -> str:
    """"; set it like max_page_bytes = 5242880": the key's default, in TOML, when it has one."""
    table = next((part for part in reversed(loc[:-1]) if isinstance(part, str)), None)
    cls = _CLASSES.get(table, Config) if loc and isinstance(loc[-1], str) else None
    field_ = next((f for f in fields(cls) if f.name == key), None) if cls else None
    if field_ is None:
        return ""
    default = field_.default if field_.default is not MISSING else (
        field_.default_factory() if field_.default_factory is not MISSING else None)
    if key == "urls":
        return '; set it like urls = ["https://news.example.org/rss.xml"]'
    if default is None or isinstance(default, (list, dict)) and not default or hasattr(default, "__dataclass_fields__"):
        return "; fix the value"
    return f"; set it like {key} = {_toml(default)} (the default)"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def _shown(value: Any, limit: int = 60) -> str:
    text = _toml(value) if isinstance(value, (str, int, float, bool)) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"
