"""JSONL (the contract) and CSV (spans, documents): exact round trips, loading into a store,
and bad lines named by file:line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from communique.exports import CSV_COLUMNS, ExchangeError, Rejection, write_csv, write_jsonl
from communique.exports.csvs import DOCUMENT_COLUMNS, read_csv, write_csv_documents
from communique.exports.jsonl import iter_jsonl, read_jsonl


def test_jsonl_round_trip(fx):
    docs = fx.docs()
    buf = io.StringIO()
    assert write_jsonl(docs, buf) == 3
    lines = buf.getvalue().splitlines()
    assert len(lines) == 3
    assert "ماريك تولفان" in lines[1]  # non-ASCII kept as is, not \u escapes
    assert json.loads(lines[2]) == {
        "id": fx.notice().id,
        "text": fx.NOTICE,
        "meta": {"source": "https://example.org/notice/7", "title": None, "issuer": None, "office": None,
                 "author": None, "author_role": None, "doc_type": None, "published": None,
                 "published_how": None, "languages": ["en"]},
        "spans": [],
    }  # fmt: skip
    assert list(read_jsonl(io.StringIO(buf.getvalue()))) == [fx.contract(d) for d in docs]


def test_jsonl_bad_lines_are_named_and_reading_goes_on(fx):
    good = json.dumps(fx.notice().to_dict())
    bad_span = fx.english().to_dict()
    bad_span["spans"][0]["label"] = "ALIEN"
    text = "\n".join([good, "{not json", "", '{"id": 5}', json.dumps(bad_span), good]) + "\n"
    items = list(iter_jsonl(io.StringIO(text), "in.jsonl"))
    assert [w for w, _ in items] == ["in.jsonl:1", "in.jsonl:2", "in.jsonl:4", "in.jsonl:5", "in.jsonl:6"]
    rejected = [x for _, x in items if isinstance(x, Rejection)]
    assert [(r.where, r.code) for r in rejected] == [("in.jsonl:2", "E104"), ("in.jsonl:4", "E104"), ("in.jsonl:5", "E001")]
    assert rejected[0].reason == "not JSON: Expecting property name enclosed in double quotes at column 2"
    assert rejected[2].reason == "label 'ALIEN' not in layer 'segment'"
    with pytest.raises(ExchangeError, match=r"^\[E104\] in.jsonl:2: not JSON"):
        list(read_jsonl(io.StringIO(text), "in.jsonl"))


def test_load_jsonl_into_a_store(tmp_path, fx):
    import communique

    docs = fx.docs()
    edited = fx.english().to_dict()
    edited["text"] = edited["text"].replace("Friday", "Sunday")  # id no longer the text's hash
    path = tmp_path / "in.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        write_jsonl(docs, fh)
        fh.write(json.dumps(edited) + "\n")
    with communique.open(tmp_path / "c.db") as corpus:
        report = corpus.load_jsonl(path)
        assert report.counts() == {"read": 4, "added": 3, "known": 0, "new_sources": 0, "rejected": 1}
        (r,) = report.rejected
        assert (r.where, r.code) == (f"{path}:4", "E104")
        assert r.reason.startswith(f"id {docs[0].id} is not the content hash of its text (")
        assert [(f["source"], f["code"]) for f in corpus.failures(report.run_id)] == [(f"{path}:4", "E104")]
        assert [d.to_dict() for d in corpus.documents()] == [d.to_dict() for d in docs]
        assert corpus.sources(docs[1].id)[0][:2] == (f"{path}:2", "jsonl")
        run = corpus.runs(1)[0]
        assert (run["pipeline_version"], run["status"], run["counts"]["added"]) == ("import:jsonl", "done", 3)
        again = corpus.load_jsonl(path)
        assert (again.added, again.known, len(again.rejected)) == (0, 3, 1)


def test_load_jsonl_missing_file(tmp_path):
    import communique

    with communique.open(tmp_path / "c.db") as corpus, pytest.raises(ExchangeError, match="no such file") as e:
        corpus.load_jsonl(tmp_path / "nope.jsonl")
    assert e.value.code == "E100"


def test_csv_spans_and_documents_join_back_exactly(fx):
    docs = fx.docs()
    spans, documents = io.StringIO(), io.StringIO()
    assert write_csv(docs, spans) == 3
    assert write_csv_documents(docs, documents) == 3
    rows = list(csv.reader(io.StringIO(spans.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + 14 + 4 + 1  # a document without spans keeps one row
    quote = next(r for r in rows if r[7] == "quote")
    assert quote[5:11] == ["162", "214", "quote", "QUOTE", "0.9", "the valley will not be sold\nto the northern traders."]
    back = list(read_csv(io.StringIO(documents.getvalue()), io.StringIO(spans.getvalue())))
    assert back == [fx.contract(d) for d in docs]
    assert back[2].text == fx.NOTICE  # CRLF inside a cell survives


def test_csv_documents_columns(fx):
    out = io.StringIO()
    write_csv_documents(fx.docs(), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == DOCUMENT_COLUMNS
    assert DOCUMENT_COLUMNS[:3] == ("doc_id", "source", "title") and DOCUMENT_COLUMNS[-1] == "text"
    en, ar, notice = rows
    assert (en["issuer"], en["published"], en["chars"], en["spans"]) == ("Vellin Valley Assembly", "2023-05-13", "344", "14")
    assert {k: en[f"spans_{k}"] for k in ("segment", "entity", "date", "quote", "technique", "role", "action", "citation")} == {
        "segment": "1", "entity": "5", "date": "1", "quote": "1", "technique": "3", "role": "2", "action": "1", "citation": "0",
    }  # fmt: skip
    assert (ar["title"], ar["languages"], ar["spans_technique"]) == ("بيان من مجلس وادي فيلين", "ar", "1")
    assert (notice["title"], notice["spans"], notice["source"]) == ("", "0", "https://example.org/notice/7")


def test_csv_edited_by_a_spreadsheet_is_caught(fx):
    spans, documents = io.StringIO(), io.StringIO()
    write_csv([fx.english()], spans)
    write_csv_documents([fx.english()], documents)
    tampered = documents.getvalue().replace("Castel Orvo serve", "Castel  Orvo serve")
    with pytest.raises(ExchangeError, match=r"span 216\.\.243 of .* reads 'The traitors in Castel Orvo' but the text there is 'The traitors in Castel  Orv'"):
        list(read_csv(io.StringIO(tampered), io.StringIO(spans.getvalue())))
    with pytest.raises(ExchangeError, match="not a communique documents CSV"):
        list(read_csv(io.StringIO(spans.getvalue()), io.StringIO(spans.getvalue())))
