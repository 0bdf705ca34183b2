"""The daily job: crawl → extract → store → digest, one run at a time, resumable.

    result = run_daily(config, db_path=None, allow_private=False, reporter=None, digest_dir=None)

- One at a time: an OS file lock `<db>.lock` next to the database (released by the OS when
  the process dies, `kill -9` included). A second start raises AlreadyRunning at once; the
  CLI exits with EXIT_LOCKED (75, EX_TEMPFAIL: "try again later").
- Resumable: every step writes through the store's upserts, so a killed run leaves only
  finished work. The next run marks the dead run `interrupted`, and its stages pick up
  what is left: pages not fetched yet (the crawler's seen-URL state), stored articles not
  yet extracted (`extract_pending`), digests reserved but not delivered (alerts state).
- Each run is a `runs` row: start, end, status (running → ok | partial | failed |
  interrupted), counts (pages fetched/failed, articles/figures/companies/events new,
  digests, seconds per stage); failures with their URL in `run_failures`.
"""
from __future__ import annotations

import resource
import sqlite3
import sys
import time
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from filelock import FileLock, Timeout

from core.config import Config, Source, parse_config
from core.store import KnowledgeBase, KnowledgeBaseError, write_problem
from crawler.run import CrawlError, crawl
from crawler.settings import FAST_LOCAL
from extract import ensure_model_available
from tradewatch.alerts import run_digests
from tradewatch.demo.server import DemoSite
from tradewatch.extraction import extract_pending

EXIT_OK = 0
EXIT_FAILED = 1          # a stage failed; what the other stages did is kept
EXIT_CONFIG = 2          # bad config or options
EXIT_LOCKED = 75         # another daily run holds the lock (sysexits EX_TEMPFAIL)

STAGES = ("crawl", "extract", "retention", "digest")
DEMO_PORT = 8800         # the demo site's usual port (`tradewatch demo-site` serves there too)
# Where demo articles are stored, whatever port the demo site got: its sources are a mirror of
# this origin (Source.mirror_of), so a run on another port adds nothing and links still work
# when the demo site is served on its usual port.
DEMO_ORIGIN = f"http://127.0.0.1:{DEMO_PORT}"
EXTRACT_CHUNK = 64       # articles per extraction step: progress granularity and most work a kill can lose


class AlreadyRunning(RuntimeError):
    """Another daily job holds the lock for this database."""


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


def digest_dir_for(db_path: str | Path) -> Path:
    """Digests are written beside the database: data/tradewatch.db → data/digests/."""
    return Path(db_path).resolve().parent / "digests"


# --- progress ----------------------------------------------------------------------------


class Reporter:
    """Progress for people and for cron.

    On a terminal: one progress line per stage, rewritten in place. Without one (cron,
    pipes): plain timestamped log lines, progress at most every `interval` seconds.
    `quiet` keeps only warnings and errors; `verbose` adds per-item detail.
    """

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False, verbose: bool = False,
                 tty: bool | None = None, interval: float | None = None):
        self.stream = stream or sys.stderr
        self.quiet, self.verbose = quiet, verbose
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval if interval is not None else (0.5 if self.tty else 15.0)
        self._last: dict[str, float] = {}
        self._open_line = False

    def _emit(self, level: str, message: str) -> None:
        self._end_line()
        if self.tty:
            self.stream.write(f"{message}\n" if level == "INFO" else f"{level.lower()}: {message}\n")
        else:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.stream.write(f"{stamp} {level} {message}\n")
        self.stream.flush()

    def _end_line(self) -> None:
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False

    def info(self, message: str) -> None:
        if not self.quiet:
            self._emit("INFO", message)

    def debug(self, message: str) -> None:
        if self.verbose and not self.quiet:
            self._emit("DEBUG", message)

    def warning(self, message: str) -> None:
        self._emit("WARNING", message)

    def error(self, message: str) -> None:
        self._emit("ERROR", message)

    def progress(self, stage: str) -> Callable[[int, int], None]:
        """A `progress(done, total)` callback for one stage."""

        def report(done: int, total: int) -> None:
            if self.quiet:
                return
            now = time.monotonic()
            final = total and done >= total
            if not final and now - self._last.get(stage, 0.0) < self.interval:
                return
            self._last[stage] = now
            share = f" ({100 * done // total}%)" if total else ""
            if self.tty:
                width = 24
                filled = width * done // total if total else 0
                bar = "#" * filled + "-" * (width - filled)
                self.stream.write(f"\r{stage:<9} [{bar}] {done}/{total}{share}")
                self._open_line = True
                if final:
                    self._end_line()
                self.stream.flush()
            else:
                self._emit("INFO", f"{stage}: {done}/{total}{share}")

        return report


# --- the job -----------------------------------------------------------------------------


@dataclass
class DailyResult:
    run_id: int
    status: str
    counts: dict = field(default_factory=dict)
    digests: list = field(default_factory=list)      # alerts.DigestResult
    errors: list[str] = field(default_factory=list)
    interrupted_runs: list[int] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.status == "ok" else EXIT_FAILED


def _crawl(config: Config, db_path: str, run_id: int, allow_private: bool, settings: dict | None) -> dict:
    stats = crawl(config, db_path=db_path, run_id=run_id, allow_private=allow_private, settings=settings) or {}
    if stats.get("all_failed"):         # nothing answered: the crawl stage failed (the others still run)
        reasons = "; ".join(f"{f['url']} — {f['reason']}" for f in stats.get("failure_list", [])[:3])
        raise CrawlError(f"every start URL failed ({stats.get('start_urls', 0)}): {reasons}; "
                         "check the sources in the config")
    return stats


def _extract(kb, config: Config, progress, run_id: int | None = None) -> dict:
    return extract_pending(kb, model=config.model, progress=progress, chunk=EXTRACT_CHUNK, run_id=run_id) or {}


def _close_interrupted(kb) -> list[int]:
    """Runs still 'running' while we hold the lock died mid-way: say so in their row."""
    stale = [r[0] for r in kb.conn.execute(
        "SELECT id FROM runs WHERE status = 'running' AND kind = 'daily' ORDER BY id").fetchall()]
    for run_id in stale:
        kb.finish_run(run_id, "interrupted")
    return stale


def _peak_rss_mb() -> dict:
    """Peak resident memory of this process and of its finished children (the crawler), in MB."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)
    return {
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, 1),
        "peak_rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale, 1),
    }


def run_daily(
    config: Config,
    *,
    db_path: str | Path | None = None,
    allow_private: bool = False,
    reporter: Reporter | None = None,
    digest_dir: str | Path | None = None,
    stages: tuple[str, ...] = STAGES,
    mail: bool = True,
    crawl_settings: dict | None = None,
) -> DailyResult:
    """Run the daily job once under the lock; raises AlreadyRunning when another run holds it.

    `allow_private` lets the crawler reach loopback/private hosts (the demo site, local mirrors);
    `crawl_settings` overrides Scrapy settings (e.g. crawler.settings.FAST_LOCAL for a local site)."""
    reporter = reporter or Reporter()
    db_path = Path(db_path or config.db)
    _check_before_work(config, db_path, stages)
    lock = FileLock(str(lock_path(db_path)), timeout=0)
    try:
        lock.acquire()
    except Timeout:     # before OSError: filelock's Timeout is a TimeoutError
        raise AlreadyRunning(
            f"another tradewatch daily run is using {db_path} (lock {lock_path(db_path)}); "
            "this run did nothing. It resumes whatever is left when started again."
        ) from None
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot create the lock file {lock_path(db_path)}: {exc.strerror or exc}; "
                                 "choose a writable --db path") from None
    try:
        with KnowledgeBase(db_path) as kb:
            interrupted = _close_interrupted(kb)
            run_id = kb.start_run("daily")
            result = DailyResult(run_id=run_id, status="running", interrupted_runs=interrupted)
            if interrupted:
                reporter.info(f"resuming after interrupted run(s) {', '.join(map(str, interrupted))}")
            reporter.info(f"run {run_id}: {db_path}")
            try:
                return _run_stages(kb, run_id, result, config, db_path, allow_private, reporter,
                                   digest_dir, stages, mail, crawl_settings)
            except BaseException:
                # Ctrl-C or SIGTERM: say so now (kill -9 is caught by the next run instead).
                kb.finish_run(run_id, "interrupted")
                raise
    finally:
        lock.release()


def _check_before_work(config: Config, db_path: Path, stages: tuple[str, ...]) -> None:
    """Fail in one clear line, before the lock or any crawl, on a bad database path.
    (Cheap checks only: opening the store here would wait on a running job's writes.)"""
    if "extract" in stages:
        ensure_model_available(config.model)
    if db_path.is_dir():
        raise KnowledgeBaseError(f"the knowledge base path {db_path} is a directory; give a file path, "
                                 "e.g. --db data/tradewatch.db")
    blocking = next((p for p in db_path.parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise KnowledgeBaseError(f"{blocking} is a file, so the knowledge base {db_path} cannot be created "
                                 "under it; choose another --db path")
    problem = write_problem(db_path)
    if problem:          # before the lock file or any -wal/-shm file is made beside it
        raise KnowledgeBaseError(problem)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot create the folder {db_path.parent} for the knowledge base: "
                                 f"{exc.strerror or exc}; choose a writable --db path") from None
    if db_path.is_file() and db_path.stat().st_size:
        # Through SQLite, never a plain open(): closing another descriptor of the file would drop
        # the POSIX locks that this process's own SQLite connections hold on it.
        probe = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            probe.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return          # in use by a running job: the lock below answers that
            raise KnowledgeBaseError(f"{db_path} is not an SQLite knowledge base ({exc}); point --db at the "
                                     "right file, or move this one away to start a new knowledge base") from None
        finally:
            probe.close()


def _run_stages(kb, run_id: int, result: DailyResult, config: Config, db_path: Path, allow_private: bool,
                reporter: Reporter, digest_dir, stages, mail: bool, crawl_settings) -> DailyResult:
    """crawl → extract → retention → digest; a failing stage is logged and the next ones still run."""
    before = kb.counts()
    seconds: dict[str, float] = {}
    failed: list[str] = []

    def stage(name: str, work: Callable[[], object]) -> object:
        if name not in stages:
            return None
        started = time.perf_counter()
        try:
            return work()
        except Exception as exc:  # a failed stage is logged; the next stages still run
            failed.append(name)
            message = f"{name} failed: {type(exc).__name__}: {exc}"
            result.errors.append(message)
            reporter.error(message)
            kb.log_failure(run_id, f"stage:{name}", message)
            return None
        finally:
            seconds[name] = round(time.perf_counter() - started, 3)
            kb.update_run(run_id, **{f"seconds_{name}": seconds[name]})

    if config.sources:
        reporter.info(f"crawl: {len(config.sources)} source(s)")
        stats = stage("crawl", lambda: _crawl(config, str(db_path), run_id, allow_private, crawl_settings))
        stats = stats or {}
        fetched = stats.get("pages_fetched", stats.get("fetched", 0))
        failed_pages = stats.get("pages_failed", stats.get("failed", 0))
        kb.update_run(run_id, pages_fetched=fetched, pages_failed=failed_pages)
        reporter.info(f"crawl: {fetched} page(s) fetched, {failed_pages} failed")
        if reporter.verbose:
            for url, reason in kb.conn.execute(
                    "SELECT url, reason FROM run_failures WHERE run_id = ? ORDER BY id", [run_id]):
                reporter.debug(f"failed {url}: {reason}")
    else:
        reporter.info("crawl: no sources configured; skipped")

    extracted = stage("extract", lambda: _extract(kb, config, reporter.progress("extract"), run_id)) or {}
    if "extract" in stages:
        reporter.info(f"extract: {extracted.get('articles', 0)} article(s)")

    days = config.crawl.raw_html_days
    if days is not None and days >= 0:      # None or negative: keep raw HTML forever
        dropped = stage("retention", lambda: kb.drop_raw_html(days))
        if dropped:
            reporter.info(f"retention: dropped raw HTML of {dropped} page(s) older than {days} day(s)")

    out_dir = Path(digest_dir) if digest_dir else digest_dir_for(db_path)
    digests = stage("digest", lambda: run_digests(kb.db, config, out_dir, mail=mail,
                                                 db_name=db_path.stem)) or []
    result.digests = digests
    for digest in digests:
        if digest.error:
            failed.append("digest")
            result.errors.append(f"digest {digest.watchlist}: {digest.error}")
            reporter.error(f"digest {digest.watchlist}: {digest.error} (kept; sent next run)")
        reporter.info(f"digest {digest.watchlist}: {digest.items} item(s) → {digest.markdown_path}")

    after = kb.counts()
    counts = {
        "articles_new": after["articles"] - before["articles"],
        "figures_new": after["figures"] - before["figures"],
        "companies_new": after["companies"] - before["companies"],
        "events_new": after["events"] - before["events"],
        "articles_extracted": extracted.get("articles", 0),
        "digests": len(digests),
        "digest_items": sum(d.items for d in digests),
        **_peak_rss_mb(),
    }
    result.counts = {**(kb.run(run_id) or {}).get("counts", {}), **counts, "totals": after}
    result.status = "ok" if not failed else ("failed" if len(set(failed)) >= 3 else "partial")
    kb.finish_run(run_id, result.status, **counts)
    return result

# --- the demo ----------------------------------------------------------------------------


def demo_watchlists() -> list:
    """The built-in watchlists of `tradewatch daily --demo` (alerts/data/demo_watchlists.toml)."""
    text = resources.files("tradewatch.alerts").joinpath("data/demo_watchlists.toml").read_text("utf-8")
    return parse_config(tomllib.loads(text)).watchlists


def demo_config(config: Config, site) -> Config:
    """`config` pointed at a running demo site (its feed lists every live article), with the
    built-in watchlists unless the config has its own."""
    # Both discovery paths: the RSS feed (links carry utm_* tracking) and the news sitemap;
    # canonical URLs make each story one article whichever path found it first.
    config.sources = [Source(name="demo", kind="feed", urls=[site.feed_url], tier="national", mirror_of=DEMO_ORIGIN),
                      Source(name="demo-sitemap", kind="sitemap", urls=[site.sitemap_url], tier="national",
                             mirror_of=DEMO_ORIGIN)]
    if not config.watchlists:
        config.watchlists = demo_watchlists()
    return config


def run_demo(config: Config, *, reporter: Reporter | None = None, mail: bool = True, **site_options) -> DailyResult:
    """Start the embedded demo site on 127.0.0.1, run the daily job against it, stop the site."""
    reporter = reporter or Reporter()
    site = DemoSite(**{"port": DEMO_PORT, **site_options})
    try:
        site.start()
    except OSError:                 # the usual port is taken: any free one (articles keep their ids: DEMO_ORIGIN)
        site = DemoSite(**{**site_options, "port": 0})
    with site:
        reporter.info(f"demo site at {site.base_url}")
        # allow_private reaches the loopback demo server; the config's own sources are not crawled.
        return run_daily(demo_config(config, site), allow_private=True, reporter=reporter, mail=mail,
                         crawl_settings=dict(FAST_LOCAL))


def summary_lines(result: DailyResult, db_path: str | Path) -> list[str]:
    """The short human summary printed at the end of a run."""
    totals = result.counts.get("totals", {})
    lines = [
        f"tradewatch daily: run {result.run_id} {result.status}",
        f"  knowledge base  {db_path}",
        f"  articles        {totals.get('articles', 0)} ({result.counts.get('articles_new', 0)} new)",
        f"  figures         {totals.get('figures', 0)} ({result.counts.get('figures_new', 0)} new)",
        f"  companies       {totals.get('companies', 0)} ({result.counts.get('companies_new', 0)} new)",
        f"  events          {totals.get('events', 0)} ({result.counts.get('events_new', 0)} new)",
    ]
    for digest in result.digests:
        lines.append(f"  digest {digest.watchlist:<9} {digest.items} item(s): {digest.markdown_path}")
    for error in result.errors:
        lines.append(f"  error: {error}")
    return lines
