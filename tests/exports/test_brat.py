"""brat standoff: exact files, the round trip (offsets, layer, label, score, source), and
reviewed .ann files imported as review spans next to the model's."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from communique.exports import ExchangeError
from communique.exports.brat import brat_type, fragments, read_brat, type_label, write_brat
from communique.model import LAYERS


def test_ann_files_exact(tmp_path, fx):
    en, ar, notice = fx.docs()
    assert write_brat([en, ar, notice], tmp_path) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["annotation.conf", "visual.conf"] + [f"{d.id}.{x}" for d in (en, ar, notice) for x in ("txt", "ann")]
    )
    assert (tmp_path / f"{notice.id}.txt").read_bytes() == fx.NOTICE.encode("utf-8")  # CRLF kept
    assert (tmp_path / f"{notice.id}.ann").read_text() == ""
    lines = (tmp_path / f"{en.id}.ann").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 2 * 13 + 1  # 13 spans (segment left out), each with its note
    assert lines[:2] == [
        "T1\tORG 45 67\tVellin Valley Assembly",
        "#1\tAnnotatorNotes T1\tscore=0.95; source=entities@1; canonical=Vellin Valley Assembly; rule=issuer",
    ]
    # the quote crosses a line break: two fragments, as brat writes such a selection
    assert lines[10:12] == [
        "T6\tQUOTE 162 189;190 214\tthe valley will not be sold to the northern traders.",
        "#6\tAnnotatorNotes T6\tscore=0.9; source=quotes@2; speaker=Ivo Brandt",
    ]
    assert lines[24] == "T13\tCALL_TO_ACTION 308 342\tgather at the old bridge on Friday"
    ar_lines = (tmp_path / f"{ar.id}.ann").read_text(encoding="utf-8").split("\n")
    assert ar_lines[4] == "T3\tPERSON 50 62\tماريك تولفان"  # offsets in characters, emoji counted once
    conf = (tmp_path / "annotation.conf").read_text()
    assert "[entities]\n!entity\n\tEVENT\n\tFAC\n\tGPE\n" in conf
    assert "!segment" not in conf and "\tName_Calling-Labeling\n" in conf
    assert "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>" in conf
    visual = (tmp_path / "visual.conf").read_text()
    assert "Name_Calling-Labeling | Name Calling-Labeling\n" in visual
    assert "PERSON\tbgColor:#4e79a7, borderColor:darken\n" in visual


def test_round_trip_subset(tmp_path, fx):
    docs = fx.docs()
    write_brat(docs, tmp_path)
    back = {bd.name: bd for bd in read_brat(tmp_path)}
    for doc in docs:
        bd = back[doc.id]
        assert bd.text == doc.text and not bd.rejected and not bd.skipped
        expected = [(s.start, s.end, s.layer, s.label, s.to_dict()["score"], s.source) for s in doc.spans if s.layer != "segment"]
        assert [(s.start, s.end, s.layer, s.label, s.score, s.source) for s in bd.spans()] == expected


def test_layer_choice(tmp_path, fx):
    write_brat([fx.english()], tmp_path, layers=["segment", "quote"])
    ann = (tmp_path / f"{fx.english().id}.ann").read_text()
    assert [line.split("\t")[1].split(" ")[0] for line in ann.splitlines() if line.startswith("T")] == ["heading", "QUOTE"]
    conf = (tmp_path / "annotation.conf").read_text()
    assert "!segment\n\theading\n\tparagraph\n\tpassage\n\tsentence\n\tsignoff\n!quote\n\tQUOTE\n[relations]" in conf
    with pytest.raises(ExchangeError, match="unknown layer 'quotes'"):
        write_brat([fx.english()], tmp_path / "x", layers=["quotes"])


def test_types_and_fragments():
    # every label has a type that gives it back (labels are unique across layers)
    for layer, labels in LAYERS.items():
        for label in labels:
            assert type_label(brat_type(layer, label)) == (layer, label)
    text = "ab\ncd\r\n\u2028ef"
    assert fragments(text, 0, len(text)) == [(0, 2), (3, 5), (8, 10)]
    assert fragments(text, 2, 3) == [(2, 3)]  # only a line break: kept whole


def _export(tmp_path, fx):
    src = tmp_path / "export"
    write_brat(fx.docs(), src)
    return src


def _edit_english(folder, doc_id):
    path = folder / f"{doc_id}.ann"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [x for x in lines if x and not x.startswith(("T2\t", "#2\t"))]  # reviewer removed the enemy role
    lines += [
        "T20\tLOC 322 332\told bridge",  # reviewer added a place
        "R1\tLocated Arg1:T20 Arg2:T12",
        "T21\tWeapon 0 9\tStatement",
        "T22\tPERSON 145 155\tIvo Brant",
        "T23\tORG 45 51;59 67\tVellin Assembly",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_review_import(store_with_docs, tmp_path, fx):
    corpus, (en, ar, notice) = store_with_docs
    folder = _export(tmp_path, fx)
    _edit_english(folder, en.id)
    report = corpus.import_reviews("brat", folder, annotator="ana")
    assert report.counts() == {"documents": 3, "spans": 17, "replaced": 0, "confirmed": 16, "rejected": 3, "skipped": 1}
    assert report.annotators == ["review:ana"]
    name = f"{en.id}.ann"
    assert [(r.where, r.code) for r in report.rejected] == [(f"{name}:27", "E001"), (f"{name}:28", "E001"), (f"{name}:29", "E001")]
    assert report.rejected[0].reason == "unknown type 'Weapon': not a communique label"
    assert report.rejected[1].reason == "the text field 'Ivo Brant' does not match the offsets, which read 'Ivo Brandt'"
    assert report.rejected[2].reason.startswith("a discontinuous annotation (' Valley ' between its fragments)")
    assert [(s.where, s.reason) for s in report.skipped] == [(f"{name}:26", "brat relation lines are not imported ('R1\\tLocated Arg1:T20 Arg2:T12')")]
    assert [f["source"] for f in corpus.failures(report.run_id)] == [f"{name}:27", f"{name}:28", f"{name}:29"]

    doc = corpus.get(en.id)
    model = [s for s in doc.spans if not s.source.startswith("review:")]
    assert len(model) == 14  # the model's output is untouched
    review = [s for s in doc.spans if s.source == "review:ana"]
    assert len(review) == 13
    assert not any(s.label == "enemy" for s in review)
    (person,) = [s for s in review if s.label == "PERSON" and s.start == 106]
    assert person.score == 1.0
    assert dict(person.attrs) == {
        "canonical": "Marek Tolvan", "title": "Governor", "title_norm": "Governor", "confirms": ["entities@1"],
        "review": {"tool": "brat", "file": name, "id": "T3", "note": "score=0.95; source=entities@1; canonical=Marek Tolvan"},
    }  # fmt: skip
    (bridge,) = [s for s in review if s.label == "LOC"]
    assert (doc.surface(bridge), dict(bridge.attrs)) == ("old bridge", {"review": {"tool": "brat", "file": name, "id": "T20"}})
    ar_review = [s for s in corpus.get(ar.id).spans if s.source == "review:ana"]
    assert [(s.start, s.end, s.label) for s in ar_review] == [(8, 23, "ORG"), (26, 30, "Loaded_Language"), (50, 62, "PERSON"), (63, 87, "CALL_TO_ACTION")]

    # the same review again replaces, never doubles
    again = corpus.import_reviews("brat", folder, annotator="ana")
    assert (again.spans, again.replaced) == (17, 17)
    assert len([s for s in corpus.get(en.id).spans if s.source == "review:ana"]) == 13
    # a second reviewer's spans sit beside the first's
    other = corpus.import_reviews("brat", folder)
    assert other.annotators == ["review:brat"] and other.replaced == 0
    assert len(corpus.get(en.id).spans) == 14 + 13 + 13


def test_review_of_another_text_is_refused(store_with_docs, tmp_path, fx):
    corpus, (en, _ar, _notice) = store_with_docs
    folder = _export(tmp_path, fx)
    first = corpus.import_reviews("brat", folder, annotator="ana")
    assert first.spans == 17
    txt = folder / f"{en.id}.txt"
    txt.write_text(fx.ENGLISH.replace("Friday", "Sunday"), encoding="utf-8", newline="")
    (folder / "stray.txt").write_text("An unrelated note from the Orvo ferry office.\n", encoding="utf-8")
    (folder / "stray.ann").write_text("T1\tORG 27 44\tOrvo ferry office\n", encoding="utf-8")
    report = corpus.import_reviews("brat", folder, annotator="ana")
    # the edited line no longer reads its text field, and the whole document is refused
    assert [(r.where, r.code) for r in report.rejected] == [(f"{en.id}.ann:25", "E001"), (f"{en.id}.ann", "E104"), ("stray.ann", "E202")]
    assert report.rejected[1].reason.startswith(f"the text in the file differs from the stored text of document {en.id} (first difference at character 336)")
    assert report.rejected[2].reason.startswith("document stray or ")
    # the refused document keeps its earlier review
    assert len([s for s in corpus.get(en.id).spans if s.source == "review:ana"]) == 13


def test_review_import_cli(store_with_docs, tmp_path, fx):
    from communique.faces.cli.main import app

    corpus, (en, _ar, _notice) = store_with_docs
    db = str(corpus.path)
    corpus.close()
    folder = _export(tmp_path, fx)
    _edit_english(folder, en.id)
    r = CliRunner().invoke(app, ["import", "brat", str(folder), "--db", db, "--annotator", "ana"])
    assert r.exit_code == 3, r.output
    assert "rejected" in r.output and "unknown type 'Weapon'" in r.output
    assert "skipped 1: brat relation lines are not imported" in r.output
    r = CliRunner().invoke(app, ["import", "brat", str(tmp_path / "nowhere"), "--db", db])
    assert r.exit_code == 2 and "is not a folder of brat .ann/.txt files" in " ".join(r.output.split())
    r = CliRunner().invoke(app, ["import", "brat", str(folder), "--db", db, "--annotator", " "])
    assert r.exit_code == 2 and "an annotator name cannot be empty" in " ".join(r.output.split())
    shutil.rmtree(folder)
