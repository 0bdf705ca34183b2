"""`tradewatch digest`: what is new for a watchlist, printed (or mailed) now."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from core.config import ConfigError
from tradewatch.alerts import ALL, build_digest, record, render_html, render_markdown, state
from tradewatch.alerts.formats import FORMATS
from tradewatch.alerts.mail import MailError, build_message, send_message
from tradewatch.cli.options import config_option, db_option, open_knowledge_base, resolve_config


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r}: use YYYY-MM-DD", param_hint="--since") from None


@click.command("digest")
@db_option
@config_option
@click.option("--watchlist", "watchlist_name", default=None, metavar="NAME",
              help="A watchlist from the config (default: everything new, as the watchlist 'all').")
@click.option("--since", "since", default=None, metavar="DATE",
              help="Everything published since DATE (YYYY-MM-DD); the digest state is left untouched.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="md", show_default=True)
@click.option("--send", is_flag=True, help="Also mail it to the watchlist's `email` recipients via [smtp].")
@click.option("--peek", is_flag=True,
              help="Show what is new without recording it as sent (by default the items shown are recorded as "
                   "sent and no later digest, printed or daily, repeats them).")
def digest_command(db_path, config_path, watchlist_name, since, fmt, send, peek) -> None:
    """Print the digest of what is new since the watchlist's last digest.

    By default the items shown are recorded as sent, as the daily job records what it delivers:
    they will not appear in a later digest. --peek (or --since DATE) leaves that state untouched.
    """
    config = resolve_config(config_path, db_path)
    since = _since(since)
    try:
        watchlist = config.watchlist(watchlist_name) if watchlist_name else ALL
        if send and not watchlist.email:
            raise ConfigError(f"watchlist {watchlist.name!r} has no `email` recipients to --send to")
    except ConfigError as exc:
        click.echo(f"tradewatch digest: {exc}", err=True)
        sys.exit(2)
    if not Path(config.db).exists():
        click.echo(f"tradewatch digest: no knowledge base at {config.db}; run `tradewatch daily` first", err=True)
        sys.exit(2)
    with open_knowledge_base(Path(config.db)) as kb:
        try:
            digest = build_digest(kb.db, watchlist, since=since, datasette_url=config.datasette_url,
                                  db_name=Path(config.db).stem)
        except ConfigError as exc:
            click.echo(f"tradewatch digest: {exc}", err=True)
            sys.exit(2)
        markdown, html = render_markdown(digest), render_html(digest)
        if send and digest.items:
            message = build_message(sender=config.smtp.sender, recipients=watchlist.email,
                                    subject=f"tradewatch: {len(digest.items)} new for {watchlist.name}",
                                    text=markdown, html=html)
            try:
                send_message(config.smtp, message)
            except MailError as exc:
                click.echo(f"tradewatch digest: {exc}; nothing recorded as sent", err=True)
                sys.exit(1)
        if digest.record_state and not peek:
            record(kb.db, digest)
            state.mark_delivered(kb.db, digest.digest_id, digest.created_at, ["stdout", *(watchlist.email if send else [])])
    body = FORMATS[fmt].render(digest)
    sys.stdout.write(body if body.endswith("\n") else body + "\n")


