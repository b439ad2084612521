"""The shipped learned technique model (``communique.techniques.model``): runs without torch,
gives exact whole-word spans inside the given sentences, one PTC label per span, the same
output every time, and held-out scores above pinned floors (when the PTC corpus is here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from communique.errors import ConfigError
from communique.techniques import Finding
from communique.techniques.model import DEFAULT_FOLDER, TechniqueModel
from communique.techniques.taxonomy import PTC_LABELS, TECHNIQUES

PTC_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "ptc"

# A fictional communiqué (no real group, place or person): loaded wording, name calling,
# a slogan, a repeated phrase, a question and fear.
TEXT = (
    "Statement of the Free Valley Front\n"
    "\n"
    "The corrupt cowards in the capital have betrayed our glorious homeland once again.\n"
    "These traitors will stop at nothing to destroy everything our fathers built.\n"
    "How long will you stay silent while they sell your children's future?\n"
    "Stand up, resist, and never kneel! Stand up, resist, and never kneel!\n"
    "Officials said the meeting will take place on Tuesday at the town hall.\n"
)


def sentences(text: str) -> list[tuple[int, int]]:
    out, a = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((a, a + len(line)))
        a += len(line) + 1
    return out


@pytest.fixture(scope="module")
def model() -> TechniqueModel:
    return TechniqueModel.load()


def test_the_artifact_is_small_and_complete():
    names = {p.name for p in DEFAULT_FOLDER.iterdir()}
    assert {"model.onnx", "tokenizer.json", "tc_head.npz", "config.json", "MODEL_CARD.md"} <= names
    assert sum(p.stat().st_size for p in DEFAULT_FOLDER.iterdir()) <= 60_000_000
    cfg = json.loads((DEFAULT_FOLDER / "config.json").read_text(encoding="utf-8"))
    assert tuple(cfg["labels"]) == PTC_LABELS
    assert 0 < cfg["si_threshold"] < 1


def test_runs_without_torch():
    code = textwrap.dedent(
        f"""
        import sys
        from communique.techniques.model import TechniqueModel
        m = TechniqueModel.load()
        text = {TEXT!r}
        m.spans(text, [(0, len(text))])
        m.classify(text, [(0, 9)])
        heavy = [n for n in ("torch", "transformers", "sentence_transformers", "sklearn") if n in sys.modules]
        assert not heavy, heavy
        print("ok")
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_missing_folder_is_a_clear_config_error(tmp_path):
    with pytest.raises(ConfigError, match="communique train techniques"):
        TechniqueModel.load(tmp_path)


def test_spans_are_whole_words_inside_the_sentences(model):
    sents = sentences(TEXT)
    found = model.spans(TEXT, sents)
    assert found, "the loaded fictional statement should give spans"
    for f in found:
        assert isinstance(f, Finding)
        assert any(a <= f.start < f.end <= b for a, b in sents), (f.start, f.end)
        assert f.start == 0 or not (TEXT[f.start - 1].isalnum() and TEXT[f.start].isalnum())
        assert f.end == len(TEXT) or not (TEXT[f.end - 1].isalnum() and TEXT[f.end].isalnum())
        assert TEXT[f.start : f.end] == TEXT[f.start : f.end].strip()
        assert f.technique in TECHNIQUES
        assert f.evidence["ptc"] in PTC_LABELS and 0 < f.score <= 1
        assert f.source == f"model:{model.version}"
        assert re.fullmatch(r"model: \S+ \(p=[01]\.\d\d\)", f.explanation), f.explanation
    # the plain news sentence at the end is not propaganda; the loaded ones are
    last = sents[-1]
    assert not any(f.start >= last[0] for f in found)
    assert any(TEXT[f.start : f.end].lower().find(w) >= 0 for f in found for w in ("corrupt", "cowards", "traitors"))


def test_spans_are_deterministic(model):
    sents = sentences(TEXT)
    first = [(f.start, f.end, f.technique, f.score) for f in model.spans(TEXT, sents)]
    again = [(f.start, f.end, f.technique, f.score) for f in TechniqueModel.load().spans(TEXT, sents)]
    assert first == again


def test_a_sentence_subset_gives_spans_only_there(model):
    sents = sentences(TEXT)[2:3]
    found = model.spans(TEXT, sents)
    assert all(sents[0][0] <= f.start < f.end <= sents[0][1] for f in found)


def test_empty_input(model):
    assert model.spans("", []) == []
    assert model.spans("   \n  ", [(0, 6)]) == []
    assert model.classify(TEXT, []) == []


def test_classify_gives_one_ptc_label_per_span(model):
    spans = [(m.start(), m.end()) for m in re.finditer(r"corrupt cowards|traitors|Stand up, resist, and never kneel", TEXT)]
    out = model.classify(TEXT, spans)
    assert len(out) == len(spans) == 4
    for label, p in out:
        assert label in PTC_LABELS and 0 < p <= 1
    # the repeated slogan: its second occurrence is told apart by the repetition features
    assert out == model.classify(TEXT, spans)


def test_a_span_given_twice_gets_two_labels(model):
    span = (TEXT.index("traitors"), TEXT.index("traitors") + len("traitors"))
    (l1, p1), (l2, p2) = model.classify(TEXT, [span, span])
    assert l1 != l2 and p1 >= p2


def test_classify_odd_spans(model):
    # blanks only, a span across two lines, the whole text: each still gets a label
    nl = TEXT.index("\n\n")
    out = model.classify(TEXT, [(nl, nl + 2), (TEXT.index("again."), TEXT.index("built.")), (0, len(TEXT))])
    assert [lab in PTC_LABELS for lab, _ in out] == [True, True, True]


def test_long_sentence_is_windowed(model):
    # a 300-word "sentence": spans stay inside it and offsets stay exact
    words = ("the corrupt and treacherous regime lies to everyone " * 40).strip()
    found = model.spans(words, [(0, len(words))])
    for f in found:
        assert 0 <= f.start < f.end <= len(words)
        assert words[f.start : f.end].split()[0] in words.split()


# ---------------------------------------------------------------- quality gate


@pytest.mark.skipif(not PTC_DIR.is_dir(), reason="PTC corpus (../shared/data/ptc) not present")
def test_heldout_quality_gate(model):
    """Held-out 10% of PTC (37 articles), shipped int8 model, official SemEval-2020 Task 11
    measures. Measured (MODEL_CARD.md; built by `communique train techniques --ptc
    ../shared/data/ptc`, seed 13): SI P 0.323 R 0.482 F1 0.387, TC micro-F1 0.646 (fp32:
    0.380 / 0.655). Floors sit just under them; raise them with a better model, never lower
    them silently. (Issue targets: SI 0.50, TC 0.62.)"""
    from communique.techniques.ptc import PTC
    from communique.techniques.train import evaluate

    ptc = PTC.load(PTC_DIR)
    res = evaluate(model, ptc, ptc.split()[1])
    assert res["si"]["f1"] >= 0.38, res["si"]
    assert res["si"]["precision"] >= 0.31 and res["si"]["recall"] >= 0.47, res["si"]
    assert res["tc"]["micro_f1"] >= 0.635, res["tc"]["micro_f1"]


# ---------------------------------------------------------------- decoding (no model needed)


def _segments(text: str):
    from communique.techniques.model import encode_segments, load_tokenizer

    tok = load_tokenizer(DEFAULT_FOLDER / "tokenizer.json")
    return encode_segments(tok, text, sentences(text))


def _probs(seg, text: str, hot: list[str]):
    """SI probabilities: 0.9 on the tokens of the ``hot`` words, 0.0 elsewhere."""
    import numpy as np

    p = np.zeros(len(seg.ids))
    for m in re.finditer(r"\w+", text):
        if m.group().lower() in hot:
            p[(seg.starts < m.end()) & (seg.ends > m.start()) & (seg.starts >= 0)] = 0.9
    return p


def test_decoding_joins_gaps_and_needs_a_confident_word():
    from communique.techniques.model import Decoding, TextStats, predict_spans

    text = "They are corrupt and vile cowards, said nobody."
    segs = _segments(text)
    probs = [_probs(segs[0], text, ["corrupt", "vile", "cowards"])]
    stats = TextStats(text)
    got = [(p.start, p.end) for p in predict_spans(segs, probs, Decoding(0.5, 0.0, 0), stats)]
    assert got == [(9, 16), (21, 33)]  # "corrupt", "vile cowards"
    got = [(p.start, p.end) for p in predict_spans(segs, probs, Decoding(0.5, 0.0, 1), stats)]
    assert got == [(9, 33)]  # "corrupt and vile cowards": one word apart, joined
    assert predict_spans(segs, probs, Decoding(0.5, 0.95, 1), stats) == []  # no word reaches 0.95


def test_decoding_marks_the_other_occurrences_of_a_repeated_phrase():
    from communique.techniques.model import Decoding, TextStats, predict_spans

    text = "The Corrupt Cowards lied.\nWe know the corrupt cowards.\nCorrupt, yes."
    segs = _segments(text)
    probs = [_probs(segs[0], text, ["corrupt", "cowards"]), _probs(segs[1], text, []), _probs(segs[2], text, [])]
    stats = TextStats(text)
    found = predict_spans(segs, probs, Decoding(0.5, 0.0, 0, repeat_min=0.3), stats)
    assert [(p.start, p.end, p.repeat_of) for p in found] == [(4, 19, None), (38, 53, (4, 19))]
    # only for phrases of two words or more, and only when switched on
    assert len(predict_spans(segs, probs, Decoding(0.5, 0.0, 0, repeat_min=2.0), stats)) == 1
    # and only inside the sentences that were given
    found = predict_spans(segs[:1], probs[:1], Decoding(0.5, 0.0, 0, repeat_min=0.3), stats)
    assert [(p.start, p.end) for p in found] == [(4, 19)]
