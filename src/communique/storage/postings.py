"""BM25 over word postings in numpy: FTS5's ranking, exactly, without its per-match cost.

FTS5's ``bm25()`` is computed row by row inside SQLite, about 0.7 us per matching
statement: 30-60 ms for a word found in half of 100k statements, before anything else. For
queries of words, phrases and prefixes with AND, OR and NOT (``subsidies``, ``"border
crossing"``, ``strike OR curfew``, ``flooded -earthquake``, ``volunt*``, Arabic with or
without diacritics), this module computes the same matches and scores in numpy from:

- **postings** of the frequent words (table ``postings``, migration 0006): for every word
  in at least ``MIN_DF`` statements, the sorted seqs of the statements that contain it, its
  count in their title and in their text, and the token offset of every instance (for
  phrases), read from FTS5's own index (``fts5vocab``), so the words are FTS5's tokens
  exactly. Rarer words are read from ``fts5vocab`` when asked (cheap: few statements);
- **lengths**: every statement's length in tokens (FTS5's ``docsize``) and the statement
  count, in ``postings_state``.

The formula, its order of operations and its tie-break (arrival order) are FTS5's
(``fts5Bm25Function``: k1 = 1.2, b = 0.75, idf = log((N - n + 0.5) / (n + 0.5)) floored at
1e-6, column weights summed per instance), so the scores are FTS5's to the last bit: a test
compares both, score for score, on generated corpora. The query's words are tokenized by
FTS5 itself (a one-row temporary table with the index's tokenizer), so case, diacritics
and Arabic marks fold as in the index. A prefix of several words, and a store whose
postings are older than its newest statement, go to FTS5 (``evaluate`` returns None).
``build`` runs at the end of every analysis run (appending the run's statements as a
segment: 0.6 s for 100 statements added to 100k) and in ``communique index`` (joining the
segments: 4 s at 100k); a full rebuild (the first, or after a run that adds over a quarter
of the corpus) takes about 30 s per 100k statements of the scale benchmark's vocabulary.
The postings take 18 % more disk.
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Words in at least this many statements get postings; rarer ones are read from FTS5's
#: vocabulary when a query asks for them (about 0.7 ms per 1,000 statements).
MIN_DF = 1_000
#: Words of a run checked for promotion to postings (the run's commonest first).
PROMOTE_PER_RUN = 200
#: Incremental builds add a segment per run; at this many, the next one joins them first.
MAX_SEGMENTS = 8
#: FTS5's bm25 constants (fts5_aux.c).
K1, B = 1.2, 0.75

_VOCAB = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.communique_vocab_{kind}"
    " USING fts5vocab(main, documents_fts, {kind})"
)
_LEX = re.compile(r'\s*(?:(?P<phrase>"(?:[^"]|"")*")(?P<prefix> \*)?|(?P<op>AND|OR|NOT)|(?P<paren>[()]))')


def _vocab(conn: sqlite3.Connection) -> None:
    conn.execute(_VOCAB.format(kind="row"))
    conn.execute(_VOCAB.format(kind="instance"))


def _varints(blob: bytes) -> int:
    """The sum of the SQLite varints in ``blob`` (a docsize row: tokens per column)."""
    total = value = 0
    for byte in blob:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            total += value
            value = 0
    return total


def _instances(conn: sqlite3.Connection, term: str) -> tuple[Any, Any, Any]:
    """One index word from FTS5's instance vocabulary: the sorted seqs of the statements
    that contain it, its (title, text) counts in each (shape [n, 2]), and the token offset
    of every instance, ordered by statement, column (title first) and offset."""
    rows = conn.execute(
        "SELECT doc, col = 'text', offset FROM temp.communique_vocab_instance WHERE term = ?"
        " ORDER BY doc, col = 'text', offset",
        (term,),
    ).fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 2), np.int64), np.zeros(0, np.int64)
    return _grouped(np.array(rows, dtype=np.int64))


def _grouped(arr: Any) -> tuple[Any, Any, Any]:
    """(seqs, tf, offsets) from instance rows (seq, column, offset) in that order."""
    return (*_counts(arr[:, 0] * 2 + arr[:, 1]), arr[:, 2])


def _counts(cells: Any) -> tuple[Any, Any]:
    """(seqs, tf [n, 2]) from one sorted cell (seq * 2 + column) per instance."""
    distinct, at = _runs(cells)
    seqs = _runs(distinct // 2)[0]
    tf = np.zeros((len(seqs), 2), np.int64)
    tf[np.searchsorted(seqs, distinct // 2), distinct % 2] = np.diff(np.append(at, len(cells)))
    return seqs, tf


def _insert(conn: sqlite3.Connection, term: str, segment: int, seqs: Any, tf: Any, offsets: Any) -> bool:
    """Store one word's postings segment; False (nothing stored) for counts beyond uint16."""
    if int(tf.max()) > 0xFFFF:
        return False  # 65k times in one column: read from FTS5's vocabulary when asked
    wide = int(offsets.max()) > 0xFFFF  # 2 bytes an offset, unless a column is longer
    conn.execute(
        "INSERT INTO postings (term, segment, seqs, tf, pos, wide) VALUES (?, ?, ?, ?, ?, ?)",
        (term, segment, seqs.astype("<i4").tobytes(), tf.astype("<u2").tobytes(),
         offsets.astype("<i4" if wide else "<u2").tobytes(), int(wide)),
    )  # fmt: skip
    return True


def _lengths(conn: sqlite3.Connection, after: int, lengths: Any) -> tuple[Any, int, int]:
    """``lengths`` extended with the statements after seq ``after``, from FTS5's docsize:
    (lengths, statements read, newest seq)."""
    rows = conn.execute("SELECT id, sz FROM documents_fts_docsize WHERE id > ? ORDER BY id", (after,)).fetchall()
    upto = rows[-1][0] if rows else after
    out = np.zeros(upto + 1, dtype=np.int32)
    out[: len(lengths)] = lengths[: upto + 1]
    for rowid, sz in rows:
        out[rowid] = _varints(sz)
    return out, len(rows), upto


def build(conn: sqlite3.Connection, full: bool = False, compact: bool = False) -> dict[str, Any]:
    """Bring the postings up to date (inside the caller's write transaction); returns
    counts (words given postings, statements added, segments) and whether anything changed.

    The statements added since the last build are tokenized by a temporary FTS5 table with
    the index's tokenizer and appended to each word's postings as a new segment, so the
    end of a run costs in proportion to the run; at ``MAX_SEGMENTS`` segments, or with
    ``compact``, the segments are joined into one. Words of the run that have become
    frequent are promoted (``PROMOTE_PER_RUN``). A full rebuild from the whole index is
    done on the first build, when more than a quarter of the statements are new, and
    with ``full``."""
    _vocab(conn)
    state = conn.execute("SELECT upto, docs, lengths, segments FROM postings_state WHERE id = 1").fetchone()
    newest = conn.execute("SELECT coalesce(max(rowid), 0) FROM documents_fts_docsize").fetchone()[0]
    if state is not None and not full:
        tail = conn.execute("SELECT count(*) FROM documents_fts_docsize WHERE id > ?", (state[0],)).fetchone()[0]
        if tail * 4 <= state[1]:
            out: dict[str, Any] = {"words": 0, "documents": 0, "segments": state[3], "changed": False}
            if tail:
                if state[3] >= MAX_SEGMENTS:
                    _compact(conn, state[0])
                    state = (*state[:3], 1)
                out = _append(conn, state)
            if compact and out["segments"] > 1:
                _compact(conn, newest)
                out.update(segments=1, changed=True)
            return out
    lengths, n, upto = _lengths(conn, 0, np.zeros(0, np.int32))
    conn.execute("DELETE FROM postings")
    words = [r[0] for r in conn.execute(
        "SELECT term FROM temp.communique_vocab_row WHERE doc >= ?", (MIN_DF,)
    ).fetchall()]  # fmt: skip
    kept = sum(_insert(conn, term, upto, *_instances(conn, term)) for term in words)
    conn.execute(
        "INSERT OR REPLACE INTO postings_state (id, upto, docs, lengths, segments) VALUES (1, ?, ?, ?, 1)",
        (upto, n, lengths.astype("<i4").tobytes()),
    )
    return {"words": kept, "documents": n, "segments": 1, "changed": True}


def _compact(conn: sqlite3.Connection, upto: int) -> None:
    """Join each word's segments into one (their seqs are consecutive ranges, so the
    blobs concatenate): about 4 s per 100k statements, against 30 s for a rebuild."""
    for (term,) in conn.execute("SELECT term FROM postings GROUP BY term HAVING count(*) > 1").fetchall():
        rows = conn.execute(
            "SELECT seqs, tf, pos, wide FROM postings WHERE term = ? ORDER BY segment", (term,)
        ).fetchall()
        wide = any(r[3] for r in rows)
        pos = b"".join(
            np.frombuffer(r[2], dtype="<u2").astype("<i4").tobytes() if wide and not r[3] else r[2] for r in rows
        )
        conn.execute("DELETE FROM postings WHERE term = ?", (term,))
        conn.execute(
            "INSERT INTO postings (term, segment, seqs, tf, pos, wide) VALUES (?, ?, ?, ?, ?, ?)",
            (term, upto, b"".join(r[0] for r in rows), b"".join(r[1] for r in rows), pos, int(wide)),
        )
    conn.execute("UPDATE postings_state SET segments = 1 WHERE id = 1")


def _append(conn: sqlite3.Connection, state: tuple) -> dict[str, int]:
    """The incremental half of ``build``: a segment for the statements after ``upto``."""
    from .migrations import TOKENIZE
    from .textfold import fold

    old_upto, docs, blob, segments = state
    lengths, added, upto = _lengths(conn, old_upto, np.frombuffer(blob, dtype="<i4"))
    conn.execute("DROP TABLE IF EXISTS temp.communique_tail_vocab")
    conn.execute("DROP TABLE IF EXISTS temp.communique_tail")
    conn.execute(f'CREATE VIRTUAL TABLE temp.communique_tail USING fts5(title, text, tokenize="{TOKENIZE}")')
    conn.executemany(
        "INSERT INTO temp.communique_tail (rowid, title, text) VALUES (?, ?, ?)",
        ((seq, fold(t) if t else t, fold(x)) for seq, t, x in conn.execute(
            "SELECT seq, title, text FROM documents WHERE seq > ? AND seq <= ? ORDER BY seq", (old_upto, upto)
        ).fetchall()),
    )  # fmt: skip
    conn.execute("CREATE VIRTUAL TABLE temp.communique_tail_vocab USING fts5vocab(temp, communique_tail, instance)")
    rows = conn.execute(
        "SELECT v.term, v.doc, v.col = 'text', v.offset FROM temp.communique_tail_vocab v"
        " WHERE v.term IN (SELECT DISTINCT term FROM postings) ORDER BY v.term, v.doc, v.col = 'text', v.offset"
    ).fetchall()
    words = 0
    start = 0
    for k in range(1, len(rows) + 1):
        if k < len(rows) and rows[k][0] == rows[start][0]:
            continue
        term = rows[start][0]
        if _insert(conn, term, upto, *_grouped(np.array([r[1:] for r in rows[start:k]], dtype=np.int64))):
            words += 1
        else:  # this segment cannot be stored, so no segment may be used: FTS5 reads it
            conn.execute("DELETE FROM postings WHERE term = ?", (term,))
        start = k
    # words of the run that have no postings yet and may now be frequent: the commonest in
    # the run first, a bounded number per run, so that growth by small runs promotes them
    for (term,) in conn.execute(
        "SELECT term FROM temp.communique_tail_vocab WHERE term NOT IN (SELECT DISTINCT term FROM postings)"
        " GROUP BY term ORDER BY count(DISTINCT doc) DESC, term LIMIT ?", (PROMOTE_PER_RUN,)
    ).fetchall():  # fmt: skip
        df = conn.execute(  # a range, not "=": fts5vocab seeks for ranges and scans for "="
            "SELECT doc FROM temp.communique_vocab_row WHERE term >= ? AND term <= ?", (term, term)
        ).fetchone()
        if df is not None and df[0] >= MIN_DF and _insert(conn, term, upto, *_instances(conn, term)):
            words += 1  # the whole of its postings, in one segment of its own
    conn.execute("DROP TABLE temp.communique_tail_vocab")
    conn.execute("DROP TABLE temp.communique_tail")
    conn.execute(
        "UPDATE postings_state SET upto = ?, docs = ?, lengths = ?, segments = ? WHERE id = 1",
        (upto, docs + added, lengths.astype("<i4").tobytes(), segments + 1),
    )
    return {"words": words, "documents": added, "segments": segments + 1, "changed": True}


def _tokens(conn: sqlite3.Connection, text: str) -> list[str]:
    """``text`` as FTS5 tokenizes it for the index (case, diacritics, Arabic marks and
    all): put in a one-row temporary FTS5 table with the index's tokenizer and read back
    from its vocabulary, in order."""
    from .migrations import TOKENIZE

    conn.execute(f'CREATE VIRTUAL TABLE IF NOT EXISTS temp.communique_tok USING fts5(t, tokenize="{TOKENIZE}")')
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.communique_tok_vocab"
        " USING fts5vocab(temp, communique_tok, instance)"
    )
    conn.execute("DELETE FROM temp.communique_tok")
    conn.execute("INSERT INTO temp.communique_tok (rowid, t) VALUES (1, ?)", (text,))
    return [r[0] for r in conn.execute("SELECT term FROM temp.communique_tok_vocab ORDER BY offset")]


def _parse(conn: sqlite3.Connection, match: str) -> tuple | None:
    """The FTS5 expression ``storage.query.to_fts5`` emits, as a tree of ("word", tokens,
    prefix) leaves (tokens joined by a space: several make a phrase) and ("and" | "or" |
    "not", children); None for a prefix of several words or anything unexpected."""
    toks: list[tuple[str, str]] = []
    pos = 0
    while pos < len(match):
        m = _LEX.match(match, pos)
        if m is None or m.end() == pos:
            if match[pos:].strip():
                return None
            break
        pos = m.end()
        if m.group("phrase"):
            text = m.group("phrase")[1:-1].replace('""', '"')
            words = _tokens(conn, text)
            if not words or (m.group("prefix") and len(words) > 1):
                return None
            toks.append(("word*" if m.group("prefix") else "word", " ".join(words)))
        elif m.group("op"):
            toks.append(("op", m.group("op")))
        else:
            toks.append((m.group("paren"), ""))
    at = 0

    def primary() -> tuple | None:
        nonlocal at
        if at >= len(toks):
            return None
        kind, value = toks[at]
        at += 1
        if kind.startswith("word"):  # one word, a prefix, or a phrase (words joined by " ")
            return ("word", value, kind == "word*")
        if kind != "(":
            return None
        parts, op = [primary()], None
        while at < len(toks) and toks[at][0] == "op":
            if op not in (None, toks[at][1]):
                return None
            op = toks[at][1]
            at += 1
            parts.append(primary())
        if at >= len(toks) or toks[at][0] != ")" or op is None or None in parts:
            return None
        at += 1
        if op == "NOT" and len(parts) != 2:
            return None
        return (op.lower(), parts)

    if not toks:
        return None
    tree = primary()
    return tree if at == len(toks) else None


def _contains(sorted_values: Any, probes: Any) -> Any:
    """For each probe, whether the sorted array holds it (a binary search each)."""
    if not len(sorted_values):
        return np.zeros(len(probes), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, probes), len(sorted_values) - 1)
    return sorted_values[at] == probes


def _intersect(small: Any, large: Any) -> Any:
    """The values of sorted ``small`` that sorted ``large`` holds."""
    return small[_contains(large, small)]


def _leaves(tree: tuple) -> list[tuple]:
    """The word leaves in expression order: FTS5 numbers its phrases this way."""
    if tree[0] == "word":
        return [tree]
    return [leaf for child in tree[1] for leaf in _leaves(child)]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A query evaluated over the postings: what ``rank`` scores and filters."""

    tree: tuple
    #: (word or prefix or phrase, prefix?) -> (sorted seqs, weighted frequency)
    words: dict
    #: every statement that matches, sorted
    hits: Any
    docs: int
    lengths: Any


def evaluate(conn: sqlite3.Connection, match: str, weights: tuple[float, float]) -> Evaluation | None:
    """Evaluate an FTS5 expression (as ``query.to_fts5`` emits it) over the postings; None
    when this query or store is not for numpy (see the module's docstring)."""
    state = conn.execute("SELECT upto, docs, lengths FROM postings_state WHERE id = 1").fetchone()
    newest = conn.execute("SELECT coalesce(max(rowid), 0) FROM documents_fts_docsize").fetchone()[0]
    if state is None or state[0] != newest:
        return None
    tree = _parse(conn, match)
    if tree is None:
        return None
    _vocab(conn)
    words: dict[tuple[str, bool], tuple[Any, Any]] = {}
    for _, token, prefix in _leaves(tree):
        if (token, prefix) in words:
            continue
        terms = [token]
        if prefix:
            terms = [r[0] for r in conn.execute(
                "SELECT term FROM temp.communique_vocab_row WHERE term >= ? AND term < ?",
                (token, token + "\U0010ffff"),
            )]  # fmt: skip
        parts = [_freq(conn, t, weights) for t in terms]
        if len(parts) == 1:
            words[(token, prefix)] = parts[0]
        else:  # a prefix: every word it expands to, frequencies summed per statement
            seqs = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
            freq = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.float64)
            order = np.argsort(seqs, kind="stable")
            uniq, starts = _runs(seqs[order])
            summed = np.add.reduceat(freq[order], starts) if len(starts) else freq[:0]
            words[(token, prefix)] = uniq, summed

    def match_set(node: tuple) -> Any:
        if node[0] == "word":
            return words[(node[1], node[2])][0]
        sets = [match_set(c) for c in node[1]]
        if node[0] == "and":  # smallest first: each step a binary search of the larger
            sets.sort(key=len)
            out = sets[0]
            for s in sets[1:]:
                out = _intersect(out, s)
            return out
        if node[0] == "or":
            return _runs(np.sort(np.concatenate(sets)))[0]
        return sets[0][~_contains(sets[1], sets[0])]  # NOT

    return Evaluation(tree, words, match_set(tree), state[1], np.frombuffer(state[2], dtype="<i4"))


def rank(ev: Evaluation, allowed: Any, limit: int) -> tuple[list[tuple[int, float]], int]:
    """(seq, bm25 score) of the best ``limit`` matches among ``allowed`` seqs (None: all),
    best first with ties in arrival order, and the number of matches: FTS5's
    ``bm25(documents_fts, *weights)`` ranking to the last bit."""
    hits = ev.hits
    if allowed is not None:
        hits = _intersect(hits, allowed) if len(hits) <= len(allowed) else _intersect(allowed, hits)
    total = len(hits)
    if not total or not limit:
        return [], total
    # fts5Bm25Function, operation for operation
    avgdl = float(ev.lengths.sum(dtype=np.int64)) / float(ev.docs)
    d = ev.lengths[hits].astype(np.float64)
    norm = K1 * ((1 - B) + (B * d) / avgdl)
    score = np.zeros(total, dtype=np.float64)
    for _, token, prefix in _leaves(ev.tree):
        seqs, freq = ev.words[(token, prefix)]
        idf = math.log((ev.docs - len(seqs) + 0.5) / (len(seqs) + 0.5))
        if idf <= 0.0:
            idf = 1e-6
        f = np.zeros(total)
        if len(seqs):
            at = np.minimum(np.searchsorted(seqs, hits), len(seqs) - 1)
            f = np.where(seqs[at] == hits, freq[at], 0.0)
        score += idf * ((f * (K1 + 1.0)) / (f + norm))
    r = -1.0 * score
    top = np.arange(total)
    if total > limit:  # every statement tied with the last one kept, so ties go by seq
        top = np.flatnonzero(r <= np.partition(r, limit - 1)[limit - 1])
    top = top[np.lexsort((hits[top], r[top]))][:limit]
    return [(int(hits[k]), -float(r[k])) for k in top], total


def _runs(values: Any) -> tuple[Any, Any]:
    """The distinct values of a sorted array and where each run of them starts."""
    if not len(values):
        return values, np.zeros(0, np.int64)
    starts = np.concatenate(([0], np.flatnonzero(values[1:] != values[:-1]) + 1))
    return values[starts], starts


def _word(conn: sqlite3.Connection, term: str, offsets: bool = False) -> tuple[Any, Any, Any]:
    """``_instances`` of one index word: from its postings, else from FTS5's vocabulary.
    The offsets (8 MB for a word in every statement of 100k) are read only when asked:
    None otherwise."""
    cols = "seqs, tf, pos, wide" if offsets else "seqs, tf"
    rows = conn.execute(f"SELECT {cols} FROM postings WHERE term = ? ORDER BY segment", (term,)).fetchall()
    if not rows:
        return _instances(conn, term)
    # segments hold consecutive ranges of seqs, oldest first
    seqs = np.concatenate([np.frombuffer(r[0], dtype="<i4") for r in rows]).astype(np.int64)
    tf = np.concatenate([np.frombuffer(r[1], dtype="<u2") for r in rows]).reshape(-1, 2).astype(np.int64)
    if not offsets:
        return seqs, tf, None
    return seqs, tf, np.concatenate([np.frombuffer(r[2], dtype="<i4" if r[3] else "<u2").astype(np.int64) for r in rows])


def _keys(seqs: Any, tf: Any, offsets: Any) -> Any:
    """One int64 per instance: statement, column and offset, so that the next token of
    the same column is key + 1."""
    cells = np.repeat(seqs * 2, 2) + np.tile([0, 1], len(seqs))
    return (np.repeat(cells, tf.ravel()) << 32) + offsets.astype(np.int64)


def _phrase(conn: sqlite3.Connection, words: list[str], weights: tuple[float, float]) -> tuple[Any, Any]:
    """(seqs, weighted frequency) of a phrase: its words at consecutive offsets of one
    column, counted per instance like FTS5's xInst."""
    starts = None
    for k, w in enumerate(words):
        keys = _keys(*_word(conn, w, offsets=True))
        starts = keys if starts is None else starts[_contains(keys, starts + k)]
    assert starts is not None
    seqs, tf = _counts(starts >> 32)  # starts are sorted: so are their cells
    return seqs, weights[0] * tf[:, 0] + weights[1] * tf[:, 1]


def _freq(conn: sqlite3.Connection, term: str, weights: tuple[float, float]) -> tuple[Any, Any]:
    """(seqs, weighted frequency) of one word or phrase (words joined by a space)."""
    if " " in term:
        return _phrase(conn, term.split(" "), weights)
    seqs, tf, _ = _word(conn, term)
    return seqs, weights[0] * tf[:, 0] + weights[1] * tf[:, 1]
