"""trade_companies in the real pipeline (extract.nlp.load_pipeline: the model with its parser and the
trained company step), with texts written for these tests
(fixtures/companies/*.jsonl; firm names there are invented unless the case is about a
known-firm list or a model weakness)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

import extract.companies as companies_package
from extract.companies.component import RULER_NAME
from extract import ModelNotAvailable
from extract.companies.knowledge import CompanyKnowledge
from extract.nlp import load_pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "companies"


def _cases(name: str) -> list[dict]:
    with open(FIXTURES / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="module")
def nlp():
    """One model load for the whole module, the pipeline extraction runs."""
    try:
        return load_pipeline()
    except ModelNotAvailable as error:
        pytest.skip(str(error))


def _names(doc) -> set[str]:
    known = CompanyKnowledge.from_files()
    keys = set()
    for company in doc._.companies:
        for form in (company["name"], *company["aliases"]):
            keys.add(known.normalise(form))
    return keys


# Share of exclusion cases the trained company step gets fully right (measured 0.92, 24 of 26, when last
# trained). The step is learned, so the cases are judged together: below the floor, a change to
# the features, data or training made it worse at telling firms from agencies, people and places.
EXCLUSIONS_RIGHT_FLOOR = 0.80


def _exclusion_problem(nlp, case) -> str | None:
    """Why the companies found in a case's text are wrong, or None when they are right."""
    known = CompanyKnowledge.from_files()
    doc = nlp(case["text"])
    found = {known.normalise(c["name"]) for c in doc._.companies}
    forms = _names(doc)
    missed = [n for n in case["companies"] if known.normalise(n) not in found]
    kept = [n for n in case["not_companies"] if known.normalise(n) in forms]
    if missed or kept or len(doc._.companies) != len(case["companies"]):
        return f"missed {missed}, wrongly kept {kept}, found {sorted(found)}"
    return None


def test_exclusion_classes_are_mostly_right(nlp):
    cases = _cases("exclusions.jsonl")
    wrong = {case["case"]: why for case in cases if (why := _exclusion_problem(nlp, case))}
    share = 1 - len(wrong) / len(cases)
    assert share >= EXCLUSIONS_RIGHT_FLOOR, f"{share:.2f} of the cases right; wrong: {json.dumps(wrong, indent=1)}"


def test_an_exclusion_problem_is_reported(nlp):
    """The judge itself can fail: a case that claims a real firm is not one is reported wrong."""
    case = {"case": "inverted", "text": "Velmont Foods Ltd raised prices on Monday.",
            "companies": [], "not_companies": ["Velmont Foods"]}
    assert _exclusion_problem(nlp, case) is not None


@pytest.mark.parametrize("case", _cases("naming.jsonl"), ids=lambda c: c["case"])
def test_names_aliases_and_country(nlp, case):
    doc = nlp(case["text"])
    assert len(doc._.companies) == 1, doc._.companies
    company = doc._.companies[0]
    assert company["name"] == case["name"]
    assert sorted(company["aliases"]) == sorted(case["aliases"])
    assert "the company" not in [a.lower() for a in company["aliases"]]
    if "country" in case:
        assert company["country"] == case["country"]


def test_mentions_point_into_the_text(nlp):
    text = ("Velmont Foods Ltd raised prices. Later, Velmont Foods said demand was strong, "
            "and Velmont Foods shares rose 3 pct.")
    doc = nlp(text)
    (company,) = doc._.companies
    assert company["name"] == "Velmont Foods"
    assert len(company["mentions"]) == 3
    for mention in company["mentions"]:
        assert text[mention["start"]:mention["end"]] == mention["text"]
        assert mention["text"].startswith("Velmont Foods")


def test_ruler_fixes_model_weaknesses(nlp):
    doc = nlp("Samsung Electronics and SK Hynix buy equipment. NAND flash lines are built under "
              "the Ministry of trade, industry and energy programme.")
    labels = {ent.text: ent.label_ for ent in doc.ents}
    assert labels.get("SK Hynix") == "ORG"
    assert labels.get("NAND") == "PRODUCT"
    assert labels.get("Ministry of trade, industry and energy") == "ORG"
    assert nlp.pipe_names.index(RULER_NAME) < nlp.pipe_names.index("ner")


def test_empty_and_companyless_texts(nlp):
    assert nlp("")._.companies == []
    assert nlp("Japan's exports rose 5 pct in March, the government said.")._.companies == []


def test_headline_capitals_are_not_companies(nlp):
    doc = nlp("JAPAN ECONOMY SEEN GROWING FASTER\n\nThe economy will grow 3 pct, the institute said.")
    assert doc._.companies == []


def test_lexicons_come_from_config(tmp_path):
    """A name added to the organisations file is set aside: the knowledge is data, not code."""
    base = Path(companies_package.__file__).parent / "data" / "organisations.toml"
    custom = tmp_path / "organisations.toml"
    custom.write_text(base.read_text(encoding="utf-8") + '\n[invented]\nnames = ["Quorvex Holdings"]\n',
                      encoding="utf-8")
    nlp = spacy.blank("en")
    finder = nlp.add_pipe("trade_companies", config={"organisations_path": str(custom)})
    assert finder.known.known_class("Quorvex Holdings") == "invented"
    default = CompanyKnowledge.from_files()
    assert default.known_class("Quorvex Holdings") is None


def test_pipeline_saves_and_loads(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    text = "Orvale Electronics Corp and SK Hynix signed a deal, Reuters reported."
    assert [c["name"] for c in loaded(text)._.companies] == [c["name"] for c in nlp(text)._.companies]
    assert {c["name"] for c in loaded(text)._.companies} == {"Orvale Electronics Corp", "SK Hynix"}


def test_a_shared_first_word_does_not_merge_firms(nlp):
    # Wire copy at the very start of a text, a parent with the same first word, then the bare
    # first word: two firms, the bare word going to the one introduced first.
    text = ("<Corvane Canada Ltd> said it will import 100,000 cars. Corvane Canada, a subsidiary of "
            "Corvane Motors Corp of the U.S., will sell them. Corvane said sales start in May.")
    doc = nlp(text)
    known = CompanyKnowledge.from_files()
    by_name = {known.normalise(c["name"]): c for c in doc._.companies}
    assert set(by_name) == {"corvane canada", "corvane motors"}, doc._.companies
    assert "Corvane" in by_name["corvane canada"]["aliases"]
    assert "Corvane" not in by_name["corvane motors"]["aliases"]


def test_legal_suffix_names_are_found_even_untagged(nlp):
    # the run before a legal suffix is the name; a sentence-initial article or a previous
    # firm's suffix ends it
    from extract.companies.evidence import legal_suffix_names
    doc = nlp("Talvern Motor Co and United Brisk Industries Co Ltd signed. The Company said so.")
    names = [span.text for span in legal_suffix_names(doc, CompanyKnowledge.from_files())]
    assert "Talvern Motor Co" in names and "United Brisk Industries Co Ltd" in names
    assert all(" and United" not in name for name in names)
    assert "The Company" not in [c["name"] for c in doc._.companies]
