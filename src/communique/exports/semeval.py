"""Technique spans in the SemEval-2020 Task 11 format, laid out as the task's data is.

``write_semeval(docs, out_dir)`` writes::

    articles/article<N>.txt   each document's text, byte-exact (UTF-8, no newline translation)
    techniques.labels         one span a line: N<TAB>PTC label<TAB>start<TAB>end (all articles)
    ids.tsv                   article<TAB>doc_id<TAB>title, to find the statement again

``N`` is the document id read as a hexadecimal number and written in decimal (ids are 16
hex digits, so ``N < 2**64``): the task's readers want digits, and the mapping is exact
both ways. The label is the span's ``attrs.ptc`` (the PTC label the detector recorded) or,
for spans without one (a reviewer's), the PTC label of its SemEval-2023 technique.
Techniques the 2020 scheme has no label for (Appeal_to_Values, Doubt's neighbours…) are
left out and counted, as the ``techniques`` command does. Offsets are characters into the
article file, as the task's scorers read them.

The folder then works with the project's SemEval tools: ``communique techniques
OUT/articles -o pred.labels`` and ``communique eval techniques --gold OUT/techniques.labels
--pred pred.labels``.

``read_semeval(out_dir)`` gives the documents back with their technique spans: id and text
exactly, and per span the PTC label (``attrs.ptc``), start and end exactly; the label is the
PTC label's default SemEval-2023 technique (merged PTC labels such as
``Whataboutism,Straw_Men,Red_Herring`` cannot tell which one it was), the score 1.0 and the
source ``semeval:techniques.labels``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import E_CONFIG, E_INGEST_CORRUPT, E_INGEST_NOT_FOUND
from ..model import Document, Span, span_order
from ..techniques.taxonomy import PTC_LABELS, from_ptc, to_ptc
from ._common import ExchangeError

ARTICLES_DIR = "articles"
LABELS_FILE = "techniques.labels"
IDS_FILE = "ids.tsv"
SOURCE = f"semeval:{LABELS_FILE}"


def article_id(doc_id: str) -> str:
    """The task's numeric article id for a communique document id (hex → decimal)."""
    try:
        if len(doc_id) > 16:
            raise ValueError
        return str(int(doc_id, 16))
    except ValueError:
        raise ExchangeError(E_CONFIG, f"document id {doc_id!r} is not a content hash (16 hex digits)") from None


def document_id(article: str) -> str:
    """The communique document id of a numeric article id (decimal → 16 hex digits)."""
    return format(int(article), "016x")


def ptc_label(span: Span) -> str | None:
    """The PTC label of a technique span (None where the 2020 scheme has none)."""
    given = span.attrs.get("ptc")
    if isinstance(given, str) and given in PTC_LABELS:
        return given
    return to_ptc(span.label)


def write_semeval(docs: Iterable[Document], out_dir: str | Path, report: dict[str, int] | None = None) -> int:
    """Write the articles, ``techniques.labels`` and ``ids.tsv`` into ``out_dir``; returns
    the number of documents. ``report``, when given, receives ``spans`` (lines written) and
    ``left_out`` (technique spans without a PTC label, or empty)."""
    out = Path(out_dir)
    arts = out / ARTICLES_DIR
    n = spans = left_out = 0
    try:
        arts.mkdir(parents=True, exist_ok=True)
        with (out / LABELS_FILE).open("w", encoding="utf-8", newline="") as labels, (out / IDS_FILE).open(
            "w", encoding="utf-8", newline=""
        ) as ids:
            w = csv.writer(ids, delimiter="\t", lineterminator="\n")
            w.writerow(["article", "doc_id", "title"])
            for doc in docs:
                art = article_id(doc.id)
                with (arts / f"article{art}.txt").open("w", encoding="utf-8", newline="") as fh:
                    fh.write(doc.text)
                w.writerow([art, doc.id, " ".join(str(doc.meta.get("title") or "").split())])
                for s in sorted(doc.layer("technique"), key=span_order):
                    label = ptc_label(s)
                    if label is None or s.end <= s.start:
                        left_out += 1
                        continue
                    labels.write(f"{art}\t{label}\t{s.start}\t{s.end}\n")
                    spans += 1
                n += 1
    except OSError as exc:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"cannot write into {out}: {exc.strerror or exc}") from exc
    if report is not None:
        report.update(spans=spans, left_out=left_out)
    return n


def read_semeval(out_dir: str | Path) -> Iterator[Document]:
    """The documents of a ``write_semeval`` folder with their technique spans, in
    ``ids.tsv`` order (article order when there is none). Raises :class:`ExchangeError`
    for a malformed labels file (``file:line`` named), a span of a missing article, or an
    unknown PTC label."""
    from ..techniques import ptc, semeval

    out = Path(out_dir)
    articles = ptc.read_articles(out / ARTICLES_DIR)
    order: list[tuple[str, str]] = []
    ids_path = out / IDS_FILE
    if ids_path.is_file():
        with ids_path.open(encoding="utf-8", newline="") as fh:
            ids = list(csv.reader(fh, delimiter="\t"))
        order = [(r[0], r[1]) for r in ids[1:] if len(r) >= 2]
    else:
        order = [(a, document_id(a)) for a in sorted(articles, key=int)]
    try:
        rows = semeval.read_spans(out / LABELS_FILE)
    except semeval.SemEvalError as exc:
        raise ExchangeError(E_INGEST_CORRUPT, exc.message) from None
    rows_by_article: dict[str, list[Any]] = {}
    for r in rows:
        if r.article not in articles:
            raise ExchangeError(E_INGEST_CORRUPT, f"{out / LABELS_FILE}: a span of article {r.article}, which has no article{r.article}.txt")
        if r.label not in PTC_LABELS:
            raise ExchangeError(E_INGEST_CORRUPT, f"{out / LABELS_FILE}: unknown PTC label {r.label!r} (article {r.article})")
        rows_by_article.setdefault(r.article, []).append(r)
    for art, did in order:
        if art not in articles:
            raise ExchangeError(E_INGEST_NOT_FOUND, f"{ids_path}: article{art}.txt is missing")
        text = articles[art]
        spans = [
            Span(r.start, r.end, "technique", from_ptc(r.label), 1.0, {"ptc": r.label}, SOURCE)
            for r in rows_by_article.get(art, [])
        ]
        if any(s.end > len(text) for s in spans):
            raise ExchangeError(E_INGEST_CORRUPT, f"{out / LABELS_FILE}: a span of article {art} ends past its text")
        yield Document(did, text).with_spans(spans)
