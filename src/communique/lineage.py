"""Re-post lineage: near-duplicate clusters of statements in first-seen order, and a
readable diff between any two versions.

Exact copies already share an id (the id is a hash of the text). Near copies do not: a
statement re-posted with a changed sentence, a new sign-off, another date, a "Re-posted
from …" line on top, typos, or cut short. This module finds them at corpus scale:

1. **Normalize** each text (Unicode NFKC, Arabic diacritics/tatweel/letter variants folded
   by :func:`communique.storage.textfold.fold`, casefold, punctuation dropped, whitespace
   collapsed) into words, and take **word 5-shingles**: five words are specific enough that
   two unrelated statements of one issuer share only their boilerplate, and short enough
   that one edit spoils only the five shingles that overlap it (measured against 3- and
   4-shingles in ``benchmarks/lineage.py``).
2. **MinHash** each shingle set into ``num_perm`` = 128 values. The values come from one
   64-bit hash per shingle split into 128 bins (one-permutation hashing, Li et al. 2012)
   with empty bins filled from their right neighbour (rotation densification, Shrivastava
   and Li 2014): the probability that two signatures agree in a position is the Jaccard
   similarity of the sets, as for 128 independent permutations, at the cost of one hash per
   shingle instead of 128. ``datasketch.MinHash.update_batch`` (128 permutations in numpy)
   was measured at 2 ms per 400-word statement on this 2-core machine, over three minutes
   for 100k statements before any LSH; here words are hashed in vectorised batches straight
   from their bytes (``benchmarks/lineage.py --compare-datasketch`` runs both).
3. **LSH** bands the signatures (``b`` bands of ``r`` rows, chosen for ``lsh_threshold`` by
   minimising false positive plus false negative probability, exactly as
   ``datasketch.MinHashLSH`` chooses them); documents that agree on a whole band are
   candidates.
4. **Verify** the candidates: a vectorised prefilter drops pairs whose signature estimate
   lies far below what they would need (statements that share only an issuer's header and
   sign-off; see ``_prefilter``), then every remaining pair is checked exactly on its
   shingle sets. A pair joins when the Jaccard similarity reaches ``threshold``, or when
   the shorter text is contained in the longer (``containment`` of its shingles, at least
   ``threshold``) and is not a mere fragment of it (at least ``min_ratio`` of its length
   and ``MIN_CONTAINED`` shingles) — so a truncated copy or a copy with a long new preface
   still joins, while a boilerplate header alone does not.
5. **Union-find** over the joined pairs: a cluster is a connected component, so a chain of
   re-posts, each edited from the last, is one cluster even where its ends differ more
   than ``threshold``. (A truncated copy is contained in every version that kept its
   beginning, so it links them all: by design, it is a copy of each.)

Very short texts: a text with fewer than five words has one shingle, all of its words, so
it joins only a text with exactly the same words; a text without any word is never
clustered (counted as ``empty``). Containment needs ``MIN_CONTAINED`` shingles on the
shorter side, so a one-line slogan is not swallowed by every statement that quotes it.

:func:`cluster_texts` takes any iterable of ``(id, text)`` and needs no store;
:func:`reposts` runs it over a store and orders each cluster by first seen (the published
date when known, else the ingest time). :func:`diff_texts` aligns two versions sentence by
sentence, with word-level changes inside changed sentences, as offsets into both texts.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import E_CONFIG, ConfigError
from .storage.textfold import fold

if TYPE_CHECKING:
    from .model import Document

# ----------------------------------------------------------------------------- parameters

#: Words per shingle. Measured on benchmarks/lineage.py (10k texts, pairwise F1): 3 words
#: 0.9955, 4 words 0.9968, 5 words 0.9983, 6 words 0.9965; shorter shingles also make 2-4x
#: more LSH candidates between statements that share stock phrases.
SHINGLE = 5
#: MinHash values per document (a power of two: the bins are the top bits of a hash).
NUM_PERM = 128
#: Jaccard similarity of shingle sets at which two texts join. benchmarks/lineage.py --sweep
#: (10k texts, pairwise F1): 0.3 → 0.9838, 0.4 → 0.9985, 0.5 → 0.9983, 0.6 → 0.9980,
#: 0.7 → 0.9973. 0.4 and 0.5 tie; 0.5 keeps more precision on follow-up statements that
#: repeat paragraphs of an earlier one (0.984 against 0.978) and is the usual choice.
THRESHOLD = 0.5
#: Share of the shorter text's shingles found in the longer one at which they join anyway
#: (truncated copies, copies with a long preface or a long added sign-off). Measured: 0.7
#: → F1 0.9962 (follow-ups join their source), 0.8 → 0.9983, 0.9 → 0.9980 (truncated copies
#: with typos stay apart; each typo costs ~5 shingles).
CONTAINMENT = 0.8
#: The shorter text must be at least this share of the longer (in shingles) to join by
#: containment: a header, a slogan or one quoted paragraph is not a re-post of the whole.
#: 0.2 and 0.3 measure the same (truncations keep 40-90%); 0.5 loses a tenth of the
#: truncated copies.
MIN_RATIO = 0.3
#: ...and at least this many shingles (about two sentences).
MIN_CONTAINED = 25
#: Jaccard similarity the LSH bands are tuned for: below ``THRESHOLD`` so that truncated
#: copies (Jaccard = their share of the original) become candidates too. Measured (20k
#: texts): 0.3 (37 bands x 3 rows) recalls 0.9997 of truncated pairs, 0.35-0.4 (32 x 4)
#: 0.991, 0.5 (25 x 5) 0.944; 0.25 adds candidates and no recall.
LSH_THRESHOLD = 0.3
#: Pairs taken per document inside one LSH bucket: each member is paired with the next
#: ``NEIGHBOURS`` members (all pairs for buckets up to NEIGHBOURS + 1; a chain that still
#: connects every member of a larger bucket, at a cost linear in its size).
NEIGHBOURS = 8
#: Documents shingled per numpy batch (bounds the memory of the intermediate arrays, about
#: 40 MB for 1024 statements of 400 words; larger batches are no faster).
BATCH = 1024

_U64 = np.uint64
_MUL = _U64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (golden ratio) for combining hashes
_KEY_BITS = 48  # shingle hash bits kept; the bits above hold the document's index in its batch
_MASK48 = _U64((1 << _KEY_BITS) - 1)
_EMPTY = _U64(1 << 63)  # an empty OPH bin before densification

_WORD = re.compile(r"[^\W_]+")
#: Typographic characters that are not words, blanked before the byte fast path.
_TYPOGRAPHIC = re.compile(
    "[\u00a0\u00ab\u00bb\u060c\u061b\u061f\u06d4\u2010-\u2015\u2018-\u201f\u2026\u2032\u2033\u202f]"
)
#: ASCII letters and digits lowercased, other ASCII bytes a space, UTF-8 bytes kept.
_BYTE_FOLD = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 0x20 for c in range(128)) + bytes(range(128, 256))


def _check(name: str, value: float, lo: float, hi: float) -> None:
    if not (lo <= value <= hi):
        raise ConfigError(E_CONFIG, f"{name} must be between {lo} and {hi}, not {value}")


# --------------------------------------------------------------------------- normalizing


def words(text: str) -> list[str]:
    """The words shingles are made of: NFKC, Arabic folding, casefold, no punctuation.

    >>> words("RE-POSTED: The Valley  Council’s statement!")
    ['re', 'posted', 'the', 'valley', 'council', 's', 'statement']
    """
    return _WORD.findall(fold(unicodedata.normalize("NFKC", text)).casefold())


def _word_bytes(text: str) -> bytes:
    """:func:`words` as UTF-8 bytes separated by spaces, as fast as possible.

    Typographic quotes, dashes and spaces are blanked first. A text that is then ASCII is
    lowercased and cleaned by one ``bytes.translate`` (no NFKC or Arabic folding can apply
    to it); a text whose other characters are all letters or digits is normalized, then
    translated the same way; anything else goes through the regular expression. All three
    give exactly ``" ".join(words(text)).encode()`` up to the number of spaces.
    """
    if not text.isascii():
        text = _TYPOGRAPHIC.sub(" ", text)
        if not text.isascii():
            text = fold(unicodedata.normalize("NFKC", text)).casefold()
            if not all(c.isalnum() for c in set(text) if c > "\x7f"):
                return " ".join(_WORD.findall(text)).encode("utf-8")
    return text.encode("utf-8").translate(_BYTE_FOLD)


def normalize(text: str) -> str:
    """The text as the shingler sees it: :func:`words` joined by single spaces."""
    return " ".join(words(text))


_MUL = _U64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (golden ratio) for combining hashes
_LENGTH_SALT = _U64(0xD6E8FEB86659FD93)
_LONG_WORD = 64  # bytes: longer words are hashed one by one (BLAKE2b)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, element-wise: spreads every input bit over all 64."""
    x = x ^ (x >> _U64(30))
    x = x * _U64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> _U64(27))
    x = x * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def _word_hashes(bufs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of every word of a batch of :func:`_word_bytes` buffers, and the number
    of words of each buffer.

    Vectorised over the whole batch: a word's bytes are read eight at a time as
    little-endian integers (zero past its end) and folded as ``h = h * M + lane``; the
    length is mixed in and splitmix64 finishes. Words over ``_LONG_WORD`` bytes get a
    BLAKE2b digest instead. Deterministic on every machine and process (unlike Python's
    salted ``hash``)."""
    nd = len(bufs)
    joined = b" ".join(bufs) + b" " * 8  # a space after every buffer; 8 bytes of padding
    arr = np.frombuffer(joined, np.uint8)
    is_word = arr != 0x20
    edge = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if is_word[0]:
        edge = np.concatenate(([0], edge))
    starts, ends = edge[0::2], edge[1::2]
    lengths = ends - starts
    # one unaligned little-endian uint64 view starting at every byte
    lanes = np.ndarray((arr.size - 7,), dtype="<u8", buffer=joined, offset=0, strides=(1,))
    h = np.zeros(starts.size, _U64)
    longest = min(int(lengths.max()) if lengths.size else 0, _LONG_WORD)
    for lane in range(0, longest, 8):
        live = np.flatnonzero((lengths > lane) & (lengths <= _LONG_WORD))
        vals = lanes[starts[live] + lane].astype(_U64)
        left = lengths[live] - lane
        short = left < 8
        if short.any():
            keep = (_U64(1) << (left[short].astype(_U64) * _U64(8))) - _U64(1)
            vals[short] &= keep
        h[live] = h[live] * _MUL + vals
    for i in np.flatnonzero(lengths > _LONG_WORD).tolist():
        # a very long "word" (a URL, an encoded blob): one digest, not thousands of lanes
        digest = hashlib.blake2b(joined[starts[i] : ends[i]], digest_size=8).digest()
        h[i] = int.from_bytes(digest, "little")
    h = _mix(h + lengths.astype(_U64) * _LENGTH_SALT)
    buf_starts = np.cumsum([0] + [len(b) + 1 for b in bufs[:-1]]) if nd else np.zeros(0, np.int64)
    doc_of_word = np.searchsorted(buf_starts, starts, side="right") - 1
    return h, np.bincount(doc_of_word, minlength=nd).astype(np.int64)


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2.4's hash-based unique is ~10x slower on uint64).
    Sorts ``x`` in place: pass an array nobody else holds."""
    x.sort()
    if x.size > 1:
        x = x[np.concatenate(([True], x[1:] != x[:-1]))]
    return x


def _shingle_keys(bufs: Sequence[bytes], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hash the word k-shingles of a batch of :func:`_word_bytes` buffers.

    Returns the sorted unique keys ``(doc << 48) | hash48`` of the whole batch, the offset
    where each document's keys start (``len(bufs) + 1`` offsets) and each one's word count.
    """
    nd = len(bufs)
    flat, lengths = _word_hashes(bufs)
    total = int(flat.size)
    ends = np.cumsum(lengths)
    doc_of_token = np.repeat(np.arange(nd, dtype=np.int64), lengths)
    hashes: list[np.ndarray] = []
    docs: list[np.ndarray] = []
    n = total - k + 1
    if n > 0:
        h = flat[:n].copy()
        for j in range(1, k):
            h = h * _MUL + flat[j : j + n]
        d = doc_of_token[:n]
        valid = np.arange(n) + k <= ends[d]  # the shingle lies inside one document
        hashes.append(h[valid])
        docs.append(d[valid])
    for i in np.flatnonzero((lengths > 0) & (lengths < k)).tolist():
        # a text shorter than one shingle: all its words are its one shingle
        part = flat[int(ends[i] - lengths[i]) : int(ends[i])]
        h = np.array([len(part)], dtype=_U64)
        for j in range(len(part)):
            h = h * _MUL + part[j : j + 1]
        hashes.append(h)
        docs.append(np.array([i], dtype=np.int64))
    if not hashes:
        return np.zeros(0, _U64), np.zeros(nd + 1, np.int64), lengths
    keys = (np.concatenate(docs).astype(_U64) << _U64(_KEY_BITS)) | (
        _mix(np.concatenate(hashes)) >> _U64(64 - _KEY_BITS)
    )
    keys = _sorted_unique(keys)
    starts = np.searchsorted(keys >> _U64(_KEY_BITS), np.arange(nd + 1, dtype=_U64))
    return keys, starts.astype(np.int64), lengths


def _signatures(keys: np.ndarray, nd: int, num_perm: int) -> np.ndarray:
    """One-permutation MinHash with rotation densification: an ``(nd, num_perm)`` array.

    A document's bin is the top ``log2(num_perm)`` bits of each 48-bit shingle hash; the
    bin's value is the least remaining bits. Keys are sorted by (document, hash), hence by
    (document, bin, value): the first key of each (document, bin) group is its minimum. An
    empty bin takes the value of the next non-empty bin to its right (circularly) plus
    ``distance * 2**value_bits``, so two documents agree there only if they agree on the
    borrowed bin at the same distance. Rows of documents without shingles stay ``_EMPTY``.
    """
    p = num_perm.bit_length() - 1
    shift = _KEY_BITS - p
    sig = np.full((nd, num_perm), _EMPTY, dtype=_U64)
    if keys.size:
        bins = keys >> _U64(shift)  # sorted: keys are
        first = np.flatnonzero(np.concatenate(([True], bins[1:] != bins[:-1])))
        groups = bins[first]
        rows = (groups >> _U64(p)).astype(np.int64)
        cols = (groups & _U64(num_perm - 1)).astype(np.int64)
        sig[rows, cols] = keys[first] & _U64((1 << shift) - 1)
    empty = sig == _EMPTY
    if empty.any():
        cols_idx = np.arange(num_perm, dtype=np.int64)
        big = np.int64(4 * num_perm)
        pos = np.where(empty, big, cols_idx)
        doubled = np.concatenate([pos, np.where(empty, big, cols_idx + num_perm)], axis=1)
        nxt = np.minimum.accumulate(doubled[:, ::-1], axis=1)[:, ::-1][:, :num_perm]
        filled = nxt < big
        src = np.where(filled, nxt % num_perm, 0)
        dist = np.where(filled, nxt - cols_idx, 0).astype(_U64)
        borrowed = np.take_along_axis(sig, src, axis=1) + (dist << _U64(shift))
        sig = np.where(empty & filled, borrowed, sig)
    return sig


@functools.lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` that minimise the probability of
    a false positive (Jaccard below ``threshold`` becomes a candidate) plus that of a false
    negative (at or above it does not), integrated over similarity, as
    ``datasketch.MinHashLSH`` chooses them (equal weights)."""
    _check("lsh threshold", threshold, 0.01, 1.0)
    s = np.linspace(0.0, 1.0, 1001)
    below, above = s <= threshold, s >= threshold
    best: tuple[float, int, int] | None = None
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s**r) ** b
            fp = float(np.trapezoid(p[below], s[below])) if below.sum() > 1 else 0.0
            fn = float(np.trapezoid(1.0 - p[above], s[above])) if above.sum() > 1 else 0.0
            if best is None or fp + fn < best[0] - 1e-12:
                best = (fp + fn, b, r)
    assert best is not None
    return best[1], best[2]


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (document, band): documents with equal keys share a bucket."""
    s = sig[:, : bands * rows].reshape(sig.shape[0], bands, rows)
    key = s[:, :, 0].copy()
    for j in range(1, rows):
        key = key * _MUL + s[:, :, j]
    return _mix(key)


# ---------------------------------------------------------------------------- clustering


@dataclass(frozen=True, slots=True)
class Similarity:
    """How much two texts share, on their normalized word 5-shingles.

    ``jaccard``: shared / union; ``containment``: shared / shingles of the smaller set (1.0
    when the shorter text is wholly inside the longer)."""

    jaccard: float
    containment: float
    shared: int
    a_shingles: int
    b_shingles: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "jaccard": round(self.jaccard, 4),
            "containment": round(self.containment, 4),
            "shared": self.shared,
            "a_shingles": self.a_shingles,
            "b_shingles": self.b_shingles,
        }


def _shared(a: np.ndarray, b: np.ndarray) -> int:
    """Elements common to two sorted arrays."""
    if a.size > b.size:
        a, b = b, a
    if a.size == 0:
        return 0
    idx = np.searchsorted(b, a)
    np.minimum(idx, b.size - 1, out=idx)
    return int(np.count_nonzero(b[idx] == a))


def _similarity(a: np.ndarray, b: np.ndarray) -> Similarity:
    shared = _shared(a, b)
    union = a.size + b.size - shared
    small = min(a.size, b.size)
    return Similarity(
        shared / union if union else 0.0, shared / small if small else 0.0, shared, int(a.size), int(b.size)
    )


class Lineage:
    """Near-duplicate clusters over a set of texts (the result of :func:`cluster_texts`).

    ``groups``: every cluster of two or more documents as a list of ids in input order,
    clusters ordered by their first member's input position. ``stats``: counts and
    seconds per phase. :meth:`similarity` measures any two of the clustered texts.
    """

    def __init__(
        self,
        ids: list[str],
        sets: list[np.ndarray],
        groups: list[list[str]],
        stats: dict[str, Any],
        params: dict[str, Any],
    ) -> None:
        self.ids = ids
        self.groups = groups
        self.stats = stats
        self.params = params
        self._sets = sets
        self._index = {d: i for i, d in enumerate(ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def shingles(self, doc_id: str) -> int:
        """Number of distinct shingles of a document (0 for a text without words)."""
        return int(self._sets[self._lookup(doc_id)].size)

    def _lookup(self, doc_id: str) -> int:
        try:
            return self._index[doc_id]
        except KeyError:
            raise ConfigError(E_CONFIG, f"document {doc_id!r} was not among the clustered texts") from None

    def similarity(self, a: str, b: str) -> Similarity:
        """Exact Jaccard similarity and containment of two documents' shingle sets."""
        return _similarity(self._sets[self._lookup(a)], self._sets[self._lookup(b)])

    def singletons(self) -> list[str]:
        """Ids of the documents in no cluster, in input order."""
        clustered = {d for g in self.groups for d in g}
        return [d for d in self.ids if d not in clustered]


def cluster_texts(
    items: Iterable[tuple[str, str]],
    *,
    threshold: float = THRESHOLD,
    containment: float = CONTAINMENT,
    min_ratio: float = MIN_RATIO,
    lsh_threshold: float | None = None,
    num_perm: int = NUM_PERM,
    shingle: int = SHINGLE,
    prefilter: bool = True,
) -> Lineage:
    """Cluster ``(id, text)`` pairs into near-duplicate groups (see the module docstring).

    A pair joins at Jaccard ``threshold``, or when the shorter text has at least
    ``max(containment, threshold)`` of its shingles inside the longer and is at least
    ``min_ratio`` of its length (and ``MIN_CONTAINED`` shingles). ``items`` is read once,
    in batches (a generator over a store is fine). Ids must be unique (a
    :class:`ConfigError` otherwise: the same id twice is a caller's mistake, since ids are
    content hashes). ``lsh_threshold`` defaults to ``min(threshold, LSH_THRESHOLD)``.
    ``prefilter`` False verifies every LSH candidate exactly (slower; for measuring that
    the estimate-based prefilter loses nothing). The result is deterministic: the same
    texts give the same clusters in any process.
    """
    _check("threshold", threshold, 0.01, 1.0)
    _check("containment", containment, 0.01, 1.0)
    _check("min_ratio", min_ratio, 0.0, 1.0)
    if num_perm < 2 or num_perm & (num_perm - 1) or num_perm > 1024:
        raise ConfigError(E_CONFIG, f"num_perm must be a power of two from 2 to 1024, not {num_perm}")
    if not (1 <= shingle <= 16):
        raise ConfigError(E_CONFIG, f"shingle must be between 1 and 16 words, not {shingle}")
    # a stricter threshold is stricter for containment too: at 0.9, a same-length copy
    # with 80% of its shingles shared (Jaccard 0.67) must not join through containment
    containment = max(containment, threshold)
    lsh_t = min(threshold, LSH_THRESHOLD) if lsh_threshold is None else lsh_threshold
    bands, rows = lsh_params(lsh_t, num_perm)
    t0 = time.perf_counter()

    ids: list[str] = []
    seen: set[str] = set()
    sets: list[np.ndarray] = []
    band_batches: list[np.ndarray] = []
    sig_batches: list[np.ndarray] = []
    stats: dict[str, Any] = {"documents": 0, "empty": 0, "short": 0, "shingles": 0}

    def flush(batch_tokens: list[bytes]) -> None:
        keys, starts, lengths = _shingle_keys(batch_tokens, shingle)
        stats["empty"] += int(np.count_nonzero(lengths == 0))
        stats["short"] += int(np.count_nonzero((lengths > 0) & (lengths < shingle)))
        sig = _signatures(keys, len(batch_tokens), num_perm)
        band_batches.append(_band_keys(sig, bands, rows))
        sig_batches.append((_mix(sig) >> _U64(32)).astype(np.uint32))
        # store each set as the top 32 of its 48 hash bits: sorted, half the memory
        top = ((keys & _MASK48) >> _U64(_KEY_BITS - 32)).astype(np.uint32)
        sets.extend(top[starts[i] : starts[i + 1]] for i in range(len(batch_tokens)))
        stats["shingles"] += int(keys.size)

    batch: list[bytes] = []
    for doc_id, text in items:
        if doc_id in seen:
            raise ConfigError(E_CONFIG, f"document id {doc_id!r} given twice")
        seen.add(doc_id)
        ids.append(doc_id)
        batch.append(_word_bytes(text))
        if len(batch) >= BATCH:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    seen.clear()
    n = len(ids)
    stats["documents"] = n
    t1 = time.perf_counter()

    keys_all = np.concatenate(band_batches) if band_batches else np.zeros((0, bands), _U64)
    band_batches.clear()
    sizes = np.fromiter((s.size for s in sets), np.int64, n)
    codes = _candidates(keys_all, sizes > 0)
    del keys_all
    sigs = np.concatenate(sig_batches) if sig_batches else np.zeros((0, num_perm), np.uint32)
    sig_batches.clear()
    likely = _prefilter(codes, n, sigs, sizes, threshold, containment, min_ratio) if prefilter else codes
    del sigs
    t2 = time.perf_counter()

    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    verified = joined = 0
    for code in likely.tolist():
        i, j = divmod(code, n)
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        a, b = sets[i], sets[j]
        small, large = (a.size, b.size) if a.size <= b.size else (b.size, a.size)
        by_containment = small >= MIN_CONTAINED and small >= min_ratio * large
        if small < threshold * large and not by_containment:
            continue  # Jaccard <= small / large: cannot reach the threshold
        verified += 1
        shared = _shared(a, b)
        if shared >= threshold * (a.size + b.size - shared) or (
            by_containment and shared >= containment * small
        ):
            joined += 1
            parent[max(ri, rj)] = min(ri, rj)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    groups = [[ids[i] for i in g] for g in members.values() if len(g) > 1]
    t3 = time.perf_counter()
    stats.update(
        {
            "candidate_pairs": int(codes.size),
            "likely_pairs": int(likely.size),
            "verified_pairs": verified,
            "joined_pairs": joined,
            "clusters": len(groups),
            "clustered_documents": sum(len(g) for g in groups),
            "bands": bands,
            "rows": rows,
            "seconds": {
                "shingle_minhash": round(t1 - t0, 3),
                "lsh": round(t2 - t1, 3),
                "verify_union": round(t3 - t2, 3),
                "total": round(t3 - t0, 3),
            },
        }
    )
    params = {
        "threshold": threshold,
        "containment": containment,
        "min_ratio": min_ratio,
        "min_contained": MIN_CONTAINED,
        "lsh_threshold": lsh_t,
        "num_perm": num_perm,
        "shingle": shingle,
    }
    return Lineage(ids, sets, groups, stats, params)


def _candidates(band_keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Candidate pairs from LSH buckets, as sorted unique codes ``i * n + j`` (i < j).

    In each band, documents are sorted by band key; each is paired with the next
    ``NEIGHBOURS`` documents of its bucket. Codes are merged as they come (sorted, unique),
    so memory follows the number of distinct pairs, not pairs times bands."""
    n = band_keys.shape[0]
    rows_ok = np.flatnonzero(valid)
    merged = np.zeros(0, np.int64)
    pending: list[np.ndarray] = []
    held = 0
    for band in range(band_keys.shape[1]):
        col = band_keys[rows_ok, band]
        order = np.argsort(col, kind="stable")
        sk = col[order]
        order = rows_ok[order]
        if sk.size < 2:
            continue
        same = sk[1:] == sk[:-1]
        if not same.any():
            continue
        run_end = np.flatnonzero(np.concatenate([~same, [True]])) + 1  # exclusive end of each run
        run_of = np.cumsum(np.concatenate([[False], ~same]))
        end_at = run_end[run_of]
        pos = np.flatnonzero(end_at - np.arange(sk.size) > 1)  # members of buckets of 2+
        for d in range(1, NEIGHBOURS + 1):
            pos = pos[pos + d < end_at[pos]]
            if pos.size == 0:
                break
            i, j = order[pos], order[pos + d]
            pending.append(np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j))
            held += pos.size
        if held > max(merged.size, 1_000_000):
            merged = _sorted_unique(np.concatenate([merged, *pending]))
            pending, held = [], 0
    if pending:
        merged = _sorted_unique(np.concatenate([merged, *pending]))
    return merged


#: How many standard deviations below the decision boundary an estimated similarity may
#: fall and still be verified exactly. At 4, a pair exactly at the boundary is dropped by
#: the estimate with probability ~3e-5 (normal approximation of the binomial estimate);
#: benchmarks/lineage.py finds the same clusters with and without the prefilter.
PREFILTER_Z = 4.0


def _prefilter(
    codes: np.ndarray,
    n: int,
    sigs: np.ndarray,
    sizes: np.ndarray,
    threshold: float,
    containment: float,
    min_ratio: float,
) -> np.ndarray:
    """The candidate pairs worth an exact check, judged on their MinHash signatures.

    The share of equal signature positions estimates the Jaccard similarity J. A pair can
    join if J reaches ``threshold``, or, when containment applies, if J reaches the
    Jaccard equivalent of ``containment`` (``c*s / (a + b - c*s)``, s the smaller size).
    A pair is kept unless its estimate lies more than ``PREFILTER_Z`` standard deviations
    (of an estimate on ``min(num_perm, s)`` values) below what it needs. Vectorised over
    chunks of pairs, this replaces most exact checks between statements that share only
    boilerplate (an issuer's header and sign-off)."""
    num_perm = sigs.shape[1]
    keep: list[np.ndarray] = []
    for lo in range(0, codes.size, 16_384):  # 16k pairs: 16 MB of gathered signatures
        chunk = codes[lo : lo + 16_384]
        i, j = chunk // n, chunk % n
        est = np.count_nonzero(sigs[i] == sigs[j], axis=1) / num_perm
        a, b = sizes[i], sizes[j]
        small, large = np.minimum(a, b), np.maximum(a, b)
        by_c = (small >= MIN_CONTAINED) & (small >= min_ratio * large)
        need_c = containment * small / np.maximum(a + b - containment * small, 1)
        need = np.where(by_c, np.minimum(threshold, need_c), threshold)
        sd = np.sqrt(need * (1 - need) / np.clip(small, 1, num_perm))
        keep.append(chunk[est >= need - PREFILTER_Z * sd])
    return np.concatenate(keep) if keep else codes


# --------------------------------------------------------------------- clusters from a store


@dataclass(frozen=True, slots=True)
class Member:
    """One version in a cluster, with where and when it was seen.

    ``seen`` orders the cluster: the published date when known (``seen_from`` =
    "published"), else the first time any source of it was ingested ("first_seen").
    ``jaccard`` and ``containment`` compare it with the cluster's earliest member."""

    id: str
    title: str | None
    issuer: str | None
    published: str | None
    first_seen: str
    seen: str
    seen_from: str
    sources: tuple[tuple[str, str, str], ...]
    jaccard: float
    containment: float
    shingles: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "issuer": self.issuer,
            "published": self.published,
            "first_seen": self.first_seen,
            "seen": self.seen,
            "seen_from": self.seen_from,
            "sources": [{"source": s, "format": f, "first_seen": t} for s, f, t in self.sources],
            "jaccard": round(self.jaccard, 4),
            "containment": round(self.containment, 4),
            "shingles": self.shingles,
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """Versions of one statement, earliest first; ``id`` is the earliest member's id."""

    id: str
    members: tuple[Member, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "first_seen": self.members[0].seen,
            "last_seen": self.members[-1].seen,
            "issuers": sorted({m.issuer for m in self.members if m.issuer}),
            "members": [m.to_dict() for m in self.members],
        }


def _seen(row: Mapping[str, Any]) -> tuple[str, str]:
    if row.get("published"):
        return str(row["published"]), "published"
    return str(row.get("first_seen") or ""), "first_seen"


def order_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """Sort key of a catalog row in first-seen order: the published date when known, else
    the first ingest time (ISO strings compare chronologically; a date sorts before the
    times of its own day), then ingest time, then id."""
    return _seen(row)[0], str(row.get("first_seen") or ""), str(row["id"])


@dataclass(frozen=True, slots=True)
class Reposts:
    """The clusters of a store (see :func:`reposts`) with the clustering's ``stats`` and
    ``params`` (:attr:`Lineage.stats`, :attr:`Lineage.params`)."""

    clusters: tuple[Cluster, ...]
    stats: Mapping[str, Any]
    params: Mapping[str, Any]

    def __iter__(self) -> Iterator[Cluster]:
        return iter(self.clusters)

    def __len__(self) -> int:
        return len(self.clusters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clusters": [c.to_dict() for c in self.clusters],
            "stats": dict(self.stats),
            "params": dict(self.params),
        }


def reposts(
    store: Any,
    *,
    threshold: float = THRESHOLD,
    min_size: int = 2,
    containment: float = CONTAINMENT,
) -> Reposts:
    """Near-duplicate clusters of every document in ``store``, largest first (ties: earliest
    first seen, then id), each ordered by first seen with every member's sources.

    ``min_size`` 1 lists every document, singletons included. Uses only the store's public
    reading methods (``iter_texts``, ``catalog``, ``sources``), so it works on any store."""
    if min_size < 1:
        raise ConfigError(E_CONFIG, f"min_size must be at least 1, not {min_size}")
    lineage = cluster_texts(store.iter_texts(), threshold=threshold, containment=containment)
    groups = [g for g in lineage.groups if len(g) >= min_size]
    if min_size == 1:
        groups += [[d] for d in lineage.singletons()]
    wanted = {d for g in groups for d in g}
    rows = {r["id"]: r for r in store.catalog() if r["id"] in wanted}
    clusters: list[Cluster] = []
    for group in groups:
        ordered = sorted((rows.get(d) or {"id": d, "first_seen": ""} for d in group), key=order_key)
        first = ordered[0]["id"]
        members = []
        for r in ordered:
            sim = lineage.similarity(first, r["id"])
            seen, seen_from = _seen(r)
            members.append(
                Member(
                    id=r["id"],
                    title=r.get("title"),
                    issuer=r.get("issuer"),
                    published=r.get("published"),
                    first_seen=str(r.get("first_seen") or ""),
                    seen=seen,
                    seen_from=seen_from,
                    sources=tuple((str(s), str(f), str(t)) for s, f, t in store.sources(r["id"])),
                    jaccard=sim.jaccard,
                    containment=sim.containment,
                    shingles=lineage.shingles(r["id"]),
                )
            )
        clusters.append(Cluster(first, tuple(members)))
    clusters.sort(key=lambda c: (-c.size, c.members[0].seen, c.id))
    return Reposts(tuple(clusters), MappingProxyType(lineage.stats), MappingProxyType(lineage.params))


# ---------------------------------------------------------------------------------- diff

#: A sentence ends at a run of terminators, with closing quotes, brackets or Markdown
#: emphasis after it, before a space.
_SENTENCE_END = re.compile(r"[.!?؟۔…]+[\"'”’»)\]*_]*(?=\s)")
#: Abbreviations whose full stop ends no sentence ("No. 31", "Maj. Gen. Varga", "Mr. Vale").
_ABBREVIATIONS = frozenset(
    "no nos mr mrs ms dr st gen lt col maj capt sgt cpl adm brig cmdr gov sen rep prof rev "
    "sr jr vs etc art para ch vol fig approx dept est jan feb mar apr jun jul aug sep sept "
    "oct nov dec".split()
)
_WORD_BEFORE = re.compile(r"(\w+)$")
_LINE = re.compile(r"[^\n]+")
_DIFF_TOKEN = re.compile(r"\w+|[^\w\s]")
_COUNTED_WORD = re.compile(r"\w+")
#: Two sentences in a changed block are one changed sentence (not a removal plus an
#: addition) when at least this share of their words align (difflib ratio).
PAIR_MIN = 0.5
#: Largest changed block (sentences removed x added) aligned sentence by sentence; a larger
#: one is shown as removed then added.
PAIR_CELLS = 2500


def sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence or line of ``text``, trimmed of whitespace: every
    character that is not whitespace lies in exactly one unit. Lines (headings, datelines,
    sign-offs) are units of their own; a line splits after ``. ! ? ؟ ۔ …`` before a space,
    except after a common abbreviation or an initial ("No. 31", "Maj. Gen. Varga", "J. Vale")."""
    out: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for m in _SENTENCE_END.finditer(text, line.start(), line.end()):
            before = _WORD_BEFORE.search(text, start, m.start())
            if text[m.start()] == "." and before and (
                before.group(1).casefold() in _ABBREVIATIONS or (len(before.group(1)) == 1 and before.group(1).isupper())
            ):
                continue  # "No. 31", "J. Varga": not the end of a sentence
            out.append((start, m.end()))
            start = m.end()
        out.append((start, line.end()))
    units = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            units.append((s, e))
    return units


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One aligned piece of two texts, with offsets into each (end exclusive).

    ``op``: "equal", "delete" (only in a; ``b_start == b_end`` is where it would be in b),
    "insert" (only in b) or "replace". At sentence level a "replace" is a changed sentence
    (or run of sentences) with its word-level ops in ``words`` and ``similarity`` the share
    of words that align (difflib ratio); word-level ops have no ``words``."""

    op: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    similarity: float = 1.0
    words: tuple[DiffOp, ...] = ()

    def to_dict(self, a: str | None = None, b: str | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "op": self.op,
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
        }
        if a is not None and b is not None:
            d["a_text"] = a[self.a_start : self.a_end]
            d["b_text"] = b[self.b_start : self.b_end]
        if self.words:
            d["similarity"] = round(self.similarity, 4)
            d["words"] = [w.to_dict(a, b) for w in self.words]
        return d


@dataclass(frozen=True, slots=True)
class Diff:
    """Two versions of a statement aligned sentence by sentence (see :func:`diff_texts`)."""

    a_id: str
    b_id: str
    a_text: str
    b_text: str
    ops: tuple[DiffOp, ...]
    summary: Mapping[str, Any]
    a_meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    b_meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def changes(self) -> list[DiffOp]:
        """The sentence-level ops that are not "equal"."""
        return [o for o in self.ops if o.op != "equal"]

    def to_dict(self, texts: bool = True) -> dict[str, Any]:
        """Plain data for JSON: ids, meta, summary and ops (with each op's surface text when
        ``texts``)."""
        a, b = (self.a_text, self.b_text) if texts else (None, None)
        return {
            "a": {"id": self.a_id, **dict(self.a_meta)},
            "b": {"id": self.b_id, **dict(self.b_meta)},
            "summary": dict(self.summary),
            "ops": [o.to_dict(a, b) for o in self.ops],
        }


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _DIFF_TOKEN.finditer(text, start, end)]


def _word_ops(a: str, ua: tuple[int, int], b: str, ub: tuple[int, int]) -> tuple[float, tuple[DiffOp, ...]]:
    """Word-level alignment of one sentence of a with one of b."""
    ta, tb = _tokens(a, *ua), _tokens(b, *ub)
    sm = difflib.SequenceMatcher(None, [a[s:e] for s, e in ta], [b[s:e] for s, e in tb], autojunk=False)
    ops = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        a0 = ta[i1][0] if i1 < i2 else (ta[i1][0] if i1 < len(ta) else ua[1])
        a1 = ta[i2 - 1][1] if i1 < i2 else a0
        b0 = tb[j1][0] if j1 < j2 else (tb[j1][0] if j1 < len(tb) else ub[1])
        b1 = tb[j2 - 1][1] if j1 < j2 else b0
        ops.append(DiffOp(tag, a0, a1, b0, b1))
    return sm.ratio(), tuple(ops)


def _ratio(a: str, ua: tuple[int, int], b: str, ub: tuple[int, int]) -> float:
    wa = [a[s:e].casefold() for s, e in _tokens(a, *ua)]
    wb = [b[s:e].casefold() for s, e in _tokens(b, *ub)]
    return difflib.SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _pair_block(
    a: str, ua: list[tuple[int, int]], b: str, ub: list[tuple[int, int]]
) -> list[tuple[int | None, int | None]]:
    """Order-preserving pairing of the sentences of a changed block: the alignment that
    maximises the summed similarity of its pairs, pairing only sentences at ``PAIR_MIN`` or
    above. Returns (i, j) pairs, (i, None) removed, (None, j) added, in reading order."""
    m, n = len(ua), len(ub)
    if m * n > PAIR_CELLS:
        return [(i, None) for i in range(m)] + [(None, j) for j in range(n)]
    sim = [[_ratio(a, ua[i], b, ub[j]) for j in range(n)] for i in range(m)]
    best = [[0.0] * (n + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        for j in range(n - 1, -1, -1):
            take = sim[i][j] + best[i + 1][j + 1] if sim[i][j] >= PAIR_MIN else -1.0
            best[i][j] = max(take, best[i + 1][j], best[i][j + 1])
    out: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < m and j < n:
        if sim[i][j] >= PAIR_MIN and best[i][j] == sim[i][j] + best[i + 1][j + 1]:
            out.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((i, None))
            i += 1
        else:
            out.append((None, j))
            j += 1
    out += [(k, None) for k in range(i, m)] + [(None, k) for k in range(j, n)]
    return out


def diff_texts(a: str, b: str, a_id: str = "a", b_id: str = "b") -> Diff:
    """Align two versions: sentences (and lines) matched with difflib; inside a block of
    changed sentences, each sentence is paired with its most similar counterpart (order
    kept) and compared word by word; unpaired sentences are removed or added.

    The summary counts sentences (equal, changed, removed, added), words removed and added,
    and gives the two texts' shingle similarity (:class:`Similarity`, as clustering uses).
    """
    ua, ub = sentences(a), sentences(b)

    def key(text: str, u: tuple[int, int]) -> str:
        return " ".join(text[u[0] : u[1]].split())

    sm = difflib.SequenceMatcher(None, [key(a, u) for u in ua], [key(b, u) for u in ub], autojunk=False)

    def b_pos(j: int) -> int:
        return ub[j][0] if j < len(ub) else (ub[-1][1] if ub else 0)

    def a_pos(i: int) -> int:
        return ua[i][0] if i < len(ua) else (ua[-1][1] if ua else 0)

    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            ops.extend(DiffOp("equal", *ua[i], *ub[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        pairs = _pair_block(a, ua[i1:i2], b, ub[j1:j2])
        next_i, next_j = i1, j1
        for pi, pj in pairs:
            if pi is not None and pj is not None:
                ratio, wops = _word_ops(a, ua[i1 + pi], b, ub[j1 + pj])
                ops.append(DiffOp("replace", *ua[i1 + pi], *ub[j1 + pj], ratio, wops))
                next_i, next_j = i1 + pi + 1, j1 + pj + 1
            elif pi is not None:
                pos = b_pos(next_j)
                ops.append(DiffOp("delete", *ua[i1 + pi], pos, pos, 0.0))
                next_i = i1 + pi + 1
            elif pj is not None:
                pos = a_pos(next_i)
                ops.append(DiffOp("insert", pos, pos, *ub[j1 + pj], 0.0))
                next_j = j1 + pj + 1

    def count_words(text: str, start: int, end: int) -> int:
        return len(_COUNTED_WORD.findall(text, start, end))

    removed_words = added_words = 0
    for o in ops:
        parts = o.words if o.op == "replace" else (o,)
        for w in parts:
            if w.op in ("delete", "replace"):
                removed_words += count_words(a, w.a_start, w.a_end)
            if w.op in ("insert", "replace"):
                added_words += count_words(b, w.b_start, w.b_end)
    sim = _text_similarity(a, b)
    summary = {
        "a_sentences": len(ua),
        "b_sentences": len(ub),
        "equal": sum(o.op == "equal" for o in ops),
        "changed": sum(o.op == "replace" for o in ops),
        "removed": sum(o.op == "delete" for o in ops),
        "added": sum(o.op == "insert" for o in ops),
        "words_removed": removed_words,
        "words_added": added_words,
        **sim.to_dict(),
    }
    return Diff(a_id, b_id, a, b, tuple(ops), MappingProxyType(summary))


def _text_similarity(a: str, b: str) -> Similarity:
    keys, starts, _ = _shingle_keys([_word_bytes(a), _word_bytes(b)], SHINGLE)
    top = ((keys & _MASK48) >> _U64(_KEY_BITS - 32)).astype(np.uint32)
    return _similarity(top[starts[0] : starts[1]], top[starts[1] : starts[2]])


def text_similarity(a: str, b: str) -> Similarity:
    """Shingle similarity of two texts, exactly as :func:`cluster_texts` measures it."""
    return _text_similarity(a, b)


_META_KEYS = ("title", "issuer", "published")


def diff_documents(a: Document, b: Document) -> Diff:
    """:func:`diff_texts` of two stored documents, with their title, issuer and published
    date in ``a_meta`` / ``b_meta``."""
    d = diff_texts(a.text, b.text, a.id, b.id)
    return Diff(
        d.a_id,
        d.b_id,
        d.a_text,
        d.b_text,
        d.ops,
        d.summary,
        MappingProxyType({k: a.meta.get(k) for k in _META_KEYS}),
        MappingProxyType({k: b.meta.get(k) for k in _META_KEYS}),
    )
