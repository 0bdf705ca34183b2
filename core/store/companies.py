"""One `companies` row per firm across the knowledge base: canonical name, merged aliases.

How two company names compare is the extractor's knowledge (legal suffixes, spelling variants),
not the store's: the caller hands it in as a `CompanyNaming` (`extract.companies.NAMING`).
Without one, names compare by `plain_key` (case, accents and punctuation only).
"""
from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol

from core.ids import stable_id


class CompanyResolver(Protocol):
    def resolve(self, name: str, aliases: Iterable[str] = ()) -> str: ...

    def add(self, name: str, aliases: Iterable[str] = ()) -> None: ...


@dataclass(frozen=True)
class CompanyNaming:
    """key: name → comparison key; resolver: (canonical name, aliases) already stored → a resolver
    that files a new name under an existing canonical name (or keeps it)."""

    key: Callable[[str], str]
    resolver: Callable[[list[tuple[str, list[str]]]], CompanyResolver]


def plain_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


class ExactResolver:
    """Files a name under a stored firm with the same key, else keeps it."""

    def __init__(self, key: Callable[[str], str], existing: list[tuple[str, list[str]]] = ()):
        self.key = key
        self._by_key: dict[str, str] = {}
        for name, aliases in existing:
            self.add(name, aliases)

    def add(self, name: str, aliases: Iterable[str] = ()) -> None:
        for form in (name, *aliases):
            self._by_key.setdefault(self.key(form), name)

    def resolve(self, name: str, aliases: Iterable[str] = ()) -> str:
        return next((self._by_key[k] for k in map(self.key, (name, *aliases)) if k in self._by_key), name)


PLAIN_NAMING = CompanyNaming(key=plain_key, resolver=lambda existing: ExactResolver(plain_key, existing))


class CompanyIndex:
    """In-memory view of `companies` for resolving names. Call `sync()` at the start of each write
    transaction (it reloads when another writer added rows) and `invalidate()` after a rollback."""

    def __init__(self, conn: sqlite3.Connection, naming: CompanyNaming = PLAIN_NAMING):
        self.conn = conn
        self.naming = naming
        self._rows: dict[str, dict] = {}             # id → {"name", "aliases", "country"}
        self._by_key: dict[str, str] = {}            # name_key of a name or alias → id (fast path)
        self._mark: int | None = -1                  # max(rowid) when in step with the table
        self._resolver = None

    def invalidate(self) -> None:
        self._mark = -1

    def use(self, naming: CompanyNaming) -> None:
        if naming is not self.naming:
            self.naming = naming
            self.invalidate()

    def sync(self) -> None:
        mark = self.conn.execute("SELECT max(rowid) FROM companies").fetchone()[0]
        if mark != self._mark:
            self._rows, self._by_key, self._resolver = {}, {}, None
            for cid, name, aliases, country in self.conn.execute("SELECT id, name, aliases, country FROM companies"):
                self._remember(cid, name, json.loads(aliases or "[]"), country)
            self._mark = mark

    def done(self) -> None:
        """End of a write transaction: the cache now matches the table."""
        self._mark = self.conn.execute("SELECT max(rowid) FROM companies").fetchone()[0]

    def _remember(self, cid: str, name: str, aliases: list[str], country: str | None) -> None:
        self._rows[cid] = {"name": name, "aliases": aliases, "country": country}
        for form in (name, *aliases):
            self._by_key.setdefault(self.naming.key(form), cid)

    def _resolve(self, name: str, aliases: list[str]) -> str:
        hit = self._by_key.get(self.naming.key(name))
        if hit:  # the name as a stored firm already spells it: no need to ask the resolver
            return self._rows[hit]["name"]
        if self._resolver is None:
            self._resolver = self.naming.resolver([(c["name"], list(c["aliases"])) for c in self._rows.values()])
        return self._resolver.resolve(name, aliases) or name

    def upsert(self, name: str, aliases: list[str], country: str | None, now: str) -> str:
        """The id of the company `name` belongs to, creating it or merging aliases/country."""
        canonical = self._resolve(name, aliases)
        # A stored firm keeps the id it was created with, whatever naming was in use then.
        cid = self._by_key.get(self.naming.key(canonical)) or stable_id("company", self.naming.key(canonical))
        known = self._rows.get(cid)
        forms = {name, *aliases}
        if known is None:
            merged = sorted(forms - {canonical})
            self.conn.execute(
                "INSERT INTO companies (id, name, aliases, country, first_seen) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET aliases = excluded.aliases, "
                "country = coalesce(companies.country, excluded.country)",
                [cid, canonical, json.dumps(merged, ensure_ascii=False), country, now],
            )
            self._remember(cid, canonical, merged, country)
            self._learn(canonical, merged)
            return cid
        merged = sorted(set(known["aliases"]) | (forms - {known["name"]}))
        if merged != known["aliases"] or (country and not known["country"]):
            self.conn.execute(
                "UPDATE companies SET aliases = ?, country = coalesce(country, ?) WHERE id = ?",
                [json.dumps(merged, ensure_ascii=False), country, cid],
            )
            self._remember(cid, known["name"], merged, known["country"] or country)
            self._learn(known["name"], merged)
        return cid

    def _learn(self, name: str, aliases: list[str]) -> None:
        if hasattr(self._resolver, "add"):
            self._resolver.add(name, aliases)
        else:  # a resolver that cannot learn is rebuilt on next use
            self._resolver = None
