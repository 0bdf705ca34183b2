"""One canonical name per firm across the knowledge base.

Articles name the same firm in many ways: "Samsung Electronics Co Ltd", "Samsung
Electronics", "SAMSUNG ELECTRONICS", "Samsung"; "Hyundai Motor Co." and "Hyundai Motor
Company". `CompanyResolver` maps a company found in one article (its name plus aliases)
onto the canonical name of a firm already in the store, or makes its name the new
canonical name.

API (what the store calls):

    resolver = CompanyResolver(existing)
        # existing: iterable of (canonical_name, aliases) already in the knowledge base,
        # aliases an iterable of strings (may be empty)
    canonical = resolver.resolve(name, aliases=())
        # -> the canonical name to file this company under: an existing canonical name
        #    when one matches, else `name` itself (which is then remembered, so later
        #    calls in the same run resolve onto it)
    resolver.add(canonical_name, aliases=())      # register a firm explicitly
    resolver.aliases_of(canonical_name) -> set[str]   # every form seen for that firm

Matching, in order:
  1. exact key: names are compared as keys (ASCII, lowercase, "&" = "and", punctuation
     dropped, trailing legal/group suffixes from `data/legal_suffixes*.txt`
     and a leading "the" dropped), over the canonical name and all its aliases;
  2. fuzzy: rapidfuzz `token_sort_ratio` of the keys ≥ `threshold` (default 92), only for
     keys of at least `min_fuzzy_length` characters, and only when one firm is clearly the
     best (ties between two firms resolve to nothing rather than to a guess).
  A short alias ("Samsung") matches only by exact key: one word is too little to fuzz on.
Aliases of the incoming company count as well as its name, so "Samsung Electronics"
with alias "Samsung" finds a firm stored as "Samsung".
"""
from __future__ import annotations

import functools
from typing import Iterable

from rapidfuzz import fuzz, process

from core.store.companies import CompanyNaming
from extract.companies.knowledge import DEFAULT_PATHS, name_tokens, read_word_list, strip_suffixes

DEFAULT_THRESHOLD = 92
DEFAULT_MIN_FUZZY_LENGTH = 6


class CompanyResolver:
    def __init__(
        self,
        existing: Iterable[tuple[str, Iterable[str]]] = (),
        threshold: float = DEFAULT_THRESHOLD,
        min_fuzzy_length: int = DEFAULT_MIN_FUZZY_LENGTH,
        suffix_paths: Iterable[str] = (DEFAULT_PATHS["legal_suffixes_path"], DEFAULT_PATHS["group_suffixes_path"]),
    ):
        self.threshold = threshold
        self.min_fuzzy_length = min_fuzzy_length
        suffixes: set[str] = set()
        for path in suffix_paths:
            suffixes |= read_word_list(path)
        self._suffixes = frozenset(suffixes | {"the"})
        self._by_key: dict[str, str] = {}           # key -> canonical name
        self._forms: dict[str, set[str]] = {}       # canonical name -> forms seen
        for canonical, aliases in existing:
            self.add(canonical, aliases)

    def key(self, name: str) -> str:
        """Comparison key of a name ("Toyo Umpanki Co Ltd" → "toyo umpanki")."""
        return " ".join(strip_suffixes(name_tokens(name), self._suffixes))

    def add(self, canonical: str, aliases: Iterable[str] = ()) -> None:
        forms = self._forms.setdefault(canonical, set())
        for form in (canonical, *(aliases or ())):
            if not form or not str(form).strip():
                continue
            forms.add(form)
            key = self.key(form)
            if key:
                # the first firm to claim a key keeps it; a later one does not steal it
                self._by_key.setdefault(key, canonical)

    def aliases_of(self, canonical: str) -> set[str]:
        return set(self._forms.get(canonical, set())) - {canonical}

    def resolve(self, name: str, aliases: Iterable[str] = ()) -> str:
        if not name or not str(name).strip():
            raise ValueError("a company needs a non-empty name")
        aliases = [a for a in (aliases or ()) if a and str(a).strip()]
        canonical = self._match(name, aliases)
        if canonical is None:
            canonical = name
        self.add(canonical, [name, *aliases])
        return canonical

    def _match(self, name: str, aliases: list[str]) -> str | None:
        keys = [k for k in (self.key(f) for f in (name, *aliases)) if k]
        for key in keys:                      # exact key, the name first
            if key in self._by_key:
                return self._by_key[key]
        if not self._by_key:
            return None
        choices = list(self._by_key)
        for key in keys:
            if len(key) < self.min_fuzzy_length or " " not in key and len(key) < 2 * self.min_fuzzy_length:
                # one short word ("Sony", "Nokia") is matched exactly or not at all
                continue
            hits = process.extract(key, choices, scorer=fuzz.token_sort_ratio,
                                   score_cutoff=self.threshold, limit=5)
            firms = {}
            for choice, score, _ in hits:
                firm = self._by_key[choice]
                firms[firm] = max(score, firms.get(firm, 0))
            if not firms:
                continue
            ranked = sorted(firms.items(), key=lambda item: -item[1])
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                return ranked[0][0]
        return None


@functools.lru_cache(maxsize=1)
def _default_suffixes() -> frozenset[str]:
    return read_word_list(DEFAULT_PATHS["legal_suffixes_path"]) | read_word_list(DEFAULT_PATHS["group_suffixes_path"])


@functools.lru_cache(maxsize=65536)  # the same names come back article after article
def name_key(name: str) -> str:
    """Comparison key of a company name: ASCII, lower case, "&" = "and", punctuation, a leading
    "the" and trailing legal/group suffixes dropped ("Toyota Motor Corp." → "toyota motor")."""
    return " ".join(strip_suffixes(name_tokens(name), _default_suffixes()))


# What the store files company rows with (KnowledgeBase.use_company_naming).
NAMING = CompanyNaming(key=name_key, resolver=CompanyResolver)
