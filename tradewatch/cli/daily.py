"""`tradewatch daily` (the whole job once) and `tradewatch schedule` (cron/systemd for it)."""
from __future__ import annotations

import signal
import sys

import click

from core.config import DEFAULT_DB, ConfigError
from core.store import KnowledgeBaseError
from extract import ModelNotAvailable
from tradewatch import schedule
from tradewatch.cli.options import config_option, db_option, resolve_config
from tradewatch.daily import EXIT_CONFIG, EXIT_LOCKED, AlreadyRunning, Reporter, run_daily, run_demo, summary_lines


@click.command("daily")
@config_option
@db_option
@click.option("--demo", is_flag=True, help="Start the embedded demo site, crawl it, use built-in watchlists.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors (for cron).")
@click.option("--verbose", "-v", is_flag=True, help="Also per-page failures and other detail.")
@click.option("--no-mail", is_flag=True, help="Write digests to files but do not send email.")
def daily_command(config_path, db_path, demo, quiet, verbose, no_mail) -> None:
    """Run crawl → extract → store → digest once.

    Only one run per database at a time: a second start exits at once with code 75.
    A run that was killed is finished by the next one. Exit codes: 0 ok, 1 a stage
    failed (the rest was kept), 2 bad config, 75 another run holds the lock.
    """
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose exclude each other")
    config = resolve_config(config_path, db_path)
    reporter = Reporter(sys.stderr, quiet=quiet, verbose=verbose)
    # SIGTERM (systemd stop, kill) unwinds like Ctrl-C: the run row says "interrupted", the lock is freed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        if demo:
            result = run_demo(config, reporter=reporter, mail=not no_mail)
        else:
            result = run_daily(config, reporter=reporter, mail=not no_mail)
    except AlreadyRunning as exc:
        click.echo(f"tradewatch daily: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except (ConfigError, KnowledgeBaseError, ModelNotAvailable) as exc:
        click.echo(f"tradewatch daily: {exc}", err=True)
        sys.exit(EXIT_CONFIG)
    if not quiet:
        click.echo("\n".join(summary_lines(result, config.db)))
        if demo:
            how = "make serve   (or: .venv/bin/tradewatch serve)" if config.db == DEFAULT_DB else \
                f"tradewatch serve --db {config.db}"
            click.echo(f"\nBrowse it: {how}")
    sys.exit(result.exit_code)


@click.command("schedule")
@click.option("--print", "kind", type=click.Choice(["cron", "systemd"]), required=True,
              help="cron: one crontab line; systemd: a service and a timer unit.")
@config_option
@db_option
@click.option("--at", default="06:15", show_default=True, metavar="HH:MM", help="Local time of the daily run.")
@click.option("--workdir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Directory the job runs in (relative paths in the config resolve from here).")
@click.option("--user", default=None, help="systemd only: run as this user.")
def schedule_command(kind, config_path, db_path, at, workdir, user) -> None:
    """Print a ready schedule for `tradewatch daily`; install it with crontab -e or systemctl."""
    try:
        if kind == "cron":
            click.echo(schedule.cron_line(workdir=workdir, at=at, config=config_path, db=db_path))
        else:
            units = schedule.systemd_units(workdir=workdir, at=at, config=config_path, db=db_path, user=user)
            click.echo(schedule.systemd_text(units), nl=False)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


