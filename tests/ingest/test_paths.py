"""iter_inputs: files, folders (recursive, sorted, hidden skipped), globs, not-found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from communique.errors import E_INGEST_FORMAT, E_INGEST_NOT_FOUND
from communique.ingest import IngestFailure, iter_inputs, read_path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    files = {
        "b.txt": "The Northern Valdoria Front will march.",
        "a.html": "<html><body><p>The Kessel Bay Council answers.</p></body></html>",
        "sub/c.md": "# Communique No. 8\n\nGlory to the **Front**.",
        "sub/deeper/d.txt": "Spokesman Teodor Marek spoke.",
        "poster.png": None,  # binary: a failure, not skipped
        ".hidden.txt": "skipped",
        ".git/config": "skipped",
        "__MACOSX/._b.txt": "skipped",
        "~$draft.docx": "skipped",
        "Thumbs.db": "skipped",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        else:
            path.write_text(text, encoding="utf-8")
    return root


def _rel(items, root: Path) -> list[str]:
    return [
        str(item.relative_to(root)) if isinstance(item, Path) else f"FAIL {item.source}"
        for item in items
    ]


def test_folder_recursive_sorted_hidden_skipped(corpus: Path) -> None:
    assert _rel(iter_inputs([corpus]), corpus) == [
        "a.html",
        "b.txt",
        "poster.png",
        "sub/c.md",
        "sub/deeper/d.txt",
    ]


def test_glob_patterns(corpus: Path) -> None:
    assert _rel(iter_inputs([str(corpus / "*.html")]), corpus) == ["a.html"]
    assert _rel(iter_inputs([str(corpus / "**" / "*.txt")]), corpus) == [
        "b.txt",
        "sub/deeper/d.txt",
    ]


def test_relative_glob_keeps_paths_as_given(corpus: Path, monkeypatch) -> None:
    monkeypatch.chdir(corpus.parent)
    assert list(iter_inputs(["corpus/sub/*.md"])) == [Path("corpus/sub/c.md")]


def test_explicit_hidden_file_is_read(corpus: Path) -> None:
    assert list(iter_inputs([corpus / ".hidden.txt"])) == [corpus / ".hidden.txt"]


def test_missing_path_and_empty_glob(corpus: Path) -> None:
    missing = str(corpus / "nope.txt")
    pattern = str(corpus / "*.pdf")
    assert list(iter_inputs([missing, pattern, corpus / "b.txt"])) == [
        IngestFailure(missing, E_INGEST_NOT_FOUND, "no such file or folder"),
        IngestFailure(pattern, E_INGEST_NOT_FOUND, "no files match the pattern"),
        corpus / "b.txt",
    ]


def test_same_file_once(corpus: Path) -> None:
    items = list(iter_inputs([corpus / "b.txt", corpus, str(corpus / "*.txt")]))
    assert _rel(items, corpus) == ["b.txt", "a.html", "poster.png", "sub/c.md", "sub/deeper/d.txt"]


def test_symlinked_folder_not_followed(corpus: Path) -> None:
    os.symlink(corpus / "sub", corpus / "loop")
    assert "loop/c.md" not in _rel(iter_inputs([corpus]), corpus)


def test_a_batch_over_a_mixed_folder(corpus: Path) -> None:
    texts, failures = [], []
    for item in iter_inputs([corpus]):
        result = read_path(item)
        texts += [(Path(d.source).name, d.format, d.text) for d in result.docs]
        failures += [(Path(f.source).name, f.code, f.reason) for f in result.failures]
    assert texts == [
        ("a.html", "html", "The Kessel Bay Council answers."),
        ("b.txt", "txt", "The Northern Valdoria Front will march."),
        ("c.md", "md", "# Communique No. 8\n\nGlory to the **Front**."),
        ("d.txt", "txt", "Spokesman Teodor Marek spoke."),
    ]
    assert failures == [
        ("poster.png", E_INGEST_FORMAT, "PNG image, not a supported document format")
    ]


def test_a_single_path_is_not_split_into_characters(corpus: Path) -> None:
    assert list(iter_inputs(str(corpus / "b.txt"))) == [corpus / "b.txt"]  # type: ignore[arg-type]
