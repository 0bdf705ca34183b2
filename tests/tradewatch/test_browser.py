"""A real browser on a really served Datasette: `tradewatch serve` in a subprocess on a free
127.0.0.1 port, headless Chromium driven by selenium."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.tradewatch.browser_support import CHROMEDRIVER, CHROMIUM, free_port, headless_chromium, stop, wait_until_up
from tests.tradewatch.test_datasette import build_workbench

pytestmark = [
    pytest.mark.slow,       # a real browser against a served Datasette: `make test`, not `make test-fast`
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="needs Debian chromium and chromium-driver (make system-deps installs them)"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = tmp_path_factory.mktemp("served") / "tradewatch.db"
    build_workbench(db)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from tradewatch.cli import main; main()", "serve", "--db", str(db),
         "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/versions.json", process)
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def test_click_a_facet_on_the_events_page(served, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/tradewatch/events")
    heading = browser.find_element(By.TAG_NAME, "h3").text
    assert heading.startswith("5 rows")
    facet = browser.find_element(By.ID, "facet-type")
    link = next(a for a in facet.find_elements(By.TAG_NAME, "a") if a.text == "tariff")
    count_next_to_link = link.find_element(By.XPATH, "..").text.split()[-1]
    assert count_next_to_link == "2"
    link.click()

    assert "type=tariff" in browser.current_url
    heading = browser.find_element(By.TAG_NAME, "h3").text
    assert heading.startswith('2 rows where type = "tariff"'), heading
    types = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "td.col-type")]
    assert types == ["tariff", "tariff"]
    shot = tmp_path / "events-type-tariff.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 1000


def test_canned_query_page_renders_links_and_escapes_titles(served, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/tradewatch/search_articles?q=steel")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "td.col-url a")]
    assert "https://wire.example.net/2026/us-steel-tariff" in links
    # the <script> in a title is shown as text, never run
    assert any('<script>alert("x")</script>' in td.text for td in browser.find_elements(By.CSS_SELECTOR, "td.col-title"))
    assert browser.execute_script("return document.querySelectorAll('td script').length") == 0


def test_chart_plugin_loads_when_installed(served, browser):
    pytest.importorskip("datasette_vega", reason="datasette-vega (optional chart plugin) is not installed")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{served}/tradewatch/figures_view")
    WebDriverWait(browser, 10).until(lambda d: "charting options" in d.find_element(By.TAG_NAME, "body").text.lower())
