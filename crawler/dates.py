"""Dates as the crawler stores them: UTC ISO 8601, plausible, with the source that won."""
from __future__ import annotations

import calendar
import re
import time
import tomllib
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from functools import lru_cache
from pathlib import Path

EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(hours=12)   # clock skew and time zones, not scheduled posts
_DATA = Path(__file__).with_name("data") / "month_names.toml"


@lru_cache(maxsize=1)
def _month_names() -> dict[str, int]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    return {name: int(month) for month, names in data["months"].items() for name in names}


def to_utc_iso(value) -> str | None:
    """datetime / time.struct_time (UTC) / ISO or RFC 822 string → 'YYYY-MM-DDTHH:MM:SSZ'."""
    if value is None or value == "":
        return None
    if isinstance(value, time.struct_time):
        value = datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    if isinstance(value, str):
        value = parse_date(value)
        if value is None:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        iso += "T00:00:00+00:00"
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    parsed = localized_rfc822(text)
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc) if parsed else None


def localized_rfc822(text: str) -> time.struct_time | None:
    """RFC 822 dates with non-English day/month names ('Seg, 24 Set 2018 19:42:40 -0300').

    Also usable as a feedparser date handler: returns a UTC struct_time or None."""
    m = re.match(r"^\s*(?:[^\W\d_]+\.?,?\s+)?(\d{1,2})\.?\s+([^\W\d_]+)\.?\s+(\d{2,4})\s+(\d{1,2}:\d{2}(?::\d{2})?)\s*(.*)$", text)
    if not m:
        return None
    day, month_name, year, clock, zone = m.groups()
    month = _month_names().get(month_name.lower())
    if month is None:
        return None
    english = calendar.month_abbr[month]
    parts = parsedate_tz(f"{day} {english} {year} {clock} {zone or '+0000'}")
    if parts is None:
        return None
    stamp = calendar.timegm(parts[:9]) - (parts[9] or 0)
    return time.gmtime(stamp)


def plausible(iso: str | None, *, now: datetime | None = None, allow_before_1990: bool = False) -> bool:
    """Not in the future, not before 1990 (unless the caller knows the text says so)."""
    if not iso:
        return False
    when = parse_date(iso)
    if when is None:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    if when > now + FUTURE_SLACK:
        return False
    return allow_before_1990 or when >= EARLIEST


def choose_published(candidates: list[tuple[str, str | None]], *, now: datetime | None = None) -> tuple[str | None, str | None]:
    """First plausible date in priority order → (UTC ISO, source name); (None, None) if none."""
    for source, value in candidates:
        iso = to_utc_iso(value)
        if iso and plausible(iso, now=now):
            return iso, source
    return None, None
