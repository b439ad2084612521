"""parse: split the text into paragraph blocks and run spaCy once over the Latin-script ones.

Every later stage shares this parse. Blocks that are mostly non-Latin script (an Arabic
verse on its own line) are not given to the English model, so Arabic tokens are never
tagged as English entities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..nlp import MAX_PARSE_CHARS, main_script, spacy_nlp
from .stage import Stage
from .work import Block, Work

NAME = "parse"
VERSION = "1"

_BLANK = re.compile(r"\n[ \t]*\n\s*")


def split_blocks(text: str) -> list[Block]:
    """Paragraph blocks: runs of text between blank lines, trimmed of outer whitespace."""
    blocks: list[Block] = []
    pos = 0
    for m in _BLANK.finditer(text):
        _append(blocks, text, pos, m.start())
        pos = m.end()
    _append(blocks, text, pos, len(text))
    return blocks


def _append(blocks: list[Block], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return
    # very long blocks are cut at line breaks (or, failing that, hard) to bound parse memory
    while end - start > MAX_PARSE_CHARS:
        cut = text.rfind("\n", start, start + MAX_PARSE_CHARS)
        if cut <= start:
            cut = text.rfind(" ", start, start + MAX_PARSE_CHARS)
        if cut <= start:
            cut = start + MAX_PARSE_CHARS
        blocks.append(Block(start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    blocks.append(Block(start, end))


def is_parseable(text: str) -> bool:
    """The English model only sees blocks written mainly in Latin script."""
    return main_script(text) == "Latn"


def _run_batch(works: Sequence[Work]) -> None:
    todo: list[tuple[Block, str]] = []
    for w in works:
        w.blocks = split_blocks(w.text)
        for b in w.blocks:
            chunk = w.text[b.start : b.end]
            if is_parseable(chunk):
                todo.append((b, chunk))
    nlp = spacy_nlp()
    for (block, _), sdoc in zip(todo, nlp.pipe((c for _, c in todo), batch_size=64), strict=True):
        block.doc = sdoc


def _run(work: Work) -> None:
    _run_batch([work])


STAGE = Stage(
    NAME, VERSION, requires=("text",), assigns=("blocks", "parse"), run=_run, run_batch=_run_batch
)
