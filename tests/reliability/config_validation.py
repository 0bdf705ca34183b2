"""Family: typed, validated configuration. Each bad value → exit 2 and one stderr line that names
the key and the value (and the fix), no traceback, nothing written; for every command that
reads a config. Also: ./tradewatch.toml is the config when --config is not given (every
command says so in --help), and a schedule without any config is refused.

The real `tradewatch` command runs in a subprocess (cli_errors.run_cases).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.reliability.cli_errors import GOOD_SOURCE, Case, run_cases
from tests.reliability.results import FamilyResult

WATCHLIST = '[[watchlists]]\nname = "w"\n'
DB = ["--db", "{dir}/kb.db"]

CASES = [
    Case("config file not UTF-8", ["daily", "--config", "{dir}/config.toml", *DB, "--no-mail"],
         config=b'db = "kb.db"\n# caf\xe9 in Latin-1\n' + GOOD_SOURCE.encode(), names=["config.toml", "utf-8", "0xe9"],
         exit_code=2),
    Case("urls given as a string", ["crawl", "--config", "{dir}/config.toml", *DB, "--no-extract"],
         config=GOOD_SOURCE.replace('["https://news.example.org/rss.xml"]', '"https://news.example.org/rss.xml"'),
         names=["sources[0]", "urls", "https://news.example.org/rss.xml", "list"], exit_code=2),
    Case("max_page_bytes is not a number", ["crawl", "--config", "{dir}/config.toml", *DB, "--no-extract"],
         config=GOOD_SOURCE + '[crawl]\nmax_page_bytes = "lots"\n', names=["max_page_bytes", '"lots"', "number"],
         exit_code=2),
    Case("figure rule min_value not a number (digest)", ["digest", "--config", "{dir}/config.toml", *DB],
         config=WATCHLIST + 'figure_rules = [{kind = "money", min_value = "abc"}]\n',
         names=["figure_rules[0].min_value", '"abc"'], exit_code=2),
    Case("figure rule min_value not a number (daily)", ["daily", "--config", "{dir}/config.toml", *DB, "--no-mail"],
         config=WATCHLIST + 'figure_rules = [{kind = "money", min_value = "abc"}]\n',
         names=["figure_rules[0].min_value", '"abc"'], exit_code=2),
    Case("unknown status", ["daily", "--config", "{dir}/config.toml", *DB, "--no-mail"],
         config=WATCHLIST + 'statuses = ["in-effect"]\n', names=["statuses", '"in-effect"', "in_effect"], exit_code=2),
    Case("unknown event type", ["digest", "--config", "{dir}/config.toml", *DB],
         config=WATCHLIST + 'event_types = ["tarif"]\n', names=["event_types", '"tarif"', "tariff"], exit_code=2),
    Case("unknown tier", ["crawl", "--config", "{dir}/config.toml", *DB, "--no-extract"],
         config=GOOD_SOURCE + 'tier = "tabloid"\n', names=["tier", '"tabloid"', "wire"], exit_code=2),
    Case("unknown country", ["daily", "--config", "{dir}/config.toml", *DB, "--no-mail"],
         config=WATCHLIST + 'countries = ["Atlantis"]\n', names=["countries", "Atlantis"], exit_code=2),
    Case("unknown HS chapter", ["daily", "--config", "{dir}/config.toml", *DB, "--no-mail"],
         config=WATCHLIST + 'hs_chapters = ["99"]\n', names=["hs_chapters", "99"], exit_code=2),
    Case("a boolean given as a number", ["crawl", "--config", "{dir}/config.toml", *DB, "--no-extract"],
         config=GOOD_SOURCE + "[crawl]\nallow_private = 1\n", names=["allow_private", "true or false"], exit_code=2),
    Case("a source URL that is not http(s)", ["crawl", "--config", "{dir}/config.toml", *DB, "--no-extract"],
         config=GOOD_SOURCE.replace("https://news.example.org/rss.xml", "ftp://news.example.org/rss.xml"),
         names=["urls[0]", "ftp://news.example.org/rss.xml"], exit_code=2),
    Case("unknown smtp security", ["digest", "--config", "{dir}/config.toml", *DB],
         config='[smtp]\nsecurity = "tls"\n', names=["smtp.security", '"tls"', "starttls"], exit_code=2),
    Case("a bad ./tradewatch.toml is read without --config", ["daily", *DB, "--no-mail"],
         config=WATCHLIST + 'statuses = ["in-effect"]\n', config_name="tradewatch.toml",
         names=["tradewatch.toml", "statuses", '"in-effect"'], exit_code=2),
    Case("schedule without any config", ["schedule", "--print", "cron", "--workdir", "{dir}"],
         names=["tradewatch.toml", "--config"], exit_code=2),
    Case("schedule with a broken ./tradewatch.toml", ["schedule", "--print", "cron", "--workdir", "{dir}"],
         config=GOOD_SOURCE + '[crawl]\nmax_page_bytes = "lots"\n', config_name="tradewatch.toml",
         names=["max_page_bytes", '"lots"'], exit_code=2),
]
# Every command that takes --config, and what its --help must say about the default.
CONFIG_COMMANDS = ("crawl", "daily", "digest", "reextract", "schedule", "serve")


def run(workdir: Path) -> FamilyResult:
    result = FamilyResult("configuration")
    started = time.monotonic()
    run_cases(result, CASES, workdir / "config", prepare=_knowledge_base_for_digest)
    _default_config_is_used(result, workdir / "default-config")
    _quiet_daily_without_any_config(result, workdir / "no-config")
    _help_names_the_default(result)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _knowledge_base_for_digest(case: Case, folder: Path):
    """`digest` needs a knowledge base to read: an empty one, so that only the config can fail."""
    if case.args[0] == "digest":
        from core.store import KnowledgeBase

        KnowledgeBase(folder / "kb.db").close()
    return None


def _exe() -> str:
    return str(Path(sys.executable).parent / "tradewatch")


def _default_config_is_used(result: FamilyResult, folder: Path) -> None:
    """A watchlist defined only in ./tradewatch.toml is found by `digest --watchlist` without --config."""
    from core.store import KnowledgeBase

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tradewatch.toml").write_text('db = "kb.db"\n[[watchlists]]\nname = "only-here"\n', encoding="utf-8")
    KnowledgeBase(folder / "kb.db").close()
    proc = subprocess.run([_exe(), "digest", "--watchlist", "only-here", "--peek"], capture_output=True, text=True,
                          timeout=120, cwd=folder)
    result.case("./tradewatch.toml is the config without --config", proc.returncode == 0,
                f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    proc = subprocess.run([_exe(), "schedule", "--print", "cron", "--workdir", str(folder)], capture_output=True,
                          text=True, timeout=120, cwd=folder)
    result.case("schedule names the workdir's tradewatch.toml in the job",
                proc.returncode == 0 and f"--config {folder.resolve() / 'tradewatch.toml'}" in proc.stdout,
                f"exit {proc.returncode}: {proc.stdout.strip()[-300:]} {proc.stderr.strip()[-300:]}")


def _quiet_daily_without_any_config(result: FamilyResult, folder: Path) -> None:
    """Started where there is no tradewatch.toml and without --config (a cron job in the wrong
    directory), `daily --quiet` says so on stderr instead of nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([_exe(), "daily", "--db", str(folder / "kb.db"), "--quiet", "--no-mail"],
                          capture_output=True, text=True, timeout=300, cwd=folder)
    result.case("daily --quiet without any config says so", "no config" in proc.stderr and "tradewatch.toml" in
                proc.stderr, f"exit {proc.returncode}: {proc.stderr.strip()[-300:]!r}")


def _help_names_the_default(result: FamilyResult) -> None:
    def help_of(command: str) -> subprocess.CompletedProcess:
        return subprocess.run([_exe(), command, "--help"], capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        helps = list(pool.map(help_of, CONFIG_COMMANDS))
    for command, proc in zip(CONFIG_COMMANDS, helps):
        text = " ".join(proc.stdout.split())
        result.case(f"{command} --help names ./tradewatch.toml as the default",
                    proc.returncode == 0 and "tradewatch.toml" in text and "--config" in text,
                    f"exit {proc.returncode}: {text[:300]}")
