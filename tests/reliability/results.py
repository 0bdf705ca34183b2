"""What every reliability family returns: cases tried/passed, data lost, and the failing cases."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

# `make stress` sets TRADEWATCH_STRESS=1: full scales. `make test` runs the fast subset.
STRESS = os.environ.get("TRADEWATCH_STRESS") == "1"


@dataclass
class FamilyResult:
    family: str
    tried: int = 0
    passed: int = 0
    lost: int = 0                                   # good data that did not survive (must be 0)
    failures: list[str] = field(default_factory=list)   # one line per case that failed
    figures: dict = field(default_factory=dict)     # measured numbers (p95, seconds, counts)
    seconds: float = 0.0
    names: list[str] = field(default_factory=list)      # every case tried, in order
    skipped: list[str] = field(default_factory=list)    # cases that could not run here, with why

    def case(self, name: str, ok: bool, detail: str = "") -> bool:
        self.tried += 1
        self.names.append(name)
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{name}: {detail}" if detail else name)
        return ok

    def skip(self, name: str, reason: str) -> None:
        """A case that cannot run on this machine or checkout: reported, not counted as tried."""
        self.skipped.append(f"{name}: {reason}")

    def attempt(self, name: str, check) -> bool:
        """A case whose check may raise: `check()` returns (ok, detail); an exception fails this
        case with its name and message instead of ending the family."""
        try:
            ok, detail = check()
        except Exception as exc:  # the case failed; the family goes on
            return self.case(name, False, f"{type(exc).__name__}: {exc}")
        return self.case(name, ok, detail)

    @property
    def ok(self) -> bool:
        return self.passed == self.tried and self.lost == 0

    def failing(self, prefix: str) -> list[str]:
        return [f for f in self.failures if f.startswith(prefix)]
