"""Merging rule and model findings."""

from __future__ import annotations

from communique.techniques import Finding
from communique.techniques.detect import merge, sentences_of


def F(start, end, tech, score, source):
    return Finding(start, end, tech, score, source, f"{source} says {tech}", {})


def test_same_technique_overlapping_merges_with_noisy_or_and_all_sources():
    out = merge([F(10, 40, "Name_Calling-Labeling", 0.6, "model:m1"), F(12, 20, "Name_Calling-Labeling", 0.8, "rule:nc")])
    (f,) = out
    assert (f.start, f.end, f.source) == (12, 20, "rule:nc")  # the stronger finding's span
    assert f.score == 0.92  # 1 - (1-0.8)(1-0.6)
    assert f.evidence["sources"] == ["model:m1", "rule:nc"]
    assert f.evidence["agreeing"] == [{"source": "model:m1", "start": 10, "end": 40, "score": 0.6}]


def test_different_techniques_may_overlap():
    out = merge([F(0, 30, "Name_Calling-Labeling", 0.7, "rule:a"), F(5, 12, "Loaded_Language", 0.6, "rule:b")])
    assert [(f.start, f.end, f.technique) for f in out] == [(0, 30, "Name_Calling-Labeling"), (5, 12, "Loaded_Language")]


def test_barely_overlapping_same_technique_stays_apart():
    out = merge([F(0, 20, "Doubt", 0.7, "rule:a"), F(18, 40, "Doubt", 0.6, "model:m")])
    assert len(out) == 2


def test_sentences_from_lines_without_a_segment_layer():
    text = "Title line\n\n  First sentence here.\nSecond one.\n"
    assert [text[a:b] for a, b in sentences_of(text, [])] == ["Title line", "First sentence here.", "Second one."]
