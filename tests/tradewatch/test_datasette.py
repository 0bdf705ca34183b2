"""Datasette on a knowledge base built through the store, via Datasette's own test client."""
from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from tradewatch.datasette import SETTINGS, load_metadata, make_datasette, serve_args
from core.store import KnowledgeBase, article_id
from extract.companies import NAMING

WORKBENCH = Path(__file__).parent / "fixtures" / "store" / "workbench.json"


def build_workbench(path: Path, now: datetime | None = None) -> dict[str, str]:
    """The fixture knowledge base (dates relative to `now`); returns fixture key → article id."""
    now = now or datetime.now(timezone.utc)
    data = json.loads(WORKBENCH.read_text(encoding="utf-8"))
    ids = {}
    with KnowledgeBase(path, company_naming=NAMING) as kb:
        for item in data["articles"]:
            published = (now - timedelta(days=item["days_ago"])).isoformat(timespec="seconds")
            article = {k: item[k] for k in ("url", "title", "text", "language")} | {"published": published}
            aid = kb.save_article(article, source=item["source"], tier=item["tier"], fetched_at=published,
                                  content_hash=hashlib.sha1(item["text"].encode()).hexdigest())
            kb.save_extraction(aid, item["record"], "test")
            if item.get("story"):
                kb.save_signature(aid, f"story-{item['story']}", b"sig")
            ids[item["key"]] = aid
    return ids


@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    path = tmp_path_factory.mktemp("datasette") / "tradewatch.db"
    ids = build_workbench(path)
    return path, ids


def fetch(db_path: Path, *paths: str):
    """Responses for `paths`, from one in-process Datasette."""
    ds = make_datasette(db_path)

    async def run():
        await ds.invoke_startup()
        return [await ds.client.get(p) for p in paths]

    return asyncio.run(run())


def rows(db_path: Path, path: str, **params) -> list[dict]:
    query = urlencode({**params, "_shape": "array"})
    response, = fetch(db_path, f"{path}.json?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_tariffs_and_trade_remedies_this_week(workbench):
    path, ids = workbench
    result = rows(path, "/tradewatch/tariffs_this_week")
    assert [(r["type"], r["actor"], r["outlets_count"]) for r in result] == [("tariff", "US", 3), ("trade_remedy", "EU", 2)]
    assert result[0]["article_url"] == "https://wire.example.net/2026/us-steel-tariff"  # the first report
    assert result[0]["status"] == "in_effect"  # the latest report's status


@pytest.mark.parametrize("country", ["CN", "cn", "China"])
def test_events_for_a_country_as_actor_or_target(workbench, country):
    path, _ = workbench
    result = rows(path, "/tradewatch/events_for_country", country=country)
    assert sorted((r["type"], r["role"]) for r in result) == [
        ("export_control", "target"), ("tariff", "target"), ("trade_remedy", "target")]


def test_events_for_the_united_states(workbench):
    path, _ = workbench
    result = rows(path, "/tradewatch/events_for_country", country="United States")
    assert sorted((r["type"], r["actor"], r["role"]) for r in result) == [
        ("export_control", "US", "actor"), ("tariff", "CA", "target"), ("tariff", "US", "actor")]


def test_figures_mentioned_with_a_company(workbench):
    path, ids = workbench
    result = rows(path, "/tradewatch/figures_with_company", company="Nippon Steel")
    assert {r["company"] for r in result} == {"Nippon Steel Corp"}  # both spellings are one company
    assert sorted(r["figure"] for r in result) == ["$2.5bn", "25%", "3.1%"]
    same = {r["figure"]: r["same_sentence"] for r in result}
    assert same == {"$2.5bn": 1, "3.1%": 1, "25%": 0}
    assert result[-1]["figure"] == "25%"  # same-sentence figures first
    assert rows(path, "/tradewatch/figures_with_company", company="Boeing") == []


def test_stories_carried_by_most_outlets(workbench):
    path, _ = workbench
    result = rows(path, "/tradewatch/top_stories")
    assert [(r["story_id"], r["outlets_count"], r["articles_count"]) for r in result] == [
        ("story-steel", 3, 3), ("story-bikes", 2, 2)]
    assert result[0]["title"] == "US raises tariffs on Chinese steel to 25%"  # earliest article's title


def test_full_text_search_with_snippets(workbench):
    path, ids = workbench
    result = rows(path, "/tradewatch/search_articles", q="tariffs steel")
    assert {r["id"] for r in result} == {ids["a1"], ids["a3"]}  # stemmed: "tariff" matches "tariffs"
    # matches are marked with \x02 … \x03 in the data; the HTML page shows them as <mark>
    assert all("\x02" in r["snippet"] and "\x03" in r["snippet"] for r in result)
    page, = fetch(path, "/tradewatch/search_articles?q=steel")
    assert "<mark>" in page.text and "**" not in page.text
    # user input is escaped for FTS: quotes and operators do not break the query
    assert rows(path, "/tradewatch/search_articles", q='steel" OR') is not None


def test_facets_count_correctly(workbench):
    path, _ = workbench
    response, = fetch(path, "/tradewatch/articles.json?_facet=source&_facet=language&_facet=published_month")
    facets = response.json()["facet_results"]
    assert {v["value"]: v["count"] for v in facets["source"]["results"]} == {"wire": 4, "paper": 3, "tradeblog": 1,
                                                                             "gov": 1}
    assert {v["value"]: v["count"] for v in facets["language"]["results"]} == {"en": 8, "fr": 1}
    assert sum(v["count"] for v in facets["published_month"]["results"]) == 9
    response, = fetch(path, "/tradewatch/events.json?_facet=type&_facet=actor&_facet=status")
    facets = response.json()["facet_results"]
    assert {v["value"]: v["count"] for v in facets["type"]["results"]} == {
        "tariff": 2, "trade_remedy": 1, "export_control": 1, "subsidy": 1}
    assert {v["value"]: v["count"] for v in facets["actor"]["results"]} == {"US": 2, "EU": 1, "JP": 1, "CA": 1}
    filtered = rows(path, "/tradewatch/events", type="tariff")
    assert len(filtered) == 2


def test_configured_facets_sort_and_descriptions_are_served(workbench):
    path, _ = workbench
    response, = fetch(path, "/tradewatch/events.json")
    data = response.json()
    assert set(data["facet_results"]) >= {"type", "actor", "status"}
    assert data["human_description_en"] == "sorted by last_seen descending"
    last_seen = [r[data["columns"].index("last_seen")] for r in data["rows"]]
    assert last_seen == sorted(last_seen, reverse=True)
    page, = fetch(path, "/tradewatch/figures")
    assert "ISO 4217 currency code for money" in page.text  # column descriptions (units) are shown
    events_view, = fetch(path, "/tradewatch/events_view.json?_shape=array")
    assert events_view.status_code == 200 and len(events_view.json()) == 5


def test_titles_are_escaped_and_urls_are_links(workbench):
    path, ids = workbench
    page, = fetch(path, f"/tradewatch/articles/{ids['a3']}")
    assert page.status_code == 200
    assert '<script>alert("x")</script>' not in page.text
    assert "&lt;script&gt;" in page.text
    table, = fetch(path, "/tradewatch/articles")
    assert '<script>alert("x")</script>' not in table.text
    assert 'href="https://wire.example.net/2026/us-steel-tariff"' in table.text


def test_read_only_for_anonymous_users(workbench):
    path, _ = workbench
    response, = fetch(path, "/tradewatch.json?" + urlencode({"sql": "delete from articles"}))
    assert response.status_code == 400
    with KnowledgeBase(path) as kb:
        assert kb.db["articles"].count == 9
    response, = fetch(path, "/tradewatch.db")
    assert response.status_code in (403, 404)  # whole-file download is off


def test_metadata_rekeys_to_another_database_name():
    metadata = load_metadata("archive")
    assert list(metadata["databases"]) == ["archive"]
    charts = metadata["plugins"]["datasette-dashboards"]["tradewatch"]["charts"]
    assert {chart["db"] for chart in charts.values()} == {"archive"}
    assert "/archive/measures?" in charts["latest-month-table"]["query"]
    assert set(metadata["databases"]["archive"]["queries"]) >= {
        "tariffs_this_week", "events_for_country", "figures_with_company", "top_stories", "search_articles"}


def test_serve_args_match_the_settings(tmp_path):
    args = serve_args(tmp_path / "tradewatch.db", tmp_path / "m.json", port=9999)
    assert args[:2] == [str(tmp_path / "tradewatch.db"), "--metadata"] and "9999" in args
    assert args.count("--setting") == len(SETTINGS)


def test_cli_commands_have_help():
    from tradewatch.cli import main

    runner = CliRunner()
    for name in ("serve", "reextract"):
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "--db" in result.output


def test_reextract_command_rejects_a_bad_date(tmp_path):
    from tradewatch.cli.reextract import reextract_command

    result = CliRunner().invoke(reextract_command, ["--db", str(tmp_path / "kb.db"), "--since", "last tuesday"])
    assert result.exit_code != 0 and "not a date" in result.output


def test_article_ids_are_the_stores(workbench):
    _, ids = workbench
    assert ids["a3"] == article_id("https://blog.example.com/steel")


def test_stylesheet_is_served_and_linked(workbench):
    path, _ = workbench
    page, css = fetch(path, "/tradewatch/events", "/tradewatch-assets/tradewatch.css")
    assert '/tradewatch-assets/tradewatch.css' in page.text
    assert css.status_code == 200 and "column-descriptions" in css.text


def test_unknown_country_returns_nothing(workbench):
    path, _ = workbench
    assert rows(path, "/tradewatch/events_for_country", country="Atlantis") == []


def test_serve_on_a_file_that_is_not_a_database_says_so(tmp_path):
    from tradewatch.cli.serve import serve_command

    junk = tmp_path / "tradewatch.db"
    junk.write_bytes(b"not sqlite\n" * 50)
    result = CliRunner().invoke(serve_command, ["--db", str(junk), "--port", "1"])
    assert result.exit_code == 2
    assert "not a usable tradewatch knowledge base" in result.output and str(junk) in result.output
    assert junk.read_bytes() == b"not sqlite\n" * 50
