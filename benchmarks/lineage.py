"""Re-post lineage: precision, recall, time and memory of near-duplicate clustering.

Generates fictional statements (issuers, places and people invented for the purpose; a
fixed seed, so every run sees the same texts) and edited copies of them with known ground
truth, runs :func:`communique.lineage.cluster_texts` on the ``(id, text)`` pairs (no
store), and prints pairwise precision / recall / F1 per edit kind and overall, with the
time and the peak memory of the clustering.

Statements of one issuer share its header, sign-off and stock phrases, so distinct
statements overlap the way real series of communiqués do, and 15% of new statements repeat
up to half the paragraphs of an earlier statement of their issuer (``follow_up``: related,
but a different statement, so a hard negative; a text that repeats *all* of an earlier one
plus new text is a re-post with additions, and clusters by design). Each base
statement gets 0-8 copies; a copy carries one edit kind (or ``mixed``: two or three), and a
quarter of the copies are made from an earlier copy rather than from the original (chains
of re-posts). Edit kinds: ``sentence_changed``, ``sentence_inserted``,
``sentence_deleted``, ``signoff_added``, ``date_changed``, ``prefix_added``, ``truncated``
(40-90% of the text kept, cut at a word), ``typo_noise`` (one character edit per ~30
words), ``mixed``.

Pairwise measures per kind are counted from the side of each document of that kind: its
true partners are the other versions of its statement, its predicted partners the other
members of its cluster. "overall" counts each unordered pair once.

    python benchmarks/lineage.py                 # N = 10,000
    python benchmarks/lineage.py --n 100000      # the scale target: < 60 s, 2 cores
    python benchmarks/lineage.py --sweep         # P/R over thresholds (how THRESHOLD was chosen)
    python benchmarks/lineage.py --shingle 3     # another shingle size
    python benchmarks/lineage.py --no-prefilter  # every LSH candidate verified exactly
    python benchmarks/lineage.py --store         # reposts() end to end on a SQLite store
    python benchmarks/lineage.py --compare-datasketch   # datasketch MinHash + MinHashLSH on the same texts
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from communique import lineage  # noqa: E402
from communique.model import doc_id  # noqa: E402

KINDS = (
    "sentence_changed",
    "sentence_inserted",
    "sentence_deleted",
    "signoff_added",
    "date_changed",
    "prefix_added",
    "truncated",
    "typo_noise",
    "mixed",
)

# ------------------------------------------------------------------ fictional vocabulary

ORG_HEADS = ["Council", "Front", "Assembly", "League", "Movement", "Brotherhood", "Union", "Circle", "Committee", "Alliance"]
ORG_TAILS = ["Ostra Valley", "Northern Banner", "Free Kesh", "Dravik Highlands", "Velmar Coast", "Tessaly Plains", "Orun Delta",
             "Karsk Mountains", "Lower Brenn", "Sadova Lakes", "Ilmar Steppe", "Vosk Marches", "Eastern Pell", "Harrow Fields"]
PLACES = ["Kesh", "Dravik", "Velmar", "Orun", "Karsk", "Brenn", "Sadova", "Ilmar", "Vosk", "Pell", "Harrow", "Tamsk", "Oddra",
          "Liraz", "Menno", "Quell", "Rastov", "Sennar", "Ulvik", "Yarrow", "Zelen", "Belgor", "Corvin", "Dunmere"]
FIRST = ["Anja", "Tomas", "Irena", "Marek", "Selim", "Dara", "Oren", "Lidia", "Kasim", "Vera", "Pavel", "Noor", "Emil", "Hana",
         "Ruslan", "Mira", "Teodor", "Zora", "Ilyas", "Nadia"]
LAST = ["Petrov", "Vale", "Halloran", "Mirov", "Karsin", "Odell", "Strand", "Varga", "Lenko", "Amrani", "Sorel", "Bakhti",
        "Dunn", "Ferro", "Gallo", "Ibsen", "Jovic", "Kalder", "Lund", "Morrow"]
TITLES = ["spokesman", "commander", "chairwoman", "secretary", "envoy", "deputy", "minister", "governor"]
ENEMIES = ["the junta of Varka", "the occupation authority", "the Corvin cartel", "the foreign garrison", "the puppet council",
           "the Dunmere administration", "the mercenary brigades", "the coastal regime"]
ACTIONS = ["condemns", "rejects", "denounces", "protests against", "warns against", "exposes", "mourns", "celebrates"]
EVENTS = ["the closure of the {p} bridge", "the arrest of {n}", "the shelling of {p}", "the new tax on grain in {p}",
          "the blockade of the port of {p}", "the decree on the {p} water rights", "the raid on the market of {p}",
          "the expulsion of the elders of {p}", "the fire at the {p} granary", "the elections in {p}",
          "the talks in {p}", "the curfew imposed on {p}"]
ADJ = ["unjust", "shameful", "brutal", "cowardly", "illegal", "reckless", "cynical", "hypocritical", "senseless", "cruel"]
NOUNS = ["people", "farmers", "fishermen", "students", "elders", "workers", "mothers", "villages", "families", "traders"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

TEMPLATES = [
    "The {org} {act} {ev}.",
    "This {adj} act shows once again the true face of {en}.",
    "On {date} the forces of {en} entered {p} and detained {k} {nn}.",
    "We call upon all the free {nn} of {p} to stand firm and refuse to cooperate with {en}.",
    "Our {ti} {n} said that the {nn} of {p} will not be silenced by {en}.",
    "Witnesses in {p} reported that {k} {nn} were wounded and {k2} houses were destroyed.",
    "{en} claims to protect the {nn} of {p}, but its deeds speak louder than its words.",
    "The {nn} of {p} have suffered for {k} years under this {adj} policy.",
    "Let it be known that {ev} will not go unanswered.",
    "We hold {en} fully responsible for every drop of blood spilled in {p}.",
    "The so-called reforms of {en} are nothing but a {adj} lie.",
    "Since the beginning of the year, more than {k}00 {nn} have fled {p} towards {p2}.",
    "The {org} thanks the {nn} of {p2} for their support and their patience.",
    "We remind the world that {p} was never theirs to sell.",
    "History will remember who stood with the {nn} of {p} and who betrayed them.",
    "The delegation of {n} met the elders of {p} on {date} to discuss {ev}.",
    "No negotiation is possible while {en} continues {ev2}.",
    "Every {adj} decree of {en} only strengthens our resolve.",
    "Our representatives in {p} will publish the names of the {nn} who were taken.",
    "We demand the immediate release of {n} and of all the {nn} held in {p}.",
    "The price of bread in {p} has risen {k} times since {en} took control of the roads.",
    "{n}, {ti} of the {org}, will address the {nn} of {p} on {date}.",
    "The media of {en} spread {adj} rumours about the {nn} of {p}.",
    "We will not forget {ev}, and we will not forgive it.",
]
SIGNOFF_ADDED = ["Shared by the Friends of {p} channel. Forward this message so that every household in {p} can read it.",
                 "Posted by the {p} Solidarity Page; translated by volunteers, errors are ours.",
                 "Distributed by the {org} supporters in {p2}. Read it, share it, and keep it."]
PREFIXES = ["Re-posted from the {p} Bulletin:", "Forwarded from {n}:", "From our friends at the {org}:",
            "Re-posted from the official channel of the {org} ({date}):"]


@dataclass
class Statement:
    """A statement as blocks of sentences: header, dateline, title, body paragraphs, sign-off."""

    header: list[str]
    dateline: str
    title: str
    body: list[list[str]]
    signoff: list[str]
    prefix: str = ""
    extra_signoff: str = ""
    truncate: float = 1.0
    typos: list[tuple[float, int, float]] = field(default_factory=list)

    def copy(self) -> Statement:
        return Statement(list(self.header), self.dateline, self.title, [list(p) for p in self.body], list(self.signoff),
                         self.prefix, self.extra_signoff, self.truncate, list(self.typos))

    def render(self) -> str:
        parts = ([self.prefix] if self.prefix else []) + ["\n".join(self.header), self.dateline, self.title]
        parts += [" ".join(p) for p in self.body if p]
        parts.append("\n".join(self.signoff))
        if self.extra_signoff:
            parts.append(self.extra_signoff)
        text = "\n\n".join(parts)
        if self.typos:
            text = _apply_typos(text, self.typos)
        if self.truncate < 1.0:
            cut = text.rfind(" ", 0, int(len(text) * self.truncate))
            text = text[: max(cut, 1)] + " …"
        return text + "\n"


def _apply_typos(text: str, typos: list[tuple[float, int, float]]) -> str:
    chars = list(text)
    for where, how, letter in typos:
        i = int(where * (len(chars) - 1))
        if not chars[i].isalpha():
            continue
        c = "abcdefghijklmnopqrstuvwxyz"[int(letter * 26)]
        if how == 0:
            chars[i] = c  # substitution
        elif how == 1:
            chars[i] = ""  # deletion
        elif how == 2:
            chars[i] = chars[i] + c  # insertion
        elif i + 1 < len(chars) and chars[i + 1].isalpha():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]  # transposition
    return "".join(chars)


class Generator:
    def __init__(self, seed: int, issuers: int = 60) -> None:
        self.rng = random.Random(seed)
        r = self.rng
        self.issuers = []
        for _ in range(issuers):
            org = f"{r.choice(ORG_HEADS)} of the {r.choice(ORG_TAILS)}"
            office = r.choice(["Media Office", "Information Bureau", "Press Service", "Department of Communication"])
            region = r.choice(PLACES)
            header = [r.choice(["Press Release", "Statement", "Communiqué", "Open Letter"]),
                      f"{office} of the {org} in {region}",
                      f"In the name of the steadfast people of {region}, and of all who suffer under oppression"]
            signoff = [f"{office} of the {org}", f"{r.choice(FIRST)} {r.choice(LAST)}, {r.choice(TITLES)}"]
            self.issuers.append((org, header, signoff))

    def _date(self) -> str:
        r = self.rng
        return f"{r.randint(1, 28)} {r.choice(MONTHS)} {r.randint(2015, 2025)}"

    def sentence(self, org: str) -> str:
        r = self.rng
        slots = {
            "org": org, "act": r.choice(ACTIONS), "adj": r.choice(ADJ), "en": r.choice(ENEMIES), "nn": r.choice(NOUNS),
            "p": r.choice(PLACES), "p2": r.choice(PLACES), "n": f"{r.choice(FIRST)} {r.choice(LAST)}", "ti": r.choice(TITLES),
            "k": str(r.randint(2, 90)), "k2": str(r.randint(2, 40)), "date": self._date(),
        }  # fmt: skip
        slots["ev"] = r.choice(EVENTS).format(p=r.choice(PLACES), n=slots["n"])
        slots["ev2"] = r.choice(EVENTS).format(p=r.choice(PLACES), n=f"{r.choice(FIRST)} {r.choice(LAST)}")
        s = r.choice(TEMPLATES).format(**slots)
        return s[0].upper() + s[1:]

    def statement(self) -> Statement:
        r = self.rng
        org, header, signoff = r.choice(self.issuers)
        n = r.randint(6, 40)
        body: list[list[str]] = []
        while n > 0:
            k = min(n, r.randint(2, 5))
            body.append([self.sentence(org) for _ in range(k)])
            n -= k
        title = f"The {org} {r.choice(ACTIONS)} {r.choice(EVENTS).format(p=r.choice(PLACES), n=r.choice(LAST))}"
        return Statement(list(header), f"{r.choice(PLACES)}, {self._date()}", title, body, list(signoff))

    def follow_up(self, new: Statement, old: Statement) -> Statement:
        """A new statement of the same issuer that repeats one or two paragraphs of an
        earlier one (a hard negative: related, but not a re-post)."""
        r = self.rng
        c = new.copy()
        # at most half of the earlier body: repeating all of it is a re-post with additions
        for p in r.sample(old.body, r.randint(1, max(1, len(old.body) // 2))):
            c.body.insert(r.randint(0, len(c.body)), list(p))
        return c

    def edit(self, s: Statement, kind: str) -> Statement:
        r = self.rng
        c = s.copy()
        org = c.signoff[0].split(" of the ", 1)[-1]
        paras = [i for i, p in enumerate(c.body) if p]
        if kind == "mixed":
            for k in r.sample([k for k in KINDS if k != "mixed"], r.randint(2, 3)):
                c = self.edit(c, k)
            return c
        if kind == "sentence_changed":
            i = r.choice(paras)
            c.body[i][r.randrange(len(c.body[i]))] = self.sentence(org)
        elif kind == "sentence_inserted":
            i = r.choice(paras)
            c.body[i].insert(r.randint(0, len(c.body[i])), self.sentence(org))
        elif kind == "sentence_deleted":
            if sum(len(p) for p in c.body) > 2:
                i = r.choice(paras)
                del c.body[i][r.randrange(len(c.body[i]))]
        elif kind == "signoff_added":
            c.extra_signoff = r.choice(SIGNOFF_ADDED).format(p=r.choice(PLACES), p2=r.choice(PLACES), org=org)
        elif kind == "date_changed":
            c.dateline = f"{c.dateline.split(',')[0]}, {self._date()}"
        elif kind == "prefix_added":
            c.prefix = r.choice(PREFIXES).format(p=r.choice(PLACES), n=f"{r.choice(FIRST)} {r.choice(LAST)}", org=org,
                                                 date=self._date())
        elif kind == "truncated":
            c.truncate = min(c.truncate, r.uniform(0.4, 0.9))
        elif kind == "typo_noise":
            words = sum(len(x.split()) for p in c.body for x in p)
            c.typos += [(r.random(), r.randrange(4), r.random()) for _ in range(max(1, words // 30))]
        return c


def generate(n: int, seed: int = 5) -> tuple[list[tuple[str, str]], dict[str, int], dict[str, str]]:
    """About ``n`` distinct texts: (id, text) pairs, the true group of each id, the edit kind
    of each id ("original" for a base statement, "follow_up" for a new statement that repeats
    paragraphs of an earlier one of its issuer)."""
    g = Generator(seed)
    r = g.rng
    items: list[tuple[str, str]] = []
    truth: dict[str, int] = {}
    kind_of: dict[str, str] = {}
    group = 0
    earlier: dict[str, list[Statement]] = defaultdict(list)  # issuer -> its earlier statements
    while len(items) < n:
        base = g.statement()
        first_kind = "original"
        issuer = base.signoff[0]
        longer = [e for e in earlier[issuer] if len(e.body) >= 3]
        if longer and r.random() < 0.15:
            base = g.follow_up(base, r.choice(longer))
            first_kind = "follow_up"
        earlier[issuer].append(base)
        versions = [base]
        for st, kind in [(base, first_kind)] + [(None, r.choice(KINDS)) for _ in range(r.choice([0, 0, 0, 1, 2, 3, 4, 6, 8]))]:
            if st is None:
                parent = r.choice(versions[1:]) if len(versions) > 1 and r.random() < 0.25 else base
                st = g.edit(parent, kind)
                versions.append(st)
            text = st.render()
            did = doc_id(text)
            if did in truth or len(items) >= n:
                continue
            items.append((did, text))
            truth[did] = group
            kind_of[did] = kind
        group += 1
    return items, truth, kind_of


# ------------------------------------------------------------------------------ measuring


def pairwise(groups: list[list[str]], truth: dict[str, int], kind_of: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """(true positives, predicted, true) pair counts per kind and overall."""
    pred_of: dict[str, int] = {}
    for gi, g in enumerate(groups):
        for d in g:
            pred_of[d] = gi
    true_size = Counter(truth.values())
    pred_size = Counter(pred_of.values())
    both = Counter((truth[d], pred_of[d]) for d in pred_of)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for d, t in truth.items():
        k = kind_of[d]
        p = pred_of.get(d)
        tp = both[(t, p)] - 1 if p is not None else 0
        pred = pred_size[p] - 1 if p is not None else 0
        true = true_size[t] - 1
        for key in (k,):
            out[key][0] += tp
            out[key][1] += pred
            out[key][2] += true
    tp = sum(c * (c - 1) // 2 for c in both.values())
    pred = sum(c * (c - 1) // 2 for c in pred_size.values())
    true = sum(c * (c - 1) // 2 for c in true_size.values())
    res = {k: (v[0], v[1], v[2]) for k, v in out.items()}
    res["overall"] = (tp, pred, true)
    return res


def prf(tp: int, pred: int, true: int) -> tuple[float, float, float]:
    p = tp / pred if pred else 1.0
    r = tp / true if true else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux ≥ 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(items, truth, kind_of, lin, seconds: float, cpu: float, peak: float | None, base_rss: float) -> None:
    res = pairwise(lin.groups, truth, kind_of)
    counts = Counter(kind_of.values())
    words = sum(len(t.split()) for _, t in items) / len(items)
    print(f"documents {len(items):,} (mean {words:.0f} words), statements {len(set(truth.values())):,}, "
          f"params {lin.params}")
    print(f"{'kind':<18}{'docs':>7}{'precision':>11}{'recall':>9}{'F1':>8}   pairs (tp / predicted / true)")
    for k in ("original", "follow_up", *KINDS, "overall"):
        if k not in res:
            continue
        tp, pred, true = res[k]
        p, r, f = prf(tp, pred, true)
        n = counts[k] if k != "overall" else len(items)
        print(f"{k:<18}{n:>7}{p:>11.4f}{r:>9.4f}{f:>8.4f}   {tp} / {pred} / {true}")
    st = lin.stats
    print(f"clusters {st['clusters']:,}, clustered documents {st['clustered_documents']:,}, candidate pairs "
          f"{st['candidate_pairs']:,}, verified {st['verified_pairs']:,}, joined {st['joined_pairs']:,}, "
          f"LSH {st['bands']} bands x {st['rows']} rows")
    print(f"time {seconds:.2f} s wall, {cpu:.2f} s CPU (one process; load average {os.getloadavg()[0]:.1f}); "
          f"phases (wall): {st['seconds']}")
    if peak is not None:
        print(f"peak memory of clustering: {peak - base_rss:.0f} MB above the {base_rss:.0f} MB held before "
              f"(texts and ground truth)")


def compare_datasketch(items, truth, kind_of, shingle: int, threshold: float) -> None:
    """The same shingles through datasketch: MinHash.update_batch (128 permutations), LeanMinHash
    and MinHashLSH; time per document and recall of true pairs among its candidates, beside
    this module's candidates."""
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    def shingles(text: str) -> list[bytes]:
        w = lineage.words(text)
        if len(w) < shingle:
            return [" ".join(w).encode()] if w else []
        return [" ".join(w[i : i + shingle]).encode() for i in range(len(w) - shingle + 1)]

    t0 = time.perf_counter()
    sets = [(d, shingles(t)) for d, t in items]
    t1 = time.perf_counter()
    sigs = []
    for d, sh in sets:
        m = MinHash(num_perm=lineage.NUM_PERM, seed=1)
        m.update_batch(sh)
        sigs.append((d, LeanMinHash(m)))
    t2 = time.perf_counter()
    lsh = MinHashLSH(threshold=min(threshold, lineage.LSH_THRESHOLD), num_perm=lineage.NUM_PERM)
    with lsh.insertion_session() as session:
        for d, m in sigs:
            session.insert(d, m, check_duplication=False)
    cand: set[tuple[str, str]] = set()
    for d, m in sigs:
        for o in lsh.query(m):
            if o != d:
                cand.add((min(d, o), max(d, o)))
    t3 = time.perf_counter()
    true_pairs = _true_pairs(truth)
    hit = sum(1 for p in true_pairs if p in cand)
    n = len(items)
    print(f"datasketch: shingling {t1 - t0:.2f} s, MinHash.update_batch {t2 - t1:.2f} s "
          f"({(t2 - t1) / n * 1000:.2f} ms/doc, {(t2 - t1) / n * 100_000:.0f} s per 100k), "
          f"MinHashLSH insert+query {t3 - t2:.2f} s; candidates {len(cand):,}, "
          f"true pairs among them {hit:,}/{len(true_pairs):,} ({hit / max(1, len(true_pairs)):.4f})")
    t4 = time.perf_counter()
    ours = lineage.cluster_texts(items, threshold=threshold, shingle=shingle)
    t5 = time.perf_counter()
    print(f"communique.lineage: everything (shingles, signatures, LSH, verification) {t5 - t4:.2f} s; "
          f"candidates {ours.stats['candidate_pairs']:,}")


def time_store(items: list[tuple[str, str]]) -> None:
    """``reposts(store)`` end to end: read texts, cluster, read the catalog and every
    member's sources, order the clusters."""
    import tempfile

    from communique.model import Document
    from communique.storage.sqlite import Store

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "lineage.db") as store:
        t0 = time.perf_counter()
        run = store.begin_run("bench", "lineage", {})
        for lo in range(0, len(items), 50):
            batch = [(Document(d, t, {"title": t.split("\n", 1)[0]}), f"bench/{d}.txt", "txt") for d, t in items[lo : lo + 50]]
            store.put_documents(batch, run)
        store.finish_run(run, {}, "done")
        print(f"stored {len(items):,} documents in {time.perf_counter() - t0:.1f} s")
        t1, c1 = time.perf_counter(), time.process_time()
        result = lineage.reposts(store)
        print(f"reposts(store): {len(result.clusters):,} clusters in {time.perf_counter() - t1:.2f} s wall, "
              f"{time.process_time() - c1:.2f} s CPU (clustering itself {result.stats['seconds']['total']:.2f} s)")


def _true_pairs(truth: dict[str, int]) -> set[tuple[str, str]]:
    by: dict[int, list[str]] = defaultdict(list)
    for d, g in truth.items():
        by[g].append(d)
    return {(min(a, b), max(a, b)) for g in by.values() for i, a in enumerate(g) for b in g[i + 1 :]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="documents (default 10,000; 100000 for the scale target)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threshold", type=float, default=lineage.THRESHOLD)
    ap.add_argument("--shingle", type=int, default=lineage.SHINGLE)
    ap.add_argument("--no-prefilter", action="store_true", help="verify every LSH candidate exactly (to check the prefilter loses nothing)")
    ap.add_argument("--store", action="store_true", help="also time communique.lineage.reposts end to end on a SQLite store of the texts")
    ap.add_argument("--sweep", action="store_true", help="precision/recall over a range of thresholds")
    ap.add_argument("--compare-datasketch", action="store_true", help="time datasketch MinHash/MinHashLSH on the same texts")
    args = ap.parse_args()

    t0 = time.perf_counter()
    items, truth, kind_of = generate(args.n, args.seed)
    print(f"generated {len(items):,} texts in {time.perf_counter() - t0:.1f} s")
    if args.compare_datasketch:
        compare_datasketch(items, truth, kind_of, args.shingle, args.threshold)
        return
    if args.store:
        time_store(items)
        return
    thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] if args.sweep else [args.threshold]
    for t in thresholds:
        base = _rss_mb()
        can_peak = _reset_peak()
        t1, c1 = time.perf_counter(), time.process_time()
        lin = lineage.cluster_texts(items, threshold=t, shingle=args.shingle, prefilter=not args.no_prefilter)
        seconds, cpu = time.perf_counter() - t1, time.process_time() - c1
        report(items, truth, kind_of, lin, seconds, cpu, _peak_mb() if can_peak else None, base)
        print()


if __name__ == "__main__":
    main()
