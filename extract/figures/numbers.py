"""Numbers as written in news text → float. Never raises on odd formats."""
from __future__ import annotations

import re

_FRACTION = re.compile(r"-(\d{1,2})/(\d{1,2})$")
_YEAR = re.compile(r"1[89]\d\d|20\d\d")


def parse_digits(text: str) -> float | None:
    """'14,000' → 14000; '77.2' → 77.2; '1.234,5' → 1234.5; '1,7' → 1.7; '7-1/2' → 7.5."""
    text = text.strip()
    extra = 0.0
    fraction = _FRACTION.search(text)
    if fraction:
        den = int(fraction.group(2))
        extra = int(fraction.group(1)) / den if den else 0.0
        text = text[: fraction.start()]
    if not text:
        return None
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        # Whichever separator comes last is the decimal mark.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif commas:
        groups = text.split(",")
        if all(len(g) == 3 for g in groups[1:]):
            text = text.replace(",", "")  # thousands: 14,000
        elif commas == 1:
            text = text.replace(",", ".")  # European decimal: 1,7
        else:
            return None
    elif dots > 1:
        groups = text.split(".")
        if not all(len(g) == 3 for g in groups[1:]):
            return None
        text = text.replace(".", "")  # European thousands: 1.234.567
    try:
        return float(text) + extra
    except ValueError:
        return None


def parse_words(text: str, number_words: dict[str, float]) -> float | None:
    """'six' → 6; 'twenty-five' → 25; 'one hundred' → 100."""
    total = 0.0
    seen = False
    for word in re.split(r"[-\s]+", text.strip().lower()):
        value = number_words.get(word)
        if value is None:
            return None
        if value == 100:
            if not seen:
                return None  # "a few hundred dollars" states no amount
            total *= 100
        else:
            total += value
        seen = True
    return total if seen else None


def is_year_like(text: str) -> bool:
    """A bare four-digit number that reads as a year: 1986, 2004."""
    return bool(_YEAR.fullmatch(text.strip()))
