"""normalize: the text every offset points into.

NFC, line endings to ``\\n``, control and zero-width characters removed, mojibake repaired
(ftfy, only where it detects mojibake). Typographic quotes and dashes stay in the text; a
same-length folded view (:func:`fold`) serves the rules, so folding is reversible.

The map from normalized offsets back to the original string is kept as anchors
``[(norm_offset, orig_offset), ...]`` where the offset delta changes; see :func:`to_original`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

NAME = "normalize"
VERSION = "1"

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Quotes, dashes and odd spaces folded to ASCII; same length as ``text``."""
    return text.translate(_FOLD)


# Removed at ingest: C0/C1 controls except \t \n, zero-width chars, BOM, soft hyphen.
# Directional marks (LRM/RLM/ALM) are removed as well: they carry no content and split tokens.
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u061c\u2060\ufeff\u00ad]")
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00e2\u00d8\u00d9][\u0080-\u00bf\u2018-\u201e\u20ac\u2122\u0152\u0153\u0160\u0161\u017d\u017e\u0178\u02c6\u02dc]")


def normalize(raw: str) -> tuple[str, list[tuple[int, int]]]:
    """Return the normalized text and its offset anchors into ``raw``."""
    fast = (
        "\r" not in raw
        and not _DROP.search(raw)
        and unicodedata.is_normalized("NFC", raw)
        and not _MOJIBAKE_HINT.search(raw)
    )
    if fast:
        return raw, [(0, 0)]
    return _normalize_slow(raw)


def _normalize_slow(raw: str) -> tuple[str, list[tuple[int, int]]]:
    # Work line by line so the anchor map stays exact at every line start and, within a
    # line, exact wherever characters map one to one.
    out: list[str] = []
    anchors: list[tuple[int, int]] = []
    n_out = 0
    pos = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        fixed = _fix_mojibake(body)
        # character-wise: drop, then NFC per base character + combining marks
        i = 0
        if fixed is not body:
            # mojibake repaired: map the line start only
            piece = unicodedata.normalize("NFC", _DROP.sub("", fixed))
            anchors.append((n_out, pos))
            out.append(piece)
            n_out += len(piece)
        else:
            while i < len(body):
                j = i + 1
                while j < len(body) and unicodedata.combining(body[j]):
                    j += 1
                cluster = body[i:j]
                piece = unicodedata.normalize("NFC", _DROP.sub("", cluster))
                if not anchors or (n_out - anchors[-1][0]) != (pos + i - anchors[-1][1]):
                    anchors.append((n_out, pos + i))
                out.append(piece)
                n_out += len(piece)
                i = j
        if ending:
            if not anchors or (n_out - anchors[-1][0]) != (pos + len(body) - anchors[-1][1]):
                anchors.append((n_out, pos + len(body)))
            out.append("\n")
            n_out += 1
        pos += len(line)
    if not anchors:
        anchors = [(0, 0)]
    return "".join(out), anchors


def _fix_mojibake(line: str) -> str:
    if not _MOJIBAKE_HINT.search(line):
        return line
    import ftfy  # lazy: only for the rare broken line

    fixed = ftfy.fix_encoding(line)
    return fixed if fixed != line else line


def to_original(offset: int, anchors: list[tuple[int, int]]) -> int:
    """Map an offset in the normalized text back to the original string."""
    keys = [a for a, _ in anchors]
    i = bisect.bisect_right(keys, offset) - 1
    if i < 0:
        return offset
    norm, orig = anchors[i]
    return orig + (offset - norm)


def _run(work: Work) -> None:
    if "text" in work.done:
        return
    text, anchors = normalize(work.text)
    work.text = text
    work._folded = None
    if anchors != [(0, 0)]:
        work.meta["offset_map"] = anchors


from .stage import Stage  # noqa: E402
from .work import Work  # noqa: E402

STAGE = Stage(NAME, VERSION, requires=(), assigns=("text",), run=_run)
