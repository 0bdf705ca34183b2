"""`tradewatch` command line: a thin layer over the library functions.

Each command lives in its own module and is imported only when it runs (a click group that
loads subcommands lazily), so `tradewatch schedule` does not pay for spaCy and `tradewatch
--help` answers at once. Adding a command: a module here and one line in COMMANDS.
"""
from __future__ import annotations

import importlib

import click

# name → (module, attribute, one-line help shown by `tradewatch --help`)
COMMANDS = {
    "crawl": ("tradewatch.cli.crawl", "crawl_command", "Crawl feeds, sitemaps and sites; store new articles."),
    "clean": ("tradewatch.cli.clean", "clean_command", "Clean HTML pages (JSON lines in, JSON lines out)."),
    "extract": ("tradewatch.cli.extract", "extract_command", "Extract figures, companies and events (JSON lines)."),
    "daily": ("tradewatch.cli.daily", "daily_command", "Run crawl → extract → store → digest once."),
    "schedule": ("tradewatch.cli.daily", "schedule_command", "Print a cron line or systemd units for `daily`."),
    "serve": ("tradewatch.cli.serve", "serve_command", "Browse the knowledge base in Datasette."),
    "reextract": ("tradewatch.cli.reextract", "reextract_command", "Re-run extraction over stored articles."),
    "digest": ("tradewatch.cli.digest", "digest_command", "Print or send the digest of what is new."),
    "review": ("tradewatch.cli.review", "review_command", "Confirm, reject or correct a measure (the review loop)."),
    "corrections": ("tradewatch.cli.review", "corrections_command", "Export analysts' corrections as gold JSONL."),
    "demo-site": ("tradewatch.cli.demo", "demo_site_command", "Serve the embedded demo trade-news site."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][2]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tradewatch")
def main() -> None:
    """Watch trade news and turn it into a queryable SQLite knowledge base."""
