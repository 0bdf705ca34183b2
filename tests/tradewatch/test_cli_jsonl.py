"""The two stable JSONL interfaces, run as the real console script in a subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "cli"
TRADEWATCH = str(Path(sys.executable).parent / "tradewatch")


def run_jsonl(args: list[str], stdin: str) -> list[dict]:
    done = subprocess.run([TRADEWATCH, *args], input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def extracted() -> list[dict]:
    return run_jsonl(["extract", "--jsonl"], (FIXTURES / "articles.jsonl").read_text())


def test_extract_writes_one_line_per_input_line_in_order(extracted):
    assert [line["id"] for line in extracted] == ["steel", "html-page", None, "empty", "no-text"]
    for line in extracted:
        assert set(line) >= {"id", "figures", "companies", "events"}


def test_extract_reports_bad_lines_without_stopping_the_batch(extracted):
    by_position = extracted
    assert "invalid JSON" in by_position[2]["error"]
    assert "needs 'text' or 'html'" in by_position[4]["error"]
    assert "error" not in by_position[0] and "error" not in by_position[3]


def test_extract_finds_figures_companies_and_events_in_text_input(extracted):
    steel = extracted[0]
    percents = {(f["kind"], f["unit"], f["value"]) for f in steel["figures"]}
    assert ("percent", "percent", 25) in percents
    assert ("percent", "percent", 3.5) in percents
    assert any(f["kind"] == "money" and f["unit"] == "USD" and f["value"] == 1.2e9 for f in steel["figures"])
    assert any(c["name"].startswith("Northwind Steel") for c in steel["companies"])
    assert any(e["type"] == "tariff" for e in steel["events"])


def test_extract_accepts_html_input(extracted):
    page = extracted[1]
    assert any(f["kind"] == "quantity" and f["unit"] == "tonne" and f["value"] == 1.5e6 for f in page["figures"])


def test_clean_jsonl_returns_the_stable_fields():
    lines = [
        json.dumps({"id": "p1", "url": "https://news.example.com/a", "html": json.loads(
            (FIXTURES / "articles.jsonl").read_text().splitlines()[1])["html"]}),
        json.dumps({"id": "p2", "html": ""}),
        "{broken",
    ]
    out = run_jsonl(["clean", "--jsonl"], "\n".join(lines) + "\n")
    assert [o.get("id") for o in out] == ["p1", "p2", None]
    first = out[0]
    assert set(first) >= {"id", "title", "text", "published", "author", "language"}
    assert first["title"] == "Wheat quota cut"
    assert "1.5 mln tonnes" in first["text"] and "Skip to content" not in first["text"]
    assert first["language"] == "en"
    assert out[1]["text"] == "" and out[1]["error"]
    assert out[2]["error"]
