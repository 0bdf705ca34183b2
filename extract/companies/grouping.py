"""Mentions of one firm within an article → one company record.

Forms are joined when they normalise alike ("Vestey Group" / "the Vestey Group"), when one
is the short form of exactly one other ("Toyo" / "Toyo Umpanki Co Ltd"), an acronym
("Iraqi Telecommunications and Post Company (ITPC)", "EA" / "Electronic Arts"), a surname
form ("Lacroix" / "Christian Lacroix") or a near-identical spelling (rapidfuzz).
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
from rapidfuzz import fuzz, process

from extract.companies.evidence import COMPANY, TICKER, Candidate, acronym_after
from extract.companies.knowledge import CompanyKnowledge

FUZZY_THRESHOLD = 90
FUZZY_MIN_LENGTH = 6
MAX_FUZZY_FORMS = 3000       # bounds the pairwise pass on huge texts


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return out


def _initials(text: str, keep_small: bool) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z'’]*", text)
    return "".join(w[0].upper() for w in words if keep_small or not w.islower())


def _is_acronym(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z&.]{1,7}", text))


def group_candidates(candidates: list[Candidate], known: CompanyKnowledge, common_words) -> list[list[Candidate]]:
    """Union candidates that name the same firm; strong non-company names stay alone."""
    forms = sorted({c.text for c in candidates})
    index = {form: i for i, form in enumerate(forms)}
    uf = _UnionFind(len(forms))
    keys = {form: known.normalise(form) for form in forms}

    by_key: dict[str, int] = {}
    for form in forms:
        if keys[form]:
            if keys[form] in by_key:
                uf.union(index[form], by_key[keys[form]])
            else:
                by_key[keys[form]] = index[form]

    # "Name (ACR)" written out in the text
    for c in candidates:
        acronym = acronym_after(c.span)
        if acronym:
            if acronym in index and _is_acronym(acronym):
                uf.union(index[acronym], index[c.text])

    multi = [f for f in forms if len(f.split()) > 1]
    for form in forms:
        if _is_acronym(form):
            matches = {uf.find(index[m]) for m in multi
                       if form.replace(".", "").replace("&", "") in {_initials(m, False), _initials(m, True),
                                                     _initials(known.normalise(m).title(), False)}}
            if len(matches) == 1:
                uf.union(index[form], matches.pop())

    # short forms: every form of a group is a word-prefix of forms of exactly one other group
    by_prefix: dict[tuple[str, ...], list[str]] = {}
    by_last_word: dict[str, list[str]] = {}
    for m in multi:
        words = tuple(m.lower().split())
        for k in range(1, len(words)):
            by_prefix.setdefault(words[:k], []).append(m)
        by_last_word.setdefault(words[-1], []).append(m)
    # (a short form shared by several firms, "Chrysler" for "Chrysler Canada Ltd" and "Chrysler
    # Motors Corp", goes to the one the article introduces first, before the short form itself)
    first_seen: dict[str, int] = {}
    for c in candidates:
        if not c.headline:
            first_seen[c.text] = min(first_seen.get(c.text, c.span.start_char), c.span.start_char)
    groups = uf.groups()
    for root, members in list(groups.items()):
        targets = set()
        for i in members:
            hits = {uf.find(index[m]) for m in by_prefix.get(tuple(forms[i].lower().split()), [])}
            hits.discard(uf.find(root))
            if len(hits) > 1:
                hits = {_introduced_first(hits, members, forms, uf, first_seen)} - {None}
            if len(hits) != 1:
                targets = set()
                break
            targets |= hits
        if len(targets) == 1:
            uf.union(root, targets.pop())

    _union_surnames(forms, by_last_word, index, uf, known, common_words)
    _union_near_spellings(forms, keys, index, uf)

    out: dict[int, list[Candidate]] = {}
    for c in candidates:
        out.setdefault(uf.find(index[c.text]), []).append(c)
    return list(out.values())


def _union_surnames(forms, by_last_word, index, uf: _UnionFind, known: CompanyKnowledge, common_words) -> None:
    """Surname forms: "Lacroix" / "Christian Lacroix"."""
    for form in forms:
        word = form.lower()
        if " " in form or common_words(word) or word in known.company_words or word in known.all_suffixes:
            continue
        hits = {uf.find(index[m]) for m in by_last_word.get(word, [])}
        hits.discard(uf.find(index[form]))
        if len(hits) == 1:
            uf.union(index[form], hits.pop())


def _union_near_spellings(forms, keys, index, uf: _UnionFind) -> None:
    """Near-identical spellings ("Yuganskneftegas" / "Yuganksneftegas"), compared in one C pass."""
    long_forms = [f for f in forms if len(keys[f]) >= FUZZY_MIN_LENGTH][:MAX_FUZZY_FORMS]
    if len(long_forms) > 1:
        long_keys = [keys[f] for f in long_forms]
        scores = process.cdist(long_keys, long_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD,
                               dtype=np.uint8)
        for a_pos, b_pos in zip(*np.nonzero(scores)):
            if a_pos < b_pos:
                uf.union(index[long_forms[a_pos]], index[long_forms[b_pos]])


def _introduced_first(roots: set[int], members: list[int], forms: list[str], uf: _UnionFind,
                      first_seen: dict[str, int]) -> int | None:
    """The group among `roots` whose first mention comes before any other's and before the
    short form's own first mention; None when there is no such group."""
    unseen = float("inf")
    short_first = min((first_seen.get(forms[i], unseen) for i in members), default=unseen)
    firsts = {}
    for i, form in enumerate(forms):
        root = uf.find(i)
        if root in roots:
            firsts[root] = min(firsts.get(root, unseen), first_seen.get(form, unseen))
    ordered = sorted(firsts.items(), key=lambda item: item[1])
    if ordered and ordered[0][1] < short_first and (len(ordered) == 1 or ordered[0][1] < ordered[1][1]):
        return ordered[0][0]
    return None


def group_verdict(group: list[Candidate]) -> str | None:
    """Class of a firm from the votes of all its mentions (ties at context strength go to company)."""
    votes = [v for c in group for v in c.votes]
    if not votes:
        return None
    top = max(s for _, s, _ in votes)
    kinds = {k for k, s, _ in votes if s == top}
    if COMPANY in kinds and (len(kinds) == 1 or top >= 2):
        return COMPANY
    kinds.discard(COMPANY)
    return sorted(kinds)[0]


def find_mentions(text: str, forms: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of each form (whitespace-tolerant, whole words)."""
    found = []
    for form in forms:
        pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in form.split()) + r"(?!\w)"
        found.extend((m.start(), m.end()) for m in re.finditer(pattern, text))
    found.sort(key=lambda se: (se[0], -(se[1] - se[0])))
    kept, last_end = [], -1
    for start, end in found:
        if start >= last_end:
            kept.append((start, end))
            last_end = end
    return kept


# Starts at a word start and never gives back letters (possessive), so a long run of capitals
# with no space after it is tried once, not once per letter.
_CAPITALISED_RUN = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*+(?:[ \t]++(?:(?:and|of|&)[ \t]++)?[A-Z][\w'’-]*+)+")


def _expansion(text: str, acronym: str) -> str | None:
    letters = acronym.replace(".", "")
    for match in _CAPITALISED_RUN.finditer(text):
        words = [w for w in match.group(0).split() if w[0].isupper()]
        if len(words) == len(letters) and "".join(w[0] for w in words) == letters:
            return match.group(0)
    return None


def _ticker_after(span) -> str | None:
    """Reuters writes a listed firm's ticker after its name: "Toshiba Corp <TSBA.T>"."""
    doc = span.doc
    tokens = [t for t in doc[span.end:min(len(doc), span.end + 6)] if not t.is_space]
    if len(tokens) >= 3 and tokens[0].text == "<" and tokens[2].text == ">" and TICKER.fullmatch(tokens[1].text):
        return tokens[1].text
    return None


def company_record(group: list[Candidate], known: CompanyKnowledge, text: str | None = None) -> dict:
    """The record of one firm; `text` is doc.text, passed in because spaCy rebuilds it per access."""
    doc = group[0].span.doc
    text = doc.text if text is None else text
    counts = Counter(c.text for c in group)
    forms = list(counts)
    # acronyms written in brackets after the name are aliases too
    for c in group:
        acronym = acronym_after(c.span) or _ticker_after(c.span)
        if acronym and (_is_acronym(acronym) or TICKER.fullmatch(acronym)) and acronym not in counts:
            forms.append(acronym)
            counts[acronym] = 1

    # a firm known only by its acronym: look for the words it stands for ("CIG" → "Crestline
    # Interactive Games") among the capitalised runs of the text
    if all(_is_acronym(f) for f in forms):
        expansion = _expansion(text, forms[0])
        if expansion and expansion not in counts:
            forms.append(expansion)
            counts[expansion] = 1

    def is_caps(form: str) -> bool:
        letters = [ch for ch in form if ch.isalpha()]
        return bool(letters) and all(ch.isupper() for ch in letters)

    def rank(form: str):
        return (not is_caps(form) or _is_acronym(form) and len(forms) == 1, len(form.split()), counts[form], len(form))

    name = max(forms, key=rank)
    words = name.split()
    lowered = {f.lower() for f in forms}
    if len(words) > 1 and words[-1].lower().replace(".", "") in known.legal_suffixes:
        short = words[:]
        while len(short) > 1 and short[-1].lower().replace(".", "") in known.legal_suffixes:
            short.pop()
        if " ".join(short).lower() in lowered:
            name = " ".join(short)
    aliases, seen = [], {name.lower()}
    for form in sorted(forms, key=lambda f: (-counts[f], f)):
        if form.lower() not in seen and not (is_caps(form) and not _is_acronym(form)):
            aliases.append(form)
            seen.add(form.lower())
    spans = {(c.span.start_char, c.span.end_char) for c in group}
    # forms that are no candidate of their own (a bracketed acronym, an expansion)
    spans.update(find_mentions(text, [f for f in forms if f not in {c.text for c in group}]))
    mentions, last_end = [], -1
    for start, end in sorted(spans, key=lambda se: (se[0], -(se[1] - se[0]))):
        if start >= last_end:
            mentions.append({"text": text[start:end], "start": start, "end": end})
            last_end = end
    country = next((c.country for c in group if c.country), None)
    return {"name": name, "aliases": aliases, "mentions": mentions, "country": country}
