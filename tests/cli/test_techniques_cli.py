"""communique techniques DIR (SemEval-2020 Task 11 predictions) and communique eval
techniques (the task's measures): exact output lines on invented articles, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from communique.errors import StageError
from communique.faces.cli import techniques as cli
from communique.techniques import Finding

ROOT = Path(__file__).resolve().parents[2]
PTC_DIR = ROOT.parent / "shared" / "data" / "ptc"

runner = CliRunner(env={"COLUMNS": "240"})

ARTICLE_1 = "The Valdorian regime are traitors.\n\nThey betray the homeland every single day.\n"
ARTICLE_2 = "Stand with Kessen!\nOur enemies are vermin.\n"


def _app() -> typer.Typer:
    """The real command line once it registers these commands; until then the same
    registration on a local app."""
    from communique.faces.cli.main import app

    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    if {"techniques", "eval"} <= names:
        return app
    local = typer.Typer(add_completion=False)
    local.command("techniques")(cli.techniques)
    local.add_typer(cli.eval_app, name="eval")
    return local


def _run(*args: str):
    return runner.invoke(_app(), list(args))


def _articles(tmp_path: Path, **texts: str) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_bytes(text.encode("utf-8"))  # bytes: line breaks as given
    (folder / "notes.md").write_text("not an article")
    return folder


# words the fake detector reacts to → SemEval-2023 technique
_CUES = {
    "traitors": "Name_Calling-Labeling",
    "vermin": "Name_Calling-Labeling",
    "every single day": "Exaggeration-Minimisation",
    "Stand with Kessen!": "Slogans",
    "regime": "Appeal_to_Hypocrisy",  # no PTC label: left out of the semeval format
    "homeland": "Flag_Waving",
}


def _fake_detect(calls: list | None = None):
    def detect(text, spans=(), *, use_model=True):
        if calls is not None:
            calls.append((text, len(spans), use_model))
        out = []
        for cue, technique in _CUES.items():
            for m in re.finditer(re.escape(cue), text):
                out.append(Finding(m.start(), m.end(), technique, 0.9, "rule:test", f"cue {cue!r}"))
        # two techniques that share a PTC label on one span: one semeval line
        for m in re.finditer("betray", text):
            out.append(Finding(m.start(), m.end(), "Straw_Man", 0.5, "rule:test", "x"))
            out.append(Finding(m.start(), m.end(), "Red_Herring", 0.5, "rule:test", "y"))
        return out

    return detect


@pytest.fixture
def fake_detect(monkeypatch):
    calls: list = []
    monkeypatch.setattr("communique.techniques.detect.detect", _fake_detect(calls))
    return calls


def test_semeval_lines_for_a_folder(tmp_path, fake_detect):
    folder = _articles(tmp_path, article101=ARTICLE_1, article202=ARTICLE_2)
    r = _run("techniques", str(folder), "--format", "semeval")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "101\tName_Calling,Labeling\t25\t33",  # traitors
        "101\tWhataboutism,Straw_Men,Red_Herring\t41\t47",  # betray: Straw_Man + Red_Herring, once
        "101\tFlag-Waving\t52\t60",  # homeland
        "101\tExaggeration,Minimisation\t61\t77",  # every single day
        "202\tSlogans\t0\t18",
        "202\tName_Calling,Labeling\t35\t41",  # vermin
    ]
    assert ARTICLE_1[25:33] == "traitors" and ARTICLE_2[35:41] == "vermin"
    assert "6 span(s) for 2 article(s)" in r.stderr
    # the detector saw the analysed document's spans as context, with the model on
    assert len(fake_detect) == 2 and all(n > 0 and use_model for _, n, use_model in fake_detect)


def test_offsets_are_mapped_back_to_the_file_as_read(tmp_path, fake_detect):
    # CRLF line breaks and a decomposed é: the analysed text is shorter than the file
    raw = "Cafe\u0301 Marovia\r\n\r\nThe Valdorian regime are traitors.\r\n"
    folder = _articles(tmp_path, article7=raw)
    r = _run("techniques", str(folder))
    assert r.exit_code == 0, r.output
    (line,) = [x for x in r.stdout.splitlines() if "Name_Calling" in x]
    art, label, start, end = line.split("\t")
    assert raw[int(start) : int(end)] == "traitors"
    assert (int(start), int(end)) == (raw.index("traitors"), raw.index("traitors") + 8)
    normalized_text = fake_detect[0][0]
    assert normalized_text.index("traitors") != int(start)  # so the mapping was applied


def test_jsonl_output_for_analysts(tmp_path, fake_detect):
    folder = _articles(tmp_path, article202=ARTICLE_2)
    r = _run("techniques", str(folder), "-f", "jsonl")
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert rows[0] == {
        "article": "202",
        "technique": "Slogans",
        "ptc": "Slogans",
        "start": 0,
        "end": 18,
        "text": "Stand with Kessen!",
        "score": 0.9,
        "source": "rule:test",
        "explanation": "cue 'Stand with Kessen!'",
        "evidence": {},
    }
    assert [(x["technique"], x["ptc"], x["text"]) for x in rows[1:]] == [("Name_Calling-Labeling", "Name_Calling,Labeling", "vermin")]


def test_jsonl_keeps_techniques_without_a_ptc_label(tmp_path, fake_detect):
    folder = _articles(tmp_path, article101=ARTICLE_1)
    r = _run("techniques", str(folder), "--format", "jsonl")
    hyp = [json.loads(x) for x in r.stdout.splitlines() if "Hypocrisy" in x]
    assert [(h["ptc"], h["start"], h["end"]) for h in hyp] == [(None, 14, 20)]


def test_output_file_and_rules_only(tmp_path, fake_detect):
    folder = _articles(tmp_path, article202=ARTICLE_2)
    out = tmp_path / "pred.labels"
    r = _run("techniques", str(folder), "-o", str(out), "--rules-only", "--quiet")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8") == "202\tSlogans\t0\t18\n202\tName_Calling,Labeling\t35\t41\n"
    assert [use_model for _, _, use_model in fake_detect] == [False]


def test_an_article_that_fails_is_named_and_exit_code_is_3(tmp_path, monkeypatch):
    good = _fake_detect()

    def detect(text, spans=(), *, use_model=True):
        if "vermin" in text:
            raise StageError(message="techniques: boom")
        return good(text, spans, use_model=use_model)

    monkeypatch.setattr("communique.techniques.detect.detect", detect)
    folder = _articles(tmp_path, article101=ARTICLE_1, article202=ARTICLE_2)
    r = _run("techniques", str(folder))
    assert r.exit_code == 3
    assert r.stdout.splitlines()[0] == "101\tName_Calling,Labeling\t25\t33"
    assert not any(x.startswith("202") for x in r.stdout.splitlines())
    assert "failed article202.txt: E011: techniques: boom" in r.stderr


# ---------------------------------------------------------------------------- --spans


@pytest.fixture
def fake_classify(monkeypatch):
    calls: list = []

    def classify(text, spans):
        calls.append(list(spans))
        return ["Name_Calling,Labeling" if text[s:e] in ("traitors", "vermin") else "Loaded_Language" for s, e in spans]

    monkeypatch.setattr("communique.techniques.detect.classify", classify)
    return calls


def test_spans_template_is_labelled_in_order(tmp_path, fake_classify):
    folder = _articles(tmp_path, article101=ARTICLE_1, article202=ARTICLE_2)
    template = tmp_path / "template.labels"
    template.write_text(
        "202\t?\t35\t41\n"  # vermin
        "101\t?\t4\t20\n"
        "101\tDoubt\t25\t33\n"  # a label already there is replaced by the prediction
        "202\t?\t0\t5\n",
        encoding="utf-8",
    )
    r = _run("techniques", str(folder), "--format", "semeval", "--spans", str(template))
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "202\tName_Calling,Labeling\t35\t41",
        "101\tLoaded_Language\t4\t20",
        "101\tName_Calling,Labeling\t25\t33",
        "202\tLoaded_Language\t0\t5",
    ]
    assert sorted(fake_classify) == [[(4, 20), (25, 33)], [(35, 41), (0, 5)]]  # one call per article


def test_spans_template_as_jsonl(tmp_path, fake_classify):
    folder = _articles(tmp_path, article202=ARTICLE_2)
    template = tmp_path / "template.labels"
    template.write_text("202\t?\t35\t41\n", encoding="utf-8")
    r = _run("techniques", str(folder), "-f", "jsonl", "--spans", str(template))
    assert json.loads(r.stdout) == {
        "article": "202", "technique": "Name_Calling-Labeling", "ptc": "Name_Calling,Labeling",
        "start": 35, "end": 41, "text": "vermin",
    }  # fmt: skip


def test_spans_for_missing_articles_is_a_usage_error_naming_them(tmp_path, fake_classify):
    folder = _articles(tmp_path, article101=ARTICLE_1)
    template = tmp_path / "template.labels"
    template.write_text("101\t?\t0\t3\n555\t?\t0\t3\n444\t?\t1\t2\n", encoding="utf-8")
    r = _run("techniques", str(folder), "--spans", str(template))
    assert r.exit_code == 2
    assert "articles in the span template but not in the folder: 444, 555" in r.stderr
    assert r.stdout == "" and fake_classify == []


def test_spans_beyond_the_text_and_malformed_templates_are_usage_errors(tmp_path, fake_classify):
    folder = _articles(tmp_path, article202=ARTICLE_2)
    template = tmp_path / "template.labels"
    template.write_text("202\t?\t0\t999\n", encoding="utf-8")
    r = _run("techniques", str(folder), "--spans", str(template))
    assert r.exit_code == 2 and "article 202: span 0..999 lies beyond its text (43 characters)" in r.stderr
    template.write_text("202\t?\t0\t4\n202\t?\tx\t4\n", encoding="utf-8")
    r = _run("techniques", str(folder), "--spans", str(template))
    assert r.exit_code == 2 and "template.labels:2: offsets must be integers" in r.stderr


def test_missing_folder_or_one_without_articles_is_a_usage_error(tmp_path):
    r = _run("techniques", str(tmp_path / "nowhere"))
    assert r.exit_code == 2
    (tmp_path / "empty").mkdir()
    r = _run("techniques", str(tmp_path / "empty"))
    assert r.exit_code == 2 and "no articleNNN.txt files in" in r.stderr


# ---------------------------------------------------------------------------- eval techniques


def _files(tmp_path: Path, gold: str, pred: str) -> tuple[str, str]:
    g, p = tmp_path / "gold.labels", tmp_path / "pred.labels"
    g.write_text(gold, encoding="utf-8")
    p.write_text(pred, encoding="utf-8")
    return str(g), str(p)


GOLD = "1\tDoubt\t0\t10\n1\tSlogans\t20\t30\n2\tLoaded_Language\t0\t4\n"


def test_eval_json_has_all_three_measures(tmp_path):
    # TC: 2 of 3 labels right. SI: every span found exactly. FLC: Doubt missed (0 credit):
    # P = R = 2/3
    g, p = _files(tmp_path, GOLD, "1\tSlogans\t0\t10\n1\tSlogans\t20\t30\n2\tLoaded_Language\t0\t4\n")
    r = _run("eval", "techniques", "--gold", g, "--pred", p, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["si"]["precision"], out["si"]["recall"], out["si"]["f1"]) == (1.0, 1.0, 1.0)
    assert out["tc"]["f1"] == pytest.approx(2 / 3) and out["tc"]["correct"] == 2
    assert out["tc"]["confusion"]["Doubt"] == {"Slogans": 1}
    assert (out["flc"]["precision"], out["flc"]["recall"]) == pytest.approx((2 / 3, 2 / 3))
    assert "skipped" not in out


def test_eval_table(tmp_path):
    from communique.faces.cli.common import console

    g, p = _files(tmp_path, GOLD, GOLD)
    old = console.width
    console.width = 300  # the title names long temporary paths; keep every row on one line
    try:
        r = _run("eval", "techniques", "--gold", g, "--pred", p)
    finally:
        console.width = old
    assert r.exit_code == 0, r.output
    for row in ("SI (spans, labels ignored)", "TC micro", "FLC micro", "FLC macro", "TC per technique", "TC confusion"):
        assert row in r.stdout
    assert "│ 1.0000 │ 1.0000 │ 1.0000 │" in r.stdout


def test_eval_si_file_with_three_fields_and_other_spans(tmp_path):
    # 3-field files: SI only; TC and FLC are skipped, with the reason
    g, p = _files(tmp_path, "1\t0\t10\n", "1\t5\t15\n")
    r = _run("eval", "techniques", "--gold", g, "--pred", p, "--json")
    out = json.loads(r.stdout)
    assert out["si"]["f1"] == 0.5
    assert set(out["skipped"]) == {"tc", "flc"}
    # labelled files whose spans differ: TC skipped (spans differ), FLC computed
    g, p = _files(tmp_path, GOLD, "1\tDoubt\t0\t5\n")
    out = json.loads(_run("eval", "techniques", "--gold", g, "--pred", p, "--json").stdout)
    assert "exactly the gold spans" in out["skipped"]["tc"] and "flc" in out


def test_eval_measure_option_and_its_errors(tmp_path):
    g, p = _files(tmp_path, GOLD, "1\tDoubt\t0\t5\n")
    out = json.loads(_run("eval", "techniques", "--gold", g, "--pred", p, "-m", "si", "--json").stdout)
    assert set(out) == {"gold", "pred", "si"}
    r = _run("eval", "techniques", "--gold", g, "--pred", p, "--measure", "tc")
    assert r.exit_code == 2 and "TC needs the prediction to hold exactly the gold spans" in r.stderr


def test_eval_malformed_line_names_file_and_line(tmp_path):
    g, p = _files(tmp_path, GOLD, "1\tDoubt\t0\t10\n1\tDoubt\t10\t12\tx\n")
    r = _run("eval", "techniques", "--gold", g, "--pred", p)
    assert r.exit_code == 2
    assert f"{p}:2: expected 3 tab-separated fields (id, start, end) or 4" in r.stderr.replace("\n", "")
    g, p = _files(tmp_path, GOLD, "1\tDoubt\t0\t10\n1\t10\t12\n")
    r = _run("eval", "techniques", "--gold", g, "--pred", p)
    assert r.exit_code == 2
    assert f"{p}:2: 3 fields, but the file's first line has 4" in r.stderr.replace("\n", "")


@pytest.mark.skipif(not PTC_DIR.is_dir(), reason=f"{PTC_DIR} not present (the PTC corpus is never committed)")
def test_eval_ptc_held_out_against_itself_scores_1(tmp_path):
    from communique.techniques import ptc
    from communique.techniques.semeval import write_spans

    corpus = ptc.PTC.load(PTC_DIR)
    _, held_out = corpus.split()
    spans = corpus.spans_of(held_out)
    assert spans
    path = tmp_path / "held-out.labels"
    write_spans(spans, path)
    r = _run("eval", "techniques", "--gold", str(path), "--pred", str(path), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    for measure in ("si", "tc", "flc"):
        assert out[measure]["f1"] == 1.0, measure
    assert out["flc"]["macro"]["f1"] == 1.0
    assert out["tc"]["spans"] == len(spans)
