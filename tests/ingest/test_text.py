"""txt/md: decoding (UTF-8, BOMs, UTF-16, legacy code pages) and text kept as written."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from communique.errors import E_INGEST_EMPTY, E_INGEST_ENCODING
from communique.ingest import IngestFailure, RawDoc, read_bytes, read_path
from communique.ingest.decode import decode_text

FRENCH = (
    "Déclaration du Front de Valdoria du Nord. Le porte-parole Teodor Marek a annoncé "
    "que la réunion à Ostrava-Nord aura lieu en été.\n"
)
ARABIC = (
    "بيان جبهة فالدوريا الشمالية. قال المتحدث تيودور ماريك إن الاجتماع سيعقد في المدينة "
    "الشمالية يوم الجمعة.\n"
)


def test_utf8_text_kept_exactly(tmp_path: Path) -> None:
    text = "Communiqué No. 7\r\n\r\n  The Front   will  march.\t\n"
    path = tmp_path / "c7.txt"
    path.write_bytes(text.encode("utf-8"))
    result = read_path(path)
    assert result.failures == []
    assert result.docs == [
        RawDoc(
            text=text, meta={"format": "txt", "encoding": "utf-8"}, source=str(path), format="txt"
        )
    ]


def test_markdown_markup_kept(tmp_path: Path) -> None:
    text = "# Communique No. 7\n\nThe **Northern Valdoria Front** demands [release](https://nvf.example).\n"
    path = tmp_path / "c7.md"
    path.write_text(text, encoding="utf-8")
    (doc,) = read_path(path).docs
    assert (doc.format, doc.text, doc.meta) == ("md", text, {"format": "md", "encoding": "utf-8"})


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        # UTF-8 with BOM: the BOM is dropped
        (codecs.BOM_UTF8 + FRENCH.encode(), FRENCH, "utf-8"),
        # UTF-16 LE with BOM
        (codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"), FRENCH, "utf-16-le"),
        # UTF-16 BE with BOM
        (codecs.BOM_UTF16_BE + ARABIC.encode("utf-16-be"), ARABIC, "utf-16-be"),
        # UTF-32 LE with BOM (its BOM starts with UTF-16 LE's)
        (codecs.BOM_UTF32_LE + FRENCH.encode("utf-32-le"), FRENCH, "utf-32-le"),
        # UTF-16 LE without BOM, Latin text: every other byte NUL
        (FRENCH.encode("utf-16-le"), FRENCH, "utf-16-le"),
        # Latin-1 French: no byte the same in cp1252 differs, so cp1252 (the WHATWG reading)
        (FRENCH.encode("latin-1"), FRENCH, "cp1252"),
        # cp1252 with typographic quotes, dashes and the euro sign
        (
            "The Front \u2014 \u201cwe will not yield\u201d \u2013 fined \u20ac5.\n".encode(
                "cp1252"
            ),
            "The Front \u2014 \u201cwe will not yield\u201d \u2013 fined \u20ac5.\n",
            "cp1252",
        ),
        # windows-1256 Arabic
        (ARABIC.encode("cp1256"), ARABIC, "cp1256"),
        # windows-1250 Polish (cp1252 would read ł as ³ and ż as ¿)
        (
            "Oświadczenie Frontu Północnej Valdorii: żądamy zwrotu ziemi. Rzecznik Teodor "
            "Marek powiedział, że spotkanie odbędzie się w piątek.\n".encode("cp1250"),
            "Oświadczenie Frontu Północnej Valdorii: żądamy zwrotu ziemi. Rzecznik Teodor "
            "Marek powiedział, że spotkanie odbędzie się w piątek.\n",
            "cp1250",
        ),
        # windows-1251 Russian
        (
            "Заявление Северного фронта Вальдории: мы требуем возвращения земли.\n".encode(
                "cp1251"
            ),
            "Заявление Северного фронта Вальдории: мы требуем возвращения земли.\n",
            "cp1251",
        ),
    ],
)
def test_decode(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        # Turkish: cp1252 would read ğ ş ı as ð þ ý (Icelandic letters amid Turkish ones)
        (
            "Kuzey Valdorya Cephesi açıklaması: toprağın iadesini talep ediyoruz. Sözcü Teodor "
            "Marek konuştu.\n",
            "cp1254",
        ),
        # Czech: cp1252 would read ř ů č as ø ù è, letters no single language mixes
        (
            "Prohlášení Fronty severní Valdorie: požadujeme návrat půdy. Mluvčí Teodor Marek "
            "řekl, že schůzka bude v pátek.\n",
            "cp1250",
        ),
        # Hungarian: ő ű exist only in cp1250
        (
            "A Front nyilatkozata: követeljük a föld visszaadását. Szóvivő Teodor Marek szerint "
            "ő dönt.\n",
            "cp1250",
        ),
        # Hebrew: a Cyrillic reading has fewer odd characters but less coherence
        (
            "הצהרת החזית של צפון ולדוריה: אנו דורשים את החזרת האדמה. הדובר תאודור מארק אמר.\n",
            "cp1255",
        ),
        # Greek
        ("Δήλωση του Μετώπου της Βόρειας Βαλντόριας: απαιτούμε την επιστροφή της γης.\n", "cp1253"),
        # Russian in KOI8-R: a cp1251 reading flips case inside words
        ("Заявление Северного фронта Вальдории: мы требуем возвращения земли.\n", "koi8_r"),
        # Spanish: cp1250 would turn ñ into ń and ¿ into ż
        (
            "Declaración del Frente: ¿Quién pagará? El portavoz Teodor Marek habló en Año Nuevo.\n",
            "cp1252",
        ),
        # Italian: cp1258 would decompose ò into o + a combining mark
        ("Dichiarazione del Fronte: è già più forte. Il portavoce parlò così.\n", "cp1252"),
    ],
)
def test_legacy_code_pages(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == (text, encoding)


def test_latin1_file_read(tmp_path: Path) -> None:
    path = tmp_path / "declaration.txt"
    path.write_bytes(FRENCH.encode("latin-1"))
    (doc,) = read_path(path).docs
    assert doc.text == FRENCH
    assert doc.meta == {"format": "txt", "encoding": "cp1252"}


def test_utf16_with_bom_file_read(tmp_path: Path) -> None:
    path = tmp_path / "arabic.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + ARABIC.encode("utf-16-le"))
    (doc,) = read_path(path).docs
    assert (doc.text, doc.meta["encoding"]) == (ARABIC, "utf-16-le")


def test_mostly_utf8_with_one_bad_byte() -> None:
    data = ("Déclaration — « Front » " * 10).encode() + b"\xff" + b" fin.\n"
    text, encoding = decode_text(data)
    assert encoding == "utf-8 (1 invalid byte sequence replaced)"
    assert text.endswith("\ufffd fin.\n")


def test_undecodable_is_an_encoding_failure() -> None:
    # high bytes with no NULs or control characters, but no text in any code page
    junk = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xC0, 0xFF, 0xFE, 0xA0]) * 40
    result = read_bytes(junk, "junk.txt")
    assert result.docs == []
    assert [(f.code, f.source) for f in result.failures] == [(E_INGEST_ENCODING, "junk.txt")]


def test_broken_utf16_after_bom() -> None:
    result = read_bytes(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "bad.txt")
    assert result.failures == [
        IngestFailure(
            "bad.txt", E_INGEST_ENCODING, "invalid UTF-16-LE data after its byte-order mark"
        )
    ]


def test_whitespace_only_is_empty() -> None:
    result = read_bytes(b" \n\t\n", "blank.txt")
    assert result.failures == [
        IngestFailure("blank.txt", E_INGEST_EMPTY, "file holds only whitespace")
    ]


def test_empty_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "nothing.txt"
    path.touch()
    assert read_path(path).failures == [
        IngestFailure(str(path), E_INGEST_EMPTY, "file is empty (0 bytes)")
    ]
