"""HTML → Article: main text, metadata, and bad input that must never raise."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from extract.clean import Article, clean_html
from extract.clean.metadata import strip_site_suffix

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
URL = "https://news.example.org/trade/copper-duties-freeland?utm_source=feed"


@pytest.fixture(scope="module")
def article() -> Article:
    return clean_html((FIXTURES / "trade_article.html").read_text(encoding="utf-8"), url=URL)


# --- main text ------------------------------------------------------------------------

def test_main_text_paragraphs_kept(article):
    assert article.error is None
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Freeland's trade ministry said on Thursday")
    assert paragraphs[-1].endswith("is due in May.")


@pytest.mark.parametrize("furniture", [
    "Skip to content", "cookies", "Share this article", "Home", "Advertisement", "Sign up",
    "newsletter", "Related stories", "Steel quota talks", "All rights reserved", "Photo:",
    "window.dataLayer", "By Mara",
])
def test_page_furniture_left_out(article, furniture):
    assert furniture not in article.text


def test_headline_not_repeated_in_body(article):
    assert "Copper exporters brace" not in article.text


def test_bytes_input_same_as_text():
    raw = (FIXTURES / "trade_article.html").read_bytes()
    assert clean_html(raw, url=URL).text == clean_html(raw.decode("utf-8"), url=URL).text


# --- metadata -------------------------------------------------------------------------

def test_metadata(article):
    assert article.title == "Copper exporters brace for new duties in Freeland"
    assert article.published == "2021-03-04T07:30:00Z"  # +02:00 in the page, UTC here
    assert article.published_source == "meta"
    assert article.author == "Mara Okonkwo"
    assert article.language == "en"
    assert article.site_name == "Harbour Ledger"
    assert article.canonical_url == "https://news.example.org/trade/copper-duties-freeland"


def test_german_page_language_title_and_boilerplate():
    german = clean_html((FIXTURES / "german_article.html").read_text(encoding="utf-8"))
    assert german.language == "de"
    assert german.title == "Zölle auf Stahl steigen"
    assert german.published == "2020-06-15T00:00:00Z"
    assert "Mehr zum Thema" not in german.text
    assert len(german.text.split("\n\n")) == 3


@pytest.mark.parametrize("raw,site,url,expected", [
    ("Copper duties rise | Harbour Ledger", "Harbour Ledger", None, "Copper duties rise"),
    ("Copper duties rise - Harbour Ledger", "Harbour Ledger", None, "Copper duties rise"),
    ("Copper duties rise — harbourledger.com", "", "https://harbourledger.com/a", "Copper duties rise"),
    ("Copper duties rise | Trade | Harbour Ledger", "Harbour Ledger", None, "Copper duties rise"),
    ("Harbour Ledger | Copper duties rise in Freeland", "Harbour Ledger", None, "Copper duties rise in Freeland"),
    ("Copper duties rise | News", "", None, "Copper duties rise"),
    # a dash inside the headline that is not a site name stays
    ("Steel - the metal nobody wants to tax", "Harbour Ledger", None, "Steel - the metal nobody wants to tax"),
    ("Duties rise | What importers need to know before the June deadline", "", None,
     "Duties rise | What importers need to know before the June deadline"),
    ("  Spaced\n  title  ", "", None, "Spaced title"),
])
def test_title_suffix(raw, site, url, expected):
    assert strip_site_suffix(raw, site, url) == expected


def page_with_date(date: str) -> str:
    body = "".join(f"<p>Paragraph {i} about tariffs on copper and the duties that importers pay each month.</p>"
                   for i in range(12))
    return (f'<html><head><title>Tariff story</title><meta property="article:published_time" content="{date}">'
            f"</head><body><article>{body}</article></body></html>")


def test_future_date_refused():
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%d")
    result = clean_html(page_with_date(tomorrow))
    assert result.text and (result.published is None or result.published <= datetime.now(timezone.utc).isoformat())
    assert not (result.published or "").startswith(tomorrow)


def test_date_before_1990_refused():
    result = clean_html(page_with_date("1987-05-01"))
    assert result.text
    assert result.published is None or result.published >= "1990"


def test_date_without_zone_read_as_utc():
    result = clean_html(page_with_date("2019-11-18T14:05:00"))
    assert result.published == "2019-11-18T14:05:00Z"
    assert result.published_source == "meta"


# --- bad input: an empty result with a reason, never an exception -----------------------

def deep_page(levels: int) -> str:
    return "<html><body>" + "<div>" * levels + "<p>deep text</p>" + "</div>" * levels + "</body></html>"


BAD_INPUTS = {
    "empty string": ("", "empty"),
    "whitespace": ("   \n\t ", "empty"),
    "none": (None, "empty"),
    "empty bytes": (b"", "empty"),
    "png bytes": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "binary"),
    "nul bytes": (b"<html>\x00\x00\x00<body>x</body></html>", "binary"),
    "plain text": ("Just some words without any markup at all, repeated. " * 20, "not HTML"),
    "json": ('{"title": "a", "items": [1, 2, 3]}', "not HTML"),
    "20 MB": ("<html><body>" + "<p>" + "trade " * (20 * 1024 * 1024 // 6) + "</p></body></html>", "too large"),
    "20 MB bytes": (b"<html><body><p>" + b"x" * (20 * 1024 * 1024) + b"</p></body></html>", "too large"),
    "10,000 levels": (deep_page(10_000), "nested"),
    "invalid utf-8": (b"<html><body><p>caf\xe9 \xff\xfe tariffs</p></body></html>", "UTF-8"),
    "lone surrogate": ("<html><body><p>bad \ud800 text</p></body></html>", "UTF-8"),
    "script only": ("<html><head><script>var a = 1;</script></head><body><script>document.write('x')"
                    "</script><noscript></noscript></body></html>", "no main text"),
    "not a string": (12345, "not a page"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_reason_not_exception(name):
    page, reason = BAD_INPUTS[name]
    result = clean_html(page, url="https://example.org/x")
    assert isinstance(result, Article)
    assert result.text == ""
    assert result.error and reason.lower() in result.error.lower(), result.error
    assert result.url == "https://example.org/x"


def test_moderately_deep_real_page_still_works():
    result = clean_html(deep_page(60).replace("<p>deep text</p>", page_with_date("2020-01-01")[40:-14]))
    assert result.error is None and "copper" in result.text


def test_declared_latin1_charset_decoded():
    html = page_with_date("2020-02-02").replace("<head>", '<head><meta charset="iso-8859-1">')
    html = html.replace("Paragraph 0", "Caf\u00e9 tariffs")
    result = clean_html(html.encode("latin-1"))
    assert result.error is None
    assert "Café tariffs" in result.text


# --- the command-line contract ----------------------------------------------------------

def test_cli_clean_jsonl_output_shape():
    from click.testing import CliRunner

    from tradewatch.cli.clean import clean_command

    lines = [
        json.dumps({"id": "a1", "html": (FIXTURES / "trade_article.html").read_text(encoding="utf-8"), "url": URL}),
        json.dumps({"id": "b2", "html": ""}),
    ]
    result = CliRunner().invoke(clean_command, ["--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in records] == ["a1", "b2"]
    good, bad = records
    assert {"id", "title", "text", "published", "author", "language"} <= set(good)
    assert good["title"] == "Copper exporters brace for new duties in Freeland"
    assert good["published"] == "2021-03-04T07:30:00Z" and good["language"] == "en"
    assert bad["text"] == "" and bad["error"]


@pytest.mark.parametrize("raw,url,expected", [
    ("Opinion | Duties are a tax on our own buyers", None, "Duties are a tax on our own buyers"),
    ("About quotas – Osterby Port Authority", "https://osterbyport.org/about", "About quotas"),
    # the host's name inside a long final part is part of the headline
    ("Tariffs explained - osterbyport joins the regional trade fair 2024", "https://blog.osterbyport.org/x",
     "Tariffs explained - osterbyport joins the regional trade fair 2024"),
])
def test_title_section_label_and_host_named_suffix(raw, url, expected):
    assert strip_site_suffix(raw, "", url) == expected


def test_script_rendered_page_falls_back_to_json_ld_body():
    result = clean_html((FIXTURES / "script_rendered.html").read_text(encoding="utf-8"))
    assert result.error is None
    assert result.extractor == "json-ld"
    assert result.text.startswith("The port authority of Osterby will raise berth fees by 7%")
    assert "enable JavaScript" not in result.text
    assert result.author == "Ana Lima, Jon Roe"
    assert result.title == "Port fees rise in Osterby"
    assert result.published == "2022-08-01T06:00:00Z"


def test_json_ld_body_keeps_its_paragraphs():
    result = clean_html((FIXTURES / "script_rendered.html").read_text(encoding="utf-8"))
    assert len(result.text.split("\n\n")) == 3


def test_page_with_too_many_elements_refused_quickly():
    import time

    page = "<html><body>" + "<span>a</span>" * 300_000 + "</body></html>"
    started = time.perf_counter()
    result = clean_html(page)
    assert result.text == "" and "elements" in result.error
    assert time.perf_counter() - started < 5.0


def test_lines_naming_only_the_author_dropped():
    from extract.clean.page import drop_byline_lines

    lines = ["By Mara Okonkwo", "Duties rise in June.", "MARA OKONKWO", "Mara Okonkwo said the rate is final."]
    assert drop_byline_lines(lines, "Mara Okonkwo") == ["Duties rise in June.", "Mara Okonkwo said the rate is final."]
    assert drop_byline_lines(lines, "") == lines


# --- headline-only pages and titles decoded like the body (issue 15) --------------------------

FLASH = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{h} | Ledger Wire</title>
<meta property="og:title" content="{h}"><meta property="og:site_name" content="Ledger Wire"></head><body>
<a class="skip-link" href="#main">Skip to content</a><header><a href="/">Ledger Wire</a></header>
<main id="main"><article><h1>{h}</h1><div class="byline">By Wire Desk</div>
<div class="share"><span>Share</span> <a href="https://share.example.com/x">LinkedIn</a> <a href="mailto:?x">Email</a>
<button>Copy link</button></div><div class="article-body">{body}</div></article></main>
<footer><p>Ledger Wire</p></footer></body></html>"""


def test_a_headline_only_page_gives_its_headline_and_an_empty_body():
    article = clean_html(FLASH.format(h="US raises steel tariff to 50 percent", body=""), url=URL)
    assert article.title == "US raises steel tariff to 50 percent"
    assert article.text == "" and article.error is None


def test_a_short_real_body_is_kept():
    body = "<p>The tariff takes effect on Monday.</p>"
    article = clean_html(FLASH.format(h="US raises steel tariff to 50 percent", body=body), url=URL)
    assert "The tariff takes effect on Monday." in article.text


def test_the_title_is_repaired_like_the_body():
    """A UTF-8 page with one stray byte is decoded as Windows-1252 by the crawler: both repaired."""
    title = "Exportações de café sobem"
    raw = FLASH.format(h=title, body="<p>As exportações de café do Brasil subiram no trimestre, disse a "
                                     "associação do setor nesta segunda-feira.</p>").encode().replace(b"<footer>",
                                                                                                  b"<footer>\xff")
    article = clean_html(raw.decode("cp1252", "replace"), url=URL)
    assert article.title == title and "exportações" in article.text
