"""SemEval-2020 Task 11 files and FollowTheMoney entities: exact output, the SemEval round
trip (the stated subset), and every FTM line validated by the followthemoney library."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from communique.exports import ExchangeError
from communique.exports.ftm import document_entity_id, entity_id, write_ftm
from communique.exports.semeval import (
    article_id,
    document_id,
    ptc_label,
    read_semeval,
    write_semeval,
)
from communique.model import Span

EN_ARTICLE, AR_ARTICLE, NOTICE_ARTICLE = "17010223311295213858", "16183818319595728027", "5879035310039154513"


def test_semeval_files_exact(tmp_path, fx):
    en, ar, notice = fx.docs()
    report: dict[str, int] = {}
    assert write_semeval([en, ar, notice], tmp_path, report) == 3
    assert report == {"spans": 3, "left_out": 1}  # Appeal_to_Values has no 2020 label
    assert (tmp_path / "techniques.labels").read_text(encoding="utf-8") == (
        f"{EN_ARTICLE}\tLoaded_Language\t185\t189\n"
        f"{EN_ARTICLE}\tName_Calling,Labeling\t216\t243\n"
        f"{AR_ARTICLE}\tLoaded_Language\t26\t30\n"
    )
    assert sorted(p.name for p in (tmp_path / "articles").iterdir()) == sorted(
        f"article{a}.txt" for a in (EN_ARTICLE, AR_ARTICLE, NOTICE_ARTICLE)
    )
    assert (tmp_path / "articles" / f"article{NOTICE_ARTICLE}.txt").read_bytes() == fx.NOTICE.encode()
    assert (tmp_path / "ids.tsv").read_text(encoding="utf-8").splitlines() == [
        "article\tdoc_id\ttitle",
        f"{EN_ARTICLE}\t{en.id}\tStatement of the Vellin Valley Assembly",
        f"{AR_ARTICLE}\t{ar.id}\tبيان من مجلس وادي فيلين",
        f"{NOTICE_ARTICLE}\t{notice.id}\t",
    ]


def test_semeval_works_with_the_task_tools(tmp_path, fx):
    from communique.techniques import ptc, semeval

    write_semeval(fx.docs(), tmp_path)
    articles = ptc.read_articles(tmp_path / "articles")
    assert articles[AR_ARTICLE] == fx.ARABIC
    gold = semeval.read_spans(tmp_path / "techniques.labels")
    assert semeval.score_flc(gold, gold)["f1"] == 1.0
    span = gold[1]
    assert articles[span.article][span.start : span.end] == "The traitors in Castel Orvo"


def test_semeval_round_trip_subset(tmp_path, fx):
    docs = fx.docs()
    write_semeval(docs, tmp_path)
    back = list(read_semeval(tmp_path))
    assert [(d.id, d.text) for d in back] == [(d.id, d.text) for d in docs]
    for orig, got in zip(docs, back, strict=True):
        expected = [(s.attrs["ptc"], s.start, s.end) for s in orig.layer("technique") if s.attrs.get("ptc")]
        assert [(s.attrs["ptc"], s.start, s.end) for s in got.spans] == expected
    assert [(s.label, s.source, s.score) for s in back[0].spans] == [
        ("Loaded_Language", "semeval:techniques.labels", 1.0),
        ("Name_Calling-Labeling", "semeval:techniques.labels", 1.0),
    ]


def test_semeval_ids_and_labels():
    assert article_id("ec1073fa43d1f122") == EN_ARTICLE and document_id(EN_ARTICLE) == "ec1073fa43d1f122"
    assert document_id(article_id("000000000000002a")) == "000000000000002a"
    with pytest.raises(ExchangeError, match="not a content hash"):
        article_id("doc-7")
    # a reviewer's span has no attrs.ptc: the label's 2020 counterpart is used
    assert ptc_label(Span(0, 4, "technique", "Straw_Man", source="review:ana")) == "Whataboutism,Straw_Men,Red_Herring"
    assert ptc_label(Span(0, 4, "technique", "Appeal_to_Values", source="review:ana")) is None


def test_semeval_bad_labels_file(tmp_path, fx):
    write_semeval([fx.english()], tmp_path)
    (tmp_path / "techniques.labels").write_text(f"{EN_ARTICLE}\tLoaded_Language\t185\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match=r"techniques.labels:1: offsets must be integers, got 'Loaded_Language' and '185'"):
        list(read_semeval(tmp_path))
    (tmp_path / "techniques.labels").write_text("42\tLoaded_Language\t1\t3\n", encoding="utf-8")
    with pytest.raises(ExchangeError, match="a span of article 42, which has no article42.txt"):
        list(read_semeval(tmp_path))


# ---------------------------------------------------------------------------- FTM


def _entities(docs) -> list[dict]:
    buf = io.StringIO()
    write_ftm(docs, buf)
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_ftm_every_line_is_a_valid_entity(fx):
    from followthemoney import model

    entities = _entities(fx.docs())
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    for data in entities:
        proxy = model.get_proxy(data, cleaned=False)
        cleaned = proxy.to_dict()["properties"]
        assert set(cleaned) == set(data["properties"]), (data["schema"], set(data["properties"]) - set(cleaned))
        for prop in proxy.schema.properties.values():  # references point at entities in the file
            if prop.type.name == "entity":
                assert all(v in ids for v in proxy.get(prop)), (data["id"], prop.name)


def test_ftm_entities_exact(fx):
    en, ar, notice = fx.docs()
    entities = _entities([en, ar, notice])
    by_id = {e["id"]: e for e in entities}
    doc = by_id[document_entity_id(en.id)]
    assert doc["schema"] == "PlainText"
    p = doc["properties"]
    assert (p["title"], p["publishedAt"], p["publisher"], p["fileName"], p["language"]) == (
        ["Statement of the Vellin Valley Assembly"], ["2023-05-13"], ["Vellin Valley Assembly"],
        ["vellin_statement.txt"], ["en"],
    )  # fmt: skip
    assert p["bodyText"] == [fx.ENGLISH]
    assert p["keywords"] == ["statement", "Loaded_Language", "Name_Calling-Labeling", "Appeal_to_Values"]
    assert p["peopleMentioned"] == ["Marek Tolvan", "Ivo Brandt"]
    assert by_id[document_entity_id(notice.id)]["properties"]["sourceUrl"] == ["https://example.org/notice/7"]

    # ids from the canonical name: the Arabic statement's ماريك تولفان is the same Person
    tolvan = entity_id("Person", "Marek Tolvan")
    assert tolvan == "communique-person-18fb5930376f262200d0"  # sha1("Person\x1fmarek tolvan")[:20]
    assert entity_id("Person", "  MAREK   tolvan ") == tolvan
    assert by_id[tolvan]["properties"] == {"name": ["Marek Tolvan"], "title": ["Governor", "الحاكم"], "alias": ["ماريك تولفان"]}
    assembly = entity_id("Organization", "Vellin Valley Assembly")
    assert by_id[assembly]["properties"] == {"name": ["Vellin Valley Assembly"], "alias": ["مجلس وادي فيلين"]}
    assert by_id[entity_id("Address", "Castel Orvo")]["properties"] == {"name": ["Castel Orvo"], "full": ["Castel Orvo"]}

    links = [e for e in entities if e["schema"] == "Documentation" and e["properties"]["document"] == [document_entity_id(en.id)]]
    roles = sorted((by_id[x["properties"]["entity"][0]]["properties"]["name"][0], x["properties"]["role"][0]) for x in links)
    assert roles == [
        ("Castel Orvo", "cast as traitor"), ("Castel Orvo", "mentioned"), ("Ivo Brandt", "mentioned"),
        ("Ivo Brandt", "quoted"), ("Marek Tolvan", "cast as enemy"), ("Marek Tolvan", "mentioned"),
        ("Vellin Valley", "mentioned"), ("Vellin Valley Assembly", "issuer"), ("Vellin Valley Assembly", "mentioned"),
    ]  # fmt: skip
    enemy = next(x for x in links if x["properties"]["role"] == ["cast as enemy"])
    assert enemy["properties"]["summary"] == ["“decree issued by Governor Marek Tolvan” chars 80-118 (rule:role.opposes@1, score 0.70)"]
    assert enemy["properties"]["date"] == ["2023-05-13"]


@pytest.mark.skipif(shutil.which("ftm", path=str(Path(sys.executable).parent)) is None, reason="ftm command not installed")
def test_ftm_validate_command_accepts_the_file(tmp_path, fx):
    path = tmp_path / "corpus.ftm.json"
    with path.open("w", encoding="utf-8") as fh:
        n = write_ftm(fx.docs(), fh)
    assert n == 3
    ftm = str(Path(sys.executable).parent / "ftm")
    out = subprocess.run([ftm, "validate", "-i", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == len(path.read_text(encoding="utf-8").splitlines())
