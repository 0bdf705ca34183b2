"""Schema upgrades: a knowledge base from the first schema version opens at the latest, losing nothing."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils

from core.ids import article_id
from core.store import KnowledgeBase
from core.store.migrations import LATEST, MIGRATIONS, current_version, migrate

FIXTURE = Path(__file__).parent / "fixtures" / "store" / "schema_v1.sql"
# The first release's articles had made-up ids; version 6 re-keys every article on its canonical URL.
ID = {f"a{i}": article_id(f"https://news.example.org/{i}") for i in range(3)}
KEPT_TABLES = ("sources", "articles", "feed_entries", "seen_urls", "http_cache", "story_signatures", "figures",
               "companies", "company_mentions", "runs", "run_failures", "digests_sent")


def _v1_database(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in KEPT_TABLES + ("events",)}
    conn.close()
    return counts


def test_versions_are_consecutive():
    assert [v for v, _, _ in MIGRATIONS] == list(range(1, LATEST + 1))


def test_frozen_first_release_database_upgrades_in_place(tmp_path):
    path = tmp_path / "old.db"
    before = _v1_database(path)
    assert current_version(sqlite_utils.Database(path)) == 1

    with KnowledgeBase(path) as kb:
        assert current_version(kb.db) == LATEST
        assert kb.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        for table in KEPT_TABLES:
            assert kb.db[table].count == before[table], table
        # raw HTML moved out of articles, none lost
        assert "html" not in kb.db["articles"].columns_dict
        assert {r["article_id"]: r["html"] for r in kb.db["raw_pages"].rows} == {
            ID["a0"]: "<html><body><p>page 0</p></body></html>", ID["a1"]: "<html><body><p>page 1</p></body></html>"}
        # every first-release event is kept as a measure with its one report
        assert kb.db["events"].count == before["events"] == kb.db["event_mentions"].count
        ev0 = kb.db["events"].get("ev0")
        assert (ev0["first_article_id"], ev0["outlets_count"], ev0["targets_key"]) == (ID["a0"], 1, "CN")
        assert ev0["first_seen"] == "2026-01-05T09:00:00+00:00"
        # stories built from the articles' story ids
        assert kb.db["stories"].get("s1")["outlets_count"] == 2
        assert kb.db["figures"].get("f0")["currency"] == "USD"
        assert kb.db["articles"].get(ID["a2"])["published_month"] == "2026-01"
        assert kb.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # search and views work on the upgraded rows
        assert kb.conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'tariff'").fetchone()[0] == 3
        assert kb.conn.execute("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'dumping'").fetchone()[0] == 1
        assert kb.db["events_view"].count == 2

        # and it keeps working as a current knowledge base
        kb.save_extraction(ID["a1"], {"events": [{"type": "tariff", "actor": "US", "targets": ["CN"], "product": "widgets",
                                              "evidence": "tariffs on widgets", "status": "in_effect"}]}, "0.2")
        ev0 = kb.db["events"].get("ev0")
        assert (ev0["outlets_count"], ev0["status"]) == (2, "in_effect")
        assert kb.db["companies"].get("c0")["aliases"] == json.dumps(["Widget"])
        assert sorted(p["id"] for p in kb.pending_extraction("0.2")) == sorted([ID["a0"], ID["a2"]])


def test_each_step_upgrades_from_the_one_before(tmp_path):
    for start in range(1, LATEST):
        db = sqlite_utils.Database(tmp_path / f"from{start}.db")
        db.execute("PRAGMA journal_mode = WAL")  # as the store opens it: no sync per statement
        db.execute("PRAGMA synchronous = NORMAL")
        assert migrate(db, target=start) == list(range(1, start + 1))
        assert migrate(db) == list(range(start + 1, LATEST + 1))
        assert migrate(db) == []
        db.close()


def test_migrate_is_a_no_op_on_a_current_database(tmp_path):
    path = tmp_path / "kb.db"
    KnowledgeBase(path).close()
    schema = sqlite_utils.Database(path).schema
    KnowledgeBase(path).close()
    assert sqlite_utils.Database(path).schema == schema


def test_two_processes_opening_an_old_file_migrate_it_once(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "old.db"
    _v1_database(path)
    code = "import sys; from core.store import KnowledgeBase; KnowledgeBase(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    db = sqlite_utils.Database(path)
    assert [r["version"] for r in db["schema_version"].rows] == list(range(1, LATEST + 1))
    assert db["articles"].count == 3 and db["event_mentions"].count == 2
