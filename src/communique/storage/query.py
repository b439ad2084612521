"""The search query language, checked and translated to FTS5 syntax.

Users type::

    jihad caliphate          both words (AND is implied; "AND" may be written)
    "red flag"               the exact phrase: these words, adjacent, in this order
    martyr OR shahid         either
    army -police             army but not police ("NOT police" works too)
    mujahid*                 any word starting with mujahid ("red fla"* for phrases)
    (army OR police) attack  grouping

Operators are upper-case (``or`` and ``not`` are ordinary words, as in FTS5). Every word and
phrase is sent to FTS5 as a quoted string, so punctuation inside a word (``al-Qaeda``,
``U.S.``) never becomes FTS5 syntax; it is tokenized like the index (``al-Qaeda`` is the
phrase "al qaeda"). Each term is folded with ``textfold.fold_query`` so Arabic matches with
or without diacritics. Anything malformed raises ``QueryError`` (E300) with a message that
says what to fix; FTS5 never sees a query this module did not build.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import E_QUERY, QueryError
from .textfold import _is_token_char, fold_query

_OPERATORS = ("AND", "OR", "NOT")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "term", "op", "neg", "(", ")"
    value: str = ""
    phrase: bool = False
    prefix: bool = False


def _err(message: str) -> QueryError:
    return QueryError(E_QUERY, message)


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c == '"':
            j = query.find('"', i + 1)
            if j < 0:
                raise _err(f'unbalanced quote: the phrase {query[i:]!r} has no closing "')
            body = query[i + 1 : j]
            if not body.strip():
                raise _err('empty phrase "": put words between the quotes')
            prefix = j + 1 < n and query[j + 1] == "*"
            toks.append(_Tok("term", body, phrase=True, prefix=prefix))
            i = j + 2 if prefix else j + 1
        elif c in "()":
            toks.append(_Tok(c))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '"()':
                j += 1
            word = query[i:j]
            i = j
            if word in _OPERATORS:
                toks.append(_Tok("op", word))
                continue
            if word.startswith("-"):
                # "-word", or a "-" glued to the phrase/group that follows
                if len(word) > 1 or (i < n and query[i] in '"('):
                    toks.append(_Tok("neg", "-"))
                    word = word[1:]
                if not word:
                    continue
            if word.startswith("*"):
                raise _err(f"misplaced '*' in {word!r}: '*' goes at the end of a word (mujahid*)")
            stem = word.rstrip("*")
            if "*" in stem:
                raise _err(f"misplaced '*' in {word!r}: '*' goes at the end of a word (mujahid*)")
            toks.append(_Tok("term", stem, prefix=stem != word))
    return toks


# AST: ("term", _Tok) | ("and", [nodes]) | ("or", [nodes]) | ("not", node)


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    @staticmethod
    def starts_unary(tok: _Tok | None) -> bool:
        return tok is not None and (
            tok.kind in ("term", "neg", "(") or (tok.kind == "op" and tok.value == "NOT")
        )

    def parse(self) -> tuple:
        if not self.toks:
            raise _err("empty query: type a word to search for")
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:  # only a stray ")" can stop the parser early
            raise _err("unbalanced parenthesis: ')' without a matching '('")
        return node

    def expect_operand(self, op: str) -> None:
        tok = self.peek()
        if tok is None:
            raise _err(f"'{op}' at the end of the query needs a search term after it")
        if not self.starts_unary(tok):
            found = tok.value or tok.kind
            raise _err(f"'{op}' needs a search term after it, found '{found}'")

    def or_expr(self) -> tuple:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.value in ("AND", "OR"):
            raise _err(f"'{tok.value}' needs a search term before it")
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "OR":
            self.take()
            self.expect_operand("OR")
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self) -> tuple:
        parts = [self.unary()]
        while True:
            tok = self.peek()
            if tok is not None and tok.kind == "op" and tok.value == "AND":
                self.take()
                self.expect_operand("AND")
            elif not self.starts_unary(tok):
                break
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def unary(self) -> tuple:
        tok = self.peek()
        if tok is None:
            raise _err("the query ends where a search term was expected")
        if tok.kind == "neg" or (tok.kind == "op" and tok.value == "NOT"):
            self.take()
            name = "NOT" if tok.kind == "op" else "-"
            self.expect_operand(name)
            inner = self.unary()
            if inner[0] == "not":
                raise _err("double negation: use one NOT or '-' per term")
            return ("not", inner)
        if tok.kind == "(":
            self.take()
            if (nxt := self.peek()) is not None and nxt.kind == ")":
                raise _err("empty parentheses: put search terms inside ( )")
            if nxt is None:
                raise _err("unbalanced parenthesis: '(' is never closed")
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != ")":
                raise _err("unbalanced parenthesis: '(' is never closed")
            self.take()
            return node
        if tok.kind == ")":
            raise _err("unbalanced parenthesis: ')' without a matching '('")
        if tok.kind == "op":
            raise _err(f"'{tok.value}' needs a search term before it")
        self.take()
        return ("term", tok)


def _emit(node: tuple) -> str | None:
    kind = node[0]
    if kind == "term":
        tok: _Tok = node[1]
        folded = fold_query(tok.value)
        if not any(_is_token_char(c) for c in folded):
            return None  # punctuation only: nothing to match, dropped
        return '"' + folded.replace('"', '""') + '"' + (" *" if tok.prefix else "")
    if kind == "or":
        parts = [p for p in map(_emit, node[1]) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
    if kind == "not":
        raise _err("nothing to search for: NOT or '-' only excludes; add a word to find")
    children = node[1] if kind == "and" else [node]
    pos = [p for p in (_emit(c) for c in children if c[0] != "not") if p is not None]
    neg = [p for p in (_emit(c[1]) for c in children if c[0] == "not") if p is not None]
    if not pos:
        if neg:
            raise _err("nothing to search for: NOT or '-' only excludes; add a word to find")
        return None
    out = pos[0] if len(pos) == 1 else "(" + " AND ".join(pos) + ")"
    if neg:
        out = (
            "(" + out + " NOT " + (neg[0] if len(neg) == 1 else "(" + " OR ".join(neg) + ")") + ")"
        )
    return out


def to_fts5(query: str) -> str:
    """Check ``query`` and translate it to an FTS5 MATCH expression over folded terms.

    Raises ``QueryError`` (E300) for malformed input: unbalanced quotes or parentheses,
    operators without operands (``AND``, ``foo OR``), queries that only exclude, or queries
    with nothing searchable in them.
    """
    node = _Parser(_lex(query)).parse()
    if node[0] == "not":
        raise _err("nothing to search for: NOT or '-' only excludes; add a word to find")
    out = _emit(node)
    if out is None:
        raise _err(f"nothing searchable in {query!r}: it has no words or numbers")
    return out


def _positive(node: tuple, out: list[_Tok]) -> None:
    kind = node[0]
    if kind == "term":
        out.append(node[1])
    elif kind in ("and", "or"):
        for child in node[1]:
            _positive(child, out)


def positive_terms(query: str) -> list[tuple[str, bool, bool]]:
    """(text, phrase, prefix) of every word or phrase the query asks for (not those it
    excludes), in query order. Raises QueryError like ``to_fts5`` for malformed input."""
    to_fts5(query)  # validates
    toks: list[_Tok] = []
    _positive(_Parser(_lex(query)).parse(), toks)
    return [(t.value, t.phrase, t.prefix) for t in toks]


def is_plain(query: str) -> bool:
    """Whether the query is only plain words (no phrase, OR, NOT, prefix or grouping): only
    then may hybrid search add documents that BM25 did not match."""
    return all(
        (t.kind == "term" and not t.phrase and not t.prefix) or (t.kind == "op" and t.value == "AND")
        for t in _lex(query)
    )


def semantic_text(query: str) -> str:
    """The words a semantic encoder should see: the positive terms, operators removed."""
    return " ".join(text for text, _, _ in positive_terms(query))


#: Function words not worth marking in a snippet when the query has other words.
_STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his in is it its of on or our "
    "she that the their them they this to was we were what which who will with you your".split()
)


def any_terms(query: str) -> str | None:
    """An FTS5 expression matching any positive term of the query (to mark words in the
    snippet of a document found by semantic similarity); None when there is none."""
    parts = []
    terms = positive_terms(query)
    content = [t for t in terms if t[1] or t[2] or t[0].casefold() not in _STOPWORDS]
    for text, _phrase, prefix in content or terms:
        emitted = _emit(("term", _Tok("term", text, phrase=True, prefix=prefix)))
        if emitted is not None:
            parts.append(emitted)
    return " OR ".join(parts) if parts else None
