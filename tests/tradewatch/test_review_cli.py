"""`tradewatch review` and `tradewatch corrections --export` on a real knowledge base file, and a
correction surviving `reextract --all` (the library function the command runs; the extractor is a
fixture's records here, so the test needs no model)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from core.store import KnowledgeBase
from tests.tradewatch.test_datasette import WORKBENCH, build_workbench
from tradewatch.cli import main
from tradewatch.extraction import reextract


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture()
def workbench(tmp_path):
    path = tmp_path / "tradewatch.db"
    ids = build_workbench(path)
    with KnowledgeBase(path) as kb:
        event_id = kb.conn.execute("SELECT id FROM events WHERE type = 'export_control'").fetchone()[0]
    return path, ids, event_id


def _event(path, event_id) -> dict:
    with KnowledgeBase(path) as kb:
        return list(kb.db.query("SELECT * FROM events WHERE id = ?", [event_id]))[0]


def fixture_extractor():
    records = {}
    for item in json.loads(WORKBENCH.read_text(encoding="utf-8"))["articles"]:
        records[item["title"]] = item["record"]

    def extract_batch(items):
        for ident, title, _text in items:
            yield ident, json.loads(json.dumps(records[title]))
    return extract_batch


def test_review_sets_fields_by_common_names_and_prints_the_measure(workbench):
    path, _, event_id = workbench
    result = run("review", event_id, "--set", "actor=Japan", "--set", "targets=South Korea, China",
                 "--set", "status=announced", "--db", path)
    assert result.exit_code == 0, result.output
    state = json.loads(result.output.splitlines()[-1])
    assert (state["actor"], state["targets"], state["status"], state["review"]) == ("JP", ["CN", "KR"], "announced",
                                                                                     "corrected")
    assert _event(path, event_id)["actor"] == "JP"


@pytest.mark.parametrize("args, message", [
    (["--set", "actor=Narnia"], "unknown country 'Narnia'"),
    (["--set", "status=banned"], "is not a status"),
    (["--set", "product=<img src=x onerror=alert(1)>"], "plain text only"),
    (["--confirm", "--reject"], "exactly one"),
    ([], "exactly one"),
])
def test_bad_review_says_why_and_changes_nothing(workbench, args, message):
    path, _, event_id = workbench
    before = _event(path, event_id)
    result = run("review", event_id, *args, "--db", path)
    assert result.exit_code == 2
    assert message in result.output and "nothing changed" in result.output
    assert _event(path, event_id) == before


def test_unknown_measure_and_missing_knowledge_base(workbench, tmp_path):
    path, _, _ = workbench
    assert "no measure with id" in run("review", "nope", "--confirm", "--db", path).output
    missing = run("review", "x", "--confirm", "--db", tmp_path / "none.db")
    assert missing.exit_code == 2 and "no knowledge base" in missing.output


def test_correction_survives_reextract_all_and_is_exported(workbench, tmp_path):
    path, ids, event_id = workbench
    assert run("review", event_id, "--set", "product=chip-making tools", "--set", "status=in_effect",
               "--db", path).exit_code == 0
    with KnowledgeBase(path) as kb:
        result = reextract(kb, fixture_extractor(), "test-2", force=True)
        assert result.articles == 9 and result.failed == 0
    after = _event(path, event_id)
    assert (after["product"], after["status"], after["review"]) == ("chip-making tools", "in_effect", "corrected")
    out = tmp_path / "corrections.jsonl"
    exported = run("corrections", "--export", "--db", path, "-o", out)
    assert exported.exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 1
    event = records[0]["events"][0]
    assert (event["type"], event["product"], event["status"]) == ("export_control", "chip-making tools", "in_effect")
    assert event["evidence"] and event["evidence"] in records[0]["text"] + records[0]["title"]
    assert run("corrections", "--export", "--db", path).output.count('"source": "tradewatch-review"') == 1
