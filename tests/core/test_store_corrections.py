"""The review loop in the store: corrections win over the extractor, survive re-extraction (also
when a new extractor gives the measure another id), leave nothing changed on bad input, and
export in the gold record shape."""
from __future__ import annotations

import json

import pytest

from core.store import KnowledgeBase
from core.store import corrections
from core.store.corrections import ReviewError


def _article(url, title, text, day):
    return {"url": url, "title": title, "text": text, "published": f"{day}T09:00:00+00:00", "language": "en"}


GRAPHITE = ("Beijing will require licences to export graphite from 1 December, the commerce ministry said. "
            "The rule covers graphite worth about $1.2bn a year.")
THREAT = "The United States could impose a 25% tariff on lithium-ion batteries made in China, USTR said on Monday."
DECISION = "The United States will impose a 25% tariff on lithium-ion batteries from China from 1 January, USTR said."


def _graphite_record(event_type="export_control", evidence="Beijing will require licences to export graphite"):
    return {
        "figures": [{"text": "$1.2bn", "kind": "money", "value": 1.2e9, "unit": "USD",
                     "sentence": "The rule covers graphite worth about $1.2bn a year.", "start": 97, "end": 103}],
        "companies": [{"name": "Hunan Shanshi Graphite Co", "aliases": [], "country": None}],
        "events": [{"type": event_type, "actor": "CN", "targets": [], "status": "in_effect", "product": "",
                    "evidence": evidence, "start": 0, "end": len(evidence)}],
    }


@pytest.fixture
def kb(tmp_path):
    with KnowledgeBase(tmp_path / "tradewatch.db") as kb:
        aid = kb.save_article(_article("https://wire.example.net/graphite", "Beijing adds graphite to licence list",
                                       GRAPHITE, "2026-11-14"), source="wire", tier="wire",
                              fetched_at="2026-11-14T10:00:00+00:00", content_hash="g1")
        kb.save_extraction(aid, _graphite_record(), "v1")
        kb.graphite = aid
        yield kb


def _event(kb) -> dict:
    rows = list(kb.db.query("SELECT * FROM events"))
    assert len(rows) == 1
    return rows[0]


def _review(kb, event_id, **kw):
    with kb.transaction() as conn:
        return corrections.review_event(conn, event_id, **kw)


def test_a_correction_wins_and_the_extractors_value_is_kept(kb):
    event = _event(kb)
    state = _review(kb, event["id"], sets={"product": "graphite and lithium", "status": "announced",
                                            "targets": "USA, South Korea"})
    assert state["product"] == "graphite and lithium" and state["status"] == "announced"
    assert state["targets"] == ["KR", "US"] and state["review"] == "corrected"
    assert state["hs_chapters"] == ["28"]          # the product's HS chapter follows the corrected product
    assert state["extracted"] == {"product": "", "status": "in_effect", "targets": [], "hs_chapters": []}
    view = list(kb.db.query("SELECT product, status, target_names FROM events_view"))[0]
    assert view["product"] == "graphite and lithium" and view["status"] == "announced"
    assert json.loads(view["target_names"]) == ["South Korea", "United States"]


@pytest.mark.parametrize("sets, message", [
    ({"actor": "Narnia"}, "unknown country 'Narnia'"),
    ({"targets": "China, Atlantis"}, "unknown country 'Atlantis'"),
    ({"status": "banned"}, "'banned' is not a status"),
    ({"type": "embargo"}, "'embargo' is not an event type"),
    ({"product": "<script>alert(1)</script>"}, "plain text only"),
    ({"effective": "next week"}, "is not a date"),
    ({"hs_chapters": "99"}, "not an HS chapter"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_bad_input_is_refused_with_one_message_and_nothing_changes(kb, sets, message):
    before = _event(kb)
    with pytest.raises(ReviewError, match=message):
        _review(kb, before["id"], sets={"status": "announced", **sets})   # the valid field is not kept either
    assert _event(kb) == before
    assert kb.db["corrections"].count == 0


def test_one_action_at_a_time_and_a_known_measure(kb):
    event = _event(kb)
    with pytest.raises(ReviewError, match="exactly one"):
        _review(kb, event["id"], confirm=True, reject=True)
    with pytest.raises(ReviewError, match="no measure"):
        _review(kb, "nope", confirm=True)
    with pytest.raises(ReviewError, match="FIELD=VALUE"):
        corrections.parse_assignments(["status"])


def test_corrections_survive_reextraction_by_the_same_extractor(kb):
    event = _event(kb)
    _review(kb, event["id"], sets={"product": "graphite", "status": "announced"})
    kb.save_extraction(kb.graphite, _graphite_record(), "v2")      # what `reextract --all` does per article
    after = _event(kb)
    assert after["id"] == event["id"]
    assert (after["product"], after["status"], after["review"]) == ("graphite", "announced", "corrected")
    assert json.loads(after["extracted"])["status"] == "in_effect"


def test_a_correction_follows_its_report_when_a_new_extractor_changes_the_measures_key(kb):
    event = _event(kb)
    _review(kb, event["id"], sets={"type": "export_control", "product": "graphite"})
    _review(kb, event["id"], confirm=True)
    # The new extractor calls it an import restriction: another key, so another measure id.
    kb.save_extraction(kb.graphite, _graphite_record("import_restriction"), "v3")
    after = _event(kb)
    assert after["id"] != event["id"]
    assert (after["type"], after["product"], after["review"]) == ("export_control", "graphite", "corrected")
    assert json.loads(after["extracted"])["type"] == "import_restriction"
    assert {r["target_id"] for r in kb.db["corrections"].rows} == {after["id"]}


def test_a_rejected_measure_leaves_the_views_but_stays_in_the_table(kb):
    event = _event(kb)
    _review(kb, event["id"], reject=True)
    assert _event(kb)["review"] == "rejected"
    assert kb.db.execute("SELECT count(*) FROM events_view").fetchone()[0] == 0
    kb.save_extraction(kb.graphite, _graphite_record(), "v2")
    assert _event(kb)["review"] == "rejected"


def test_company_corrections_survive_reextraction(kb):
    company = list(kb.db["companies"].rows)[0]
    with kb.transaction() as conn:
        corrections.review_company(conn, company["id"], sets={"name": "Hunan Shanshi Graphite", "country": "China"})
    kb.save_extraction(kb.graphite, _graphite_record(), "v2")
    rows = list(kb.db["companies"].rows)
    assert len(rows) == 1
    assert (rows[0]["name"], rows[0]["country"], rows[0]["review"]) == ("Hunan Shanshi Graphite", "CN", "corrected")
    assert "Hunan Shanshi Graphite Co" in json.loads(rows[0]["aliases"])
    with kb.transaction() as conn, pytest.raises(ReviewError, match="unknown country"):
        corrections.review_company(conn, company["id"], sets={"country": "Ruritania"})


def test_export_is_in_the_gold_record_shape(kb):
    event = _event(kb)
    _review(kb, event["id"], sets={"product": "graphite"})
    company = list(kb.db["companies"].rows)[0]
    with kb.transaction() as conn:
        corrections.review_company(conn, company["id"], reject=True)
    records = list(corrections.export_records(kb.conn))
    assert len(records) == 1
    record = records[0]
    assert {"source", "id", "text", "figures", "companies", "events"} <= set(record)
    assert record["id"] == kb.graphite and record["text"] == GRAPHITE
    gold_event = record["events"][0]
    assert {k: gold_event[k] for k in ("type", "actor", "targets", "status", "product")} == {
        "type": "export_control", "actor": "CN", "targets": [], "status": "in_effect", "product": "graphite"}
    assert gold_event["evidence"] in GRAPHITE
    assert record["rejected"]["companies"][0]["name"] == "Hunan Shanshi Graphite Co"


def test_a_threat_and_the_decision_that_follows_are_one_measure_with_a_history(tmp_path):
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        for url, text, day, status, announced in (
            ("https://ledger.example.com/threat", THREAT, "2026-11-03", "threatened", "Monday"),
            ("https://ledger.example.com/decision", DECISION, "2026-11-21", "announced", "Friday"),
        ):
            aid = kb.save_article(_article(url, text[:40], text, day), source="ledger", fetched_at=day,
                                  content_hash=url)
            kb.save_extraction(aid, {"events": [{
                "type": "tariff", "actor": "US", "targets": ["CN"], "status": status,
                "product": "lithium-ion batteries", "announced": announced, "evidence": text[:60]}]}, "v1")
        events = list(kb.db.query("SELECT status, mentions_count FROM events"))
        assert events == [{"status": "announced", "mentions_count": 2}]
        statuses = [r[0] for r in kb.conn.execute(
            "SELECT status FROM event_reports_view ORDER BY reported")]
        assert statuses == ["threatened", "announced"]
