"""`tradewatch crawl`: fetch configured sources (or one ad hoc URL) into the knowledge base."""
from __future__ import annotations

import json
import sys

import click

from core.config import ConfigError
from core.store import KnowledgeBase, KnowledgeBaseError
from crawler.run import CrawlError, crawl
from tradewatch.cli.options import config_option, db_option, resolve_config
from tradewatch.extraction import extract_pending


@click.command("crawl")
@config_option
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Crawl only this configured source (repeatable). Default: all sources.")
@click.option("--url", "urls", multiple=True, metavar="URL",
              help="Crawl one feed, sitemap or article page without a config (kind sniffed; repeatable).")
@db_option
@click.option("--allow-private", is_flag=True,
              help="Allow loopback/private addresses (tests and local mirrors only; never for the open web).")
@click.option("--scheduler", default=None, metavar="redis://HOST:PORT/DB",
              help="Share the request queue and dupefilter through Redis (run several crawl processes).")
@click.option("--no-extract", is_flag=True, help="Do not run extraction over the new articles afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the crawl counts as JSON.")
def crawl_command(config_path, source_names, urls, db_path, allow_private, scheduler, no_extract, as_json) -> None:
    """Crawl feeds, sitemaps and sites politely; store new, deduplicated articles.

    Exit codes: 0 done (failed pages are listed and in the run log), 1 every start URL failed
    or was refused (reasons on stderr; the run is recorded as failed), 2 bad config or options."""
    config = resolve_config(config_path, db_path)
    if not config.sources and not urls:
        raise click.UsageError("no sources configured: pass --config FILE or --url URL")
    try:
        stats = crawl(config, db_path=config.db,
                      sources=list(source_names) if source_names else (None if not urls else []),
                      urls=list(urls), allow_private=allow_private, scheduler=scheduler)
    except (ConfigError, KnowledgeBaseError, ValueError) as exc:
        click.echo(f"tradewatch crawl: {exc}", err=True)
        sys.exit(2)
    except CrawlError as exc:
        click.echo(f"tradewatch crawl: {exc}", err=True)
        sys.exit(1)
    if stats["all_failed"]:
        # Nothing answered: say why on stderr and exit 1 (the run is recorded as failed).
        if as_json:
            click.echo(json.dumps({**stats, "extracted": None}, indent=2))
        click.echo(f"tradewatch crawl: every start URL failed ({stats['start_urls']}); run {stats['run_id']} "
                   "recorded as failed; check the URLs against the reasons:", err=True)
        for failure in stats["failure_list"][:20]:
            click.echo(f"  {failure['url']} — {failure['reason']}", err=True)
        sys.exit(1)
    extracted = None if no_extract else _extract_pending(config.db)
    if as_json:
        click.echo(json.dumps({**stats, "extracted": extracted}, indent=2))
        return
    click.echo(
        f"crawl run {stats['run_id']}: {stats['articles_new']} new articles, {stats['duplicates']} duplicates, "
        f"{stats['pages_fetched']} pages fetched, {stats['pages_failed']} failed, "
        f"{stats['skipped_seen']} already seen, {stats['not_modified']} sources not modified "
        f"({stats['elapsed_s']:.1f} s)"
    )
    for failure in stats["failure_list"][:20]:
        click.echo(f"  failed: {failure['url']} — {failure['reason']}")
    if len(stats["failure_list"]) > 20:
        click.echo(f"  … {len(stats['failure_list']) - 20} more in the run log (runs / run_failures tables)")
    if extracted is not None:
        click.echo(f"extraction: {extracted}")


def _extract_pending(db_path: str) -> dict:
    with KnowledgeBase(db_path) as kb:
        return extract_pending(kb)
