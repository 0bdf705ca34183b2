"""What the words around one mention say: votes of strength 1.5–2, and the firm's country.

`context_votes` runs every step in order (none stops the others: context adds up). The steps'
reasons become the learned company step's features.
"""
from __future__ import annotations

from typing import Callable

from extract.companies.evidence import COMPANY, Candidate, list_head_noun
from extract.companies.knowledge import CompanyKnowledge

_POSSESSIVE = {"'s", "'", "’s", "’"}
_CLAUSE_VERB_TAGS = {"VBZ", "VBD", "VBP", "MD"}


def context_votes(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """What the words around one mention say; `companies_hint` holds the names already read as firms."""
    for step in CONTEXT_STEPS:
        step(candidate, known, companies_hint)


def possessive_owner(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """"Japan's Honda" gives a country; "Sony's Playstation" a product."""
    doc, start = candidate.span.doc, candidate.span.start
    if start >= 2 and doc[start - 1].lower_ in _POSSESSIVE:
        owner_end = start - 1
        owner_start = owner_end - 1
        while owner_start > 0 and (doc[owner_start - 1].is_title or doc[owner_start - 1].is_upper):
            owner_start -= 1
        owner = " ".join(doc[owner_start:owner_end].text.split())
        code = known.country_code(owner)
        if code:
            candidate.country = candidate.country or code
        elif owner in companies_hint:
            candidate.vote("product", 2, f"owned by {owner}")


def country_nearby(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """"Iraqi Telecommunications …", "the Japanese carmaker Toyota", "a French firm, X"."""
    if candidate.country is not None:
        return
    span, doc = candidate.span, candidate.span.doc
    before = [t for t in doc[max(0, span.start - 4):span.start] if t.ent_type_ in {"NORP", "GPE"}]
    for word in ([span[0].text] if len(span) > 1 else []) + [t.text for t in reversed(before)]:
        code = known.country_code(word)
        if code:
            candidate.country = code
            break


def noun_before(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """The noun just before: "water firm Aguas Argentinas", "the newspaper Clarin", a title."""
    span, doc, nouns = candidate.span, candidate.span.doc, known.context_nouns
    i = span.start - 1
    if i >= 0 and doc[i].text == ",":
        i -= 1
    if span[0].is_sent_start or (i >= 0 and doc[i].is_sent_end):
        i = -1
    if i >= 1 and f"{doc[i - 1].lower_} {doc[i].lower_}" in nouns:
        kind = nouns[f"{doc[i - 1].lower_} {doc[i].lower_}"]
        candidate.vote(kind if kind != "state" else "organisation", 2, f"after '{doc[i - 1].text} {doc[i].text}'")
    elif i >= 0 and doc[i].lower_ in nouns and doc[i].is_lower:
        kind = nouns[doc[i].lower_]
        if kind == "person":
            candidate.vote("person", 1.5, f"after '{doc[i].text}'")
        elif kind != "state":
            candidate.vote(kind, 2, f"after '{doc[i].text}'")
    elif i >= 1 and doc[i].lower_ == "of" and nouns.get(doc[i - 1].lower_) == "place":
        candidate.vote("place", 2, f"after '{doc[i - 1].text} of'")          # "the port of Balao"
    elif i >= 1 and doc[i].lower_ == "based" and doc[i - 1].text == "-":
        candidate.vote(COMPANY, 2, "x-based")
    if i >= 0 and doc[i].lower_.rstrip(".") in known.person_titles and doc[i].is_title and candidate.label != "BRACKET":
        candidate.vote("person", 2, f"after title '{doc[i].text}'")


def listed_under_a_noun(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """A list hanging from a cue noun: "labels including Moet & Chandon and Louis Vuitton"."""
    span, doc, nouns = candidate.span, candidate.span.doc, known.context_nouns
    first = span.start
    while first >= 2 and doc[first - 1].text in {",", "and"}:
        k = first - 2
        while k > 0 and (doc[k - 1].is_title or doc[k - 1].is_upper or doc[k - 1].text in {"&", "-"}):
            k -= 1
        if k < 0 or not (doc[k].is_title or doc[k].is_upper):
            break
        first = k
    possessor = span.end < len(doc) and doc[span.end].lower_ in {"'s", "’s"}   # "Sony's Playstation": not the item
    head = None if possessor else list_head_noun(doc, first, known)
    if head and head in nouns and nouns[head] in {"product", "news", "place"}:
        candidate.vote(nouns[head], 2, f"listed under '{head}'")


def noun_after(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """"the Christian Lacroix haute-couture house", "the AP news agency", "Yukos spokesman"; a
    product noun after a name ("Honda motorbikes") still names the firm."""
    span, doc, nouns = candidate.span, candidate.span.doc, known.context_nouns
    j, end = span.end, span.end
    trailing = []
    while j < len(doc) and j < end + 4 and (doc[j].is_lower or doc[j].text == "-") and \
            doc[j].pos_ in {"NOUN", "ADJ", "PUNCT", "PROPN"}:
        if doc[j].text != "-":
            trailing.append(doc[j].lower_)
        j += 1
    if not trailing:
        return
    pair = " ".join(trailing[-2:])
    kind = nouns.get(pair) or nouns.get(trailing[-1])
    if kind not in {COMPANY, "news", "place"}:
        kind = known.following_nouns.get(trailing[0])
    if kind in {COMPANY, "news", "place"}:
        # "the Florida company": a place name modifies nouns the same way
        strength = 1.5 if candidate.label in {"GPE", "LOC"} else 2
        candidate.vote(kind, strength, f"before '{pair}'")


def appositive(candidate: Candidate, known: CompanyKnowledge, companies_hint: set[str]) -> None:
    """"Gazprom, the state gas firm which …", "Ubisoft, one of Europe's biggest … publishers"."""
    doc, end, nouns = candidate.span.doc, candidate.span.end, known.context_nouns
    if not (end + 1 < len(doc) and doc[end].text == ","):
        return
    j = end + 1
    if doc[j].lower_ == "one" and j + 1 < len(doc) and doc[j + 1].lower_ == "of":
        j += 2
    head_noun = None
    stop = min(len(doc), j + 9)
    while j < stop:
        token = doc[j]
        if token.tag_ in {"WDT", "WP", "WP$"} or token.lower_ == "that":
            break
        if token.pos_ == "PROPN" and token.is_title:
            # a spelt-out name: its own head word counts ("the … Coffee Organization")
            head_noun = token.lower_ if token.lower_ in nouns else head_noun
            j += 1
        elif token.pos_ in {"DET", "ADJ", "NUM", "ADV", "PART"} or token.text in {"-", "'s", "’s"} or \
                (token.lower_ == "and" and j + 1 < len(doc) and doc[j + 1].is_title):
            j += 1
        elif token.pos_ == "NOUN" and token.is_lower:
            head_noun = token.lower_
            j += 1
        else:
            break
    # "X, the company says": a new clause, not an appositive
    if j < len(doc) and doc[j].tag_ in _CLAUSE_VERB_TAGS:
        head_noun = None
    if head_noun and head_noun in nouns:
        kind = nouns[head_noun]
        if kind == "state":            # "OAMCAF, the African and Malagasy Coffee Organization"
            kind = "organisation"
        if kind in {COMPANY, "news", "product", "place", "organisation"}:
            candidate.vote(kind, 2, f"appositive '{head_noun}'")


CONTEXT_STEPS: tuple[Callable[[Candidate, CompanyKnowledge, set[str]], None], ...] = (
    possessive_owner, country_nearby, noun_before, listed_under_a_noun, noun_after, appositive,
)
