"""Family 6: config and CLI errors. Each bad input → a non-zero exit, one clear error line that
names the problem and the fix, no traceback, and nothing half-written (no database, no lock,
an existing file untouched). Runs the installed `tradewatch` command in a subprocess.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.results import FamilyResult

GOOD_SOURCE = '[[sources]]\nname = "s"\nkind = "feed"\nurls = ["https://news.example.org/rss.xml"]\n'
# Words that tell the reader what to do about it.
FIX_WORDS = re.compile(r"\b(use one of|fix|install|download|copy|known keys|choose|check|pass|create|writable|"
                       r"give|set|remove|rename|point|not a directory|permission|add|save|make)\b", re.I)


_PROGRESS = re.compile(r"^\d{4}-\d\d-\d\dT[\d:]+Z (INFO|DEBUG) ")


@dataclass
class Case:
    name: str
    args: list[str]                 # after `tradewatch`; {dir} is the case's directory
    config: str | bytes | None = None   # written to {dir}/config.toml
    names: list[str] = field(default_factory=list)   # what the message must mention (lower-case)
    prepare: str | None = None      # "file-parent", "garbage-db", "dir-db", "jsonl", "kb-article"
    may_write: tuple = ()           # files the run may change (its own run-log row)
    fast: bool = True
    exit_code: int | None = None    # the exact exit code expected (None: any but 0)
    config_name: str = "config.toml"
    lock_is_data: bool = False      # True: a .lock file left beside the database counts as written
    not_named: list[str] = field(default_factory=list)   # what the message must not say (a wrong reason)


CASES = [
    Case("malformed TOML", ["daily", "--config", "{dir}/config.toml", "--db", "{dir}/kb.db"],
         config='db = "x.db"\n[[sources]\nname = "broken',
         names=["toml", "config.toml"]),
    Case("unknown source kind", ["daily", "--config", "{dir}/config.toml", "--db", "{dir}/kb.db"],
         config=GOOD_SOURCE.replace('"feed"', '"newsletter"'), names=["newsletter", "feed"]),
    Case("unknown config key", ["crawl", "--config", "{dir}/config.toml", "--db", "{dir}/kb.db"],
         config="databse = 'x.db'\n" + GOOD_SOURCE, names=["databse"], fast=False),
    Case("config file missing", ["daily", "--config", "{dir}/nope.toml", "--db", "{dir}/kb.db"],
         names=["nope.toml"], fast=False),
    Case("missing model", ["daily", "--config", "{dir}/config.toml", "--db", "{dir}/kb.db", "--no-mail"],
         config='model = "xx_no_such_model"\n', names=["xx_no_such_model"], fast=False, prepare="kb-article",
         may_write=("kb.db", "kb.db-wal", "kb.db-shm")),
    Case("missing model (extract)", ["extract", "--jsonl", "--model", "xx_no_such_model", "--input", "{dir}/in.jsonl"],
         names=["xx_no_such_model"], prepare="jsonl", fast=False),
    Case("unwritable db path (parent is a file)", ["daily", "--db", "{dir}/afile/kb.db", "--no-mail"],
         names=["afile"], prepare="file-parent"),
    Case("unwritable db path (/proc)", ["crawl", "--url", "https://news.example.org/rss.xml",
                                       "--db", "/proc/tradewatch-nope/kb.db"], names=["/proc/tradewatch-nope"],
         fast=False),
    Case("db path is a directory", ["daily", "--db", "{dir}/adir", "--no-mail"], names=["adir"], prepare="dir-db", fast=False),
    Case("db file is not SQLite", ["daily", "--db", "{dir}/kb.db", "--no-mail"], names=["kb.db"],
         prepare="garbage-db"),
]


def _snapshot(path: Path) -> dict[str, str]:
    out = {}
    for p in sorted(path.rglob("*")):
        out[str(p.relative_to(path))] = hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def run(workdir: Path, *, fast: bool = False) -> FamilyResult:
    result = FamilyResult("config/CLI errors")
    started = time.monotonic()
    run_cases(result, [case for case in CASES if case.fast or not fast], workdir / "cli")
    result.seconds = round(time.monotonic() - started, 1)
    return result


def run_cases(result: FamilyResult, cases: list[Case], workdir: Path, *, env: dict | None = None,
              prepare=None) -> None:
    """Each case: the real `tradewatch` command in a subprocess, checked for its exit code, one
    clear stderr line naming the problem and the fix, no traceback, nothing written.
    `prepare(case, folder)` may set up a case's folder and return a clean-up callable.
    Cases run side by side (each in its own folder; a command's start-up is mostly imports) and
    are reported in their order."""
    def one(case: Case) -> FamilyResult:
        own = FamilyResult(result.family)
        cleanup = None
        try:
            cdir = workdir / re.sub(r"\W+", "-", case.name)
            cdir.mkdir(parents=True, exist_ok=True)
            for p in sorted(cdir.rglob("*"), reverse=True):
                p.unlink() if p.is_file() else p.rmdir()
            cleanup = _prepare(case, cdir, prepare)
            _run_case(own, case, cdir, env)
        except Exception as exc:  # a case that cannot even be set up fails alone
            own.case(case.name, False, f"{type(exc).__name__}: {exc}")
        finally:
            if cleanup:
                cleanup()
        return own

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for own in pool.map(one, cases):
            result.tried += own.tried
            result.passed += own.passed
            result.lost += own.lost
            result.names.extend(own.names)
            result.failures.extend(own.failures)


def _prepare(case: Case, cdir: Path, prepare):
    if case.config is not None:
        data = case.config if isinstance(case.config, bytes) else case.config.encode("utf-8")
        (cdir / case.config_name).write_bytes(data)
    if case.prepare == "file-parent":
        (cdir / "afile").write_text("not a directory\n")
    elif case.prepare == "garbage-db":
        (cdir / "kb.db").write_bytes(b"this is not a database, keep me\n" * 100)
    elif case.prepare == "dir-db":
        (cdir / "adir").mkdir()
    elif case.prepare == "kb-article":   # one stored, not yet extracted article: extraction must run
        from core.store import KnowledgeBase

        with KnowledgeBase(cdir / "kb.db") as kb:
            kb.save_article({"url": "https://news.example.org/a", "title": "T", "text": "Tariffs rose 10%."},
                            source="s", fetched_at="2026-11-20T08:00:00Z", content_hash="h1")
    elif case.prepare == "jsonl":
        (cdir / "in.jsonl").write_text('{"id": "1", "title": "t", "text": "Tariffs rose 10%."}\n')
    return prepare(case, cdir) if prepare else None


def _run_case(result: FamilyResult, case: Case, cdir: Path, env: dict | None) -> None:
    exe = str(Path(sys.executable).parent / "tradewatch")
    before = _snapshot(cdir)
    args = [a.replace("{dir}", str(cdir)) for a in case.args]
    proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=180, cwd=cdir, env=env)
    # Progress lines of a job that started (timestamped INFO, as under cron) are not error lines.
    lines = [l for l in proc.stderr.splitlines() if l.strip() and not _PROGRESS.match(l)]
    message = " ".join(lines)
    after = _snapshot(cdir)
    problems = []
    if case.exit_code is None and proc.returncode == 0:
        problems.append("exit 0")
    elif case.exit_code is not None and proc.returncode != case.exit_code:
        problems.append(f"exit {proc.returncode}, not {case.exit_code}")
    if "Traceback" in proc.stderr:
        problems.append("traceback")
    if not lines or len(lines) > 2:
        problems.append(f"{len(lines)} stderr lines")
    missing = [n for n in case.names if n.lower() not in message.lower()]
    if missing:
        problems.append(f"does not name {missing}")
    wrong = [n for n in case.not_named if n.lower() in message.lower()]
    if wrong:
        problems.append(f"says {wrong}")
    if not FIX_WORDS.search(message):
        problems.append("no fix given")
    # An empty lock file left beside the database is the OS lock, not data.
    written = {k: v for k, v in after.items() if before.get(k) != v
               and (case.lock_is_data or not k.endswith(".lock")) and k not in case.may_write}
    if written:
        problems.append(f"wrote {sorted(written)}")
    result.case(case.name, not problems,
                f"{'; '.join(problems)} | exit {proc.returncode} | stderr: {message[-300:]!r}")
