"""`tradewatch digest`: formats, watchlists, --since without touching state, --peek."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from tests.tradewatch.fixtures.alerts.kbfixture import build_kb
from tradewatch.cli import main


@pytest.fixture()
def setup(tmp_path):
    db = tmp_path / "kb.db"
    kb, _ = build_kb(db)
    kb.close()
    config = tmp_path / "tw.toml"
    config.write_text(f'db = "{db}"\ndatasette_url = "http://127.0.0.1:8001"\n'
                      '[[watchlists]]\nname = "chips"\ncountries = ["JP"]\nevent_types = ["tariff"]\n')
    return db, config


def run(*args):
    result = CliRunner().invoke(main, ["digest", *map(str, args)], catch_exceptions=False)
    return result


def test_markdown_for_a_watchlist_then_nothing_new(setup):
    db, config = setup
    first = run("--config", config, "--watchlist", "chips")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("# tradewatch digest: chips")
    assert "2 new stories" in first.output and "threatened → announced" in first.output
    assert "http://127.0.0.1:8001/kb/-/article/" in first.output
    again = run("--config", config, "--watchlist", "chips")
    assert "Nothing new since the last digest" in again.output


def test_since_and_peek_leave_state_untouched(setup):
    db, config = setup
    since = (date.today() - timedelta(days=10)).isoformat()
    for _ in range(2):
        looked = run("--db", db, "--since", since)
        assert "5 new stories, published " in looked.output and f"(asked for: since {since})" in looked.output
    peeked = run("--db", db, "--peek")
    assert "5 new stories" in peeked.output
    taken = run("--db", db)                                   # no --watchlist: everything new
    assert "5 new stories" in taken.output
    assert "Nothing new" in run("--db", db).output
    assert "Nothing new" not in run("--db", db, "--since", since).output


def test_html_and_atom_formats(setup):
    db, config = setup
    page = run("--config", config, "--watchlist", "chips", "--format", "html", "--peek").output
    assert page.lstrip().startswith("<!DOCTYPE html>") and "threatened → announced" in page
    feed = run("--config", config, "--watchlist", "chips", "--format", "atom").output
    root = ET.fromstring(feed.encode())
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2
    assert {e.findtext("{http://www.w3.org/2005/Atom}id") for e in entries} == {
        "urn:tradewatch:chips:story-announce", "urn:tradewatch:chips:story-threat"}


def test_bad_input_gets_a_clear_error(setup, tmp_path):
    db, config = setup
    unknown = CliRunner().invoke(main, ["digest", "--config", str(config), "--watchlist", "nope"])
    assert unknown.exit_code == 2 and "no watchlist named 'nope'" in unknown.output
    bad_date = CliRunner().invoke(main, ["digest", "--db", str(db), "--since", "last week"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    missing = CliRunner().invoke(main, ["digest", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no knowledge base" in missing.output
    no_mail = CliRunner().invoke(main, ["digest", "--config", str(config), "--watchlist", "chips", "--send"])
    assert no_mail.exit_code == 2 and "no `email` recipients" in no_mail.output
