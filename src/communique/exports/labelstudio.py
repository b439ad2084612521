"""Label Studio: tasks for review (with communique's findings as predictions) and the
reviewed annotations back.

Export (``write_labelstudio(docs, out_dir)``) writes two files:

- ``tasks.json``: one task per document, ``data`` = ``{text, doc_id, title, issuer,
  published}``, and ``predictions``: one per span source (``model_version`` = the span's
  ``source``, e.g. ``entities@1`` or ``model:techniques-minilm-1@1``; ``score`` = the mean of
  its spans' scores), each ``result`` item of type ``labels`` with ``from_name="label"``,
  ``to_name="text"``, ``value.start/end/text/labels`` (character offsets), the span's
  ``score``, and ``meta.text`` holding the key attrs (canonical name, actor, explanation…)
  for the reviewer. Result ids are ``s<N>``, N the span's position in the document's
  canonical order. In Label Studio, choose a model version under *Annotation → Prelabeling*
  to pre-label with one source, or open the Predictions tab of a task to see each source.
- ``labeling_config.xml``: ``<View><Labels name="label" toName="text">`` with every label of
  the exported layers (not only those found, so reviewers can add what was missed), coloured
  by layer, then ``<Text name="text" value="$text"/>``. Paste it under *Settings → Labeling
  Interface* before importing the tasks.

Import (``read_labelstudio(path)``) reads Label Studio's **JSON** export (a list of tasks,
each with ``annotations[].result[]``; the older ``completions`` key is accepted too) and gives
:class:`review.ReviewDoc` records for :func:`review.apply`. The annotator is
``completed_by.email`` when the export has it, else the ``completed_by`` id (``--annotator``
overrides). Cancelled (skipped) annotations, tasks without annotations and results of
other types (choices, relations, text areas) are listed as skipped; malformed results are
rejected with the task, annotation and result named. Offsets are checked against the
stored text (see ``review``), including Label Studio versions that count in UTF-16 units.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from ..errors import E_INGEST_CORRUPT, E_INGEST_NOT_FOUND
from ..model import LAYERS, Document
from ._common import REVIEW_LAYERS, ExchangeError, Rejection, check_layers, dumps, note
from .review import Mark, ReviewDoc, Skip, review_source

TASKS_FILE = "tasks.json"
CONFIG_FILE = "labeling_config.xml"
FROM_NAME, TO_NAME = "label", "text"

#: Label colours by layer (Tableau 10): a reviewer sees at a glance what kind of finding it is.
LAYER_COLOURS: Mapping[str, str] = {
    "segment": "#bab0ac",
    "entity": "#4e79a7",
    "date": "#59a14f",
    "quote": "#edc948",
    "citation": "#b07aa1",
    "technique": "#e15759",
    "role": "#f28e2b",
    "action": "#76b7b2",
}

def label_config(layers: Iterable[str]) -> str:
    """The labeling config XML for ``layers`` (every label of each, sorted within a layer)."""
    lines = ["<View>", f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    for layer in layers:
        for label in sorted(LAYERS[layer]):
            lines.append(f"    <Label value={quoteattr(label)} background={quoteattr(LAYER_COLOURS[layer])}/>")
    lines += ["  </Labels>", f'  <Text name="{TO_NAME}" value="$text"/>', "</View>", ""]
    return "\n".join(lines)


def task(doc: Document, layers: Collection[str]) -> dict[str, Any]:
    """One Label Studio task for a document: its text, id, header and predictions."""
    d = doc.to_dict()
    meta = d["meta"]
    by_source: dict[str, list[dict[str, Any]]] = {}
    scores: dict[str, list[float]] = {}
    for i, s in enumerate(d["spans"]):
        if s["layer"] not in layers:
            continue
        item: dict[str, Any] = {
            "id": f"s{i}",
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {"start": s["start"], "end": s["end"], "text": doc.text[s["start"] : s["end"]], "labels": [s["label"]]},
            "score": s["score"],
        }
        text = note(s["attrs"])
        if text:
            item["meta"] = {"text": [text]}
        by_source.setdefault(s["source"], []).append(item)
        scores.setdefault(s["source"], []).append(s["score"])
    return {
        "data": {
            "text": doc.text,
            "doc_id": doc.id,
            "title": meta["title"],
            "issuer": meta["issuer"],
            "published": meta["published"],
        },
        "predictions": [
            {"model_version": src, "score": round(sum(scores[src]) / len(scores[src]), 4), "result": items}
            for src, items in sorted(by_source.items())
        ],
    }


def write_labelstudio(docs: Iterable[Document], out_dir: str | Path, layers: Iterable[str] | None = None) -> int:
    """Write ``tasks.json`` and ``labeling_config.xml`` into ``out_dir`` (created as needed);
    ``layers`` defaults to every layer but ``segment``. Returns the number of tasks."""
    chosen = check_layers(layers) or REVIEW_LAYERS
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / CONFIG_FILE).write_text(label_config(chosen), encoding="utf-8")
        n = 0
        with (out / TASKS_FILE).open("w", encoding="utf-8", newline="") as fh:
            fh.write("[")
            for doc in docs:
                fh.write(",\n" if n else "\n")
                fh.write(dumps(task(doc, chosen)))
                n += 1
            fh.write("\n]\n")
    except OSError as exc:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"cannot write {out}: {exc.strerror or exc}") from exc
    return n


def _annotator(ann: Mapping[str, Any]) -> str | None:
    who = ann.get("completed_by")
    if isinstance(who, Mapping):
        for key in ("email", "username", "id"):
            if who.get(key) not in (None, ""):
                return str(who[key])
        return None
    if isinstance(who, (int, str)) and not isinstance(who, bool) and str(who).strip():
        return str(who)
    return None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def read_labelstudio(path: str | Path, annotator: str | None = None) -> Iterator[ReviewDoc | Rejection | Skip]:
    """Reviewed annotations from a Label Studio JSON export, for :func:`review.apply`.

    One :class:`ReviewDoc` per (task, annotation) that was submitted. ``annotator``
    replaces the name taken from ``completed_by``. Raises :class:`ExchangeError` when the
    file is missing, not JSON, or not a list of tasks.
    """
    path = Path(path)
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ExchangeError(E_INGEST_CORRUPT, f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ExchangeError(E_INGEST_CORRUPT, f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
    except OSError as exc:
        raise ExchangeError(E_INGEST_NOT_FOUND, f"{path}: cannot read ({exc.strerror})") from None
    tasks = [data] if isinstance(data, dict) and "data" in data else data
    if not isinstance(tasks, list):
        raise ExchangeError(E_INGEST_CORRUPT, f"{path}: not a Label Studio JSON export (a list of tasks is needed)")
    if annotator is not None:
        review_source(annotator)  # an empty name fails here, before any run is recorded
    return _tasks(tasks, name, annotator)


def _tasks(tasks: list[Any], name: str, annotator: str | None) -> Iterator[ReviewDoc | Rejection | Skip]:
    for i, t in enumerate(tasks, 1):
        tid = t.get("id", f"#{i}") if isinstance(t, dict) else f"#{i}"
        where = f"{name}: task {tid}"
        if not isinstance(t, dict) or not isinstance(t.get("data"), dict):
            hint = " (this looks like a JSON-MIN export: export as JSON instead)" if isinstance(t, dict) and "text" in t else ""
            yield Rejection(where, E_INGEST_CORRUPT, f"not a task: no 'data' object{hint}")
            continue
        d = t["data"]
        text = d.get("text") if isinstance(d.get("text"), str) else None
        did = d.get("doc_id") if isinstance(d.get("doc_id"), str) else None
        if text is None and did is None:
            yield Rejection(where, E_INGEST_CORRUPT, "the task has neither data.text nor data.doc_id: no way to find its document")
            continue
        anns = t.get("annotations", t.get("completions")) or []
        if not isinstance(anns, list):
            yield Rejection(where, E_INGEST_CORRUPT, "'annotations' is not a list")
            continue
        if not anns:
            yield Skip(where, "no annotations (not reviewed yet)")
            continue
        for j, ann in enumerate(anns, 1):
            aid = ann.get("id", f"#{j}") if isinstance(ann, dict) else f"#{j}"
            a_where = f"{where}, annotation {aid}"
            if not isinstance(ann, dict):
                yield Rejection(a_where, E_INGEST_CORRUPT, "not an annotation object")
                continue
            if ann.get("was_cancelled"):
                yield Skip(a_where, "cancelled (skipped) by the annotator")
                continue
            who = annotator or _annotator(ann) or "labelstudio"
            rd = ReviewDoc(a_where, review_source(who), did, text)
            results = ann.get("result") or []
            if not isinstance(results, list):
                yield Rejection(a_where, E_INGEST_CORRUPT, "'result' is not a list")
                continue
            for k, r in enumerate(results, 1):
                rid = r.get("id", f"#{k}") if isinstance(r, dict) else f"#{k}"
                r_where = f"{a_where}, result {rid!r}"
                if not isinstance(r, dict):
                    yield Rejection(r_where, E_INGEST_CORRUPT, "not a result object")
                    continue
                kind = r.get("type")
                if kind != "labels":
                    yield Skip(r_where, f"result type {kind!r} is not imported (only 'labels' regions are)")
                    continue
                v = r.get("value")
                start, end = (_int(v.get("start")), _int(v.get("end"))) if isinstance(v, dict) else (None, None)
                if not isinstance(v, dict) or start is None or end is None:
                    yield Rejection(r_where, E_INGEST_CORRUPT, "a labels result needs integer value.start and value.end (a Text tag, not HyperText)")
                    continue
                labels = v.get("labels")
                if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
                    yield Rejection(r_where, E_INGEST_CORRUPT, "value.labels must be a non-empty list of label names")
                    continue
                surface = v.get("text") if isinstance(v.get("text"), str) else None
                review = {"tool": "labelstudio", "file": name, "task": tid, "annotation": aid, "result": rid}
                for lab in labels:
                    rd.marks.append(Mark(r_where, start, end, lab, surface, review=review, utf16=True))
            yield rd
