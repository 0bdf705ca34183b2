"""Trade-policy events: type, actor, targets, status, product and evidence (`trade_events`).

Modules: component (the factories), windows (an article as sentence windows), cues (measure and
status patterns from data/), features (what the learned steps see), inference (windows → events
with the models of extract.linear), hs (products → HS chapters, from core.hs).
The weights live in model/ and are rebuilt by `make train` from the annotated corpus.
"""
from extract.events import cues, hs  # noqa: F401
from extract.events.component import ERROR_KEY, add_to_pipeline

__all__ = ["ERROR_KEY", "add_to_pipeline"]
