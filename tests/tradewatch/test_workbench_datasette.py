"""The workbench through Datasette's own client (fast): filters by common country names, newest-data
windows, search, sort, links, read-only for anonymous users; the browser tests drive the same pages."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from core.store import KnowledgeBase
from tests.tradewatch.test_datasette import fetch
from tests.tradewatch.test_workbench_browser import build_questions


@pytest.fixture(scope="module")
def kb_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("questions") / "tradewatch.db"
    build_questions(path)
    return path


def rows(path, page: str, **params) -> list[dict]:
    response, = fetch(path, f"{page}.json?" + urlencode({**params, "_shape": "array"}))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("actor, affected, expected", [
    ("UK", "Russia", ["sanction"]),
    ("United Kingdom", "", ["sanction"]),
    ("USA", "China", ["tariff"]),
    ("Chinese", "", ["export_control", "export_control"]),
    ("", "USA", ["export_control"]),
    ("Atlantis", "", []),
])
def test_measures_by_any_common_country_name(kb_path, actor, affected, expected):
    found = rows(kb_path, "/tradewatch/measures", actor=actor, affected=affected)
    assert [r["type"] for r in found] == expected


def test_windows_count_from_the_newest_data_or_from_today(kb_path):
    latest_month = rows(kb_path, "/tradewatch/measures", actor="China", period="latest-month")
    assert [r["product"] for r in latest_month] == ["graphite"]              # not last year's gallium
    assert rows(kb_path, "/tradewatch/measures", period="this-week") == []     # the data is from 2026-11
    week = rows(kb_path, "/tradewatch/new_measures_latest_week")
    assert {r["type"] for r in week} == {"sanction"}                           # first reported 2026-11-19
    assert rows(kb_path, "/tradewatch/tariffs_latest_week")[0]["product"] == "lithium-ion batteries"


def test_filters_on_status_product_chapter_dates_and_tier(kb_path):
    assert [r["product"] for r in rows(kb_path, "/tradewatch/measures", status="lifted")] == ["flat-rolled steel"]
    assert [r["product"] for r in rows(kb_path, "/tradewatch/measures", hs_chapter="85")] == ["lithium-ion batteries"]
    assert [r["product"] for r in rows(kb_path, "/tradewatch/measures", effective_from="2027-01-01")] == [
        "lithium-ion batteries"]
    assert {r["product"] for r in rows(kb_path, "/tradewatch/measures", tier="blog")} == {"<b>tankers</b>"}
    assert [r["type"] for r in rows(kb_path, "/tradewatch/measures", product="graphite", type="export_control")] == [
        "export_control"]


def test_search_and_date_order(kb_path):
    assert [r["type"] for r in rows(kb_path, "/tradewatch/events", _search="export controls")] == [
        "export_control", "export_control"]
    figures = rows(kb_path, "/tradewatch/figures")
    assert [f["published"] for f in figures] == sorted((f["published"] for f in figures), reverse=True)
    assert [f["text"] for f in rows(kb_path, "/tradewatch/figures", _search="tonnes")] == ["1.2 million tonnes"]


def test_cells_link_ids_and_name_countries(kb_path):
    page, = fetch(kb_path, "/tradewatch/events_view")
    assert 'href="/tradewatch/-/measure/' in page.text and 'href="/tradewatch/-/article/' in page.text
    assert '<span class="tw-name">China</span>' in page.text
    assert "&lt;b&gt;tankers&lt;/b&gt;" in page.text and "<b>tankers</b>" not in page.text
    stories, = fetch(kb_path, "/tradewatch/articles")
    assert 'href="/tradewatch/-/article/' in stories.text


def test_pages_answer_and_anonymous_users_cannot_review(kb_path):
    with KnowledgeBase(kb_path) as kb:
        event_id = kb.conn.execute("SELECT id FROM events LIMIT 1").fetchone()[0]
    measure, missing, review, feed = fetch(
        kb_path, f"/tradewatch/-/measure/{event_id}", "/tradewatch/-/measure/nope",
        f"/tradewatch/-/review/event/{event_id}", "/tradewatch/-/feed/us-china.atom")
    assert measure.status_code == 200 and "Timeline: every report" in measure.text
    assert missing.status_code == 404
    assert review.status_code == 403
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")


def test_story_titles_and_ids_are_links(tmp_path):
    from tests.tradewatch.test_datasette import build_workbench

    path = tmp_path / "tradewatch.db"
    build_workbench(path)
    page, = fetch(path, "/tradewatch/top_stories")
    assert 'href="/tradewatch/-/article/' in page.text             # the title opens the first article
    assert 'href="/tradewatch/articles?story_id=story-steel"' in page.text
