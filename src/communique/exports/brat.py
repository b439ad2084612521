"""brat standoff: each document as ``<id>.txt`` (the exact text) and ``<id>.ann``, plus the
``annotation.conf`` and ``visual.conf`` a brat collection needs; reviewed ``.ann`` files
come back as review spans.

``.ann`` lines written, in canonical span order::

    T3<TAB>PERSON 266 279<TAB>Piotr Halvard
    #3<TAB>AnnotatorNotes T3<TAB>score=0.95; source=entities@1; canonical=Piotr Halvard

Offsets are characters (code points) into the ``.txt``, as brat counts them; the ``.txt`` is
written byte-exact (UTF-8, no newline translation), so Arabic and any other script keep
their offsets. A span that crosses a line break is written as brat itself writes such a
selection: fragments split at each line break (``12 40;41 58``) with their texts joined by a
space; reading merges the fragments back into one span.

Types: a brat type is the communique label with any character outside ``[A-Za-z0-9_-]``
replaced by ``_`` (today every label is already safe); labels are unique across layers, so
the type gives back layer and label (``type_label``). ``annotation.conf`` lists the types of
the exported layers grouped under non-annotatable ``!layer`` headings and allows any
overlap (communique's spans nest and cross); ``visual.conf`` colours types by layer.

Round trip (``read_brat`` → ``spans``): offsets, layer, label, and the score and source kept
in the note come back exactly; other attrs come back only as the note's text. A span that
begins or ends with a line break comes back without it (brat cannot mark one).

Review import (``read_reviews``): every ``T`` annotation of a ``.ann`` whose ``.txt`` is the
stored text becomes a review span (``review:brat`` or ``review:<annotator>``); relations,
events, attributes and normalizations are listed as skipped; a ``T`` line with an unknown
type, bad offsets, a text field that does not match its offsets, or fragments with text
between them (a truly discontinuous annotation) is rejected with ``file:line``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import E_CONFIG, E_INGEST_CORRUPT, E_INGEST_NOT_FOUND, E_SPAN
from ..model import LAYERS, Document, Span, span_order
from ._common import REVIEW_LAYERS, ExchangeError, Rejection, check_layers, natural_key, note
from .labelstudio import LAYER_COLOURS
from .review import Mark, ReviewDoc, Skip, review_source

ANNOTATION_CONF = "annotation.conf"
VISUAL_CONF = "visual.conf"

#: What brat and Python count as line breaks (str.splitlines): a span is split at each.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_ID = re.compile(r"^[A-Za-z0-9._-]+$")
_OFFSETS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")


def _build_types() -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str]]]:
    plain: dict[str, list[tuple[str, str]]] = {}
    for layer, labels in LAYERS.items():
        for label in labels:
            plain.setdefault(_UNSAFE.sub("_", label), []).append((layer, label))
    to_type: dict[tuple[str, str], str] = {}
    for name, owners in plain.items():
        for layer, label in owners:  # a clash (none today) is qualified by the layer
            to_type[layer, label] = name if len(owners) == 1 else f"{layer}-{name}"
    return to_type, {t: key for key, t in to_type.items()}


_TO_TYPE, _FROM_TYPE = _build_types()


def brat_type(layer: str, label: str) -> str:
    """The brat type of a communique label."""
    return _TO_TYPE[layer, label]


def type_label(brat: str) -> tuple[str, str] | None:
    """``(layer, label)`` of a brat type written by communique (None if unknown)."""
    return _FROM_TYPE.get(brat)


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at line breaks into the non-empty pieces brat can mark; a span
    with no such piece (empty, or only line breaks) is kept whole."""
    out: list[tuple[int, int]] = []
    s = start
    for i in range(start, end):
        if text[i] in LINE_BREAKS:
            if i > s:
                out.append((s, i))
            s = i + 1
    if end > s:
        out.append((s, end))
    return out or [(start, end)]


_TO_SPACE = {ord(c): " " for c in (*LINE_BREAKS, "\t")}


def _clean(value: str) -> str:
    """Line breaks and tabs as spaces: an .ann field must stay on its line."""
    return value.translate(_TO_SPACE)


def ann_text(doc: Document, layers: Collection[str]) -> str:
    """The ``.ann`` file of a document: ``T`` lines and their notes."""
    lines: list[str] = []
    n = 0
    for s in sorted(doc.spans, key=span_order):
        if s.layer not in layers:
            continue
        n += 1
        frags = fragments(doc.text, s.start, s.end)
        offsets = ";".join(f"{a} {b}" for a, b in frags)
        surface = " ".join(doc.text[a:b] for a, b in frags)
        lines.append(f"T{n}\t{brat_type(s.layer, s.label)} {offsets}\t{_clean(surface)}")
        extra = note(s.attrs)
        text = f"score={round(float(s.score), 4)}; source={_clean(s.source)}" + (f"; {extra}" if extra else "")
        lines.append(f"#{n}\tAnnotatorNotes T{n}\t{_clean(text)}")
    return "".join(line + "\n" for line in lines)


def annotation_conf(layers: Iterable[str]) -> str:
    """brat's ``annotation.conf``: the types of ``layers``, grouped by layer, any overlap allowed."""
    lines = [
        "# brat configuration written by communique: one entity type per label, grouped by",
        "# layer (a !group cannot be annotated). Spans nest and cross, so overlap is allowed.",
        "[entities]",
    ]
    for layer in layers:
        lines.append(f"!{layer}")
        lines += [f"\t{brat_type(layer, lab)}" for lab in sorted(LAYERS[layer])]
    lines += ["[relations]", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "[events]", "[attributes]", ""]
    return "\n".join(lines)


def visual_conf(layers: Iterable[str]) -> str:
    """brat's ``visual.conf``: a readable name and the layer's colour for every type."""
    labels, drawing = ["[labels]"], ["[drawing]", "SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken"]
    for layer in layers:
        for lab in sorted(LAYERS[layer]):
            t = brat_type(layer, lab)
            labels.append(f"{t} | {lab.replace('_', ' ')}")
            drawing.append(f"{t}\tbgColor:{LAYER_COLOURS[layer]}, borderColor:darken")
    return "\n".join([*labels, "", *drawing, ""])


def write_brat(docs: Iterable[Document], out_dir: str | Path, layers: Iterable[str] | None = None) -> int:
    """Write ``<id>.txt`` and ``<id>.ann`` per document plus ``annotation.conf`` and
    ``visual.conf`` into ``out_dir`` (created as needed); ``layers`` defaults to every
    layer but ``segment``. Returns the number of documents."""
    chosen = check_layers(layers) or REVIEW_LAYERS
    out = Path(out_dir)
    n = 0
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / ANNOTATION_CONF).write_text(annotation_conf(chosen), encoding="utf-8")
        (out / VISUAL_CONF).write_text(visual_conf(chosen), encoding="utf-8")
        for doc in docs:
            if not _ID.match(doc.id):
                raise ExchangeError(E_CONFIG, f"document id {doc.id!r} cannot be a file name")
            with (out / f"{doc.id}.txt").open("w", encoding="utf-8", newline="") as fh:
                fh.write(doc.text)
            with (out / f"{doc.id}.ann").open("w", encoding="utf-8", newline="") as fh:
                fh.write(ann_text(doc, chosen))
            n += 1
    except OSError as exc:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"cannot write into {out}: {exc.strerror or exc}") from exc
    return n


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class BratAnnotation:
    """One ``T`` line, fragments merged: ``text[start:end]`` labelled ``layer``/``label``."""

    id: str
    where: str
    layer: str
    label: str
    start: int
    end: int
    note: str | None = None

    def note_fields(self) -> dict[str, str]:
        """``key=value`` pairs of the note (``score`` and ``source`` when communique wrote it)."""
        out: dict[str, str] = {}
        for part in (self.note or "").split("; "):
            key, eq, value = part.partition("=")
            if eq and key and key not in out:
                out[key] = value
        return out


@dataclass
class BratDocument:
    """A ``.ann`` with its ``.txt``: the annotations taken, refused and skipped."""

    name: str  # the file stem: the document id when communique wrote it
    path: Path
    text: str
    annotations: list[BratAnnotation] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def spans(self, default_source: str = "brat") -> list[Span]:
        """The annotations as spans, score and source from the note where communique wrote
        them (else 1.0 and ``default_source``), other attrs empty."""
        out = []
        for a in self.annotations:
            f = a.note_fields()
            try:
                score = float(f.get("score", 1.0))
            except ValueError:
                score = 1.0
            out.append(Span(a.start, a.end, a.layer, a.label, score, {}, f.get("source") or default_source))
        return out


def _read_text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: no such file (every .ann needs its .txt)") from None
    except UnicodeDecodeError as exc:
        raise ExchangeError(E_INGEST_CORRUPT, f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: cannot read ({exc.strerror})") from None


def read_brat_file(ann: str | Path) -> BratDocument:
    """Read one ``.ann`` and its ``.txt``. Raises :class:`ExchangeError` when either cannot
    be read; problems with single lines become the document's rejections and skips."""
    ann = Path(ann)
    text = _read_text(ann.with_suffix(".txt"))
    raw = _read_text(ann)
    bd = BratDocument(ann.stem, ann, text)
    notes: dict[str, str] = {}
    pending: list[tuple[str, str, str, list[tuple[int, int]], str]] = []
    for n, line in enumerate(raw.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{ann.name}:{n}"
        kind = line[0]
        if kind == "T":
            fields = line.split("\t", 2)
            if len(fields) < 2 or " " not in fields[1]:
                bd.rejected.append(Rejection(where, E_INGEST_CORRUPT, f"malformed T line: {line[:80]!r}"))
                continue
            type_, offsets = fields[1].split(" ", 1)
            if not _OFFSETS.match(offsets):
                bd.rejected.append(Rejection(where, E_INGEST_CORRUPT, f"malformed offsets {offsets!r}"))
                continue
            frags = [(int(a), int(b)) for a, b in (p.split(" ") for p in offsets.split(";"))]
            pending.append((fields[0], where, type_, frags, fields[2] if len(fields) > 2 else ""))
        elif kind == "#":
            fields = line.split("\t", 2)
            target = fields[1].split(" ") if len(fields) > 1 else []
            if len(target) == 2 and target[0] == "AnnotatorNotes":
                notes[target[1]] = fields[2] if len(fields) > 2 else ""
            else:
                bd.skipped.append(Skip(where, "a comment that is not an AnnotatorNotes line is not imported"))
        else:
            what = {"R": "relation", "E": "event", "A": "attribute", "M": "attribute", "N": "normalization", "*": "equivalence"}
            bd.skipped.append(Skip(where, f"brat {what.get(kind, 'annotation')} lines are not imported ({line[:40]!r})"))
    for tid, where, type_, frags, field_text in pending:
        got = _annotation(text, tid, where, type_, frags, field_text, notes.get(tid))
        if isinstance(got, Rejection):
            bd.rejected.append(got)
        else:
            bd.annotations.append(got)
    return bd


def _annotation(
    text: str, tid: str, where: str, type_: str, frags: list[tuple[int, int]], field_text: str, note_text: str | None
) -> BratAnnotation | Rejection:
    key = type_label(type_)
    if key is None:
        return Rejection(where, E_SPAN, f"unknown type {type_!r}: not a communique label")
    frags = sorted(frags)
    for a, b in frags:
        if not 0 <= a <= b <= len(text):
            return Rejection(where, E_SPAN, f"offsets {a}..{b} do not fit the text of {len(text)} characters")
    if field_text and field_text != " ".join(_clean(text[a:b]) for a, b in frags):
        shown = " ".join(text[a:b] for a, b in frags)
        return Rejection(where, E_SPAN, f"the text field {field_text!r} does not match the offsets, which read {shown!r}")
    for (_, b), (a2, _) in zip(frags, frags[1:], strict=False):
        if text[b:a2].strip():
            return Rejection(where, E_SPAN, f"a discontinuous annotation ({text[b:a2]!r} between its fragments): communique spans are contiguous")
    return BratAnnotation(tid, where, key[0], key[1], frags[0][0], frags[-1][1], note_text)


def read_brat(folder: str | Path) -> Iterator[BratDocument]:
    """Every ``.ann`` in ``folder`` (natural name order) with its ``.txt``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{folder} is not a folder of brat .ann/.txt files")
    for ann in sorted(folder.glob("*.ann"), key=lambda p: natural_key(p.name)):
        yield read_brat_file(ann)


def read_reviews(folder: str | Path, annotator: str | None = None) -> Iterator[ReviewDoc | Rejection | Skip]:
    """Reviewed ``.ann`` files as :class:`review.ReviewDoc` records for :func:`review.apply`
    (source ``review:<annotator>``, default ``review:brat``)."""
    source = review_source(annotator or "brat")
    folder = Path(folder)
    if not folder.is_dir():
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{folder} is not a folder of brat .ann/.txt files")
    anns = sorted(folder.glob("*.ann"), key=lambda p: natural_key(p.name))
    if not anns:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{folder}: no .ann files")
    return _reviews(anns, source)


def _reviews(anns: list[Path], source: str) -> Iterator[ReviewDoc | Rejection | Skip]:
    for ann in anns:
        try:
            bd = read_brat_file(ann)
        except ExchangeError as exc:
            yield Rejection(ann.name, exc.code, exc.message)
            continue
        yield from bd.skipped
        yield from bd.rejected
        rd = ReviewDoc(ann.name, source, bd.name, bd.text)
        for a in bd.annotations:
            review: dict[str, Any] = {"tool": "brat", "file": ann.name, "id": a.id}
            if a.note:
                review["note"] = a.note
            rd.marks.append(Mark(a.where, a.start, a.end, a.label, bd.text[a.start : a.end], a.layer, review))
        if bd.rejected and not rd.marks:
            continue  # nothing usable: keep what an earlier import of this file gave
        yield rd

