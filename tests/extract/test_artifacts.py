"""Text-level cleanup: each artifact family, on text written for these tests."""
from __future__ import annotations

import time

import pytest

from extract.clean.artifacts import boilerplate_pattern, clean_text, is_boilerplate

# Looks like a machine-translated trade story pasted with its tags spaced out: lower-case
# paragraph starts after each tag break, and a navigation link glued to the end.
SPACED_TAG_STORY = (
    "Although Ruritania has tried to buy fewer turbines from Freeland since the export curbs of March, "
    "its imports of turbine parts are still about 40% above last year. On May 3, the Ruritanian Export "
    "Council said that in the first five months the country bought 2.3 billion US dollars of parts. "
    "< / P > < p > the rise is linked to a large order placed by Northwind Power. The company said in "
    "April that it will build a blade plant in Osterby. < / P > < p > despite the curbs, Northwind Power "
    "and other buyers still rely on Freeland for 31.5% of their parts, close to 33.0% a year ago. "
    "< / P > < p > the government and industry have tried hard to build local suppliers. However, "
    "progress is slow. < / P > < p > this is because few local firms meet the technical standards of "
    "Northwind Power and Vesta Grid, and a change of supplier is costly. < / P > < p > in the supplier "
    "support programme started after the curbs, only 11 of 95 applicants were certified by buyers such "
    "as Vesta Grid. < / P > < p > in many cases, engineers from Freeland must install the equipment. "
    "This led to an exemption from quarantine for them in June. The government cannot ignore the "
    "industry's worries. Skip to content"
)
HAND_CLEANED_STORY = "\n\n".join([
    "Although Ruritania has tried to buy fewer turbines from Freeland since the export curbs of March, "
    "its imports of turbine parts are still about 40% above last year. On May 3, the Ruritanian Export "
    "Council said that in the first five months the country bought 2.3 billion US dollars of parts.",
    "The rise is linked to a large order placed by Northwind Power. The company said in April that it "
    "will build a blade plant in Osterby.",
    "Despite the curbs, Northwind Power and other buyers still rely on Freeland for 31.5% of their parts, "
    "close to 33.0% a year ago.",
    "The government and industry have tried hard to build local suppliers. However, progress is slow.",
    "This is because few local firms meet the technical standards of Northwind Power and Vesta Grid, and "
    "a change of supplier is costly.",
    "In the supplier support programme started after the curbs, only 11 of 95 applicants were certified "
    "by buyers such as Vesta Grid.",
    "In many cases, engineers from Freeland must install the equipment. This led to an exemption from "
    "quarantine for them in June. The government cannot ignore the industry's worries.",
])


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


# --- the model case -------------------------------------------------------------------

def test_spaced_tags_become_paragraphs_with_sentence_case():
    cleaned = clean_text(SPACED_TAG_STORY)
    assert len(paragraphs(cleaned)) == 7
    assert "<" not in cleaned and ">" not in cleaned
    assert "Skip to content" not in cleaned
    assert cleaned == HAND_CLEANED_STORY


def test_spacy_splits_cleaned_story_like_the_hand_cleaned_copy():
    spacy = pytest.importorskip("spacy")
    from extract.nlp import DEFAULT_MODEL

    # The sentence splitter the project pipeline uses (parser swapped for senter).
    nlp = spacy.load(DEFAULT_MODEL, exclude=["parser", "ner", "lemmatizer"])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    cleaned = [s.text.strip() for s in nlp(clean_text(SPACED_TAG_STORY)).sents]
    by_hand = [s.text.strip() for s in nlp(HAND_CLEANED_STORY).sents]
    assert cleaned == by_hand
    assert len(cleaned) >= 12


# --- markup in text -------------------------------------------------------------------

def test_escaped_tags_are_paragraph_breaks():
    text = "Exports rose 4% in May.&lt;/p&gt;&lt;p&gt;imports fell 2%.&lt;br /&gt;The deficit narrowed."
    assert clean_text(text) == "Exports rose 4% in May.\n\nImports fell 2%.\n\nThe deficit narrowed."


def test_real_tags_block_and_inline():
    text = 'The <b>ministry</b> said <a href="/x?a=1&amp;b=2">on Monday</a> that duties apply.<br/>Talks resume in June.'
    assert clean_text(text) == "The ministry said on Monday that duties apply.\n\nTalks resume in June."


def test_break_inside_a_sentence_keeps_lower_case_and_inner_capitals_survive():
    assert clean_text("Shipments of<br>steel fell.") == "Shipments of\n\nsteel fell."
    assert clean_text("Sales rose.<p>iPhone imports fell.</p>") == "Sales rose.\n\niPhone imports fell."


def test_caption_shortcode_dropped_other_shortcodes_unwrapped():
    text = ('[caption id="attachment_7" align="alignleft" width="300"]<img src="a.jpg"> Dock workers in 2020'
            '[/caption]Port volumes rose 6%. [highlight color="red"]Container rates fell.[/highlight]')
    assert clean_text(text) == "Port volumes rose 6%. Container rates fell."


def test_cdata_leftovers_and_comments_removed():
    text = "<![CDATA[Tariff talks ended without a deal.]]><!-- ad slot -->Officials will meet again."
    cleaned = clean_text(text)
    assert "CDATA" not in cleaned and "]]>" not in cleaned and "ad slot" not in cleaned
    assert paragraphs(cleaned) == ["Tariff talks ended without a deal.", "Officials will meet again."]


def test_scripts_and_styles_in_text_are_dropped_with_their_content():
    text = "Rates held.<script>var x = 1 < 2;</script><style>p { color: red }</style> Markets calmed."
    assert clean_text(text) == "Rates held.\n\nMarkets calmed."


def test_plain_comparisons_are_not_tags():
    assert clean_text("Growth was < 2% and inflation > 3% in Q2.") == "Growth was < 2% and inflation > 3% in Q2."


# --- entities and mojibake -----------------------------------------------------------

def test_entities_single_and_double_escaped():
    assert clean_text("Steel&nbsp;&amp;amp;&nbsp;aluminium &amp;quot;quotas&amp;quot; &#8364;5m") == \
        'Steel & aluminium "quotas" €5m'


def test_mojibake_fixed():
    assert clean_text("The ministryâ€™s rÃ©sumÃ© of the talks") == "The ministry’s résumé of the talks"


def test_invisible_characters_removed():
    assert clean_text("Ex\u00adport\u200b duties\ufeff rose") == "Export duties rose"


# --- boilerplate lines ----------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Skip to content", "Share this article", "Advertisement", "ADVERTISEMENT", "Read more",
    "Read more: Steel quota talks stall", "We use cookies to give you the best experience on our site.",
    "Accept all cookies", "Sign up for our daily newsletter", "Subscribe to our newsletters.",
    "Get the latest trade news straight to your inbox", "Related stories", "Follow us on Twitter",
    "Twitter Facebook Email", "© 2021 Harbour Ledger. All rights reserved.", "12 comments",
])
def test_boilerplate_lines_dropped(line):
    text = f"Duties rise in June.\n\n{line}\n\nImporters object."
    assert clean_text(text) == "Duties rise in June.\n\nImporters object."


@pytest.mark.parametrize("sentence", [
    "The advertisement market grew 5% in 2020.",
    "Share prices of copper miners fell.",
    "Related party transactions rose by a third.",
    "Readers can read more about the quota in the annual report.",
    "Cookies and biscuits face a 9% tariff.",
    "Copyright disputes are part of the trade talks.",
])
def test_content_that_merely_mentions_boilerplate_words_is_kept(sentence):
    assert clean_text(sentence) == sentence


def test_glued_boilerplate_sentence_trimmed_at_paragraph_end():
    assert clean_text("Quotas end in May. Share this article") == "Quotas end in May."
    assert clean_text("Skip to content. Quotas end in May.") == "Quotas end in May."


def test_boilerplate_is_per_language_data():
    assert is_boilerplate("Mehr zum Thema", "de")
    assert not is_boilerplate("Mehr zum Thema", "en")
    assert is_boilerplate("Share this article", "de")  # English widgets everywhere
    assert clean_text("Die Zölle steigen.\n\nLesen Sie auch: Stahlquoten\n\nDas Ministerium prüft.", "de") == \
        "Die Zölle steigen.\n\nDas Ministerium prüft."
    # an unknown language falls back to English patterns plus the common ones
    assert boilerplate_pattern("xx").fullmatch("Skip to content")


# --- whitespace -----------------------------------------------------------------------

def test_whitespace_normalised_paragraphs_kept():
    text = "  Duties   rise\t in June.  \n\n\n\n   Importers\u00a0object.  \n"
    assert clean_text(text) == "Duties rise in June.\n\nImporters object."


def test_single_line_breaks_inside_a_paragraph_are_kept():
    assert clean_text("Line one of a summary\nline two of it.") == "Line one of a summary\nline two of it."


def test_empty_and_idempotent():
    assert clean_text("") == ""
    assert clean_text(None) == ""
    once = clean_text(SPACED_TAG_STORY)
    assert clean_text(once) == once


def test_private_marker_in_input_does_not_leak():
    assert clean_text("Rates\ue000 held.") == "Rates held."


# --- no regex blows up ------------------------------------------------------------------
# CPU time of this process, so other work on a shared machine does not count against us.

PATHOLOGICAL = {
    "open brackets": "<" * 1_000_000,
    "spaced open tags": "< a " * 250_000,
    "unclosed attributes": "<p class=" + "x" * 999_990,
    "tag soup": "<a<b<c " * 140_000,
    "ampersands": "&amp" * 250_000,
    "unclosed shortcodes": "[caption id=1]" * 70_000,
    "shortcode brackets": "[" * 1_000_000,
    "no sentence end": "word " * 200_000,
    "one long line of letters": "a" * 1_000_000,
    "mojibake": "â€™" * 330_000,
    "newlines": "\n \n" * 330_000,
    "boilerplate-like": ("Read more: " + "x" * 290 + "\n") * 3_300,
    "tag then spaces": "<p>" + " " * 1_000_000,
    "bracket then spaces": "<" + " " * 1_000_000 + "/",
    "unclosed scripts": "<script>" * 125_000,
    "unclosed comments": "<!--" * 250_000,
    "unclosed style": "<style>" + "x" * 1_000_000,
    "scripts closing late": "<script>" * 60_000 + "x" * 400_000 + "</script>",
    "markers and spaces": "<br> \n " * 150_000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_megabyte_is_fast(name):
    text = PATHOLOGICAL[name]
    started = time.process_time()
    clean_text(text)
    assert time.process_time() - started < 1.0, name


def test_many_lines_at_the_boilerplate_length_limit_are_fast():
    text = ("word " * 59 + "contributed\n") * 3400  # ~1 MB of lines every pattern must try
    started = time.process_time()
    clean_text(text)
    assert time.process_time() - started < 1.0


# --- story furniture that follows or precedes the text ------------------------------------

def test_related_heading_takes_its_bullet_list_along():
    text = ("Quotas end in May.\nRelated: Steel talks stall again\n- Nickel exporters face licence rules\n"
            "- Aluminium tariffs: what changes in April\nImporters object to the plan.")
    assert clean_text(text) == "Quotas end in May.\nImporters object to the plan."


def test_bullets_in_the_story_itself_are_kept():
    text = "The deal covers:\n- cars and parts\n- farm goods"
    assert clean_text(text) == text


@pytest.mark.parametrize("line", [
    "By Mara Okonkwo", "By Mara Okonkwo and Jon Roe, Harbour Ledger",
    "Write to Mara Okonkwo at mara.okonkwo@example.org",
    "Email Jon Roe at jroe@example.org or follow him @jonroe.",
    "Follow Harbour Ledger on Facebook, Twitter and Instagram.",
    "(Reporting by Mara Okonkwo; Editing by Jon Roe)",
    "Jon Roe and Ana Lima contributed reporting from Osterby.",
    "Updated at 1:23 p.m.",
    "Port cranes in Osterby. Photo by Jon Roe/Getty Images",
    "Cranes at dawn, photos © Studio Nord, 2018",
    "___",
])
def test_credit_contact_and_byline_lines_dropped(line):
    assert clean_text(f"Duties rise in June.\n{line}\nImporters object.") == "Duties rise in June.\nImporters object."


@pytest.mark.parametrize("sentence", [
    "By the end of May",
    "By 2025 the quota doubles.",
    "Exports contributed 2 points to growth in the second quarter, the office said.",
    "Updated rules take effect on 1 July.",
])
def test_lines_resembling_credits_kept(sentence):
    assert clean_text(sentence) == sentence


def test_every_boilerplate_file_compiles_line_by_line():
    import re

    from extract.clean.artifacts import BOILERPLATE_DIR, _read_lines

    files = sorted(BOILERPLATE_DIR.glob("*.txt"))
    assert {"common.txt", "en.txt", "de.txt", "shortcodes.txt"} <= {f.name for f in files}
    for path in files:
        for line in _read_lines(path):
            re.compile(line, re.IGNORECASE)


def test_mojibake_with_c1_control_fixed():
    assert clean_text("\u00e2\u20ac\u0153Quoted\u00e2\u20ac\u009d") == "“Quoted”"


def test_mojibake_fixed_in_every_normal_line_of_a_long_text():
    text = "\n".join(["The ministryâ€™s rÃ©sumÃ© of the talks."] * 500)
    assert clean_text(text) == "\n".join(["The ministry’s résumé of the talks."] * 500)


def test_tags_heading_takes_its_keyword_list_along():
    text = "Quotas end in May.\nTags\ncopper duties, Freeland, trade court, smelters\nImporters object."
    assert clean_text(text) == "Quotas end in May.\nImporters object."
    # the same list without a heading before it could be content, and stays
    assert clean_text("copper duties, Freeland, trade court, smelters") == "copper duties, Freeland, trade court, smelters"


@pytest.mark.parametrize("line,language", [
    ("Monday, November 18, 2019 at 3:05 pm", "en"),
    ("18 Nov 2019", "en"),
    ("Posted by Jon Roe in Trade", "en"),
    ("segunda-feira, 22 de janeiro de 2018 às 0:13", "pt"),
    ("05/10/2018 - Publicado por: Ana Lima - Categoria: Economia", "pt"),
    ("Montag, 15. Juni 2020, 10:30 Uhr", "de"),
])
def test_standalone_datelines_and_posted_by_dropped(line, language):
    assert clean_text(f"Tarifas sobem.\n{line}\nImportadores reagem.", language) == "Tarifas sobem.\nImportadores reagem."


# Wire copy as typed on a terminal: ~65-character lines, paragraphs on indented lines.
WRAPPED_WIRE = (
    "Ruritania said it would cut import duties on some 900 farm and\n"
    "industrial goods from July in a bid to narrow its large trade\n"
    "surplus with Freedonia, a senior trade official said.\n"
    "    The cuts follow a first round of reductions made in January on\n"
    "about 1,200 products, the official told a news conference.\n"
    "    Freedonia has pressed for faster cuts.\n"
)


def test_hard_wrapped_wire_copy_gets_one_line_per_paragraph():
    assert clean_text(WRAPPED_WIRE) == (
        "Ruritania said it would cut import duties on some 900 farm and industrial goods from July in a "
        "bid to narrow its large trade surplus with Freedonia, a senior trade official said.\n\n"
        "The cuts follow a first round of reductions made in January on about 1,200 products, the "
        "official told a news conference.\n\nFreedonia has pressed for faster cuts.")
    assert clean_text(clean_text(WRAPPED_WIRE)) == clean_text(WRAPPED_WIRE)


def test_short_lines_are_not_taken_for_wrapped_text():
    text = "Steel quotas\nPrices rose.\nImporters object to the plan.\nTalks resume in May."
    assert clean_text(text) == text


def test_bracketed_company_name_of_wire_copy_is_kept_as_text():
    text = "<Northwind Power Co Ltd> said it <b>may</b> build a plant.<p>Orders rose.</p>"
    assert clean_text(text) == "Northwind Power Co Ltd said it may build a plant.\n\nOrders rose."
    assert clean_text(clean_text(text)) == clean_text(text)


def test_line_rules_keep_their_meaning_with_linear_lookbehinds():
    import re

    from extract.clean import artifacts

    for text in ["a\n  \n  b", "a   \n b", "\n\n  x  \n", "  \n  \n\n   "]:
        assert artifacts._AROUND_NEWLINE.sub("\n", text) == re.sub(r" *\n *", "\n", text)
    assert artifacts._INDENTED_LINE.findall("x\n  \n  y") == re.findall(r"[^\S\n]*\n[^\S\n]+(?=\S)", "x\n  \n  y")
