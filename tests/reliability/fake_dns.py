"""Crawl processes that look names up in a stand-in DNS (dns_stub/sitecustomize.py).

    with fake_dns({"rebind.test": [["127.0.0.3"], ["127.0.0.1"]]}) as env:
        crawl(...)                                   # its crawl process sees the stand-in
        subprocess.run([tradewatch, ...], env=env)   # so does a CLI run with this env

Crawls run through `python -m crawler.run` meanwhile (TRADEWATCH_CRAWL_SUBPROCESS): a fresh
interpreter that imports the stub at start-up; the forkserver of this process may have been
started before, without it.
"""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Iterator

STUB_DIR = Path(__file__).resolve().parent / "dns_stub"
ROOT = Path(__file__).resolve().parents[2]


def stub_env(answers: dict, base: dict | None = None) -> dict:
    env = dict(os.environ if base is None else base)
    env["TRADEWATCH_FAKE_DNS"] = json.dumps(answers)
    env["TRADEWATCH_CRAWL_SUBPROCESS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(STUB_DIR), str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


@contextlib.contextmanager
def fake_dns(answers: dict) -> Iterator[dict]:
    env = stub_env(answers)
    saved = {key: os.environ.get(key) for key in ("TRADEWATCH_FAKE_DNS", "TRADEWATCH_CRAWL_SUBPROCESS", "PYTHONPATH")}
    os.environ.update({key: env[key] for key in saved})
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
