"""The analyst's workbench in a real browser: `tradewatch serve` in a subprocess on 127.0.0.1 (with
an analyst account), headless Chromium driven by selenium. Each page gets a screenshot and DOM
assertions: the two analyst questions in at most two clicks from the home page, the measure page
with its status history and figures, the article page with evidence marked, the dashboard's charts,
and the review loop behind the login (bad input refused, a correction surviving re-extraction and
exported)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.store import KnowledgeBase
from extract.companies import NAMING
from tests.tradewatch.browser_support import CHROMEDRIVER, CHROMIUM, free_port, headless_chromium, stop, wait_until_up
from tradewatch.extraction import reextract

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="needs Debian chromium and chromium-driver (make system-deps installs them)"),
]

QUESTIONS = Path(__file__).parent / "fixtures" / "store" / "analyst_questions.json"
NEWEST = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]


def _articles() -> list[dict]:
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))["articles"]


def build_questions(path: Path) -> dict[str, str]:
    ids = {}
    with KnowledgeBase(path, company_naming=NAMING) as kb:
        for item in _articles():
            published = (NEWEST - timedelta(days=item["days_ago"])).isoformat(timespec="seconds")
            article = {k: item[k] for k in ("url", "title", "text", "language")} | {"published": published}
            aid = kb.save_article(article, source=item["source"], tier=item["tier"], fetched_at=published,
                                  content_hash=hashlib.sha1(item["text"].encode()).hexdigest())
            kb.save_extraction(aid, item["record"], "test-1")
            ids[item["key"]] = aid
    return ids


def fixture_extractor():
    """What `reextract --all` runs, minus spaCy: the fixture's records for each article."""
    records = {item["title"]: item["record"] for item in _articles()}

    def extract_batch(items):
        for ident, title, _text in items:
            yield ident, json.loads(json.dumps(records[title]))
    return extract_batch


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from datasette_auth_passwords.utils import hash_password

    db = tmp_path_factory.mktemp("workbench") / "tradewatch.db"
    ids = build_questions(db)
    port = free_port()
    env = {**os.environ, "TRADEWATCH_ANALYST_PASSWORD_HASH": hash_password(PASSWORD),
           "DATASETTE_SECRET": "tests-only-secret"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from tradewatch.cli import main; main()", "serve", "--db", str(db),
         "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/versions.json", process)
        yield {"base": base, "db": db, "ids": ids}
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile"), width=1400) as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


def snap(browser, shots: Path, name: str) -> None:
    path = shots / f"{name}.png"
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 5000


def by(kind, value, browser):
    from selenium.webdriver.common.by import By
    return browser.find_elements(getattr(By, kind), value)


def wait_for(browser, condition, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, timeout).until(condition)


def column(browser, name: str) -> list[str]:
    return [td.text for td in by("CSS_SELECTOR", f"td.col-{name}", browser)]


def no_script_ran(browser) -> None:
    assert browser.execute_script("return document.querySelectorAll('td script, .tw-text script, h1 script').length") == 0


# --- the two questions ------------------------------------------------------------------------


def test_china_export_controls_this_month_in_two_clicks(site, browser, shots):
    browser.get(site["base"] + "/")
    snap(browser, shots, "home")
    by("LINK_TEXT", "Dashboard", browser)[0].click()                                   # click 1
    cell = wait_for(browser, lambda d: next((a for a in by("CSS_SELECTOR", "a.tw-cell-link", d)
                                             if a.text == "China · export control"), None))
    snap(browser, shots, "dashboard")
    assert browser.execute_script("return document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length") >= 2
    # the table charts render HTML: a product written as markup stays text
    assert "<b>tankers</b>" in by("TAG_NAME", "body", browser)[0].text
    assert browser.execute_script("return document.querySelectorAll('td b, td script').length") == 0
    cell.click()                                                                          # click 2
    wait_for(browser, lambda d: by("CSS_SELECTOR", "td.col-measure", d))
    snap(browser, shots, "q1-china-export-controls")
    assert column(browser, "type") == ["export_control"]                 # last year's gallium controls are not in it
    assert column(browser, "product") == ["graphite"]
    assert column(browser, "actor")[0].startswith("CN") and "China" in column(browser, "actor")[0]
    sources = column(browser, "sources")[0]
    assert "wire" in sources and "courier" in sources                     # with what sources: both outlets
    links = [a.get_attribute("href") for a in by("CSS_SELECTOR", "td.col-article_url a", browser)]
    assert links == ["https://wire.example.net/2026/china-graphite-licences"]


def test_figures_for_steel_tariffs_in_one_click(site, browser, shots):
    browser.get(site["base"] + "/")
    form = by("ID", "find-figures", browser)[0]
    form.find_element("name", "product").send_keys("steel")
    form.find_element("css selector", "select[name=type] option[value=tariff]").click()
    form.find_element("css selector", "button[type=submit]").click()                     # click 1
    wait_for(browser, lambda d: by("CSS_SELECTOR", "td.col-figure", d))
    snap(browser, shots, "q2-steel-tariff-figures")
    # the figure stated in the measure's evidence sentence; the tonnage is in another sentence
    assert column(browser, "figure") == ["15%"]
    assert column(browser, "product") == ["flat-rolled steel"]
    assert "Mexico has suspended its 15% tariffs" in column(browser, "sentence")[0]


def test_find_measures_by_common_country_names(site, browser, shots):
    browser.get(site["base"] + "/")
    form = by("ID", "find-measures", browser)[0]
    form.find_element("name", "actor").send_keys("UK")
    form.find_element("name", "affected").send_keys("Russia")
    form.find_element("css selector", "button[type=submit]").click()
    wait_for(browser, lambda d: by("CSS_SELECTOR", "td.col-measure", d))
    assert column(browser, "type") == ["sanction"]
    assert "Russia" in column(browser, "targets")[0]
    no_script_ran(browser)
    browser.get(site["base"] + "/tradewatch/measures?actor=USA&period=latest-week")
    assert column(browser, "product") == ["lithium-ion batteries"]


# --- pages ------------------------------------------------------------------------------------


def test_events_view_reads_as_an_analyst_reads(site, browser, shots):
    browser.get(site["base"] + "/")
    by("PARTIAL_LINK_TEXT", "All measures", browser)[0].click()
    wait_for(browser, lambda d: by("ID", "facet-target_names", d))
    snap(browser, shots, "events-view")
    headers = [th.get_attribute("data-column") for th in by("CSS_SELECTOR", "table.rows-and-columns th", browser)]
    assert headers[:8] == ["measure", "last_reported", "type", "actor", "actor_name", "targets", "target_names", "status"]
    assert by("CSS_SELECTOR", "td.col-targets ul.tw-list li", browser)           # JSON lists shown as lists
    assert any("China" in li.text for li in by("CSS_SELECTOR", "td.col-targets li", browser))
    facet = by("ID", "facet-target_names", browser)[0]
    assert "Russia" in facet.text                                   # affected jurisdictions by name, facetable
    assert "China" in by("ID", "facet-actor_name", browser)[0].text
    first = by("CSS_SELECTOR", "td.col-measure a", browser)[0].get_attribute("href")
    assert "/tradewatch/-/measure/" in first
    browser.get(site["base"] + "/tradewatch/events?_facet_array=targets&_facet_array=hs_chapters")
    assert "RU" in by("ID", "facet-targets", browser)[0].text and "72" in by("ID", "facet-hs_chapters", browser)[0].text
    browser.get(site["base"] + "/tradewatch/events_view?_search=export+controls")
    assert set(column(browser, "type")) == {"export_control"} and len(column(browser, "type")) == 2


def test_measure_page_has_the_status_history_reports_and_figures(site, browser, shots):
    with KnowledgeBase(site["db"]) as kb:
        event_id = kb.conn.execute("SELECT id FROM events WHERE product = 'lithium-ion batteries'").fetchone()[0]
    browser.get(f"{site['base']}/tradewatch/-/measure/{event_id}")
    snap(browser, shots, "measure")
    assert by("TAG_NAME", "h1", browser)[0].text == "US tariff on Chinese lithium-ion batteries"
    steps = [li.text for li in by("CSS_SELECTOR", "#status-history li", browser)]
    assert steps == ["threatened 2026-11-03", "announced 2026-11-21", "in effect 2027-01-01 (stated)"]
    rows = by("CSS_SELECTOR", "#timeline tbody tr", browser)
    assert [r.find_element("css selector", "td").text for r in rows] == ["2026-11-03", "2026-11-21"]
    figures = [td.text for td in by("CSS_SELECTOR", "#measure-figures tbody td:first-child", browser)]
    assert sorted(figures) == ["25%", "25%"]                       # the rate, from both reports' evidence
    assert "$14.6bn" not in figures                                # another sentence: not this measure's figure
    assert "Log in" in by("TAG_NAME", "body", browser)[0].text     # anonymous: no review button


def test_article_page_highlights_evidence_and_escapes_the_title(site, browser, shots):
    browser.get(f"{site['base']}/tradewatch/-/article/{site['ids']['hostile']}")
    snap(browser, shots, "article")
    assert by("TAG_NAME", "h1", browser)[0].text.startswith('<script>alert("x")</script>')
    no_script_ran(browser)
    marks = [m.text for m in by("CSS_SELECTOR", "#article-text mark.tw-evidence", browser)]
    assert marks == ["Britain imposed sanctions on 12 tankers carrying Russian oil"]
    width = browser.execute_script("return document.querySelector('#article-text').getBoundingClientRect().width")
    assert 400 < width < 900                                       # a readable column, not squeezed
    browser.get(f"{site['base']}/tradewatch/-/article/{site['ids']['steel']}")
    assert [m.text for m in by("CSS_SELECTOR", "#article-text mark.tw-figure", browser)] == ["15%", "1.2 million tonnes"]


def test_search_snippets_are_marked_and_titles_link_to_the_article(site, browser, shots):
    browser.get(site["base"] + "/tradewatch/search_articles?q=graphite")
    snap(browser, shots, "search")
    assert by("CSS_SELECTOR", "td.col-snippet mark", browser)
    assert "**" not in by("TAG_NAME", "body", browser)[0].text
    hrefs = [a.get_attribute("href") for a in by("CSS_SELECTOR", "td.col-title a", browser)]
    assert hrefs and all("/tradewatch/-/article/" in h for h in hrefs)


def test_top_stories_and_figures_link_and_sort(site, browser, shots):
    browser.get(site["base"] + "/tradewatch/figures_view")
    published = column(browser, "published")
    assert published == sorted(published, reverse=True)
    browser.get(site["base"] + "/tradewatch/figures_view?_search=graphite")
    assert column(browser, "figure") == ["$1.2bn"]
    snap(browser, shots, "figures-search")


# --- the review loop --------------------------------------------------------------------------


def _event(db, **where) -> dict:
    with KnowledgeBase(db) as kb:
        clause = " AND ".join(f"{k} = ?" for k in where)
        return list(kb.db.query(f"SELECT * FROM events WHERE {clause}", list(where.values())))[0]


def _login(browser, base: str) -> None:
    browser.get(base + "/-/login")
    browser.find_element("name", "username").send_keys("analyst")
    browser.find_element("name", "password").send_keys(PASSWORD)
    browser.find_element("css selector", "form [type=submit]").click()
    wait_for(browser, lambda d: not d.current_url.endswith("/-/login") and d.get_cookie("ds_actor"))


def _submit(browser, action: str) -> None:
    """Submit the review form and wait until the answer has replaced the page."""
    from selenium.webdriver.support import expected_conditions

    form = browser.find_element("id", "review-form")
    form.find_element("css selector", f"button[value={action}]").click()
    wait_for(browser, expected_conditions.staleness_of(form))


def test_anonymous_users_cannot_review(site, browser):
    event = _event(site["db"], type="export_control", product="graphite")
    browser.delete_all_cookies()
    browser.get(f"{site['base']}/tradewatch/-/review/event/{event['id']}")
    assert "Log in" in by("TAG_NAME", "body", browser)[0].text
    assert not by("ID", "review-form", browser)


def test_review_in_the_browser_survives_reextraction_and_is_exported(site, browser, shots):
    db, base = site["db"], site["base"]
    event = _event(db, type="export_control", product="graphite")
    _login(browser, base)
    browser.get(f"{base}/tradewatch/-/review/event/{event['id']}")
    snap(browser, shots, "review-form")

    # bad input: one clear message each, nothing changed
    form = browser.find_element("id", "review-form")
    form.find_element("name", "actor").clear()
    form.find_element("name", "actor").send_keys("Narnia")
    _submit(browser, "correct")
    assert "unknown country 'Narnia'" in browser.find_element("id", "review-error").text
    snap(browser, shots, "review-error")
    browser.find_element("name", "actor").clear()
    browser.find_element("name", "actor").send_keys("China")
    browser.find_element("name", "product").clear()
    browser.find_element("name", "product").send_keys('<script>alert("x")</script>')
    _submit(browser, "correct")
    assert "plain text only" in browser.find_element("id", "review-error").text
    no_script_ran(browser)
    browser.execute_script("document.querySelector('select[name=status]').innerHTML = "
                           "'<option value=\"banned\" selected>banned</option>'")
    browser.find_element("name", "product").clear()
    browser.find_element("name", "product").send_keys("natural and synthetic graphite")
    _submit(browser, "correct")
    assert "'banned' is not a status" in browser.find_element("id", "review-error").text
    assert _event(db, id=event["id"]) == event
    with KnowledgeBase(db) as kb:
        assert kb.db["corrections"].count == 0

    # a good correction
    browser.get(f"{base}/tradewatch/-/review/event/{event['id']}")
    browser.find_element("name", "product").clear()
    browser.find_element("name", "product").send_keys("natural and synthetic graphite")
    browser.find_element("css selector", "select[name=status] option[value=in_effect]").click()
    browser.find_element("name", "effective").send_keys("2026-12-01")
    _submit(browser, "correct")
    wait_for(browser, lambda d: "/-/measure/" in d.current_url)
    facts = browser.find_element("id", "facts").text
    assert "natural and synthetic graphite" in facts and "extractor said “graphite”" in facts
    snap(browser, shots, "measure-corrected")

    # re-extraction (what `tradewatch reextract --all` does) keeps it
    with KnowledgeBase(db) as kb:
        result = reextract(kb, fixture_extractor(), "test-2", force=True)
    assert result.articles == len(_articles()) and result.failed == 0
    browser.refresh()
    assert "natural and synthetic graphite" in browser.find_element("id", "facts").text
    after = _event(db, id=event["id"])
    assert (after["product"], after["status"], after["effective"]) == ("natural and synthetic graphite", "in_effect",
                                                                        "2026-12-01")
    browser.get(base + "/tradewatch/measures?actor=China&period=latest-month")
    assert column(browser, "product") == ["natural and synthetic graphite"]

    exported = subprocess.run(
        [sys.executable, "-c", "from tradewatch.cli import main; main()", "corrections", "--export", "--db", str(db)],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    gold = [e for r in records for e in r["events"]]
    assert [(e["type"], e["actor"], e["status"], e["product"]) for e in gold] == [
        ("export_control", "CN", "in_effect", "natural and synthetic graphite")]


def test_company_review_and_reject_in_the_browser(site, browser, shots):
    base, db = site["base"], site["db"]
    with KnowledgeBase(db) as kb:
        company_id = kb.conn.execute("SELECT id FROM companies WHERE name = 'Hunan Shanshi Graphite Co'").fetchone()[0]
    browser.get(f"{base}/tradewatch/-/review/company/{company_id}")
    if not by("ID", "review-form", browser):                     # run on its own: log in first
        _login(browser, base)
        browser.get(f"{base}/tradewatch/-/review/company/{company_id}")
    browser.find_element("name", "country").send_keys("Ruritania")
    _submit(browser, "correct")
    assert "unknown country 'Ruritania'" in browser.find_element("id", "review-error").text
    browser.find_element("name", "country").clear()
    browser.find_element("name", "country").send_keys("China")
    _submit(browser, "correct")
    wait_for(browser, lambda d: f"/companies/{company_id}" in d.current_url)
    snap(browser, shots, "company-reviewed")
    assert "Saved: correct by analyst" in by("TAG_NAME", "body", browser)[0].text
    with KnowledgeBase(db) as kb:
        row = kb.db["companies"].get(company_id)
    assert (row["country"], row["review"]) == ("CN", "corrected")


def test_watchlist_feed_is_served_as_atom(site):
    import urllib.request
    from lxml import etree

    with urllib.request.urlopen(site["base"] + "/tradewatch/-/feed/us-china.atom", timeout=10) as response:
        assert response.headers["content-type"].startswith("application/atom+xml")
        doc = etree.fromstring(response.read())
    schema = etree.RelaxNG(etree.parse(str(Path(__file__).parent / "fixtures" / "alerts" / "atom.rng")))
    assert schema.validate(doc), schema.error_log
