"""What a candidate's name itself says: votes of strength 3 (known lists, suffixes, head words).

`name_votes` runs small named steps in order; a step that judges the name returns True and the
later steps are skipped (the first firm reading of a name wins). The steps' reasons become the
learned company step's features, so their order and wording are part of the trained model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from spacy.tokens import Span

from extract.companies.evidence import (
    COMPANY, MAX_NAME_TOKENS, NAME_JOINERS, NAME_PREPOSITIONS, Candidate, _words,
)
from extract.companies.knowledge import CompanyKnowledge

_NUMBER = re.compile(r"[\d.,]+\s*(bn|m|mn|mln|billion|million|k)?")


@dataclass
class NameContext:
    known: CompanyKnowledge
    doc_gpes: set[str]          # names the model tagged as places anywhere in the article
    common_words: Callable[[str], bool]
    words: list[str]            # the name's words, lowercased


def name_votes(candidate: Candidate, known: CompanyKnowledge, doc_gpes: set[str], common_words) -> None:
    """What the name itself says."""
    words = _words(candidate.span)
    if not words:
        return
    context = NameContext(known, doc_gpes, common_words, words)
    for step in NAME_STEPS:
        if step(candidate, context):
            return


def known_names(candidate: Candidate, x: NameContext) -> bool:
    """Rulers and the known-organisation lists: "Toyota", "Reuters Taiwan"."""
    span, ent_id, known = candidate.span, candidate.ent_id, x.known
    if ent_id.startswith(COMPANY):
        candidate.vote(COMPANY, 3, "known company")
        code = ent_id.partition(":")[2]
        candidate.country = candidate.country or (code or None)
    elif ent_id and not candidate.model_number:
        candidate.vote(ent_id, 3, "ruler")
    kind = known.known_class(candidate.text)
    if kind:
        candidate.vote(kind, 3.5, "known organisation")
        return True
    first_kind = known.known_class(span[0].text) if len(x.words) > 1 else None
    rest_common = all(x.common_words(t.lower_) or t.ent_type_ == "DATE" for t in span[1:] if t.is_alpha)
    if first_kind and first_kind != "not_an_organisation" and (first_kind == "news" or span[0].is_upper or rest_common):
        # "Reuters Taiwan", "EC Commissioners Willy de Clercq"
        candidate.vote(first_kind, 3, f"starts with '{span[0].text}'")
        return True
    return False


def given_name(candidate: Candidate, x: NameContext) -> bool:
    """"Bernie Ebbers": a given name first and no firm word (a weak vote; later steps still run)."""
    span, words, known = candidate.span, x.words, x.known
    if 2 <= len(words) <= 4 and words[0] in known.given_names and span[0].is_title and not candidate.ent_id and \
            not any(w in known.company_words or w in known.all_suffixes for w in words):
        candidate.vote("person", 1.5, f"given name '{span[0].text}'")
    return False


def not_a_proper_name(candidate: Candidate, x: NameContext) -> bool:
    """Lowercase words ("Gulf oil"), too short, or only generic nouns ("Co Inc", "Bank Plc")."""
    span, text, words, known = candidate.span, candidate.text, x.words, x.known
    if not candidate.ent_id.startswith(COMPANY) and (
            span[0].is_lower or any(t.is_lower and t.is_alpha and t.lower_ not in NAME_JOINERS for t in span)):
        candidate.vote("not_a_name", 3, "lowercase words")
        return True
    if sum(ch.isalpha() for ch in text) < 2 or '"' in text:
        candidate.vote("not_a_name", 3, "too short")
        return True
    if all(w in known.context_nouns or w in known.all_suffixes or w in NAME_JOINERS for w in words):
        candidate.vote("generic_word", 3, "generic nouns, not a name")
        return True
    return False


def cut_short_name(candidate: Candidate, x: NameContext) -> bool:
    """The model cut a name short: judge the whole capitalised name around it
    ("General Agreement on Tariffs and Trade", "Ministry of International Trade and Industry")."""
    span, words, known = candidate.span, x.words, x.known
    whole = whole_name(span)
    if whole is None or whole.text == span.text:
        return False
    kind = known.known_class(" ".join(whole.text.split()))
    if kind:
        candidate.vote(kind, 3, f"part of '{' '.join(whole.text.split())}'")
        return True
    whole_words = _words(whole)
    whole_head = next((w for w in whole_words if w in NAME_PREPOSITIONS), None)
    head = whole_words[whole_words.index(whole_head) - 1] if whole_head and whole_words.index(whole_head) > 0 \
        else whole_words[-1]
    if known.name_heads.get(head) not in (None, COMPANY) and not (words[-1] in known.legal_suffixes):
        candidate.vote(known.name_heads[head], 3, f"part of a name headed '{head}'")
        return True
    return False


def person_or_office(candidate: Candidate, x: NameContext) -> bool:
    """A title first ("Minister X"), or a government role around the name ("Minister of Energy
    and Mines" cut short by the model, "External Affairs Minister")."""
    span, doc, words, known = candidate.span, candidate.span.doc, x.words, x.known
    if words[0] in known.person_titles and len(words) > 1 and span[0].is_title and \
            not any(w in known.company_words or w in known.all_suffixes for w in words[1:]):
        candidate.vote("person", 3, f"title '{span[0].text}'")
        return True
    k = span.start - 1
    while k > 0 and span.start - k <= MAX_NAME_TOKENS and \
            (doc[k].is_title or doc[k].is_space or doc[k].lower_ in {"and", ",", "&"}):
        k -= 1
    if k >= 1 and doc[k].lower_ in {"of", "for"} and doc[k - 1].lower_ in known.government_roles:
        candidate.vote("government", 3, f"after '{doc[k - 1].text} {doc[k].text}'")
        return True
    following = next((t for t in doc[span.end:span.end + 2] if not t.is_space), None)
    if following is not None and following.is_title and following.lower_ in known.government_roles:
        candidate.vote("government", 3, f"before '{following.text}'")
        return True
    return False


def generic_single_word(candidate: Candidate, x: NameContext) -> bool:
    words, known = x.words, x.known
    if len(words) == 1 and (words[0] in known.context_nouns or words[0] in known.company_words
                            or words[0] in known.all_suffixes or words[0] in known.name_heads):
        candidate.vote("generic_word", 3, "a generic noun, not a name")
        return True
    return False


def place_or_number(candidate: Candidate, x: NameContext) -> bool:
    """Countries, regions, "Global Affairs Canada", names tagged as places, bare numbers."""
    span, text, words, known = candidate.span, candidate.text, x.words, x.known
    if known.country_code(text) or known.is_region(text):
        candidate.vote("place", 3, "country or region name")
        return True
    if len(words) > 1 and known.country_code(span[-1].text) and \
            all(w in known.portfolio_words or w in NAME_JOINERS for w in words[:-1]):
        candidate.vote("government", 3, "a portfolio and a country")
        return True
    if candidate.label in {"GPE", "LOC"}:
        candidate.vote("place", 1.5, "tagged as a place")
    elif text in x.doc_gpes:
        candidate.vote("place", 1.25, "tagged as a place elsewhere in the article")
    if all(known.country_code(part) for part in re.split(r"[-/]", text) if part):
        candidate.vote("place", 3, "countries")
        return True
    if not any(ch.isalpha() for ch in text) or _NUMBER.fullmatch(text.lower()):
        candidate.vote("number", 3, "number")
        return True
    return False


def telling_words(candidate: Candidate, x: NameContext) -> bool:
    """A legal suffix at the end ("Toyo Umpanki Co Ltd"), a news or university word anywhere
    ("Nihon Keizai Shimbun"), or a known phrase inside the name."""
    words, known = x.words, x.known
    if len(words) > 1 and words[-1] in known.legal_suffixes:
        candidate.vote(COMPANY, 3, "legal suffix")
        return True
    for word in words:
        if known.name_heads.get(word) in {"news", "education"}:
            candidate.vote(known.name_heads[word], 3, f"'{word}' in name")
            return True
    joined = " ".join(words)
    for phrase, kind in known.name_phrases.items():
        if f" {phrase} " in f" {joined} ":
            candidate.vote(kind, 3, f"name contains '{phrase}'")
            return True
    return False


def head_word(candidate: Candidate, x: NameContext) -> bool:
    """The name's head word ("… Ministry", "Bank of Japan"), leading word, or group suffix."""
    words, known = x.words, x.known
    head_words = words
    for k, word in enumerate(words):
        if word in NAME_PREPOSITIONS and k > 0:
            head_words = words[:k]
            # "Bank of Japan": a bank named after a country is its central bank
            rest = " ".join(t.text for t in candidate.span[k + 1:])
            if words[k - 1] == "bank" and k == 1 and known.country_code(rest):
                candidate.vote("central_bank", 3, "bank of a country")
                return True
            break
    stripped = [w for w in head_words if w not in known.group_suffixes] or head_words
    head = stripped[-1]
    if head in known.name_heads:
        candidate.vote(known.name_heads[head], 3, f"head word '{head}'")
        return True
    if words[0] in known.leading_words and len(words) > 1:
        candidate.vote(known.leading_words[words[0]], 3, f"leading word '{words[0]}'")
        return True
    if len(words) > 1 and words[-1] in known.group_suffixes:
        candidate.vote(COMPANY, 2.5, "group suffix")
        return True
    return False


def model_maker_or_longer_name(candidate: Candidate, x: NameContext) -> bool:
    """The maker of a numbered model ("Boeing 747"); part of a longer non-organisation name."""
    words = x.words
    if candidate.model_number and not (len(words) == 1 and x.common_words(words[0])):
        candidate.vote(COMPANY, 2, "maker of a numbered model")
    extended = extended_head(candidate.span)
    if extended and x.known.name_heads.get(extended) == "not_an_organisation":
        candidate.vote("not_an_organisation", 3, f"part of a name ending in '{extended}'")
        return True
    return False


def country_and_word(candidate: Candidate, x: NameContext) -> bool:
    """"U.S. Machinery": Reuters capitalises a common word after a country (unless the name
    stands in a list of firms: "… were Lesotho Hats and Vogue Landmark"); an industry word in a
    longer name says firm."""
    span, words, known = candidate.span, x.words, x.known
    listed = any(k == COMPANY and s >= 2 for k, s, _ in candidate.votes)
    if len(span) == 2 and not listed and known.country_code(span[0].text) and span[1].is_alpha and \
            (x.common_words(span[1].lower_) or x.common_words(span[1].lemma_)) and \
            span[1].lower_ not in known.country_firm_endings:
        candidate.vote("common_word", 3, "country and common word")
        return True
    if len(words) > 1 and any(w in known.company_words for w in words):
        candidate.vote(COMPANY, 3, "industry word in name")
        return True
    return False


NAME_STEPS: tuple[Callable[[Candidate, NameContext], bool], ...] = (
    known_names, given_name, not_a_proper_name, cut_short_name, person_or_office, generic_single_word,
    place_or_number, telling_words, head_word, model_maker_or_longer_name, country_and_word,
)


def whole_name(span: Span) -> Span | None:
    """The capitalised name a span sits in, joiners included, within its line."""
    doc = span.doc
    start, end = span.start, span.end

    def part(token) -> bool:
        return token.is_title or token.is_upper

    def line_space(token) -> bool:
        return token.is_space and "\n\n" not in token.text

    def previous(i: int) -> int:          # index of the token before i, skipping line breaks
        i -= 1
        while i >= 0 and line_space(doc[i]):
            i -= 1
        return i

    while start > 0 and span.start - start < MAX_NAME_TOKENS:
        i = previous(start)
        if i < 0:
            break
        if part(doc[i]):
            start = i
        elif doc[i].lower_ in {"of", "on", "and", "for", "&"} and previous(i) >= 0 and part(doc[previous(i)]):
            start = i
        else:
            break
    while end < len(doc) and end - span.end < MAX_NAME_TOKENS:
        nxt = doc[end]
        if part(nxt) and not nxt.is_sent_start:
            end += 1
        elif nxt.lower_ in {"of", "on", "and", "for", "&"} and end + 1 < len(doc) and part(doc[end + 1]):
            end += 1
        else:
            break
    if doc[start].is_sent_start and doc[start].lower_ == "the":
        start += 1
    return doc[start:end] if (start, end) != (span.start, span.end) else None


def extended_head(span: Span) -> str | None:
    """Head of the capitalised name that continues past the span ("The African Growth" → act)."""
    doc, end = span.doc, span.end
    last = None
    while end < len(doc) and end - span.end < MAX_NAME_TOKENS:
        token = doc[end]
        if token.is_space and "\n\n" not in token.text:
            end += 1
        elif token.is_title or token.is_upper:
            last = token.lower_
            end += 1
        elif token.lower_ in {"and", "of", "&", "for", "on"} and end + 1 < len(doc) and doc[end + 1].is_title:
            end += 1
        else:
            break
    return last
