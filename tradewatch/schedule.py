"""Ready-made schedules for the daily job: a crontab line, or a systemd service + timer.

The scheduling itself is cron's or systemd's; this only writes their configuration with
absolute paths, so it can be pasted as is.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path


def _command(executable: str, config: str | None, db: str | None, extra: list[str]) -> list[str]:
    argv = [executable, "daily"]
    if config:
        argv += ["--config", str(Path(config).resolve())]
    if db:
        argv += ["--db", str(Path(db).resolve())]
    return argv + extra


def default_executable() -> str:
    """The `tradewatch` script beside the running Python (the project's virtualenv)."""
    candidate = Path(sys.executable).with_name("tradewatch")
    return str(candidate if candidate.exists() else Path(sys.argv[0]).resolve())


def cron_line(*, workdir: str | Path, at: str = "06:15", config: str | None = None, db: str | None = None,
              executable: str | None = None) -> str:
    """One crontab line: runs daily at `at` (local time).

    Cron mails whatever a job prints; --quiet keeps that to warnings and errors (the `runs`
    table keeps every run's counts). Exit code 75 means another run still held the lock."""
    hour, minute = _time(at)
    workdir = Path(workdir).resolve()
    argv = _command(executable or default_executable(), config, db, ["--quiet"])
    return f"{minute} {hour} * * * cd {shlex.quote(str(workdir))} && {shlex.join(argv)}"


def systemd_units(*, workdir: str | Path, at: str = "06:15", config: str | None = None, db: str | None = None,
                  executable: str | None = None, user: str | None = None) -> dict[str, str]:
    """{"tradewatch-daily.service": ..., "tradewatch-daily.timer": ...} (Persistent=true: a run
    missed while the machine was off starts at the next boot)."""
    hour, minute = _time(at)
    workdir = Path(workdir).resolve()
    argv = _command(executable or default_executable(), config, db, [])
    user_line = f"User={user}\n" if user else ""
    service = f"""[Unit]
Description=tradewatch daily job (crawl, extract, store, digest)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
{user_line}WorkingDirectory={workdir}
ExecStart={shlex.join(argv)}
# 75 = another run holds the lock: not a failure of this start.
SuccessExitStatus=75
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
TimeoutStartSec=2h
# SMTP credentials, if digests are mailed: TRADEWATCH_SMTP_USER / TRADEWATCH_SMTP_PASSWORD
EnvironmentFile=-{workdir}/.env
"""
    timer = f"""[Unit]
Description=Run the tradewatch daily job every day at {hour:02d}:{minute:02d}

[Timer]
OnCalendar=*-*-* {hour:02d}:{minute:02d}:00
Persistent=true
RandomizedDelaySec=5min

[Install]
WantedBy=timers.target
"""
    return {"tradewatch-daily.service": service, "tradewatch-daily.timer": timer}


def systemd_text(units: dict[str, str]) -> str:
    parts = []
    for name, text in units.items():
        parts.append(f"# --- /etc/systemd/system/{name} ---\n{text}")
    parts.append("# then: systemctl daemon-reload && systemctl enable --now tradewatch-daily.timer\n")
    return "\n".join(parts)


def _time(at: str) -> tuple[int, int]:
    try:
        hour, minute = (int(p) for p in at.split(":"))
    except ValueError:
        raise ValueError(f"--at {at!r}: use HH:MM, e.g. 06:15") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"--at {at!r}: use HH:MM, e.g. 06:15")
    return hour, minute
