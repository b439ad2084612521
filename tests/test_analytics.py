"""communique.analytics and communique.plots: timelines and issuer profiles on a small store
of fictional statements with hand-placed spans, exact counts, events and shares.

All organisations, places, people and events here are invented.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import communique
from communique import analytics as A
from communique import plots
from communique.errors import ConfigError, NotFoundError, QueryError
from communique.model import Document, Span
from communique.storage.sqlite import Store

AMBER, TESSALY, LANTERN = "Council of the Amber Coast", "Tessaly Front", "Grey Lantern Society"

# (surface, layer, label, score, attrs): every span is found in its text by its surface
SpanSpec = tuple[str, str, str, float, dict[str, Any]]


def _date(surface: str, value: str | None, gran: str | None, tense: str = "past", label: str = "DATE", **more: Any) -> SpanSpec:
    return (surface, "date", label, 1.0, {"value": value, "granularity": gran, "tense": tense, **more})


def _tech(surface: str, label: str, score: float = 0.6) -> SpanSpec:
    from communique.techniques.taxonomy import CATEGORY_OF

    return (surface, "technique", label, score, {"category": CATEGORY_OF[label]})


def _role(surface: str, label: str, actor: str, kind: str | None, score: float = 0.7) -> SpanSpec:
    return (surface, "role", label, score, {"actor": actor, **({"actor_kind": kind} if kind else {})})


def _ent(surface: str, label: str, canonical: str) -> SpanSpec:
    return (surface, "entity", label, 0.9, {"canonical": canonical})


def _call(surface: str, action: str, addressees: list[str], urgency: str, score: float = 0.8) -> SpanSpec:
    return (surface, "action", "CALL_TO_ACTION", score,
            {"action": action, "addressee": addressees[0] if addressees else None, "addressees": addressees, "urgency": urgency})  # fmt: skip


def _doc(text: str, meta: dict[str, Any], specs: list[SpanSpec]) -> Document:
    spans = []
    for surface, layer, label, score, attrs in specs:
        start = text.index(surface)
        spans.append(Span(start, start + len(surface), layer, label, score, attrs, f"test.{layer}@1"))
    return Document.from_text(text, meta).with_spans(spans)


def _docs() -> list[Document]:
    return [
        _doc(  # 1
            "Port Ilse, 4 March 2021. On 2 March 2021 the Varkan junta burned our boats, as in 1948. "
            "For three weeks the Council of the Amber Coast has warned of it. Youth of the coast, march to Port Ilse! "
            "Shameless butchers! Shameless butchers! Freedom for the coast!",
            {"issuer": AMBER, "published": "2021-03-04", "doc_type": "statement"},
            [
                _date("4 March 2021", "2021-03-04", "day", "unknown"),
                _date("2 March 2021", "2021-03-02", "day"),
                _date("1948", "1948", "year"),
                _date("three weeks", None, None, duration=True),
                _tech("Shameless butchers! Shameless", "Loaded_Language", 0.5),
                _tech("butchers! Freedom", "Loaded_Language", 0.55),
                _tech("Freedom for the coast!", "Slogans", 0.9),
                _role("the Varkan junta", "enemy", "the Varkan junta", "COLLECTIVE", 0.9),
                _role("the Council of the Amber Coast", "in_group", AMBER, "ORG"),
                _ent("Port Ilse", "GPE", "Port Ilse"),
                _ent("Council of the Amber Coast", "ORG", AMBER),
                _call("march to Port Ilse", "march to Port Ilse", ["the youth of the coast"], "high"),
            ],
        ),
        _doc(  # 2
            "The fishermen of Ilse remember 2 March 2021 and all of March 2021. The junta of Varka lies; "
            "Odran Vale serves it. March to Port Ilse, for the honour of the coast!",
            {"issuer": AMBER, "published": "2021-03-28", "doc_type": "statement"},
            [
                _date("2 March 2021", "2021-03-02", "day"),
                _date("March 2021", "2021-03", "month"),
                _tech("for the honour of the coast", "Flag_Waving", 0.7),
                _role("The junta of Varka", "enemy", "the Varkan junta", "COLLECTIVE", 0.7),
                _role("The fishermen of Ilse", "victim", "the fishermen of Ilse", "COLLECTIVE", 0.8),
                _ent("Odran Vale", "PERSON", "Odran Vale"),
                _call("March to Port Ilse", "March to Port Ilse", [], "medium", 0.9),
            ],
        ),
        _doc(  # 3
            "Since the 1990s, and again in week 40 of 2022, Odran Vale betrayed Port Ilse. Who pays him? "
            "In the era of the Regent nobody asked. Youth of the coast, fishermen of Ilse: boycott the Varkan ports. "
            "Someone was hurt.",
            {"issuer": AMBER, "published": "2022-11-02", "doc_type": "communique"},
            [
                _date("the 1990s", "1990/1999", "decade"),
                _date("week 40 of 2022", "2022-W40", "week"),
                _date("the era of the Regent", None, None, label="ERA", of="the Regent"),
                _tech("Who pays him?", "Doubt", 0.65),
                _role("Odran Vale", "traitor", "Odran Vale", "PERSON", 0.8),
                _role("Someone", "victim", "", None, 0.5),
                _ent("Odran Vale", "PERSON", "Odran Vale"),
                _ent("Port Ilse", "GPE", "Port Ilse"),
                _call("boycott the Varkan ports", "boycott the Varkan ports",
                      ["the youth of the coast", "the fishermen of Ilse"], "medium"),  # fmt: skip
            ],
        ),
        _doc(  # 4
            "Tessaly, 15 March 2021. The raid of 2 March 2021 and the harvest feast of 1 May prove it: "
            "the junta is a plague.",
            {"issuer": TESSALY, "published": "2021-03-15", "doc_type": "press_release"},
            [
                _date("15 March 2021", "2021-03-15", "day", "unknown"),
                _date("2 March 2021", "2021-03-02", "day"),
                _date("1 May", "--05-01", "day", year_missing=True),
                _tech("a plague", "Loaded_Language", 0.6),
            ],
        ),
        _doc(  # 5: dated only to a year
            "In 2021 the Front remembers 1948.",
            {"issuer": TESSALY, "published": "2021", "doc_type": "statement"},
            [_date("2021", "2021", "year"), _date("1948", "1948", "year")],
        ),
        _doc(  # 6: no publication date
            "The lanterns were lit on 2021-03-02.",
            {"issuer": LANTERN, "published": None},
            [_date("2021-03-02", "2021-03-02", "day")],
        ),
        _doc(  # 7: no issuer
            "Dated 10 January 2022. These thieves again.",
            {"published": "2022-01-10"},
            [_date("10 January 2022", "2022-01-10", "day", "unknown"), _tech("thieves", "Name_Calling-Labeling", 0.5)],
        ),
    ]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("analytics") / "c.db"
    s = Store(path)
    run = s.begin_run("0.1.0", "cfg", {})
    for i, d in enumerate(_docs()):
        s.put_document(d, f"in/{i}.txt", "txt", run)
    s.finish_run(run, {}, "done")
    yield s
    s.close()


def _events(tl: A.Timeline) -> list[tuple[str, str | None, str | None, int, dict[str, int]]]:
    return [(e.value, e.granularity, e.period, len(e.citations), e.issuers) for e in tl.events]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "by", "period"),
    [
        ("2016-09-23", "month", "2016-09"),
        ("2016-09-23", "year", "2016"),
        ("2017-01", "month", "2017-01"),
        ("1948", "month", "1948"),  # a year event keeps its granularity
        ("1990/1999", "month", "1990/1999"),
        ("1990/1999", "year", "1990/1999"),
        ("2015-02/2015-05", "month", "2015-02/2015-05"),
        ("2015-02/2015-05", "year", "2015"),
        ("2016-10-05/2016-10-10", "month", "2016-10"),
        ("2015-01-01/2023-12-31", "month", "2015/2023"),
        ("2022-W40", "month", "2022-10"),  # Thursday 6 October
        ("2020-W01", "year", "2020"),  # Thursday 2 January 2020
        ("2015-W53", "month", "2015-12"),  # Thursday 31 December 2015
        ("2019-05-01T10:00:00", "month", "2019-05"),
        ("--05-01", "month", None),
        ("2019-02-30", "month", None),
        ("13 May 2019", "month", None),
        (None, "month", None),
    ],
)
def test_period_of(value: str | None, by: str, period: str | None) -> None:
    assert A.period_of(value, by) == period


def test_buckets_between_and_window() -> None:
    assert A.buckets_between("2021-11", "2022-02", "month") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert A.buckets_between("1999", "2001", "year") == ["1999", "2000", "2001"]
    from datetime import date

    assert A.parse_window("2019", "2019-02") == (date(2019, 1, 1), date(2019, 2, 28))
    assert A.parse_window(None, "2020-02-29") == (None, date(2020, 2, 29))
    for since, until in (("2019-13", None), ("May 2019", None), (None, "2019-W10"), ("2020", "2019")):
        with pytest.raises(QueryError):
            A.parse_window(since, until)
    with pytest.raises(QueryError):
        A.period_of("2019", "week")


# --------------------------------------------------------------------------- timeline


def test_timeline_by_month_counts_every_statement(store: Store) -> None:
    tl = A.timeline(store)
    assert tl.periods[0] == "2021-03" and tl.periods[-1] == "2022-11" and len(tl.periods) == 21
    assert tl.issuers == (AMBER, TESSALY, A.UNKNOWN_ISSUER, LANTERN)
    assert tl.statements == {AMBER: {"2021-03": 2, "2022-11": 1}, TESSALY: {"2021-03": 1}, A.UNKNOWN_ISSUER: {"2022-01": 1}}
    assert tl.imprecise == {TESSALY: {"2021": 1}}
    assert tl.undated == {LANTERN: 1}
    assert tl.outside == 0
    assert [tl.total(n) for n in tl.issuers] == [3, 2, 1, 1] and tl.total() == 7
    per = tl.per_period()
    assert (per["2021-03"], per["2021-04"], per["2022-01"], per["2022-11"], sum(per.values())) == (3, 0, 1, 1, 5)


def test_timeline_events_exact(store: Store) -> None:
    tl = A.timeline(store)
    assert _events(tl) == [
        ("1948", "year", "1948", 2, {AMBER: 1, TESSALY: 1}),
        ("1990/1999", "decade", "1990/1999", 1, {AMBER: 1}),
        ("2021-03", "month", "2021-03", 1, {AMBER: 1}),
        ("2021-03-02", "day", "2021-03", 4, {AMBER: 2, LANTERN: 1, TESSALY: 1}),
        ("2022-W40", "week", "2022-10", 1, {AMBER: 1}),
        ("--05-01", "day", None, 1, {TESSALY: 1}),
    ]
    # the publication dates (4 March, 15 March, "2021" of a statement dated 2021, 10 January)
    assert tl.publication_mentions == 4
    assert tl.undated_expressions == 2  # "three weeks", "the era of the Regent"
    raid = tl.events[3]
    assert (raid.statements, raid.first_cited, raid.last_cited) == (4, "2021-03-04", "2021-03-28")
    texts = {d.id: d.text for d in _docs()}
    c = raid.citations[0]
    assert (c.issuer, c.published, texts[c.doc_id][c.start : c.end], c.tense, c.source) == (
        AMBER, "2021-03-04", "2 March 2021", "past", "test.date@1",
    )  # fmt: skip
    assert tl.event_counts()[AMBER] == {"1948": 1, "2021-03": 3, "1990/1999": 1, "2022-10": 1}


def test_timeline_rows_long_format(store: Store) -> None:
    assert A.timeline(store).rows() == [
        {"period": "1948", "issuer": AMBER, "statements": 0, "events": 1},
        {"period": "1948", "issuer": TESSALY, "statements": 0, "events": 1},
        {"period": "1990/1999", "issuer": AMBER, "statements": 0, "events": 1},
        {"period": "2021", "issuer": TESSALY, "statements": 1, "events": 0},  # by first day
        {"period": "2021-03", "issuer": AMBER, "statements": 2, "events": 3},
        {"period": "2021-03", "issuer": TESSALY, "statements": 1, "events": 1},
        {"period": "2021-03", "issuer": LANTERN, "statements": 0, "events": 1},
        {"period": "2022-01", "issuer": A.UNKNOWN_ISSUER, "statements": 1, "events": 0},
        {"period": "2022-10", "issuer": AMBER, "statements": 0, "events": 1},
        {"period": "2022-11", "issuer": AMBER, "statements": 1, "events": 0},
        {"period": "undated", "issuer": LANTERN, "statements": 1, "events": 0},
        {"period": "unplaced", "issuer": TESSALY, "statements": 0, "events": 1},
    ]


def test_timeline_by_year_window_and_issuer(store: Store) -> None:
    tl = A.timeline(store, by="year")
    assert tl.periods == ("2021", "2022")
    assert tl.statements == {AMBER: {"2021": 2, "2022": 1}, TESSALY: {"2021": 2}, A.UNKNOWN_ISSUER: {"2022": 1}}
    assert tl.imprecise == {}
    assert [(e.value, e.period) for e in tl.events][:5] == [
        ("1948", "1948"), ("1990/1999", "1990/1999"), ("2021-03", "2021"), ("2021-03-02", "2021"), ("2022-W40", "2022"),
    ]  # fmt: skip

    # a window selects statements by publication date; undated ones cannot be placed
    tl = A.timeline(store, since="2021-03-10", until="2021-12")
    assert tl.statements == {AMBER: {"2021-03": 1}, TESSALY: {"2021-03": 1}}
    assert tl.periods == ("2021-03",)
    assert (tl.outside, tl.undated) == (4, {LANTERN: 1})
    assert _events(tl) == [
        ("2021-03", "month", "2021-03", 1, {AMBER: 1}),
        ("2021-03-02", "day", "2021-03", 2, {AMBER: 1, TESSALY: 1}),
        ("--05-01", "day", None, 1, {TESSALY: 1}),
    ]

    # issuer: whole name in any case; the unknown issuer by its placeholder
    tl = A.timeline(store, issuer="tessaly FRONT", events=False)
    assert (tl.issuers, tl.statements, tl.imprecise, tl.events) == ((TESSALY,), {TESSALY: {"2021-03": 1}}, {TESSALY: {"2021": 1}}, ())
    assert "events" not in tl.to_dict() and "events" not in tl.rows()[0]
    tl = A.timeline(store, issuer="(Unknown Issuer)")
    assert (tl.statements, [e.value for e in tl.events]) == ({A.UNKNOWN_ISSUER: {"2022-01": 1}}, [])


def test_timeline_unknown_issuer_suggests_close_names(store: Store) -> None:
    with pytest.raises(NotFoundError) as exc:
        A.timeline(store, issuer="Amber Coast Council")
    assert exc.value.code == "E202"
    assert exc.value.message.endswith("did you mean: 'Council of the Amber Coast'?")
    with pytest.raises(NotFoundError) as exc:
        A.timeline(store, issuer="zzzz")
    assert "did you mean" not in exc.value.message


def test_timeline_of_an_empty_store(tmp_path: Path) -> None:
    with Store(tmp_path / "e.db") as s:
        tl = A.timeline(s)
    assert (tl.periods, tl.issuers, tl.events, tl.rows(), tl.total()) == ((), (), (), [], 0)


def test_timeline_json_has_evidence_for_every_event(store: Store) -> None:
    d = A.timeline(store).to_dict()
    assert d["totals"] == {AMBER: 3, TESSALY: 2, A.UNKNOWN_ISSUER: 1, LANTERN: 1}
    first = d["events"][0]
    assert {k: first[k] for k in ("value", "citations", "statements", "first_cited", "last_cited")} == {
        "value": "1948", "citations": 2, "statements": 2, "first_cited": "2021", "last_cited": "2021-03-04",
    }  # fmt: skip
    assert sorted(first["evidence"][0]) == ["doc_id", "end", "issuer", "label", "published", "relative", "score", "source", "start", "tense"]


# --------------------------------------------------------------------------- profile


def test_profile_counts_dates_and_types(store: Store) -> None:
    p = A.profile(store, "council of the amber coast")
    assert (p.issuer, p.documents, p.undated, p.first, p.last, p.corpus_documents) == (AMBER, 3, 0, "2021-03-04", "2022-11-02", 7)
    assert p.doc_types == {"statement": 2, "communique": 1}


def test_profile_technique_shares_against_the_corpus(store: Store) -> None:
    p = A.profile(store, AMBER)
    assert (p.technique_spans, p.corpus_technique_spans) == (5, 7)
    rows = [(s.name, s.count, s.documents, s.share, s.corpus_count, s.corpus_share, s.lift) for s in p.techniques]
    assert rows == [
        ("Loaded_Language", 2, 1, 0.4, 3, 0.4286, 0.9333),
        ("Doubt", 1, 1, 0.2, 1, 0.1429, 1.4),
        ("Flag_Waving", 1, 1, 0.2, 1, 0.1429, 1.4),
        ("Slogans", 1, 1, 0.2, 1, 0.1429, 1.4),
        ("Name_Calling-Labeling", 0, 0, 0.0, 1, 0.1429, 0.0),
    ]
    assert (p.techniques[0].per_statement, p.techniques[0].corpus_per_statement) == (0.6667, 0.4286)
    # the strongest span of each technique is its evidence
    ev = p.techniques[0].evidence
    assert ev is not None and (ev.score, ev.source) == (0.55, "test.technique@1")
    cats = [(s.name, s.count, s.documents, s.share, s.corpus_count, s.corpus_share) for s in p.categories]
    assert cats == [
        ("Manipulative wording", 2, 1, 0.4, 3, 0.4286),
        ("Attack on reputation", 1, 1, 0.2, 2, 0.2857),
        ("Justification", 1, 1, 0.2, 1, 0.1429),
        ("Call", 1, 1, 0.2, 1, 0.1429),
        ("Simplification", 0, 0, 0.0, 0, 0.0),
        ("Distraction", 0, 0, 0.0, 0, 0.0),
    ]
    assert p.categories[-1].lift is None


def test_profile_roles_actors_and_calls(store: Store) -> None:
    p = A.profile(store, AMBER)
    assert (p.role_spans, p.role_totals) == (6, {"enemy": 2, "victim": 2, "in_group": 1, "traitor": 1})
    assert [(r.actor, r.actor_kind, r.role, r.mentions, r.documents, r.first, r.last) for r in p.roles] == [
        ("the Varkan junta", "COLLECTIVE", "enemy", 2, 2, "2021-03-04", "2021-03-28"),
        (AMBER, "ORG", "in_group", 1, 1, "2021-03-04", "2021-03-04"),
        ("Odran Vale", "PERSON", "traitor", 1, 1, "2022-11-02", "2022-11-02"),
        ("the fishermen of Ilse", "COLLECTIVE", "victim", 1, 1, "2021-03-28", "2021-03-28"),
    ]
    assert p.roles[0].evidence.score == 0.9
    # the same numbers as the store's own aggregate (the actorless span is left out there too)
    assert [(r["actor"], r["role"], r["mentions"], r["documents"]) for r in store.actor_roles(issuer=AMBER)] == [
        (r.actor, r.role, r.mentions, r.documents) for r in p.roles
    ]
    assert [(a.name, a.documents, a.mentions, a.role_mentions, dict(a.roles), dict(a.kinds)) for a in p.actors] == [
        ("Odran Vale", 2, 2, 1, {"traitor": 1}, {"PERSON": 3}),
        ("Port Ilse", 2, 2, 0, {}, {"GPE": 2}),
        ("the Varkan junta", 2, 0, 2, {"enemy": 2}, {"COLLECTIVE": 2}),
        (AMBER, 1, 1, 1, {"in_group": 1}, {"ORG": 2}),
        ("the fishermen of Ilse", 1, 0, 1, {"victim": 1}, {"COLLECTIVE": 1}),
    ]
    assert p.calls == 3
    assert [(t.text, t.count, t.documents) for t in p.actions] == [("March to Port Ilse", 2, 2), ("boycott the Varkan ports", 1, 1)]
    assert [(t.text, t.count) for t in p.addressees] == [("the youth of the coast", 2), ("(no addressee)", 1), ("the fishermen of Ilse", 1)]
    assert p.urgency == {"medium": 2, "high": 1}
    assert p.actions[0].evidence.score == 0.9


def test_profile_over_time_and_top(store: Store) -> None:
    p = A.profile(store, AMBER, top=2)
    assert [(pc.period, pc.documents, dict(pc.techniques), dict(pc.roles), pc.calls) for pc in p.over_time] == [
        ("2021", 2, {"Manipulative wording": 2, "Call": 1, "Justification": 1}, {"enemy": 2, "in_group": 1, "victim": 1}, 2),
        ("2022", 1, {"Attack on reputation": 1}, {"traitor": 1, "victim": 1}, 1),
    ]
    assert (len(p.actors), p.actors_total, len(p.roles), p.roles_total, len(p.addressees), p.addressees_total) == (2, 5, 2, 4, 2, 3)
    monthly = A.profile(store, AMBER, by="month")
    assert len(monthly.over_time) == 21
    assert [(pc.period, pc.documents) for pc in monthly.over_time if pc.documents] == [("2021-03", 2), ("2022-11", 1)]


def test_profile_window_limits_the_corpus_too(store: Store) -> None:
    p = A.profile(store, AMBER, since="2022")
    assert (p.documents, p.outside, p.corpus_documents, p.first) == (1, 2, 2, "2022-11-02")
    assert [(s.name, s.count, s.share, s.corpus_share, s.lift) for s in p.techniques] == [
        ("Doubt", 1, 1.0, 0.5, 2.0),
        ("Name_Calling-Labeling", 0, 0.0, 0.5, 0.0),
    ]
    assert p.calls == 1 and p.role_totals == {"traitor": 1, "victim": 1}


def test_profile_of_statements_without_issuer_and_unknown_issuer(store: Store) -> None:
    p = A.profile(store, A.UNKNOWN_ISSUER)
    assert (p.issuer, p.documents, p.technique_spans, p.techniques[0].name) == (A.UNKNOWN_ISSUER, 1, 1, "Name_Calling-Labeling")
    p = A.profile(store, LANTERN)
    assert (p.documents, p.undated, p.first, p.over_time) == (1, 1, None, ())
    with pytest.raises(NotFoundError) as exc:
        A.profile(store, "Tessaly")
    assert exc.value.message.endswith("did you mean: 'Tessaly Front'?")


def test_profile_json_is_plain(store: Store) -> None:
    import json

    d = json.loads(json.dumps(A.profile(store, AMBER).to_dict()))
    assert d["techniques"][0]["lift"] == 0.9333
    assert d["roles"][0]["evidence"]["source"] == "test.role@1"
    assert d["over_time"][0]["period"] == "2021"


def test_corpus_api(tmp_path: Path) -> None:
    with communique.open(tmp_path / "c.db") as corpus:
        for d in _docs()[:2]:
            corpus.add(d)
        assert corpus.timeline(by="year").statements == {AMBER: {"2021": 2}}
        assert corpus.profile(AMBER).documents == 2


# --------------------------------------------------------------------------- plots


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def _svg(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and path.stat().st_size > 10_000
    return root


def test_timeline_chart_png_svg_pdf(store: Store, tmp_path: Path) -> None:
    tl = A.timeline(store)
    _png(plots.write_timeline(tl, tmp_path / "t.png"))
    _svg(plots.write_timeline(tl, tmp_path / "t.SVG"))  # the suffix in any case
    assert plots.write_timeline(A.timeline(store, events=False), tmp_path / "t.pdf").read_bytes()[:5] == b"%PDF-"


def test_chart_titles_and_legend_fold_many_issuers(store: Store) -> None:
    tl = A.timeline(store)
    fig = plots.timeline_figure(tl, top=2)
    statements, events = fig.axes
    assert statements.get_title(loc="left") == "Statements per month (not shown: 1 without a date, 1 dated only to a year)"
    legend = statements.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [AMBER, TESSALY, "other (2 issuers)"]
    assert [t.get_text() for t in events.get_yticklabels()] == [AMBER, TESSALY, "other (2 issuers)"]
    assert events.get_title(loc="left") == (
        "Events cited (6 dated events, 1 not on the calendar; dot area: citations; bars: events that span time)"
    )
    # "other" always sums several issuers: a rest of one is shown by name
    assert tl.top_issuers(3) == ([AMBER, TESSALY, A.UNKNOWN_ISSUER, LANTERN], [])
    assert tl.top_issuers(2) == ([AMBER, TESSALY], [A.UNKNOWN_ISSUER, LANTERN])
    # every statement on the chart is counted: the stacked bars sum to the dated statements
    heights = sum(patch.get_height() for patch in statements.patches)
    assert heights == sum(tl.per_period().values()) == 5


def test_timeline_chart_of_hundreds_of_issuers(tmp_path: Path) -> None:
    with Store(tmp_path / "many.db") as s:
        run = s.begin_run("0.1.0", "cfg", {})
        for i in range(300):
            d = _doc(f"Statement {i} of cell {i}.", {"issuer": f"Cell {i:03d}", "published": f"20{10 + i % 12}-0{1 + i % 9}-01"}, [])
            s.put_document(d, f"in/{i}.txt", "txt", run)
        tl = A.timeline(s, by="year")
    fig = plots.timeline_figure(tl)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(labels) == plots.TOP_ISSUERS + 1 and labels[-1] == "other (292 issuers)"
    _png(plots.save(fig, tmp_path / "many.png"))


def test_profile_chart(store: Store, tmp_path: Path) -> None:
    p = A.profile(store, AMBER)
    fig = plots.profile_figure(p)
    titles = [ax.get_title(loc="left") for ax in fig.axes[:4]]
    assert titles == [
        "Technique mix per year (share of technique spans)",
        "Technique categories: issuer vs corpus (share of spans)",
        "Roles cast (role spans per actor); the issuer itself: 1, not drawn",
        "Actors named (statements naming each)",
    ]
    assert [t.get_text() for t in fig.axes[3].get_yticklabels()] == [a.name for a in p.actors]
    _png(plots.write_profile(p, tmp_path / "p.png"))
    _svg(plots.write_profile(A.profile(store, LANTERN), tmp_path / "empty.svg"))  # no dated statements, no findings


def test_chart_suffix_must_name_a_format(store: Store, tmp_path: Path) -> None:
    for name in ("t.jpg", "t", "t.png.txt"):
        with pytest.raises(ConfigError) as exc:
            plots.write_timeline(A.timeline(store), tmp_path / name)
        assert "name a .png, .svg or .pdf file" in exc.value.message
        assert not (tmp_path / name).exists()
