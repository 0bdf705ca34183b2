"""extract.nlp: the whole pipeline on one article, with its work bounded."""
from __future__ import annotations

import pytest

from extract import nlp as extract_nlp


@pytest.fixture(scope="module")
def pipeline():
    return extract_nlp.load_pipeline()


def test_a_text_longer_than_the_cap_is_analysed_up_to_it(pipeline, monkeypatch):
    # A small cap stands in for the 200,000-character default so the test stays fast.
    monkeypatch.setattr(extract_nlp, "MAX_ANALYSED_CHARS", 2_000)
    sentence = "Acme Steel Corp said exports rose 12% to $4.5 billion. "
    early = sentence * 40                                # 2,240 characters: fills the cap
    late = "Later, Borealis Mining Ltd reported a 7% fall. " * 60
    record = extract_nlp.extract_record("Steel exports", early + late, nlp=pipeline)
    names = {c["name"] for c in record["companies"]}
    assert any("Acme" in n for n in names) and not any("Borealis" in n for n in names)
    assert all(m["start"] < 2_000 + len("Steel exports") + 2 for c in record["companies"] for m in c["mentions"])
    values = {f["value"] for f in record["figures"]}
    assert 12 in values and 7 not in values


def test_a_text_over_spacys_max_length_is_extracted_instead_of_failing(pipeline, monkeypatch):
    # spaCy refuses texts over nlp.max_length (E088); the cap keeps such an article extractable.
    # Both limits are scaled down (1 MB default, 200 kB cap) so the test stays fast.
    monkeypatch.setattr(pipeline, "max_length", 30_000)
    monkeypatch.setattr(extract_nlp, "MAX_ANALYSED_CHARS", 20_000)
    text = "Tariffs on steel rose to 25% this year, the ministry said. " * 600   # 35 kB
    with pytest.raises(ValueError, match="E088"):
        pipeline(text)
    record = extract_nlp.extract_record("Steel", text, nlp=pipeline)
    assert [f["value"] for f in record["figures"]] == [25]
