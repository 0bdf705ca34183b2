"""Family 2: hostile content. Runs `hostile_child` in a child process and turns its JSON lines into
cases; a hang or crash becomes a failed case named after the case that was running."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability.results import FamilyResult

ROOT = Path(__file__).resolve().parents[2]


def run(size: int, pipe_size: int, *, timeout: float = 400) -> FamilyResult:
    result = FamilyResult("hostile content")
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        proc = subprocess.run([sys.executable, "-m", "tests.reliability.hostile_child", str(size), str(pipe_size)],
                              capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err, code = f"timed out after {timeout:.0f} s", None
    current = None
    for line in out.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if "start" in event:
            current = event["start"]
        elif "case" in event:
            current = None
            result.case(event["case"], event["ok"], f"{event['seconds']}s {event['detail']}")
            result.figures[event["case"]] = event["seconds"]
            if event["case"].startswith("extraction components"):   # the report shows s/MB and model ratio
                result.figures.setdefault("components", []).append(f"{event['case']}: {event['detail']}")
        elif "info" in event:
            result.figures.setdefault("info", []).append(event["info"])
    if current is not None or code not in (0,):
        result.case(f"child finished ({current or 'after the last case'})", False,
                    f"exit {code}: {err.strip().splitlines()[-1] if err.strip() else ''}")
    result.seconds = round(time.monotonic() - started, 1)
    return result
