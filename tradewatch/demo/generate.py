"""Deterministic article variants, for volume tests and "new article" tests.

Article `n` of a kind ("scaled" → `/scaled/<n>.html`, "extra" → `/extra/<n>.html`) is
built from the lede of one hand-written story plus paragraphs of sentences drawn from
the others, with its companies swapped for invented ones (`site/generated/companies.csv`), its figures
rescaled and its date shifted. The same (kind, n) always gives the same page; different
n give different texts, so near-duplicate detection keeps them apart.
"""
from __future__ import annotations

import csv
import random
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from tradewatch.demo.manifest import SITE_DIR, DemoArticle, detect_artifacts

COMPANY_POOL = SITE_DIR / "generated" / "companies.csv"
# Scaled pages are older than every hand-written story; extras are newer than all of them.
SCALED_NEWEST = datetime(2026, 10, 6, 12, 0, tzinfo=timezone.utc)
SCALED_STEP = timedelta(minutes=13)
EXTRA_FIRST = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
EXTRA_STEP = timedelta(minutes=5)
KINDS = {"scaled": "report", "extra": "brief"}   # kind -> word in the title
PARAGRAPHS = 4                                    # generated paragraphs after the lede
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")

# Legal suffixes the hand-written stories put after company names.
_SUFFIX = r"(?:,?\s(?:Co\., Ltd\.|Co\.|Inc\.|Ltd|plc|SA de CV|SA|AB|JSC|Sdn Bhd|Bhd|Tbk|Corp\.|LLC|Pty Ltd))"
# A figure: currency prefix and/or a unit after the number. Bare numbers (dates, years,
# counts) stay as they are.
_FIGURE = re.compile(
    r"(?P<pre>(?:C|A|NZ)?\$|[£€¥])?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?P<post>%|bn\b|m\b|(?:\s|&nbsp;)(?:per cent|pct|percentage points|billion|million|mln|tonnes|barrels))?"
)


def scaled_published(n: int) -> datetime:
    return SCALED_NEWEST - (n - 1) * SCALED_STEP


def extra_published(n: int) -> datetime:
    return EXTRA_FIRST + (n - 1) * EXTRA_STEP


def load_company_pool(path=COMPANY_POOL) -> list[tuple[str, str, str]]:
    """(name, legal suffix, short form) rows of invented companies."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [(row["name"], row["suffix"], row["short"]) for row in csv.DictReader(handle)]


def _scale_number(text: str, factor: float) -> str:
    plain = text.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    value = max(float(plain) * factor, 10 ** -decimals)
    if decimals:
        return f"{value:.{decimals}f}"
    return f"{round(value):,}" if "," in text else str(round(value))


def rescale_figures(text: str, factor: float) -> str:
    """Multiply every money/percent/quantity figure in `text` by `factor`, keeping its form."""
    def swap(match: re.Match) -> str:
        if not (match.group("pre") or match.group("post")):
            return match.group(0)
        return (match.group("pre") or "") + _scale_number(match.group("num"), factor) + (match.group("post") or "")
    return _FIGURE.sub(swap, text)


class ArticleGenerator:
    """Builds generated articles from the hand-written ones."""

    def __init__(self, base: list[DemoArticle], pool: list[tuple[str, str, str]] | None = None):
        self.base = sorted((a for a in base if not a.syndicated_from), key=lambda a: a.id)
        if not self.base:
            raise ValueError("the generator needs at least one hand-written article")
        self.pool = pool or load_company_pool()
        self.authors = sorted({a.author for a in self.base})
        # Every company of the base stories, in a stable order; names and aliases → index.
        names: dict[str, int] = {}
        aliases: dict[str, int] = {}
        for article in self.base:
            for company in article.expect.get("companies", []):
                index = names.setdefault(company["name"], len(names))
                for alias in company["aliases"]:
                    aliases.setdefault(alias, index)
        self._names, self._aliases = names, aliases
        forms = sorted(list(names) + list(aliases), key=len, reverse=True)
        self._company_re = re.compile(
            r"\b(?:PT\s)?(?P<core>" + "|".join(map(re.escape, forms)) + r")\b(?P<suffix>" + _SUFFIX + r")?"
        )
        # Sentences of every plain paragraph except the ledes: the material generated
        # paragraphs are drawn from. Sampling sentences (not whole paragraphs) keeps even
        # 20,000 pages far apart for near-duplicate detection.
        self._sentences: list[str] = []
        for article in self.base:
            for block in self._blocks(article)[1:]:
                if block.startswith("<p>") and block.endswith("</p>"):
                    for sentence in _SENTENCE_END.split(block[3:-4]):
                        if len(sentence.split()) >= 6 and "Skip to content" not in sentence:
                            self._sentences.append(sentence.strip())
        if len(self._sentences) < PARAGRAPHS * 3 + 10:
            raise ValueError("the hand-written articles are too short to generate from")

    @staticmethod
    def _blocks(article: DemoArticle) -> list[str]:
        # Body fragments keep one block element per line.
        return [line for line in article.body_html.splitlines() if line.strip()]

    def article(self, n: int, *, kind: str = "scaled") -> DemoArticle:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        if n < 1:
            raise ValueError("generated articles are numbered from 1")
        rng = random.Random(f"tradewatch-demo/{kind}/{n}")
        lead = self.base[(n - 1) % len(self.base)]
        factor = round(rng.uniform(0.55, 1.75), 3)
        order = rng.sample(range(len(self.pool)), len(self.pool))
        # The lede states the story; the other paragraphs are 2-3 sentences each from the pool.
        sizes = [rng.choice((2, 3)) for _ in range(PARAGRAPHS)]
        picked = rng.sample(self._sentences, sum(sizes))
        body_blocks = [self._blocks(lead)[0]]
        for size in sizes:
            body_blocks.append("<p>" + " ".join(picked[:size]) + "</p>")
            picked = picked[size:]
        # Carry the lead's clutter, so generated pages need cleaning like real ones.
        if "advertisement" in lead.artifacts:
            body_blocks.insert(2, '<div class="ad-slot" aria-hidden="true"><p>Advertisement</p></div>')
        if "skip-to-content" in lead.artifacts:
            body_blocks[-1] = body_blocks[-1][:-len("</p>")] + " Skip to content</p>"
        used: dict[str, dict] = {}

        def swap_company(match: re.Match) -> str:
            core = match.group("core")
            is_name = core in self._names
            index = self._names[core] if is_name else self._aliases[core]
            name, suffix, short = self.pool[order[index % len(order)]]
            used.setdefault(name, {"name": name, "aliases": []})
            if not is_name:
                if short not in used[name]["aliases"] and short != name:
                    used[name]["aliases"].append(short)
                return short
            return f"{name} {suffix}" if match.group("suffix") else name

        def vary(text: str) -> str:
            return rescale_figures(self._company_re.sub(swap_company, text), factor)

        published = scaled_published(n) if kind == "scaled" else extra_published(n)
        title = f"{vary(lead.title)} ({KINDS[kind]} {n})"
        body = "\n".join(vary(block) for block in body_blocks)
        return replace(
            lead,
            id=f"{kind}-{n}", path=f"/{kind}/{n}.html", title=title,
            author=rng.choice(self.authors), published=published, updated=None,
            summary=vary(lead.summary), body_html=body, summary_html="", batch=1,
            meta=("og", "jsonld", "time"), syndicated_from="", updates="", generated=True,
            artifacts=detect_artifacts(body),
            expect={"companies": list(used.values())},
        )
