"""One `companies` row per firm across the knowledge base: canonical name, merged aliases."""
from __future__ import annotations

import json
import sqlite3

from tradewatch.store import identity
from tradewatch.store.ids import stable_id


def company_id(canonical_name: str) -> str:
    return stable_id("company", identity.name_key(canonical_name))


class CompanyIndex:
    """In-memory view of `companies` for resolving names; reloaded when another writer added rows.
    Call `invalidate()` after a rollback."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._rows: dict[str, dict] | None = None   # id → {"name", "aliases", "country"}
        self._mark: int | None = None                # max(rowid) when loaded
        self._resolver = None

    def invalidate(self) -> None:
        self._rows = None
        self._resolver = None

    def _load(self) -> dict[str, dict]:
        mark = self.conn.execute("SELECT max(rowid) FROM companies").fetchone()[0]
        if self._rows is None or mark != self._mark:
            self._rows = {
                cid: {"name": name, "aliases": json.loads(aliases or "[]"), "country": country}
                for cid, name, aliases, country in self.conn.execute("SELECT id, name, aliases, country FROM companies")
            }
            self._mark = mark
            self._resolver = None
        return self._rows

    def _resolve(self, name: str, aliases: list[str]) -> str:
        rows = self._load()
        if self._resolver is None:
            self._resolver = identity.make_resolver([(c["name"], list(c["aliases"])) for c in rows.values()])
        return self._resolver.resolve(name, aliases) or name

    def upsert(self, name: str, aliases: list[str], country: str | None, now: str) -> str:
        """The id of the company `name` belongs to, creating it or merging aliases/country."""
        canonical = self._resolve(name, aliases)
        cid = company_id(canonical)
        rows = self._load()
        known = rows.get(cid)
        forms = {name, *aliases}
        if known is None:
            merged = sorted(forms - {canonical})
            self.conn.execute(
                "INSERT INTO companies (id, name, aliases, country, first_seen) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET aliases = excluded.aliases, "
                "country = coalesce(companies.country, excluded.country)",
                [cid, canonical, json.dumps(merged, ensure_ascii=False), country, now],
            )
            rows[cid] = {"name": canonical, "aliases": merged, "country": country}
            self._mark = self.conn.execute("SELECT max(rowid) FROM companies").fetchone()[0]
            self._learn(canonical, merged)
            return cid
        merged = sorted(set(known["aliases"]) | (forms - {known["name"]}))
        if merged != known["aliases"] or (country and not known["country"]):
            self.conn.execute(
                "UPDATE companies SET aliases = ?, country = coalesce(country, ?) WHERE id = ?",
                [json.dumps(merged, ensure_ascii=False), country, cid],
            )
            known["aliases"] = merged
            known["country"] = known["country"] or country
            self._learn(known["name"], merged)
        return cid

    def _learn(self, name: str, aliases: list[str]) -> None:
        if hasattr(self._resolver, "add"):
            self._resolver.add(name, aliases)
        else:  # a resolver that cannot learn is rebuilt on next use
            self._resolver = None
