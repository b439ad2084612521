"""Parquet: a corpus as two tables, ``documents`` and ``spans``, for DuckDB, pandas, Spark and
the cluster engine.

Layout under ``out_dir`` (one pair of files per part; the cluster engine writes one part
per partition, the ``export`` command one part in all)::

    documents/{part}.parquet   one row per document
    spans/{part}.parquet       one row per span, with the index of its document in the part

``documents`` columns: ``id``, ``title``, ``issuer``, ``published`` (ISO date),
``doc_type``, ``languages`` (list of codes) — flat copies of meta for querying — then
``meta`` (JSON text of the whole meta: the contract fields first, then any others such as
``format`` and ``offset_map``) and ``text``.

``spans`` columns: ``doc_id``, ``doc_index`` (row of the document in its part, so a part may
even hold one text twice), ``start``, ``end``, ``layer``, ``label``, ``score`` (rounded to 4
places as in the JSONL contract), ``text`` (the surface, derived from the offsets; written
for queries and never read back), ``attrs`` (JSON text) and ``source``.

For example, in DuckDB: ``SELECT label, count(*) FROM 'out/spans/*.parquet' WHERE layer =
'technique' GROUP BY label``.

Files are written to a hidden temporary name and renamed, so a reader never sees half a
part. Only pyarrow is needed (no pandas).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import E_CONFIG, E_INGEST_CORRUPT, E_INGEST_NOT_FOUND, SpanError
from ..model import META_FIELDS, Document, Span, _plain
from ._common import ExchangeError, dumps, natural_key

#: Bumped when a column changes meaning; stored in each file's schema metadata.
FORMAT_VERSION = "1"

_KEY = b"communique.parquet"


def _schemas() -> tuple[Any, Any]:
    import pyarrow as pa

    documents = pa.schema(
        [
            ("id", pa.string()),
            ("title", pa.string()),
            ("issuer", pa.string()),
            ("published", pa.string()),
            ("doc_type", pa.string()),
            ("languages", pa.list_(pa.string())),
            ("meta", pa.large_string()),
            ("text", pa.large_string()),
        ],
        metadata={_KEY: f"documents/{FORMAT_VERSION}".encode()},
    )
    spans = pa.schema(
        [
            ("doc_id", pa.string()),
            ("doc_index", pa.int64()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("layer", pa.string()),
            ("label", pa.string()),
            ("score", pa.float64()),
            ("text", pa.large_string()),
            ("attrs", pa.large_string()),
            ("source", pa.string()),
        ],
        metadata={_KEY: f"spans/{FORMAT_VERSION}".encode()},
    )
    return documents, spans


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _check_part(part: str) -> None:
    if not part or part.startswith(".") or "/" in part or "\\" in part or "\x00" in part:
        raise ExchangeError(E_CONFIG, f"bad part name {part!r}: a plain file name is needed (e.g. 'part-0')")


def write_parquet(docs: Iterable[Document], out_dir: str | Path, part: str = "part-0") -> int:
    """Write ``out_dir/documents/{part}.parquet`` and ``out_dir/spans/{part}.parquet``
    (folders created as needed; an existing part of that name is replaced). Returns the
    number of documents written; zero documents still give two valid, empty files."""
    import pyarrow as pa

    _check_part(part)
    doc_schema, span_schema = _schemas()
    d_cols: dict[str, list[Any]] = {f.name: [] for f in doc_schema}
    s_cols: dict[str, list[Any]] = {f.name: [] for f in span_schema}
    n = 0
    for doc in docs:
        d = doc.to_dict()
        meta = d["meta"]
        extra = {k: _plain(v) for k, v in doc.meta.items() if k not in META_FIELDS}
        d_cols["id"].append(doc.id)
        for key in ("title", "issuer", "published", "doc_type"):
            d_cols[key].append(_str_or_none(meta[key]))
        d_cols["languages"].append([str(x) for x in meta["languages"] or []])
        d_cols["meta"].append(dumps({**meta, **extra}))
        d_cols["text"].append(doc.text)
        for s in d["spans"]:
            s_cols["doc_id"].append(doc.id)
            s_cols["doc_index"].append(n)
            for key in ("start", "end", "layer", "label", "score", "source"):
                s_cols[key].append(s[key])
            s_cols["text"].append(doc.text[s["start"] : s["end"]])
            s_cols["attrs"].append(dumps(s["attrs"]))
        n += 1
    out = Path(out_dir)
    _write(pa.Table.from_pydict(d_cols, schema=doc_schema), out / "documents", part)
    _write(pa.Table.from_pydict(s_cols, schema=span_schema), out / "spans", part)
    return n


def _write(table: Any, folder: Path, part: str) -> None:
    import pyarrow.parquet as pq

    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{part}.parquet.tmp"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, folder / f"{part}.parquet")
    except OSError as exc:
        raise ExchangeError(E_CONFIG, f"cannot write {folder / part}.parquet: {exc.strerror or exc}") from exc


def parts(out_dir: str | Path) -> list[str]:
    """The part names under ``out_dir``, in reading order: digit runs compare by value, so
    ``part.2`` comes before ``part.10`` (zero-padded names sort the same either way)."""
    folder = Path(out_dir)
    if not (folder / "documents").is_dir():
        raise ExchangeError(
            E_INGEST_NOT_FOUND, f"{folder} is not a communique Parquet export (no documents/ folder)"
        )
    names = [p.name[: -len(".parquet")] for p in (folder / "documents").glob("*.parquet") if not p.name.startswith(".")]
    spans = {p.name[: -len(".parquet")] for p in (folder / "spans").glob("*.parquet") if not p.name.startswith(".")}
    orphans = sorted(spans - set(names))
    if orphans:
        raise ExchangeError(
            E_INGEST_CORRUPT, f"{folder}: spans/{orphans[0]}.parquet has no documents/{orphans[0]}.parquet"
        )
    return sorted(names, key=natural_key)


def read_parquet(out_dir: str | Path, *, full_meta: bool = False) -> Iterator[Document]:
    """Every document of every part, parts in :func:`parts` order and documents in the order
    written, equal to ``Document.from_dict(original.to_dict())``.

    ``full_meta=True`` keeps the meta keys outside the contract too (``format``,
    ``offset_map``, …), as loading into a store wants. Reads one part at a time. Raises
    :class:`ExchangeError` naming the file for a missing spans part, missing columns, a span
    pointing at no document, or a span that breaks the data model.
    """
    for _where, doc in iter_parquet(out_dir, full_meta=full_meta):
        yield doc


def iter_parquet(out_dir: str | Path, *, full_meta: bool = False) -> Iterator[tuple[str, Document]]:
    """:func:`read_parquet` with where each document is: ``documents/<part>.parquet row <i>``."""
    folder = Path(out_dir)
    for part in parts(folder):
        for i, doc in enumerate(_read_part(folder, part, full_meta)):
            yield f"{folder / 'documents' / part}.parquet row {i}", doc


def _read_table(path: Path, columns: list[str], kind: str) -> dict[str, list[Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: no such file (every part needs documents/ and spans/)")
    try:
        schema = pq.read_schema(path)
        missing = [c for c in columns if c not in schema.names]
        if missing:
            raise ExchangeError(E_INGEST_CORRUPT, f"{path}: not a communique {kind} table (no column {missing[0]!r})")
        table = pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise ExchangeError(E_INGEST_CORRUPT, f"{path}: cannot read Parquet ({exc})") from exc
    return {c: table.column(c).to_pylist() for c in columns}


def _read_part(folder: Path, part: str, full_meta: bool) -> Iterator[Document]:
    dpath = folder / "documents" / f"{part}.parquet"
    spath = folder / "spans" / f"{part}.parquet"
    d = _read_table(dpath, ["id", "meta", "text"], "documents")
    s = _read_table(spath, ["doc_id", "doc_index", "start", "end", "layer", "label", "score", "attrs", "source"], "spans")
    n = len(d["id"])
    spans: list[list[Span]] = [[] for _ in range(n)]
    for row in range(len(s["doc_id"])):
        i = s["doc_index"][row]
        if i is None or not 0 <= i < n or s["doc_id"][row] != d["id"][i]:
            raise ExchangeError(
                E_INGEST_CORRUPT,
                f"{spath}: row {row} belongs to document {s['doc_id'][row]!r} at index {i}, which is not in {dpath.name}",
            )
        try:
            spans[i].append(
                Span(
                    s["start"][row], s["end"][row], s["layer"][row], s["label"][row], s["score"][row],
                    json.loads(s["attrs"][row]) if s["attrs"][row] else {}, s["source"][row],
                )  # fmt: skip
            )
        except (SpanError, TypeError, ValueError) as exc:
            raise ExchangeError(E_INGEST_CORRUPT, f"{spath}: row {row}: {exc}") from exc
    for i in range(n):
        try:
            stored = json.loads(d["meta"][i]) if d["meta"][i] else {}
            meta = {k: stored.get(k) for k in META_FIELDS}
            if meta["languages"] is None:
                meta["languages"] = []
            if full_meta:
                meta.update((k, v) for k, v in stored.items() if k not in META_FIELDS)
            doc = Document(d["id"][i], d["text"][i], meta, tuple(spans[i]))
        except (SpanError, TypeError, ValueError, AttributeError) as exc:
            raise ExchangeError(E_INGEST_CORRUPT, f"{dpath}: row {i}: {exc}") from exc
        yield doc
