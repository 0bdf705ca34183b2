"""Extraction over the knowledge base (reextract): derived rows follow the extractor version; the crawled text never changes."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from core.store import KnowledgeBase
from tradewatch.extraction import reextract

TEXT = ("The United States raised tariffs on Chinese steel to 25% on Monday, the Commerce Department said. "
        "Nippon Steel Corp shares fell 3%.")


def _kb_with_articles(path, n=3):
    kb = KnowledgeBase(path)
    ids = [kb.save_article({"url": f"https://news.example.com/{i}", "title": f"Steel tariffs {i}", "text": TEXT,
                            "published": f"2026-11-{10 + i}T08:00:00+00:00"},
                           source="wire", fetched_at=f"2026-11-{10 + i}T09:00:00+00:00", content_hash=f"h{i}")
           for i in range(n)]
    return kb, ids


def _fake_extractor(version_tag):
    """A stand-in extractor (the store's logic is under test here, not spaCy's): one figure per article."""
    def extract_batch(items):
        for ident, title, text in items:
            if "boom" in title:
                raise RuntimeError("extractor crashed")
            yield ident, {"figures": [{"text": version_tag, "kind": "percent", "value": 25, "unit": "percent"}]}
    return extract_batch


def test_reextract_replaces_derived_rows_and_keeps_text(tmp_path):
    kb, ids = _kb_with_articles(tmp_path / "kb.db")
    first = reextract(kb, _fake_extractor("v1"), "1")
    assert (first.articles, first.failed) == (3, 0)
    assert reextract(kb, _fake_extractor("v1"), "1").articles == 0  # nothing pending at the same version
    texts = {r["id"]: r["text"] for r in kb.db["articles"].rows}

    second = reextract(kb, _fake_extractor("v2"), "2", since="2026-11-11")
    assert second.articles == 2
    by_article = {r["article_id"]: r["text"] for r in kb.db["figures"].rows}
    assert by_article == {ids[0]: "v1", ids[1]: "v2", ids[2]: "v2"}
    assert {r["id"]: r["text"] for r in kb.db["articles"].rows} == texts
    assert kb.run(second.run_id)["status"] == "ok" and kb.run(second.run_id)["counts"]["articles"] == 2
    kb.close()


def test_a_failing_article_keeps_its_rows_and_is_logged(tmp_path):
    kb, ids = _kb_with_articles(tmp_path / "kb.db")
    reextract(kb, _fake_extractor("v1"), "1")
    kb.save_article({"url": "https://news.example.com/1", "title": "boom", "text": TEXT + " Updated."},
                    source="wire", fetched_at="2026-11-20", content_hash="changed")  # new text → pending again
    result = reextract(kb, _fake_extractor("v1"), "1")
    assert (result.articles, result.failed) == (0, 1)
    assert kb.run(result.run_id)["status"] == "partial"
    assert [r["reason"] for r in kb.db["run_failures"].rows] == ["extraction failed: RuntimeError: extractor crashed"]
    assert kb.db["figures"].count == 3  # the failed article's earlier rows are still there
    kb.close()


@pytest.mark.timeout(180)
def test_reextract_command_with_the_real_pipeline(tmp_path):
    """`tradewatch reextract` end to end with the project's spaCy pipeline."""
    from extract import EXTRACTOR_VERSION
    from tradewatch.cli.reextract import reextract_command

    kb, ids = _kb_with_articles(tmp_path / "kb.db", n=2)
    kb.close()
    result = CliRunner().invoke(reextract_command, ["--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 0, result.output
    assert "re-extracted 2 articles" in result.output
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        assert {r["extractor_version"] for r in kb.db["articles"].rows} == {EXTRACTOR_VERSION}
        assert all(r["text"] == TEXT for r in kb.db["articles"].rows)
        assert list(kb.pending_extraction(EXTRACTOR_VERSION)) == []
    again = CliRunner().invoke(reextract_command, ["--db", str(tmp_path / "kb.db")])
    assert "re-extracted 0 articles" in again.output
