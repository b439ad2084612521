"""Hybrid search: BM25 + semantic fusion, exactness of syntax, filters, snippets, offsets,
matching spans, Arabic folding and errors. Every statement here is invented."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import communique
from communique.errors import E_QUERY, QueryError
from communique.faces.cli.main import app
from communique.model import Document, Span
from communique.search import MIN_SIMILARITY
from communique.storage.filters import SearchFilters

FARM = (
    "The Ministry of Agriculture of Varnholt announced support for wheat growers. "
    "Growers in the Aster valley lost most of their crops to the drought."
)
BORDER = (
    "The Council of Meridia condemned the closure of the northern border crossing. "
    "Families were separated at the border crossing for three days."
)
CROSSING = (
    "Trucks queued at the crossing while the border police of Meridia checked papers. "
    "The Council of Meridia called the delays a punishment."
)
TRAITORS = (
    "The Front of Kessel declares that the so-called reform committee are traitors. "
    "Their puppet masters in Ostrava will not save them."
)
ARABIC = "بيان جبهة كيسل: إِنَّ النَّصْرَ قَرِيبٌ. Statement of the Front of Kessel on victory."
STORM = "Heavy rain flooded the lower districts of Kessel overnight; the mayor opened shelters."


def _doc(text: str, meta: dict, spans: list[tuple[str, str, str, dict]] = ()) -> Document:
    built = []
    for needle, layer, label, attrs in spans:
        i = text.index(needle)
        built.append(Span(i, i + len(needle), layer, label, 0.9, attrs, "test@1"))
    return Document.from_text(text, {"languages": ["en"], **meta}).with_spans(built)


DOCS = {
    "farm": _doc(FARM, {"title": "Support for growers", "issuer": "Ministry of Agriculture", "published": "2021-03-03", "doc_type": "press_release"},
                 [("Ministry of Agriculture of Varnholt", "entity", "ORG", {"canonical": "Ministry of Agriculture"}),
                  ("Aster valley", "entity", "LOC", {"canonical": "Aster Valley"})]),
    "border": _doc(BORDER, {"title": "On the border", "issuer": "Council of Meridia", "published": "2021-12-31", "doc_type": "statement"},
                   [("Council of Meridia", "entity", "ORG", {"canonical": "Council of Meridia"}),
                    ("Families were separated", "role", "victim", {"actor": "Families"})]),
    "crossing": _doc(CROSSING, {"title": "Delays", "issuer": "Council of Meridia", "published": "2022-01-04", "doc_type": "statement"},
                     [("called the delays a punishment", "technique", "Loaded_Language", {"category": "Manipulative wording"})]),
    "traitors": _doc(TRAITORS, {"title": "Declaration", "issuer": "Front of Kessel", "published": "2020-06-01", "doc_type": "communique"},
                     [("the so-called reform committee are traitors", "role", "traitor", {"actor": "reform committee"}),
                      ("so-called", "technique", "Name_Calling-Labeling", {"category": "Attack on reputation"}),
                      ("Ostrava", "entity", "GPE", {"canonical": "Ostrava"})]),
    "arabic": _doc(ARABIC, {"title": "بيان", "issuer": "Front of Kessel", "published": "2020-07-01", "languages": ["ar", "en"]}),
    "storm": _doc(STORM, {"title": "Floods", "issuer": None}),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("search") / "c.db"
    with communique.open(db) as c:
        for d in DOCS.values():
            c.add(d)
        assert c.index() == len(DOCS)
        assert c.index() == 0  # nothing left to embed
        yield c


def ids(hits) -> list[str]:
    by_id = {d.id: k for k, d in DOCS.items()}
    return [by_id[h.id] for h in hits]


def test_bm25_exact_words(corpus) -> None:
    res = corpus.find("border crossing", mode="bm25")
    assert sorted(ids(res.hits)) == ["border", "crossing"]
    assert res.total == 2
    assert res.hits[0].scores["bm25_rank"] == 1


def test_phrase_is_exact_in_every_mode(corpus) -> None:
    for mode in ("bm25", "hybrid", "semantic"):
        res = corpus.find('"border crossing"', mode=mode)
        assert ids(res.hits) == ["border"], mode  # "crossing … border" in CROSSING is not the phrase


def test_hybrid_finds_meaning_without_the_words(corpus) -> None:
    q = "farmers harvest failed because of dry weather"
    assert corpus.find(q, mode="bm25").hits == []
    hybrid = corpus.find(q, mode="hybrid")
    assert ids(hybrid.hits)[0] == "farm"
    top = hybrid.hits[0]
    assert top.scores["semantic"] >= MIN_SIMILARITY
    assert "bm25_rank" not in top.scores
    assert top.scores["rrf"] == round(1 / 61, 6)
    # unrelated statements stay out: no similarity floor, no result
    assert "storm" not in ids(corpus.find("wheat subsidies for growers", mode="semantic").hits)


def test_hybrid_fuses_both_rankings(corpus) -> None:
    res = corpus.find("growers", mode="hybrid")
    top = res.hits[0]
    assert ids([top]) == ["farm"]
    assert top.scores["bm25_rank"] == 1 and top.scores["semantic_rank"] == 1
    assert top.scores["rrf"] == round(2 / 61, 6)


def test_matches_are_offsets_into_the_text(corpus) -> None:
    (hit,) = corpus.find("separated", mode="bm25").hits
    assert [DOCS["border"].text[a:b] for a, b in hit.matches] == ["separated"]
    assert hit.matches == ((BORDER.index("separated"), BORDER.index("separated") + 9),)
    assert "«separated»" in hit.snippet


def test_semantic_hit_snippet_marks_query_words(corpus) -> None:
    hit = next(h for h in corpus.find("drought destroyed the wheat", mode="hybrid").hits if ids([h]) == ["farm"])
    assert "«drought»" in hit.snippet and "«wheat»" in hit.snippet
    assert "«the»" not in hit.snippet  # function words are not marked
    assert sorted(FARM[a:b] for a, b in hit.matches) == ["drought", "wheat"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"issuer": "council of meridia"}, ["border", "crossing"]),
        ({"since": "2021-12"}, ["border", "crossing"]),
        ({"until": "2021"}, ["arabic", "border", "farm", "traitors"]),  # through 2021-12-31
        ({"since": "2020-06-02", "until": "2021-03-03"}, ["arabic", "farm"]),
        ({"language": "ar"}, ["arabic"]),
        ({"entity": "council of meridia"}, ["border"]),
        ({"entity": "aster VALLEY"}, ["farm"]),  # canonical name, any case
        ({"entity": "Varnholt"}, []),  # part of a name is not the name
        ({"role": "traitor"}, ["traitors"]),
        ({"role": "victim", "actor": "families"}, ["border"]),
        ({"role": "traitor", "actor": "families"}, []),
        ({"technique": "Loaded_Language"}, ["crossing"]),
        ({"technique": "Attack on reputation"}, ["traitors"]),
        ({"doc_type": "communique"}, ["traitors"]),
    ],
)
def test_filters(corpus, filters: dict, expected: list[str]) -> None:
    f = SearchFilters(**filters)
    got = corpus.store.filter_ids(f)
    assert sorted(ids([type("H", (), {"id": i}) for i in got])) == expected
    for mode in ("bm25", "hybrid"):
        res = corpus.find("of", mode=mode, filters=f, limit=50)  # "of" is in every text
        assert sorted(ids(res.hits)) == expected, mode
        assert res.filters == filters


def test_hits_carry_the_spans_that_matched_the_filters(corpus) -> None:
    (hit,) = corpus.find("committee", mode="bm25", technique="Attack on reputation").hits
    assert [(s["layer"], s["label"], s["text"]) for s in hit.spans] == [
        ("technique", "Name_Calling-Labeling", "so-called")
    ]
    (hit,) = corpus.find("families", role="victim").hits
    assert [(s["label"], s["attrs"]["actor"], s["start"], s["end"]) for s in hit.spans] == [
        ("victim", "Families", BORDER.index("Families"), BORDER.index("Families") + 23)
    ]


def test_arabic_with_or_without_diacritics(corpus) -> None:
    for q in ("النصر", "النَّصْرَ"):
        for mode in ("bm25", "hybrid"):
            assert ids(corpus.find(q, mode=mode).hits) == ["arabic"], (q, mode)


def test_paging(corpus) -> None:
    every = corpus.find("of", mode="hybrid", limit=50)
    first = corpus.find("of", mode="hybrid", limit=2)
    second = corpus.find("of", mode="hybrid", limit=2, offset=2)
    assert [h.id for h in first.hits + second.hits] == [h.id for h in every.hits][:4]
    assert first.total == every.total == second.total


@pytest.mark.parametrize(
    "query", ['"unclosed', "(army", "army)", "AND", "army OR", "-army", "*", '""', "NOT"]
)
@pytest.mark.parametrize("mode", ["bm25", "hybrid", "semantic"])
def test_malformed_queries_are_clear_errors(corpus, query: str, mode: str) -> None:
    with pytest.raises(QueryError) as e:
        corpus.find(query, mode=mode)
    assert e.value.code == E_QUERY


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"mode": "fuzzy"}, "unknown search mode 'fuzzy'"),
        ({"since": "03/2021"}, "since='03/2021' is not an ISO date"),
        ({"until": "2021-13"}, "until='2021-13' is not an ISO date"),
        ({"role": "villain"}, "unknown role 'villain'"),
        ({"colour": "red"}, "unknown search filter"),
        ({"issuer": " "}, "filter issuer must be a non-empty string"),
    ],
)
def test_bad_options_are_clear_errors(corpus, kw: dict, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        corpus.find("of", **kw)


def test_unembedded_statements_are_counted_and_still_found_by_words(tmp_path) -> None:
    with communique.open(tmp_path / "u.db") as c:
        c.add(DOCS["farm"])
        res = c.find("growers", mode="hybrid")
        assert res.unembedded == 1
        assert ids(res.hits) == ["farm"]
        assert c.find("dry weather ruined the farms", mode="semantic").hits == []
        assert c.index() == 1
        assert c.find("dry weather ruined the farms", mode="semantic").unembedded == 0


def test_cli_search_json_and_filters(corpus) -> None:
    db = str(corpus.path)
    r = CliRunner().invoke(app, ["search", "punishment delays", "--db", db, "--issuer", "Council of Meridia", "-f", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["mode"] == "hybrid" and out["filters"] == {"issuer": "Council of Meridia"}
    assert out["results"][0]["id"] == DOCS["crossing"].id
    assert out["results"][0]["snippet"].count("«") >= 2
    assert {"id", "title", "snippet", "score", "issuer", "published", "matches", "spans", "scores"} <= set(out["results"][0])
    r = CliRunner().invoke(app, ["search", '"unclosed', "--db", db])
    assert r.exit_code == 5
    assert "unbalanced quote" in r.output
    r = CliRunner().invoke(app, ["search", "growers", "--db", db, "--mode", "bm25", "--since", "yesterday"])
    assert r.exit_code == 5 and "not an ISO date" in r.output


def test_cli_index_fills_missing_embeddings(tmp_path) -> None:
    db = tmp_path / "i.db"
    with communique.open(db) as c:
        c.add(DOCS["storm"])
        c.add(DOCS["farm"])
    r = CliRunner().invoke(app, ["index", "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "embedded 2 statement(s); 2 in the corpus" in r.output
    r = CliRunner().invoke(app, ["index", "--db", str(db)])
    assert "embedded 0 statement(s)" in r.output
