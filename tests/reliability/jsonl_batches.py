"""Family: `--jsonl` batches never lose a good line (`tradewatch clean --jsonl`, `extract --jsonl`).

One batch holds good lines around every kind of bad one: invalid UTF-8 bytes, a lone
surrogate in an id, 100,000-deep nesting, blank lines, a JSON array, broken JSON. Each
command must exit 0, write one line per non-blank input line in order, give each bad line an
`error` (with its id where one can be read), sanitise ids on output, and give the good lines
exactly what a batch of only good lines gives.

`clean` and `extract` run as the real console script. `extract` also runs in-process with a
stand-in for the spaCy pipeline (same reading, isolation and writing code): the pipeline's
trained weights may be missing from a checkout, and then the command's cases are skipped
with the reason while the batch handling is still tested.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability.results import FamilyResult

ARTICLE = ("<html><head><title>Steel tariff raised</title></head><body><article><h1>Steel tariff raised</h1>"
           "<p>The United States raised tariffs on Chinese steel to 25 percent on Monday, officials said in "
           "Washington.</p><p>Exporters expect shipments to fall sharply in the next quarter as buyers look "
           "elsewhere for supplies.</p></article></body></html>")
DEEP = b"[" * 100_000 + b"]" * 100_000


def clean_batch() -> tuple[list[bytes], dict]:
    """(input lines, what each non-blank line must come out as: id or error marker, in order)."""
    good = lambda ident: json.dumps({"id": ident, "html": ARTICLE}).encode()   # noqa: E731
    lines = [
        good("good-1"),
        json.dumps({"id": "bad-bytes", "html": "x"}).encode().replace(b'"x"', b'"caf\xff"'),
        b"",
        b"   \t",
        b'{"id": "surrogate-\\ud800", "html": ' + json.dumps(ARTICLE).encode() + b"}",
        DEEP,
        b'{"id": "deep-inside", "html": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"[1, 2, 3]",
        b"{broken",
        good("good-2"),
    ]
    expected = [("good-1", None), ("bad-bytes", "not UTF-8"), ("surrogate-\ufffd", None), (None, "nested deeper"),
                (None, "nested deeper"), (None, "not a JSON object"), (None, "invalid JSON"), ("good-2", None)]
    return lines, expected


def extract_batch() -> tuple[list[bytes], list]:
    good = lambda ident, text: json.dumps({"id": ident, "title": "Steel", "text": text}).encode()   # noqa: E731
    lines = [
        good("t-1", "The US raised tariffs on Chinese steel to 25% on Monday."),
        b'{"id": "t-bad-bytes", "text": "caf\xff"}',
        b"",
        DEEP,
        b'{"id": "t-surrogate-\\udc00", "text": "Exports fell 3% in October."}',
        good("t-explodes", "EXPLODE: a text whose extraction raises."),
        b'{"id": "t-no-text"}',
        good("t-2", "Japan cut its quota on rice imports by 10%."),
    ]
    expected = [("t-1", None), ("t-bad-bytes", "not UTF-8"), (None, "nested deeper"), ("t-surrogate-\ufffd", None),
                ("t-explodes", "RecursionError"), ("t-no-text", "needs 'text' or 'html'"), ("t-2", None)]
    return lines, expected


def run(workdir: Path) -> FamilyResult:
    result = FamilyResult("JSONL batches")
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    lines, expected = clean_batch()
    good_only = [line for line, (_, error) in zip([l for l in lines if l.strip()], expected) if error is None]
    out, err, code = _command(["clean", "--jsonl"], lines, workdir / "clean.jsonl")
    reference, _, _ = _command(["clean", "--jsonl"], good_only, workdir / "clean-good.jsonl")
    _check(result, "clean", out, err, code, expected, reference)
    _help(result, "clean")

    lines, expected = extract_batch()
    good_only = [line for line, (_, error) in zip([l for l in lines if l.strip()], expected) if error is None]
    try:
        produced, reference = _in_process(lines), _in_process(good_only)
    except Exception as exc:  # the whole batch lost: every case below fails with this reason
        produced, reference = f"{type(exc).__name__}: {exc}", None
    _check(result, "extract (stand-in pipeline)", produced, "", 0 if isinstance(produced, list) else 1, expected,
           reference)
    _help(result, "extract")
    loads = _pipeline_loads()
    if loads is not True:
        result.skip("extract (real pipeline)", f"the extraction pipeline does not load here: {loads}")
    else:
        # Only the stand-in raises on "EXPLODE"; the real pipeline reads it as an ordinary text.
        keep = [i for i, (ident, _) in enumerate(expected) if ident != "t-explodes"]
        lines = [line for line in lines if b"t-explodes" not in line]
        expected = [expected[i] for i in keep]
        out, err, code = _command(["extract", "--jsonl"], lines, workdir / "extract.jsonl")
        reference, _, _ = _command(["extract", "--jsonl"], good_only, workdir / "extract-good.jsonl")
        _check(result, "extract (real pipeline)", out, err, code, expected, reference)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _command(args: list[str], lines: list[bytes], path: Path) -> tuple[list[dict] | str, str, int]:
    path.write_bytes(b"\n".join(lines) + b"\n")
    proc = subprocess.run([str(Path(sys.executable).parent / "tradewatch"), *args, "--input", str(path)],
                          capture_output=True, timeout=600)
    try:
        records = [json.loads(line.decode("utf-8")) for line in proc.stdout.splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError) as exc:
        return f"output is not UTF-8 JSON lines: {exc}", proc.stderr.decode("utf-8", "replace"), proc.returncode
    return records, proc.stderr.decode("utf-8", "replace"), proc.returncode


def _stand_in(items):
    """Stands in for the spaCy pipeline: one record per text; "EXPLODE" raises as deep input would."""
    for ident, title, text in items:
        if text.startswith("EXPLODE"):
            raise RecursionError("maximum recursion depth exceeded")
        yield ident, {"figures": [{"text": word} for word in text.split() if word.endswith("%")],
                      "companies": [], "events": []}


def _in_process(lines: list[bytes]) -> list[dict]:
    from tradewatch.extraction import extract_jsonl
    from tradewatch.jsonl import encode_record

    # Through the same writer as the command, so sanitising is part of what is checked.
    return [json.loads(encode_record(record)) for record in extract_jsonl(lines, extract_batch=_stand_in)]


def _check(result: FamilyResult, label: str, out, err: str, code: int, expected: list, reference) -> None:
    result.case(f"{label}: exit 0 with bad lines in the batch", code == 0 and isinstance(out, list),
                f"exit {code}: {out if isinstance(out, str) else ''} {err.strip()[-300:]}")
    if not isinstance(out, list):
        return
    ids = [record.get("id") for record in out]
    result.case(f"{label}: one output line per non-blank input line, in order",
                ids == [ident for ident, _ in expected], f"ids {ids}")
    for record, (ident, error) in zip(out, expected):
        if error is None:
            continue
        result.case(f"{label}: {error} → an error record" + (" with its id" if ident else ""),
                    error in (record.get("error") or "") and record.get("id") == ident,
                    f"got {json.dumps(record)[:300]}")
    good = [record for record, (_, error) in zip(out, expected) if error is None]
    lost = sum(1 for record in good if record.get("error"))
    result.lost += lost
    same = isinstance(reference, list) and [_comparable(r) for r in good] == [_comparable(r) for r in reference]
    result.case(f"{label}: good lines come out as in a batch of good lines only", same and not lost,
                f"{lost} good lines with an error; reference {str(reference)[:200]}")
    surrogate = next((r for r in out if "surrogate" in str(r.get("id"))), None)
    result.case(f"{label}: a lone surrogate in an id is replaced, the line still processed",
                surrogate is not None and not surrogate.get("error") and "\ufffd" in surrogate["id"],
                f"got {json.dumps(surrogate)[:200]}")


def _comparable(record: dict) -> str:
    return json.dumps({k: v for k, v in record.items() if k != "id"}, sort_keys=True)


def _help(result: FamilyResult, command: str) -> None:
    proc = subprocess.run([str(Path(sys.executable).parent / "tradewatch"), command, "--help"],
                          capture_output=True, text=True, timeout=60)
    text = " ".join(proc.stdout.split()).lower()
    result.case(f"{command} --help says what happens to blank and bad lines",
                "blank lines are skipped" in text and "error" in text, text[:300])


def _pipeline_loads():
    proc = subprocess.run([sys.executable, "-c", "from extract.nlp import load_pipeline; load_pipeline(None)"],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode == 0:
        return True
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else f"exit {proc.returncode}"
