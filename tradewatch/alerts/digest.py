"""Building a digest: new stored articles → watchlist matches → story items, change-aware and ranked."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import sqlite_utils

from core import vocabulary

from tradewatch.alerts import reader, state
from tradewatch.alerts.matching import (
    CompiledWatchlist, compile_watchlist, event_matches, figures_of_event, match_article, sentence_around,
)
from tradewatch.alerts.model import ArticleView, Figure, Measure, StoryItem
from tradewatch.alerts.ranking import rank
from tradewatch.alerts.wording import measure_line, measure_phrase
from core.config import Watchlist

ALL = Watchlist(name="all")          # no --watchlist: everything new
FIRST_DIGEST_DAYS = 7                # a watchlist's first digest looks back this far
MAX_MEASURES = 5
MAX_FIGURES = 8
MAX_EVIDENCE_CHARS = 400


@dataclass
class Digest:
    watchlist: str
    created_at: str
    selected_at: str
    since: str | None                # the --since date, or the start of the window after the last digest
    items: list[StoryItem] = field(default_factory=list)
    datasette_url: str = ""
    record_state: bool = True        # False for --since (ad-hoc look back, state untouched)
    digest_id: str | None = None

    @property
    def title(self) -> str:
        return f"tradewatch digest: {self.watchlist}"


def build_digest(
    db: sqlite_utils.Database,
    watchlist: Watchlist = ALL,
    *,
    since: str | None = None,
    datasette_url: str = "",
    db_name: str = "tradewatch",
    now: datetime | None = None,
) -> Digest:
    """What is new for `watchlist` since its last digest (or everything published since `since`)."""
    state.ensure_tables(db)
    compiled = compile_watchlist(watchlist)
    now = now or datetime.now(timezone.utc)
    selected_at = now.isoformat(timespec="seconds")
    if since:
        ids = reader.published_since(db, since)
        window = since
    else:
        window = state.horizon(db, watchlist.name) or reader.iso_days_ago(FIRST_DIGEST_DAYS)
        ids = reader.extracted_since(db, window)
    articles = reader.load_articles(db, ids)
    fts_hits: set[str] = set()
    for query in compiled.queries:
        fts_hits |= reader.fts_article_ids(db, query, ids)

    matched: dict[str, dict[str, list[str]]] = {}          # story key → article id → reasons
    for article in articles.values():
        reasons = match_article(compiled, article, fts_hits)
        if reasons:
            matched.setdefault(article.story_key, {})[article.id] = reasons
    copies = reader.story_copies(db, [k for k in matched if any(articles[a].story_id == k for a in matched[k])])
    if not since:
        _drop_sent(db, watchlist.name, matched, copies)
    base = datasette_url.rstrip("/") + f"/{db_name}" if datasette_url else ""
    items = [
        _story_item(db, compiled, key, [articles[a] for a in hits], hits, copies.get(key), base)
        for key, hits in matched.items()
    ]
    return Digest(watchlist=watchlist.name, created_at=selected_at, selected_at=selected_at, since=window,
                  items=rank(items, now), datasette_url=base, record_state=not since)


def article_key(article_id: str) -> str:
    return f"a:{article_id}"


def item_keys(item: StoryItem) -> list[str]:
    """What a sent item reserves: its story and every copy, so a story id assigned later
    (or a copy joining the story) never brings it back."""
    return list(dict.fromkeys([item.key, *(article_key(c.id) for c in item.copies)]))


def _drop_sent(db, watchlist: str, matched: dict[str, dict[str, list[str]]],
               copies: dict[str, list[ArticleView]]) -> None:
    """Drop stories already digested: by story key, or because one of their copies went out
    (possibly before near-duplicate detection put it into this story)."""
    members = {key: {*hits, *(c.id for c in copies.get(key, []))} for key, hits in matched.items()}
    keys = list(matched) + [article_key(a) for ids in members.values() for a in ids]
    sent = state.already_sent(db, watchlist, keys)
    for key in list(matched):
        if key in sent or any(article_key(a) in sent for a in members[key]):
            del matched[key]


def _lead(articles: list[ArticleView]) -> ArticleView:
    return sorted(articles, key=lambda a: (-vocabulary.tier(a.tier or "").get("weight", 1.0), a.when or "~", a.id))[0]


def _story_item(db, compiled: CompiledWatchlist, key: str, matched: list[ArticleView],
                reasons: dict[str, list[str]], copies: list[ArticleView] | None, base: str) -> StoryItem:
    lead = _lead(matched)
    copies = copies or matched
    outlets = list(dict.fromkeys(c.outlet or _host(c.url) for c in copies))
    story_ids = [c.id for c in copies]

    measures: list[Measure] = []
    seen_events: set[str] = set()
    ordered = [lead, *[a for a in matched if a is not lead]]
    for article in ordered:
        # The measures the watchlist asked about first: they also give the evidence sentence.
        for event in sorted(article.events, key=lambda e: not event_matches(compiled, e)):
            if event.id in seen_events or len(measures) >= MAX_MEASURES:
                continue
            seen_events.add(event.id)
            measure = Measure(event=event, phrase=measure_phrase(event), status=event.status,
                              figures=figures_of_event(article, event))
            before = reader.previous_report(db, event, article.when or "9999", story_ids)
            if before:
                measure.previous_status = before["status"]
                measure.previous_article_id = before["article_id"]
                measure.previous_figures = reader.figures_in_sentence(db, before["article_id"], before["evidence"])
            measure.line = measure_line(measure)
            measures.append(measure)

    evidence = _evidence(lead, measures)
    figures = _figures(lead, evidence)
    all_reasons = list(dict.fromkeys(r for a in matched for r in reasons.get(a.id, [])))
    companies = list(dict.fromkeys(c.name for a in matched for c in a.companies))
    return StoryItem(key=key, lead=lead, copies=copies, outlets=outlets, evidence=evidence, figures=figures,
                     measures=measures, companies=companies, matched_by=all_reasons,
                     datasette_url=f"{base}/-/article/{lead.id}" if base else "")


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def one_sentence(text: str, anchor: str = "", title: str = "") -> str:
    """One sentence of a quote: the one holding `anchor` (the evidence span), else the first real
    sentence; never the headline run into the lede (texts start with the headline on its own line)."""
    pieces = [" ".join(p.split()) for p in _QUOTE_BREAK.split(text or "")]
    pieces = [p for p in pieces if p]
    if len(pieces) <= 1:
        return " ".join((text or "").split())
    flat_title = " ".join((title or "").split()).casefold()
    anchor = " ".join((anchor or "").split())
    if anchor:
        for piece in pieces:
            if anchor[:40] in piece and piece.casefold() != flat_title:
                return piece
    for piece in pieces:
        if len(piece.split()) >= 6 and piece.casefold() != flat_title:
            return piece
    return pieces[0]


def _evidence(lead: ArticleView, measures: list[Measure]) -> str:
    sentence, anchor = "", ""
    for measure in measures:
        if measure.event.article_id == lead.id and measure.event.evidence:
            anchor = measure.event.evidence
            sentence = sentence_around(lead.text, anchor)
            break
    if not sentence and measures:
        sentence = anchor = measures[0].event.evidence
    if not sentence:
        for figure in lead.figures:
            if figure.sentence:
                sentence = figure.sentence
                break
    if not sentence and lead.text:
        sentence = _first_sentence(lead)
    sentence = one_sentence(sentence, anchor, lead.title)
    if len(sentence) > MAX_EVIDENCE_CHARS:
        sentence = sentence[:MAX_EVIDENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“])|\n+")
# The same, but not after initials ("U.S.") or a short abbreviation ("Mr.", "Co.").
_QUOTE_BREAK = re.compile(r"(?<![A-Z]\.[A-Z]\.)(?<!\b[A-Z][a-z]\.)(?<=[.!?])\s+(?=[A-Z0-9\"'“])|\n+")


def _first_sentence(article: ArticleView) -> str:
    """The lead's first real sentence: not the repeated headline, not a dateline fragment."""
    title = " ".join(article.title.split()).casefold()
    for sentence in _SENTENCE_BREAK.split(article.text):
        flat = " ".join(sentence.split())
        if len(flat.split()) >= 6 and flat.casefold() != title:
            return flat
    return " ".join(article.text.split()[:60])


def _figures(lead: ArticleView, evidence: str) -> list[Figure]:
    unique: dict[tuple, Figure] = {}
    for figure in sorted(lead.figures, key=lambda f: not (f.text and f.text in evidence)):
        unique.setdefault((figure.kind, figure.unit, figure.value), figure)
    return list(unique.values())[:MAX_FIGURES]
