"""Where the texts of the annotated corpus come from.

Corpus articles (Reuters-21578 trade, BBC business) are research data: they stay in
`../shared/corpora/` and are read from there by path. Articles written for this project
live in `corpus/written/articles.jsonl` and are the project's own.

Every annotation offset points into the *document text*: the title, a blank line, then the
body (the body alone when there is no title) — the same string `extract.nlp` analyses.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT / "corpus"
DEFAULT_SHARED = PROJECT.parent / "shared"
WRITTEN_SOURCE = "tradewatch-written"
SHARED_SOURCES = {
    "reuters21578-trade": Path("corpora/reuters21578-trade/articles.jsonl"),
    "bbc-business": Path("corpora/bbc-business/articles.jsonl"),
}
WRITTEN_FILE = CORPUS / "written" / "articles.jsonl"


@dataclass(frozen=True)
class CorpusArticle:
    source: str
    id: str
    title: str
    body: str

    @property
    def key(self) -> str:
        return f"{self.source}:{self.id}"

    @property
    def text(self) -> str:
        """The document text all offsets refer to."""
        return document_text(self.title, self.body)

    @property
    def body_offset(self) -> int:
        return len(self.title) + 2 if self.title else 0


def document_text(title: str, body: str) -> str:
    return f"{title}\n\n{body}" if title else body


@functools.lru_cache(maxsize=8)
def _load_source(source: str, shared: str) -> dict[str, CorpusArticle]:
    if source == WRITTEN_SOURCE:
        path = WRITTEN_FILE
    elif source in SHARED_SOURCES:
        path = Path(shared) / SHARED_SOURCES[source]
    else:
        raise KeyError(f"unknown corpus source {source!r}")
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing (the shared corpora are read by path: --shared DIR)")
    articles = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                ident = str(row["id"])
                articles[ident] = CorpusArticle(source, ident, row.get("title", "") or "", row["body"])
    return articles


def load_article(source: str, ident: str, shared: Path = DEFAULT_SHARED) -> CorpusArticle:
    articles = _load_source(source, str(shared))
    try:
        return articles[str(ident)]
    except KeyError:
        raise KeyError(f"{source}:{ident} is not in the corpus file") from None


def all_articles(source: str, shared: Path = DEFAULT_SHARED) -> list[CorpusArticle]:
    return list(_load_source(source, str(shared)).values())
