"""One `companies` row per firm across the knowledge base: canonical name, merged aliases."""
from __future__ import annotations

import json
import sqlite3

from tradewatch.store import identity
from tradewatch.store.ids import stable_id


def company_id(canonical_name: str) -> str:
    return stable_id("company", identity.name_key(canonical_name))


class CompanyIndex:
    """In-memory view of `companies` for resolving names. Call `sync()` at the start of each write
    transaction (it reloads when another writer added rows) and `invalidate()` after a rollback."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._rows: dict[str, dict] = {}             # id → {"name", "aliases", "country"}
        self._by_key: dict[str, str] = {}            # name_key of a name or alias → id (fast path)
        self._mark: int | None = -1                  # max(rowid) when in step with the table
        self._resolver = None

    def invalidate(self) -> None:
        self._mark = -1

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
            self._by_key.setdefault(identity.name_key(form), cid)

    def _resolve(self, name: str, aliases: list[str]) -> str:
        hit = self._by_key.get(identity.name_key(name))
        if hit:  # the name as a stored firm already spells it: no need to ask the resolver
            return self._rows[hit]["name"]
        if self._resolver is None:
            self._resolver = identity.make_resolver([(c["name"], list(c["aliases"])) for c in self._rows.values()])
        return self._resolver.resolve(name, aliases) or name

    def upsert(self, name: str, aliases: list[str], country: str | None, now: str) -> str:
        """The id of the company `name` belongs to, creating it or merging aliases/country."""
        canonical = self._resolve(name, aliases)
        cid = company_id(canonical)
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
