"""Arabic folding for search, and its promise: folding never adds or removes a token."""

from __future__ import annotations

import sqlite3

import pytest

from communique.storage.migrations import TOKENIZE
from communique.storage.textfold import fold, fold_query


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        # harakat, shadda, sukun removed (Qur'an 3:160, vowelled)
        ("إِنْ يَنْصُرْكُمُ ٱللَّهُ", "ان ينصركم الله"),
        # alef forms unified
        ("أحمد إسلام آمن ٱلله", "احمد اسلام امن الله"),
        # alef maksura -> yeh, teh marbuta -> heh
        ("تعالى الدولة", "تعالي الدوله"),
        # tatweel inside a word is removed
        ("الجهـــاد", "الجهاد"),
        # superscript alef (dagger alef) removed
        ("هٰذا", "هذا"),
        # Quranic small high marks removed
        ("لَا رَيْبَۛ فِيهِۛ", "لا ريب فيه"),
        # a decorative tatweel line stands alone: kept, so it stays one token
        ("قال ـــــ انتهى", "قال ـــــ انتهي"),
        # text without Arabic is returned unchanged (same object, fast path)
        ("The Free Lantern Front, café", "The Free Lantern Front, café"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_query_normalizes_decomposed_input() -> None:
    # alef + combining hamza above (U+0654) composes to أ under NFC, then folds to ا
    assert fold_query("\u0627\u0654\u0645\u0631") == "امر"


def _tokens(text: str) -> list[str]:
    conn = sqlite3.connect(":memory:")
    conn.execute(f'CREATE VIRTUAL TABLE t USING fts5(x, tokenize="{TOKENIZE}")')
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t VALUES (?)", (text,))
    rows = conn.execute("SELECT term, offset FROM v ORDER BY offset").fetchall()
    conn.close()
    return [term for term, _ in rows]


@pytest.mark.parametrize(
    "text",
    [
        "قال الله تعالى إِنْ يَنْصُرْكُمُ ٱللَّهُ فَلَا غَالِبَ لَكُمْ",
        "بيان ـــــــ ۞ صادر عن المكتب الإعلامي ۝١٢",
        "َ وحده ّ",  # lone diacritics between spaces
        "The Council of the Northern Banner: «الجهـاد» (2024) — done.",
        "ـ",
    ],
)
def test_folding_keeps_token_count(text: str) -> None:
    # snippets are cut from the original using token numbers from the folded index
    assert len(_tokens(text)) == len(_tokens(fold(text)))


def test_vowelled_word_is_one_token_after_folding() -> None:
    assert _tokens(fold("يَنْصُرْكُمُ")) == ["ينصركم"]
