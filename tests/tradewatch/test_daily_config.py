"""The committed example config parses, documents every setting, and its watchlists compile."""
from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from tradewatch.alerts.matching import compile_watchlist
from core.config import Config, CrawlSettings, SmtpSettings, load_config
from extract import DEFAULT_MODEL

EXAMPLE = Path(__file__).resolve().parents[2] / "tradewatch.example.toml"


def test_example_config_loads_and_compiles():
    config = load_config(EXAMPLE)
    assert config.sources and config.watchlists
    for watchlist in config.watchlists:
        compile_watchlist(watchlist)


def test_example_documents_every_default():
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    defaults = Config()
    for field in ("db", "datasette_url"):
        assert raw[field] == getattr(defaults, field)
    assert "model" not in raw and defaults.model is None            # the extractor's default …
    assert f'# model = "{DEFAULT_MODEL}"' in EXAMPLE.read_text(encoding="utf-8")   # … named in a comment
    for section, cls in (("crawl", CrawlSettings), ("smtp", SmtpSettings)):
        for field in dataclasses.fields(cls):
            assert raw[section][field.name] == getattr(cls(), field.name), f"{section}.{field.name}"
