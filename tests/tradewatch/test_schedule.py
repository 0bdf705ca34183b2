"""`tradewatch schedule --print cron|systemd`: ready-to-install, absolute paths, Persistent=true."""
from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess

from click.testing import CliRunner

from tradewatch.cli import main


def test_cron_line(tmp_path):
    config = tmp_path / "tw.toml"
    config.write_text('db = "kb.db"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", "--print", "cron", "--config", str(config), "--at", "05:40",
                                       "--workdir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert "\n" not in line
    minute, hour, dom, month, dow, command = line.split(" ", 5)
    assert (minute, hour, dom, month, dow) == ("40", "5", "*", "*", "*")
    argv = shlex.split(command.split("&&", 1)[1])
    assert argv[0].startswith("/") and argv[1:] == ["daily", "--config", str(config.resolve()), "--quiet"]
    assert command.startswith(f"cd {tmp_path}")


def test_systemd_units(tmp_path):
    (tmp_path / "tradewatch.toml").write_text("", encoding="utf-8")     # the job's config, found in its workdir
    result = CliRunner().invoke(main, ["schedule", "--print", "systemd", "--workdir", str(tmp_path),
                                       "--db", str(tmp_path / "kb.db"), "--user", "tw"])
    assert result.exit_code == 0, result.output
    text = result.output
    service = text.split("# --- /etc/systemd/system/tradewatch-daily.service ---\n")[1].split("# ---")[0]
    timer = text.split("# --- /etc/systemd/system/tradewatch-daily.timer ---\n")[1].split("# then")[0]
    units = {}
    for name, body in (("service", service), ("timer", timer)):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read_string(body)
        units[name] = parser
    assert units["service"]["Service"]["Type"] == "oneshot"
    assert units["service"]["Service"]["User"] == "tw"
    assert units["service"]["Service"]["SuccessExitStatus"] == "75"
    exec_start = shlex.split(units["service"]["Service"]["ExecStart"])
    assert exec_start[1:] == ["daily", "--config", str(tmp_path / "tradewatch.toml"), "--db", str(tmp_path / "kb.db")]
    assert units["timer"]["Timer"]["Persistent"] == "true"
    assert units["timer"]["Timer"]["OnCalendar"] == "*-*-* 06:15:00"
    assert units["timer"]["Install"]["WantedBy"] == "timers.target"
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "calendar", units["timer"]["Timer"]["OnCalendar"]],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_bad_time_is_a_usage_error():
    result = CliRunner().invoke(main, ["schedule", "--print", "cron", "--at", "25:99"])
    assert result.exit_code == 2 and "HH:MM" in result.output


def test_a_schedule_without_any_config_is_refused(tmp_path):
    """The job would run with no sources and say so only under --quiet's radar: refused (exit 2)."""
    result = CliRunner().invoke(main, ["schedule", "--print", "cron", "--workdir", str(tmp_path)])
    assert result.exit_code == 2
    assert "tradewatch.toml" in result.output and str(tmp_path) in result.output


def test_a_schedule_with_a_broken_config_is_refused_now(tmp_path):
    (tmp_path / "tradewatch.toml").write_text('[crawl]\nmax_page_bytes = "lots"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["schedule", "--print", "cron", "--workdir", str(tmp_path)])
    assert result.exit_code == 2 and "max_page_bytes" in result.output and '"lots"' in result.output
