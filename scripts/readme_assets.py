"""The README's sample output, worked examples and screenshots, made by the demo itself so they
cannot drift from what `make demo` prints and `make serve` shows.

    python scripts/readme_assets.py            # = make readme-assets

Runs `tradewatch daily --demo` on a fresh knowledge base in a scratch folder, serves it with
`tradewatch serve` on a free 127.0.0.1 port, takes screenshots with headless Chromium (Debian's
chromium + chromium-driver, as the browser tests use) into docs/, and rewrites the README blocks
between `<!-- readme_assets:NAME -->` and `<!-- /readme_assets:NAME -->`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRADEWATCH = [sys.executable, "-c", "from tradewatch.cli import main; main()"]
# What the worked examples ask (README "The analyst's workbench").
Q1 = "/tradewatch/measures?actor=CN&type=export_control&period=latest-month"
Q2 = "/tradewatch/measure_figures?product=steel&type=tariff"
SHOTS = {   # file in docs/ → page
    "workbench-home.png": "/",
    "workbench-dashboard.png": "/-/dashboards/tradewatch",
    "workbench-q1-china-export-controls.png": Q1,
    "workbench-q2-steel-tariff-figures.png": Q2,
    "workbench-events.png": "/tradewatch/events_view?_facet=type&_facet=actor_name&_facet_array=target_names"
                            "&_facet=status",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_demo(work: Path) -> str:
    """`tradewatch daily --demo` in `work` (so it prints data/… paths); its summary, file names made stable."""
    done = subprocess.run([*TRADEWATCH, "daily", "--demo"], cwd=work, capture_output=True, text=True,
                          timeout=900, env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT))})
    if done.returncode != 0:
        raise SystemExit(f"tradewatch daily --demo failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    summary = done.stdout.replace(f"{work.resolve()}/", "").replace(f"{work}/", "")
    summary = re.sub(r"\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.md", "<date>-<id>.md", summary)
    return summary.rstrip() + "\n"


def serve(db: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([*TRADEWATCH, "serve", "--db", str(db), "--port", str(port)], cwd=db.parent.parent,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tradewatch serve exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("tradewatch serve did not answer within 60 s")


def browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        raise SystemExit("needs Debian chromium and chromium-driver (make system-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1400,1100", "--hide-scrollbars"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver_path, log_output=os.devnull), options=options)


def measure_path(db: Path) -> str:
    """The demo's battery tariff: threatened, then announced, with a stated effective date."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT id FROM events WHERE product LIKE '%batter%' ORDER BY mentions_count DESC, id "
                           "LIMIT 1").fetchone()
    return f"/tradewatch/-/measure/{row[0]}" if row else "/tradewatch/events_view"


def take_screenshots(base: str, pages: dict[str, str], docs: Path, profile: Path) -> list[Path]:
    driver = browser(profile)
    written = []
    try:
        for name, path in pages.items():
            driver.get(base + path)
            time.sleep(2.5 if "dashboards" in path else 0.8)     # the dashboard draws its charts in the page
            target = docs / name
            driver.save_screenshot(str(target))
            written.append(target)
    finally:
        driver.quit()
    return written


def rows(base: str, path: str) -> list[dict]:
    url = base + path.replace("?", ".json?", 1) + "&_shape=array"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def table(records: list[dict], columns: list[str]) -> str:
    def cell(value) -> str:
        if isinstance(value, str) and value.startswith("["):
            try:
                value = ", ".join(json.loads(value))
            except ValueError:
                pass
        return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in records]
    return "\n".join(lines) + "\n"


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- readme_assets:{name} -->\n)(.*?)(<!-- /readme_assets:{name} -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README has no block readme_assets:{name}")
    return pattern.sub(lambda m: m.group(1) + body + m.group(3), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tradewatch-readme-") as tmp:
        work = Path(tmp)
        summary = run_demo(work)
        db = work / "data" / "tradewatch.db"
        digest = sorted((work / "data" / "digests" / "us-china").glob("latest.md"))
        port = free_port()
        process = serve(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            pages = {**SHOTS, "workbench-measure.png": measure_path(db)}
            args.docs.mkdir(parents=True, exist_ok=True)
            written = take_screenshots(base, pages, args.docs, work / "profile")
            answer1 = rows(base, Q1)
            answer2 = rows(base, Q2)
        finally:
            process.terminate()
            process.wait(10)
        readme = args.readme.read_text(encoding="utf-8")
        readme = replace_block(readme, "demo-output", "```\n" + summary + "```\n")
        excerpt = digest[0].read_text(encoding="utf-8").split("\n## 2.")[0].rstrip() + "\n" if digest else ""
        readme = replace_block(readme, "digest-excerpt", "```markdown\n" + excerpt + "```\n")
        readme = replace_block(readme, "q1-answer", table(answer1, ["last_reported", "actor", "type", "status",
                                                                     "product", "evidence", "sources", "article_url"]))
        readme = replace_block(readme, "q2-answer", table(answer2, ["reported", "figure", "kind", "value", "unit",
                                                                     "actor", "product", "status", "outlet"]))
        args.readme.write_text(readme, encoding="utf-8")
    for path in written:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"rewrote {args.readme.name}: demo-output, digest-excerpt, q1-answer, q2-answer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
