"""`tradewatch` command line: a thin layer over the library functions."""
from __future__ import annotations

import click

from tradewatch.cli import clean as _clean
from tradewatch.cli import crawl as _crawl
from tradewatch.cli import daily as _daily
from tradewatch.cli import demo as _demo
from tradewatch.cli import digest as _digest
from tradewatch.cli import extract as _extract
from tradewatch.cli import serve as _serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tradewatch")
def main() -> None:
    """Watch trade news and turn it into a queryable SQLite knowledge base."""


for module in (_crawl, _clean, _extract, _daily, _serve, _digest, _demo):
    for command in module.COMMANDS:
        main.add_command(command)
