"""SemEval-2020 Task 11: span files and the official measures (SI, TC, FLC), checked on
hand-made cases whose numbers are worked out in the comments, and on the organisers'
published example (tools/README.md of the task's scorers)."""

from __future__ import annotations

import io
import random

import pytest

from communique.techniques.semeval import (
    SemEvalError,
    SpanRow,
    read_spans,
    score_flc,
    score_si,
    score_tc,
    write_spans,
)


def S(article: str, start: int, end: int, label: str | None = None) -> SpanRow:
    return SpanRow(article, label, start, end)


def prf(result: dict) -> tuple[float, float, float]:
    return result["precision"], result["recall"], result["f1"]


# ---------------------------------------------------------------------------- SI


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        # identical spans: C = 10/10 both ways → P = R = F1 = 1
        ([S("1", 0, 10)], [S("1", 0, 10)], (1.0, 1.0, 1.0)),
        # half overlap: |s∩t| = 5; P = 5/10, R = 5/10, F1 = 0.5
        ([S("1", 0, 10)], [S("1", 5, 15)], (0.5, 0.5, 0.5)),
        # one gold, two predictions inside it: P = (5/5 + 10/10) / 2 = 1; R = (5/20 + 10/20) / 1
        # = 0.75; F1 = 2·0.75/1.75 = 6/7
        ([S("1", 0, 20)], [S("1", 0, 5), S("1", 10, 20)], (1.0, 0.75, 6 / 7)),
        # overlapping gold spans are merged first: (0,10)+(5,15) → (0,15), |T| = 1;
        # P = 10/10, R = 10/15; F1 = 2·(2/3)/(5/3) = 0.8 (unmerged, P would be 1.5)
        ([S("1", 0, 10), S("1", 5, 15)], [S("1", 0, 10)], (1.0, 2 / 3, 0.8)),
        # overlapping predictions are merged too: (0,6)+(4,10) → (0,10), |S| = 1 → all 1
        ([S("1", 0, 10)], [S("1", 0, 6), S("1", 4, 10)], (1.0, 1.0, 1.0)),
        # touching spans share no character and stay apart: |T| = 2;
        # P = (5/10 + 5/10) / 1 = 1; R = (5/5 + 5/5) / 2 = 1
        ([S("1", 0, 5), S("1", 5, 10)], [S("1", 0, 10)], (1.0, 1.0, 1.0)),
        # the same offsets in different articles never match: P = 0/1, R = 0/1, F1 = 0
        ([S("1", 0, 10)], [S("2", 0, 10)], (0.0, 0.0, 0.0)),
        # empty prediction: P = 0 (no division by zero), R = 0/1, F1 = 0
        ([S("1", 0, 10)], [], (0.0, 0.0, 0.0)),
        # empty gold: P = 0/1, R = 0 (no gold), F1 = 0
        ([], [S("1", 0, 10)], (0.0, 0.0, 0.0)),
        # nothing to find and nothing found: the scorer's convention F1 = 1
        ([], [], (0.0, 0.0, 1.0)),
        # labels are ignored: a Doubt prediction on a Slogans gold span scores 1
        ([S("1", 0, 10, "Slogans")], [S("1", 0, 10, "Doubt")], (1.0, 1.0, 1.0)),
        # gold in two articles, prediction in one: P = 1/1, R = (1 + 0)/2; F1 = 2/3
        ([S("1", 0, 10), S("2", 0, 10)], [S("1", 0, 10)], (1.0, 0.5, 2 / 3)),
    ],
)
def test_si_hand_made_cases(gold, pred, expected):
    assert prf(score_si(gold, pred)) == pytest.approx(expected)


def test_si_counts_spans_after_merging_and_names_articles_without_gold():
    r = score_si([S("1", 0, 10), S("1", 5, 15), S("1", 20, 30)], [S("1", 0, 3), S("9", 0, 3)])
    assert (r["gold_spans"], r["pred_spans"]) == (2, 2)
    assert (r["gold_spans_read"], r["pred_spans_read"]) == (3, 2)
    assert r["articles"]["pred_without_gold"] == ["9"]


def test_si_reproduces_the_organisers_published_example():
    # tools/README.md of SemEval-2020 Task 11 (github.com/aschern/semeval2020_task11, a copy of
    # the organisers' tools): data/submission-task-SI.tsv scored against
    # data/article736757214.task-SI.labels with ``task-SI_scorer.py -m`` prints
    #   Precision=1.929825/2=0.964912  Recall=1.947458/4=0.486864  F1=0.647181
    gold = [S("736757214", s, e) for s, e in ((0, 59), (171, 181), (0, 9), (115, 167), (740, 759))]
    pred = [S("736757214", s, e) for s, e in ((0, 50), (161, 172), (0, 10), (115, 167))]
    r = score_si(gold, pred)
    # merged: gold (0,59) (115,167) (171,181) (740,759); pred (0,50) (115,172)
    # P credit = 50/50 + (52 + 1)/57; R credit = 50/59 + 52/52 + 1/10
    assert (r["pred_spans"], r["gold_spans"]) == (2, 4)
    assert r["precision_credit"] == pytest.approx(1 + 53 / 57)
    assert r["recall_credit"] == pytest.approx(50 / 59 + 1 + 1 / 10)
    assert (f"{r['precision']:.6f}", f"{r['recall']:.6f}", f"{r['f1']:.6f}") == ("0.964912", "0.486864", "0.647181")


def _naive(gold, pred, by_label):
    """The formula applied literally: character sets, overlapping sets merged until none
    share a character, then all pairs (quadratic; for checking only)."""

    def merged(spans):
        groups: dict = {}
        for s in spans:
            groups.setdefault((s.article, s.label if by_label else None), []).append(set(range(s.start, s.end)))
        for key, sets in groups.items():
            changed = True
            while changed:
                changed = False
                for i in range(len(sets)):
                    for j in range(i + 1, len(sets)):
                        if sets[i] & sets[j]:
                            sets[i] |= sets.pop(j)
                            changed = True
                            break
                    if changed:
                        break
            groups[key] = sets
        return groups

    g, p = merged(gold), merged(pred)
    p_num = sum(len(s & t) / len(s) for k, ss in p.items() for s in ss for t in g.get(k, []))
    r_num = sum(len(s & t) / len(t) for k, ss in p.items() for s in ss for t in g.get(k, []))
    n_p, n_g = sum(map(len, p.values())), sum(map(len, g.values()))
    pp = p_num / n_p if n_p else 0.0
    rr = r_num / n_g if n_g else 0.0
    f1 = 1.0 if n_p == n_g == 0 else (2 * pp * rr / (pp + rr) if pp > 0 and rr > 0 else 0.0)
    return pp, rr, f1


def test_si_and_flc_equal_the_literal_formula_on_random_spans():
    rng = random.Random(7)

    def spans(n):
        out = []
        for _ in range(n):
            start = rng.randint(0, 80)
            out.append(S(str(rng.randint(1, 3)), start, start + rng.randint(1, 20), rng.choice(["Doubt", "Slogans"])))
        return out

    for _ in range(300):
        gold, pred = spans(rng.randint(0, 10)), spans(rng.randint(0, 10))
        assert prf(score_si(gold, pred)) == pytest.approx(_naive(gold, pred, False))
        assert prf(score_flc(gold, pred)) == pytest.approx(_naive(gold, pred, True))


# ---------------------------------------------------------------------------- TC


def test_tc_on_a_template_with_known_labels():
    gold = [
        S("1", 0, 5, "Doubt"),
        S("1", 10, 20, "Slogans"),
        S("2", 0, 4, "Loaded_Language"),  # one span, two techniques
        S("2", 0, 4, "Name_Calling,Labeling"),
    ]
    pred = [
        S("2", 0, 4, "Name_Calling,Labeling"),  # order does not matter: labels of one span are aligned
        S("2", 0, 4, "Loaded_Language"),
        S("1", 10, 20, "Loaded_Language"),  # wrong
        S("1", 0, 5, "Doubt"),
    ]
    r = score_tc(gold, pred)
    # 3 of 4 correct: micro P = R = F1 = 0.75
    assert (r["correct"], r["spans"]) == (3, 4)
    assert prf(r) == pytest.approx((0.75, 0.75, 0.75))
    pl = r["per_label"]
    assert prf(pl["Doubt"]) == pytest.approx((1.0, 1.0, 1.0))
    assert prf(pl["Slogans"]) == pytest.approx((0.0, 0.0, 0.0))  # gold 1, predicted never
    # Loaded_Language: predicted twice, right once (P = 1/2), gold once (R = 1): F1 = 2/3
    assert prf(pl["Loaded_Language"]) == pytest.approx((0.5, 1.0, 2 / 3))
    assert prf(pl["Name_Calling,Labeling"]) == pytest.approx((1.0, 1.0, 1.0))
    assert r["macro_f1"] == pytest.approx((1 + 0 + 2 / 3 + 1) / 4)
    assert r["confusion"] == {
        "Doubt": {"Doubt": 1},
        "Loaded_Language": {"Loaded_Language": 1},
        "Name_Calling,Labeling": {"Name_Calling,Labeling": 1},
        "Slogans": {"Loaded_Language": 1},
    }
    assert r["unknown_labels"] == []


def test_tc_aligns_every_group_of_identical_spans():
    # The organisers' greedy alignment skips the next group of identical spans after an
    # unmatched one and scores this 0/3; the best alignment scores 2/3.
    gold = [S("1", 0, 5, "Doubt"), S("1", 10, 20, "Slogans"), S("1", 10, 20, "Repetition")]
    pred = [S("1", 0, 5, "Flag-Waving"), S("1", 10, 20, "Repetition"), S("1", 10, 20, "Slogans")]
    assert score_tc(gold, pred)["correct"] == 2


def test_tc_needs_exactly_the_gold_spans():
    with pytest.raises(SemEvalError, match=r"article 1 span 10\.\.20 is 1 time\(s\) in gold and 0"):
        score_tc([S("1", 0, 5, "Doubt"), S("1", 10, 20, "Doubt")], [S("1", 0, 5, "Doubt")])
    with pytest.raises(SemEvalError, match="TC needs technique labels: the prediction file"):
        score_tc([S("1", 0, 5, "Doubt")], [S("1", 0, 5)])


# ---------------------------------------------------------------------------- FLC


def test_flc_restricts_overlap_credit_to_matching_labels():
    # same span, different technique: SI gives full credit, FLC none
    gold, pred = [S("1", 0, 10, "Slogans")], [S("1", 0, 10, "Doubt")]
    assert prf(score_si(gold, pred)) == (1.0, 1.0, 1.0)
    assert prf(score_flc(gold, pred)) == (0.0, 0.0, 0.0)


def test_flc_micro_macro_and_per_label():
    gold = [S("1", 0, 10, "Doubt"), S("1", 20, 30, "Slogans"), S("1", 40, 50, "Slogans")]
    pred = [S("1", 5, 15, "Doubt"), S("1", 20, 30, "Slogans")]
    r = score_flc(gold, pred)
    # Doubt: 5 shared of 10 → P = R = F1 = 0.5. Slogans: P = 1/1, R = 1/2, F1 = 2/3
    assert prf(r["per_label"]["Doubt"]) == pytest.approx((0.5, 0.5, 0.5))
    assert prf(r["per_label"]["Slogans"]) == pytest.approx((1.0, 0.5, 2 / 3))
    # micro: P = (0.5 + 1)/2 = 0.75, R = (0.5 + 1)/3 = 0.5, F1 = 2·0.375/1.25 = 0.6
    assert prf(r) == pytest.approx((0.75, 0.5, 0.6))
    # macro: means over the two labels
    assert (r["macro"]["precision"], r["macro"]["recall"], r["macro"]["f1"]) == pytest.approx((0.75, 0.5, (0.5 + 2 / 3) / 2))


def test_flc_merges_overlaps_per_label_only():
    # the two Doubt spans merge into (0,15); the Slogans span over them stays its own
    gold = [S("1", 0, 10, "Doubt"), S("1", 5, 15, "Doubt"), S("1", 5, 15, "Slogans")]
    pred = [S("1", 0, 15, "Doubt"), S("1", 5, 15, "Slogans")]
    r = score_flc(gold, pred)
    assert r["gold_spans"] == 2
    assert prf(r) == (1.0, 1.0, 1.0)


def test_flc_names_labels_outside_ptc():
    r = score_flc([S("1", 0, 5, "Doubt")], [S("1", 0, 5, "Dobut")])
    assert r["unknown_labels"] == ["Dobut"]


# ---------------------------------------------------------------------------- speed


def test_scoring_6000_overlapping_spans_against_themselves():
    # a large, heavily overlapping input (the scorers merge overlaps per article): a
    # prediction equal to the gold scores 1.0 everywhere. How fast is benchmarks' business
    # (a timed assertion here failed on a loaded 2-core machine).
    rng = random.Random(3)
    labels = ["Doubt", "Slogans", "Loaded_Language", "Repetition"]
    gold = []
    for _ in range(6000):
        start = rng.randint(0, 5000)
        gold.append(S(str(rng.randint(1, 350)), start, start + rng.randint(5, 120), rng.choice(labels)))
    assert score_si(gold, list(reversed(gold)))["f1"] == pytest.approx(1.0)
    assert score_flc(gold, gold)["f1"] == pytest.approx(1.0)
    assert score_tc(gold, [SpanRow(s.article, s.label, s.start, s.end) for s in gold])["f1"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- files


def test_read_spans_four_and_three_fields(tmp_path):
    f4 = tmp_path / "pred.labels"
    f4.write_bytes(b"111\tDoubt\t0\t5\r\n\n111\tName_Calling,Labeling\t10\t20\n")
    assert read_spans(f4) == [S("111", 0, 5, "Doubt"), S("111", 10, 20, "Name_Calling,Labeling")]
    f3 = tmp_path / "si.labels"
    f3.write_text("111\t0\t5\n222\t3\t4\n", encoding="utf-8")
    assert read_spans(f3) == [S("111", 0, 5), S("222", 3, 4)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("111\tDoubt\t0\t5\n111\t0\n", r"bad\.labels:2: expected 3 tab-separated fields .* got 2"),
        ("111\tDoubt\tzero\t5\n", r"bad\.labels:1: offsets must be integers, got 'zero' and '5'"),
        ("111\tDoubt\t5\t5\n", r"bad\.labels:1: bad span 5\.\.5 \(need 0 <= start < end\)"),
        ("111\tDoubt\t-1\t5\n", r"bad\.labels:1: bad span -1\.\.5"),
        ("111\tDoubt\t0\t5\n111\t0\t5\n", r"bad\.labels:2: 3 fields, but the file's first line has 4"),
        ("111 Doubt 0 5\n", r"bad\.labels:1: expected 3 tab-separated fields"),
    ],
)
def test_read_spans_names_file_and_line_of_a_malformed_line(tmp_path, content, message):
    path = tmp_path / "bad.labels"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SemEvalError, match=message):
        read_spans(path)


def test_write_spans_round_trip(tmp_path):
    rows = [S("7", 0, 5, "Doubt"), S("8", 1, 2, "Slogans")]
    buf = io.StringIO()
    assert write_spans(rows, buf) == 2
    assert buf.getvalue() == "7\tDoubt\t0\t5\n8\tSlogans\t1\t2\n"
    path = tmp_path / "out.labels"
    write_spans([S("7", 0, 5)], path)
    assert path.read_text() == "7\t0\t5\n"
    write_spans(rows, path)
    assert read_spans(path) == rows
