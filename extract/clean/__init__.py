"""Cleaning: page HTML → clean `Article` (title, text, date, author, language, …).

    clean_html(html, url=None) -> Article      never raises; an unusable page has `error` set
    clean_text(text, language="en") -> str     the text-level cleanup every text gets before NLP

Modules: page (the HTML steps), body_selection (trafilatura, readability, JSON-LD), metadata,
artifacts (stray tags, entities, boilerplate lines from boilerplate/*.txt).
"""
from extract.clean.artifacts import clean_text
from extract.clean.page import Article, clean_html

__all__ = ["Article", "clean_html", "clean_text"]
