"""Cleaning and extraction: HTML → clean Article → spaCy Doc → GUIDELINES records.

Public surface (other packages use only these):
    extract.clean.clean_html(html, url=None) -> Article
    extract.artifacts.clean_text(text, language="en") -> str
    extract.nlp.load_pipeline(model=None) -> spacy.Language
    extract.nlp.extract_record(title, text, nlp=None) -> dict
    extract.nlp.extract_records(items, nlp=None, ...) -> iterator of (id, dict)
"""

EXTRACTOR_VERSION = "0.1.0"


class ModelNotAvailable(RuntimeError):
    """The configured spaCy model is not installed; the message names the fix."""
