"""Text-level cleanup applied to every text before NLP (placeholder: deepened in issue 5)."""
from __future__ import annotations

import html
import re

_SPACED_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*\s*/?\s*>")


def clean_text(text: str, language: str = "en") -> str:
    text = html.unescape(text or "")
    text = _SPACED_TAG.sub("\n\n", text)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r"\s*\n\s*\n\s*", "\n\n", text)
    return text.strip()
