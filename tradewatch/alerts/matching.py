"""Watchlist matching: does a stored article concern what a watchlist watches?

Semantics (documented in tradewatch.example.toml):
- companies, figure_rules and queries are topics: any one of them matching is enough;
- countries, pairs, event_types and statuses are event criteria: an event must meet every one
  that is set (a pair "United States -> China": actor US and China among the targets); products/hs_chapters narrow those events (keyword in product or evidence),
  or, with no event criteria set, are a topic of their own (keyword in title or event);
- a watchlist with nothing set matches everything (that is the "all" digest).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from tradewatch.alerts.model import ArticleView, Event, Figure
from core import hs
from core.config import PAIR_ARROW, ConfigError, FigureRule, Watchlist
from extract.companies.names import name_key

from tradewatch.alerts.wording import country_code

def normalise_company(name: str) -> str:
    """The extractor's comparison key: case, punctuation, '&'→'and', legal suffixes dropped."""
    return name_key(name) if (name or "").strip() else ""


@dataclass
class CountryCriterion:
    code: str
    role: str = "any"              # any | actor | target

    def holds(self, event: Event) -> bool:
        if self.role in ("any", "actor") and event.actor == self.code:
            return True
        return self.role in ("any", "target") and self.code in event.targets




@dataclass(frozen=True)
class PairCriterion:
    actor: str
    target: str

    def holds(self, event: Event) -> bool:
        return event.actor == self.actor and self.target in event.targets


@dataclass
class CompiledWatchlist:
    name: str
    companies: dict[str, str] = field(default_factory=dict)   # normalised → as written
    countries: list[CountryCriterion] = field(default_factory=list)
    pairs: list[PairCriterion] = field(default_factory=list)
    event_types: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    products: re.Pattern | None = None
    hs_chapters: set[str] = field(default_factory=set)
    figure_rules: list[FigureRule] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    @property
    def has_event_criteria(self) -> bool:
        return bool(self.countries or self.pairs or self.event_types or self.statuses)

    @property
    def matches_everything(self) -> bool:
        return not (self.companies or self.has_event_criteria or self.products
                    or self.figure_rules or self.queries)


def compile_watchlist(watchlist: Watchlist) -> CompiledWatchlist:
    """Resolve names once: country names → codes, HS chapters → keywords; bad entries raise ConfigError."""
    where = f"watchlist {watchlist.name!r}"
    countries = []
    for entry in watchlist.countries:
        role, _, name = entry.partition(":") if ":" in entry else ("any", "", entry)
        if role not in ("any", "actor", "target"):
            raise ConfigError(f"{where}: country {entry!r}: use NAME, actor:NAME or target:NAME")
        code = country_code(name)
        if code is None:
            raise ConfigError(f"{where}: unknown country {name!r}; use an ISO code such as US, CN, EU")
        countries.append(CountryCriterion(code, role))
    pairs = []
    for entry in getattr(watchlist, "pairs", None) or []:
        parts = PAIR_ARROW.split(entry.strip())
        if len(parts) != 2 or not all(parts):
            raise ConfigError(f"{where}: pair {entry!r}: write ACTOR -> TARGET, e.g. \"United States -> China\"")
        codes = [country_code(p) for p in parts]
        for part, code in zip(parts, codes):
            if code is None:
                raise ConfigError(f"{where}: pair {entry!r}: unknown country {part!r}; use an ISO code such as US, CN, EU")
        pairs.append(PairCriterion(*codes))
    keywords = [p for p in watchlist.products if p.strip()]
    chapters = set()
    for chapter in watchlist.hs_chapters:
        try:
            chapter = hs.normalise_chapter(chapter)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        keywords.extend(hs.terms_of(chapter))
        chapters.add(chapter)
    products = None
    if keywords:
        alternatives = "|".join(sorted((re.escape(k.strip()) for k in set(keywords)), key=len, reverse=True))
        products = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    for rule in watchlist.figure_rules:
        if rule.kind not in ("money", "percent", "quantity"):
            raise ConfigError(f"{where}: figure rule kind {rule.kind!r}; use money, percent or quantity")
    return CompiledWatchlist(
        name=watchlist.name,
        companies={normalise_company(c): c for c in watchlist.companies if normalise_company(c)},
        countries=countries,
        pairs=pairs,
        event_types=set(watchlist.event_types),
        statuses=set(watchlist.statuses),
        products=products,
        hs_chapters=chapters,
        figure_rules=list(watchlist.figure_rules),
        queries=list(watchlist.queries),
    )


def company_matches(watched: str, names: list[str]) -> bool:
    """A watched (normalised) name is one of the company's names, or their leading words."""
    for name in names:
        norm = normalise_company(name)
        if norm == watched or norm.startswith(watched + " "):
            return True
    return False


def watched_companies(watchlist: CompiledWatchlist, article: ArticleView) -> list[str]:
    found = []
    for company in article.companies:
        names = [company.name, *company.aliases]
        if any(company_matches(w, names) for w in watchlist.companies):
            found.append(company.name)
    return found


def event_matches(watchlist: CompiledWatchlist, event: Event) -> bool:
    """The event meets the watchlist's event criteria (true for any event when none are set)."""
    return _event_holds(watchlist, event)


def _event_holds(watchlist: CompiledWatchlist, event: Event) -> bool:
    if watchlist.event_types and event.type not in watchlist.event_types:
        return False
    if watchlist.statuses and event.status not in watchlist.statuses:
        return False
    if watchlist.countries and not any(c.holds(event) for c in watchlist.countries):
        return False
    if watchlist.pairs and not any(p.holds(event) for p in watchlist.pairs):
        return False
    if watchlist.products and not _product_holds(watchlist, event):
        return False
    return True


def _product_holds(watchlist: CompiledWatchlist, event: Event) -> bool:
    """Keyword in the measure's product or evidence, or an HS chapter the extractor assigned."""
    if watchlist.hs_chapters & set(event.hs_chapters):
        return True
    return bool(watchlist.products.search(f"{event.product}\n{event.evidence}"))


def sentence_around(text: str, span: str) -> str:
    """The sentence of `text` that contains `span` (or `span` itself when not found)."""
    if not span:
        return ""
    at = text.find(span)
    if at < 0:
        return span
    start = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at))
    start = 0 if start < 0 else start + 1
    end_candidates = [i for i in (text.find(". ", at + len(span)), text.find("\n", at + len(span))) if i >= 0]
    end = min(end_candidates) + 1 if end_candidates else len(text)
    return text[start:end].strip()


def figures_of_event(article: ArticleView, event: Event) -> list[Figure]:
    """Figures stated in the event's evidence sentence."""
    sentence = sentence_around(article.text, event.evidence) if article.text else event.evidence
    return [f for f in article.figures if f.text and f.text in sentence]


def _rule_holds(rule: FigureRule, article: ArticleView, has_watched_company: bool) -> Figure | None:
    if rule.with_company and not (has_watched_company or False):
        return None
    event_type = getattr(rule, "event_type", None)
    figures = article.figures
    if event_type:
        figures = [f for e in article.events if e.type == event_type for f in figures_of_event(article, e)]
    for figure in figures:
        if figure.kind != rule.kind or figure.value is None:
            continue
        if rule.unit and (figure.unit or "").casefold() != rule.unit.casefold():
            continue
        if float(figure.value) >= rule.min_value:
            return figure
    return None


def match_article(watchlist: CompiledWatchlist, article: ArticleView, fts_hits: set[str] = frozenset()) -> list[str]:
    """Why the article matches (e.g. ["company Samsung", "event tariff"]); [] when it does not."""
    if watchlist.matches_everything:
        return ["all"]
    reasons: list[str] = []
    companies = watched_companies(watchlist, article) if watchlist.companies else []
    reasons.extend(f"company {name}" for name in companies)
    if watchlist.has_event_criteria:
        reasons.extend(f"event {e.type}" for e in article.events if _event_holds(watchlist, e))
    elif watchlist.products:
        haystack = "\n".join([article.title, *(f"{e.product}\n{e.evidence}" for e in article.events)])
        hit = watchlist.products.search(haystack)
        if hit:
            reasons.append(f"product {hit.group(0)}")
        elif any(watchlist.hs_chapters & set(e.hs_chapters) for e in article.events):
            reasons.append("HS chapter")
    company_for_rules = bool(companies) if watchlist.companies else bool(article.companies)
    for rule in watchlist.figure_rules:
        figure = _rule_holds(rule, article, company_for_rules)
        if figure is not None:
            reasons.append(f"figure {figure.text}")
    if article.id in fts_hits:
        reasons.append("query")
    return list(dict.fromkeys(reasons))
