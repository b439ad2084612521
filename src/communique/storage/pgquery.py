"""PostgreSQL full-text helpers: the text the index sees, the query language as a tsquery,
and where a query matches in a document (for snippets and match offsets).

The SQLite index tokenizes with FTS5's ``unicode61`` (letters and digits form tokens,
everything else separates them, Latin diacritics and case are ignored) over text folded by
``textfold.fold``. PostgreSQL's default parser knows more token types (``al-Qaeda`` is a
hyphenated word *and* its parts, ``2024-03-01`` is ``2024`` and two negative numbers,
``U.S.`` a host name), so the server index is built over a *normalized* text in which that
cannot happen: ``index_text`` folds Arabic like the SQLite index, lowercases, strips Latin
diacritics (``Café`` → ``cafe``) and turns every character that is not a token character
for ``unicode61`` into a space. Left with words separated by spaces, the parser and the
``'simple'`` configuration (lowercase, no stop words, no stemming) produce the same tokens
as ``unicode61`` would, and the query side goes through the same function, so both agree.

Queries are parsed by ``storage.query`` (the same language, the same errors) and rendered
here as a ``tsquery``: ``&`` for AND, ``|`` for OR, ``& !`` for NOT, ``<->`` between the
words of a phrase, ``:*`` on the last word of a prefix term. The lexemes of each term come
from the server's own parser (``ts_parse``) so that index and query cannot disagree on a
character the server's locale classifies differently from Python.

Snippets and match offsets are computed over the normalized text and mapped back to the
original through ``Aligned``: every normalized character remembers the original character
it came from, so the « » marks land on the original words with their diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..errors import E_QUERY, QueryError
from .query import _STOPWORDS, _lex, _Parser, _Tok
from .textfold import _REMOVED_RUN, LETTER_MAP, REMOVED, _drop_run, _is_token_char, fold, fold_query

#: ts_parse token types the 'simple' configuration does not index (blank, tag, protocol,
#: entity): everything else is a word.
NON_WORD_TOKENS = frozenset({12, 13, 14, 23})

#: Arabic, Arabic Supplement, Arabic Extended-A, Presentation Forms-A and -B.
_ARABIC_BLOCKS = (
    (0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF),
)  # fmt: skip


def _is_arabic(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _ARABIC_BLOCKS)


def _norm_char(ch: str) -> str:
    """What one character of folded text becomes in the index text (one or more chars)."""
    if not _is_token_char(ch):
        return " "
    if ch in REMOVED or _is_arabic(ch):
        return ch  # Arabic is folded by textfold; its decompositions (hamza) are letters
    low = ch.lower()
    stripped = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped) or " "


class _NormTable(dict[int, str]):
    """``str.translate`` table filled on first use of each code point."""

    def __missing__(self, cp: int) -> str:
        out = self[cp] = _norm_char(chr(cp))
        return out


_TABLE = _NormTable()
_ASCII_NON_TOKEN = re.compile(r"[^A-Za-z0-9]")


def _normalize(folded: str) -> str:
    if folded.isascii():
        return _ASCII_NON_TOKEN.sub(" ", folded).lower()
    return folded.translate(_TABLE)


def index_text(text: str | None) -> str:
    """The text the server index holds for ``text`` (see the module docstring)."""
    if not text:
        return ""
    return _normalize(fold(text))


def query_text(term: str) -> str:
    """The normalized form of one query word or phrase (NFC, folded like the index)."""
    return _normalize(fold_query(term))


def _fold_origin(text: str, folded: str) -> list[int]:
    """For each character of ``fold(text)``, its index in ``text``. Folding deletes the
    runs of removable marks that touch a word (``textfold._drop_run``) and maps letters
    one to one, so the kept indexes are the text's minus those runs."""
    if folded == text:
        return list(range(len(text)))
    origin: list[int] = []
    pos = 0
    for m in _REMOVED_RUN.finditer(text):
        if _drop_run(m) == "":
            origin.extend(range(pos, m.start()))
            pos = m.end()
    origin.extend(range(pos, len(text)))
    if len(origin) != len(folded):  # not expected: align greedily, character by character
        origin, j = [], 0
        for i, ch in enumerate(text):
            if j < len(folded) and LETTER_MAP.get(ch, ch) == folded[j]:
                origin.append(i)
                j += 1
        origin += [len(text) - 1] * (len(folded) - len(origin))
    return origin


class Aligned:
    """The index text of an original text, with the way back to original offsets.

    ``origin[k]`` is the index in the original of the character that normalized character
    ``k`` came from; ``kept[i]`` says whether original character ``i`` left a trace in the
    normalized text (Arabic diacritics, tatweel and combining marks inside words do not);
    None when every character did (ASCII text, normalized character for character).
    """

    __slots__ = ("kept", "norm", "origin", "text")
    text: str
    norm: str
    origin: Sequence[int]
    kept: list[bool] | None

    def __init__(self, text: str) -> None:
        self.text = text
        if text.isascii():
            self.norm = _normalize(text)
            self.origin = range(len(text))
            self.kept = None
            return
        folded = fold(text)
        fold_origin = _fold_origin(text, folded)
        norm = _normalize(folded)
        if len(norm) == len(folded):  # every character became one: the common case
            origin: list[int] = fold_origin
        else:
            origin = []
            for k, ch in enumerate(folded):
                origin.extend([fold_origin[k]] * len(_TABLE[ord(ch)]))
        self.norm = norm
        self.origin = origin
        kept = [False] * len(text)
        for i in origin:
            kept[i] = True
        self.kept = kept

    def start(self, k: int) -> int:
        """Original offset where the character at normalized offset ``k`` begins, widened
        left over dropped characters that belong to the same word."""
        i = self.origin[k]
        kept = self.kept
        while kept is not None and i > 0 and not kept[i - 1] and not self.text[i - 1].isspace():
            i -= 1
        return i

    def end(self, k: int) -> int:
        """Original offset just after the character at normalized offset ``k - 1``, widened
        right over dropped characters (a final vowel mark, a combining accent)."""
        i = self.origin[k - 1] + 1
        n = len(self.text)
        kept = self.kept
        while kept is not None and i < n and not kept[i] and not self.text[i].isspace():
            i += 1
        return i


# -- the query language as a tsquery ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One word or phrase of a query: its normalized text and whether it is a prefix."""

    text: str
    prefix: bool


def parse(query: str) -> tuple:
    """The query's syntax tree (``storage.query``); QueryError (E300) when malformed."""
    node = _Parser(_lex(query)).parse()
    if node[0] == "not":
        raise _nothing()
    return node


def _nothing() -> QueryError:
    return QueryError(
        E_QUERY, "nothing to search for: NOT or '-' only excludes; add a word to find"
    )


def _term(tok: _Tok) -> Term:
    return Term(query_text(tok.value), tok.prefix)


def terms(node: tuple) -> list[Term]:
    """Every term of the tree, excluded ones included, in query order."""
    if node[0] == "term":
        return [_term(node[1])]
    if node[0] == "not":
        return terms(node[1])
    return [t for child in node[1] for t in terms(child)]


def positive(node: tuple) -> list[Term]:
    """The terms a matching document contains (not those under NOT), in query order."""
    if node[0] == "term":
        return [_term(node[1])]
    if node[0] == "not":
        return []
    return [t for child in node[1] for t in positive(child)]


def any_terms(node: tuple) -> tuple:
    """A tree matching any positive term (function words left out when the query has
    others): how ``Store.hits`` marks the words of a query in a document found by meaning."""
    toks: list[_Tok] = []

    def walk(n: tuple) -> None:
        if n[0] == "term":
            toks.append(n[1])
        elif n[0] in ("and", "or"):
            for c in n[1]:
                walk(c)

    walk(node)
    content = [t for t in toks if t.phrase or t.prefix or t.value.casefold() not in _STOPWORDS]
    chosen = content or toks
    nodes = [("term", t) for t in chosen]
    return nodes[0] if len(nodes) == 1 else ("or", nodes)


def quote(lexeme: str) -> str:
    """A lexeme as a quoted tsquery operand."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _phrase(lexemes: Sequence[str], prefix: bool) -> str:
    parts = [quote(x) for x in lexemes]
    if prefix:
        parts[-1] += ":*"
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


def to_tsquery(query: str, node: tuple, lexemes: Callable[[str], Sequence[str]]) -> str:
    """Render a query tree as tsquery text. ``lexemes(text)`` gives the server's lexemes of
    a normalized term; a term without any (punctuation only) is dropped, as ``to_fts5``
    drops it. Raises QueryError (E300) when nothing searchable is left or the query only
    excludes. Mirrors ``query._emit`` operator for operator."""

    def emit(n: tuple) -> str | None:
        kind = n[0]
        if kind == "term":
            t = _term(n[1])
            lex = lexemes(t.text)
            return _phrase(lex, t.prefix) if lex else None
        if kind == "or":
            parts = [p for p in map(emit, n[1]) if p is not None]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
        if kind == "not":
            raise _nothing()
        children = n[1] if kind == "and" else [n]
        pos = [p for p in (emit(c) for c in children if c[0] != "not") if p is not None]
        neg = [p for p in (emit(c[1]) for c in children if c[0] == "not") if p is not None]
        if not pos:
            if neg:
                raise _nothing()
            return None
        out = pos[0] if len(pos) == 1 else "(" + " & ".join(pos) + ")"
        if neg:
            excluded = neg[0] if len(neg) == 1 else "(" + " | ".join(neg) + ")"
            out = "(" + out + " & !" + excluded + ")"
        return out

    out = emit(node)
    if out is None:
        raise QueryError(E_QUERY, f"nothing searchable in {query!r}: it has no words or numbers")
    return out


# -- where a query matches --------------------------------------------------------------------


#: A normalized word the server's default parser keeps as one token, whatever its locale:
#: ASCII letters and digits starting with a letter, or starting with a digit without an
#: "e" (``1e5`` is scientific notation, ``9e9e9`` two tokens). Checked against ts_parse
#: on 55,000 random words (tests/storage/test_postgres.py keeps a sample).
SIMPLE_WORD = re.compile(r"[a-z][a-z0-9]*|[0-9][a-df-z0-9]*")
_WORD = re.compile(r"\S+")
_SIMPLE_CHARS = re.compile(r"[a-z0-9 ]*")
_DIGIT_FIRST_WITH_E = re.compile(r"(?:^| )[0-9][a-z0-9]*e")


def is_simple(norm: str) -> bool:
    """Whether every word of a normalized text is a ``SIMPLE_WORD``: then the server's
    tokens are the text's space-separated words, and matching can be done here."""
    return bool(_SIMPLE_CHARS.fullmatch(norm)) and not _DIGIT_FIRST_WITH_E.search(norm)


def simple_words(norm: str) -> list[tuple[int, int, str]] | None:
    """(start, end, word) of the words of a normalized text when it ``is_simple``;
    None otherwise."""
    if not is_simple(norm):
        return None
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(norm)]


def find_phrases(
    norm: str, phrases: Iterable[tuple[Sequence[str], bool]]
) -> list[tuple[int, int]]:
    """``match_ranges`` for a text that ``is_simple``, by regular expression: the same
    ranges, without listing every word."""
    found: list[tuple[int, int]] = []
    for lex, prefix in phrases:
        if not lex:
            continue
        body = " +".join(re.escape(x) for x in lex) + ("[^ ]*" if prefix else "")
        # a lookahead finds overlapping occurrences too ("red red" in "red red red")
        for m in re.finditer(f"(?<![^ ])(?=({body})(?![^ ]))", norm):
            found.append(m.span(1))
    return _merge(found)


def word_tokens(parsed: Iterable[tuple[int, str]], norm: str) -> list[tuple[int, int, str]]:
    """(start, end, lexeme) of each word token, from ``ts_parse`` rows (tokid, token) that
    cover ``norm`` in order. Falls back to splitting on whitespace if they do not."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for tokid, token in parsed:
        if norm.startswith(token, pos):
            if tokid not in NON_WORD_TOKENS:
                out.append((pos, pos + len(token), token))
            pos += len(token)
        else:
            break
    if pos != len(norm):
        out = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", norm)]
    return out


def match_ranges(
    words: Sequence[tuple[int, int, str]], phrases: Iterable[tuple[Sequence[str], bool]]
) -> list[tuple[int, int]]:
    """Normalized-text ranges of every occurrence of every phrase (lexemes, prefix), one
    range per occurrence, overlapping occurrences merged, sorted."""
    found: list[tuple[int, int]] = []
    lexes = [w[2] for w in words]
    for lex, prefix in phrases:
        k = len(lex)
        if not k:
            continue
        for i in range(len(lexes) - k + 1):
            if all(lexes[i + j] == lex[j] for j in range(k - 1)) and (
                lexes[i + k - 1].startswith(lex[-1]) if prefix else lexes[i + k - 1] == lex[-1]
            ):
                found.append((words[i][0], words[i + k - 1][1]))
    return _merge(found)


def _merge(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    found.sort()
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
