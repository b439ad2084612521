"""segment: paragraphs, headings, sentences and other-script passages, with language and script.

Sentences come from spaCy's parse, then are cut at hard line breaks (a new line that starts
a new sentence or follows end punctuation). An Arabic or Urdu run inside an English
sentence becomes a ``passage`` segment of its own with ``lang="ar"``/``"ur"``.
"""

from __future__ import annotations

import re
from collections import Counter

from ..model import trim
from ..nlp import ARABIC_CHARS, detect_language, main_script
from .stage import Stage
from .work import Work

NAME = "segment"
VERSION = "1"
SOURCE = f"{NAME}@{VERSION}"

# A run of Arabic-script text: at least two words or 6 letters (chosen so that a single
# transliterated honorific like (ﷺ) is not a passage of its own).
_ARABIC_RUN = re.compile(
    f"[{ARABIC_CHARS}][{ARABIC_CHARS}\\s\u064b-\u065f\u0670\u06d6-\u06ed«»().,:;!؟،]*[{ARABIC_CHARS}]"
)
_MIN_PASSAGE_LETTERS = 6
_END_PUNCT = ".!?:;\"'”’)»]"
# A heading: one short line without end punctuation (or a markdown #-line).
_MAX_HEADING_WORDS = 16  # longest title line in the example corpus is 14 words
# A sentence overrides its paragraph's language only when fastText is sure and the sentence
# long enough: names-heavy English sentences of <60 letters came out fr/de/it in the corpus.
_SENT_OVERRIDE_SCORE = 0.9
_SENT_OVERRIDE_LETTERS = 60
_BLOCK_OVERRIDE_LETTERS = 200
_DOC_LANG_CHARS = 5000  # the document's language is judged on its opening
_ARABIC_SENT_SPLIT = re.compile(r"(?<=[.!؟?۔])\s+|\n+")


def _is_heading(line: str) -> bool:
    s = line.strip()
    if not s or "\n" in s:
        return False
    if s.startswith("#"):
        return True
    if len(s.split()) > _MAX_HEADING_WORDS or s[-1] in ".!?,;:\"”’»":
        return False
    # most words capitalised, or a short line of few words
    words = [w for w in re.findall(r"[^\W\d_]+", s)]
    if not words:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps / len(words) >= 0.5 or len(words) <= 4


def _line_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut [start, end) at hard line breaks; soft-wrapped lines stay together."""
    pieces: list[tuple[int, int]] = []
    cur = start
    pos = text.find("\n", start, end)
    while pos != -1:
        prev = text[cur:pos].rstrip()
        nxt = text[pos + 1 : end].lstrip()
        soft = prev and prev[-1] not in _END_PUNCT and nxt[:1].islower()
        if not soft:
            pieces.append((cur, pos))
            cur = pos + 1
        pos = text.find("\n", pos + 1, end)
    pieces.append((cur, end))
    trimmed = (trim(text, a, b) for a, b in pieces)
    return [(a, b) for a, b in trimmed if b > a]


def _lang(text: str, fallback: str | None) -> tuple[str | None, float]:
    lang, score = detect_language(text)
    if lang is None:
        return fallback, 0.5
    return lang, score


def _run(work: Work) -> None:
    text = work.text
    lang_chars: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    latin = _ARABIC_RUN.sub(" ", text[:_DOC_LANG_CHARS])
    doc_lang = _lang(latin, None)[0] if main_script(latin) == "Latn" else None
    for block in work.blocks:
        chunk = text[block.start : block.end]
        script = main_script(chunk)
        judged = _ARABIC_RUN.sub(" ", chunk) if script == "Latn" else chunk
        blang, bscore = _lang(judged, None)
        if script == "Latn" and doc_lang and blang != doc_lang:
            letters = sum(1 for c in judged if c.isalpha())
            if bscore < _SENT_OVERRIDE_SCORE or letters < _BLOCK_OVERRIDE_LETTERS:
                blang = doc_lang  # a short paragraph of names: the document's language
        label = "heading" if _is_heading(chunk) else "paragraph"
        work.add(
            block.start,
            block.end,
            "segment",
            label,
            source=SOURCE,
            score=round(bscore, 3),
            attrs={"lang": blang, "script": script},
        )
        # sentences
        if block.doc is not None:
            sent_ranges: list[tuple[int, int]] = []
            for s in block.doc.sents:
                sent_ranges.extend(
                    _line_pieces(text, block.start + s.start_char, block.start + s.end_char)
                )
        else:
            sent_ranges = []
            pos = block.start
            for m in _ARABIC_SENT_SPLIT.finditer(chunk):
                sent_ranges.append((pos, block.start + m.start()))
                pos = block.start + m.end()
            sent_ranges.append((pos, block.end))
        for a, b in sent_ranges:
            if b <= a:
                continue
            sent = text[a:b]
            if script == "Latn":  # inline Arabic is a passage of its own; judge the rest
                sent = _ARABIC_RUN.sub(" ", sent)
            slang, sscore = _lang(sent, blang)
            letters = sum(1 for c in sent if c.isalpha())
            if blang and slang != blang and (sscore < _SENT_OVERRIDE_SCORE or letters < _SENT_OVERRIDE_LETTERS):
                slang, sscore = blang, bscore  # short or unsure: the paragraph's language
            sscript = main_script(sent) or script
            work.add(
                a, b, "segment", "sentence", source=SOURCE, score=round(sscore, 3),
                attrs={"lang": slang, "script": sscript},
            )  # fmt: skip
            if slang:
                lang_chars[slang] += b - a
            if sscript:
                scripts[sscript] += b - a
        # other-script passages inside Latin-script blocks
        if script == "Latn":
            for m in _ARABIC_RUN.finditer(chunk):
                run = m.group()
                letters = sum(1 for c in run if c.isalpha())
                if letters < _MIN_PASSAGE_LETTERS:
                    continue
                plang, pscore = _lang(run, "ar")
                a = block.start + m.start()
                work.add(
                    a, a + len(run), "segment", "passage", source=SOURCE, score=round(pscore, 3),
                    attrs={"lang": plang, "script": "Arab"},
                )  # fmt: skip
                if plang:
                    lang_chars[plang] += len(run)
    work.meta["languages"] = [lang for lang, _ in lang_chars.most_common() if lang]
    work.meta["scripts"] = [s for s, _ in scripts.most_common()]


STAGE = Stage(
    NAME,
    VERSION,
    requires=("text", "blocks", "parse"),
    assigns=("segment", "meta.languages"),
    run=_run,
)
