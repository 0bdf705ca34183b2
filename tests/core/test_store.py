"""The knowledge base API on real SQLite files in a temporary folder."""
from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from core.store import KnowledgeBase
from core.store.reference import refresh_reference_tables
from core.ids import article_id
from core.urls import canonical_url
from extract.companies import NAMING


def _article(url, title="US raises tariffs on steel", text=None, published="2026-11-20T09:00:00+00:00", **extra):
    return {
        "url": url, "title": title, "published": published, "language": "en",
        "text": text if text is not None else f"{title}. The United States raised tariffs on Chinese steel to 25%.",
        **extra,
    }


def _record(product="steel", actor="US", targets=("CN",), status="announced", company="Nippon Steel Corp"):
    return {
        "figures": [
            {"text": "25%", "kind": "percent", "value": 25, "unit": "percent", "start": 60, "end": 63,
             "sentence": "The United States raised tariffs on Chinese steel to 25%.", "direction": "up"},
            {"text": "$1.7bn", "kind": "money", "value": 1.7e9, "unit": "USD", "scale": "billion",
             "start": 70, "end": 76},
        ],
        "companies": [{"name": company, "aliases": ["Nippon Steel"] if company.startswith("Nippon") else [],
                       "mentions": [{"text": company, "start": 80, "end": 80 + len(company)}]}],
        "events": [{"type": "tariff", "actor": actor, "targets": list(targets), "status": status,
                    "product": product, "evidence": "raised tariffs on Chinese steel", "start": 20, "end": 51}],
    }


@pytest.fixture
def kb(tmp_path):
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        yield kb


def _save(kb, url, source="wire", **kw):
    return kb.save_article(_article(url, **kw), source=source, tier="wire", fetched_at="2026-11-20T10:00:00+00:00",
                           content_hash=f"hash-{url}-{kw.get('text')}", html="<html><p>x</p></html>")


def _rows(kb, table):
    return kb.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]


def test_opens_in_wal_with_foreign_keys_and_latest_schema(kb):
    assert kb.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert kb.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert kb.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    from core.store.migrations import LATEST
    assert kb.conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == LATEST
    tables = set(kb.db.table_names())
    for table in ("sources", "articles", "raw_pages", "feed_entries", "seen_urls", "http_cache", "stories",
                  "story_signatures", "figures", "companies", "company_mentions", "events", "event_mentions",
                  "runs", "run_failures", "digests_sent", "articles_fts", "events_fts"):
        assert table in tables
    assert {"events_view", "figures_view"} <= set(kb.db.view_names())


def test_crawl_state(kb):
    url = "https://news.example.com/a?utm_medium=x"
    assert not kb.is_seen(url)
    kb.mark_seen(url, source="wire", status="retry", reason="timeout")
    assert not kb.is_seen(url)
    kb.mark_seen(url, source="wire", status="failed", reason="404")
    assert kb.is_seen("https://news.example.com/a")
    with pytest.raises(ValueError, match="status must be one of"):
        kb.mark_seen(url, status="weird")
    assert kb.get_http_validators(url) == {"etag": None, "last_modified": None}
    kb.set_http_validators(url, etag='"abc"', last_modified="Wed, 25 Nov 2026 08:00:00 GMT")
    assert kb.get_http_validators("https://news.example.com/a")["etag"] == '"abc"'


def test_save_entry_is_an_upsert(kb):
    entry = {"url": "https://news.example.com/a", "source": "wire", "title": "Tariffs", "summary": "s",
             "published": "2026-11-20T08:00:00+00:00", "categories": ["trade"], "origin": "feed",
             "origin_url": "https://news.example.com/rss"}
    first = kb.save_entry(entry)
    assert kb.save_entry({**entry, "title": ""}) == first
    row = kb.db["feed_entries"].get(first)
    assert row["title"] == "Tariffs" and json.loads(row["categories"]) == ["trade"]
    with pytest.raises(ValueError, match="no url"):
        kb.save_entry({"title": "x"})


def test_save_article_upserts_on_canonical_url_and_keeps_raw_html_apart(kb):
    first = _save(kb, "https://news.example.com/a?utm_source=rss")
    again = _save(kb, "https://news.example.com/a")
    assert first == again == article_id("https://news.example.com/a")
    assert _rows(kb, "articles") == 1
    row = kb.article(first)
    assert row["canonical_url"] == "https://news.example.com/a"
    assert row["published_month"] == "2026-11" and row["source"] == "wire"
    assert "html" not in row and kb.db["raw_pages"].get(first)["html"].startswith("<html>")
    assert kb.is_seen("https://news.example.com/a?utm_source=rss")
    assert kb.db["sources"].get("wire")["tier"] == "wire"


def test_save_article_takes_missing_fields_from_the_feed_entry(kb):
    aid = kb.save_article(
        {"url": "https://news.example.com/b", "title": "", "text": "Body text.", "published": None},
        source="wire", fetched_at="2026-11-21T00:00:00+00:00", content_hash="h",
        entry={"url": "https://news.example.com/b", "title": "Entry title", "published": "2026-11-19", "origin": "feed"},
    )
    row = kb.article(aid)
    assert (row["title"], row["published"], row["published_source"]) == ("Entry title", "2026-11-19", "feed")


def test_bad_article_gets_a_clear_error_and_nothing_is_written(kb):
    with pytest.raises(ValueError, match="no title and no text"):
        kb.save_article({"url": "https://news.example.com/empty", "title": "", "text": "", "error": "no main text"},
                        source="wire", fetched_at="2026-11-21", content_hash="h")
    with pytest.raises(ValueError, match="neither canonical_url nor url"):
        kb.save_article({"title": "t", "text": "x"}, source="wire", fetched_at="2026-11-21", content_hash="h")
    assert _rows(kb, "articles") == 0 and _rows(kb, "sources") == 0


def test_recrawl_with_empty_text_keeps_the_stored_text(kb):
    aid = _save(kb, "https://news.example.com/a")
    kb.save_article({"url": "https://news.example.com/a", "title": "New title", "text": ""}, source="wire",
                    fetched_at="2026-11-22", content_hash="other")
    assert "raised tariffs" in kb.article(aid)["text"]


def test_save_extraction_writes_derived_rows_and_rerun_changes_nothing(kb):
    aid = _save(kb, "https://news.example.com/a")
    assert [p["id"] for p in kb.pending_extraction("1")] == [aid]
    kb.save_extraction(aid, _record(), "1")
    snapshot = {t: list(kb.db[t].rows) for t in ("figures", "companies", "company_mentions", "events", "event_mentions")}
    kb.save_extraction(aid, _record(), "1")
    again = {t: list(kb.db[t].rows) for t in snapshot}
    for table in snapshot:
        drop = {"seen_at"}
        assert [{k: v for k, v in r.items() if k not in drop} for r in again[table]] == \
            [{k: v for k, v in r.items() if k not in drop} for r in snapshot[table]], table
    assert len(snapshot["figures"]) == 2
    money = next(f for f in snapshot["figures"] if f["kind"] == "money")
    assert (money["currency"], money["scale"], money["value"]) == ("USD", "billion", 1.7e9)
    assert list(kb.pending_extraction("1")) == []
    assert [p["id"] for p in kb.pending_extraction("2")] == [aid]


def test_save_extraction_replaces_the_articles_rows(kb):
    aid = _save(kb, "https://news.example.com/a")
    kb.save_extraction(aid, _record(), "1")
    kb.save_extraction(aid, {"figures": [{"text": "10%", "kind": "percent", "value": 10, "unit": "percent"}]}, "2")
    assert [f["value"] for f in kb.db["figures"].rows] == [10.0]
    assert _rows(kb, "company_mentions") == 0
    assert _rows(kb, "events") == 0 and _rows(kb, "event_mentions") == 0  # orphaned measure removed
    assert _rows(kb, "companies") == 1  # companies are knowledge, kept
    assert kb.article(aid)["extractor_version"] == "2"


def test_save_extraction_is_atomic(kb):
    aid = _save(kb, "https://news.example.com/a")
    kb.save_extraction(aid, _record(), "1")
    # hs_chapters must be a list: the error comes after the old rows were deleted in the transaction
    with pytest.raises(TypeError):
        kb.save_extraction(aid, {"figures": [], "events": [{"type": "tariff", "hs_chapters": 5}]}, "2")
    # so the rollback must bring them all back, with the version unchanged
    assert _rows(kb, "figures") == 2 and _rows(kb, "event_mentions") == 1
    assert kb.article(aid)["extractor_version"] == "1"


def test_save_extraction_tolerates_missing_keys_and_rejects_unknown_article(kb):
    aid = _save(kb, "https://news.example.com/a")
    kb.save_extraction(aid, {"figures": [{"kind": "percent"}], "companies": [{"name": "Acme"}],
                             "events": [{"type": "sanction"}, {"actor": "US"}]}, "1")
    assert _rows(kb, "figures") == 1 and _rows(kb, "company_mentions") == 1 and _rows(kb, "events") == 1
    with pytest.raises(KeyError, match="save_article first"):
        kb.save_extraction("nope", {}, "1")


def test_one_event_row_per_measure_across_outlets(kb):
    a = _save(kb, "https://wire.example.com/a", source="wire")
    b = _save(kb, "https://paper.example.com/b", source="paper", published="2026-11-22T09:00:00+00:00")
    c = _save(kb, "https://blog.example.com/c", source="blog", published="2026-11-23T09:00:00+00:00")
    far = _save(kb, "https://wire.example.com/d", source="wire", published="2027-06-01T09:00:00+00:00")
    kb.save_extraction(a, _record(product="steel", status="announced"), "1")
    kb.save_extraction(b, _record(product="steel imports", status="in_effect"), "1")
    kb.save_extraction(c, _record(product="aircraft"), "1")            # other product → other measure
    kb.save_extraction(far, _record(product="steel"), "1")             # months later → other measure
    events = list(kb.db.query("SELECT * FROM events ORDER BY first_seen"))
    assert [(e["product"], e["articles_count"]) for e in events] == [("steel", 2), ("aircraft", 1), ("steel", 1)]
    steel = events[0]
    assert (steel["outlets_count"], steel["articles_count"]) == (2, 2)
    assert steel["status"] == "in_effect"                               # latest report wins
    assert steel["first_article_id"] == a
    # "how many outlets report this tariff" is a query
    n = kb.conn.execute("SELECT count(DISTINCT a.source) FROM event_mentions m JOIN articles a ON a.id = m.article_id "
                        "WHERE m.event_id = ?", [steel["id"]]).fetchone()[0]
    assert n == 2
    # dropping the first report moves the event to the next one instead of losing it
    kb.save_extraction(a, {}, "1")
    steel = kb.db["events"].get(steel["id"])
    assert steel["first_article_id"] == b and steel["outlets_count"] == 1


def test_companies_are_one_row_across_articles(kb):
    kb.use_company_naming(NAMING)           # the extractor's way of comparing names (legal suffixes …)
    a = _save(kb, "https://wire.example.com/a")
    b = _save(kb, "https://paper.example.com/b", source="paper")
    kb.save_extraction(a, _record(company="Nippon Steel Corp"), "1")
    kb.save_extraction(b, {"companies": [{"name": "Nippon Steel Corporation", "aliases": ["NSC"], "country": "JP"}]}, "1")
    companies = list(kb.db["companies"].rows)
    assert len(companies) == 1
    assert {"Nippon Steel", "NSC"} <= set(json.loads(companies[0]["aliases"]))
    assert companies[0]["country"] == "JP"
    assert _rows(kb, "company_mentions") == 2


def test_stories_count_outlets(kb):
    a = _save(kb, "https://wire.example.com/a", source="wire")
    b = _save(kb, "https://paper.example.com/b", source="paper")
    c = _save(kb, "https://paper.example.com/c", source="paper")
    for aid in (a, b, c):
        kb.save_signature(aid, "story-1", b"\x00\x01sig")
    story = kb.db["stories"].get("story-1")
    assert (story["articles_count"], story["outlets_count"]) == (3, 2)
    assert sorted(r[0] for r in kb.story_signatures()) == sorted([a, b, c])
    assert all(isinstance(r[2], bytes) for r in kb.story_signatures())
    kb.save_signature(c, "story-2", b"sig")
    assert kb.db["stories"].get("story-1")["articles_count"] == 2


def test_run_log(kb):
    run = kb.start_run("daily")
    kb.update_run(run, articles=3)
    kb.log_failure(run, "https://news.example.com/x", "HTTP 500", source="wire")
    kb.finish_run(run, "ok", figures=7)
    row = kb.run(run)
    assert row["status"] == "ok" and row["finished_at"] and row["errors"] == 1
    assert row["counts"] == {"articles": 3, "figures": 7}
    assert kb.db["run_failures"].count == 1


def test_full_text_search_uses_porter_stemming(kb):
    aid = _save(kb, "https://news.example.com/a", title="Duties imposed", text="Washington imposes tariff on steel.")
    hits = kb.conn.execute("SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
                           "WHERE articles_fts MATCH 'tariffs'").fetchall()
    assert hits == [(aid,)]
    kb.save_extraction(aid, _record(), "1")
    assert kb.conn.execute("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'raise'").fetchone()[0] == 1


def test_raw_html_retention_keeps_text(kb):
    aid = _save(kb, "https://news.example.com/a")
    assert kb.drop_raw_html(0) == 1
    assert kb.article(aid)["text"]


def test_second_writer_waits_instead_of_failing(tmp_path):
    path = tmp_path / "kb.db"
    first = KnowledgeBase(path)
    second = KnowledgeBase(path, busy_timeout=10)
    done = []
    with first.transaction():
        thread = threading.Thread(target=lambda: done.append(second.start_run("other")))
        thread.start()
        thread.join(0.3)
        assert not done  # blocked on the write lock
        first.conn.execute("INSERT INTO runs (kind) VALUES ('first')")
    thread.join(5)
    assert done and first.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    first.close()
    second.close()


def test_foreign_keys_are_enforced(kb):
    with pytest.raises(sqlite3.IntegrityError):
        kb.conn.execute("INSERT INTO figures (id, article_id) VALUES ('f', 'missing')")


def test_batch_writes_equal_one_at_a_time(tmp_path):
    """save_articles_batch + save_extractions give the same rows as single calls."""
    articles = [(f"https://{src}.example.com/{i}", src, f"2026-11-{10 + i:02d}T09:00:00+00:00")
                for i, src in enumerate(["wire", "paper", "blog", "wire", "paper"])]
    records = [_record(product=p, company=c) for p, c in [
        ("steel", "Nippon Steel Corp"), ("steel imports", "Nippon Steel Corporation"), ("", "Acme Ltd"),
        ("aircraft", "Acme"), ("steel", "Nippon Steel")]]

    def snapshot(kb):
        skip = {"seen_at", "first_seen", "stored_at", "updated_at", "extracted_at", "last_seen"}
        return {t: sorted(json.dumps({k: v for k, v in r.items() if k not in skip}, sort_keys=True)
                          for r in kb.db[t].rows)
                for t in ("articles", "figures", "companies", "company_mentions", "events", "event_mentions")}

    with KnowledgeBase(tmp_path / "one.db", company_naming=NAMING) as one:
        for (url, src, published), record in zip(articles, records):
            aid = one.save_article(_article(url, published=published), source=src, fetched_at=published,
                                   content_hash="h")
            one.save_extraction(aid, record, "1")
        expected = snapshot(one)
    with KnowledgeBase(tmp_path / "batch.db", company_naming=NAMING) as batch:
        ids = batch.save_articles_batch([
            {"article": _article(url, published=published), "source": src, "fetched_at": published, "content_hash": "h"}
            for url, src, published in articles])
        assert batch.save_extractions(zip(ids, records), "1") == 5
        assert snapshot(batch) == expected
    assert len(expected["events"]) == 2 and len(expected["companies"]) == 2


def test_batch_with_a_bad_item_writes_nothing(kb):
    good = {"article": _article("https://news.example.com/a"), "source": "wire", "fetched_at": "2026-11-20",
            "content_hash": "h"}
    with pytest.raises(ValueError):
        kb.save_articles_batch([good, {**good, "article": {"title": "no url", "text": "x"}}])
    assert _rows(kb, "articles") == 0


def test_without_the_extractors_naming_only_the_same_spelling_is_the_same_firm(kb):
    """The store knows no legal suffixes: how names compare is handed in (extract.companies.NAMING)."""
    a = _save(kb, "https://wire.example.com/a")
    kb.save_extraction(a, {"companies": [{"name": "Nippon Steel Corp", "aliases": ["Nippon Steel"]},
                                         {"name": "NIPPON STEEL", "aliases": []},
                                         {"name": "Nippon Steel Corporation", "aliases": []}]}, "1")
    names = sorted(r["name"] for r in kb.db["companies"].rows)
    assert names == ["Nippon Steel Corp", "Nippon Steel Corporation"]
    kb.use_company_naming(NAMING)
    b = _save(kb, "https://paper.example.com/b", source="paper")
    kb.save_extraction(b, {"companies": [{"name": "Nippon Steel Corp.", "aliases": []}]}, "1")
    assert sorted(r["name"] for r in kb.db["companies"].rows) == names      # filed under a stored firm


def test_planner_statistics_keep_view_pages_on_the_index(tmp_path):
    path = tmp_path / "big.db"
    with KnowledgeBase(path) as kb:
        ids = kb.save_articles_batch([
            {"article": _article(f"https://news.example.com/{i}", published=f"2026-{1 + i % 12:02d}-01T00:00:00+00:00"),
             "source": f"s{i % 7}", "fetched_at": "2026-11-20", "content_hash": str(i)} for i in range(1200)])
        kb.save_extractions([(aid, {"figures": [{"text": "1%", "kind": "percent", "value": 1, "unit": "percent"}]})
                             for aid in ids], "1")
    with KnowledgeBase(path) as kb:
        assert kb.conn.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'articles'").fetchone()[0] > 0
        assert not kb.refresh_statistics()  # fresh: nothing to do
        plan = " ".join(r[3] for r in kb.conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM figures_view ORDER BY article_published DESC LIMIT 50"))
        assert "idx_articles_published" in plan and "TEMP B-TREE" not in plan


def test_a_file_that_is_not_sqlite_gets_a_clear_error_and_is_kept(tmp_path):
    from core.store import KnowledgeBaseError

    path = tmp_path / "kb.db"
    junk = b"this is not a database\n" * 100
    path.write_bytes(junk)
    with pytest.raises(KnowledgeBaseError, match="not a usable tradewatch knowledge base.*move this one away"):
        KnowledgeBase(path)
    assert path.read_bytes() == junk
    with pytest.raises(KnowledgeBaseError, match="cannot open"):
        KnowledgeBase(tmp_path)  # a directory


def test_vacuum_keeps_full_text_search_pointing_at_the_right_articles(kb):
    first = _save(kb, "https://news.example.com/a", title="Steel tariffs", text="Steel duties rise.")
    second = _save(kb, "https://news.example.com/b", title="Rice subsidy", text="Farmers get support.")
    kb.conn.execute("DELETE FROM raw_pages")
    kb.conn.execute("DELETE FROM seen_urls")
    kb.conn.execute("DELETE FROM articles WHERE id = ?", [first])
    kb.conn.commit()
    kb.vacuum()

    def search(term):
        return [r[0] for r in kb.conn.execute(
            "SELECT a.id FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ?", [term])]

    assert search("farmers") == [second] and search("steel") == []


def test_save_extraction_needs_a_version(kb):
    aid = _save(kb, "https://news.example.com/a")
    with pytest.raises(ValueError, match="extractor version"):
        kb.save_extraction(aid, {}, "")


def test_country_names_follow_the_one_country_lookup(kb):
    names = dict(kb.conn.execute("SELECT name_key, code FROM country_names").fetchall())
    assert {k: names[k] for k in ("russia", "uk", "usa", "south korea", "eu", "japanese", "cn")} == {
        "russia": "RU", "uk": "GB", "usa": "US", "south korea": "KR", "eu": "EU", "japanese": "JP", "cn": "CN"}
    assert kb.conn.execute("SELECT name FROM countries WHERE code = 'RU'").fetchone() == ("Russia",)
    kb.conn.execute("DELETE FROM country_names")
    kb.conn.commit()
    assert not refresh_reference_tables(kb.db)                    # same data: nothing to rebuild …
    kb.conn.execute("UPDATE reference_data SET fingerprint = 'stale'")
    kb.conn.commit()
    assert refresh_reference_tables(kb.db)                        # … changed data: rebuilt
    assert kb.conn.execute("SELECT code FROM country_names WHERE name_key = 'russia'").fetchone() == ("RU",)
