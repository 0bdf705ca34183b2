"""Reliability suite: `make test` runs these at small scale; `make stress` (TRADEWATCH_STRESS=1,
benchmarks/stress.py) runs the same families at full scale and writes benchmarks/results/reliability.md."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("reliability")
