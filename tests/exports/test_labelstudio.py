"""Label Studio: tasks with predictions and the labeling config out; a reviewed JSON export
back in as review spans, with every refused result named."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest

from communique.exports import ExchangeError
from communique.exports.labelstudio import read_labelstudio, write_labelstudio
from communique.model import LAYERS


def test_tasks_and_config(tmp_path, fx):
    en, ar, notice = fx.docs()
    assert write_labelstudio([en, ar, notice], tmp_path) == 3
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    assert [t["data"]["doc_id"] for t in tasks] == [en.id, ar.id, notice.id]
    assert tasks[0]["data"] == {
        "text": fx.ENGLISH, "doc_id": en.id, "title": "Statement of the Vellin Valley Assembly",
        "issuer": "Vellin Valley Assembly", "published": "2023-05-13",
    }  # fmt: skip
    preds = {p["model_version"]: p for p in tasks[0]["predictions"]}
    assert list(preds) == [
        "actions@1", "dates@1", "entities@1", "model:techniques-minilm-1@1", "quotes@2",
        "rule:name_calling.traitor@1", "rule:role.label@1", "rule:role.opposes@1", "rule:values.family@1",
    ]  # fmt: skip  (no segment@1: segments are left out by default)
    assert preds["entities@1"]["score"] == 0.85
    assert preds["entities@1"]["result"][1] == {
        "id": "s3", "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": 106, "end": 118, "text": "Marek Tolvan", "labels": ["PERSON"]},
        "score": 0.95, "meta": {"text": ["canonical=Marek Tolvan"]},
    }  # fmt: skip
    (quote,) = preds["quotes@2"]["result"]
    assert quote["value"]["text"] == "the valley will not be sold\nto the northern traders."
    assert tasks[1]["predictions"][0]["result"][0]["value"]["text"] == "ويدعو الأهالي إلى الصمود"
    assert tasks[2]["predictions"] == []

    root = ET.fromstring((tmp_path / "labeling_config.xml").read_text(encoding="utf-8"))
    labels, text = list(root)
    assert (labels.tag, labels.get("name"), labels.get("toName")) == ("Labels", "label", "text")
    assert (text.tag, text.get("name"), text.get("value")) == ("Text", "text", "$text")
    values = [x.get("value") for x in labels]
    assert len(values) == sum(len(v) for k, v in LAYERS.items() if k != "segment")
    assert values[:3] == ["EVENT", "FAC", "GPE"]
    assert labels[0].get("background") == "#4e79a7"


def test_layer_choice(tmp_path, fx):
    write_labelstudio([fx.english()], tmp_path, layers=["technique"])
    (task,) = json.loads((tmp_path / "tasks.json").read_text())
    assert sorted(r["value"]["labels"][0] for p in task["predictions"] for r in p["result"]) == [
        "Appeal_to_Values", "Loaded_Language", "Name_Calling-Labeling",
    ]  # fmt: skip
    root = ET.fromstring((tmp_path / "labeling_config.xml").read_text())
    assert len(list(root[0])) == 23


def _result(rid, start, end, text, label):
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}  # fmt: skip


def _reviewed_export(tmp_path, fx):
    """What Label Studio's JSON export looks like after review of our tasks."""
    out = tmp_path / "ls"
    write_labelstudio(fx.docs(), out)
    en_task, ar_task, notice_task = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    entities = next(p for p in en_task["predictions"] if p["model_version"] == "entities@1")["result"]
    accepted = copy.deepcopy(entities[1])  # Marek Tolvan, accepted as predicted
    relabelled = copy.deepcopy(next(r for r in entities if r["value"]["text"] == "Castel Orvo"))
    relabelled["value"]["labels"] = ["LOC"]
    tasks = [
        {"id": 101, "data": en_task["data"], "predictions": en_task["predictions"], "annotations": [
            {"id": 1, "completed_by": {"id": 7, "email": "ana@example.org"}, "was_cancelled": False, "result": [
                accepted, relabelled,
                _result("n1", 322, 332, "old bridge", "LOC"),
                _result("bad", 150, 160, "Ivo Brandt", "PERSON"),
                _result("x", 0, 9, "Statement", "Weapon"),
                {"id": "c1", "from_name": "relevant", "to_name": "text", "type": "choices", "value": {"choices": ["yes"]}},
                {"type": "relation", "from_id": "s3", "to_id": "n1", "direction": "right"},
            ]},
            {"id": 2, "completed_by": 9, "was_cancelled": True, "result": []},
        ]},
        # Label Studio versions that count UTF-16 units put the emoji at two
        {"id": 102, "data": ar_task["data"], "annotations": [
            {"id": 3, "completed_by": 9, "result": [_result("u1", 51, 63, "ماريك تولفان", "PERSON")]},
        ]},
        {"id": 103, "data": notice_task["data"], "annotations": []},
        {"id": 104, "data": {"text": "A text nobody stored."}, "annotations": [{"id": 4, "completed_by": 9, "result": []}]},
    ]  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path, tasks


def test_review_import(store_with_docs, tmp_path, fx):
    corpus, (en, ar, _notice) = store_with_docs
    path, tasks = _reviewed_export(tmp_path, fx)
    report = corpus.import_reviews("labelstudio", path)
    assert report.counts() == {"documents": 2, "spans": 4, "replaced": 0, "confirmed": 2, "rejected": 3, "skipped": 4}
    assert report.annotators == ["review:ana@example.org", "review:9"]
    assert [(r.where, r.code) for r in report.rejected] == [
        ("export.json: task 101, annotation 1, result 'bad'", "E001"),
        ("export.json: task 101, annotation 1, result 'x'", "E001"),
        ("export.json: task 104, annotation 4", "E202"),
    ]
    assert report.rejected[0].reason == "offsets 150..160 read 'randt said' in the stored text, not 'Ivo Brandt'"
    assert report.rejected[1].reason == "unknown label 'Weapon': not a label of any communique layer"
    assert report.rejected[2].reason.startswith("document ") and report.rejected[2].reason.endswith(" is not in the store")
    assert [(s.where, s.reason) for s in report.skipped] == [
        ("export.json: task 101, annotation 1, result 'c1'", "result type 'choices' is not imported (only 'labels' regions are)"),
        ("export.json: task 101, annotation 1, result '#7'", "result type 'relation' is not imported (only 'labels' regions are)"),
        ("export.json: task 101, annotation 2", "cancelled (skipped) by the annotator"),
        ("export.json: task 103", "no annotations (not reviewed yet)"),
    ]  # fmt: skip
    assert len(corpus.failures(report.run_id)) == 3

    doc = corpus.get(en.id)
    assert len([s for s in doc.spans if not s.source.startswith("review:")]) == 14
    review = sorted((s.start, s.end, s.label, s.source) for s in doc.spans if s.source.startswith("review:"))
    assert review == [
        (106, 118, "PERSON", "review:ana@example.org"),
        (232, 243, "LOC", "review:ana@example.org"),
        (322, 332, "LOC", "review:ana@example.org"),
    ]
    person = next(s for s in doc.spans if s.source.startswith("review:") and s.label == "PERSON")
    assert person.attrs["confirms"] == ["entities@1"] and person.attrs["canonical"] == "Marek Tolvan"
    assert person.attrs["review"] == {"tool": "labelstudio", "file": "export.json", "task": 101, "annotation": 1, "result": "s3"}
    relabelled = next(s for s in doc.spans if s.source.startswith("review:") and s.start == 232)
    assert "confirms" not in relabelled.attrs  # a new label is a new finding, not a confirmation
    (ar_review,) = [s for s in corpus.get(ar.id).spans if s.source == "review:9"]
    assert (ar_review.start, ar_review.end, ar_review.attrs["review"]["offsets"]) == (50, 62, "utf-16")
    assert ar_review.attrs["confirms"] == ["entities@1"]

    # importing the same export again replaces, never doubles
    again = corpus.import_reviews("labelstudio", path)
    assert (again.spans, again.replaced) == (4, 4)
    # the reviewer then removed every label of task 101: her spans go, the model's stay
    tasks[0]["annotations"][0]["result"] = []
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    cleared = corpus.import_reviews("labelstudio", path)
    assert cleared.spans == 1 and cleared.replaced == 4
    assert [s.source for s in corpus.get(en.id).spans if s.source.startswith("review:")] == []
    assert len(corpus.get(en.id).spans) == 14


def test_annotator_override_and_whole_file_errors(store_with_docs, tmp_path, fx):
    corpus, (_en, ar, _notice) = store_with_docs
    path, _tasks = _reviewed_export(tmp_path, fx)
    report = corpus.import_reviews("labelstudio", path, annotator="Lead Reviewer")
    assert report.annotators == ["review:Lead_Reviewer"]
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  oops", encoding="utf-8")
    with pytest.raises(ExchangeError, match=r"bad.json:2: not JSON") as e:
        corpus.import_reviews("labelstudio", bad)
    assert e.value.code == "E104"
    bad.write_text('{"tasks": 3}', encoding="utf-8")
    with pytest.raises(ExchangeError, match="not a Label Studio JSON export"):
        corpus.import_reviews("labelstudio", bad)
    bad.write_text('[{"id": 1, "text": "x", "label": []}]', encoding="utf-8")
    (r,) = [x for x in read_labelstudio(bad) if hasattr(x, "code")]
    assert r.reason == "not a task: no 'data' object (this looks like a JSON-MIN export: export as JSON instead)"
    with pytest.raises(ExchangeError, match="reviews import from labelstudio or brat, not 'csv'"):
        corpus.import_reviews("csv", bad)
    # whole-file errors are found before any run is recorded
    assert [(r["id"], r["status"]) for r in corpus.runs(2)] == [(report.run_id, "done"), (report.run_id - 1, "done")]
    assert ar.id


def test_export_then_import_cli(store_with_docs, tmp_path, fx):
    from typer.testing import CliRunner

    from communique.faces.cli.main import app

    corpus, _docs = store_with_docs
    db = str(corpus.path)
    corpus.close()
    r = CliRunner().invoke(app, ["export", "--db", db, "--format", "labelstudio", "-o", str(tmp_path / "ls")])
    assert r.exit_code == 0, r.output
    assert "exported 3 document(s)" in r.output and "layers: entity, date, quote, citation, technique, role, action" in " ".join(r.output.split())
    path, _tasks = _reviewed_export(tmp_path / "again", fx)
    r = CliRunner().invoke(app, ["import", "labelstudio", str(path), "--db", db])
    assert r.exit_code == 3, r.output
    flat = " ".join(r.output.split())
    assert "annotators: review:ana@example.org, review:9" in flat
    assert "result 'bad': E001 offsets 150..160 read 'randt said'" in flat
    assert "skipped 1: cancelled (skipped) by the annotator" in flat
    r = CliRunner().invoke(app, ["import", "jsonl", str(path), "--db", db, "--annotator", "x"])
    assert r.exit_code == 2 and "--annotator applies to labelstudio and brat" in " ".join(r.output.split())
