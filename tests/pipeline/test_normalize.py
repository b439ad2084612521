"""normalize: NFC, line endings, invisible characters, mojibake; offsets map back."""

from __future__ import annotations

import pytest

from communique.pipeline.normalize import fold, normalize, to_original


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kessen City, 5 May 2018", "Kessen City, 5 May 2018"),  # already clean: unchanged
        ("line one\r\nline two\r\n", "line one\nline two\n"),  # CRLF
        ("Cafe\u0301 Marovia", "Caf\u00e9 Marovia"),  # combining accent composed (NFC)
        ("zero\u200bwidth\ufeff", "zerowidth"),  # zero-width space and BOM dropped
        ("the Frontâ€™s statement", "the Front\u2019s statement"),  # UTF-8 read as cp1252
    ],
)
def test_normalize(raw, expected):
    text, _ = normalize(raw)
    assert text == expected


def test_offsets_map_back_to_the_original():
    raw = "Press Release\r\nCafe\u0301 \u200bMarovia\r\n"
    text, anchors = normalize(raw)
    assert text == "Press Release\nCaf\u00e9 Marovia\n"
    i = text.index("Marovia")
    assert raw[to_original(i, anchors) : to_original(i, anchors) + 7] == "Marovia"
    j = text.index("Release")
    assert raw[to_original(j, anchors)] == "R"


def test_fold_keeps_length_and_folds_quotes_and_dashes():
    s = "\u201cRise\u201d \u2014 the Front\u2019s \u00abcall\u00bb"
    assert fold(s) == '"Rise" - the Front\'s "call"'
    assert len(fold(s)) == len(s)
