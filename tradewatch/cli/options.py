"""Options shared by several commands."""
from __future__ import annotations

import sys

import click

from pathlib import Path

from core.config import DEFAULT_DB, Config, ConfigError, load_config
from core.store import KnowledgeBase, KnowledgeBaseError

db_option = click.option(
    "--db", "db_path", default=None, metavar="PATH",
    help=f"Knowledge base SQLite file (default: the config's db, else {DEFAULT_DB}).",
)
config_option = click.option(
    "--config", "config_path", default=None, metavar="FILE", type=click.Path(dir_okay=False),
    help="TOML config (see tradewatch.example.toml); defaults apply without one.",
)


def resolve_config(config_path: str | None, db_path: str | None = None) -> Config:
    """Load the config or exit with its one-line error; --db overrides the config's db."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        click.echo(f"tradewatch: {exc}", err=True)
        sys.exit(2)
    if db_path:
        config.db = db_path
    return config


def open_knowledge_base(path: Path) -> KnowledgeBase:
    """The knowledge base, or exit with its one-line error (names the file and the fix)."""
    try:
        return KnowledgeBase(path)
    except KnowledgeBaseError as exc:
        click.echo(f"tradewatch: {exc}", err=True)
        sys.exit(2)
