"""The values alerts work on: stored articles with their extraction, grouped into stories.

These are plain dataclasses read from the knowledge base by `alerts.reader`; matching,
ranking, change detection and rendering only ever see these, never SQL rows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Figure:
    text: str
    kind: str                      # money | percent | quantity | ...
    value: float | None
    unit: str | None = None
    sentence: str = ""             # the sentence it was stated in, when the store kept it


@dataclass
class Event:
    id: str
    type: str
    actor: str | None
    targets: list[str] = field(default_factory=list)
    status: str | None = None
    product: str = ""
    evidence: str = ""
    article_id: str = ""
    hs_chapters: list[str] = field(default_factory=list)


@dataclass
class Company:
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class ArticleView:
    id: str
    url: str
    title: str
    source: str = ""
    tier: str | None = None
    published: str | None = None   # UTC ISO 8601
    fetched_at: str | None = None
    story_id: str | None = None
    text: str = ""
    site_name: str = ""
    figures: list[Figure] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def when(self) -> str:
        """The date the article speaks for: published, else fetched."""
        return self.published or self.fetched_at or ""

    @property
    def outlet(self) -> str:
        """Who published it: the site's own name, else the configured source."""
        return self.site_name or self.source

    @property
    def story_key(self) -> str:
        return self.story_id or self.id


@dataclass
class Measure:
    """One event of the story as a digest line, with what changed since the last report."""

    event: Event
    phrase: str                    # "US tariff on Japanese semiconductors"
    status: str | None
    figures: list[Figure] = field(default_factory=list)
    previous_status: str | None = None
    previous_figures: list[Figure] = field(default_factory=list)
    previous_article_id: str | None = None
    line: str = ""                 # the rendered sentence (plain text)

    @property
    def changed(self) -> bool:
        return self.previous_article_id is not None


@dataclass
class StoryItem:
    """One digest entry: a story (syndicated copies folded together)."""

    key: str                       # stable: the story id (else the lead article's id)
    lead: ArticleView
    copies: list[ArticleView]
    outlets: list[str]
    evidence: str
    figures: list[Figure]
    measures: list[Measure]
    companies: list[str]
    matched_by: list[str]
    score: float = 0.0
    datasette_url: str = ""

    @property
    def carried_by(self) -> int:
        return len(self.outlets)

    def to_dict(self) -> dict:
        data = asdict(self)
        for copy in data["copies"]:
            copy.pop("text", None)
        data["lead"].pop("text", None)
        return data
