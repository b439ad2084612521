"""communique export / import on the command line, and every format end to end on a
statement the real pipeline analysed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from communique.exports.brat import read_brat
from communique.exports.csvs import read_csv
from communique.exports.jsonl import read_jsonl
from communique.exports.parquet import read_parquet
from communique.exports.semeval import read_semeval
from communique.faces.cli.main import app

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kessen_communique.txt"


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def db(store_with_docs):
    corpus, _docs = store_with_docs
    path = str(corpus.path)
    corpus.close()
    return path


def test_export_every_format(db, tmp_path, fx):
    docs = fx.docs()
    r = _run("export", "--db", db)  # jsonl to standard output by default
    assert r.exit_code == 0
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == [d.id for d in docs]

    r = _run("export", "--db", db, "-f", "jsonl", "--layer", "entity", "-o", str(tmp_path / "e.jsonl"))
    assert r.exit_code == 0 and "exported 3 document(s)" in r.output
    back = list(read_jsonl(tmp_path / "e.jsonl"))
    assert [len(d.spans) for d in back] == [5, 2, 0]

    r = _run("export", "--db", db, "-f", "parquet", "-o", str(tmp_path / "pq"))
    assert r.exit_code == 0
    assert list(read_parquet(tmp_path / "pq")) == [fx.contract(d) for d in docs]

    assert _run("export", "--db", db, "-f", "csv", "-o", str(tmp_path / "s.csv")).exit_code == 0
    assert _run("export", "--db", db, "-f", "csv-documents", "-o", str(tmp_path / "d.csv")).exit_code == 0
    with (tmp_path / "d.csv").open(newline="", encoding="utf-8") as d, (tmp_path / "s.csv").open(newline="", encoding="utf-8") as s:
        assert list(read_csv(d, s)) == [fx.contract(x) for x in docs]

    r = _run("export", "--db", db, "-f", "semeval", "-o", str(tmp_path / "se"))
    assert r.exit_code == 0
    assert "exported 3 document(s)" in _flat(r.output) and "3 technique span(s), 1 left out (no SemEval-2020 label)" in _flat(r.output)

    r = _run("export", "--db", db, "-f", "ftm", "-o", str(tmp_path / "c.ftm.json"))
    assert r.exit_code == 0 and "entities: 5, links: 12" in _flat(r.output)

    r = _run("export", "--db", db, "-f", "brat", "--layer", "technique", "-o", str(tmp_path / "brat"))
    assert r.exit_code == 0 and "layers: technique" in r.output
    assert len(list((tmp_path / "brat").glob("*.ann"))) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "parquet"], "parquet writes a folder: give it with -o DIR"),
        (["-f", "brat", "-o", "{full}"], "is not empty; give a new or empty folder"),
        (["-f", "jsonl", "--layer", "entities"], "unknown layer 'entities'; layers are: segment, entity"),
        (["-f", "ftm", "--layer", "entity"], "--layer does not apply to ftm"),
        (["-f", "xml"], "Invalid value for '--format'"),
        (["-f", "semeval", "-o", "{file}"], "is a file; this format writes a folder"),
    ],
)
def test_export_usage_errors(db, tmp_path, args, message):
    full = tmp_path / "full"
    full.mkdir()
    (full / "old.ann").write_text("", encoding="utf-8")
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    args = [a.format(full=full, file=tmp_path / "f.txt") for a in args]
    r = _run("export", "--db", db, *args)
    assert r.exit_code == 2, r.output
    assert message in _flat(r.output)


def test_import_jsonl_cli(db, tmp_path, fx):
    path = tmp_path / "in.jsonl"
    assert _run("export", "--db", db, "-o", str(path)).exit_code == 0
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    new_db = str(tmp_path / "new.db")
    r = _run("import", "jsonl", str(path), "--db", new_db)
    assert r.exit_code == 3
    flat = _flat(r.output)
    assert "│ added │ 3 │" in flat and "│ rejected │ 1 │" in flat
    assert f"rejected {path}:4: E104 not JSON" in flat
    r = _run("import", "parquet", str(tmp_path / "none"), "--db", new_db)
    assert r.exit_code == 2 and "is not a communique Parquet export" in _flat(r.output)


def test_every_format_on_an_analysed_statement(tmp_path):
    """The real pipeline's spans (their attrs, sources, overlaps) through every format."""
    from followthemoney import model

    import communique
    from communique.exports.labelstudio import write_labelstudio

    with communique.open(tmp_path / "c.db") as corpus:
        summary = corpus.analyze([FIXTURE])
        assert summary.added == 1
        (doc,) = corpus.documents()
        expected = type(doc).from_dict(doc.to_dict())
        out = tmp_path / "out"
        for fmt in ("jsonl", "csv", "csv-documents", "ftm"):
            assert corpus.export(fmt, out.with_suffix(f".{fmt}")) == 1
        for fmt in ("parquet", "brat", "semeval", "labelstudio"):
            assert corpus.export(fmt, out / fmt) == 1

        assert list(read_jsonl(out.with_suffix(".jsonl"))) == [expected]
        assert list(read_parquet(out / "parquet")) == [expected]
        with out.with_suffix(".csv-documents").open(newline="", encoding="utf-8") as d, out.with_suffix(".csv").open(newline="", encoding="utf-8") as s:
            assert list(read_csv(d, s)) == [expected]
        (bd,) = read_brat(out / "brat")
        assert [(s.start, s.end, s.label, s.source) for s in bd.spans()] == [
            (s.start, s.end, s.label, s.source) for s in expected.spans if s.layer != "segment"
        ]
        (se,) = read_semeval(out / "semeval")
        assert [(s.attrs["ptc"], s.start, s.end) for s in se.spans] == [
            (s.attrs["ptc"], s.start, s.end) for s in doc.layer("technique") if s.attrs.get("ptc")
        ]
        for line in out.with_suffix(".ftm").read_text(encoding="utf-8").splitlines():
            data = json.loads(line)
            assert set(model.get_proxy(data, cleaned=False).to_dict()["properties"]) == set(data["properties"])

        # a reviewer accepts every entity prediction in Label Studio: each confirms a model span
        (task,) = json.loads((out / "labelstudio" / "tasks.json").read_text(encoding="utf-8"))
        entities = next(p for p in task["predictions"] if p["model_version"] == "entities@1")["result"]
        task["id"] = 1
        task["annotations"] = [{"id": 1, "completed_by": {"email": "ana@example.org"}, "result": entities}]
        reviewed = tmp_path / "reviewed.json"
        reviewed.write_text(json.dumps([task]), encoding="utf-8")
        report = corpus.import_reviews("labelstudio", reviewed)
        n_entities = len(doc.layer("entity"))
        assert report.counts() == {"documents": 1, "spans": n_entities, "replaced": 0, "confirmed": n_entities, "rejected": 0, "skipped": 0}
        stored = corpus.get(doc.id)
        assert len(stored.spans) == len(doc.spans) + n_entities
        # and the next review round shows the reviewer's spans as a prediction of their own
        write_labelstudio([stored], tmp_path / "ls2")
        (task2,) = json.loads((tmp_path / "ls2" / "tasks.json").read_text(encoding="utf-8"))
        versions = [p["model_version"] for p in task2["predictions"]]
        assert "review:ana@example.org" in versions
