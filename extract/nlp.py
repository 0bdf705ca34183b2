"""Builds the spaCy pipeline: the pretrained model plus the project's components."""
from __future__ import annotations

import functools
import logging
from typing import Iterable, Iterator

import spacy
from spacy.language import Language

# Importing registers the factories.
from extract.companies import component as _companies
from extract import events as _events  # noqa: F401
from extract import figures as _figures  # noqa: F401
from extract import ModelNotAvailable, ensure_model_available  # noqa: F401 (re-exported)
from extract.clean.artifacts import clean_text
from extract.records import TEXT_OFFSET_KEY, doc_to_record

from extract import DEFAULT_MODEL  # noqa: E402

logger = logging.getLogger(__name__)

# Work per article is bounded: only the first MAX_ANALYSED_CHARS of a text go through the
# pipeline (the longest real news article is far shorter; 200,000 characters is ~35,000 words).
# Without it, a 1 MB page would cost the model ~30 s and fail spaCy's max_length check
# (E088) on every run. The stored text stays whole; offsets stay valid (a prefix is kept).
MAX_ANALYSED_CHARS = 200_000
MAX_TITLE_CHARS = 1_000


def _analysed_part(text: str) -> str:
    if len(text) <= MAX_ANALYSED_CHARS:
        return text
    cut = text.rfind(" ", MAX_ANALYSED_CHARS - 1_000, MAX_ANALYSED_CHARS)
    cut = cut if cut > 0 else MAX_ANALYSED_CHARS
    logger.warning("text of %d characters: analysing the first %d", len(text), cut)
    return text[:cut]


@functools.lru_cache(maxsize=4)
def load_pipeline(model: str | None = None) -> Language:
    """The model (tagger, dependency parser, NER) plus our components, trained weights loaded."""
    return build_pipeline(model, trained=True)


def build_pipeline(model: str | None = None, trained: bool = True) -> Language:
    """`trained=False` stops before the learned event and company steps (what training parses with)."""
    # The parser's dependencies tell the learned steps who acts on what; the sentence recogniser
    # it replaces would be faster but blind to that.
    nlp = spacy.load(ensure_model_available(model), exclude=["senter"])
    # Each component module adds what it needs (rulers before `ner`, its component at the end);
    # order matters: events read the figures and companies found before them.
    _figures.add_to_pipeline(nlp)
    _companies.add_to_pipeline(nlp, trained=trained)
    _events.add_to_pipeline(nlp, trained=trained)
    return nlp


def extract_record(title: str, text: str, nlp: Language | None = None) -> dict:
    """GUIDELINES record ({"figures", "companies", "events"}) for one article."""
    nlp = nlp or load_pipeline()
    joined, offset = _join(title, text)
    doc = nlp(joined)
    doc.user_data[TEXT_OFFSET_KEY] = offset
    return doc_to_record(doc)


def extract_records(
    items: Iterable[tuple[str, str, str]],
    nlp: Language | None = None,
    batch_size: int = 16,
    n_process: int = 1,
) -> Iterator[tuple[str, dict]]:
    """(id, title, text) → (id, record), streaming."""
    nlp = nlp or load_pipeline()
    items = list(items)
    joined = [_join(title, text) for _, title, text in items]
    texts = (text for text, _ in joined)
    docs = nlp.pipe(texts, batch_size=batch_size, n_process=n_process)
    for (ident, _, _), (_, offset), doc in zip(items, joined, docs):
        doc.user_data[TEXT_OFFSET_KEY] = offset
        yield ident, doc_to_record(doc)


def _join(title: str, text: str) -> tuple[str, int]:
    """The Doc text (title, blank line, cleaned text) and where the article text starts in it."""
    text = _analysed_part(clean_text(text or ""))
    title = " ".join((title or "").split())[:MAX_TITLE_CHARS]
    if not title:
        return text, 0
    return f"{title}\n\n{text}", len(title) + 2
