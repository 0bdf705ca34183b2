"""Tolerant conversions for record fields that may be missing or malformed."""
from __future__ import annotations

from typing import Any


def int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def str_list(value: Any) -> list[str]:
    """A list of non-blank strings from None, one string, or an iterable."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [str(v) for v in value if v is not None and str(v).strip()]
