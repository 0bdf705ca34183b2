"""Options shared by several commands."""
from __future__ import annotations

import sys

import click

from pathlib import Path

from core.config import DEFAULT_CONFIG_FILE, DEFAULT_DB, Config, ConfigError, default_config_path, load_config
from core.store import KnowledgeBase, KnowledgeBaseError

db_option = click.option(
    "--db", "db_path", default=None, metavar="PATH",
    help=f"Knowledge base SQLite file (default: the config's db, else {DEFAULT_DB}).",
)
config_option = click.option(
    "--config", "config_path", default=None, metavar="FILE", type=click.Path(dir_okay=False),
    help=f"TOML config (see tradewatch.example.toml). Default: ./{DEFAULT_CONFIG_FILE} when the working "
         "directory has one, else the built-in defaults (no sources).",
)


def resolve_config(config_path: str | None, db_path: str | None = None) -> Config:
    """Load the config (--config, else ./tradewatch.toml if present) or exit with its one-line
    error (code 2); --db overrides the config's db."""
    try:
        config = load_config(config_path or default_config_path())
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
