"""Which measure (`events` row) a report of a trade-policy event belongs to."""
from __future__ import annotations

from datetime import date, datetime

from rapidfuzz import fuzz

# Two reports are the same measure only if their dates are this close (days).
EVENT_WINDOW_DAYS = 45
# ...and their stated effective/announce dates (when both give one) this close.
EVENT_DATE_TOLERANCE_DAYS = 10
# Products compared with token-set similarity (0..100); "steel" vs "steel imports" passes.
PRODUCT_MIN_SIMILARITY = 80


def parse_day(value: str | None) -> date | None:
    """The calendar day of an ISO date/datetime string, or None."""
    if not value:
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            return None


# A report that names no product still joins a measure that does (and vice versa), ranked below
# reports whose product agrees.
ONE_SIDED_PRODUCT_SCORE = 50.0


def product_similarity(a: str | None, b: str | None) -> float:
    """0..100; 100 for equal products; ONE_SIDED_PRODUCT_SCORE when only one side names one."""
    a, b = (a or "").strip().lower(), (b or "").strip().lower()
    if not a and not b:
        return 100.0
    if not a or not b:
        return ONE_SIDED_PRODUCT_SCORE
    return fuzz.token_set_ratio(a, b)


def _dates_agree(x: str | None, y: str | None) -> bool:
    dx, dy = parse_day(x), parse_day(y)
    return dx is None or dy is None or abs((dx - dy).days) <= EVENT_DATE_TOLERANCE_DAYS


def event_match_score(report: dict, candidate: dict, report_day: date | None) -> float:
    """How well a report fits an existing event of the same type, actor and targets (0 = not at all).
    `candidate` has product, announced, effective, first_seen, last_seen (and optionally status)."""
    first, last = parse_day(candidate.get("first_seen")), parse_day(candidate.get("last_seen"))
    if report_day and first and last:
        if (first - report_day).days > EVENT_WINDOW_DAYS or (report_day - last).days > EVENT_WINDOW_DAYS:
            return 0.0
    if not _dates_agree(report.get("effective"), candidate.get("effective")):
        return 0.0
    # A threat and the decision that follows it are one measure announced twice: the announce
    # dates only have to agree between reports of the same status.
    same_stage = not report.get("status") or not candidate.get("status") or report["status"] == candidate["status"]
    if same_stage and not _dates_agree(report.get("announced"), candidate.get("announced")):
        return 0.0
    a, b = (report.get("product") or "").strip(), (candidate.get("product") or "").strip()
    score = product_similarity(a, b)
    if bool(a) != bool(b) or score >= PRODUCT_MIN_SIMILARITY:
        return score
    return 0.0
