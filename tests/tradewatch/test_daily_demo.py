"""The daily job end to end on the embedded demo site: real Scrapy crawl over HTTP on
127.0.0.1, real spaCy extraction, real SQLite, digests across two runs with news in between."""
from __future__ import annotations

import pytest

from core.config import Config, Watchlist
from tradewatch.daily import Reporter, demo_config, demo_watchlists, run_daily, summary_lines

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

server = pytest.importorskip("tradewatch.demo.server")
pytest.importorskip("crawler.run")


def test_two_daily_runs_on_the_demo_site(tmp_path, capsys):
    from crawler.settings import FAST_LOCAL

    db = tmp_path / "tradewatch.db"
    watch = Watchlist(name="batteries", products=["batteries", "lithium-ion batteries", "graphite"])
    with server.DemoSite(batch=1) as site:
        config = demo_config(Config(db=str(db), watchlists=[watch, Watchlist(name="all-news")]), site)
        first = run_daily(config, allow_private=True, reporter=Reporter(tty=False),
                          crawl_settings=dict(FAST_LOCAL))
        assert first.status == "ok", first.errors
        assert first.counts["pages_fetched"] >= 15 and first.counts["articles_new"] >= 15
        by_name = {d.watchlist: d for d in first.digests}
        first_all = by_name["all-news"].markdown_path.read_text()
        assert by_name["all-news"].items < first.counts["articles_new"]           # syndicated copies folded
        assert "Carried by 2 outlets" in first_all

        site.publish_batch(None)                                                 # the later stories go live
        second = run_daily(config, allow_private=True, reporter=Reporter(tty=False),
                           crawl_settings=dict(FAST_LOCAL))
        assert second.status == "ok", second.errors
        assert 1 <= second.counts["articles_new"] <= 3
    by_name = {d.watchlist: d for d in second.digests}
    assert by_name["all-news"].items == second.counts["articles_new"]
    batteries = by_name["batteries"].markdown_path.read_text()
    # the confirmed battery tariff updates the threat reported in the first run
    assert "threatened → announced" in batteries
    first_titles = {line for line in first_all.splitlines() if line.startswith("## ")}
    second_titles = {line.split(". ", 1)[1] for line in
                     by_name["all-news"].markdown_path.read_text().splitlines() if line.startswith("## ")}
    assert not {t.split(". ", 1)[1] for t in first_titles} & second_titles    # nothing twice
    lines = summary_lines(second, db)
    assert lines[0] == f"tradewatch daily: run {second.run_id} ok" and any("digest batteries" in l for l in lines)


def test_demo_watchlists_parse():
    names = [w.name for w in demo_watchlists()]
    assert names == ["us-china", "us-on-china", "batteries-and-chips", "big-money"]


def test_demo_command(tmp_path):
    """`tradewatch daily --demo`: what `make demo` runs."""
    import subprocess
    import sys

    db = tmp_path / "tradewatch.db"
    done = subprocess.run([sys.executable, "-c", "from tradewatch.cli import main; main()", "daily", "--demo",
                           "--db", str(db), "--no-mail"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout + "\n" + "\n".join(
        line for line in done.stderr.splitlines() if " INFO " in line or " ERROR " in line or "Error" in line)[-4000:]
    out = done.stdout
    assert out.startswith("tradewatch daily: run 1 ok")
    for label in ("articles", "figures", "companies", "events"):
        assert f"  {label}" in out
    assert f"Browse it: tradewatch serve --db {db}" in out
    digest = (tmp_path / "digests" / "us-china" / "latest.md").read_text()
    assert digest.startswith("# tradewatch digest: us-china")
    assert "threatened → announced" in digest and "Carried by 2 outlets" in digest
    assert str(tmp_path / "digests" / "us-china") in out
