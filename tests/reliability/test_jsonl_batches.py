"""`--jsonl` batches never lose a good line: bad bytes, deep nesting, lone surrogates, blank lines."""
from __future__ import annotations

import pytest

from tests.reliability import jsonl_batches

# Real processes, servers or crawls: `make test` runs it, `make test-fast` leaves it out.
pytestmark = pytest.mark.slow

COMMANDS = ["clean", "extract (stand-in pipeline)", "extract (real pipeline)"]


@pytest.fixture(scope="module")
def result(workdir):
    return jsonl_batches.run(workdir / "jsonl")


def _ran(result, label):
    skipped = [s for s in result.skipped if s.startswith(label)]
    if skipped:
        pytest.skip(skipped[0])
    assert f"{label}: exit 0 with bad lines in the batch" in result.names


@pytest.mark.parametrize("label", COMMANDS)
def test_a_batch_with_bad_lines_exits_0_with_one_line_per_input_line(result, label):
    _ran(result, label)
    assert result.failing(f"{label}: exit 0") == []
    assert result.failing(f"{label}: one output line per non-blank input line") == []


@pytest.mark.parametrize("label", COMMANDS)
def test_every_bad_line_gets_an_error_record_and_good_lines_are_intact(result, label):
    _ran(result, label)
    errors = [n for n in result.names if n.startswith(label) and "error record" in n]
    assert len(errors) >= 3 and result.failing(f"{label}: not UTF-8") == []   # 4 with the stand-in's raise
    assert [f for f in result.failures if f.startswith(label) and "error record" in f] == []
    assert result.failing(f"{label}: good lines come out") == []
    assert result.lost == 0


@pytest.mark.parametrize("label", COMMANDS)
def test_lone_surrogates_in_ids_are_sanitised(result, label):
    _ran(result, label)
    assert result.failing(f"{label}: a lone surrogate") == []
    assert f"{label}: a lone surrogate in an id is replaced, the line still processed" in result.names


@pytest.mark.parametrize("command", ["clean", "extract"])
def test_help_says_blank_lines_are_skipped(result, command):
    name = f"{command} --help says what happens to blank and bad lines"
    assert name in result.names and result.failing(name) == []
