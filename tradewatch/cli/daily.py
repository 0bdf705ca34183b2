"""`tradewatch daily` (the whole job once) and `tradewatch schedule` (cron/systemd for it)."""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from core.config import DEFAULT_CONFIG_FILE, DEFAULT_DB, ConfigError, default_config_path
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
    if not demo and config_path is None and default_config_path() is None:
        # No config file at all (a job started in the wrong directory): a warning, which --quiet
        # (cron) still prints. A config without sources is a choice and stays quiet.
        reporter.warning(f"no config: no --config given and no {DEFAULT_CONFIG_FILE} in {Path.cwd()}; "
                         "nothing is crawled (pass --config FILE, or run where tradewatch.toml is)")
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
    """Print a ready schedule for `tradewatch daily`; install it with crontab -e or systemctl.

    The job gets the config named by --config, else the tradewatch.toml of --workdir; with
    neither there is nothing for it to crawl, so no schedule is printed (exit 2)."""
    config_path = config_path or default_config_path(workdir)
    try:
        if kind == "cron":
            text = schedule.cron_line(workdir=workdir, at=at, config=config_path, db=db_path) + "\n"
        else:
            text = schedule.systemd_text(schedule.systemd_units(workdir=workdir, at=at, config=config_path,
                                                                db=db_path, user=user))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if config_path is None:
        click.echo(f"tradewatch schedule: the job would run without a config: no --config given and no "
                   f"{DEFAULT_CONFIG_FILE} in {Path(workdir).resolve()}; create one there (copy "
                   "tradewatch.example.toml) or pass --config FILE", err=True)
        sys.exit(EXIT_CONFIG)
    resolve_config(str(config_path), db_path)        # a broken config is refused now, not at 06:15
    click.echo(text, nl=False)
