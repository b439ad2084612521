"""Re-post lineage: near-duplicate clusters (exact membership and first-seen order) and
diffs (exact ops with offsets).

Every statement, organisation, place and person here is invented.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from communique import lineage
from communique.errors import ConfigError, NotFoundError
from communique.lineage import Cluster, DiffOp, cluster_texts, diff_texts, reposts, text_similarity
from communique.model import Document
from communique.storage.sqlite import Store

ORIGINAL = """Statement of the Assembly of the Ostra Valley
Media Office of the Assembly of the Ostra Valley in Kesh

Kesh, 3 March 2024

The Assembly of the Ostra Valley condemns the closure of the northern bridge by the Varkan governor. For eleven days the farmers of Kesh have been unable to bring their grain to the market of Dravik. The elders of the valley were not consulted, and their letters were returned unopened. We hold the governor responsible for every harvest that rots in the barns this spring. We call on the traders of Dravik to refuse the new toll, and on the families of Kesh to keep the schools open. The bridge was built by the people of the valley, and it belongs to them.

Media Office of the Assembly of the Ostra Valley
"""
# the edited copies a research team meets when a statement is re-posted
CHANGED = ORIGINAL.replace(
    "The elders of the valley were not consulted, and their letters were returned unopened.",
    "The elders of the valley were never consulted, and their petition was torn up at the gate.",
)
SIGNOFF = ORIGINAL + "\nShared by the Friends of Kesh channel. Forward it to every household in the valley.\n"
REDATED = ORIGINAL.replace("Kesh, 3 March 2024", "Kesh, 5 March 2024")
PREFIXED = "Re-posted from the Dravik Bulletin:\n\n" + ORIGINAL
TRUNCATED = ORIGINAL[: ORIGINAL.index(" The elders")] + " …\n"  # 41% of the shingles
# the same issuer, the same header and sign-off, another statement
UNRELATED = """Statement of the Assembly of the Ostra Valley
Media Office of the Assembly of the Ostra Valley in Kesh

Kesh, 9 April 2024

The Assembly of the Ostra Valley mourns the fishermen of Lake Sadova who drowned in the storm on Tuesday. Their boats were old because the harbour fund was spent on the palace of the governor. We ask every family in the valley to light a lamp at dusk on Friday in their memory. The Assembly will pay for the repair of the nets of the families who lost a father.

Media Office of the Assembly of the Ostra Valley
"""
HEADER_ONLY = ORIGINAL[: ORIGINAL.index("\n\nKesh")]
# another issuer, with one re-post of its own
OTHER = """Communiqué of the Tessaly Front

The Tessaly Front announces that the grain convoy from Orun reached the villages of the upper plain on Sunday. Volunteers from Harrow unloaded forty carts before dusk. The Front thanks the drivers who crossed the flooded road at Menno despite the warnings of the garrison. Distribution begins at the old school of Harrow on Monday at eight.
"""
OTHER_COPY = OTHER.replace("forty carts", "fifty carts").replace("Monday at eight", "Monday at nine")

VERSIONS = {
    "original": ORIGINAL,
    "changed": CHANGED,
    "signoff": SIGNOFF,
    "redated": REDATED,
    "prefixed": PREFIXED,
    "truncated": TRUNCATED,
    "unrelated": UNRELATED,
    "header": HEADER_ONLY,
    "other": OTHER,
    "other_copy": OTHER_COPY,
}


# ------------------------------------------------------------------------- normalizing


@pytest.mark.parametrize(
    "text, expected",
    [
        # casefold, punctuation and typographic quotes dropped, whitespace collapsed
        ("RE-POSTED:  The Valley Council’s “statement”!", ["re", "posted", "the", "valley", "council", "s", "statement"]),
        # NFKC: ligatures and full-width letters; casefold: ß
        ("ﬁnal ＫＥＳＨ Straße", ["final", "kesh", "strasse"]),
        # accented letters stay letters
        ("Communiqué ÉCOLE naïve", ["communiqué", "école", "naïve"]),
        # Arabic: harakat and tatweel removed, alef forms unified
        ("يَنْصُرْكُمُ اللّٰهُ أَمَّا", ["ينصركم", "الله", "اما"]),
        ("ينصركم الله اما", ["ينصركم", "الله", "اما"]),
        # an underscore separates words (it is not a letter)
        ("snake_case 3rd", ["snake", "case", "3rd"]),
        ("", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert lineage.words(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII, with punctuation; and CAPITALS.",
        "Typographic – quotes “like” these… and ‘those’",
        "Letters only: Communiqué Ostrava Żelazny",
        "Symbols € and © and marks a\u0301b",
        "مرحبا بِكُم يا أصدقاء، كيف الحال؟ ـــ",
        "mixed English and عربي and ½ ²",
    ],
)
def test_fast_paths_give_the_same_words(text: str) -> None:
    """The byte fast paths of the shingler agree with the reference :func:`words`."""
    assert lineage._word_bytes(text).split() == [w.encode() for w in lineage.words(text)]


def test_word_hashes_are_pinned() -> None:
    """Hashes are the same in every process and on every machine (no salted ``hash()``):
    a changed value here would change every clustering."""
    h, n = lineage._word_hashes([b"kesh  valley", b"", b"kesh"])
    assert n.tolist() == [2, 0, 1]
    assert h[0] == h[2]
    assert int(h[0]) == 0x7D11403B6F4FE900


def test_long_words_hash_by_content() -> None:
    """Words over 64 bytes (URLs, blobs) take the digest path: equal words, equal hashes;
    a one-byte difference at the end still counts."""
    long = b"x" * 200
    h, n = lineage._word_hashes([b"a " + long, long + b" " + long[:-1] + b"y", b"x" * 64 + b" " + b"x" * 65])
    assert n.tolist() == [2, 2, 2]
    assert h[1] == h[2] and h[2] != h[3] and h[4] != h[5]


# -------------------------------------------------------------------------- clustering


def test_edited_copies_cluster_and_the_same_issuers_other_statement_does_not() -> None:
    lin = cluster_texts(VERSIONS.items())
    assert lin.groups == [
        ["original", "changed", "signoff", "redated", "prefixed", "truncated"],
        ["other", "other_copy"],
    ]
    assert lin.singletons() == ["unrelated", "header"]
    assert lin.stats["documents"] == 10
    assert lin.stats["clusters"] == 2 and lin.stats["clustered_documents"] == 8


@pytest.mark.parametrize(
    "name, jaccard, containment",
    [
        ("changed", 0.8015, 0.9008),  # one sentence rewritten
        ("signoff", 0.8897, 1.0),  # a new sign-off: the original is wholly inside
        ("redated", 0.9206, 0.9587),  # another date
        ("prefixed", 0.9528, 1.0),  # "Re-posted from …" on top
        ("truncated", 0.4132, 1.0),  # below the Jaccard threshold: joins by containment
        ("unrelated", 0.0718, 0.1591),  # shares only the header and sign-off
        ("header", 0.0992, 1.0),  # inside, but 12 shingles: a fragment, not a copy
    ],
)
def test_similarity_of_each_version_to_the_original(name: str, jaccard: float, containment: float) -> None:
    s = text_similarity(ORIGINAL, VERSIONS[name])
    assert (round(s.jaccard, 4), round(s.containment, 4)) == (jaccard, containment)


def test_a_chain_of_edits_is_one_cluster() -> None:
    """B rewrites two sentences of A, C two more of B: A and C are far apart (Jaccard
    0.29) but linked through B."""
    s = [
        "The river council of Brenn met on Monday to discuss the spring floods.",
        "Eleven villages along the lower river lost their bridges in the night.",
        "The council asks every family with a boat to help carry bread to the villages.",
        "Doctors from Sadova will arrive on Thursday with medicine and blankets.",
        "The old mill road remains closed until the water falls below the stone mark.",
        "Donations of seed grain can be left at the council house in the square.",
        "The council thanks the fishermen of Orun for their courage in the storm.",
        "A list of the missing will be read aloud at the market every evening at six.",
    ]
    new = [
        "The guild of Tamsk announced a market for the sale of spring lambs on Sunday.",
        "Young people from Ulvik will rebuild the school roof before the autumn rains.",
        "A choir from Menno sang at the harbour to honour the sailors of the old fleet.",
        "The water tower in Liraz was painted blue by the children of the town last week.",
    ]
    a = " ".join(s)
    b = " ".join(s[:1] + new[:2] + s[3:])
    c = " ".join(s[:1] + new + s[5:])
    assert [round(text_similarity(x, y).jaccard, 4) for x, y in ((a, b), (b, c), (a, c))] == [0.5368, 0.539, 0.2857]
    assert cluster_texts([("c", c), ("a", a), ("b", b)]).groups == [["c", "a", "b"]]


def test_short_texts_join_only_when_their_words_are_the_same() -> None:
    """Fewer than five words make one shingle of all of them; no words, no shingle."""
    lin = cluster_texts(
        [
            ("a", "Long live the valley!"),
            ("b", "long live the VALLEY"),
            ("c", "Long live the river!"),
            ("d", "…"),
            ("e", ""),
        ]
    )
    assert lin.groups == [["a", "b"]]
    assert (lin.stats["short"], lin.stats["empty"]) == (3, 2)
    assert (lin.shingles("a"), lin.shingles("d")) == (1, 0)


def test_threshold_changes_what_joins() -> None:
    """At 0.95 containment must reach 0.95 too: the rewritten sentence (Jaccard 0.80,
    containment 0.90) and the other issuer's edited copy (0.81, 0.90) no longer join; the
    copies that hold the whole original (sign-off, prefix) and the re-dated one (0.96
    inside) still do."""
    items = [(k, v) for k, v in VERSIONS.items() if k != "truncated"]
    assert cluster_texts(items, threshold=0.95).groups == [["original", "signoff", "redated", "prefixed"]]
    assert cluster_texts(items).groups == [
        ["original", "changed", "signoff", "redated", "prefixed"],
        ["other", "other_copy"],
    ]


def test_a_truncated_copy_links_the_versions_that_share_its_beginning() -> None:
    """The truncated copy lies wholly inside every version that kept the first two body
    sentences, so at 0.95 it still links the rewritten copy (by design: it is a copy of
    each)."""
    groups = cluster_texts(VERSIONS.items(), threshold=0.95).groups
    assert groups == [["original", "changed", "signoff", "redated", "prefixed", "truncated"]]


def test_prefilter_changes_nothing() -> None:
    items = list(VERSIONS.items())
    assert cluster_texts(items).groups == cluster_texts(items, prefilter=False).groups


def test_deterministic_and_order_independent_membership() -> None:
    items = list(VERSIONS.items())
    first = cluster_texts(items)
    again = cluster_texts(reversed(items))
    assert sorted(sorted(g) for g in first.groups) == sorted(sorted(g) for g in again.groups)


def test_many_copies_in_one_bucket_still_form_one_cluster() -> None:
    """More copies than NEIGHBOURS + 1 in an LSH bucket: the pairs form a chain, not all
    pairs, and every copy still joins."""
    items = [(f"v{i:02d}", ORIGINAL.replace("eleven days", f"{i + 2} days")) for i in range(30)]
    lin = cluster_texts(items)
    assert lin.groups == [[d for d, _ in items]]
    assert lin.stats["candidate_pairs"] < 30 * 29 // 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": 0.0}, "threshold must be between 0.01 and 1.0, not 0.0"),
        ({"containment": 1.5}, "containment must be between 0.01 and 1.0, not 1.5"),
        ({"num_perm": 100}, "num_perm must be a power of two from 2 to 1024, not 100"),
        ({"shingle": 0}, "shingle must be between 1 and 16 words, not 0"),
    ],
)
def test_bad_parameters_are_config_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        cluster_texts([("a", ORIGINAL)], **kwargs)
    assert e.value.code == "E400" and e.value.message == message


def test_the_same_id_twice_is_an_error() -> None:
    with pytest.raises(ConfigError, match="document id 'a' given twice"):
        cluster_texts([("a", ORIGINAL), ("a", ORIGINAL)])


def test_similarity_of_an_unknown_id_is_an_error() -> None:
    lin = cluster_texts([("a", ORIGINAL)])
    with pytest.raises(ConfigError, match="document 'zz' was not among the clustered texts"):
        lin.similarity("a", "zz")


@pytest.mark.parametrize("threshold, bands, rows", [(0.3, 37, 3), (0.5, 25, 5), (0.8, 9, 13)])
def test_lsh_params_as_datasketch_chooses_them(threshold: float, bands: int, rows: int) -> None:
    from datasketch.lsh import _optimal_param

    assert lineage.lsh_params(threshold, 128) == (bands, rows)
    assert _optimal_param(threshold, 128, 0.5, 0.5) == (bands, rows)


def test_signatures_agree_in_proportion_to_jaccard() -> None:
    """One-permutation MinHash: the share of equal positions estimates Jaccard."""
    keys, starts, _ = lineage._shingle_keys([lineage._word_bytes(ORIGINAL), lineage._word_bytes(CHANGED)], 5)
    sig = lineage._signatures(keys, 2, 128)
    assert not (sig == lineage._EMPTY).any()  # densified: no empty bin left
    estimate = float(np.mean(sig[0] == sig[1]))
    assert abs(estimate - 0.8015) < 0.1


# ---------------------------------------------------------------------- from a store


def _put(store: Store, run: int, text: str, source: str, published: str | None = None) -> str:
    doc = Document.from_text(text, {"title": text.splitlines()[0], "issuer": "Assembly of the Ostra Valley", "published": published})
    store.put_document(doc, source, "txt", run)
    return doc.id


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        yield s


def test_reposts_order_by_published_date_then_ingest_time(store: Store) -> None:
    run = store.begin_run("0.1.0", "cfg", {})
    ids = {}
    # ingest order is not publication order: the original arrives after its copies
    ids["prefixed"] = _put(store, run, PREFIXED, "feeds/bulletin.txt")
    ids["changed"] = _put(store, run, CHANGED, "feeds/changed.txt", "2024-03-10")
    ids["truncated"] = _put(store, run, TRUNCATED, "feeds/short.txt")
    ids["redated"] = _put(store, run, REDATED, "feeds/redated.txt", "2024-03-05")
    ids["signoff"] = _put(store, run, SIGNOFF, "feeds/friends.txt", "2024-03-04")
    ids["original"] = _put(store, run, ORIGINAL, "site/statement.txt", "2024-03-03")
    ids["unrelated"] = _put(store, run, UNRELATED, "site/lake.txt", "2024-04-09")
    store.add_source(ids["prefixed"], "mirror/bulletin.html", "html", run)
    store.finish_run(run, {}, "done")

    result = reposts(store)
    assert len(result) == 1
    (c,) = result.clusters
    assert isinstance(c, Cluster) and c.id == ids["original"]
    order = ["original", "signoff", "redated", "changed", "prefixed", "truncated"]
    assert [m.id for m in c.members] == [ids[k] for k in order]
    assert [(m.seen_from, m.published) for m in c.members] == [
        ("published", "2024-03-03"),
        ("published", "2024-03-04"),
        ("published", "2024-03-05"),
        ("published", "2024-03-10"),
        ("first_seen", None),
        ("first_seen", None),
    ]
    first_seen = {m.id: m.first_seen for m in c.members}
    assert first_seen[ids["prefixed"]] < first_seen[ids["truncated"]] < first_seen[ids["original"]]
    assert c.members[4].seen == c.members[4].first_seen
    assert [(round(m.jaccard, 4), round(m.containment, 4)) for m in c.members] == [
        (1.0, 1.0), (0.8897, 1.0), (0.9206, 0.9587), (0.8015, 0.9008), (0.9528, 1.0), (0.4132, 1.0)
    ]  # fmt: skip
    prefixed = c.members[4]
    assert [(s, f) for s, f, _ in prefixed.sources] == [("feeds/bulletin.txt", "txt"), ("mirror/bulletin.html", "html")]
    assert c.members[0].sources[0][:2] == ("site/statement.txt", "txt")
    d = c.to_dict()
    assert (d["size"], d["first_seen"], d["last_seen"]) == (6, "2024-03-03", c.members[5].first_seen)
    assert d["issuers"] == ["Assembly of the Ostra Valley"]
    assert d["members"][4]["sources"][1] == {"source": "mirror/bulletin.html", "format": "html", "first_seen": prefixed.sources[1][2]}
    assert result.stats["documents"] == 7 and result.params["threshold"] == 0.5


def test_reposts_min_size_one_lists_singletons(store: Store) -> None:
    run = store.begin_run("0.1.0", "cfg", {})
    a = _put(store, run, OTHER, "a.txt", "2024-05-01")
    b = _put(store, run, OTHER_COPY, "b.txt", "2024-05-02")
    u = _put(store, run, UNRELATED, "u.txt", "2024-04-09")
    store.finish_run(run, {}, "done")
    assert [[m.id for m in c.members] for c in reposts(store)] == [[a, b]]
    everything = reposts(store, min_size=1)
    assert [[m.id for m in c.members] for c in everything] == [[a, b], [u]]
    assert reposts(store, min_size=3).clusters == ()
    with pytest.raises(ConfigError, match="min_size must be at least 1, not 0"):
        reposts(store, min_size=0)


def test_corpus_reposts_and_diff(tmp_path: Path) -> None:
    import communique

    db = tmp_path / "c.db"
    with Store(db) as s:
        run = s.begin_run("0.1.0", "cfg", {})
        a = _put(s, run, ORIGINAL, "a.txt", "2024-03-03")
        b = _put(s, run, REDATED, "b.txt", "2024-03-05")
        s.finish_run(run, {}, "done")
    with communique.open(db) as corpus:
        assert [[m.id for m in c.members] for c in corpus.reposts()] == [[a, b]]
        d = corpus.diff(a[:6], b[:6])
        assert (d.a_id, d.b_id) == (a, b)
        assert d.a_meta["published"] == "2024-03-03" and d.b_meta["published"] == "2024-03-05"
        assert [(o.op, d.a_text[o.a_start : o.a_end], d.b_text[o.b_start : o.b_end]) for o in d.changes()] == [
            ("replace", "Kesh, 3 March 2024", "Kesh, 5 March 2024")
        ]
        with pytest.raises(NotFoundError):
            corpus.diff(a, "ffffffffffffffff")


# ---------------------------------------------------------------------------------- diff

A = "Kesh, 3 March 2024\nThe bridge is closed. The elders were not consulted.\nWe call on the farmers to stand firm.\nMedia Office"
B = "Re-posted from the Bulletin:\nKesh, 5 March 2024\nThe bridge is closed. The elders were never consulted!\nMedia Office\nShared by friends."


def test_sentences_cover_every_non_space_character() -> None:
    assert lineage.sentences(A) == [(0, 18), (19, 40), (41, 71), (72, 109), (110, 122)]
    assert lineage.sentences("One. Two!  “Three?” Four") == [(0, 4), (5, 9), (11, 19), (20, 24)]
    assert lineage.sentences("  \n\n ") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        # abbreviations and initials end no sentence
        ("Communiqué No. 31 – On the Pass. Next one.", ["Communiqué No. 31 – On the Pass.", "Next one."]),
        ("Maj. Gen. Ilse Varga said so. J. Vale agreed.", ["Maj. Gen. Ilse Varga said so.", "J. Vale agreed."]),
        # Markdown emphasis and brackets close the sentence they follow
        ("**Kessen will be free.** We said it (again.) Then", ["**Kessen will be free.**", "We said it (again.)", "Then"]),
        # Arabic question mark and full stop of Urdu
        ("هل انتم معنا؟ نعم", ["هل انتم معنا؟", "نعم"]),
    ],
)
def test_sentence_boundaries(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in lineage.sentences(text)] == expected


def test_diff_ops_exactly() -> None:
    d = diff_texts(A, B)
    assert d.ops == (
        DiffOp("insert", 0, 0, 0, 28, 0.0),  # "Re-posted from the Bulletin:"
        DiffOp("replace", 0, 18, 29, 47, 0.8, (
            DiffOp("equal", 0, 5, 29, 34),  # "Kesh,"
            DiffOp("replace", 6, 7, 35, 36),  # 3 → 5
            DiffOp("equal", 8, 18, 37, 47),  # "March 2024"
        )),
        DiffOp("equal", 19, 40, 48, 69),  # "The bridge is closed."
        DiffOp("replace", 41, 71, 70, 102, 2 / 3, (
            DiffOp("equal", 41, 56, 70, 85),  # "The elders were"
            DiffOp("replace", 57, 60, 86, 91),  # not → never
            DiffOp("equal", 61, 70, 92, 101),  # "consulted"
            DiffOp("replace", 70, 71, 101, 102),  # . → !
        )),
        DiffOp("delete", 72, 109, 103, 103, 0.0),  # "We call on the farmers to stand firm."
        DiffOp("equal", 110, 122, 103, 115),  # "Media Office"
        DiffOp("insert", 122, 122, 116, 134, 0.0),  # "Shared by friends."
    )  # fmt: skip
    assert dict(d.summary) == {
        "a_sentences": 5, "b_sentences": 6, "equal": 2, "changed": 2, "removed": 1, "added": 2,
        # 3, not, and the 8 words of the removed sentence; 5 + 1 + 1 + 3 added
        "words_removed": 10, "words_added": 10,
        "jaccard": 0.1515, "containment": 0.2632, "shared": 5, "a_shingles": 19, "b_shingles": 19,
    }  # fmt: skip


def test_diff_to_dict_carries_offsets_and_surfaces() -> None:
    d = diff_texts(A, B, "a1", "b1").to_dict()
    assert d["a"] == {"id": "a1"} and d["b"] == {"id": "b1"}
    assert d["ops"][1] == {
        "op": "replace", "a_start": 0, "a_end": 18, "b_start": 29, "b_end": 47,
        "a_text": "Kesh, 3 March 2024", "b_text": "Kesh, 5 March 2024", "similarity": 0.8,
        "words": [
            {"op": "equal", "a_start": 0, "a_end": 5, "b_start": 29, "b_end": 34, "a_text": "Kesh,", "b_text": "Kesh,"},
            {"op": "replace", "a_start": 6, "a_end": 7, "b_start": 35, "b_end": 36, "a_text": "3", "b_text": "5"},
            {"op": "equal", "a_start": 8, "a_end": 18, "b_start": 37, "b_end": 47, "a_text": "March 2024", "b_text": "March 2024"},
        ],
    }  # fmt: skip
    assert d["ops"][4] == {"op": "delete", "a_start": 72, "a_end": 109, "b_start": 103, "b_end": 103,
                           "a_text": "We call on the farmers to stand firm.", "b_text": ""}  # fmt: skip
    assert "a_text" not in diff_texts(A, B).to_dict(texts=False)["ops"][0]


def test_diff_of_unrelated_sentences_is_removal_and_addition() -> None:
    """Sentences under PAIR_MIN similarity are not paired as "changed"."""
    d = diff_texts("The lake froze early.", "Tea is served at five.")
    assert [(o.op, o.a_start, o.a_end, o.b_start, o.b_end) for o in d.ops] == [
        ("delete", 0, 21, 0, 0),
        ("insert", 21, 21, 0, 22),
    ]


def test_diff_of_identical_texts_is_all_equal() -> None:
    d = diff_texts(ORIGINAL, ORIGINAL)
    assert d.changes() == [] and d.summary["jaccard"] == 1.0
    assert d.summary["equal"] == d.summary["a_sentences"] == 10
