"""eml: the text/plain body (else the HTML body), headers as meta, attachments named."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from communique.errors import E_INGEST_EMPTY
from communique.ingest import IngestFailure, RawDoc, read_bytes


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.get("sender", "Teodor Marek <press@nvf.example>")
    message["To"] = "newsroom@valdoria-post.example"
    message["Subject"] = headers.get("subject", "Communiqué No. 7")
    message["Date"] = headers.get("date", "Tue, 05 Mar 2024 23:30:00 -0500")
    return message


def test_plain_text_with_html_alternative_and_attachment() -> None:
    message = _message()
    message.set_content(
        "The Northern Valdoria Front will march on Port Alvin.\n\nGlory to the Front.\n"
    )
    message.add_alternative("<html><body><p>HTML version</p></body></html>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="c7.pdf"
    )
    data = message.as_bytes(policy=SMTP)
    result = read_bytes(data, "c7.eml")
    assert result.failures == []
    assert result.docs == [
        RawDoc(
            # line endings as on the wire (CRLF): the normalize stage folds them
            text="The Northern Valdoria Front will march on Port Alvin.\r\n\r\nGlory to the Front.\r\n",
            meta={
                "format": "eml",
                "title": "Communiqué No. 7",
                # the date as the sender's clock gives it, not converted to UTC
                "published": "2024-03-05",
                "published_how": "stated",
                "sender": "Teodor Marek <press@nvf.example>",
                "attachments": ["c7.pdf"],
            },
            source="c7.eml",
            format="eml",
        )
    ]


def test_html_only_body_goes_through_the_html_extractor() -> None:
    message = _message(subject="Statement of the Kessel Bay Council")
    message.set_content(
        "<html lang='en'><body><nav>Menu</nav><p>The Council condemns the raid.</p>"
        "<p>Fishermen, stay ashore.</p><footer>Unsubscribe</footer></body></html>",
        subtype="html",
    )
    (doc,) = read_bytes(message.as_bytes(policy=SMTP), "council.eml").docs
    assert doc.text == "The Council condemns the raid.\n\nFishermen, stay ashore."
    assert doc.meta["title"] == "Statement of the Kessel Bay Council"
    assert doc.meta["lang"] == "en"
    assert "attachments" not in doc.meta


def test_latin1_body_and_encoded_subject() -> None:
    raw = (
        "From: =?iso-8859-1?q?Bureau_de_Presse_du_Front?= <presse@nvf.example>\r\n"
        "Subject: =?iso-8859-1?q?D=E9claration_n=B0_7?=\r\n"
        "Date: 5 Mar 2024 10:00:00 +0100\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
    ).encode("ascii") + "Le Front déclare : nous marcherons sur Port-Alvin.\r\n".encode("latin-1")
    (doc,) = read_bytes(raw, "fr.eml").docs
    assert doc.text == "Le Front déclare : nous marcherons sur Port-Alvin.\r\n"
    assert doc.meta["title"] == "Déclaration n° 7"
    assert doc.meta["sender"] == "Bureau de Presse du Front <presse@nvf.example>"


def test_unknown_charset_falls_back_to_detection() -> None:
    raw = (
        b"From: press@nvf.example\r\nSubject: x\r\nDate: 5 Mar 2024 10:00:00 +0100\r\n"
        b"Content-Type: text/plain; charset=x-unknown-valdorian\r\n\r\n"
        b"The Front met.\r\n"
    )
    (doc,) = read_bytes(raw, "odd.eml").docs
    assert doc.text == "The Front met.\r\n"


def test_bad_date_is_left_out() -> None:
    message = _message(date="the fifth of March")
    message.set_content("The Front met.\n")
    (doc,) = read_bytes(message.as_bytes(policy=SMTP), "d.eml").docs
    assert "published" not in doc.meta


def test_only_attachments_is_empty() -> None:
    message = _message()
    message.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="poster.png")
    assert read_bytes(message.as_bytes(policy=SMTP), "a.eml").failures == [
        IngestFailure("a.eml", E_INGEST_EMPTY, "e-mail has no text or HTML body")
    ]
