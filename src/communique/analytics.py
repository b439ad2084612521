"""Corpus analytics: timelines of statements and the events they cite, and issuer profiles.

Pure functions over a store (SQLite or PostgreSQL: only the public views ``catalog``,
``span_facts`` and ``stats`` are used, never SQL), returning frozen dataclasses with a
``to_dict()`` for JSON. The CLI prints them as tables and charts (:mod:`communique.plots`);
the REST API and the web dashboard serve the same objects.

Dates and periods
-----------------
Publication dates and cited dates are ISO 8601 values as the dates stage writes them: day
``2016-09-23``, month ``2017-01``, year ``2016``, ISO week ``2019-W10`` and intervals
``start/end`` of those (ranges, decades ``1990/1999``, eras). Each is put in a *period* of
the chosen bucket (``month`` or ``year``) without pretending to more precision than it has:

- a value inside one bucket is that bucket: ``2016-09-23`` → ``2016-09`` (or ``2016``);
  an ISO week goes to the month (year) of its Thursday, as ISO 8601 assigns weeks to years;
- a coarser value keeps its own extent: a citation of ``1948`` is the year ``1948`` in a
  monthly timeline, never January 1948; a decade stays ``1990/1999``; a range over several
  months stays ``2015-02/2015-05``;
- a value that is not on the calendar (a yearless ``--09-23``, free text) has no period.

Statements are counted per bucket by ``published``. Statements with no readable
publication date are counted as *undated* per issuer, and statements whose date is coarser
than the bucket (``published: 2017`` in a monthly timeline) as *imprecise*, with their
value: both are reported, never dropped.

Cited events are the date spans of the selected statements that carry a calendar value,
excluding mentions of the statement's own publication date (a span whose value equals
``published``: the dateline, its Hijri twin, "today"). Date expressions without a value
(durations, "that day", unreadable dates) are counted, not listed. Tense is kept, so a
scheduled future date ("until 30 September") is an event with ``tense`` ``future``.

Issuers
-------
``issuer`` filters match the whole name ignoring ASCII case, as the store does;
``UNKNOWN_ISSUER`` selects statements without an issuer. An issuer that matches nothing is
a :class:`~communique.errors.NotFoundError` naming the closest stored issuers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from .errors import E_NOT_FOUND, E_QUERY, NotFoundError, QueryError
from .techniques.taxonomy import CATEGORIES, CATEGORY_OF, TECHNIQUES

#: The issuer of statements whose issuer is unknown (as ``Store.actor_roles`` reports it).
UNKNOWN_ISSUER = "(unknown issuer)"
#: Period buckets.
BUCKETS = ("month", "year")
#: Role labels in reading order: hostile, friendly, then group and leadership roles.
ROLES = ("enemy", "traitor", "ally", "victim", "authority", "in_group", "out_group", "leader")
#: How many close matches an unknown-issuer error suggests, and how close they must be
#: (rapidfuzz WRatio, 0-100; 60 lets "Northern Front" find "Northern Valdoria Front").
SUGGESTIONS, SUGGESTION_CUTOFF = 3, 60.0

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.+\-Z]*)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --------------------------------------------------------------------------- dates


def _month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


def _one_bounds(value: str, thursday: bool) -> tuple[date, date] | None:
    try:
        if m := _DAY.match(value):
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        if m := _MONTH.match(value):
            y, mo = int(m[1]), int(m[2])
            return date(y, mo, 1), _month_end(y, mo)
        if m := _YEAR.match(value):
            y = int(m[1])
            return date(y, 1, 1), date(y, 12, 31)
        if m := _WEEK.match(value):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            if thursday:
                return monday + timedelta(days=3), monday + timedelta(days=3)
            return monday, monday + timedelta(days=6)
    except ValueError:  # month 13, day 31 of a short month, year 0, week 54
        return None
    return None


def date_bounds(value: Any, *, thursday: bool = False) -> tuple[date, date] | None:
    """First and last day an ISO value covers: a day, month, year, ISO week, or an interval
    ``start/end`` of those. None for anything else (missing, yearless ``--09-23``, free
    text, impossible dates). ``thursday`` puts a week on its Thursday (ISO's rule for which
    month and year a week belongs to)."""
    if not isinstance(value, str) or not value:
        return None
    value = value.strip()
    if "/" in value:
        a, _, b = value.partition("/")
        lo, hi = _one_bounds(a, thursday), _one_bounds(b, thursday)
        if lo is None or hi is None or hi[1] < lo[0]:
            return None
        return lo[0], hi[1]
    return _one_bounds(value, thursday)


def _check_by(by: str) -> None:
    if by not in BUCKETS:
        raise QueryError(E_QUERY, f"unknown period {by!r}; use one of: {', '.join(BUCKETS)}")


def period_of(value: Any, by: str = "month") -> str | None:
    """The period of an ISO value in ``by`` buckets (see the module docstring): the bucket
    when the value lies inside one, else the value's own extent (``1948``, ``1990/1999``,
    ``2015-02/2015-05``); None when the value is not on the calendar."""
    _check_by(by)
    b = date_bounds(value, thursday=True)
    if b is None:
        return None
    lo, hi = b
    first_m, last_m = f"{lo.year:04d}-{lo.month:02d}", f"{hi.year:04d}-{hi.month:02d}"
    if by == "month" and first_m == last_m:
        return first_m
    first_y, last_y = f"{lo.year:04d}", f"{hi.year:04d}"
    whole_years = lo == date(lo.year, 1, 1) and hi == date(hi.year, 12, 31)
    if by == "year" or whole_years:
        return first_y if first_y == last_y else f"{first_y}/{last_y}"
    return f"{first_m}/{last_m}"


def is_bucket(period: str | None, by: str) -> bool:
    """Whether ``period`` is one bucket (``2019-03`` by month, ``2019`` by year)."""
    if period is None or "/" in period:
        return False
    return len(period) == (7 if by == "month" else 4)


def period_sort_key(period: str | None) -> tuple[date, date, str]:
    """Chronological order of periods and values (by first, then last day); values that
    are not on the calendar go last."""
    b = date_bounds(period)
    if b is None:
        return date.max, date.max, str(period)
    return b[0], b[1], str(period)


def buckets_between(first: str, last: str, by: str) -> list[str]:
    """Every bucket from ``first`` to ``last`` (both buckets of ``by``), gaps included:
    the axis of a chart, where an empty month is a finding too."""
    _check_by(by)
    if not (is_bucket(first, by) and is_bucket(last, by)):
        raise QueryError(E_QUERY, f"{first!r} and {last!r} are not {by} buckets")
    out = []
    if by == "year":
        for y in range(int(first), int(last) + 1):
            out.append(f"{y:04d}")
        return out
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def parse_window(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """``since`` and ``until`` as ISO partial dates (``2019``, ``2019-03``, ``2019-03-11``),
    both inclusive: since 2019 starts on 1 January 2019, until 2019-03 ends on 31 March.
    QueryError (E300) for a value that is not one, or a window that ends before it starts."""
    bounds: list[date | None] = []
    for name, value, end in (("since", since, 0), ("until", until, 1)):
        if value is None or value == "":
            bounds.append(None)
            continue
        b = _one_bounds(value.strip(), False) if not _WEEK.match(value.strip()) else None
        if b is None or "T" in value:
            raise QueryError(
                E_QUERY,
                f"--{name} {value!r} is not an ISO date: use YYYY, YYYY-MM or YYYY-MM-DD",
            )
        bounds.append(b[end])
    lo, hi = bounds
    if lo is not None and hi is not None and hi < lo:
        raise QueryError(E_QUERY, f"--until {until} is before --since {since}")
    return lo, hi


def _in_window(bounds: tuple[date, date], window: tuple[date | None, date | None]) -> bool:
    """Whether a dated value lies wholly inside the window."""
    lo, hi = window
    return (lo is None or bounds[0] >= lo) and (hi is None or bounds[1] <= hi)


# --------------------------------------------------------------------------- issuers


def _issuer_name(issuer: str | None) -> str:
    return issuer if issuer else UNKNOWN_ISSUER


def _is_unknown(issuer: str | None) -> bool:
    return issuer is not None and issuer.casefold() == UNKNOWN_ISSUER.casefold()


def _catalog(store: Any, issuer: str | None) -> list[dict[str, Any]]:
    """Catalog rows of one issuer (all for None; ``UNKNOWN_ISSUER`` for none known)."""
    if _is_unknown(issuer):
        return [r for r in store.catalog() if not r["issuer"]]
    return list(store.catalog(issuer=issuer))


def _facts(store: Any, layer: str, issuer: str | None) -> Iterator[dict[str, Any]]:
    if _is_unknown(issuer):
        return (f for f in store.span_facts(layer) if not f["issuer"])
    return iter(store.span_facts(layer, issuer=issuer))


def close_issuers(store: Any, issuer: str, limit: int = SUGGESTIONS) -> list[str]:
    """Stored issuers closest to ``issuer`` (rapidfuzz WRatio over case-folded names),
    best first, at most ``limit``."""
    from rapidfuzz import fuzz, process, utils

    names = list(store.stats().get("issuers", {}))
    found = process.extract(
        issuer,
        names,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=SUGGESTION_CUTOFF,
    )
    return [name for name, _score, _i in found]


def _not_found(store: Any, issuer: str) -> NotFoundError:
    close = close_issuers(store, issuer)
    hint = f"; did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
    path = store.stats().get("path", "the store")
    return NotFoundError(E_NOT_FOUND, f"no statements by issuer {issuer!r} in {path}{hint}")


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a finding is: document, character offsets, score and the stage that made it."""

    doc_id: str
    start: int
    end: int
    score: float
    source: str

    @classmethod
    def of(cls, fact: Mapping[str, Any]) -> Evidence:
        return cls(fact["doc_id"], fact["start"], fact["end"], float(fact["score"]), fact["source"])


def _best(current: Evidence | None, fact: Mapping[str, Any]) -> Evidence:
    """The higher-scoring evidence; ties keep the earlier one (arrival, then text order)."""
    if current is None or float(fact["score"]) > current.score:
        return Evidence.of(fact)
    return current


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True, slots=True)
class Citation:
    """One date span citing an event: the statement, where the date is, and how it was read."""

    doc_id: str
    issuer: str
    published: str | None
    start: int
    end: int
    label: str  # DATE, DATE_RANGE or ERA
    tense: str | None  # past, future or unknown
    relative: bool  # "yesterday", "last week": computed from the publication date
    score: float
    source: str


@dataclass(frozen=True, slots=True)
class Event:
    """A dated event the statements cite: one calendar value at its own granularity, with
    every citation of it."""

    value: str
    granularity: str | None
    period: str | None
    citations: tuple[Citation, ...]

    @property
    def statements(self) -> int:
        return len({c.doc_id for c in self.citations})

    @property
    def issuers(self) -> dict[str, int]:
        """Issuer → citations, most first (ties alphabetical)."""
        counts = Counter(c.issuer for c in self.citations)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def first_cited(self) -> str | None:
        dated = [c.published for c in self.citations if c.published]
        return min(dated, key=period_sort_key) if dated else None

    @property
    def last_cited(self) -> str | None:
        dated = [c.published for c in self.citations if c.published]
        return max(dated, key=period_sort_key) if dated else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "granularity": self.granularity,
            "period": self.period,
            "citations": len(self.citations),
            "statements": self.statements,
            "issuers": self.issuers,
            "first_cited": self.first_cited,
            "last_cited": self.last_cited,
            "evidence": [asdict(c) for c in self.citations],
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    """Statements per period and issuer, and the events they cite.

    ``periods`` is every bucket from the first to the last dated statement (empty ones
    included); ``statements`` maps issuer → bucket → count. ``undated`` (issuer → count)
    are statements without a readable publication date, ``imprecise`` (issuer → period → count)
    those dated more coarsely than the bucket, ``outside`` those left out by
    ``since``/``until``. ``events`` are in chronological order; ``undated_expressions``
    counts date spans of the selected statements without a calendar value and
    ``publication_mentions`` the spans that only restate a publication date.
    """

    by: str
    issuer: str | None
    since: str | None
    until: str | None
    periods: tuple[str, ...]
    issuers: tuple[str, ...]  # most statements first
    statements: Mapping[str, Mapping[str, int]]
    undated: Mapping[str, int]
    imprecise: Mapping[str, Mapping[str, int]]
    outside: int
    events: tuple[Event, ...] = ()
    undated_expressions: int = 0
    publication_mentions: int = 0
    events_included: bool = True

    def total(self, issuer: str | None = None) -> int:
        """Statements on the timeline (bucketed, imprecise and undated) of one issuer or all."""
        names = self.issuers if issuer is None else (issuer,)
        return sum(
            sum(self.statements.get(n, {}).values())
            + sum(self.imprecise.get(n, {}).values())
            + self.undated.get(n, 0)
            for n in names
        )

    def per_period(self, issuer: str | None = None) -> dict[str, int]:
        """Bucket → statements (every bucket of ``periods``) of one issuer or all."""
        names = self.issuers if issuer is None else (issuer,)
        return {p: sum(self.statements.get(n, {}).get(p, 0) for n in names) for p in self.periods}

    def event_counts(self) -> dict[str, dict[str | None, int]]:
        """Issuer → event period → citations (None: events not on the calendar)."""
        out: dict[str, Counter[str | None]] = defaultdict(Counter)
        for e in self.events:
            for c in e.citations:
                out[c.issuer][e.period] += 1
        return {k: dict(v) for k, v in out.items()}

    def top_issuers(self, n: int) -> tuple[list[str], list[str]]:
        """The ``n`` issuers with most statements and the rest (``n`` <= 0: all, no rest).
        A rest of one issuer is shown by name: "other" then always sums several."""
        if n <= 0 or len(self.issuers) <= n + 1:
            return list(self.issuers), []
        return list(self.issuers[:n]), list(self.issuers[n:])

    def rows(self) -> list[dict[str, Any]]:
        """Long format, one row per (period, issuer) with statements and event citations.
        Periods in chronological order (by first day, so ``2021`` comes before
        ``2021-03``): buckets, coarser periods of cited events or imprecise publication
        dates; then ``undated`` statements, then events not on the calendar (``unplaced``).
        Issuers in the order of ``issuers``."""
        events = self.event_counts() if self.events_included else {}
        keys: set[tuple[str, str]] = set()
        for iss, per in self.statements.items():
            keys.update((p, iss) for p, n in per.items() if n)
        for iss, per_i in self.imprecise.items():
            keys.update((p, iss) for p in per_i)
        for iss, per_e in events.items():
            keys.update((p if p is not None else "unplaced", iss) for p in per_e)
        keys.update(("undated", iss) for iss, n in self.undated.items() if n)
        order = {name: i for i, name in enumerate(self.issuers)}

        def sort_key(k: tuple[str, str]) -> tuple[int, tuple[date, date, str], int, str]:
            p, iss = k
            group = 2 if p == "undated" else 3 if p == "unplaced" else 0
            return group, period_sort_key(p), order.get(iss, len(order)), iss

        out = []
        for p, iss in sorted(keys, key=sort_key):
            n = self.statements.get(iss, {}).get(p, 0) + self.imprecise.get(iss, {}).get(p, 0)
            if p == "undated":
                n = self.undated.get(iss, 0)
            row: dict[str, Any] = {"period": p, "issuer": iss, "statements": n}
            if self.events_included:
                row["events"] = events.get(iss, {}).get(None if p == "unplaced" else p, 0)
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "by": self.by,
            "issuer": self.issuer,
            "since": self.since,
            "until": self.until,
            "periods": list(self.periods),
            "issuers": list(self.issuers),
            "totals": {iss: self.total(iss) for iss in self.issuers},
            "statements": {iss: dict(per) for iss, per in self.statements.items()},
            "undated": dict(self.undated),
            "imprecise": {iss: dict(v) for iss, v in self.imprecise.items()},
            "outside": self.outside,
        }
        if self.events_included:
            d["events"] = [e.to_dict() for e in self.events]
            d["undated_expressions"] = self.undated_expressions
            d["publication_mentions"] = self.publication_mentions
        return d


def timeline(
    store: Any,
    *,
    issuer: str | None = None,
    since: str | None = None,
    until: str | None = None,
    by: str = "month",
    events: bool = True,
) -> Timeline:
    """Statements per ``by`` bucket and issuer, and the dated events they cite.

    ``since``/``until`` (ISO partial dates, inclusive) select statements by publication
    date; a statement is in when its whole date lies inside (``2019`` is not inside
    ``--since 2019-06``). With a window, undated statements cannot be placed: they are
    counted in ``undated`` and their events left out; without one their events count.
    The events are those the selected statements cite, whatever their own date.
    """
    _check_by(by)
    window = parse_window(since, until)
    rows = _catalog(store, issuer)
    if issuer is not None and not rows:
        raise _not_found(store, issuer)
    windowed = window != (None, None)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    undated: Counter[str] = Counter()
    imprecise: dict[str, Counter[str]] = defaultdict(Counter)
    outside = 0
    selected: dict[str, tuple[str, str | None]] = {}  # doc id -> (issuer, published)
    for r in rows:
        name, pub = _issuer_name(r["issuer"]), r["published"]
        bounds = date_bounds(pub)
        period = period_of(pub, by)
        if bounds is None or period is None:
            undated[name] += 1
            if not windowed:
                selected[r["id"]] = (name, pub)
            continue
        if not _in_window(bounds, window):
            outside += 1
            continue
        selected[r["id"]] = (name, pub)
        if is_bucket(period, by):
            counts[name][period] += 1
        else:
            imprecise[name][period] += 1
    totals: Counter[str] = Counter()
    for name, c in counts.items():
        totals[name] += sum(c.values())
    for name, c in imprecise.items():
        totals[name] += sum(c.values())
    totals.update(undated)
    issuers = tuple(sorted(totals, key=lambda n: (-totals[n], n)))
    buckets = sorted({p for c in counts.values() for p in c}, key=period_sort_key)
    periods = tuple(buckets_between(buckets[0], buckets[-1], by)) if buckets else ()
    found: tuple[Event, ...] = ()
    vague = restated = 0
    if events:
        found, vague, restated = _events(_facts(store, "date", issuer), selected, by)
    return Timeline(
        by=by,
        issuer=issuer,
        since=since,
        until=until,
        periods=periods,
        issuers=issuers,
        statements={n: dict(counts[n]) for n in issuers if counts.get(n)},
        undated=dict(undated),
        imprecise={n: dict(v) for n, v in imprecise.items()},
        outside=outside,
        events=found,
        undated_expressions=vague,
        publication_mentions=restated,
        events_included=events,
    )


def _events(
    facts: Iterable[Mapping[str, Any]], selected: Mapping[str, tuple[str, str | None]], by: str
) -> tuple[tuple[Event, ...], int, int]:
    """Group the date spans of the selected documents into events (value, granularity);
    also count spans without a calendar value and spans restating the publication date."""
    grouped: dict[tuple[str, str | None], list[Citation]] = defaultdict(list)
    vague = restated = 0
    for f in facts:
        doc = selected.get(f["doc_id"])
        if doc is None:
            continue
        name, pub = doc
        attrs = f["attrs"] or {}
        value = attrs.get("value")
        if not isinstance(value, str) or not value:
            vague += 1
            continue
        if pub and value == pub:
            restated += 1
            continue
        grouped[value, attrs.get("granularity")].append(
            Citation(
                doc_id=f["doc_id"],
                issuer=name,
                published=pub,
                start=int(f["start"]),
                end=int(f["end"]),
                label=f["label"],
                tense=attrs.get("tense"),
                relative=bool(attrs.get("relative", False)),
                score=float(f["score"]),
                source=f["source"],
            )
        )
    found = [
        Event(value, gran, period_of(value, by), tuple(cites))
        for (value, gran), cites in grouped.items()
    ]
    found.sort(key=lambda e: (period_sort_key(e.value), str(e.granularity)))
    return tuple(found), vague, restated


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True, slots=True)
class Share:
    """A technique (or category) in the issuer's statements against the whole corpus.

    ``share``: fraction of the issuer's technique spans; ``corpus_share``: the same over
    every statement in the corpus (the issuer's included) in the same window.
    ``per_statement``: spans per
    statement of the issuer; ``corpus_per_statement``: per statement of the corpus.
    """

    name: str
    category: str | None
    count: int
    documents: int
    share: float
    corpus_count: int
    corpus_share: float
    per_statement: float
    corpus_per_statement: float
    lift: float | None
    evidence: Evidence | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RoleCast:
    """How often the issuer casts ``actor`` as ``role``, with the strongest span."""

    actor: str
    actor_kind: str | None
    role: str
    mentions: int
    documents: int
    first: str | None
    last: str | None
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone the issuer names: entity mentions (``attrs.canonical``) and role spans
    (``attrs.actor``), merged by case-folded name; ``documents`` name it either way."""

    name: str
    kinds: Mapping[str, int]
    documents: int
    mentions: int
    role_mentions: int
    roles: Mapping[str, int]
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Tally:
    """A call-to-action text or addressee: spans, documents, strongest span."""

    text: str
    count: int
    documents: int
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    """One period of a profile: statements, technique spans by category, role spans by
    role, calls to action."""

    period: str
    documents: int
    techniques: Mapping[str, int]
    roles: Mapping[str, int]
    calls: int


@dataclass(frozen=True, slots=True)
class Profile:
    """An issuer's statements: how many and when, which techniques against the corpus, whom
    they cast in which role, whom they name, what they call for, and all that over time.

    ``actors``, ``roles``, ``actions`` and ``addressees`` hold the ``top`` first (0: all);
    ``*_total`` say how many there are. ``over_time`` has every bucket from the first to
    the last dated statement; ``undated`` statements count everywhere except there.
    """

    issuer: str
    by: str
    since: str | None
    until: str | None
    documents: int
    undated: int
    outside: int
    first: str | None
    last: str | None
    doc_types: Mapping[str, int]
    corpus_documents: int
    technique_spans: int
    corpus_technique_spans: int
    techniques: tuple[Share, ...]
    categories: tuple[Share, ...]
    role_spans: int
    role_totals: Mapping[str, int]
    roles: tuple[RoleCast, ...]
    roles_total: int
    actors: tuple[Actor, ...]
    actors_total: int
    calls: int
    actions: tuple[Tally, ...]
    actions_total: int
    addressees: tuple[Tally, ...]
    addressees_total: int
    urgency: Mapping[str, int]
    over_time: tuple[PeriodCounts, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["techniques"] = [s.to_dict() for s in self.techniques]
        d["categories"] = [s.to_dict() for s in self.categories]
        return _jsonable(d)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _ranked(counter: Mapping[str, int]) -> dict[str, int]:
    """Most first, ties alphabetical."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _cut(items: list[Any], top: int) -> tuple[Any, ...]:
    return tuple(items if top <= 0 else items[:top])


@dataclass
class _Group:
    """Accumulates spans of one name: count, documents, strongest evidence, sub-counts."""

    count: int = 0
    docs: set[str] = field(default_factory=set)
    best: Evidence | None = None
    names: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    published: list[str] = field(default_factory=list)

    def add(self, fact: Mapping[str, Any], name: str | None = None) -> None:
        self.count += 1
        self.docs.add(fact["doc_id"])
        self.best = _best(self.best, fact)
        if name is not None:
            self.names[name] += 1
        if fact.get("published"):
            self.published.append(fact["published"])

    def name(self) -> str:
        """The most frequent spelling; ties go to the alphabetically first."""
        return min(self.names.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def profile(
    store: Any,
    issuer: str,
    *,
    by: str = "year",
    since: str | None = None,
    until: str | None = None,
    top: int = 10,
) -> Profile:
    """The profile of ``issuer`` (whole name, any ASCII case; ``UNKNOWN_ISSUER`` for
    statements without one). NotFoundError (E202) with the closest issuers when it has no
    statements. ``since``/``until`` restrict it, and the corpus it is compared with, to
    statements published in that window (undated ones are then left out and counted in
    ``outside``). ``top`` limits the actor, role, action and addressee lists (0: all)."""
    _check_by(by)
    window = parse_window(since, until)
    windowed = window != (None, None)
    rows = _catalog(store, issuer)
    if not rows:
        raise _not_found(store, issuer)
    names = Counter(_issuer_name(r["issuer"]) for r in rows)
    spelled = min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    def keep(published: str | None) -> bool:
        if not windowed:
            return True
        b = date_bounds(published)
        return b is not None and _in_window(b, window)

    mine = [r for r in rows if keep(r["published"])]
    mine_ids = {r["id"] for r in mine}
    outside = len(rows) - len(mine)
    corpus_docs = sum(1 for r in store.catalog() if keep(r["published"]))
    dated = sorted((r["published"] for r in mine if date_bounds(r["published"])), key=period_sort_key)
    undated = sum(1 for r in mine if not date_bounds(r["published"]))
    periods = [period_of(r["published"], by) for r in mine]
    buckets = sorted({p for p in periods if p and is_bucket(p, by)}, key=period_sort_key)
    axis = buckets_between(buckets[0], buckets[-1], by) if buckets else []
    docs_per: Counter[str] = Counter(p for p in periods if p and is_bucket(p, by))
    tech_per: dict[str, Counter[str]] = defaultdict(Counter)
    role_per: dict[str, Counter[str]] = defaultdict(Counter)
    calls_per: Counter[str] = Counter()

    def bucket(fact: Mapping[str, Any]) -> str | None:
        p = period_of(fact.get("published"), by)
        return p if p and is_bucket(p, by) else None

    # techniques: the issuer's and the corpus's, in one pass over the corpus
    tech: dict[str, _Group] = defaultdict(_Group)
    corpus_tech: Counter[str] = Counter()
    for f in store.span_facts("technique"):
        if not keep(f["published"]):
            continue
        corpus_tech[f["label"]] += 1
        if f["doc_id"] in mine_ids:
            tech[f["label"]].add(f)
            if (p := bucket(f)) is not None:
                tech_per[p][CATEGORY_OF.get(f["label"], (f["attrs"] or {}).get("category") or "?")] += 1
    n_mine, n_corpus = sum(g.count for g in tech.values()), sum(corpus_tech.values())
    techniques = _shares(tech, corpus_tech, n_mine, n_corpus, len(mine), corpus_docs)

    # roles cast and role actors
    casts: dict[tuple[str, str], _Group] = defaultdict(_Group)
    actors: dict[str, _Group] = defaultdict(_Group)
    actor_roles: dict[str, Counter[str]] = defaultdict(Counter)
    actor_role_docs: dict[str, set[str]] = defaultdict(set)
    actor_kinds: dict[str, Counter[str]] = defaultdict(Counter)
    role_totals: Counter[str] = Counter()
    for f in _facts(store, "role", issuer):
        if f["doc_id"] not in mine_ids:
            continue
        role_totals[f["label"]] += 1
        if (p := bucket(f)) is not None:
            role_per[p][f["label"]] += 1
        attrs = f["attrs"] or {}
        actor = attrs.get("actor")
        if not isinstance(actor, str) or not actor.strip():
            continue
        g = casts[actor, f["label"]]
        g.add(f)
        key = actor.casefold()
        if attrs.get("actor_kind"):
            g.kinds[str(attrs["actor_kind"])] += 1
            actor_kinds[key][str(attrs["actor_kind"])] += 1
        actor_roles[key][f["label"]] += 1
        actor_role_docs[key].add(f["doc_id"])
        actors[key].names[actor] += 1
        actors[key].best = _best(actors[key].best, f)
    role_rows = [
        RoleCast(
            actor=actor,
            actor_kind=min(g.kinds.items(), key=lambda kv: (-kv[1], kv[0]))[0] if g.kinds else None,
            role=role,
            mentions=g.count,
            documents=len(g.docs),
            first=min(g.published, key=period_sort_key) if g.published else None,
            last=max(g.published, key=period_sort_key) if g.published else None,
            evidence=g.best or Evidence("", 0, 0, 0.0, ""),
        )
        for (actor, role), g in casts.items()
    ]
    role_rows.sort(key=lambda r: (-r.mentions, r.actor, ROLES.index(r.role) if r.role in ROLES else 99))

    # entities named
    for f in _facts(store, "entity", issuer):
        if f["doc_id"] not in mine_ids:
            continue
        name = (f["attrs"] or {}).get("canonical")
        if not isinstance(name, str) or not name.strip():
            continue
        g = actors[name.casefold()]
        g.add(f, name)
        g.kinds[f["label"]] += 1
    actor_rows = []
    for key, g in actors.items():
        docs = g.docs | actor_role_docs.get(key, set())
        kinds = g.kinds + actor_kinds.get(key, Counter())
        actor_rows.append(
            Actor(
                name=g.name(),
                kinds=_ranked(kinds),
                documents=len(docs),
                mentions=g.count,
                role_mentions=sum(actor_roles.get(key, Counter()).values()),
                roles=_ranked(actor_roles.get(key, Counter())),
                evidence=g.best or Evidence("", 0, 0, 0.0, ""),
            )
        )
    actor_rows.sort(key=lambda a: (-a.documents, -(a.mentions + a.role_mentions), a.name))

    # calls to action
    actions: dict[str, _Group] = defaultdict(_Group)
    addressees: dict[str, _Group] = defaultdict(_Group)
    urgency: Counter[str] = Counter()
    calls = 0
    for f in _facts(store, "action", issuer):
        if f["doc_id"] not in mine_ids:
            continue
        calls += 1
        if (p := bucket(f)) is not None:
            calls_per[p] += 1
        attrs = f["attrs"] or {}
        urgency[str(attrs.get("urgency") or "unknown")] += 1
        text = attrs.get("action")
        if isinstance(text, str) and text.strip():
            actions[text.strip().casefold()].add(f, text.strip())
        named = attrs.get("addressees") or ([attrs["addressee"]] if attrs.get("addressee") else [])
        for who in named or ["(no addressee)"]:
            if isinstance(who, str) and who.strip():
                addressees[who.strip().casefold()].add(f, who.strip())

    def tallies(groups: Mapping[str, _Group]) -> list[Tally]:
        out = [Tally(g.name(), g.count, len(g.docs), g.best or Evidence("", 0, 0, 0.0, "")) for g in groups.values()]
        out.sort(key=lambda t: (-t.count, -t.documents, t.text))
        return out

    over_time = tuple(
        PeriodCounts(
            period=p,
            documents=docs_per.get(p, 0),
            techniques=_ranked(tech_per.get(p, Counter())),
            roles=_ranked(role_per.get(p, Counter())),
            calls=calls_per.get(p, 0),
        )
        for p in axis
    )
    action_rows, addressee_rows = tallies(actions), tallies(addressees)
    return Profile(
        issuer=spelled,
        by=by,
        since=since,
        until=until,
        documents=len(mine),
        undated=undated,
        outside=outside,
        first=dated[0] if dated else None,
        last=dated[-1] if dated else None,
        doc_types=_ranked(Counter(r["doc_type"] or "(unknown)" for r in mine)),
        corpus_documents=corpus_docs,
        technique_spans=n_mine,
        corpus_technique_spans=n_corpus,
        techniques=techniques,
        categories=_category_shares(tech, techniques, len(mine), corpus_docs, n_mine, n_corpus),
        role_spans=sum(role_totals.values()),
        role_totals={r: role_totals[r] for r in sorted(role_totals, key=lambda r: (-role_totals[r], r))},
        roles=_cut(role_rows, top),
        roles_total=len(role_rows),
        actors=_cut(actor_rows, top),
        actors_total=len(actor_rows),
        calls=calls,
        actions=_cut(action_rows, top),
        actions_total=len(action_rows),
        addressees=_cut(addressee_rows, top),
        addressees_total=len(addressee_rows),
        urgency=_ranked(urgency),
        over_time=over_time,
    )


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _lift(count: int, total: int, corpus_count: int, corpus_total: int) -> float | None:
    """(count / total) / (corpus_count / corpus_total) from the counts, not the rounded
    shares; None when the corpus has none."""
    if not (total and corpus_count and corpus_total):
        return None if not corpus_count else 0.0
    return round((count * corpus_total) / (total * corpus_count), 4)


def _shares(
    mine: Mapping[str, _Group],
    corpus: Mapping[str, int],
    n_mine: int,
    n_corpus: int,
    docs: int,
    corpus_docs: int,
) -> tuple[Share, ...]:
    """Every technique the issuer or the corpus uses: issuer count first, then corpus
    count, then taxonomy order."""
    order = {t: i for i, t in enumerate(TECHNIQUES)}
    names = set(mine) | set(corpus)
    out = []
    for name in names:
        g = mine.get(name)
        count = g.count if g else 0
        out.append(
            Share(
                name=name,
                category=CATEGORY_OF.get(name),
                count=count,
                documents=len(g.docs) if g else 0,
                share=_ratio(count, n_mine),
                corpus_count=corpus.get(name, 0),
                corpus_share=_ratio(corpus.get(name, 0), n_corpus),
                per_statement=_ratio(count, docs),
                corpus_per_statement=_ratio(corpus.get(name, 0), corpus_docs),
                lift=_lift(count, n_mine, corpus.get(name, 0), n_corpus),
                evidence=g.best if g else None,
            )
        )
    out.sort(key=lambda s: (-s.count, -s.corpus_count, order.get(s.name, len(order)), s.name))
    return tuple(out)


def _category_shares(
    groups: Mapping[str, _Group],
    techniques: tuple[Share, ...],
    docs: int,
    corpus_docs: int,
    n_mine: int,
    n_corpus: int,
) -> tuple[Share, ...]:
    """The six categories, summed from their techniques: all six, most used by the issuer
    first, then most used by the corpus, then taxonomy order. ``documents``: statements
    with at least one technique of the category."""
    out = []
    for cat, members in CATEGORIES.items():
        ts = [s for s in techniques if s.name in members]
        count, corpus_count = sum(s.count for s in ts), sum(s.corpus_count for s in ts)
        best = None
        for s in ts:  # the strongest span; ties keep the most used technique's
            if s.evidence and (best is None or s.evidence.score > best.score):
                best = s.evidence
        in_docs = set().union(*(groups[m].docs for m in members if m in groups))
        out.append(
            Share(
                name=cat,
                category=None,
                count=count,
                documents=len(in_docs),
                share=_ratio(count, n_mine),
                corpus_count=corpus_count,
                corpus_share=_ratio(corpus_count, n_corpus),
                per_statement=_ratio(count, docs),
                corpus_per_statement=_ratio(corpus_count, corpus_docs),
                lift=_lift(count, n_mine, corpus_count, n_corpus),
                evidence=best,
            )
        )
    order = list(CATEGORIES)
    out.sort(key=lambda s: (-s.count, -s.corpus_count, order.index(s.name)))
    return tuple(out)
