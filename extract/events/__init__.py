"""Trade-policy events: type, actor, targets, status, product and evidence (`trade_events`).

Modules: component (the factory), cues (measure and status patterns from data/), rules
(data/event_rules.toml), hs (products → HS chapters, from core.hs).
"""
from extract.events import cues, hs, rules  # noqa: F401
from extract.events.component import ERROR_KEY, add_to_pipeline

__all__ = ["ERROR_KEY", "add_to_pipeline"]
