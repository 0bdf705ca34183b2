"""trade_companies: business enterprises named in an article (GUIDELINES, "Companies").

Pipes added by `add_to_pipeline`:
  company_ruler   an entity_ruler before `ner` (patterns: data/companies.jsonl):
                  known firms as ORG (with their country in the entity id), product and
                  technology terms as PRODUCT ("NAND"), and ministries written in lowercase
                  ("Ministry of trade, industry and energy") as one ORG.
  trade_companies separates firms from governments, ministries, agencies, central banks,
                  courts, parliaments, associations, unions, international bodies,
                  universities, news sources, products and places, joins the forms one firm
                  takes in the article, and sets `doc._.companies`:
                  [{"name", "aliases", "mentions": [{"text", "start", "end"}], "country"}]
                  (char offsets into doc.text; country ISO alpha-2 or None).

How a name is judged: see `extract.companies.evidence` (votes) and
`extract.companies.grouping` (one firm, many forms). All word lists are data files under
`extract/companies/data/`, named in the component's config.
"""
from __future__ import annotations

import json
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from extract.companies.context_evidence import context_votes
from extract.companies.evidence import (
    COMPANY,
    acronym_after,
    acronym_definition_votes,
    default_votes,
    find_candidates,
)
from extract.companies.features import group_features
from extract.companies.grouping import company_record, group_candidates, group_verdict
from extract.companies.knowledge import DEFAULT_PATHS, CompanyKnowledge, resolve_path
from extract.companies.name_evidence import name_votes
from extract.linear import LinearModel

if not Doc.has_extension("companies"):
    Doc.set_extension("companies", default=None)

RULER_NAME = "company_ruler"
MODEL_DIR = Path(__file__).resolve().parent / "model"
RULER_PATTERNS = "data/companies.jsonl"


class CompanyFinder:
    """Candidates and their votes come from the data files (evidence.py); whether a group of
    candidates is a business is decided by the learned model in model/ (`make train`), or, with
    `trained = false`, by the votes alone (what training reads)."""

    def __init__(self, nlp: Language, name: str, trained: bool = True, **paths: str):
        self.name = name
        self.paths = paths
        self.trained = trained
        self.known = CompanyKnowledge.from_files(**paths)
        self._common = _common_words(nlp)
        self.model: LinearModel | None = None
        self.threshold = 0.5

    def initialize(self, get_examples=None, *, nlp: Language | None = None, model_dir: str | None = None) -> None:
        if self.trained:
            self._load(Path(model_dir) if model_dir else MODEL_DIR)

    def _load(self, path: Path) -> None:
        self.model = LinearModel.from_disk(path)
        self.threshold = float(self.model.meta.get("threshold", 0.5))

    def to_disk(self, path, exclude=()) -> None:
        if self.model is not None:
            self.model.to_disk(Path(path))

    def from_disk(self, path, exclude=()) -> "CompanyFinder":
        if (Path(path) / "model.json").exists():
            self._load(Path(path))
        return self

    def __call__(self, doc: Doc) -> Doc:
        if self.trained and self.model is None:
            self.initialize()
        doc._.companies = self.find(doc)
        return doc

    def find(self, doc: Doc) -> list[dict]:
        text = doc.text
        groups = self.candidate_groups(doc, every=self.model is not None)
        if self.model is not None:
            scores = self.model.predict([group_features(g, doc) for g in groups])[:, 0] if groups else []
            kept = [g for g, p in zip(groups, scores) if p >= self.threshold]
        else:
            kept = [g for g in groups if rule_verdict(g)]
        records = [company_record(g, self.known, text) for g in kept]
        records.sort(key=lambda r: r["mentions"][0]["start"] if r["mentions"] else 0)
        return records

    def candidate_groups(self, doc: Doc, every: bool = True) -> list[list]:
        """Every candidate name, with its votes, grouped into firms (one group, many forms);
        `every=False` leaves out the names the votes firmly call something else."""
        text = doc.text
        if not text.strip():
            return []
        known = self.known
        candidates = find_candidates(doc, known, text)
        if not candidates:
            return []
        headline_end = _headline_end(text)
        doc_gpes = {" ".join(e.text.split()) for e in doc.ents if e.label_ == "GPE"}
        person_words = _person_words(doc, known)
        for candidate in candidates:
            candidate.headline = candidate.span.start_char < headline_end
            name_votes(candidate, known, doc_gpes, self._common)
        _share_definitions(candidates, known)
        _share_acronym_votes(candidates, known)
        _legal_suffix_form_votes(candidates, known)
        firm_names = {c.text for c in candidates if c.best()[0] == COMPANY}
        lower_words = {t.text for t in doc if t.is_lower}
        for candidate in candidates:
            context_votes(candidate, known, firm_names)
            default_votes(candidate, known, self._common, person_words, lower_words)
        # names that are firmly something else, or something else with no word for a firm,
        # never join a firm's forms; they stay candidates of their own (the model may disagree)
        firm = [c for c in candidates if c.best()[0] not in (None, COMPANY)
                and (c.best()[1] >= 3 or not any(k == COMPANY for k, _, _ in c.votes))]
        loose = [c for c in candidates if c not in firm]
        groups = group_candidates(loose, known, self._common)
        if not every:
            return groups
        alone: dict[str, list] = {}
        for candidate in firm:
            alone.setdefault(candidate.text, []).append(candidate)
        return groups + list(alone.values())


def rule_verdict(group: list) -> bool:
    """The votes' own answer: a firm, unless the name was seen only in a capitalised Reuters
    headline without a known-firm entry."""
    if group_verdict(group) != COMPANY:
        return False
    return not (all(c.headline for c in group) and not any(c.ent_id.startswith(COMPANY) for c in group))


def _share_acronym_votes(candidates, known: CompanyKnowledge) -> None:
    """"General System of Preferences (GSP)": the acronym is whatever its expansion is."""
    by_text: dict[str, list] = {}
    for candidate in candidates:
        by_text.setdefault(candidate.text, []).append(candidate)
    by_initials: dict[str, tuple[str, float, str]] = {}
    for candidate in candidates:
        acronym = acronym_after(candidate.span)
        known_kind = known.known_class(acronym) if acronym else None
        if known_kind and candidate.best()[1] < 3:
            # "… Tariffs and Trade (GATT)": a name cut short is what its acronym is; a name that
            # says what it is itself ("London Stock Exchange (LSE)") wins over an acronym list
            candidate.vote(known_kind, 3.5, f"spelt out as {acronym}")
        kind, strength = candidate.best()
        if not kind or kind == COMPANY or strength < 3:
            continue
        if acronym:
            for other in by_text.get(acronym, []):
                other.vote(kind, strength, f"acronym of {candidate.text}")
        initials = "".join(t.text[0] for t in candidate.span if t.is_alpha and t.text[0].isupper())
        if len(initials) >= 2:
            by_initials.setdefault(initials, (kind, strength, candidate.text))
    # "ITA" later in a text that spelt out "the International Tin Agreement"
    for text, group in by_text.items():
        if text in by_initials and text.isupper():
            kind, strength, expansion = by_initials[text]
            for other in group:
                other.vote(kind, strength, f"initials of {expansion}")


def _share_definitions(candidates, known: CompanyKnowledge) -> None:
    """"research institute Ifo" once defines every "Ifo" of the article."""
    defined: dict[str, list] = {}
    for candidate in candidates:
        before = len(candidate.votes)
        acronym_definition_votes(candidate, known)
        if len(candidate.votes) > before:
            defined.setdefault(candidate.text, []).extend(candidate.votes[before:])
    for candidate in candidates:
        for vote in defined.get(candidate.text, []):
            if vote not in candidate.votes:
                candidate.vote(*vote)


def _legal_suffix_form_votes(candidates, known: CompanyKnowledge) -> None:
    """A name the article writes with a legal suffix is a firm's, in every form: "MMC Sittipol
    Co Ltd" / "MMC Sittipol" (beats a first-word guess such as "MMC" the commission, not a
    known organisation's own full name)."""
    bases = set()
    for candidate in candidates:
        words = candidate.text.split()
        k = len(words)
        while k > 1 and words[k - 1].lower().rstrip(".") in known.legal_suffixes:
            k -= 1
        if k < len(words):
            bases.add(" ".join(words[:k]).rstrip(","))
    for candidate in candidates:
        words = candidate.text.split()
        k = len(words)
        while k > 1 and words[k - 1].lower().rstrip(".") in known.legal_suffixes:
            k -= 1
        if len(words) > 1 and " ".join(words[:k]).rstrip(",") in bases:
            candidate.vote(COMPANY, 3.25, "written with a legal suffix in this article")


def _common_words(nlp: Language):
    """English common-word test from the lemmatizer's word index (when the model has one)."""
    words: set[str] = set()
    if "lemmatizer" in nlp.pipe_names or "lemmatizer" in getattr(nlp, "disabled", []):
        try:
            table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
            for entries in table.values():
                words.update(entries)
        except (KeyError, AttributeError, ValueError):
            pass

    def is_common(word: str) -> bool:
        word = word.lower()
        return word in words or word.rstrip("s") in words or (word.endswith("ies") and word[:-3] + "y" in words)

    return is_common


def _headline_end(text: str) -> int:
    """End offset of a leading all-capitals title line (Reuters), else 0."""
    first_line = text.split("\n", 1)[0]
    letters = [ch for ch in first_line if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) / len(letters) > 0.8:
        return len(first_line)
    return 0


def _person_words(doc: Doc, known: CompanyKnowledge) -> set[str]:
    """Lowercased surnames of people in the article ("volcker" from "Paul Volcker") and names
    seen after a title ("Mr Macaefa")."""
    words = set()
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        tokens = [t for t in ent if t.is_alpha]
        if len(tokens) >= 2 and all(t.is_title for t in tokens):
            words.update(t.lower_ for t in tokens[1:])       # "Mario Rodriguez Montero"
        if ent.start > 0 and doc[ent.start - 1].lower_.rstrip(".") in known.person_titles:
            words.add(" ".join(t.lower_.replace(".", "") for t in ent if not t.is_punct))
    # "Wang Chao-Ming, vice-chairman …" then "Wang said": a bare first or last word of a person's
    # name before a verb of saying is that person (Chinese names put the surname first)
    name_ends = set()
    for ent in doc.ents:
        tokens = [t for t in ent if t.is_alpha]
        if ent.label_ == "PERSON" and len(tokens) >= 2 and all(t.text[0].isupper() for t in tokens):
            name_ends.update((tokens[0].lower_, tokens[-1].lower_))
    for i in range(1, len(doc) - 1):
        token, before = doc[i], doc[i - 1]
        if token.lower_ not in name_ends or not token.text[0].isupper():
            continue
        titled = before.lower_.rstrip(".") in known.person_titles          # "Mr Glazer"
        if titled or doc[i + 1].lower_ in known.speech_verbs:
            words.add(token.lower_)
    # "Mr Taurel" later in the text makes "Sidney Taurel" a person whatever the model said
    surnames = {doc[i + 1].lower_ for i in range(len(doc) - 1)
                if doc[i].lower_.rstrip(".") in {"mr", "mrs", "ms", "dr"} and doc[i + 1].is_title}
    for ent in doc.ents:
        tokens = [t for t in ent if t.is_alpha]
        if 2 <= len(tokens) <= 3 and all(t.is_title for t in tokens) and tokens[-1].lower_ in surnames:
            words.add(" ".join(t.lower_ for t in tokens))
    return words


@Language.factory(
    "trade_companies",
    default_config={
        "trained": True,
        "legal_suffixes_path": DEFAULT_PATHS["legal_suffixes_path"],
        "group_suffixes_path": DEFAULT_PATHS["group_suffixes_path"],
        "organisations_path": DEFAULT_PATHS["organisations_path"],
        "cues_path": DEFAULT_PATHS["cues_path"],
        "country_aliases_path": DEFAULT_PATHS["country_aliases_path"],
        "given_names_path": DEFAULT_PATHS["given_names_path"],
    },
)
def make_trade_companies(
    nlp: Language,
    name: str,
    trained: bool,
    legal_suffixes_path: str,
    group_suffixes_path: str,
    organisations_path: str,
    cues_path: str,
    country_aliases_path: str,
    given_names_path: str,
) -> CompanyFinder:
    return CompanyFinder(
        nlp,
        name,
        trained=trained,
        legal_suffixes_path=legal_suffixes_path,
        group_suffixes_path=group_suffixes_path,
        organisations_path=organisations_path,
        cues_path=cues_path,
        country_aliases_path=country_aliases_path,
        given_names_path=given_names_path,
    )


def load_ruler_patterns(path: str | Path = RULER_PATTERNS) -> list[dict]:
    with open(resolve_path(path), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def add_to_pipeline(nlp: Language, trained: bool = True) -> None:
    """Add this module's pipes to `nlp` (called by extract.nlp.load_pipeline)."""
    if RULER_NAME not in nlp.pipe_names:
        where = {"before": "ner"} if "ner" in nlp.pipe_names else {"last": True}
        ruler = nlp.add_pipe(
            "entity_ruler", name=RULER_NAME, config={"overwrite_ents": False, "validate": True}, **where
        )
        # Phrase patterns only need the tokenizer: keep the model's pipes out of it.
        others = [pipe for pipe in nlp.pipe_names if pipe != RULER_NAME]
        with nlp.select_pipes(disable=others):
            ruler.add_patterns(load_ruler_patterns())
    if "trade_companies" not in nlp.pipe_names:
        nlp.add_pipe("trade_companies", last=True, config={"trained": trained}).initialize(nlp=nlp)
