"""Reference tables the knowledge base keeps in step with the core data files.

`countries` (code → display name) and `country_names` (every common name, alias, demonym and
short form → code) come from `core.countries`, so SQL, Datasette filters and canned queries
take "Russia", "UK", "USA" or "South Korea" as well as the codes events use. They are rebuilt
whenever the data behind them changes (a fingerprint is kept in `reference_data`).
"""
from __future__ import annotations

import contextlib
import hashlib
from typing import Iterator

import sqlite_utils

from core import countries

FINGERPRINT_KEY = "countries"


def country_rows() -> tuple[list[dict], list[dict]]:
    codes = countries.all_codes()
    display = [{"code": code, "name": name, "adjective": countries.adjective_of(code)} for code, name in codes.items()]
    names: dict[str, dict] = {}
    for code, name in codes.items():
        for form in (code, name, countries.adjective_of(code)):
            names.setdefault(form.casefold(), {"name_key": form.casefold(), "name": form, "code": code})
    for alias in countries.aliases():
        if alias.code and alias.kind in countries.NAMING_KINDS:
            key = alias.text.casefold()
            names.setdefault(key, {"name_key": key, "name": alias.text, "code": alias.code})
    return display, sorted(names.values(), key=lambda row: row["name_key"])


def _fingerprint(display: list[dict], names: list[dict]) -> str:
    digest = hashlib.sha256()
    for row in (*display, *names):
        digest.update(repr(sorted(row.items())).encode("utf-8"))
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _immediate(db: sqlite_utils.Database) -> Iterator[None]:
    """BEGIN IMMEDIATE: the write lock up front, so a second process opening the file waits on the
    busy timeout instead of failing to upgrade a read snapshot (WAL's SQLITE_BUSY_SNAPSHOT)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    if db.conn.in_transaction:      # sqlite-utils' bulk writes may have committed already
        db.conn.execute("COMMIT")


def refresh_reference_tables(db: sqlite_utils.Database) -> bool:
    """Rebuild the country tables when core's data changed; True if it did (cheap otherwise)."""
    display, names = country_rows()
    fingerprint = _fingerprint(display, names)
    table = db["reference_data"]
    if table.exists():
        row = db.execute("SELECT fingerprint FROM reference_data WHERE name = ?", [FINGERPRINT_KEY]).fetchone()
        if row and row[0] == fingerprint:
            return False
    with _immediate(db):
        # Another process opening the same file may have just done it: check again under the write lock.
        if table.exists():
            row = db.execute("SELECT fingerprint FROM reference_data WHERE name = ?", [FINGERPRINT_KEY]).fetchone()
            if row and row[0] == fingerprint:
                return False
        table.create({"name": str, "fingerprint": str}, pk="name", if_not_exists=True)
        db["countries"].create({"code": str, "name": str, "adjective": str}, pk="code", if_not_exists=True)
        if "adjective" not in db["countries"].columns_dict:
            db["countries"].add_column("adjective", str)
        db.execute("DELETE FROM countries")
        db["countries"].insert_all(display, pk="code", replace=True, alter=True)
        db["country_names"].create({"name_key": str, "name": str, "code": str}, pk="name_key", if_not_exists=True)
        db.execute("DELETE FROM country_names")
        db["country_names"].insert_all(names, pk="name_key", replace=True)
        db["country_names"].create_index(["code"], if_not_exists=True)
        table.upsert({"name": FINGERPRINT_KEY, "fingerprint": fingerprint}, pk="name")
    return True
