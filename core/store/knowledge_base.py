"""KnowledgeBase: the one object that writes the SQLite file (see core/store/__init__.py)."""
from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils
from filelock import FileLock

from core.store.coerce import float_or_none as _float, int_or_none as _int, str_list as _str_list
from core.store.companies import PLAIN_NAMING, CompanyIndex, CompanyNaming
from core.store import corrections
from core.store.events import EventMatcher, refresh_events
from core.ids import stable_id
from core.urls import canonical_url
from core.store.migrations import LATEST, current_version, migrate
from core.store.reference import refresh_reference_tables

class KnowledgeBaseError(RuntimeError):
    """The knowledge base file cannot be opened or upgraded; the message names the file and a fix."""


def write_problem(path: str | Path) -> str | None:
    """Why the knowledge base at `path` cannot be written, or None. Checked before SQLite opens
    it: SQLite would open a read-only file read-only, leave -wal/-shm files beside it and fail
    at the first write, and in a read-only folder it cannot open a WAL database at all."""
    path = Path(path)
    if path.is_file():
        if not os.access(path, os.W_OK):
            return (f"the knowledge base {path} is read-only; make it writable (e.g. chmod u+w) "
                    "or choose another --db path")
        folder = path.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            return (f"the folder {folder} of the knowledge base {path.name} is read-only (SQLite keeps its -wal "
                    "and -shm files beside the database); make the folder writable or choose another --db path")
        return None
    folder = next((p for p in path.parents if p.exists()), None)
    if folder is not None and folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return (f"cannot create the knowledge base {path}: the folder {folder} is read-only; "
                "make it writable or choose another --db path")
    return None


SEEN_STATUSES = ("stored", "failed", "skipped")       # is_seen() is true for these
SEEN_STATUS_CHOICES = SEEN_STATUSES + ("retry",)     # "retry": recorded, fetched again next time


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _as_dict(value: Any) -> dict:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"expected a dict or a dataclass with to_dict(), got {type(value).__name__}")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _month(value: str | None) -> str | None:
    return value[:7] if value and re.match(r"\d{4}-\d{2}", value) else None




_ARTICLE_COLUMNS = (
    "id", "canonical_url", "url", "title", "text", "published", "published_month", "published_source",
    "author", "language", "source", "tier", "site_name", "story_id", "content_hash", "fetched_at",
    "stored_at", "updated_at", "run_id",
)
# Re-crawl: newer values win, but an empty new text never replaces a stored one, and a changed
# content hash sends the article back to extraction.
_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(_ARTICLE_COLUMNS)}) VALUES ({', '.join(':' + c for c in _ARTICLE_COLUMNS)}) "
    "ON CONFLICT(id) DO UPDATE SET "
    "url = excluded.url, title = coalesce(nullif(excluded.title, ''), articles.title), "
    "text = coalesce(nullif(excluded.text, ''), articles.text), "
    "published = coalesce(excluded.published, articles.published), "
    "published_month = coalesce(excluded.published_month, articles.published_month), "
    "published_source = coalesce(excluded.published_source, articles.published_source), "
    "author = coalesce(nullif(excluded.author, ''), articles.author), "
    "language = coalesce(excluded.language, articles.language), source = excluded.source, "
    "tier = coalesce(excluded.tier, articles.tier), site_name = coalesce(nullif(excluded.site_name, ''), articles.site_name), "
    "story_id = coalesce(excluded.story_id, articles.story_id), "
    "extractor_version = CASE WHEN articles.content_hash IS excluded.content_hash "
    "  OR excluded.text = '' THEN articles.extractor_version ELSE NULL END, "
    "content_hash = CASE WHEN excluded.text = '' THEN articles.content_hash ELSE excluded.content_hash END, "
    "fetched_at = excluded.fetched_at, updated_at = excluded.updated_at, run_id = excluded.run_id"
)
_FIGURE_COLUMNS = (
    "id", "article_id", "kind", "value", "unit", "currency", "scale", "direction", "measure", "period",
    "text", "sentence", "char_start", "char_end", "published",
)
_INSERT_FIGURE = (
    f"INSERT OR REPLACE INTO figures ({', '.join(_FIGURE_COLUMNS)}) VALUES ({', '.join('?' * len(_FIGURE_COLUMNS))})"
)
_INSERT_COMPANY_MENTION = (
    "INSERT OR REPLACE INTO company_mentions (id, article_id, company_id, text, char_start, char_end) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_MARK_SEEN = (
    "INSERT INTO seen_urls (url, source, status, reason, run_id, first_seen, last_seen) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
    "source = coalesce(excluded.source, seen_urls.source), status = excluded.status, "
    "reason = excluded.reason, run_id = coalesce(excluded.run_id, seen_urls.run_id), last_seen = excluded.last_seen"
)
_UPSERT_RAW_PAGE = (
    "INSERT INTO raw_pages (article_id, url, html, fetched_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(article_id) DO UPDATE SET url = excluded.url, html = excluded.html, fetched_at = excluded.fetched_at"
)
_UPSERT_SOURCE = (
    "INSERT INTO sources (name, kind, tier, language, first_seen) VALUES (?, NULL, ?, NULL, ?) "
    "ON CONFLICT(name) DO UPDATE SET tier = coalesce(excluded.tier, sources.tier)"
)
# When an article counts as seen: its own date, else when it was fetched.
_ARTICLE_DAY = "coalesce(a.published, a.fetched_at)"
# An outlet is the publication (site name); one configured source can carry several.
OUTLET = "coalesce(nullif(a.site_name, ''), a.source)"
_REFRESH_STORY = f"""
UPDATE stories SET
  title = coalesce((SELECT a.title FROM articles a WHERE a.story_id = stories.id
                    ORDER BY {_ARTICLE_DAY}, a.id LIMIT 1), title),
  first_seen = (SELECT min({_ARTICLE_DAY}) FROM articles a WHERE a.story_id = stories.id),
  last_seen = (SELECT max({_ARTICLE_DAY}) FROM articles a WHERE a.story_id = stories.id),
  articles_count = (SELECT count(*) FROM articles a WHERE a.story_id = stories.id),
  outlets_count = (SELECT count(DISTINCT {OUTLET}) FROM articles a WHERE a.story_id = stories.id)
WHERE id = ?"""


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class KnowledgeBase:
    """The knowledge base on one SQLite file. Safe to re-run any write; see the package docstring."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0, migrate_schema: bool = True,
                 company_naming: CompanyNaming = PLAIN_NAMING):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._wrote = False
        problem = write_problem(self.path) if str(path) != ":memory:" else None
        if problem:
            raise KnowledgeBaseError(problem)
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), timeout=busy_timeout, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise KnowledgeBaseError(
                f"cannot open the knowledge base {self.path}: {exc}; give --db a writable file path") from None
        try:
            self.db = sqlite_utils.Database(self.conn)
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if str(path) != ":memory:":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a crash loses at most the last commit
            self.conn.execute("PRAGMA cache_size = -65536")   # 64 MB: index pages of a big knowledge base stay hot
            self.conn.execute("PRAGMA temp_store = MEMORY")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if migrate_schema and current_version(self.db) < LATEST:
                self._migrate(busy_timeout)
            if migrate_schema:
                refresh_reference_tables(self.db)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise KnowledgeBaseError(f"the knowledge base {self.path} stayed locked by another writer for "
                                         f"{busy_timeout:g}s; try again when it has finished") from None
            raise KnowledgeBaseError(
                f"{self.path} is not a usable tradewatch knowledge base ({exc}); point --db at the right file, "
                "or move this one away to start a new knowledge base") from None
        self._company_index = CompanyIndex(self.conn, company_naming)

    def use_company_naming(self, naming: CompanyNaming) -> None:
        """How company names compare from now on (the extractor's `extract.companies.NAMING`)."""
        self._company_index.use(naming)

    def _migrate(self, timeout: float) -> None:
        """Upgrade the schema; a file lock keeps two processes opening an old file from both doing it."""
        if str(self.path) == ":memory:":
            migrate(self.db)
            return
        with self._lock, FileLock(f"{self.path}.migrate.lock", timeout=max(timeout, 60)):
            migrate(self.db)  # re-reads the version under the lock

    # -- plumbing -------------------------------------------------------------------------

    def close(self) -> None:
        try:
            if self._wrote:
                self.refresh_statistics()
        finally:
            self.conn.close()

    def refresh_statistics(self, force: bool = False) -> bool:
        """ANALYZE when the query planner's statistics are missing or the articles table has more
        than doubled since: without them SQLite joins views in the slow order on a big file.
        Small files plan well without; a busy database is left for next time. True if it ran."""
        with self._lock:
            rows = self.conn.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0]
            if rows < 1000 and not force:
                return False
            try:
                stat = self.conn.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'articles' LIMIT 1").fetchone()
            except sqlite3.OperationalError:  # no sqlite_stat1 yet
                stat = None
            analyzed = int(stat[0].split()[0]) if stat and stat[0] else 0
            if not (force or rows > 2 * analyzed):
                return False
            try:
                self.conn.execute("ANALYZE")
                self.conn.commit()
            except sqlite3.OperationalError:
                return False
            return True

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE: takes the write lock up front, so a
        concurrent writer waits on the busy timeout instead of failing mid-way). Nests as a savepoint."""
        with self._lock:
            if self.conn.in_transaction:
                self.conn.execute("SAVEPOINT kb_nested")
                try:
                    yield self.conn
                except BaseException:
                    self.conn.execute("ROLLBACK TO SAVEPOINT kb_nested")
                    self.conn.execute("RELEASE SAVEPOINT kb_nested")
                    raise
                self.conn.execute("RELEASE SAVEPOINT kb_nested")
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._wrote = True
            try:
                yield self.conn
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        """Rows per main table (for summaries)."""
        tables = ("articles", "figures", "companies", "company_mentions", "events", "event_mentions",
                  "stories", "feed_entries", "runs", "run_failures")
        return {t: self.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}

    # -- crawl state ----------------------------------------------------------------------

    def is_seen(self, url: str) -> bool:
        """True when the canonical URL is stored, failed for good, or was skipped."""
        key = canonical_url(url)
        row = self.conn.execute(
            f"SELECT 1 FROM seen_urls WHERE url = ? AND status IN ({', '.join('?' * len(SEEN_STATUSES))})",
            [key, *SEEN_STATUSES],
        ).fetchone()
        return row is not None

    def mark_seen(self, url: str, source: str | None = None, status: str = "stored",
                  reason: str | None = None, run_id: int | None = None) -> None:
        if status not in SEEN_STATUS_CHOICES:
            raise ValueError(f"status must be one of {', '.join(SEEN_STATUS_CHOICES)}, got {status!r}")
        with self.transaction():
            self._mark_seen(canonical_url(url), source, status, reason, run_id, utc_now())

    def _mark_seen(self, key, source, status, reason, run_id, now) -> None:
        self.conn.execute(_MARK_SEEN, [key, source, status, reason, run_id, now, now])

    def get_http_validators(self, url: str) -> dict:
        row = self.conn.execute(
            "SELECT etag, last_modified FROM http_cache WHERE url = ?", [canonical_url(url)]
        ).fetchone()
        return {"etag": row[0], "last_modified": row[1]} if row else {"etag": None, "last_modified": None}

    def set_http_validators(self, url: str, etag: str | None = None, last_modified: str | None = None) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO http_cache (url, etag, last_modified, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, "
                "updated_at = excluded.updated_at",
                [canonical_url(url), etag, last_modified, utc_now()],
            )

    def save_entry(self, entry: Any, run_id: int | None = None) -> str:
        """Store what a feed/sitemap says about an article (kept even if its page fails); id = hash of URL."""
        entry = _as_dict(entry)
        if not entry.get("url"):
            raise ValueError("feed entry has no url")
        key = canonical_url(entry["url"])
        entry_id = stable_id("entry", key)
        now = utc_now()
        with self.transaction():
            self.conn.execute(
                "INSERT INTO feed_entries (id, url, source, title, summary, published, author, categories, origin, "
                "origin_url, first_seen, last_seen, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET source = coalesce(nullif(excluded.source, ''), feed_entries.source), "
                "title = coalesce(nullif(excluded.title, ''), feed_entries.title), "
                "summary = coalesce(nullif(excluded.summary, ''), feed_entries.summary), "
                "published = coalesce(excluded.published, feed_entries.published), "
                "author = coalesce(nullif(excluded.author, ''), feed_entries.author), "
                "categories = excluded.categories, origin = excluded.origin, origin_url = excluded.origin_url, "
                "last_seen = excluded.last_seen, run_id = excluded.run_id",
                [entry_id, key, entry.get("source") or "", entry.get("title") or "", entry.get("summary") or "",
                 entry.get("published"), entry.get("author") or "", _json(_str_list(entry.get("categories"))),
                 entry.get("origin") or "", entry.get("origin_url") or "", now, now, run_id],
            )
        return entry_id

    # -- articles -------------------------------------------------------------------------

    def save_article(self, article: Any, *, source: str, tier: str | None = None, fetched_at: str,
                     html: str | None = None, entry: Any = None, content_hash: str,
                     story_id: str | None = None, run_id: int | None = None) -> str:
        """Upsert one cleaned article (+ its raw HTML, source, story); returns its stable id."""
        return self.save_articles_batch([dict(
            article=article, source=source, tier=tier, fetched_at=fetched_at, html=html, entry=entry,
            content_hash=content_hash, story_id=story_id, run_id=run_id)])[0]

    def save_articles_batch(self, items: Iterable[dict]) -> list[str]:
        """Many `save_article` calls in one transaction (each item: {"article": ..., "source": ...,
        "fetched_at": ..., "content_hash": ..., and optionally the other keywords}); for bulk loads.
        A bad item raises before anything is written."""
        now = utc_now()
        prepared = [self._article_rows(now=now, **item) for item in items]
        with self.transaction() as conn:
            sources = {}
            for p in prepared:
                sources[p["source"]] = p["tier"] or sources.get(p["source"])
            conn.executemany(_UPSERT_SOURCE, [[name, tier, now] for name, tier in sources.items()])
            stories = sorted({p["row"]["story_id"] for p in prepared if p["row"]["story_id"]})
            conn.executemany("INSERT OR IGNORE INTO stories (id) VALUES (?)", [[sid] for sid in stories])
            conn.executemany(_UPSERT_ARTICLE, [p["row"] for p in prepared])
            conn.executemany(_UPSERT_RAW_PAGE, [p["raw"] for p in prepared if p["raw"]])
            conn.executemany(_MARK_SEEN, [seen for p in prepared for seen in p["seen"]])
            for sid in stories:
                conn.execute(_REFRESH_STORY, [sid])
        return [p["row"]["id"] for p in prepared]

    @staticmethod
    def _article_rows(article, *, source, tier=None, fetched_at, html=None, entry=None, content_hash,
                      story_id=None, run_id=None, now: str) -> dict:
        article, entry = _as_dict(article), _as_dict(entry)
        if not source:
            raise ValueError("save_article needs the source name")
        url = article.get("canonical_url") or article.get("url") or entry.get("url")
        if not url:
            raise ValueError("article has neither canonical_url nor url")
        key = canonical_url(url)
        article_id = stable_id("article", key)
        text = article.get("text") or ""
        title = article.get("title") or entry.get("title") or ""
        if not text.strip() and not title.strip():
            raise ValueError(f"article {key} has no title and no text ({article.get('error') or 'empty'})")
        published, published_source = article.get("published"), article.get("published_source")
        if not published and entry.get("published"):
            published, published_source = entry["published"], entry.get("origin") or "feed"
        fetched_url = article.get("url") or url
        row = {
            "id": article_id, "canonical_url": key, "url": fetched_url, "title": title, "text": text,
            "published": published, "published_month": _month(published),
            "published_source": published_source if published else None,
            "author": article.get("author") or entry.get("author") or "", "language": article.get("language"),
            "source": source, "tier": tier, "site_name": article.get("site_name") or "", "story_id": story_id,
            "content_hash": content_hash, "fetched_at": fetched_at, "stored_at": now, "updated_at": now,
            "run_id": run_id,
        }
        seen_keys = {key, *(canonical_url(u) for u in (article.get("url"), entry.get("url")) if u)}
        return {
            "row": row, "source": source, "tier": tier,
            "raw": [article_id, fetched_url, html, fetched_at] if html is not None else None,
            "seen": [[k, source, "stored", None, run_id, now, now] for k in sorted(seen_keys)],
        }

    def article(self, article_id: str) -> dict | None:
        """One stored article as a dict (without raw HTML), or None."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return rows[0] if rows else None

    def pending_extraction(self, extractor_version: str, *, since: str | None = None,
                           force: bool = False) -> Iterator[dict]:
        """Articles whose derived rows come from another extractor version (or none yet), as
        {"id", "title", "text", "language"}; `since` keeps articles published/fetched on or after
        that date; `force` yields all. Reads in pages, so it is safe to write while iterating."""
        where = ["text != ''"]
        params: list[Any] = []
        if not force:
            where.append("(extractor_version IS NULL OR extractor_version != ?)")
            params.append(extractor_version)
        if since:
            where.append("coalesce(published, fetched_at) >= ?")
            params.append(since)
        last = ""
        while True:
            rows = self.conn.execute(
                f"SELECT id, title, text, language FROM articles WHERE {' AND '.join(where)} AND id > ? "
                "ORDER BY id LIMIT 200",
                [*params, last],
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield {"id": row[0], "title": row[1], "text": row[2], "language": row[3]}
            last = rows[-1][0]

    # -- extraction results ---------------------------------------------------------------

    def save_extraction(self, article_id: str, record: dict, extractor_version: str) -> None:
        """Replace the article's figures, company mentions and event reports with `record`'s,
        atomically; linking companies and events across articles. Re-running changes nothing."""
        self.save_extractions([(article_id, record)], extractor_version)

    def save_extractions(self, items: Iterable[tuple[str, dict]], extractor_version: str) -> int:
        """Many `save_extraction` calls in one transaction; returns how many."""
        if not extractor_version or not str(extractor_version).strip():
            raise ValueError("save_extraction needs the extractor version (extract.EXTRACTOR_VERSION)")
        items = list(items)
        for article_id, record in items:
            if not isinstance(record, dict):
                raise TypeError(f"extraction record for {article_id} must be a dict, got {type(record).__name__}")
        if not items:
            return 0
        try:
            with self.transaction():
                self._save_extractions(items, extractor_version)
        except BaseException:
            self._company_index.invalidate()  # it may hold rows that were rolled back
            raise
        return len(items)

    def _save_extractions(self, items: list[tuple[str, dict]], extractor_version: str) -> None:
        conn, now = self.conn, utc_now()
        ids = list(dict.fromkeys(article_id for article_id, _ in items))
        known: dict[str, tuple] = {}
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            for aid, day, extracted in conn.execute(
                f"SELECT id, coalesce(published, fetched_at), extracted_at FROM articles WHERE id IN ({marks})", chunk
            ):
                known[aid] = (day, extracted)
        missing = [aid for aid in ids if aid not in known]
        if missing:
            raise KeyError(f"no article with id {missing[0]!r}; save_article first")
        # Only articles extracted before can have derived rows to replace.
        touched: set[str] = set()
        for chunk in _chunks([aid for aid in ids if known[aid][1] is not None]):
            marks = ", ".join("?" * len(chunk))
            touched |= {r[0] for r in conn.execute(
                f"SELECT DISTINCT event_id FROM event_mentions WHERE article_id IN ({marks})", chunk)}
            for table in ("figures", "company_mentions", "event_mentions"):
                conn.execute(f"DELETE FROM {table} WHERE article_id IN ({marks})", chunk)
        matcher = EventMatcher(conn)
        self._company_index.sync()
        figures, mentions = [], []
        for article_id, record in items:
            for figure in record.get("figures") or []:
                if isinstance(figure, dict):
                    figures.append(self._figure_row(article_id, figure) + [known[article_id][0]])
            for company in record.get("companies") or []:
                if isinstance(company, dict) and str(company.get("name") or "").strip():
                    mentions.extend(self._company_mention_rows(article_id, company, now))
            for event in record.get("events") or []:
                if isinstance(event, dict) and event.get("type"):
                    matcher.add_report(article_id, event, known[article_id][0], now)
        conn.executemany(_INSERT_FIGURE, figures)
        conn.executemany(_INSERT_COMPANY_MENTION, mentions)
        refreshed = matcher.write() | touched
        refresh_events(conn, refreshed)
        # Reviewed values win over what the extractor just wrote (and survive a re-extraction).
        corrections.apply_corrections(conn, refreshed)
        conn.executemany("UPDATE articles SET extractor_version = ?, extracted_at = ? WHERE id = ?",
                         [[extractor_version, now, aid] for aid in ids])
        self._company_index.done()

    @staticmethod
    def _figure_row(article_id: str, figure: dict) -> list:
        kind, unit, value = figure.get("kind"), figure.get("unit"), _float(figure.get("value"))
        start, end, text = _int(figure.get("start")), _int(figure.get("end")), figure.get("text") or ""
        currency = figure.get("currency") or (unit if kind == "money" and unit else None)
        return [
            stable_id("figure", article_id, kind, unit, value, start, end, text), article_id, kind, value, unit,
            currency, figure.get("scale"), figure.get("direction"), figure.get("measure"),
            figure.get("period"), text, figure.get("sentence"), start, end,
        ]

    def _company_mention_rows(self, article_id: str, company: dict, now: str) -> list[list]:
        name = str(company["name"]).strip()
        company_id = self._company_index.upsert(name, _str_list(company.get("aliases")),
                                                company.get("country") or None, now)
        rows = []
        for mention in company.get("mentions") or [{"text": name}]:
            if not isinstance(mention, dict):
                continue
            text = mention.get("text") or name
            start, end = _int(mention.get("start")), _int(mention.get("end"))
            rows.append([stable_id("company_mention", article_id, company_id, start, end, text),
                         article_id, company_id, text, start, end])
        return rows

    # -- near-duplicate stories -----------------------------------------------------------

    def story_signatures(self) -> Iterator[tuple[str, str, bytes]]:
        rows = self.conn.execute("SELECT article_id, story_id, signature FROM story_signatures ORDER BY rowid").fetchall()
        for article_id, story_id, signature in rows:
            yield article_id, story_id, signature

    def save_signature(self, article_id: str, story_id: str, signature: bytes) -> None:
        """Record the article's MinHash signature and story; updates the story's outlet count."""
        with self.transaction():
            before = self.conn.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
            if before is None:
                raise KeyError(f"no article with id {article_id!r}; save_article first")
            self.conn.execute("INSERT OR IGNORE INTO stories (id) VALUES (?)", [story_id])
            self.conn.execute(
                "INSERT INTO story_signatures (article_id, story_id, signature, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id, signature = excluded.signature",
                [article_id, story_id, sqlite3.Binary(bytes(signature)), utc_now()],
            )
            self.conn.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
            for sid in {story_id, before[0]} - {None}:
                self.conn.execute(_REFRESH_STORY, [sid])

    # -- run log --------------------------------------------------------------------------

    def start_run(self, kind: str) -> int:
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO runs (kind, started_at, status, counts, errors) VALUES (?, ?, 'running', '{}', 0)",
                [kind, utc_now()],
            )
            return int(cursor.lastrowid)

    def log_failure(self, run_id: int | None, url: str, reason: str, source: str | None = None) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO run_failures (run_id, url, source, reason, at) VALUES (?, ?, ?, ?, ?)",
                [run_id, url, source, reason, utc_now()],
            )
            if run_id is not None:
                self.conn.execute("UPDATE runs SET errors = coalesce(errors, 0) + 1 WHERE id = ?", [run_id])

    def update_run(self, run_id: int, **counts: Any) -> None:
        """Merge counts into the run's `counts` JSON (numbers or short strings)."""
        with self.transaction():
            self._merge_counts(run_id, counts)

    def finish_run(self, run_id: int, status: str, **counts: Any) -> None:
        with self.transaction():
            self._merge_counts(run_id, counts)
            self.conn.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", [status, utc_now(), run_id])

    def _merge_counts(self, run_id: int, counts: dict) -> None:
        row = self.conn.execute("SELECT counts FROM runs WHERE id = ?", [run_id]).fetchone()
        if row is None:
            raise KeyError(f"no run with id {run_id!r}")
        merged = {**json.loads(row[0] or "{}"), **counts}
        self.conn.execute("UPDATE runs SET counts = ? WHERE id = ?", [_json(merged), run_id])

    def run(self, run_id: int) -> dict | None:
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        if not rows:
            return None
        run = rows[0]
        run["counts"] = json.loads(run["counts"] or "{}")
        return run

    # -- retention ------------------------------------------------------------------------

    def drop_raw_html(self, older_than_days: int) -> int:
        """Delete raw HTML fetched more than N days ago (0: all); clean text and derived rows stay."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        with self.transaction():
            return self.conn.execute("DELETE FROM raw_pages WHERE fetched_at IS NULL OR fetched_at < ?",
                                     [cutoff] if older_than_days else ["\uffff"]).rowcount

    def vacuum(self) -> None:
        """VACUUM may renumber rowids of tables with text keys; the FTS indexes are rebuilt after it."""
        with self._lock:
            self.conn.execute("VACUUM")
            for table in ("articles", "events", "figures"):
                self.db[table].rebuild_fts()
