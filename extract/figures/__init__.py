"""Figures: money, percentages and quantities, normalised (`figure_ruler` + `trade_figures`).

Modules: component (the spaCy factories), finder (numbers + units in text), numbers,
lexicon (data/: currencies, scales, units, cue words), context (direction, measure, period).
"""
from extract.figures import context, finder, lexicon, numbers  # noqa: F401
from extract.figures.component import add_to_pipeline

__all__ = ["add_to_pipeline"]
