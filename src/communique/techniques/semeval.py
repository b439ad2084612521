"""SemEval-2020 Task 11: span files, predictions for a folder of articles, official measures.

File format (the PTC files and the task's submissions): one span a line,
``article_id <TAB> technique <TAB> start <TAB> end`` (technique classification, FLC) or
``article_id <TAB> start <TAB> end`` (span identification); offsets are characters into the
article file as read (UTF-8, newline translation off), end exclusive.

The measures reproduce the task organisers' scorers (Da San Martino et al.; the tools of
SemEval-2020 Task 11: ``task-SI_scorer.py``, ``task-TC_scorer.py``, and the NLP4IF-2019
``task-FLC_scorer.py`` of which SI is the label-blind case):

- **SI**: per article, spans that share at least one character are merged (gold always; the
  submission as with the scorer's ``-m`` flag), labels are ignored, and for prediction ``s``
  and gold ``t`` of one article ``C(s, t, h) = |s ∩ t| / h``;
  ``P = Σ_s Σ_t C(s, t, |s|) / |S|``, ``R = Σ_t Σ_s C(s, t, |t|) / |T|``, with ``|S|``, ``|T|``
  counted after merging. ``P`` is 0 when ``|S| = 0``, ``R`` is 0 when ``|T| = 0``, and F1 is
  1.0 when both are 0 (the scorer's convention). Predictions for articles without gold spans
  count in ``|S|`` and earn nothing.
- **TC**: the prediction holds the gold spans (same multiset per article); labels of identical
  spans are aligned to maximise agreement, then micro P/R/F1 (= accuracy) and per-label F1.
- **FLC**: the SI measure where only spans with the same label match; overlapping spans are
  merged per label. Micro over all labels, per label, and the macro mean over labels.

Where the organisers' code has a defect we do what it means, and say so at the function.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from ..errors import E_CONFIG, ConfigError
from . import Finding
from .taxonomy import PTC_LABELS, TO_PTC

__all__ = [
    "ArticleFinding",
    "SemEvalError",
    "SpanRow",
    "classify_template",
    "detect_articles",
    "finding_rows",
    "read_spans",
    "score_flc",
    "score_si",
    "score_tc",
    "write_spans",
]

#: called after each article: (articles done, total, article id)
Progress = Callable[[int, int, str], None]


class SemEvalError(ConfigError):
    """A span file or template that cannot be used as asked (the CLI exits with 2)."""


@dataclass(frozen=True, slots=True)
class SpanRow:
    """One line of a SemEval-2020 Task 11 span file; ``label`` is None in 3-column files."""

    article: str
    label: str | None
    start: int
    end: int


class SpanLike(Protocol):
    """Anything with an article id, a label and offsets (``SpanRow``, ``ptc.GoldSpan``)."""

    @property
    def article(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


# ---------------------------------------------------------------------------- span files


def read_spans(path: str | Path) -> list[SpanRow]:
    """Read a span file: every line ``id, start, end`` or every line ``id, label, start, end``.

    Blank lines are skipped. Raises :class:`SemEvalError` naming ``file:line`` for a line
    with another number of fields, a non-integer offset, or offsets outside ``0 <= start <
    end`` (the organisers' scorers reject those too).
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        raise SemEvalError(E_CONFIG, f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise SemEvalError(E_CONFIG, f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SemEvalError(E_CONFIG, f"{path}: cannot read ({exc.strerror})") from None
    rows: list[SpanRow] = []
    width = 0  # the field count of the first line; every line must have the same
    for n, line in enumerate(lines, 1):
        line = line.rstrip()
        if not line:
            continue
        fields = line.split("\t")
        where = f"{path}:{n}"
        if len(fields) not in (3, 4):
            raise SemEvalError(
                E_CONFIG,
                f"{where}: expected 3 tab-separated fields (id, start, end) or 4 (id, technique, "
                f"start, end), got {len(fields)}: {line[:80]!r}",
            )
        if width and len(fields) != width:
            raise SemEvalError(E_CONFIG, f"{where}: {len(fields)} fields, but the file's first line has {width}")
        width = len(fields)
        article, label = fields[0].strip(), (fields[1] if width == 4 else None)
        if not article:
            raise SemEvalError(E_CONFIG, f"{where}: empty article id")
        try:
            start, end = int(fields[-2]), int(fields[-1])
        except ValueError:
            raise SemEvalError(E_CONFIG, f"{where}: offsets must be integers, got {fields[-2]!r} and {fields[-1]!r}") from None
        if not 0 <= start < end:
            raise SemEvalError(E_CONFIG, f"{where}: bad span {start}..{end} (need 0 <= start < end)")
        rows.append(SpanRow(article, label, start, end))
    return rows


def write_spans(rows: Iterable[SpanLike], out: IO[str] | str | Path) -> int:
    """Write spans one a line (4 fields, or 3 where a span has no label); return the count."""
    if isinstance(out, (str, Path)):
        with Path(out).open("w", encoding="utf-8", newline="") as fh:
            return write_spans(rows, fh)
    n = 0
    for r in rows:
        if r.label is None:
            out.write(f"{r.article}\t{r.start}\t{r.end}\n")
        else:
            out.write(f"{r.article}\t{r.label}\t{r.start}\t{r.end}\n")
        n += 1
    return n


# ---------------------------------------------------------------------------- predictions


@dataclass(frozen=True, slots=True)
class ArticleFinding:
    """A finding in one article, with offsets into the article file as read."""

    article: str
    finding: Finding
    ptc: str | None  # the PTC label of the technique; None where the 2020 scheme has none

    def to_json(self, text: str) -> str:
        """One JSON line for analysts; ``text`` is the article as read from its file."""
        f = self.finding
        return json.dumps(
            {
                "article": self.article,
                "technique": f.technique,
                "ptc": self.ptc,
                "start": f.start,
                "end": f.end,
                "text": text[f.start : f.end],
                "score": round(float(f.score), 4),
                "source": f.source,
                "explanation": f.explanation,
                "evidence": f.evidence,
            },
            ensure_ascii=False,
            default=str,
        )


def detect_articles(
    articles: Mapping[str, str], *, use_model: bool = True, progress: Progress | None = None
) -> tuple[list[ArticleFinding], dict[str, str]]:
    """Run the analyser and the technique detector on every article.

    Each text is analysed (``communique.analyze``) so the detector sees the document's other
    findings as context; offsets of what it finds are mapped back from the normalized text
    to the file as read. Returns the findings, in article order then text order, and the
    articles that could not be analysed (``{id: "code: reason"}``).
    """
    from communique.errors import CommuniqueError

    from . import detect as detection  # looked up per call, so tests can replace it

    context = _context_pipeline()
    found: list[ArticleFinding] = []
    failed: dict[str, str] = {}
    ids = list(articles)
    for i, art in enumerate(ids, 1):
        try:
            doc = context.run(articles[art], {"source": f"article{art}.txt"})
            findings = detection.detect(doc.text, doc.spans, use_model=use_model)
        except CommuniqueError as exc:
            failed[art] = f"{exc.code}: {exc.message}"
        else:
            mapped = [_to_file(f, doc) for f in findings]
            for f in sorted(mapped, key=lambda f: (f.start, f.end, f.technique)):
                found.append(ArticleFinding(art, f, TO_PTC.get(f.technique)))
        if progress is not None:
            progress(i, len(ids), art)
    return found, failed


def _context_pipeline() -> Any:
    """Every stage but techniques: the detector runs once, here, with the caller's options."""
    from communique.pipeline import Pipeline
    from communique.pipeline.registry import default_stage_names

    return Pipeline([n for n in default_stage_names() if n != "techniques"])


def _to_file(f: Finding, doc: Any) -> Finding:
    from dataclasses import replace

    from communique import original_offset

    start, end = original_offset(doc, f.start), original_offset(doc, f.end)
    return f if (start, end) == (f.start, f.end) else replace(f, start=start, end=end)


def finding_rows(findings: Iterable[ArticleFinding]) -> list[SpanRow]:
    """The SemEval lines of findings: PTC labels only (techniques without one are left
    out), identical lines once, in the order of the findings."""
    seen: set[SpanRow] = set()
    rows: list[SpanRow] = []
    for af in findings:
        if af.ptc is None:
            continue
        row = SpanRow(af.article, af.ptc, af.finding.start, af.finding.end)
        if row not in seen:
            seen.add(row)
            rows.append(row)
    return rows


def classify_template(
    articles: Mapping[str, str], template: Sequence[SpanLike], *, progress: Progress | None = None
) -> list[SpanRow]:
    """Label every span of a template (technique classification): the same spans in the
    same order, each with the most likely PTC label.

    Raises :class:`SemEvalError` when template articles are missing from ``articles`` (all
    are named) or a span lies beyond its article's text.
    """
    from . import detect as detection  # looked up per call, so tests can replace it

    missing = sorted({r.article for r in template} - set(articles))
    if missing:
        shown = ", ".join(missing[:20]) + (f" … ({len(missing)} in all)" if len(missing) > 20 else "")
        raise SemEvalError(E_CONFIG, f"articles in the span template but not in the folder: {shown}")
    positions: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(template):
        if r.end > len(articles[r.article]):
            raise SemEvalError(
                E_CONFIG,
                f"article {r.article}: span {r.start}..{r.end} lies beyond its text ({len(articles[r.article])} characters)",
            )
        positions[r.article].append(i)
    labels: list[str | None] = [None] * len(template)
    for k, (art, idx) in enumerate(positions.items(), 1):
        got = detection.classify(articles[art], [(template[i].start, template[i].end) for i in idx])
        if len(got) != len(idx):
            raise ConfigError(E_CONFIG, f"article {art}: classify returned {len(got)} labels for {len(idx)} spans")
        for i, label in zip(idx, got, strict=True):
            labels[i] = label
        if progress is not None:
            progress(k, len(positions), art)
    return [SpanRow(r.article, labels[i], r.start, r.end) for i, r in enumerate(template)]


# ---------------------------------------------------------------------------- measures


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, with spans that share a character merged (touching spans stay apart), as the
    scorers' ``merge_spans`` does."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _overlap_credit(pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> tuple[float, float]:
    """(Σ |s∩t|/|s|, Σ |s∩t|/|t|) over all pairs; both lists sorted and non-overlapping, so
    one linear sweep meets every overlapping pair."""
    p_num = r_num = 0.0
    i = j = 0
    while i < len(pred) and j < len(gold):
        (ps, pe), (gs, ge) = pred[i], gold[j]
        inter = min(pe, ge) - max(ps, gs)
        if inter > 0:
            p_num += inter / (pe - ps)
            r_num += inter / (ge - gs)
        if pe <= ge:
            i += 1
        else:
            j += 1
    return p_num, r_num


def _prf(p_num: float, p_den: int, r_num: float, r_den: int) -> dict[str, float]:
    """The scorers' ``compute_prec_rec_f1``: P (R) is 0 without predictions (gold); F1 is 1.0
    when there are neither, 0 when P or R is 0."""
    p = p_num / p_den if p_den > 0 else 0.0
    r = r_num / r_den if r_den > 0 else 0.0
    if p_den == 0 and r_den == 0:
        f1 = 1.0
    elif p > 0 and r > 0:
        f1 = 2 * p * r / (p + r)
    else:
        f1 = 0.0
    return {"precision": p, "recall": r, "f1": f1}


def _group(spans: Iterable[SpanLike], by_label: bool) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """{(article, label or ""): [(start, end), ...]}"""
    groups: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for s in spans:
        groups[(s.article, str(s.label) if by_label else "")].append((s.start, s.end))
    return groups


def _need_labels(spans: Sequence[SpanLike], which: str, measure: str) -> None:
    if any(s.label is None for s in spans):
        raise SemEvalError(E_CONFIG, f"{measure} needs technique labels: the {which} file has 3 fields a line (id, start, end)")


def score_si(gold: Sequence[SpanLike], pred: Sequence[SpanLike]) -> dict[str, Any]:
    """Span identification (SemEval-2020 Task 11 subtask SI), as ``task-SI_scorer.py -m``.

    Labels are ignored; overlapping spans are merged per article in both files first.
    """
    g = {a: _merge(v) for (a, _), v in _group(gold, False).items()}
    p = {a: _merge(v) for (a, _), v in _group(pred, False).items()}
    p_num = r_num = 0.0
    for art, spans in p.items():
        if art in g:
            dp, dr = _overlap_credit(spans, g[art])
            p_num += dp
            r_num += dr
    n_pred = sum(map(len, p.values()))
    n_gold = sum(map(len, g.values()))
    return {
        "measure": "SI",
        **_prf(p_num, n_pred, r_num, n_gold),
        "precision_credit": p_num,
        "recall_credit": r_num,
        "pred_spans": n_pred,
        "gold_spans": n_gold,
        "pred_spans_read": len(pred),
        "gold_spans_read": len(gold),
        "articles": {"gold": len(g), "pred": len(p), "pred_without_gold": sorted(set(p) - set(g))},
    }


def score_flc(gold: Sequence[SpanLike], pred: Sequence[SpanLike]) -> dict[str, Any]:
    """The SI measure where a prediction only earns credit from gold spans with its label
    (fragment-level classification, as ``task-FLC_scorer.py`` of NLP4IF-2019 with ``-m``).

    Overlapping spans with the same label are merged per article. Micro: credit and counts
    summed over labels. Per label: that label's credit over its own counts. Macro: the mean
    of the per-label precision, recall and F1 over the labels that occur in either file.
    The organisers' per-technique lines divide the *precision* credit by the gold count for
    recall (a slip: their micro figures use the recall credit); here recall uses the recall
    credit throughout.
    """
    _need_labels(gold, "gold", "FLC")
    _need_labels(pred, "prediction", "FLC")
    g = {k: _merge(v) for k, v in _group(gold, True).items()}
    p = {k: _merge(v) for k, v in _group(pred, True).items()}
    labels = sorted({lab for _, lab in g} | {lab for _, lab in p})
    credit = {lab: [0.0, 0.0] for lab in labels}  # [precision credit, recall credit]
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for (art, lab), spans in p.items():
        n_pred[lab] += len(spans)
        if (art, lab) in g:
            dp, dr = _overlap_credit(spans, g[(art, lab)])
            credit[lab][0] += dp
            credit[lab][1] += dr
    for (_, lab), spans in g.items():
        n_gold[lab] += len(spans)
    per_label: dict[str, dict[str, float]] = {}
    for lab in labels:
        per_label[lab] = {
            **_prf(credit[lab][0], n_pred[lab], credit[lab][1], n_gold[lab]),
            "pred_spans": n_pred[lab],
            "gold_spans": n_gold[lab],
        }
    k = len(per_label)
    macro = {m: (sum(v[m] for v in per_label.values()) / k if k else 1.0) for m in ("precision", "recall", "f1")}
    p_num = sum(c[0] for c in credit.values())
    r_num = sum(c[1] for c in credit.values())
    return {
        "measure": "FLC",
        **_prf(p_num, sum(n_pred.values()), r_num, sum(n_gold.values())),
        "precision_credit": p_num,
        "recall_credit": r_num,
        "pred_spans": sum(n_pred.values()),
        "gold_spans": sum(n_gold.values()),
        "macro": macro,
        "per_label": per_label,
        "unknown_labels": sorted(set(per_label) - set(PTC_LABELS)),
    }


def score_tc(gold: Sequence[SpanLike], pred: Sequence[SpanLike]) -> dict[str, Any]:
    """Technique classification (subtask TC), as ``task-TC_scorer.py``.

    The prediction must hold exactly the gold spans (the same multiset in every article, in
    any order), else :class:`SemEvalError`. Where one span carries several labels, gold and
    predicted labels are paired to agree as often as possible (the organisers' greedy
    ``align_annotations`` means this, but after an unmatched span it skips the next group of
    identical spans and can undercount; here every group is aligned). Then micro P = R = F1
    (= accuracy), and per label P/R/F1 with 0 where undefined (sklearn's default), over the
    labels that occur in either file; ``confusion[gold][predicted]`` counts the pairs.
    """
    _need_labels(gold, "gold", "TC")
    _need_labels(pred, "prediction", "TC")
    g_labels: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    p_labels: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for s in gold:
        g_labels[(s.article, s.start, s.end)].append(str(s.label))
    for s in pred:
        p_labels[(s.article, s.start, s.end)].append(str(s.label))
    _check_same_spans(g_labels, p_labels)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for key, gl in g_labels.items():
        pl = p_labels[key]
        both = Counter(gl) & Counter(pl)
        for lab, n in both.items():
            confusion[lab][lab] += n
        g_rest, p_rest = list(gl), list(pl)
        for lab, n in both.items():
            for _ in range(n):
                g_rest.remove(lab)
                p_rest.remove(lab)
        for a, b in zip(g_rest, p_rest, strict=True):
            confusion[a][b] += 1
    total = len(gold)
    correct = sum(confusion[lab][lab] for lab in confusion)
    labels = sorted({str(s.label) for s in gold} | {str(s.label) for s in pred})
    per_label: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = confusion[lab][lab] if lab in confusion else 0
        n_gold = sum(confusion[lab].values()) if lab in confusion else 0
        n_pred = sum(row[lab] for row in confusion.values())
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        per_label[lab] = {"precision": prec, "recall": rec, "f1": f1, "gold": n_gold, "pred": n_pred}
    acc = correct / total if total else 0.0  # nothing to score: 0, as sklearn reports
    k = len(per_label)
    return {
        "measure": "TC",
        "precision": acc,
        "recall": acc,
        "f1": acc,
        "correct": correct,
        "spans": total,
        "macro_f1": sum(v["f1"] for v in per_label.values()) / k if k else 0.0,
        "per_label": per_label,
        "confusion": {a: dict(sorted(row.items())) for a, row in sorted(confusion.items())},
        "unknown_labels": sorted(set(per_label) - set(PTC_LABELS)),
    }


def _check_same_spans(
    gold: Mapping[tuple[str, int, int], list[str]], pred: Mapping[tuple[str, int, int], list[str]]
) -> None:
    for key in sorted(set(gold) | set(pred)):
        ng, np_ = len(gold.get(key, ())), len(pred.get(key, ()))
        if ng != np_:
            art, s, e = key
            raise SemEvalError(
                E_CONFIG,
                f"TC needs the prediction to hold exactly the gold spans: article {art} span {s}..{e} "
                f"is {ng} time(s) in gold and {np_} time(s) in the prediction",
            )
