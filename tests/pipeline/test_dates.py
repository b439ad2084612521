"""dates stage: temporal expressions, ISO values, tense and the publication date.

Every snippet is a fictional statement (invented organizations, people and places).
Offsets are computed with ``text.index`` so the tables stay readable.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hijridate import Hijri

from communique.model import Document, Span
from communique.pipeline import Pipeline, datenorm
from communique.pipeline.dates import STAGE

SOURCE = "dates@1"


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline(["normalize", "parse", "segment", "dates"])


def spans(doc: Document) -> list[Span]:
    return doc.layer("date")


def span_at(doc: Document, surface: str, nth: int = 0) -> Span:
    """The date span whose offsets are exactly the nth occurrence of ``surface``."""
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(surface, start + 1)
    end = start + len(surface)
    hits = [s for s in spans(doc) if (s.start, s.end) == (start, end)]
    assert hits, f"no date span at {surface!r} ({start}, {end}); got " + repr(
        [(s.start, s.end, s.label, doc.surface(s)) for s in spans(doc)]
    )
    return hits[0]


# --------------------------------------------------------------------------- absolute dates

ABSOLUTE = [
    # the issue's examples: ordinal day, month name, four-digit year
    ("The Crescent Dawn Front said its men reached Karvan on 23rd September 2016.",
     "23rd September 2016", "DATE", "2016-09-23", "day"),
    ("The siege of Dastgir began in January 2017 and is not over.",
     "January 2017", "DATE", "2017-01", "month"),
    ("On 16th August 2017, the council of the Northern Banner Movement met in Qasrabad.",
     "16th August 2017", "DATE", "2017-08-16", "day"),
    # "On" is not part of the date
    ("On 31st January 2017 the spokesman of the Front resigned.",
     "31st January 2017", "DATE", "2017-01-31", "day"),
    ("The truce signed on 10 October 2016 collapsed within a week.",
     "10 October 2016", "DATE", "2016-10-10", "day"),
    # ISO date as printed in a leaflet footer
    ("Leaflet No. 12 of the Front, printed 2016-09-23 in Marazabad.",
     "2016-09-23", "DATE", "2016-09-23", "day"),
    # numeric dates are read day first
    ("The leaflet of the Banner Movement is dated 23/09/2016.",
     "23/09/2016", "DATE", "2016-09-23", "day"),
    # a month above 12 in second place can only be month first
    ("The camp was raided on 09/23/2016 according to the Front.",
     "09/23/2016", "DATE", "2016-09-23", "day"),
    # both parts <= 12: day first by default (attrs.ambiguous is tested below)
    ("The Front held its congress on 03/04/2016 in Karvan.",
     "03/04/2016", "DATE", "2016-04-03", "day"),
    # American order with an abbreviated month and a period
    ("Commander Idris Talwar wrote on Sept. 23, 2016 that the talks had failed.",
     "Sept. 23, 2016", "DATE", "2016-09-23", "day"),
    # a year named by the event it dates
    ("Veterans of the 1965 war marched through Dastgir.",
     "1965", "DATE", "1965", "year"),
    ("The Northern Banner Movement was founded in 1971 by students.",
     "1971", "DATE", "1971", "year"),
    # an event written as numerals: the event's date
    ("Since 9/11 the Front has been hunted across the valley.",
     "9/11", "DATE", "2001-09-11", "day"),
    # "the 1300s" is the hundred years, not a decade
    ("The plague of the 1300s is a warning, the Front preached.",
     "1300s", "DATE", "1300/1399", "century"),
    # decade as an ISO year interval
    ("In the 1990s the Crescent Dawn Front split into two wings.",
     "1990s", "DATE", "1990/1999", "decade"),
    ("The order of the 20th century has collapsed, said the Front.",
     "20th century", "DATE", "1901/2000", "century"),
    # weekday included in the span
    ("The council met on Monday, 11 March 2019 in Qasrabad.",
     "Monday, 11 March 2019", "DATE", "2019-03-11", "day"),
    ("The fighters left Karvan on Tuesday the 5th of May, 2018.",
     "Tuesday the 5th of May, 2018", "DATE", "2018-05-05", "day"),
    # a yearless date keeps the ISO 8601:2000 truncated form without an anchor
    ("The Front will march on 5 May through Marazabad.",
     "5 May", "DATE", "--05-05", "day"),
    # all-lowercase social-media style, homographs included when a day and a year frame them
    ("the front met in karvan on 12 june 2017 and again later.",
     "12 june 2017", "DATE", "2017-06-12", "day"),
    ("the front met in karvan on 12 may 2017 and again later.",
     "12 may 2017", "DATE", "2017-05-12", "day"),
    ("the council of the front has sat in qasrabad since march 2019.",
     "march 2019", "DATE", "2019-03", "month"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "label", "value", "granularity"), ABSOLUTE)
def test_absolute_dates(pipe, text, surface, label, value, granularity):
    doc = pipe.run(text)
    s = span_at(doc, surface)
    assert (s.start, s.end, s.label) == (
        text.index(surface),
        text.index(surface) + len(surface),
        label,
    )
    assert s.attrs["value"] == value
    assert s.attrs["granularity"] == granularity
    assert s.attrs["text_form"]
    assert s.source == SOURCE
    assert 0.0 < s.score <= 1.0


def test_exact_span_list(pipe):
    # every span and nothing else: "On" and "16th" are inside/outside as they should be
    text = "On 16th August 2017, the Front met. In January 2017 it had split."
    doc = pipe.run(text)
    got = [(s.start, s.end, s.label) for s in spans(doc)]
    assert got == [
        (text.index("16th"), text.index(", the"), "DATE"),
        (text.index("January"), text.index(" it had"), "DATE"),
    ]


def test_ambiguous_numeric_date_is_flagged(pipe):
    doc = pipe.run("The Front held its congress on 03/04/2016 in Karvan.")
    s = span_at(doc, "03/04/2016")
    assert s.attrs["ambiguous"] is True and s.attrs["order"] == "dmy"
    assert s.score < 1.0


def test_event_and_year_attrs(pipe):
    doc = pipe.run("Since 9/11 and the 1965 war the Front has distrusted its allies.")
    assert span_at(doc, "9/11").attrs["event"] == "9/11"
    assert span_at(doc, "1965").attrs["event"] == "1965 war"


# --------------------------------------------------------------------------- ranges and eras

RANGES = [
    # day range sharing month and year
    ("The drills of the Banner Movement ran from 5 to 10 October 2016.",
     "from 5 to 10 October 2016", "2016-10-05/2016-10-10", "day"),
    # year range with "between"
    ("Between the two wars, between 2014 and 2016, the Front grew.",
     "between 2014 and 2016", "2014/2016", "year"),
    # month range with a dash
    ("The September-October 2016 offensive of the Front failed.",
     "September-October 2016", "2016-09/2016-10", "month"),
    # American-order day range
    ("The Front's congress was held October 5-10, 2016 in Karvan.",
     "October 5-10, 2016", "2016-10-05/2016-10-10", "day"),
    # months across a year boundary
    ("The siege lasted from September 2016 to January 2017, the Front said.",
     "from September 2016 to January 2017", "2016-09/2017-01", "month"),
    # fiscal-year style short range
    ("The 2014-16 budget of the Marazabad council was cut.",
     "2014-16", "2014/2016", "year"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "value", "unit"), RANGES)
def test_ranges(pipe, text, surface, value, unit):
    doc = pipe.run(text)
    s = span_at(doc, surface)
    assert s.label == "DATE_RANGE"
    assert s.attrs["value"] == value
    assert s.attrs["granularity"] == "range"
    assert s.attrs["range_unit"] == unit
    # no nested DATE spans inside a range
    assert [x for x in spans(doc) if s.start <= x.start and x.end <= s.end] == [s]


ERAS = [
    # a named era with its conventional interval
    ("Karvan was a pawn during the Cold War, the Front says.", "the Cold War", "1947/1991"),
    # an era named after a ruler: found, value unknown
    ("Relations began in the era of Marshal Qasim Darwesh and never recovered.",
     "the era of Marshal Qasim Darwesh", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "value"), ERAS)
def test_eras(pipe, text, surface, value):
    s = span_at(pipe.run(text), surface)
    assert s.label == "ERA"
    assert s.attrs["value"] == value
    assert s.attrs["granularity"] == "era"


def test_era_of_attrs_name_the_person(pipe):
    doc = pipe.run("Relations began in the era of Marshal Qasim Darwesh and never recovered.")
    assert span_at(doc, "the era of Marshal Qasim Darwesh").attrs["of"] == "Marshal Qasim Darwesh"


# --------------------------------------------------------------------------- Hijri

HIJRI = [
    # day, month and "AH"
    ("The council of the Front met on 4 Rajab 1440 AH in Karvan.",
     "4 Rajab 1440 AH", "1440-07-04", (1440, 7, 4), "day"),
    # "H" suffix
    ("The Banner Movement began its campaign on 15 Ramadan 1437 H.",
     "15 Ramadan 1437 H", "1437-09-15", (1437, 9, 15), "day"),
    # transliteration with hamza and article, no suffix
    ("The Front's congress in Rabi' al-Awwal 1441 elected a new emir.",
     "Rabi' al-Awwal 1441", "1441-03", (1441, 3, None), "month"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "hijri", "ymd", "granularity"), HIJRI)
def test_hijri_dates_converted_umm_al_qura(pipe, text, surface, hijri, ymd, granularity):
    s = span_at(pipe.run(text), surface)
    y, m, d = ymd
    assert s.attrs["calendar"] == "hijri"
    assert s.attrs["hijri"] == hijri
    assert s.attrs["granularity"] == granularity
    if d is None:
        first = Hijri(y, m, 1).to_gregorian().isoformat()
        last = Hijri(y, m, Hijri(y, m, 1).month_length()).to_gregorian().isoformat()
        assert s.attrs["value"] == f"{first}/{last}"
    else:
        assert s.attrs["value"] == Hijri(y, m, d).to_gregorian().isoformat()


def test_hijri_issue_example_is_11_march_2019(pipe):
    s = span_at(pipe.run("Issued by the Front on 4 Rajab 1440 AH."), "4 Rajab 1440 AH")
    assert s.attrs["value"] == "2019-03-11"


def test_hijri_year_is_its_gregorian_interval(pipe):
    s = span_at(pipe.run("The Front declared 1440 AH a year of sacrifice."), "1440 AH")
    assert s.attrs["hijri"] == "1440"
    assert s.attrs["granularity"] == "year"
    assert s.attrs["value"] == "2018-09-11/2019-08-30"


def test_combined_hijri_gregorian_dateline(pipe):
    text = "Press Release\n\n4 Rajab 1440 AH / 11 March 2019\n\nThe Front condemned the raid."
    doc = pipe.run(text)
    assert [(s.start, s.end, s.label) for s in spans(doc)] == [
        (text.index("4 Rajab"), text.index(" / 11"), "DATE"),
        (text.index("11 March"), text.index("\n\nThe"), "DATE"),
    ]
    assert doc.meta["published"] == "2019-03-11"
    assert doc.meta["published_how"] == "stated"
    ev = doc.meta["published_evidence"]
    assert text[ev["start"] : ev["end"]] == "4 Rajab 1440 AH / 11 March 2019"
    assert ev["rule"] == "date_line+paired"


# --------------------------------------------------------------------------- negatives

NEGATIVES = [
    # a Qur'an reference is chapter:verse, not a time
    "The Front quoted [Surah Aali-Imran 3:160] in its sermon.",
    # a resolution number is not a year
    "The Front rejected Resolution 1701 of the council.",
    # counts of people with thousands separators or a count noun
    "The Front claims 1,500 fighters and a force of 2000 troops.",
    # a small count
    "The Banner Movement issued a plan of 7 points.",
    # "may" and "march" as verbs, lower case
    "They may march on Qasrabad if the council refuses.",
    # a time of day and a page reference are not dates
    "The speech at 10:30 is printed on page 1996 of the Front's book.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_numbers_that_are_not_dates(pipe, text):
    doc = pipe.run(text)
    assert [(doc.surface(s), dict(s.attrs)) for s in spans(doc)] == []


# --------------------------------------------------------------------------- relative dates

RELATIVE = [
    # (surface, value with the stated anchor 2019-03-12, granularity)
    ("yesterday", "2019-03-11", "day"),
    ("last week", "2019-W10", "week"),
    ("this year", "2019", "year"),
    ("next month", "2019-04", "month"),
    ("three years ago", "2016", "year"),
    ("decades", None, None),  # vague: never a value
    ("recently", None, None),  # vague: never a value
]
REL_TEXT = (
    "Date: 12 March 2019\n\n"
    "The Crescent Dawn Front said yesterday that last week its council met. "
    "It will grow this year and next month it will march. It was founded three years ago "
    "after decades of neglect, and recently it won Karvan."
)


@pytest.mark.parametrize(("surface", "value", "granularity"), RELATIVE)
def test_relative_with_stated_anchor(pipe, surface, value, granularity):
    doc = pipe.run(REL_TEXT)
    s = span_at(doc, surface)
    assert s.label == "DATE"
    assert s.attrs["relative"] is True
    assert s.attrs["anchor"] == "2019-03-12"
    assert s.attrs["value"] == value
    assert s.attrs["granularity"] == granularity
    assert s.score < 1.0


@pytest.mark.parametrize(("surface", "value", "granularity"), RELATIVE)
def test_relative_without_anchor_has_no_value(pipe, surface, value, granularity):
    text = REL_TEXT.split("\n\n", 1)[1]
    doc = pipe.run(text)
    s = span_at(doc, surface)
    assert s.attrs["relative"] is True
    assert s.attrs["value"] is None
    assert "anchor" not in s.attrs
    # relative expressions never make a publication date
    assert doc.meta["published"] is None


def test_today_never_takes_the_machine_date(pipe):
    doc = pipe.run("Until today the Front has not surrendered.")
    s = span_at(doc, "today")
    assert s.attrs["value"] is None
    assert str(dt.date.today().year) not in repr(dict(s.attrs))


def test_ingest_published_is_the_anchor_and_is_kept(pipe):
    meta = {"published": "2020-02-29T08:00:00+00:00"}
    doc = pipe.run("The Front said yesterday that it met on 1 February 2020.", meta)
    assert doc.meta["published"] == "2020-02-29T08:00:00+00:00"
    assert doc.meta["published_how"] == "stated"
    assert span_at(doc, "yesterday").attrs["value"] == "2020-02-28"


def test_yearless_date_takes_anchor_year(pipe):
    doc = pipe.run("Date: 12 March 2019\n\nThe Front will march on 5 May through Marazabad.")
    s = span_at(doc, "5 May")
    assert s.attrs["value"] == "2019-05-05"
    assert s.attrs["anchor"] == "2019-03-12"
    assert s.attrs["year_missing"] is True


# --------------------------------------------------------------------------- tense

TENSE = [
    # "until": the end of an exercise, a future bound
    ("Troops arrived to drill with the Front until 10 October 2016.", "10 October 2016", "future"),
    # "by": a deadline
    ("The Front must leave Karvan by 1 June 2020, the council ruled.", "1 June 2020", "future"),
    # "will" on the governing verb
    ("The congress of the Front will be held on 5 May 2030 in Karvan.", "5 May 2030", "future"),
    # "scheduled for"
    ("The vote is scheduled for 3 June 2020 in Qasrabad.", "3 June 2020", "future"),
    # a past-tense verb governs the date
    ("The fighters of the Front arrived on 23rd September 2016.", "23rd September 2016", "past"),
    # past participle of a passive
    ("Its leaders were arrested in January 2017 in Marazabad.", "January 2017", "past"),
    # a headline with no verb
    ("Karvan Front Congress, 5 May 2018", "5 May 2018", "unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "tense"), TENSE)
def test_tense(pipe, text, surface, tense):
    assert span_at(pipe.run(text), surface).attrs["tense"] == tense


def test_future_cue_is_recorded(pipe):
    doc = pipe.run("Troops arrived to drill with the Front until 10 October 2016.")
    assert span_at(doc, "10 October 2016").attrs["tense_cue"] == "until"


# --------------------------------------------------------------------------- publication date

STATED = [
    # a labelled date line
    ("Date: 12 March 2019\n\nThe Crescent Dawn Front condemns the raid on Karvan.",
     "12 March 2019", "2019-03-12", "date_label"),
    # a line that is only a date, with its weekday
    ("Statement of the Banner Movement\n\nMonday, 11 March 2019\n\nThe council met.",
     "Monday, 11 March 2019", "2019-03-11", "date_line"),
    # a place dateline before the first sentence
    ("Marazabad, 5 May 2018 \u2014 The Crescent Dawn Front announced a boycott.",
     "5 May 2018", "2018-05-05", "place_dateline"),
    # a document type with its date
    ("Press Release, 3 June 2020\n\nThe Front welcomed the ruling of 1 June 2020.",
     "3 June 2020", "2020-06-03", "doctype_dateline"),
    # "Issued on" in the sign-off region; a later event date in the body does not win
    ("The Front rejected the truce.\n\nIts men left Karvan on 2 July 2021.\n\n"
     "Issued on 7 July 2021 by the Media Office of the Crescent Dawn Front",
     "7 July 2021", "2021-07-07", "date_label"),
    # a stated month
    ("Bulletin of the Banner Movement\nMarch 2019\n\nThe council met on 2 April 2019.",
     "March 2019", "2019-03", "date_line"),
    # an issued-by line ending with its date; the body's later dated event does not win
    ("Communique No. 4 - The Occupier Returns\n\n"
     "Issued by the Media Office of the Crescent Dawn Front, 14 August 2016\n\n"
     "On 9 August 2016 the troops of the regime entered Karvan.",
     "14 August 2016", "2016-08-14", "byline"),
    # a re-posted line naming the cell and a two-part place, in markdown emphasis
    ("# Communique No. 7\n\n*Re-posted by the Dastgir Cell, Qasrabad City, 3 March 2021*\n\n"
     "The cell shares the statement of its comrades, deleted on 1 March 2021.",
     "3 March 2021", "2021-03-03", "byline"),
    # a delivery line in a sermon header: "Preached by ... on <weekday, date>"
    ("Sermon\n\nThe Two Gates\n\nPreached by Imam Tariq Selim at the Mosque of the Two "
     "Gates, Marazabad, on Friday, 7 October 2016\n\nBrothers, the soldiers came on "
     "2 October 2016.",
     "Friday, 7 October 2016", "2016-10-07", "byline"),
    # "Delivered ... on DATE" with the place after the date
    ("Delivered by the emir of the Banner Movement on 9 May 2019, at the camp of Dastgir\n\n"
     "The camp was attacked on 2 May 2019.",
     "9 May 2019", "2019-05-09", "byline"),
    # a place dateline opening the first body paragraph, then a full stop and the text
    ("PRESS RELEASE\n\nForty Thousand March in Qasrabad\n\nQasrabad, 12 November 2017. "
     "Yesterday, forty thousand supporters of the Banner Movement marched.",
     "12 November 2017", "2017-11-12", "place_dateline"),
    # the same with an en dash
    ("PRESS RELEASE\n\nQasrabad, 12 November 2017 \u2013 Yesterday, forty thousand "
     "supporters of the Banner Movement marched.",
     "12 November 2017", "2017-11-12", "place_dateline"),
    # all lowercase place and month on their own line
    ("COMMUNIQUE #1 - THE VALLEY IS NOT FOR SALE\n\nkarvan highlands, 12 june 2017\n\n"
     "last week the council in qasrabad sold the valley.",
     "12 june 2017", "2017-06-12", "place_dateline"),
    # a lowercase homograph month in a lowercase dateline
    ("karvan, 12 may 2018\n\nthe front marched through the valley.",
     "12 may 2018", "2018-05-12", "place_dateline"),
    # a lowercase common noun in the place
    ("Communique #4 - Night of the Thorn\n\nDastgir valley, 18 October 2020\n\n"
     "On the night of 16 October, the cell entered the site.",
     "18 October 2020", "2020-10-18", "place_dateline"),
    # a two-part place with "of", a dash and a weekday
    ("Sermon for the Fallen of Dastgir\n\nMosque of Imam Rafi, Marazabad \u2013 "
     "Friday, 27 September 2019\nImam Tariq Selim\n\nBrothers, on Monday nine men fell.",
     "Friday, 27 September 2019", "2019-09-27", "place_dateline"),
    # a title wrapped over three heading blocks (PDF): the dateline opens the 4th block
    ("Communique No. 19: The War on Our\n\nVillages\n\nCRESCENT DAWN FRONT - MEDIA OFFICE"
     "\n\nKarvan City, 12 June 2018 \u2014 For fifteen days the army has burned villages."
     "\n\nSince 28 May 2018 three brigades have surrounded Dastgir.\n\nStay and resist."
     "\n\nThe mountains will outlive this army.\n\nMedia Office of the Crescent Dawn Front",
     "12 June 2018", "2018-06-12", "place_dateline"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "value", "rule"), STATED)
def test_stated_publication(pipe, text, surface, value, rule):
    doc = pipe.run(text)
    assert doc.meta["published"] == value
    assert doc.meta["published_how"] == "stated"
    ev = doc.meta["published_evidence"]
    assert (ev["start"], ev["end"], ev["rule"]) == (
        text.index(surface),
        text.index(surface) + len(surface),
        rule,
    )


INFERRED = [
    # the latest past-tense day; the "until" date is a future bound and is skipped
    ("Press Release\n\nTroops came to drill until 10 October 2016. They arrived on "
     "23rd September 2016, and the Front met on 2 September 2016.",
     "23rd September 2016", "2016-09-23", "latest_past_day"),
    # a date opening the first paragraph in running text is not a dateline
    ("Statement\n\nOn 16th August 2017, the council designated the Front. In January 2017 "
     "its leaders were arrested. On 31st January 2017 an official spoke.",
     "16th August 2017", "2017-08-16", "latest_past_day"),
    # only a month: month granularity
    ("The Front's leaders were arrested in January 2017 in Karvan.",
     "January 2017", "2017-01", "latest_past_month"),
    # a day with no verb to read (tense unknown) is used when no past-tense day exists
    ("The Front and the 2 May 2018 accord of Karvan.",
     "2 May 2018", "2018-05-02", "latest_unknown_day"),
    # a title naming an event and its date is no place dateline
    ("Karvan City Massacre, 7 May 2018\n\nThe soldiers of the regime killed forty people "
     "on 6 May 2018 in Karvan.",
     "6 May 2018", "2018-05-06", "latest_past_day"),
    # a sentence is no place: pronouns and verbs before the date
    ("we marched in qasrabad, 12 may 2018. the police of the regime watched on 11 may 2018.",
     "12 may 2018", "2018-05-12", "latest_unknown_day"),
    # a sentence that opens with "Sent by" is no byline: running text follows the date
    ("Sent by the regime on 5 May 2018, the troops burned the village of Dastgir.",
     "5 May 2018", "2018-05-05", "latest_past_day"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "surface", "value", "rule"), INFERRED)
def test_inferred_publication(pipe, text, surface, value, rule):
    doc = pipe.run(text)
    assert doc.meta["published"] == value
    assert doc.meta["published_how"] == "inferred"
    ev = doc.meta["published_evidence"]
    assert (ev["start"], ev["end"], ev["rule"]) == (
        text.index(surface),
        text.index(surface) + len(surface),
        rule,
    )


NO_PUBLICATION = [
    # nothing dated
    "The Crescent Dawn Front calls on its supporters to stand firm.",
    # only an event date: 9/11 dates an event, not the statement
    "Since 9/11 the Front has been hunted across the valley.",
    # only a future deadline
    "The Front must leave Karvan by 1 June 2020, the council ruled.",
    # only years and relative words
    "In 1971 and for decades since, the Front has been betrayed.",
]


@pytest.mark.parametrize("text", NO_PUBLICATION)
def test_no_publication_date(pipe, text):
    doc = pipe.run(text)
    assert doc.meta["published"] is None
    assert doc.meta["published_how"] is None


def test_ingest_publication_date_is_not_overridden(pipe):
    meta = {"published": "2019-03-15", "published_how": "stated"}
    doc = pipe.run("Date: 12 March 2019\n\nThe Front condemns the raid.", meta)
    assert doc.meta["published"] == "2019-03-15"
    assert doc.meta["published_how"] == "stated"
    assert "published_evidence" not in doc.meta


def test_stage_contract():
    assert STAGE.name == "dates" and STAGE.version == "1"
    assert STAGE.requires == ("parse", "segment")
    assert STAGE.assigns == ("date", "meta.published")


# --------------------------------------------------------------------------- datenorm unit

SLOW_PATH = [
    # spaCy-found expressions the fast path cannot read: (expression, value, granularity, rule)
    ("March 5th of 2019", "2019-03-05", "day", "dateparser"),
    ("the summer of 2014", "2014", "year", "spacy_year"),  # attrs.modifier "the summer of"
    ("late October", "--10", "month", "month_only"),  # attrs.modifier "late"
    ("more than twenty years", None, None, "duration"),
    ("Seventy years", None, None, "duration"),
    ("the same day", None, None, "anaphoric"),
    ("May", "--05", "month", "month_only"),
    ("2019", "2019", "year", "spacy_year"),
    ("the 23rd of Sept. 2016", "2016-09-23", "day", "dmy"),
]


@pytest.mark.parametrize(("expr", "value", "granularity", "rule"), SLOW_PATH)
def test_normalize_expression(expr, value, granularity, rule):
    f = datenorm.normalize_expression(expr)
    assert f is not None
    assert (f.value, f.granularity, f.rule) == (value, granularity, rule)


def test_normalize_expression_keeps_modifier():
    f = datenorm.normalize_expression("the first week of March 2019")
    assert f is not None
    assert (f.value, f.granularity, f.attrs["modifier"]) == (
        "2019-03",
        "month",
        "the first week of",
    )


@pytest.mark.parametrize(
    ("expr", "before", "after"),
    [
        ("weekly", "", ""),  # a frequency, not a time
        ("1701", "resolution", ""),  # a reference number
        ("2000", "deployed", "troops"),  # a count
    ],
)
def test_normalize_expression_rejects(expr, before, after):
    assert datenorm.normalize_expression(expr, before, after) is None


@pytest.mark.parametrize(
    "expr", ["today", "next Monday", "last week", "in two days", "2019 next week"]
)
def test_dateparser_never_reads_relative_expressions(expr):
    assert datenorm.dateparser_read(expr) is None


@pytest.mark.parametrize(
    ("rel", "value"),
    [
        (("day", -1), ("2019-03-11", "day")),
        (("week", 0), ("2019-W11", "week")),
        (("month", -3), ("2018-12", "month")),
        (("decade", 0), ("2010/2019", "decade")),
        (("weekday", 4, "last"), ("2019-03-08", "day")),  # the Friday before Tue 12 March
        (("weekday", 1, "next"), ("2019-03-19", "day")),  # next Tuesday is a week on
        (("md", 2, 29), None),  # 29 February does not exist in 2019
    ],
)
def test_resolve_relative(rel, value):
    assert datenorm.resolve_relative(rel, dt.date(2019, 3, 12)) == value


LOWERCASE_MONTHS = [
    # lower-case homographs are months with a day before and a year after
    ("12 may 2017", [("12 may 2017", "2017-05-12")]),
    ("12 mar 2017", [("12 mar 2017", "2017-03-12")]),
    # or after a preposition, a weekday or punctuation, before a year
    ("on may 12, 2017", [("may 12, 2017", "2017-05-12")]),
    ("friday, may 12, 2017", [("friday, may 12, 2017", "2017-05-12")]),
    ("in march 2019", [("march 2019", "2019-03")]),
    ("(may 2017)", [("may 2017", "2017-05")]),
    ("the truce held from 5 to 10 may 2016", [("from 5 to 10 may 2016", "2016-05-05/2016-05-10")]),
    ("between march and may 2019", [("between march and may 2019", "2019-03/2019-05")]),
    # verbs, not months: a subject before, no day and year around, or a count after the year
    ("we may 12 times ask the council", []),
    ("we may 12, 2017 be", []),
    ("they march 2000 strong", []),
    ("12 march 2000 men", []),
    ("the 12 may be freed", []),
    ("we will march 12 miles", []),
    # other months are months in any case
    ("12 june", [("12 june", "--06-12")]),
    ("october 5, 2016", [("october 5, 2016", "2016-10-05")]),
]


@pytest.mark.parametrize(("text", "expected"), LOWERCASE_MONTHS)
def test_lowercase_months_and_homograph_guard(text, expected):
    assert [(text[f.start : f.end], f.value) for f in datenorm.find_all(text)] == expected


def test_find_all_windows_cover_text_edges():
    # dates at the very start and end of the text, where the digit windows are clipped
    text = "23 September 2016 ... 10 October 2016"
    assert [(f.start, f.end, f.value) for f in datenorm.find_all(text)] == [
        (0, 17, "2016-09-23"),
        (22, 37, "2016-10-10"),
    ]
