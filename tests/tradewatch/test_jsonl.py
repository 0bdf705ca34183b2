"""Reading and writing the JSONL batch interfaces: one bad line never costs another its answer.
The commands themselves run in tests/reliability/jsonl_batches.py (and test_cli_jsonl.py)."""
from __future__ import annotations

import json

from tradewatch.cli.clean import clean_record
from tradewatch.extraction import extract_jsonl
from tradewatch.jsonl import MAX_NESTING, encode_record, nesting_depth, read_lines


def test_each_non_blank_line_is_read_on_its_own():
    lines = [b'\xef\xbb\xbf{"id": "a", "text": "x"}\n', b"\n", b"  \t\r\n", b'{"id": "b", "html": "caf\xff"}\n',
             b"[1]\n", b"{broken\n", b"[" * 100_000 + b"]" * 100_000 + b"\n", b'{"id": "c"}\n']
    read = list(read_lines(lines))
    assert [line.number for line in read] == [1, 4, 5, 6, 7, 8]
    assert read[0].item == {"id": "a", "text": "x"}
    assert read[1].id == "b" and "not UTF-8 (byte 0xff" in read[1].error
    assert "not a JSON object" in read[2].error and "invalid JSON" in read[3].error
    assert f"nested deeper than {MAX_NESTING}" in read[4].error
    assert read[5].item == {"id": "c"}


def test_nesting_is_counted_outside_strings_and_stops_early():
    assert nesting_depth(b'{"a": "[[[[[[", "b": [[1]]}', 10) == 3
    assert nesting_depth(b"[" * 1_000_000, 64) == 65


def test_lone_surrogates_are_replaced_on_output():
    assert encode_record({"id": "a\ud800b", "text": "x\udfffy"}) == '{"id": "a\ufffdb", "text": "x\ufffdy"}\n'.encode()
    assert encode_record({"id": "plain"}) == b'{"id": "plain"}\n'


def test_clean_records_keep_every_field_and_say_why():
    bad = next(read_lines([b'{"id": "k", "html": "caf\xff"}']))
    assert clean_record(bad) == {"id": "k", "title": "", "text": "", "published": None, "author": "", "language": None,
                                 "error": bad.error}


def _stand_in(items):
    for ident, title, text in items:
        if "EXPLODE" in text:
            raise RecursionError("maximum recursion depth exceeded")
        yield ident, {"figures": [{"text": w} for w in text.split() if "%" in w], "companies": [], "events": []}


def test_extract_jsonl_isolates_bad_lines_and_failing_texts():
    lines = [json.dumps({"id": "1", "text": "Tariffs up 5%."}).encode(), b'{"id": "2", "text": "caf\xff"}',
             b"", json.dumps({"id": "3", "text": "EXPLODE"}).encode(), b'{"id": "4", "text": ["not", "a", "str"]}',
             b'{"id": "5"}', json.dumps({"id": "6", "title": "T", "text": "Exports fell 3%."}).encode()]
    out = list(extract_jsonl(lines, extract_batch=_stand_in))
    assert [o["id"] for o in out] == ["1", "2", "3", "4", "5", "6"]
    assert out[0]["figures"] == [{"text": "5%."}] and "error" not in out[0]
    assert "not UTF-8" in out[1]["error"] and "RecursionError" in out[2]["error"]
    assert "must be strings" in out[3]["error"] and "needs 'text' or 'html'" in out[4]["error"]
    assert out[5]["figures"] == [{"text": "3%."}]
    assert all(set(o) >= {"id", "figures", "companies", "events"} for o in out)
