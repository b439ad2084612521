"""Parquet: write_parquet / read_parquet round trips, the flat columns, parts, bad files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from communique.exports import ExchangeError
from communique.exports.parquet import parts, read_parquet, write_parquet


def test_round_trip_equals_the_contract(tmp_path, fx):
    docs = fx.docs()
    assert write_parquet(docs, tmp_path) == 3
    assert sorted(p.name for p in (tmp_path / "documents").iterdir()) == ["part-0.parquet"]
    assert sorted(p.name for p in (tmp_path / "spans").iterdir()) == ["part-0.parquet"]
    back = list(read_parquet(tmp_path))
    assert back == [fx.contract(d) for d in docs]
    # Arabic text and offsets exact, emoji included
    ar = back[1]
    assert ar.text == fx.ARABIC
    person = ar.layer("entity", "PERSON")[0]
    assert (person.start, person.end, ar.surface(person)) == (50, 62, "ماريك تولفان")


def test_flat_columns_for_queries(tmp_path, fx):
    write_parquet(fx.docs(), tmp_path)
    d = pq.read_table(tmp_path / "documents" / "part-0.parquet")
    assert d.column_names == ["id", "title", "issuer", "published", "doc_type", "languages", "meta", "text"]
    rows = d.to_pylist()
    assert [r["issuer"] for r in rows] == ["Vellin Valley Assembly", "Vellin Valley Assembly", None]
    assert [r["published"] for r in rows] == ["2023-05-13", "2023-05-14", None]
    assert [r["languages"] for r in rows] == [["en"], ["ar"], ["en"]]
    s = pq.read_table(tmp_path / "spans" / "part-0.parquet")
    assert s.column_names == ["doc_id", "doc_index", "start", "end", "layer", "label", "score", "text", "attrs", "source"]
    assert s.schema.field("start").type == pa.int64() and s.schema.field("score").type == pa.float64()
    techniques = [r for r in s.to_pylist() if r["layer"] == "technique"]
    assert [(r["label"], r["text"], r["score"], r["doc_index"]) for r in techniques] == [
        ("Loaded_Language", "sold", 0.4612, 0),
        ("Name_Calling-Labeling", "The traitors in Castel Orvo", 0.8, 0),
        ("Appeal_to_Values", "every family of Vellin", 0.6, 0),
        ("Loaded_Language", "يرفض", 0.33, 1),
    ]
    assert techniques[1]["attrs"] == '{"ptc":"Name_Calling,Labeling","explanation":"calls a group \'traitors\'"}'


def test_full_meta_keeps_what_the_contract_leaves_out(tmp_path, fx):
    write_parquet([fx.english()], tmp_path)
    (doc,) = read_parquet(tmp_path, full_meta=True)
    assert doc.meta["format"] == "text"
    assert doc.meta["offset_map"] == [[0, 0]]
    (plain,) = read_parquet(tmp_path)
    assert "format" not in plain.meta


def test_parts_read_in_natural_order_and_empty_parts_are_valid(tmp_path, fx):
    en, ar, notice = fx.docs()
    assert write_parquet([ar], tmp_path, part="part.10") == 1
    assert write_parquet([en, notice], tmp_path, part="part.2") == 2
    assert write_parquet([], tmp_path, part="part.3") == 0
    assert parts(tmp_path) == ["part.2", "part.3", "part.10"]
    assert [d.id for d in read_parquet(tmp_path)] == [en.id, notice.id, ar.id]
    # the same text twice in one part: spans stay with their own row
    write_parquet([en, en], tmp_path / "twice")
    assert [len(d.spans) for d in read_parquet(tmp_path / "twice")] == [14, 14]


def test_rewriting_a_part_replaces_it(tmp_path, fx):
    write_parquet(fx.docs(), tmp_path)
    write_parquet([fx.notice()], tmp_path)
    assert [d.text for d in read_parquet(tmp_path)] == [fx.NOTICE]
    assert not list((tmp_path / "documents").glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize("part", ["", "../x", "a/b", ".hidden"])
def test_bad_part_names(tmp_path, fx, part):
    with pytest.raises(ExchangeError, match="bad part name"):
        write_parquet([fx.notice()], tmp_path, part=part)


def test_bad_folders_are_named(tmp_path, fx):
    with pytest.raises(ExchangeError, match="no documents/ folder") as e:
        list(read_parquet(tmp_path))
    assert e.value.code == "E100"
    write_parquet([fx.notice()], tmp_path)
    (tmp_path / "spans" / "part-0.parquet").rename(tmp_path / "spans" / "part-9.parquet")
    with pytest.raises(ExchangeError, match=r"spans/part-9.parquet has no documents/part-9.parquet") as e:
        list(read_parquet(tmp_path))
    assert e.value.code == "E104"
    (tmp_path / "spans" / "part-9.parquet").unlink()
    with pytest.raises(ExchangeError, match=r"spans/part-0.parquet: no such file"):
        list(read_parquet(tmp_path))


def test_foreign_table_is_refused(tmp_path):
    (tmp_path / "documents").mkdir()
    (tmp_path / "spans").mkdir()
    pq.write_table(pa.table({"id": ["x"], "body": ["y"]}), tmp_path / "documents" / "p.parquet")
    pq.write_table(pa.table({"doc_id": ["x"]}), tmp_path / "spans" / "p.parquet")
    with pytest.raises(ExchangeError, match="not a communique documents table \\(no column 'meta'\\)"):
        list(read_parquet(tmp_path))


def test_span_of_no_document_is_refused(tmp_path, fx):
    write_parquet([fx.english()], tmp_path)
    path = tmp_path / "spans" / "part-0.parquet"
    t = pq.read_table(path)
    t = t.set_column(t.schema.get_field_index("doc_index"), "doc_index", pa.array([0] * (t.num_rows - 1) + [5], pa.int64()))
    pq.write_table(t, path)
    with pytest.raises(ExchangeError, match="row 13 belongs to document .* at index 5"):
        list(read_parquet(tmp_path))


def test_load_parquet_into_a_store(tmp_path, fx):
    import communique

    docs = fx.docs()
    write_parquet(docs[:2], tmp_path / "pq", part="part-0")
    write_parquet(docs[2:], tmp_path / "pq", part="part-1")
    with communique.open(tmp_path / "c.db") as corpus:
        report = corpus.load_parquet(tmp_path / "pq")
        assert report.counts() == {"read": 3, "added": 3, "known": 0, "new_sources": 0, "rejected": 0}
        stored = corpus.get(docs[0].id)
        assert stored.to_dict() == docs[0].to_dict()
        assert stored.meta["offset_map"] == [[0, 0]]  # full meta kept in the store
        assert corpus.sources(docs[0].id)[0][:2] == ("inbox/vellin_statement.txt", "text")
        assert corpus.sources(docs[1].id)[0][0].endswith("documents/part-0.parquet row 1")
        again = corpus.load_parquet(tmp_path / "pq")
        assert (again.added, again.known) == (0, 3)
        assert len(corpus) == 3
