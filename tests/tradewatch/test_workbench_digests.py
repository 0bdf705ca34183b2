"""Digests as issue 16 asks: header dates are the items' span, each quote one sentence, latest.*
keeps the last digest with items, a valid Atom feed (RELAX NG for RFC 4287, via lxml), bilateral
watchlist rules, and analysts' corrections shown (rejected measures left out)."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from core.config import Config, ConfigError, Watchlist
from core.store import corrections
from tests.tradewatch.fixtures.alerts.kbfixture import build_kb
from tradewatch.alerts import ALL, build_digest, render_atom_digest, render_markdown, run_digests
from tradewatch.alerts.digest import one_sentence
from tradewatch.alerts.matching import Event, compile_watchlist, event_matches

ATOM_RNG = Path(__file__).parent / "fixtures" / "alerts" / "atom.rng"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture()
def kb(tmp_path):
    kb, ids = build_kb(tmp_path / "kb.db")
    kb.ids = ids
    yield kb
    kb.close()


def _event_id(kb, article_key: str) -> str:
    return kb.conn.execute("SELECT event_id FROM event_mentions WHERE article_id = ?",
                           [kb.ids[article_key]]).fetchone()[0]


def test_header_gives_the_span_of_the_items_not_the_window(kb):
    digest = build_digest(kb.db, ALL)
    days = sorted((c.published or "")[:10] for item in digest.items for c in item.copies)
    header = render_markdown(digest).splitlines()[2]
    assert header.startswith(f"{len(digest.items)} new stories, published {days[0]} – {days[-1]} · generated ")
    assert "since" not in header


@pytest.mark.parametrize("text, anchor, expected", [
    ("Washington weighs tariff on Japanese chips\n\nThe U.S. Trade Representative said on Monday it may impose a "
     "tariff on Japanese chips. Tokyo said it would respond.", "it may impose a tariff",
     "The U.S. Trade Representative said on Monday it may impose a tariff on Japanese chips."),
    ("Headline without a stop\nMr. Smith of Acme Co. said prices would rise. Nothing else was said today.", "",
     "Mr. Smith of Acme Co. said prices would rise."),
])
def test_a_quote_is_one_sentence(text, anchor, expected):
    assert one_sentence(text, anchor, text.splitlines()[0]) == expected


def test_every_quote_in_a_digest_is_one_sentence_and_not_the_headline(kb):
    for item in build_digest(kb.db, ALL).items:
        assert "\n" not in item.evidence
        assert not item.evidence.startswith(item.lead.title + " ")


def test_latest_keeps_the_last_digest_that_had_items(kb, tmp_path):
    config = Config(db=str(tmp_path / "kb.db"), watchlists=[Watchlist(name="everything")])
    first = run_digests(kb.db, config, tmp_path / "out", mail=False)
    assert first[0].items > 0
    second = run_digests(kb.db, config, tmp_path / "out", mail=False)
    assert second[0].items == 0
    folder = tmp_path / "out" / "everything"
    assert "Nothing new" in second[0].paths["md"].read_text()
    latest = (folder / "latest.md").read_text()
    assert "Nothing new" not in latest and latest == first[0].paths["md"].read_text()


def _valid_atom(text: str) -> etree._Element:
    schema = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), schema.error_log
    ids = [e.text for e in doc.iter(f"{ATOM}id")]
    assert len(ids) == len(set(ids)), "ids must be unique"
    return doc


def test_atom_feed_is_valid_with_author_self_link_and_unique_ids(kb, tmp_path):
    config = Config(db=str(tmp_path / "kb.db"), datasette_url="http://127.0.0.1:8001",
                    watchlists=[Watchlist(name="jp", countries=["Japan"])])
    run_digests(kb.db, config, tmp_path / "out", mail=False)
    doc = _valid_atom((tmp_path / "out" / "jp.atom").read_text())
    assert doc.find(f"{ATOM}author/{ATOM}name").text == "tradewatch"
    self_link = [l for l in doc.iter(f"{ATOM}link") if l.get("rel") == "self"]
    assert [l.get("href") for l in self_link] == ["http://127.0.0.1:8001/tradewatch/-/feed/jp.atom"]
    assert len(doc.findall(f"{ATOM}entry")) == 2
    # the per-digest Atom body (tradewatch digest --format atom) is valid too
    _valid_atom(render_atom_digest(build_digest(kb.db, ALL, datasette_url="http://127.0.0.1:8001")))


def test_the_schema_catches_a_feed_without_an_author():
    bad = ('<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>t</title>'
           '<updated>2026-11-20T10:00:00+00:00</updated></feed>')
    schema = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    assert not schema.validate(etree.fromstring(bad.encode()))


def test_bilateral_rule_us_measures_aimed_at_japan(kb):
    digest = build_digest(kb.db, Watchlist(name="us-on-japan", pairs=["USA -> Japan"]))
    assert sorted(i.lead.title for i in digest.items) == ["US announces 100% tariff on Japanese chips",
                                                          "Washington weighs tariff on Japanese chips"]
    assert build_digest(kb.db, Watchlist(name="japan-on-us", pairs=["Japan -> United States"])).items == []
    compiled = compile_watchlist(Watchlist(name="p", pairs=["United States → China"]))
    assert event_matches(compiled, Event("e", "tariff", "US", ["CN", "MX"]))
    assert not event_matches(compiled, Event("e", "tariff", "CN", ["US"]))
    for bad in ("United States", "USA -> Atlantis"):
        with pytest.raises(ConfigError, match="pair"):
            compile_watchlist(Watchlist(name="bad", pairs=[bad]))


def test_digests_show_corrected_values_and_leave_rejected_measures_out(kb):
    with kb.transaction() as conn:
        corrections.review_event(conn, _event_id(kb, "steel"), sets={"status": "announced", "product": "steel wire rod"})
        corrections.review_event(conn, _event_id(kb, "hostile"), reject=True)
    digest = build_digest(kb.db, ALL)
    lines = [m.line for item in digest.items for m in item.measures]
    assert any(line.startswith("EU trade remedy on Chinese steel wire rod: announced") for line in lines), lines
    assert not any(m.event.actor == "BR" for item in digest.items for m in item.measures)
