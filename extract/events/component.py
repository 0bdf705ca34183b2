"""trade_events: trade-policy events (GUIDELINES "Policy events") as `doc._.events`.

Pipes added by `add_to_pipeline`:
  trade_jurisdictions  countries / blocs / bodies → doc.spans["jurisdictions"] (extract.lexicons)
  trade_event_cues     measure cues (data/events.jsonl) and status cues (data/events_status.jsonl)
                       → doc.spans["trade_event_cues"], doc.spans["trade_event_status"]: knowledge
                       written down once, read by the learned steps as features
  trade_events         the learned steps (extract.events.inference: types per sentence, actors,
                       article-level measures, status, targets; weights in model/, built by
                       `make train`), then product, HS chapters, stated dates and evidence
"""
from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

import tomli_w
from spacy.language import Language
from spacy.tokens import Doc, Span

from core.hs import product_terms
from extract.events import inference
from extract.events.cues import CueMatcher, read_patterns
from extract.events.hs import HsLexicon
from extract.linear import LinearModel
from extract.events.windows import Window, build_windows
from extract.lexicons import jurisdictions as _jurisdictions  # noqa: F401  (registers trade_jurisdictions)
from extract.sentences import ents_near

if not Doc.has_extension("events"):
    Doc.set_extension("events", default=None)

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
DATA_DIR = PACKAGE / "data"
MODEL_DIR = PACKAGE / "model"
MODEL_NAMES = ("types", "actors", "pairs", "statuses", "targets")
ERROR_KEY = "trade_events_error"
CUE_KEY = "trade_event_cues"
STATUS_KEY = "trade_event_status"
JURISDICTION_KEY = "jurisdictions"
BLOCK_LABEL = "none"


class EventCues:
    """Marks measure and status cues, sentence by sentence (a bounded number per sentence)."""

    def __init__(self, nlp: Language, name: str, max_cues_per_sentence: int):
        self.nlp = nlp
        self.name = name
        self.max_cues_per_sentence = max_cues_per_sentence
        self.cue_patterns: list[dict] = []
        self.status_patterns: list[dict] = []
        self._matchers: tuple[CueMatcher, CueMatcher] | None = None

    def initialize(self, get_examples=None, *, nlp: Language | None = None, cue_patterns: str | None = None,
                   status_patterns: str | None = None) -> None:
        self.cue_patterns = read_patterns(Path(cue_patterns) if cue_patterns else DATA_DIR / "events.jsonl")
        self.status_patterns = read_patterns(Path(status_patterns) if status_patterns else DATA_DIR / "events_status.jsonl")
        self._matchers = None

    def _matcher_pair(self) -> tuple[CueMatcher, CueMatcher]:
        if self._matchers is None:
            if not self.cue_patterns:
                self.initialize()
            self._matchers = (CueMatcher(self.nlp, self.cue_patterns, self.max_cues_per_sentence),
                              CueMatcher(self.nlp, self.status_patterns, self.max_cues_per_sentence))
        return self._matchers

    def __call__(self, doc: Doc) -> Doc:
        cues, statuses = self._matcher_pair()
        windows = [w.span for w in build_windows(doc, [], [], [])]
        found = [c for c in cues(windows) if c.label_ != BLOCK_LABEL]
        doc.spans[CUE_KEY] = found
        doc.spans[STATUS_KEY] = statuses(windows)
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name, patterns in (("events.jsonl", self.cue_patterns), ("events_status.jsonl", self.status_patterns)):
            (path / name).write_text("".join(json.dumps(p) + "\n" for p in patterns), encoding="utf-8")

    def from_disk(self, path, exclude=()) -> "EventCues":
        self.initialize(cue_patterns=str(Path(path) / "events.jsonl"),
                        status_patterns=str(Path(path) / "events_status.jsonl"))
        return self


class TradeEvents:
    def __init__(self, nlp: Language, name: str, jurisdiction_key: str):
        self.nlp = nlp
        self.name = name
        self.jurisdiction_key = jurisdiction_key
        self.models: inference.Models | None = None
        self.phrases: dict = {}
        self.hs: HsLexicon | None = None

    # --- loading ---------------------------------------------------------------------------
    def initialize(self, get_examples=None, *, nlp: Language | None = None, model_dir: str | None = None) -> None:
        """Weights from `model_dir` (default: the ones `make train` wrote into the package)."""
        self._load(Path(model_dir) if model_dir else MODEL_DIR)

    def _load(self, path: Path) -> None:
        loaded = {name: LinearModel.from_disk(path / name) for name in MODEL_NAMES}
        settings = json.loads((path / "settings.json").read_text(encoding="utf-8"))
        self.models = inference.Models(**loaded, pair_threshold=settings["pair_threshold"],
                                       target_threshold=settings["target_threshold"], extra=settings)
        phrases = path / "phrases.toml" if (path / "phrases.toml").exists() else DATA_DIR / "phrases.toml"
        self.phrases = tomllib.loads(phrases.read_text(encoding="utf-8"))
        self.hs = HsLexicon(self.nlp, product_terms())

    def to_disk(self, path, exclude=()) -> None:
        if self.models is None:
            self.initialize()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name in MODEL_NAMES:
            getattr(self.models, name).to_disk(path / name)
        (path / "settings.json").write_text(json.dumps(self.models.extra, indent=1), encoding="utf-8")
        (path / "phrases.toml").write_text(tomli_w.dumps(self.phrases), encoding="utf-8")

    def from_disk(self, path, exclude=()) -> "TradeEvents":
        self._load(Path(path))
        return self

    # --- per document ----------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        if self.models is None:
            self.initialize()
        try:
            doc._.events = self.extract(doc)
        except Exception as error:  # one odd text must not sink the batch it came in
            logger.warning("trade_events failed on a %d-character text: %r", len(doc.text), error)
            doc.user_data[ERROR_KEY] = f"trade_events: {error!r}"
            doc._.events = []
        return doc

    def windows(self, doc: Doc) -> list[Window]:
        return build_windows(doc, list(doc.spans.get(CUE_KEY, [])), list(doc.spans.get(STATUS_KEY, [])),
                             list(doc.spans.get(self.jurisdiction_key, [])))

    def extract(self, doc: Doc) -> list[dict]:
        windows = self.windows(doc)
        hs_matches = self.hs.matches(doc) if windows else []
        events = []
        for found in inference.infer(windows, self.models):
            best: Window = found["windows"][0]
            product, chapters = self._product(doc, best, hs_matches)
            announced, effective = self._dates(doc, best, found["status"])
            sentence = best.span
            text = sentence.text
            events.append({
                "type": found["type"], "actor": found["actor"], "targets": found["targets"],
                "status": found["status"], "product": product, "hs_chapters": chapters,
                "evidence": text.strip(),
                "start": sentence.start_char + (len(text) - len(text.lstrip())),
                "end": sentence.end_char - (len(text) - len(text.rstrip())),
                "announced": announced, "effective": effective, "confidence": found["confidence"],
            })
        return events

    # --- product and dates (stored, not scored) ---------------------------------------------
    def _product(self, doc: Doc, window: Window, hs_matches) -> tuple[str, list[str]]:
        words = self.phrases["product"]
        for cue in window.cues:
            phrase = _phrase_after(doc, cue, window.span, words)
            if phrase is not None:
                return " ".join(phrase.text.split()), HsLexicon.chapters_within(hs_matches, phrase.start, phrase.end)
        inside = [m for m in hs_matches if m.start >= window.start and m.end <= window.end]
        if inside:
            return inside[0].term, list(inside[0].chapters)
        return "", []

    def _dates(self, doc: Doc, window: Window, status: str) -> tuple[str | None, str | None]:
        words = self.phrases["dates"]
        dates = [e for e in ents_near(doc, window.start, window.end) if e.label_ == "DATE"]
        announced = effective = None
        for date in dates:
            previous = doc[date.start - 1].lower_ if date.start > window.start else ""
            if previous in words["effective_markers"] and effective is None:
                effective = " ".join(date.text.split())
        if effective is None and status in ("in_effect", "lifted") and dates and window.cues:
            cue = window.cues[0]
            close = [d for d in dates if abs(d.start - cue.end) <= 8 or abs(cue.start - d.end) <= 8]
            if close:
                effective = " ".join(close[0].text.split())
        for date in dates:
            near = range(max(window.start, date.start - 4), min(window.end, date.start + 5))
            if " ".join(date.text.split()) != effective and any(
                    doc[i].lemma_.lower() in words["announced_verbs"] for i in near):
                announced = " ".join(date.text.split())
                break
        return announced, effective


def _phrase_after(doc: Doc, cue: Span, window: Span, words: dict) -> Span | None:
    """"tariffs on Japanese electronics" → "Japanese electronics": the goods named after a cue."""
    i = cue.end
    while i < window.end and doc[i].is_space:
        i += 1
    if i >= window.end or doc[i].lower_ not in words["lead_in"]:
        return None
    i += 1
    while i < window.end and (doc[i].pos_ in ("DET", "NUM", "SPACE") or doc[i].lower_ in words["skip"]):
        i += 1
    start = i
    while i < window.end and i - start < words["max_tokens"]:
        token = doc[i]
        # Goods are common nouns: names, dates and amounts end the phrase.
        if (token.lower_ in words["stop"] or token.ent_type_ in words["stop_entities"]
                or not (token.pos_ in ("NOUN", "PROPN", "ADJ", "CCONJ") or token.is_space or token.text == "-")):
            break
        i += 1
    while i > start and (doc[i - 1].pos_ == "CCONJ" or doc[i - 1].is_punct or doc[i - 1].is_space):
        i -= 1
    phrase = doc[start:i]
    if not any(t.pos_ == "NOUN" and t.lemma_.lower() not in words["stop"] for t in phrase):
        return None
    return phrase


@Language.factory(
    "trade_event_cues",
    # a bound on work, not a rule of language: no real sentence names this many measures
    default_config={"max_cues_per_sentence": 24},
)
def make_trade_event_cues(nlp: Language, name: str, max_cues_per_sentence: int) -> EventCues:
    return EventCues(nlp, name, max_cues_per_sentence)


@Language.factory("trade_events", default_config={"jurisdiction_key": JURISDICTION_KEY})
def make_trade_events(nlp: Language, name: str, jurisdiction_key: str) -> TradeEvents:
    return TradeEvents(nlp, name, jurisdiction_key)


def add_to_pipeline(nlp: Language, trained: bool = True) -> None:
    """Add this package's pipes to `nlp` (called by extract.nlp.load_pipeline); `trained=False`
    stops before the learned step (training reads the cues and jurisdictions it needs)."""
    if "trade_jurisdictions" not in nlp.pipe_names:
        nlp.add_pipe("trade_jurisdictions", last=True)
    nlp.add_pipe("trade_event_cues", last=True).initialize(nlp=nlp)
    if trained:
        nlp.add_pipe("trade_events", last=True).initialize(nlp=nlp)
