"""dates stage on the two real sample statements (read from ../shared/samples, never copied).

Skips when the samples are absent.
"""

from __future__ import annotations

import pytest
from tests.conftest import sample_text

from communique.pipeline import Pipeline

S000 = "000_e9aeded6f58c512e.txt"
S004 = "004_948dfade05b25090.txt"


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline(["normalize", "parse", "segment", "dates"])


def _span(doc, surface):
    start = doc.text.index(surface)
    hits = [s for s in doc.layer("date") if (s.start, s.end) == (start, start + len(surface))]
    assert hits, f"no date span at {surface!r}"
    return hits[0]


@pytest.mark.parametrize(
    ("name", "surface", "value", "granularity", "tense"),
    [
        # the arrival of the contingent: the dated event of the press release
        (S000, "23rd September 2016", "2016-09-23", "day", "past"),
        # "until 10 October 2016": the end of the exercise, a future bound
        (S000, "10 October 2016", "2016-10-10", "day", "future"),
        # spaCy splits "16th" from "August 2017"; the regex keeps them together
        (S004, "16th August 2017", "2017-08-16", "day", "past"),
        (S004, "January 2017", "2017-01", "month", "past"),
        (S004, "31st January 2017", "2017-01-31", "day", "past"),
        # an event written as numerals
        (S004, "9/11", "2001-09-11", "day", None),
    ],
)
def test_sample_dates(pipe, name, surface, value, granularity, tense):
    doc = pipe.run(sample_text(name))
    s = _span(doc, surface)
    assert s.label == "DATE"
    assert s.attrs["value"] == value
    assert s.attrs["granularity"] == granularity
    if tense is not None:
        assert s.attrs["tense"] == tense


def test_sample_000_years_and_era(pipe):
    doc = pipe.run(sample_text(S000))
    assert _span(doc, "1965").attrs["value"] == "1965"
    assert _span(doc, "1971").attrs["value"] == "1971"
    cold = _span(doc, "the Cold War")
    assert cold.label == "ERA" and cold.attrs["value"] == "1947/1991"
    # relative words with no stated date to anchor them: no value
    today = _span(doc, "today")
    assert today.attrs["relative"] is True and today.attrs["value"] is None


@pytest.mark.parametrize(
    ("name", "published", "surface"),
    [(S000, "2016-09-23", "23rd September 2016"), (S004, "2017-08-16", "16th August 2017")],
)
def test_sample_publication_inferred(pipe, name, published, surface):
    text = sample_text(name)
    doc = pipe.run(text)
    assert doc.meta["published"] == published
    assert doc.meta["published_how"] == "inferred"
    ev = doc.meta["published_evidence"]
    assert text[ev["start"] : ev["end"]] == surface
    assert ev["rule"] == "latest_past_day"
