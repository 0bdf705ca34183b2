"""Entry point: `crawl(config, ...)` runs one crawl and returns its counts.

Scrapy's Twisted reactor cannot be restarted inside a process, so each crawl runs the
engine in a child process: the parent writes a job file, the child runs one spider per
source kind through a CrawlerProcess and writes its stats back. The parent may therefore
call `crawl()` any number of times. Children are forked from a forkserver with the heavy
imports done (see crawler/preload.py); `python -m crawler.run JOB.json` is the fallback
(TRADEWATCH_CRAWL_SUBPROCESS=1 forces it).
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from core.config import Config, Source
from core.store import KnowledgeBase
from crawler.settings import crawl_settings
from crawler.sources import adhoc_sources, adhoc_url_problem, group_by_spider

STAT_KEYS = (
    "pages_fetched", "pages_failed", "pages_skipped", "articles_new", "duplicates",
    "exact_duplicates", "near_duplicates", "entries_seen", "skipped_seen", "not_modified",
    "feeds_fetched", "sitemaps_fetched", "sources_failed", "empty_sources", "refused", "failures",
    "requests_total", "responses_total", "start_urls", "start_urls_ok",
)


class CrawlError(RuntimeError):
    """The crawl process itself failed (not a page: those are counted and logged)."""


def crawl(config=None, *, db_path=None, sources=None, urls=None, run_id=None, allow_private=False,
          settings=None, scheduler=None, scheduler_run=None, timeout=None, log_file=None) -> dict:
    """Crawl configured sources (all, or those named in `sources`) and/or ad hoc `urls`.

    Returns counts (STAT_KEYS, plus run_id, elapsed_s, failure_list: [{url, reason, source}] and
    all_failed: true when no start URL answered, every one failing or refused, see
    `all_start_urls_failed`). `run_id=None` opens and closes a run of kind "crawl" in the
    knowledge base ("failed" when all_failed); a given run id (e.g. the daily job's) gets the
    counts merged and stays open. Ad hoc `urls` that are not http(s) URLs are refused before
    anything starts, each with its reason in the run log.
    `settings` overrides Scrapy settings (tests: crawler.settings.FAST_LOCAL, allowed networks).
    `scheduler="redis://host:port/db"` shares the request queue and dupefilter through Redis
    with every other process crawling with the same `scheduler_run` key (default: today).
    """
    remove_stale_crawl_dirs()          # left by crawls killed with -9 (their clean-up never ran)
    config = config or Config()
    db_path = str(db_path or config.db)
    rejected = [{"url": url, "reason": adhoc_url_problem(url), "source": "adhoc"}
                for url in urls or [] if adhoc_url_problem(url)]
    specs = _select_sources(config, sources) + adhoc_sources([u for u in urls or [] if not adhoc_url_problem(u)])
    if not specs and not rejected:
        raise ValueError("nothing to crawl: configure sources or pass urls")

    kb = KnowledgeBase(db_path)
    own_run = run_id is None
    if own_run:
        run_id = kb.start_run("crawl")
    for failure in rejected:
        kb.log_failure(run_id, failure["url"], failure["reason"], source=failure["source"])
    kb.close()

    job_settings = crawl_settings(config, db_path=db_path, run_id=run_id, allow_private=allow_private,
                                  sources=specs, overrides=settings)
    if config.crawl.raw_html_days == 0:
        job_settings.setdefault("TRADEWATCH_KEEP_HTML", False)
    if scheduler:
        job_settings.update(redis_settings(scheduler, scheduler_run))
    started = time.monotonic()
    try:
        stats = _run_child({"settings": job_settings,
                            "groups": {k: [s.to_dict() for s in v] for k, v in group_by_spider(specs).items()}},
                           timeout=timeout, log_file=log_file) if specs else _no_stats()
    except BaseException as exc:
        if own_run:
            with KnowledgeBase(db_path) as kb:
                kb.finish_run(run_id, "failed", error=str(exc)[:500])
        raise
    _count_rejected(stats, rejected)
    stats["all_failed"] = all_start_urls_failed(stats)
    stats["run_id"] = run_id
    stats["elapsed_s"] = round(time.monotonic() - started, 3)
    counts = {k: stats[k] for k in STAT_KEYS}
    with KnowledgeBase(db_path) as kb:
        if own_run:
            error = {"error": f"every start URL failed ({stats['start_urls']})"} if stats["all_failed"] else {}
            kb.finish_run(run_id, "failed" if stats["all_failed"] else "ok", **counts, **error)
        else:
            kb.update_run(run_id, **counts)
    return stats


def all_start_urls_failed(stats: dict) -> bool:
    """No start URL (feed, sitemap, site or ad hoc URL) answered: each failed or was refused."""
    return stats.get("start_urls", 0) > 0 and stats.get("start_urls_ok", 0) == 0


def _no_stats() -> dict:
    return {**{k: 0 for k in STAT_KEYS}, "failure_list": []}


def _count_rejected(stats: dict, rejected: list[dict]) -> None:
    """Ad hoc URLs refused before the crawl: start URLs that failed, first in the failure list."""
    stats["failure_list"] = rejected + stats.get("failure_list", [])
    for key in ("start_urls", "sources_failed", "failures"):
        stats[key] = stats.get(key, 0) + len(rejected)


def redis_settings(url: str, run_key: str | None = None) -> dict:
    """scrapy-redis: one request queue and one dupefilter shared by every crawl process.

    Processes share state when they use the same Redis URL and `run_key` (default: today's
    UTC date, so a second day's crawl starts with a fresh dupefilter)."""
    run_key = run_key or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    prefix = f"tradewatch:{run_key}:%(spider)s"
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "crawler.redis_dupefilter.CanonicalRedisDupeFilter",
        "REDIS_URL": url,
        "SCHEDULER_QUEUE_KEY": prefix + ":requests",
        "SCHEDULER_DUPEFILTER_KEY": prefix + ":dupefilter",
        # Several processes share the keys: none may flush them when it finishes first.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.FifoQueue",
        "TRADEWATCH_DISTRIBUTED": True,
    }


def clear_redis(url: str, run_key: str) -> int:
    """Delete one distributed run's queue and dupefilter keys; returns how many were removed."""
    import redis  # optional (the test extra): only distributed crawls need it

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"tradewatch:{run_key}:*"))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()


def _select_sources(config, names) -> list[Source]:
    if names is None:
        return [Source.coerce(s) for s in config.sources]
    chosen = []
    for name in names:
        chosen.append(Source.coerce(config.source(name) if isinstance(name, str) else name))
    return chosen


TEMP_PREFIX = "tradewatch-crawl-"       # one folder per crawl in the temp directory: job, stats, log
OWNER_FILE = "owner.json"               # who made the folder: a crawl killed with -9 never removes it
NO_OWNER_GRACE_S = 3600                 # a folder without an owner file is left alone this long


def remove_stale_crawl_dirs(temp_root: str | Path | None = None) -> list[Path]:
    """Remove the temp folders of crawls whose process is gone (`kill -9` runs no clean-up).

    A folder is stale when the process named in its owner file has exited (or its pid now
    belongs to a process started later); one without an owner file (killed in its first
    instant, or made by an older version) when it is over an hour old. Only this user's
    folders are touched. Returns the folders removed."""
    root = Path(temp_root or tempfile.gettempdir())
    removed = []
    for folder in root.glob(TEMP_PREFIX + "*"):
        try:
            if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
            if _owner_alive(folder):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _owner_alive(folder: Path) -> bool:
    try:
        owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return time.time() - folder.stat().st_mtime < NO_OWNER_GRACE_S
    pid, started = owner.get("pid"), owner.get("started")
    return isinstance(pid, int) and _alive(pid) and (started is None or _process_start(pid) in (None, started))


def _process_start(pid: int) -> int | None:
    """When a process started (clock ticks since boot, Linux): tells a reused pid from its owner."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _run_child(job: dict, *, timeout=None, log_file=None) -> dict:
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
        (Path(tmp) / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": _process_start(os.getpid())}),
                                            encoding="utf-8")
        job_path = Path(tmp) / "job.json"
        stats_path = Path(tmp) / "stats.json"
        job["stats_file"] = str(stats_path)
        job["parent_pid"] = os.getpid()
        job_path.write_text(json.dumps(job), encoding="utf-8")
        log_path = Path(log_file) if log_file else Path(tmp) / "crawl.log"
        if _forkserver_available():
            returncode = _run_forked(job_path, log_path, timeout)
        else:
            returncode = _run_subprocess(job_path, log_path, timeout)
        if returncode != 0 or not stats_path.exists():
            raise CrawlError(f"crawl process exited with {returncode}:\n{_tail(log_path)}")
        return json.loads(stats_path.read_text(encoding="utf-8"))


def _forkserver_available() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods() and not os.environ.get("TRADEWATCH_CRAWL_SUBPROCESS")


_FORK_CONTEXT = None


def _run_forked(job_path: Path, log_path: Path, timeout) -> int:
    """Fork the crawl from a forkserver that has Scrapy, trafilatura & co. imported (but no
    reactor installed): a fresh process per crawl without paying the imports every time."""
    global _FORK_CONTEXT
    if _FORK_CONTEXT is None:
        _FORK_CONTEXT = multiprocessing.get_context("forkserver")
        _FORK_CONTEXT.set_forkserver_preload(["crawler.preload"])
    process = _FORK_CONTEXT.Process(target=_child_main, args=(str(job_path), str(log_path)), daemon=False)
    with _main_module_hidden():
        process.start()
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
        raise CrawlError(f"crawl did not finish within {timeout} s; log: {_tail(log_path)}")
    return process.exitcode


@contextlib.contextmanager
def _main_module_hidden():
    """multiprocessing re-imports the caller's __main__ in the child; a crawl needs nothing
    from it, and a caller script without an `if __name__ == "__main__"` guard would run again."""
    main_module = sys.modules.get("__main__")
    if main_module is None:
        yield
        return
    saved = {name: main_module.__dict__[name] for name in ("__file__", "__spec__") if name in main_module.__dict__}
    main_module.__dict__.pop("__file__", None)
    main_module.__spec__ = None
    try:
        yield
    finally:
        main_module.__dict__.update(saved)


def _child_main(job_path: str, log_path: str) -> None:
    """Entry point of a forked crawl: output to the log file, then the same as `python -m crawler.run`."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)
    os.environ.pop("SCRAPY_SETTINGS_MODULE", None)
    code = main([job_path])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run_subprocess(job_path: Path, log_path: Path, timeout) -> int:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    with open(log_path, "ab") as log:
        try:
            proc = subprocess.run([sys.executable, "-m", "crawler.run", str(job_path)],
                                  stdout=log, stderr=subprocess.STDOUT, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CrawlError(f"crawl did not finish within {timeout} s; log: {_tail(log_path)}") from None
    return proc.returncode


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- the child process ------------------------------------------------------------------

def exit_with_parent(parent_pid: int | None = None) -> None:
    """Die with the process that started the crawl: a daily job killed with -9 must not leave
    its crawl running (and writing) on its own. Started as its child (`python -m crawler.run`,
    Linux): the kernel sends SIGKILL when the parent goes. Forked by the forkserver (which lives
    as long as any crawl holds its pipe) or elsewhere: a watchdog thread checks every second.
    Exiting at once is safe: a kill loses at most the open write batch (crawler.batching)."""
    watched = parent_pid or os.getppid()
    if watched == os.getppid() and set_parent_death_signal():
        if not _alive(watched):         # it died before the signal was armed
            os._exit(1)
        return

    def watch():
        while _alive(watched):
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def set_parent_death_signal() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL) on Linux; False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0       # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:                                # killed but not yet reaped by its own parent: gone too
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def run_job(job: dict) -> dict:
    """Run every spider of the job in this process (starts the reactor: once per process)."""
    # Scrapy is imported in the crawl process only (the forkserver preloads it), never in the caller.
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from scrapy.utils.misc import load_object

    from crawler.extensions import RunRecorder

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(job["settings"], priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for spider_path, specs in job["groups"].items():
        crawler = process.create_crawler(load_object(spider_path))
        process.crawl(crawler, sources=specs)
        crawlers.append(crawler)
    process.start()
    total = {k: 0 for k in STAT_KEYS}
    total["failure_list"] = []
    for crawler in crawlers:
        stats = RunRecorder.of(crawler).stats()
        for key, value in stats.items():
            if key == "failure_list":
                total["failure_list"].extend(value)
            elif key.startswith("rss_mb_") or key in ("engine_seconds", "fetch_seconds", "clean_stage_seconds"):
                total[key] = max(total.get(key, 0), value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m crawler.run JOB.json", file=sys.stderr)
        return 2
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    exit_with_parent(job.get("parent_pid"))
    stats = run_job(job)
    Path(job["stats_file"]).write_text(json.dumps(stats), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
