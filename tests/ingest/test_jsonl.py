"""jsonl: one document per good line; each bad line a failure for path#L<n>."""

from __future__ import annotations

import json
from pathlib import Path

from communique.errors import (
    E_INGEST_CORRUPT,
    E_INGEST_EMPTY,
    E_INGEST_ENCODING,
    E_INGEST_FORMAT,
    E_INGEST_TOO_LARGE,
)
from communique.ingest import IngestFailure, Limits, RawDoc, read_bytes, read_path

LINES = [
    # 1: good, with meta
    json.dumps(
        {
            "text": "The Northern Valdoria Front will march.",
            "meta": {"title": "Communique No. 7", "published": "2024-03-05", "tags": ["roads", 7]},
        }
    ),
    # 2: blank, skipped
    "",
    # 3: invalid JSON
    '{"text": "unterminated',
    # 4: good, no meta
    json.dumps({"text": "The Kessel Bay Council answers."}),
    # 5: text missing
    json.dumps({"meta": {"title": "no text"}}),
    # 6: text empty
    json.dumps({"text": "   "}),
    # 7: text of the wrong type
    json.dumps({"text": 7}),
    # 8: meta of the wrong type
    json.dumps({"text": "x", "meta": ["a"]}),
    # 9: not an object
    json.dumps(["text", "x"]),
    # 10: NaN is not JSON
    '{"text": "x", "meta": {"score": NaN}}',
    # 11: good, CRLF line ending handled
    json.dumps({"text": "Glory to the Front.", "meta": None}) + "\r",
]


def test_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    result = read_path(path)
    src = str(path)
    assert result.docs == [
        RawDoc(
            text="The Northern Valdoria Front will march.",
            meta={
                "format": "jsonl",
                "title": "Communique No. 7",
                "published": "2024-03-05",
                "tags": ["roads", 7],
            },
            source=f"{src}#L1",
            format="jsonl",
        ),
        RawDoc("The Kessel Bay Council answers.", {"format": "jsonl"}, f"{src}#L4", "jsonl"),
        RawDoc("Glory to the Front.", {"format": "jsonl"}, f"{src}#L11", "jsonl"),
    ]
    assert result.failures == [
        IngestFailure(
            f"{src}#L3",
            E_INGEST_CORRUPT,
            "invalid JSON: Unterminated string starting at: line 1 column 10 (char 9)",
        ),
        IngestFailure(f"{src}#L5", E_INGEST_FORMAT, '"text" is missing'),
        IngestFailure(f"{src}#L6", E_INGEST_EMPTY, '"text" is empty'),
        IngestFailure(f"{src}#L7", E_INGEST_FORMAT, '"text" is a int, not a string'),
        IngestFailure(f"{src}#L8", E_INGEST_FORMAT, '"meta" is a list, not an object'),
        IngestFailure(f"{src}#L9", E_INGEST_FORMAT, "expected a JSON object, got list"),
        IngestFailure(f"{src}#L10", E_INGEST_CORRUPT, "invalid JSON: NaN is not valid JSON"),
    ]


def test_bad_utf8_on_one_line() -> None:
    data = b'{"text": "ok"}\n{"text": "caf\xe9"}\n'
    result = read_bytes(data, "b.jsonl")
    assert [d.source for d in result.docs] == ["b.jsonl#L1"]
    assert result.failures == [
        IngestFailure("b.jsonl#L2", E_INGEST_ENCODING, "line is not valid UTF-8")
    ]


def test_line_over_max_chars() -> None:
    data = (json.dumps({"text": "short"}) + "\n" + json.dumps({"text": "x" * 50}) + "\n").encode()
    result = read_bytes(data, "m.jsonl", Limits(max_chars=10))
    assert [d.text for d in result.docs] == ["short"]
    assert result.failures == [
        IngestFailure(
            "m.jsonl#L2",
            E_INGEST_TOO_LARGE,
            "text is 50 characters, over the 10 limit (--max-chars)",
        )
    ]


def test_only_blank_lines_is_empty() -> None:
    # named .jsonl but holding only whitespace: sniffed as text, empty either way
    (failure,) = read_bytes(b"\n\n  \n", "none.jsonl").failures
    assert (failure.source, failure.code) == ("none.jsonl", E_INGEST_EMPTY)
