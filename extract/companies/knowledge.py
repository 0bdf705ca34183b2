"""What the company finder knows, read from data files: legal suffixes, known non-company
organisations, cue words, plus name normalisation shared with `extract.companies.names`.

Nothing here looks at a Doc; `extract.companies.evidence` applies this knowledge to text.
"""
from __future__ import annotations

import csv
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pycountry

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_PATHS = {
    "legal_suffixes_path": "data/legal_suffixes.txt",
    "group_suffixes_path": "data/legal_suffixes_group.txt",
    "organisations_path": "data/organisations.toml",
    "cues_path": "data/company_cues.toml",
    "country_aliases_path": "data/company_country_aliases.csv",
    "given_names_path": "data/company_given_names.csv",
}


def resolve_path(path: str | Path) -> Path:
    """Config paths are relative to the `extract` package unless absolute."""
    path = Path(path)
    return path if path.is_absolute() else PACKAGE_DIR / path


def word_set(cues: dict, section: str) -> frozenset[str]:
    """The lowercased `words` of one `[section]` of a cue file (empty when the section is absent)."""
    return frozenset(w.lower() for w in cues.get(section, {}).get("words", []))


def read_word_list(path: str | Path) -> frozenset[str]:
    words = set()
    for line in resolve_path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line.lower().replace(".", ""))
    return frozenset(words)


def name_tokens(name: str) -> list[str]:
    """Lowercase ASCII word tokens of a name; "&" reads as "and"."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    return re.findall(r"[a-z0-9]+", text)


def strip_suffixes(tokens: list[str], suffixes: frozenset[str]) -> list[str]:
    """Drop trailing suffix words and a leading "the" (never the whole name)."""
    tokens = list(tokens)
    while len(tokens) > 1 and tokens[-1] in suffixes:
        tokens.pop()
    while len(tokens) > 1 and tokens[0] == "the":
        tokens.pop(0)
    return tokens


@dataclass(frozen=True)
class CompanyKnowledge:
    legal_suffixes: frozenset[str]
    group_suffixes: frozenset[str]
    known_organisations: dict[str, str]          # normalised name -> class
    name_heads: dict[str, str]                   # head word -> class
    name_phrases: dict[str, str]                 # multi-word phrase inside a name -> class
    leading_words: dict[str, str]
    company_words: frozenset[str]
    context_nouns: dict[str, str]                # noun (or two-word phrase) -> class
    following_nouns: dict[str, str]              # noun right after a name -> class
    country_firm_endings: frozenset[str]
    government_roles: frozenset[str]
    portfolio_words: frozenset[str]
    list_verbs: frozenset[str]
    list_prepositions: tuple[tuple[str, ...], ...]
    person_titles: frozenset[str]
    country_aliases: dict[str, str] = field(default_factory=dict)   # lowercase name -> alpha-2
    given_names: frozenset[str] = frozenset()
    acronym_definers: dict[str, str] = field(default_factory=dict)   # noun defining an acronym -> class
    speech_verbs: frozenset[str] = frozenset()

    @classmethod
    def from_files(
        cls,
        legal_suffixes_path: str | Path = DEFAULT_PATHS["legal_suffixes_path"],
        group_suffixes_path: str | Path = DEFAULT_PATHS["group_suffixes_path"],
        organisations_path: str | Path = DEFAULT_PATHS["organisations_path"],
        cues_path: str | Path = DEFAULT_PATHS["cues_path"],
        country_aliases_path: str | Path = DEFAULT_PATHS["country_aliases_path"],
        given_names_path: str | Path = DEFAULT_PATHS["given_names_path"],
    ) -> "CompanyKnowledge":
        legal = read_word_list(legal_suffixes_path)
        group = read_word_list(group_suffixes_path)
        with open(resolve_path(organisations_path), "rb") as handle:
            organisations = tomllib.load(handle)
        with open(resolve_path(cues_path), "rb") as handle:
            cues = tomllib.load(handle)
        known = {}
        for kind, table in organisations.items():
            for name in table.get("names", []):
                key = " ".join(strip_suffixes(name_tokens(name), frozenset({"the"})))
                if key:
                    known.setdefault(key, kind)
        heads, phrases = {}, {}
        for kind, words in cues.get("name_heads", {}).items():
            for word in words:
                (phrases if " " in word else heads).setdefault(word.lower(), kind)
        leading = {w.lower(): kind for kind, words in cues.get("leading_words", {}).items() for w in words}
        context = {w.lower(): kind for kind, words in cues.get("context_nouns", {}).items() for w in words}
        introducers = cues.get("list_introducers", {})
        with open(resolve_path(country_aliases_path), encoding="utf-8", newline="") as handle:
            aliases = {row["name"].strip().lower(): row["code"].strip().upper() for row in csv.DictReader(handle)}
        return cls(
            legal_suffixes=legal,
            group_suffixes=group,
            known_organisations=known,
            name_heads=heads,
            name_phrases=phrases,
            leading_words=leading,
            company_words=word_set(cues, "company_name_words"),
            context_nouns=context,
            government_roles=word_set(cues, "government_roles"),
            portfolio_words=word_set(cues, "portfolio_words"),
            country_firm_endings=word_set(cues, "country_firm_endings"),
            following_nouns={w.lower(): kind for kind, words in cues.get("following_nouns", {}).items()
                             for w in words},
            list_verbs=frozenset(w.lower() for w in introducers.get("verbs", [])),
            list_prepositions=tuple(tuple(p.lower().split()) for p in introducers.get("prepositions", [])),
            person_titles=word_set(cues, "person_titles"),
            country_aliases=aliases,
            given_names=read_word_list(given_names_path) - {"name"},
            acronym_definers={w.lower(): kind for kind, words in cues.get("acronym_definers", {}).items()
                              for w in words},
            speech_verbs=word_set(cues, "speech_verbs"),
        )

    @property
    def all_suffixes(self) -> frozenset[str]:
        return self.legal_suffixes | self.group_suffixes

    def normalise(self, name: str) -> str:
        """Comparison key: lowercase ASCII words, no trailing legal/group suffix, no leading "the"."""
        return " ".join(strip_suffixes(name_tokens(name), self.all_suffixes | {"the"}))

    def known_class(self, name: str) -> str | None:
        """Class of a known non-company organisation ("news", "international", …) or None.
        A country or demonym before a known multi-word name does not hide it
        ("Canadian House of Commons", "U.S. Treasury Department")."""
        tokens = strip_suffixes(name_tokens(name), frozenset({"the"}))
        kind = self.known_organisations.get(" ".join(tokens))
        words = name.split()
        if kind is None and len(words) >= 2:
            rest = self.known_organisations.get(" ".join(strip_suffixes(name_tokens(" ".join(words[1:])),
                                                                        frozenset({"the"}))))
            if rest and rest != "not_an_organisation":
                kind = rest
        return kind

    def country_code(self, name: str) -> str | None:
        """ISO alpha-2 when `name` names a country ("Japan", "U.S.", "South Korea"), else None."""
        text = re.sub(r"\s+", " ", name).strip()
        if text.lower().startswith("the "):
            text = text[4:]
        return self.country_aliases.get(text.lower()) or _country_code(text)

    def is_region(self, name: str) -> bool:
        """A state, province or other first-level region (pycountry subdivisions)."""
        return " ".join(name.split()).lower() in _region_names()


@lru_cache(maxsize=1)
def _region_names() -> frozenset[str]:
    return frozenset(s.name.lower() for s in pycountry.subdivisions)


@lru_cache(maxsize=4096)
def _country_code(name: str) -> str | None:
    text = re.sub(r"\s+", " ", name.replace(".", "")).strip()
    if text.lower().startswith("the "):
        text = text[4:]
    if len(text) <= 3:
        # Only the short forms news actually uses for countries; "SA", "AG" are legal forms.
        return {"US": "US", "USA": "US", "UK": "GB", "UAE": "AE"}.get(text)
    try:
        country = pycountry.countries.lookup(text)
        return country.alpha_2
    except LookupError:
        pass
    return _country_names().get(text.lower())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Lowercase short names ("korea" from "Korea, Republic of") → alpha-2, built once."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, "")
            if value:
                names.setdefault(value.lower(), country.alpha_2)
                if "," in value:
                    names.setdefault(value.split(",")[0].strip().lower(), country.alpha_2)
    return names
