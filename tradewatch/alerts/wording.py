"""Names and numbers as a reader says them: country names from core.countries, measure and
status labels from core.vocabulary, currency symbols from alerts/data/wording.toml."""
from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from core import countries, vocabulary

from tradewatch.alerts.model import Event, Figure, Measure

DATA = Path(__file__).with_name("data")


@functools.lru_cache(maxsize=1)
def wording() -> dict:
    return tomllib.loads((DATA / "wording.toml").read_text(encoding="utf-8"))


def country_code(name: str) -> str | None:
    """'Japan', 'jp', 'Japanese', 'USA' → the code events use; None when unknown."""
    return countries.code_of(name)


def country_name(code: str | None) -> str:
    return countries.name_of(code) if code else "?"


def country_adjective(code: str | None) -> str:
    return countries.adjective_of(code) if code else "?"


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def format_figure(figure: Figure) -> str:
    """Compact figure: "$300m", "€1.7bn", "100%", "2.5 pp", "1.5m tonnes"."""
    if figure.value is None:
        return figure.text
    value = float(figure.value)
    if figure.kind == "percent":
        return f"{_number(value)} pp" if figure.unit == "pp" else f"{_number(value)}%"
    scaled = _number(value)
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            scaled = f"{_number(value / size)}{suffix}"
            break
    if figure.kind == "money":
        symbol = wording()["currency_symbol"].get(figure.unit or "")
        return f"{symbol}{scaled}" if symbol else f"{scaled} {figure.unit or ''}".strip()
    if figure.kind == "quantity" and figure.unit:
        unit = figure.unit if value == 1 or "/" in figure.unit else f"{figure.unit}s"
        return f"{scaled} {unit}"
    return figure.text or scaled


def format_figures(figures: list[Figure]) -> str:
    """Rates on amounts: "100% on $300m"; other figures joined by commas."""
    rates = [format_figure(f) for f in figures if f.kind == "percent"]
    amounts = [format_figure(f) for f in figures if f.kind != "percent"]
    if rates and amounts:
        return f"{', '.join(rates)} on {', '.join(amounts)}"
    return ", ".join(rates or amounts)


def status_label(status: str | None) -> str:
    if not status:
        return "reported"
    return vocabulary.status(status).get("label", status.replace("_", " "))


def measure_phrase(event: Event) -> str:
    """ "US tariff on Japanese semiconductors" / "EU trade agreement with Japan"."""
    registered = vocabulary.event_type(event.type)
    label = registered.get("label", event.type.replace("_", " "))
    preposition = registered.get("preposition", "on")
    actor = country_adjective(event.actor) if event.actor else ""
    product = (event.product or "").strip()
    targets = [t for t in event.targets if t]
    if product and targets:
        object_ = f"{' and '.join(country_adjective(t) for t in targets)} {product}"
    elif targets:
        object_ = " and ".join(country_name(t) for t in targets)
    else:
        object_ = product
    phrase = f"{actor} {label}".strip()
    return f"{phrase} {preposition} {object_}" if object_ else phrase


def measure_line(measure: Measure) -> str:
    """ "US tariff on Japanese semiconductors: threatened → announced; 100% on $300m"."""
    status_changed = measure.changed and measure.previous_status and measure.previous_status != measure.status
    parts = [f"{status_label(measure.previous_status)} → {status_label(measure.status)}" if status_changed
             else status_label(measure.status)]
    now, before = format_figures(measure.figures), format_figures(measure.previous_figures)
    figures_changed = measure.changed and before and now and before != now
    if figures_changed:
        parts.append(f"{before} → {now}")
    elif now:
        parts.append(now)
    if measure.changed and not status_changed and not figures_changed:
        parts.append("as reported before")
    return f"{measure.phrase}: {'; '.join(parts)}"
