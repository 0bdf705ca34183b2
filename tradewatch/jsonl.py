"""JSON lines in and out for the batch interfaces (`tradewatch clean --jsonl`, `extract --jsonl`):
one bad line never costs another line its answer.

    for line in read_lines(binary_stream):   # InputLine: number, id, item (a dict) or error
        ...
    write_record(sys.stdout.buffer, record)  # one UTF-8 line, whatever strings the record holds

Input is read as bytes and decoded line by line, so invalid UTF-8 in one line becomes that
line's error; nesting deeper than MAX_NESTING is refused before the JSON parser recurses;
blank lines are skipped (every other line gets exactly one output line, in order). Output
replaces lone surrogates (from "\\ud800" escapes in the input) with U+FFFD: they have no
UTF-8 form, and a writer that meets one would stop the batch.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator

# Real records nest a few levels; a line nested deeper is refused before json.loads sees it.
MAX_NESTING = 64
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class InputLine:
    number: int                 # 1-based line number in the input
    item: dict | None = None    # the parsed object, or None when `error` says why not
    error: str | None = None
    id: Any = None              # the line's "id" when it could be read, for the error record


def read_lines(lines: Iterable[bytes | str]) -> Iterator[InputLine]:
    """One InputLine per non-blank input line (bytes, as read from a binary stream; str works too)."""
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogatepass")
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        yield parse_line(number, raw)


def parse_line(number: int, raw: bytes) -> InputLine:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputLine(number, error=f"line {number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                                       f"{exc.start + 1}); the line was skipped", id=_id_despite_bytes(raw))
    depth = nesting_depth(raw, MAX_NESTING)
    if depth > MAX_NESTING:
        return InputLine(number, error=f"line {number}: JSON nested deeper than {MAX_NESTING} levels; "
                                       "the line was skipped")
    try:
        item = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return InputLine(number, error=f"line {number}: invalid JSON ({exc})")
    if not isinstance(item, dict):
        return InputLine(number, error=f"line {number}: not a JSON object")
    return InputLine(number, item=item, id=item.get("id"))


def nesting_depth(raw: bytes, limit: int) -> int:
    """How deep brackets nest outside strings; stops counting once past `limit`."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        if bracket in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _id_despite_bytes(raw: bytes) -> Any:
    """The id of a line whose bad bytes sit elsewhere (in its html, say), so the error can be matched."""
    try:
        item = json.loads(raw.decode("utf-8", "replace")) if nesting_depth(raw, MAX_NESTING) <= MAX_NESTING else None
    except (ValueError, RecursionError):
        return None
    return item.get("id") if isinstance(item, dict) else None


def without_lone_surrogates(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def encode_record(record: dict) -> bytes:
    """One JSON line as UTF-8 bytes; lone surrogates anywhere in it become U+FFFD."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        return line.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return without_lone_surrogates(line).encode("utf-8") + b"\n"


def write_record(stream: BinaryIO, record: dict) -> None:
    stream.write(encode_record(record))
    stream.flush()
