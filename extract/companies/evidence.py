"""Candidate organisation names in a Doc and the evidence for or against each being a company.

A candidate is a token span (a model or ruler entity, a Reuters "<Name>" tag, or a name
in a list hung from a cue noun: "the six factories were A, B and C"). Each gets votes:
a class ("company", "news", "government", "product", "person", "place", …) with a
strength — 3 for what the name itself says (known lists, legal suffix, head word),
2 for what its context says (cue noun before it, appositive, noun after it),
1 for the model's bare ORG label. `extract.companies.grouping` weighs the votes of all
mentions of one firm together.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extract.companies.knowledge import CompanyKnowledge
from extract.sentences import sentence_of

COMPANY = "company"
# NORP ("Korean", "Swiss") never names a firm, so demonyms are not candidates.
ORG_LIKE_LABELS = {"ORG", "PERSON", "GPE", "PRODUCT", "FAC", "WORK_OF_ART", "LOC"}
NAME_PREPOSITIONS = {"of", "for", "on", "in", "de", "du", "des", "der", "di", "del", "da", "do"}
NAME_JOINERS = {"&", "and", "of", "de", "du", "des", "der", "di", "del", "da", "do", "-", "'s", "for", "on",
                "the", "la", "le", "van", "von", "y", "e", "et", "und"}
_BRACKETED = re.compile(r"<([A-Z][^<>\n]{1,80}?)>")
_QUOTE_S = re.compile(r'"s$')
# "<TSBA.T>" after a name is its ticker (Reuters), not a name of its own.
TICKER = re.compile(r"[A-Z0-9]{1,6}(\.[A-Z]{1,2})?")


@dataclass
class Candidate:
    span: Span
    label: str                      # entity label, "BRACKET", "LIST" or "ECHO" (an untagged repeat)
    ent_id: str = ""
    votes: list[tuple[str, float, str]] = field(default_factory=list)   # (class, strength, why)
    country: str | None = None
    headline: bool = False
    model_number: bool = False      # "Boeing 747": the name came before a model number

    @functools.cached_property
    def text(self) -> str:
        # Reuters writes the possessive as 'Ecuador"s', inside one token (cached: asked often)
        return _QUOTE_S.sub("", " ".join(self.span.text.split()))

    def vote(self, kind: str, strength: float, why: str) -> None:
        self.votes.append((kind, strength, why))

    def best(self) -> tuple[str | None, float]:
        """Strongest class; a company vote wins ties at strength ≥ 2 (context says firm)."""
        if not self.votes:
            return None, 0.0
        top = max(s for _, s, _ in self.votes)
        kinds = {k for k, s, _ in self.votes if s == top}
        if COMPANY in kinds and (len(kinds) == 1 or top >= 2):
            return COMPANY, top
        kinds.discard(COMPANY)
        return sorted(kinds)[0], top


# No name runs longer than this many tokens: walks along a capitalised run stop there, which
# keeps each judgement bounded (linear time on a megabyte of "Acme Co., Ltd. Acme Co., …").
MAX_NAME_TOKENS = 15
TRAILING_WORDS = {"of", "and", "for", "the", "&", "on", "in", "to", "de"}


def trim(span: Span) -> Span | None:
    """Drop a leading "the", surrounding punctuation, a trailing possessive or model number
    ("Boeing 747" → Boeing), an unclosed bracket ("International Coffee Organization (ICO")
    and anything before a paragraph break (a title running into the text)."""
    start, end = span.start, span.end
    doc = span.doc
    for k in range(start, end):
        if "\n\n" in doc[k].text_with_ws and k + 1 < end:
            start = k + 1
    for k in range(start, end):
        if doc[k].text in {"(", "[", "<"}:
            end = k
            break
    while end - start > 1 and (doc[end - 1].is_digit or (any(ch.isdigit() for ch in doc[end - 1].text)
                                                         and any(ch.isalpha() for ch in doc[end - 1].text))):
        end -= 1
    while end - start > 1 and doc[end - 1].lower_ in TRAILING_WORDS:
        end -= 1
    def bare(token) -> bool:          # punctuation, symbols ("<", ">"), spaces
        return not any(ch.isalnum() for ch in token.text)

    while start < end and (doc[start].lower_ == "the" or bare(doc[start])):
        start += 1
    while end > start and (bare(doc[end - 1]) or doc[end - 1].lower_ in {"'s", "’s"}):
        end -= 1
    # Reuters writes the possessive as "Ecuador"s"
    if end - start > 2 and doc[end - 1].lower_ == "s" and doc[end - 2].text in {'"', "'", "’"}:
        end -= 2
    if start >= end or not any(ch.isalpha() for ch in doc[start:end].text):
        return None
    return doc[start:end]


def find_candidates(doc: Doc, known: CompanyKnowledge, text: str | None = None) -> list[Candidate]:
    """Candidate spans; `text` is doc.text when the caller has it (spaCy rebuilds it per access)."""
    text = doc.text if text is None else text
    candidates: list[Candidate] = []
    seen: set[tuple[int, int]] = set()

    def add(span: Span | None, label: str, ent_id: str = "") -> Candidate | None:
        if span is None:
            return None
        original = span
        span = trim(span)
        model_number = span is not None and any(t.like_num or any(ch.isdigit() for ch in t.text)
                                                for t in original.doc[span.end:original.end])
        # "Airline Solvard Air Ltd" at a sentence start: the cue noun is not part of the name
        # "MMC Sittipol Co Ltd of Thailand": the name ends at its legal suffix
        if span is not None:
            for k in range(span.start + 1, span.end - 1):
                if _is_legal_suffix(span.doc[k], known) and span.doc[k + 1].lower_ in {"of", "in"}:
                    span = span.doc[span.start:k + 1]
                    break
        while span is not None and len(span) > 1 and known.context_nouns.get(span[0].lower_) == COMPANY \
                and span[0].is_title and span[0].is_sent_start:
            span = span[1:]
        # a model "entity" thousands of tokens long (word soup) names nothing, and matching it
        # against the text again would cost its length at every token
        if span is None or len(span) > MAX_NAME_TOKENS or (span.start, span.end) in seen:
            return None
        seen.add((span.start, span.end))
        candidate = Candidate(span=span, label=label, ent_id=ent_id, model_number=model_number)
        candidates.append(candidate)
        return candidate

    # Reuters marks companies without a ticker as "<Toyo Umpanki Co Ltd>".
    for match in _BRACKETED.finditer(text):
        if TICKER.fullmatch(match.group(1)):
            continue
        span = doc.char_span(match.start(1), match.end(1), alignment_mode="expand")
        candidate = add(span, "BRACKET")
        if candidate:
            candidate.vote(COMPANY, 3, "bracketed name")
    for ent in doc.ents:
        if ent.label_ in ORG_LIKE_LABELS:
            add(_with_company_words(ent, known), ent.label_, ent.ent_id_)
    # "<Chrysler Canada Ltd> said": a capitalised run ending in a legal suffix names a firm even
    # where the model tagged only part of it (or none).
    # (`name_evidence.name_votes` judges them: the suffix votes for a firm, a generic "The Company" against)
    suffixed = [c for span in legal_suffix_names(doc, known) if (c := add(span, "SUFFIX"))]
    if suffixed:
        # the model's "Chrysler" inside "Chrysler Canada Ltd" is that longer name's mention
        # (token → the suffixed name covering it: linear however many names there are)
        cover = {t: s for s in suffixed for t in range(s.span.start, s.span.end)}
        candidates[:] = [c for c in candidates if (s := cover.get(c.span.start)) is None or s is c
                         or c.span.end > s.span.end]
    # other occurrences of the same names, untagged by the model, so their context can vote
    # (one PhraseMatcher pass: linear in the text however many names there are)
    taken = {i for c in candidates for i in range(c.span.start, c.span.end)}
    matcher = PhraseMatcher(doc.vocab)
    for words in {tuple(t.text for t in c.span if not t.is_space) for c in candidates if len(c.text) > 2}:
        matcher.add("FORM", [Doc(doc.vocab, words=list(words))])
    for span in sorted(matcher(doc, as_spans=True), key=lambda s: (s.start, -len(s))):
        if not any(i in taken for i in range(span.start, span.end)):
            if add(span, "ECHO"):
                taken.update(range(span.start, span.end))
    for span, kind in cue_lists(doc, known):
        candidate = add(span, "LIST")
        if candidate is None:
            candidate = next((c for c in candidates if c.span.start == span.start and c.span.end == span.end), None)
        if candidate is not None and kind == COMPANY:
            candidate.vote(COMPANY, 2, "listed after a company noun")
    return candidates


def _with_company_words(ent: Span, known: CompanyKnowledge) -> Span:
    """A known firm's name followed by capitalised firm words is the fuller name of a unit:
    "Barclays Capital", "Chrysler Motors" (the ruler matched only "Barclays")."""
    if not ent.ent_id_.startswith(COMPANY):
        return ent
    doc, end = ent.doc, ent.end
    while end < len(doc) and end - ent.end < 3 and doc[end].is_title and doc[end].lower_ in known.company_words:
        end += 1
    return doc[ent.start:end] if end > ent.end else ent


def _is_legal_suffix(token, known: CompanyKnowledge) -> bool:
    return (token.is_title or token.is_upper) and token.lower_.rstrip(".") in known.legal_suffixes


def legal_suffix_names(doc: Doc, known: CompanyKnowledge) -> list[Span]:
    """Capitalised runs that end in a legal suffix ("MMC Sittipol Co Ltd"), within one line."""
    found, i, n = [], 0, len(doc)
    while i < n:
        token = doc[i]
        if not _is_legal_suffix(token, known) or (i + 1 < n and doc[i + 1].text == "-"):
            i += 1
            continue
        end = i + 1
        while end < n and _is_legal_suffix(doc[end], known):
            end += 1
        start, k = i, i - 1
        while k >= 0 and i - k <= 8 and "\n\n" not in doc[k].text_with_ws:
            word = doc[k]
            if _is_legal_suffix(word, known) or \
                    not (word.is_title or (word.is_upper and word.is_alpha) or word.lower_ in {"&", "and"}):
                break      # another firm's suffix ends the run: "Sittipol Motor Co and United …"
            if word.lower_ in {"&", "and"} and k > 0 and doc[k - 1].ent_id_.startswith(COMPANY) and k + 1 < i:
                break      # a known firm before the "and" is another firm: "Shinhan Bank and Quillon Steel Ltd"
                           # (but "Goldman Sachs and Co", "Cable and Wireless Plc" are one name)
            start, k = k, k - 1
        while start < i and doc[start].lower_ in {"&", "and"}:
            start += 1
        if start < i and not (doc[start].is_sent_start and doc[start].lower_ in known.context_nouns):
            found.append(doc[start:end])
        i = end
    return found


def acronym_definition_votes(candidate: Candidate, known: CompanyKnowledge) -> None:
    """"mad cow disease (BSE)", "the commodity board MVO", "research institute Ifo": the noun
    next to a short name says what it is. Known firms keep their entry ("BMW unit" is no unit)."""
    span = candidate.span
    if len(span) != 1 or not span[0].text[:1].isupper() or not 2 <= len(span[0].text) <= 12 \
            or candidate.ent_id.startswith(COMPANY):
        return
    doc, definers = span.doc, known.acronym_definers
    k = span.start - 1
    if k >= 0 and doc[k].is_lower and doc[k].lower_ in definers:
        candidate.vote(definers[doc[k].lower_], 3.5, f"named after '{doc[k].text}'")
        return
    if not span[0].is_upper or len(span[0].text) > 6:
        return
    # in apposition after a lowercase phrase: "the commodity board for margarine, fats and oils, MVO"
    separated = False
    while k >= 0 and doc[k].lower_ in {"the", "a", "an"}:
        k -= 1
    while k >= 0 and doc[k].text in {"(", ",", "-", "—"}:
        k, separated = k - 1, True
    stop = max(-1, k - 10)
    while separated and k > stop and (doc[k].is_lower or doc[k].text == ","):
        if doc[k].lower_ in definers:
            candidate.vote(definers[doc[k].lower_], 3.5, f"acronym after '{doc[k].text}'")
            return
        k -= 1
    # followed by its definition: "BSE, or mad cow disease", "MVO (the commodity board)"
    k, separated = span.end, False
    while k < len(doc) and doc[k].text in {"(", ",", "or", "-", "—"}:
        k, separated = k + 1, True
    while separated and k < len(doc) and doc[k].lower_ in {"the", "a", "an"}:
        k += 1
    stop = min(len(doc), k + 4)
    while separated and k < stop and doc[k].is_lower and doc[k].is_alpha:
        if doc[k].lower_ in definers and (k + 1 >= len(doc) or not doc[k + 1].is_lower):
            candidate.vote(definers[doc[k].lower_], 3.5, f"acronym before '{doc[k].text}'")
            return
        k += 1


# ---------------------------------------------------------------- lists of names

def _name_chunk_end(doc: Doc, i: int, limit: int) -> int:
    """End of a capitalised name starting at token i ("Precious Six Garments", "Pac-Man")."""
    j = i
    while j < limit:
        token = doc[j]
        if token.is_title or token.is_upper or (token.like_num and j > i):
            j += 1
        elif token.is_space and j > i and j + 1 < limit and (doc[j + 1].is_title or doc[j + 1].is_upper):
            j += 1
        elif token.text in {"-", "&"} and j > i and j + 1 < limit and (doc[j + 1].is_title or doc[j + 1].is_upper):
            j += 2
        else:
            break
    return j


def name_list_at(doc: Doc, start: int) -> list[tuple[int, int]]:
    """Capitalised names coordinated from token `start`: "A, B, C and D" → [(s, e), …]."""
    sentence_end = sentence_of(doc, start).end
    items, i = [], start
    while i < sentence_end:
        end = _name_chunk_end(doc, i, sentence_end)
        if end == i:
            break
        items.append((i, end))
        if end < sentence_end and doc[end].text == ",":
            end += 1
            if end < sentence_end and doc[end].lower_ == "and":
                end += 1
        elif end < sentence_end and doc[end].lower_ in {"and", "or"}:
            end += 1
        else:
            break
        i = end
    return items


def list_head_noun(doc: Doc, first: int, known: CompanyKnowledge) -> str | None:
    """The noun a list of names hangs from: "firms … include A, B" / "brands including A"."""
    i = first - 1
    if i >= 0 and doc[i].text in {":", ","}:
        i -= 1
    if i < 0:
        return None
    last = doc[i].lower_
    # "such as", "including", "like"
    for phrase in known.list_prepositions:
        n = len(phrase)
        if phrase[-1] == last and i - n + 1 >= 0 and tuple(t.lower_ for t in doc[i - n + 1:i + 1]) == phrase:
            j = i - n
            if j >= 0 and doc[j].text == ",":
                j -= 1
            while j >= 0 and doc[j].pos_ not in {"NOUN", "PROPN"} and doc[j].is_alpha and j > i - n - 3:
                j -= 1
            return doc[j].lower_ if j >= 0 and doc[j].pos_ == "NOUN" else None
    if last in known.list_verbs:
        # the subject: first cue noun from the start of the clause
        sent_start = sentence_of(doc, i).start
        j = i - 1
        while j > sent_start and doc[j].text not in {";", ":"}:
            j -= 1
        for token in doc[j:i]:
            if token.pos_ == "NOUN" and token.lower_ in known.context_nouns:
                return token.lower_
        return None
    return None


def cue_lists(doc: Doc, known: CompanyKnowledge):
    """Names listed after a cue noun, with that noun's class ("factories were A, B and C")."""
    i = 0
    n = len(doc)
    while i < n:
        token = doc[i]
        if (token.is_title or token.is_upper) and i > 0 and not (doc[i - 1].is_title or doc[i - 1].is_upper):
            head = list_head_noun(doc, i, known)
            kind = known.context_nouns.get(head) if head else None
            if kind:
                items = name_list_at(doc, i)
                if len(items) >= 2 or kind != COMPANY:
                    for s, e in items:
                        yield doc[s:e], kind
                    i = items[-1][1] if items else i + 1
                    continue
        i += 1


# ---------------------------------------------------------------- evidence

def _words(span: Span) -> list[str]:
    return [t.lower_.replace(".", "") for t in span if not t.is_punct or t.text == "&"]


def bracketed_after(span: Span) -> str | None:
    """The X of "Name (X)" (line breaks allowed), else None."""
    doc = span.doc
    tokens = [t for t in doc[span.end:min(len(doc), span.end + 6)] if not t.is_space]
    if len(tokens) >= 3 and tokens[0].text == "(" and tokens[2].text == ")":
        return tokens[1].text
    return None


def acronym_after(span: Span) -> str | None:
    """An acronym written right after a name: "Name (ABC)" or "Name, ABC," whose letters are
    the name's initials ("The Brazilian Coffee Institute, IBC, is …")."""
    bracketed = bracketed_after(span)
    if bracketed:
        return bracketed
    doc = span.doc
    tokens = [t for t in doc[span.end:min(len(doc), span.end + 6)] if not t.is_space]
    if len(tokens) >= 3 and tokens[0].text == "," and tokens[2].text in {",", "."} and tokens[1].is_upper \
            and 2 <= len(tokens[1].text) <= 6 and tokens[1].is_alpha:
        initials = [t.text[0].upper() for t in span if t.is_alpha and not t.is_lower]
        letters = tokens[1].text
        # initials in any order: "Instituto Brasileiro do Cafe" is "IBC" in English too
        if len(set(letters)) >= 2 and all(ch in initials for ch in letters):
            return letters
    return None


def default_votes(candidate: Candidate, known: CompanyKnowledge, common_words, person_words: set[str],
                  lower_words: set[str]) -> None:
    """What the model's label says, once junk it often labels ORG is set aside."""
    span = candidate.span
    words = _words(span)
    if candidate.label != "ORG" or not words:
        return
    if candidate.headline:
        return
    if " ".join(words) in person_words:
        candidate.vote("person", 2.5, "a person's name in this article")
        return
    alpha = [t for t in span if t.is_alpha]
    if len(alpha) > 1 and all(t.is_upper for t in alpha):
        candidate.vote("headline", 2.5, "all capitals")
        return
    if len(alpha) == 1 and alpha[0].is_upper and len(alpha[0]) > 5 and common_words(alpha[0].lower_):
        candidate.vote("headline", 2.5, "capitalised common word")
        return
    if any(t.tag_ in {"VBZ", "VBD", "VBP", "MD"} for t in span):
        candidate.vote("not_a_name", 2.5, "a verb inside")       # "The U.S. Wants South Korea"
        return
    if span[0].is_lower or any(t.is_lower and t.is_alpha and t.lower_ not in NAME_JOINERS for t in span):
        candidate.vote("not_a_name", 2.5, "lowercase words")
        return
    if len(words) == 1 and not span[0].is_upper and (common_words(words[0]) or common_words(span[0].lemma_)):
        # weaker when the article never writes the word in lowercase ("Toyota", "Suez")
        strength = 2.5 if words[0] in lower_words else 1.5
        candidate.vote("common_word", strength, "common word")
        return
    alpha = [t for t in span if t.is_alpha and t.lower_ not in NAME_JOINERS]
    if len(alpha) > 1 and all(common_words(t.lower_) or common_words(t.lemma_) for t in alpha) and \
            sum(t.lower_ in lower_words for t in alpha) * 2 > len(alpha):
        # "Preferential Trade Area", "Buffer Stock Manager": capitalised terms whose words the
        # article also writes in lowercase; a firm with such a name needs a word around it
        # that says so ("Aguas de Barcelona", "General Motors" keep their words capitalised)
        candidate.vote("common_words", 1.5, "only common words")
        return
    candidate.vote(COMPANY, 1, "ORG label")
