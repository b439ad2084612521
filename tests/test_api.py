"""The Python API the faces use: communique.analyze and communique.open."""

from __future__ import annotations

from pathlib import Path

import pytest

import communique
from communique.errors import IngestError, NotFoundError, QueryError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "corpus"


def test_analyze_text():
    doc = communique.analyze("The Kessen Council condemns the decree of 3rd March 2021.")
    assert doc.id == communique.doc_id(doc.text)
    (date,) = doc.layer("date")
    assert (doc.surface(date), date.attrs["value"]) == ("3rd March 2021", "2021-03-03")
    assert doc.meta["published"] == "2021-03-03" and doc.meta["published_how"] == "inferred"


@pytest.mark.parametrize(
    ("name", "issuer"),
    [
        ("moi_04_designation_order.pdf", "Ministry of the Interior of the Republic of Valdoria"),  # PDF text layer
        ("nvf_06_dressa_talks.docx", "Northern Valdoria Front"),  # DOCX, sign-off over separate paragraphs
        ("cfk_11_kessen_accord.eml", "Council of the Faithful of Kessen"),  # e-mail
    ],
)
def test_analyze_path(name, issuer):
    doc = communique.analyze(EXAMPLES / name)
    assert doc.meta["issuer"] == issuer
    assert doc.meta["source"].endswith(name)


def test_analyze_unreadable_file_raises_with_reason(tmp_path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(IngestError) as err:
        communique.analyze(junk)
    assert err.value.code == "E104"
    assert "PDF" in err.value.message


def test_corpus_roundtrip(tmp_path):
    with communique.open(tmp_path / "c.db") as corpus:
        summary = corpus.analyze([EXAMPLES / "nvf_08_ceasefire_collapse.txt", EXAMPLES / "nvf_channel_export.jsonl"])
        # nvf_08 is byte-identical to line 2 of the JSONL export: one document, two sources
        assert summary.failed == 0
        assert summary.added + summary.known == 1 + 2
        assert summary.new_sources == 1
        hits = corpus.search("ceasefire")
        assert hits and hits[0].snippet
        doc = corpus.get(hits[0].id[:6])
        assert doc.id == hits[0].id
        assert len(corpus) == summary.added
        with pytest.raises(NotFoundError):
            corpus.get("0000000000000000")
        with pytest.raises(QueryError):
            corpus.search('"unbalanced')


def test_offsets_map_back_to_the_file_as_read():
    # nvf_05 has CRLF line endings: normalized offsets shift, the map brings them back
    path = EXAMPLES / "nvf_05_election_boycott.txt"
    raw = path.read_bytes().decode("utf-8")
    assert "\r\n" in raw
    doc = communique.analyze(path)
    assert doc.meta.get("offset_map")
    last = doc.layer("entity")[-1]
    a, b = communique.original_offset(doc, last.start), communique.original_offset(doc, last.end)
    assert raw[a:b] == doc.surface(last)
