"""Ranking: tier of the best outlet, how many outlets carry it, the strongest event status, recency.

Weights come from core/data/vocabulary.toml (tiers, statuses); the score is a plain sum so each part can be read off.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from core import vocabulary

from tradewatch.alerts.model import StoryItem


RECENCY_HALF_LIFE_DAYS = 3.0


def _age_days(when: str, now: datetime) -> float:
    try:
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return 30.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (now - moment).total_seconds() / 86400)


def score(item: StoryItem, now: datetime | None = None) -> float:
    now = now or datetime.now(timezone.utc)
    tiers = [vocabulary.tier(c.tier or "").get("weight", 1.0) for c in item.copies] or [1.0]
    statuses = [vocabulary.status(m.status or "").get("weight", 0.5) for m in item.measures] or [0.0]
    newest = max((c.when for c in item.copies), default="")
    recency = 2.0 * math.pow(0.5, _age_days(newest, now) / RECENCY_HALF_LIFE_DAYS)
    changed = 1.5 if any(m.changed and m.previous_status != m.status for m in item.measures) else 0.0
    return round(max(tiers) + 2.0 * math.log2(1 + item.carried_by) + max(statuses) + recency + changed, 4)


def rank(items: list[StoryItem], now: datetime | None = None) -> list[StoryItem]:
    for item in items:
        item.score = score(item, now)
    return sorted(items, key=lambda i: (-i.score, -_sortable(i.lead.when), i.key))


def _sortable(when: str) -> float:
    try:
        return datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return 0.0
