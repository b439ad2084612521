"""header: title, type, issuer, office, author and role from bylines and sign-offs."""

from __future__ import annotations

from pathlib import Path

import pytest

from communique.pipeline import Pipeline

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PIPE = Pipeline(["normalize", "parse", "segment", "header"])

SIGNED = """Statement

The Sons of Marovia Will Not Be Silenced

Our movement rejects the decree of 12 May 2019 and calls on every citizen to resist it.

Written for the Central Media Office of the Marovian Liberation Movement by
Teodor Marek
Deputy Spokesman of the Marovian Liberation Movement in Dravik
"""

DASH = """Open Letter to the Parliament of Valdoria

We, the undersigned clergy, ask the chamber to reject the emergency law.

— Anselm Voigt, Bishop of the Kessen Diocese
"""

SUBJECT = """The Eastern Valdoria Council strongly condemns the arrests in Kessen City. It demands the immediate release of all detainees."""


def test_office_signoff_gives_issuer_office_type_and_title():
    doc = PIPE.run((FIX / "kessen_communique.txt").read_text())
    m = doc.meta
    assert m["doc_type"] == "communique"
    assert m["title"] == "Kessen Highlands: The Regime Bombs the Markets Again"
    assert m["issuer"] == "Northern Valdoria Front"
    assert m["office"] == "Media Office of the Northern Valdoria Front in Kessen Province"
    assert m["region"] == "Kessen Province"
    s, e, rule = m["evidence"]["issuer"]
    assert doc.text[s:e] == "Northern Valdoria Front" and rule == "header.office_line"
    (signoff,) = doc.layer("segment")[-1:]
    assert signoff.label in ("signoff", "heading")
    assert [doc.surface(x) for x in doc.layer("segment") if x.label == "signoff"] == [
        "Media Office of the Northern Valdoria Front in Kessen Province"
    ]


def test_written_for_byline_gives_author_and_role():
    doc = PIPE.run(SIGNED)
    m = doc.meta
    assert m["doc_type"] == "statement"
    assert m["title"] == "The Sons of Marovia Will Not Be Silenced"
    assert m["office"] == "Central Media Office of the Marovian Liberation Movement"
    assert m["issuer"] == "Marovian Liberation Movement"
    assert m["author"] == "Teodor Marek"
    assert m["author_role"] == "Deputy Spokesman of the Marovian Liberation Movement in Dravik"
    s, e, _ = m["evidence"]["author"]
    assert (s, e) == (SIGNED.index("Teodor Marek"), SIGNED.index("Teodor Marek") + 12)


def test_dash_signature_and_open_letter():
    doc = PIPE.run(DASH)
    assert doc.meta["doc_type"] == "open_letter"
    assert doc.meta["author"] == "Anselm Voigt"
    assert doc.meta["author_role"] == "Bishop of the Kessen Diocese"
    assert doc.meta["issuer"] == "Kessen Diocese"


def test_issuer_from_statement_subject():
    doc = PIPE.run(SUBJECT)
    assert doc.meta["issuer"] == "Eastern Valdoria Council"
    assert doc.meta["evidence"]["issuer"][2] == "header.statement_subject"


def test_fields_stated_at_ingest_are_kept():
    doc = PIPE.run(SIGNED, {"title": "From the e-mail subject", "issuer": "Given Issuer"})
    assert doc.meta["title"] == "From the e-mail subject"
    assert doc.meta["issuer"] == "Given Issuer"
    assert doc.meta["author"] == "Teodor Marek"


@pytest.mark.parametrize(
    ("first_line", "doc_type"),
    [
        ("Press Release", "press_release"),
        ("PRESS STATEMENT", "press_release"),
        ("Friday Khutbah", "sermon"),
        ("Communique No. 14", "communique"),
        ("Manifesto", "manifesto"),
    ],
)
def test_document_type_lines(first_line, doc_type):
    doc = PIPE.run(f"{first_line}\n\nThe Front rejects the ceasefire terms offered in Dravik.\n")
    assert doc.meta["doc_type"] == doc_type
