"""Alerts: matching, change-aware wording, grouping, ranking, no-repeat state, escaping.

The knowledge base is a real SQLite file written through the store API from self-written
fixtures (tests/tradewatch/fixtures/alerts/kb_articles.json); no crawler or model needed.
"""
from __future__ import annotations

import copy
import re
import html.parser
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from tests.tradewatch.fixtures.alerts.kbfixture import add_articles, build_kb, fixture_articles
from tradewatch.alerts import ALL, build_digest, record, render_atom_digest, render_html, render_markdown, run_digests
from tradewatch.alerts import state
from tradewatch.alerts.matching import compile_watchlist, normalise_company
from tradewatch.alerts.render import md_text, safe_url
from core.config import Config, ConfigError, FigureRule, Watchlist


@pytest.fixture()
def kb(tmp_path):
    kb, _ = build_kb(tmp_path / "kb.db")
    yield kb
    kb.close()


def titles(digest):
    return [item.lead.title for item in digest.items]


# --- matching ------------------------------------------------------------------------------


def test_country_and_event_type_criteria_combine(kb):
    digest = build_digest(kb.db, Watchlist(name="jp-tariffs", countries=["Japan"], event_types=["tariff"]))
    assert sorted(titles(digest)) == ["US announces 100% tariff on Japanese chips",
                                      "Washington weighs tariff on Japanese chips"]
    as_actor = build_digest(kb.db, Watchlist(name="jp-actor", countries=["actor:JP"]))
    assert as_actor.items == []
    as_target = build_digest(kb.db, Watchlist(name="cn-target", countries=["target:China"]))
    assert titles(as_target) == ["EU opens anti-dumping probe into Chinese steel"]


def test_status_filter(kb):
    digest = build_digest(kb.db, Watchlist(name="announced", statuses=["announced"]))
    assert titles(digest) == ["US announces 100% tariff on Japanese chips"]


def test_company_resolved_through_alias_and_legal_suffix(kb):
    for name in ("Samsung", "Samsung Electronics Co., Ltd.", "SAMSUNG ELECTRONICS"):
        digest = build_digest(kb.db, Watchlist(name=f"w-{name}", companies=[name]))
        assert titles(digest) == ["Samsung to invest $1.2bn in new memory line"], name
    assert build_digest(kb.db, Watchlist(name="none", companies=["Samsonite"])).items == []
    assert normalise_company("Toyota Motor Corp.") == normalise_company("toyota motor")


def test_figure_rules(kb):
    big_money_with_company = Watchlist(
        name="big", companies=["Samsung", "Acme"],
        figure_rules=[FigureRule(kind="money", min_value=1e9, unit="USD", with_company=True)])
    digest = build_digest(kb.db, big_money_with_company)
    # Samsung matches as a company and through the rule; Acme only as a company.
    reasons = {i.lead.title: i.matched_by for i in digest.items}
    assert "figure $1.2bn" in reasons["Samsung to invest $1.2bn in new memory line"]
    assert not any(r.startswith("figure") for r in reasons["US announces 100% tariff on Japanese chips"])
    rule_only = build_digest(kb.db, Watchlist(name="rates", figure_rules=[FigureRule(kind="percent", min_value=30)]))
    assert sorted(titles(rule_only))[0] == "<script>alert('x')</script> [click me](javascript:alert(1)) **Tariff** _news_ <img src=x onerror=alert(2)>"
    assert "US announces 100% tariff on Japanese chips" in titles(rule_only)
    assert "Washington weighs tariff on Japanese chips" not in titles(rule_only)   # 25% < 30%


def test_products_and_hs_chapters(kb):
    steel = build_digest(kb.db, Watchlist(name="steel", hs_chapters=["72"]))
    assert "EU opens anti-dumping probe into Chinese steel" in titles(steel)
    chips = build_digest(kb.db, Watchlist(name="chips", products=["semiconductors"], event_types=["tariff"]))
    assert len(chips.items) == 2
    with pytest.raises(ConfigError, match="HS chapter"):
        compile_watchlist(Watchlist(name="bad", hs_chapters=["00"]))
    with pytest.raises(ConfigError, match="unknown country"):
        compile_watchlist(Watchlist(name="bad", countries=["Atlantis"]))


def test_hs_chapter_assigned_by_the_extractor(tmp_path):
    kb, _ = build_kb(tmp_path / "kb.db", keys=[])
    add_articles(kb, [{
        "key": "rod", "url": "https://gov.example/rod", "source": "gov-d", "tier": "government", "story": None,
        "days_ago": 1, "title": "Duties on wire rod from Vietnam",
        "text": "Canada set provisional duties on wire rod from Vietnam.",
        "record": {"figures": [], "companies": [], "events": [
            {"type": "trade_remedy", "actor": "CA", "targets": ["VN"], "status": "announced",
             "product": "wire rod", "hs_chapters": ["72"], "evidence": "set provisional duties on wire rod"}]},
    }])
    assert len(build_digest(kb.db, Watchlist(name="ch72", hs_chapters=["72"], countries=["CA"])).items) == 1
    assert build_digest(kb.db, Watchlist(name="ch85", hs_chapters=["85"], countries=["CA"])).items == []
    kb.close()


def test_fts_query(kb):
    digest = build_digest(kb.db, Watchlist(name="q", queries=["memory production"]))
    assert titles(digest) == ["Samsung to invest $1.2bn in new memory line"]
    odd = build_digest(kb.db, Watchlist(name="q2", queries=['steel "pipes']))   # not valid FTS syntax
    assert titles(odd) == ["EU opens anti-dumping probe into Chinese steel"]


# --- grouping, ranking, change-aware wording ------------------------------------------------


def test_syndicated_copies_grouped_once(kb):
    digest = build_digest(kb.db)
    announce = [i for i in digest.items if i.lead.title == "US announces 100% tariff on Japanese chips"]
    assert len(announce) == 1
    assert announce[0].carried_by == 2 and set(announce[0].outlets) == {"national-b", "trade-c"}
    assert announce[0].lead.source == "national-b"              # the higher tier leads
    assert "Carried by 2 outlets" in render_markdown(digest)


def test_change_aware_wording(kb):
    digest = build_digest(kb.db, Watchlist(name="chips", countries=["JP"]))
    by_title = {i.lead.title: i for i in digest.items}
    update = by_title["US announces 100% tariff on Japanese chips"].measures[0]
    assert update.line == "US tariff on Japanese semiconductors: threatened → announced; 25% → 100% on $300m"
    first = by_title["Washington weighs tariff on Japanese chips"].measures[0]
    assert first.line == "US tariff on Japanese semiconductors: threatened; 25%"
    assert not first.changed
    markdown = render_markdown(digest)
    assert "**Changed:** US tariff on Japanese semiconductors: threatened → announced" in markdown


def test_change_aware_after_the_earlier_report_was_digested(tmp_path):
    """The earlier report went out in an earlier digest; the update still says what changed."""
    kb, _ = build_kb(tmp_path / "kb.db", keys=["threat"])
    watch = Watchlist(name="chips", countries=["JP"])
    first = build_digest(kb.db, watch)
    record(kb.db, first)
    add_articles(kb, [a for a in fixture_articles() if a["key"] == "announce"])
    second = build_digest(kb.db, watch)
    assert [i.measures[0].line for i in second.items] == [
        "US tariff on Japanese semiconductors: threatened → announced; 25% → 100% on $300m"]
    kb.close()


def test_ranking_prefers_more_outlets_stronger_status_and_recency(kb):
    digest = build_digest(kb.db)
    order = titles(digest)
    assert order[0] == "US announces 100% tariff on Japanese chips"       # 2 outlets, changed, recent
    assert order.index("EU opens anti-dumping probe into Chinese steel") < order.index(
        "Washington weighs tariff on Japanese chips")                      # same tier class, newer
    assert all(a.score >= b.score for a, b in zip(digest.items, digest.items[1:]))


# --- state: no repeats ---------------------------------------------------------------------


def _delivered(kb, digest):
    record(kb.db, digest)
    state.mark_delivered(kb.db, digest.digest_id, digest.created_at, ["test"])


def test_no_repeats_across_three_runs_with_reextraction(tmp_path):
    articles = {a["key"]: a for a in fixture_articles()}
    kb, _ = build_kb(tmp_path / "kb.db", keys=["threat", "samsung"])
    seen: list[str] = []
    run1 = build_digest(kb.db)
    _delivered(kb, run1)
    seen += [i.key for i in run1.items]
    assert sorted(seen) == ["story-samsung", "story-threat"]

    # run 2: a new story, plus a syndicated copy of an already digested story
    copy_of_threat = copy.deepcopy(articles["threat"])
    copy_of_threat.update(key="threat-copy", url="https://other.example/chip-tariff-copy", source="other-f")
    add_articles(kb, [articles["steel"], copy_of_threat])
    run2 = build_digest(kb.db)
    _delivered(kb, run2)
    assert [i.key for i in run2.items] == ["story-steel"]
    seen += [i.key for i in run2.items]

    # run 3: everything re-extracted by a new extractor version (new rows, same stories)
    add_articles(kb, list(articles.values())[:1] + [articles["samsung"], articles["steel"]],
                 extractor_version="test-2")
    add_articles(kb, [articles["announce"]], extractor_version="test-2")
    run3 = build_digest(kb.db)
    _delivered(kb, run3)
    assert [i.key for i in run3.items] == ["story-announce"]
    seen += [i.key for i in run3.items]
    assert len(seen) == len(set(seen))
    assert build_digest(kb.db).items == []
    # --since looks back without touching the state
    since = (datetime.now(timezone.utc) - timedelta(days=30)).date().isoformat()
    look_back = build_digest(kb.db, since=since)
    assert len(look_back.items) == 4 and not look_back.record_state
    kb.close()


def test_story_id_assigned_later_does_not_repeat(tmp_path):
    articles = {a["key"]: dict(a) for a in fixture_articles()}
    lone = dict(articles["samsung"], story=None)
    kb, _ = build_kb(tmp_path / "kb.db", keys=[])
    ids = add_articles(kb, [lone])
    _delivered(kb, build_digest(kb.db))
    kb.save_signature(ids["samsung"], "story-late", b"\x00" * 16)      # dedupe joins it to a story later
    assert build_digest(kb.db).items == []
    kb.close()


def test_copy_sent_before_dedupe_keeps_its_story_out(tmp_path):
    """An article digested on its own, later joined by dedupe with a new copy into one story:
    the story is not offered again for the new copy."""
    articles = {a["key"]: dict(a) for a in fixture_articles()}
    kb, _ = build_kb(tmp_path / "kb.db", keys=[])
    first = add_articles(kb, [dict(articles["steel"], story=None)])
    _delivered(kb, build_digest(kb.db))
    second = add_articles(kb, [dict(articles["steel"], key="steel-copy", url="https://copy.example/steel",
                                    source="copy-g", story=None)])
    for article_id in (first["steel"], second["steel-copy"]):
        kb.save_signature(article_id, "story-steel-merged", b"\x01" * 16)
    assert build_digest(kb.db).items == []
    kb.close()


def test_crash_between_reserving_and_delivering(tmp_path):
    """A digest reserved (pending) but never delivered is delivered by the next run, unchanged,
    and its items are not offered again."""
    kb, _ = build_kb(tmp_path / "kb.db")
    config = Config(watchlists=[Watchlist(name="chips", countries=["JP"])])
    pending_digest = build_digest(kb.db, config.watchlists[0])
    record(kb.db, pending_digest)                                   # ...and the process dies here
    assert [row["id"] for row in state.pending(kb.db)] == [pending_digest.digest_id]

    results = run_digests(kb.db, config, tmp_path / "digests", mail=False)
    assert [r.digest_id for r in results][0] == pending_digest.digest_id
    assert results[0].items == 2 and results[1].items == 0
    assert state.pending(kb.db) == []
    assert results[0].markdown_path.read_text() == render_markdown(pending_digest)
    atom = ET.fromstring((tmp_path / "digests" / "chips.atom").read_text())
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2
    kb.close()


# --- escaping ------------------------------------------------------------------------------

HOSTILE_TITLE = "<script>alert('x')</script> [click me](javascript:alert(1)) **Tariff** _news_ <img src=x onerror=alert(2)>"


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs, self.handlers = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "href":
                self.hrefs.append(value)
            if name.startswith("on"):
                self.handlers.append(name)


def test_hostile_titles_escaped_in_html(kb):
    digest = build_digest(kb.db, datasette_url="http://127.0.0.1:8001")
    page = render_html(digest)
    parsed = _Collector()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    assert parsed.handlers == []
    assert parsed.hrefs and all(h.startswith(("http://", "https://")) for h in parsed.hrefs)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_hostile_titles_inert_in_markdown(kb):
    markdown = render_markdown(build_digest(kb.db))
    line = next(l for l in markdown.splitlines() if "click me" in l)
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown)        # only escaped brackets before it
    assert not re.search(r"(?<!\\)<(script|img|b)\b", markdown)       # every < of the web is escaped
    assert "\\*\\*Tariff\\*\\*" in line and "\\[click me\\]" in line
    # the hostile URL stays inside its link: no raw quote, angle bracket or parenthesis
    link = next(l for l in markdown.splitlines() if "blog.example" in l)
    target = link.split("](", 1)[1].split(")", 1)[0]
    assert not set(target) & set("<>\"() ")


def test_hostile_titles_in_atom(kb):
    feed = render_atom_digest(build_digest(kb.db))
    root = ET.fromstring(feed)                                        # well-formed XML
    ns = "{http://www.w3.org/2005/Atom}"
    titles_ = [e.findtext(f"{ns}title") for e in root.findall(f"{ns}entry")]
    assert HOSTILE_TITLE in titles_                                   # text, not markup
    for entry in root.findall(f"{ns}entry"):
        content = _Collector()
        content.feed(entry.findtext(f"{ns}content"))
        assert "script" not in content.tags and content.handlers == []
        for link in entry.findall(f"{ns}link"):
            assert link.get("href").startswith(("http://", "https://"))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,x",
                                 "vbscript:x", "//evil.example/x", "", None])
def test_safe_url_refuses_non_http(url):
    assert safe_url(url) == ""


def test_markdown_text_cannot_open_markup():
    text = md_text("a\n# heading\n[x](javascript:y) `code` <b>|")
    assert "\n" not in text
    assert "\\[x\\]" in text and "\\`code\\`" in text and "\\<b\\>" in text and "\\|" in text


def test_all_watchlist_state_is_its_own(kb):
    _delivered(kb, build_digest(kb.db))
    assert build_digest(kb.db).items == []
    assert len(build_digest(kb.db, Watchlist(name="chips", countries=["JP"])).items) == 2
    assert ALL.name == "all"
    stored = json.loads(kb.db["digests"].rows_where("watchlist = 'all'").__next__()["items"])
    assert {i["key"] for i in stored} >= {"story-threat", "story-announce"}


def test_measure_line_wording():
    from tradewatch.alerts.model import Event, Figure, Measure
    from tradewatch.alerts.wording import measure_line, measure_phrase

    event = Event("e1", "export_control", "JP", ["KR"], "in_effect", "photoresists", "")
    phrase = measure_phrase(event)
    assert phrase == "Japanese export controls on South Korean photoresists"
    rate = lambda v: Figure(f"{v}%", "percent", v, "percent")  # noqa: E731
    new = Measure(event, phrase, "in_effect", [rate(10)])
    assert measure_line(new) == "Japanese export controls on South Korean photoresists: in effect; 10%"
    raised = Measure(event, phrase, "in_effect", [rate(25)], previous_status="in_effect",
                     previous_figures=[rate(10)], previous_article_id="a0")
    assert measure_line(raised).endswith(": in effect; 10% → 25%")
    again = Measure(event, phrase, "in_effect", [rate(10)], previous_status="in_effect",
                    previous_figures=[rate(10)], previous_article_id="a0")
    assert measure_line(again).endswith(": in effect; 10%; as reported before")
    lifted = Measure(event, phrase, "lifted", [], previous_status="in_effect", previous_article_id="a0")
    assert measure_line(lifted).endswith(": in effect → lifted")
    deal = measure_phrase(Event("e2", "trade_agreement", "EU", ["AU"], "negotiating", "", ""))
    assert deal == "EU trade agreement with Australia"


def test_recording_a_digest_reserves_each_item_once(kb):
    digest = build_digest(kb.db, Watchlist(name="chips", countries=["JP"]))
    record(kb.db, digest)
    record(kb.db, digest)                                      # a second record of the same digest
    assert state.already_sent(kb.db, "chips", ["story-announce", "story-threat", "other"]) == {
        "story-announce", "story-threat"}
    assert kb.conn.execute("SELECT count(*) FROM digests_sent WHERE item_key = 'story-announce'").fetchone() == (1,)
