"""Splits, passage selection with every drop counted, gold rows of held-out texts, and the data
build end to end on the test corpora."""

from __future__ import annotations

import json

import polars as pl
import pytest

from yayi_batch.evaluation.gold import load_gold
from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.schema import Lang, Task
from yayi_batch.tune.build_data import build
from yayi_batch.tune.config import load_tune_config
from yayi_batch.tune.dataset import SourceCounts, Split, gold_rows, split_of, split_passages

FIXTURE = "tests/tune/fixtures/tune.yaml"


def texts(n, lang=Lang.ZH, text="北京欢迎你。"):
    return [LabelledText(f"s:{i}", "s", lang, text, (Mention("地点", "北京", 0, 2),)) for i in range(n)]


def test_split_is_seeded_and_near_the_share():
    ids = [f"x:{i}" for i in range(4000)]
    a = [split_of(i, 1, 0.1) for i in ids]
    assert a == [split_of(i, 1, 0.1) for i in ids]
    assert a != [split_of(i, 2, 0.1) for i in ids]
    assert 300 < a.count(Split.HELDOUT) < 500


def test_split_passages_fills_both_splits_and_counts_every_drop():
    c = SourceCounts()
    pool = (
        texts(500)
        + [LabelledText("s:long", "s", Lang.ZH, "长" * 50, group="alone")]
        + [LabelledText("s:en", "s", Lang.ZH, "only English here", group="alone2")]
    )
    train, held = split_passages(
        pool, seed=3, heldout_share=0.2, train_n=50, heldout_n=10, min_chars=2, max_chars=20, max_sentences=3, single_share=0.5, counts=c
    )
    assert (len(train), len(held)) == (50, 10)
    # a passage is named by its first sentence, and a split's passages join only its own sentences
    assert all(split_of(p.id.split("+")[0], 3, 0.2) == Split.HELDOUT for p in held)
    assert all(split_of(p.id.split("+")[0], 3, 0.2) == Split.TRAIN for p in train)
    assert c.read == 502
    assert "s:long" not in {p.id for p in train + held} and "s:en" not in {p.id for p in train + held}
    assert c.dropped["length outside data.passages.min_chars..max_chars"] + c.dropped["the job would detect another language"] >= 1
    assert sum(v for k, v in c.dropped.items() if "over the size" in k) > 0
    again = split_passages(
        pool,
        seed=3,
        heldout_share=0.2,
        train_n=50,
        heldout_n=10,
        min_chars=2,
        max_chars=20,
        max_sentences=3,
        single_share=0.5,
        counts=SourceCounts(),
    )
    assert [p.id for p in again[0]] == [p.id for p in train]  # seeded


def test_gold_rows_mark_empty_tasks_and_skip_unannotated_ones():
    t = LabelledText(
        "d:1",
        "s",
        Lang.ZH,
        "张三任职华瑞",
        (Mention("人物", "张三", 0, 2),),
        (Relation("任职于", "张三", "华瑞"),),
        (Event("任职", "任命", (("对象", "张三"),)),),
    )
    rows = list(gold_rows(t, "ds", [Task.NER, Task.RE, Task.EE]))
    assert [r["task"] for r in rows] == ["ner", "re", "ee", "ee"]
    assert rows[3] == {
        "doc_id": "d:1",
        "dataset": "ds",
        "task": "ee",
        "event_type": "任命",
        "trigger": "任职",
        "role": "对象",
        "argument": "张三",
    }
    negative = LabelledText("d:2", "s", Lang.ZH, "无", (), (), ())
    assert list(gold_rows(negative, "ds", [Task.NER, Task.RE])) == [
        {"doc_id": "d:2", "dataset": "ds", "task": "ner"},
        {"doc_id": "d:2", "dataset": "ds", "task": "re"},
    ]
    relations_only = LabelledText("d:3", "s", Lang.ZH, "无", None, ())
    assert [r["task"] for r in gold_rows(relations_only, "ds", [Task.NER, Task.RE, Task.EE])] == ["re"]


@pytest.mark.slow
def test_build_writes_train_pairs_heldout_corpora_gold_and_schema(tmp_path):
    cfg = load_tune_config(FIXTURE)
    counts = build(cfg, tmp_path)
    assert counts["msra"]["train"] == 12 and counts["msra"]["pairs_by_task"] == {"ner": 12}
    assert counts["conll04"]["pairs_by_task"] == {"ner": 1, "re": 1}
    assert counts["news-en"]["pairs_by_task"] == {"ner": 3, "re": 3, "ee": 3}
    rows = [json.loads(line) for line in (tmp_path / "data" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == sum(c["train_pairs"] for c in counts.values())
    train_ids = {r["id"] for r in rows}
    for source, n, tasks in (("msra", 2, ["ner"]), ("news-en", 2, ["ner", "re", "ee"])):
        folder = tmp_path / "data" / "heldout" / source
        corpus = pl.read_parquet(folder / "corpus.parquet")
        assert corpus.height == n and not set(corpus["id"]) & train_ids  # never trained on
        gold = load_gold(str(folder / "gold.jsonl"))
        assert set(gold["doc_id"]) == set(corpus["id"])
        schema = json.loads((folder / "schema.json").read_text())
        assert schema["tasks"] == tasks
    msra_schema = json.loads((tmp_path / "data" / "heldout" / "msra" / "schema.json").read_text())
    assert msra_schema["lang"] == "zh" and msra_schema["schema"]["entity_types"] == ["人物", "机构", "地点"]  # canonical names
    msra_gold = load_gold(str(tmp_path / "data" / "heldout" / "msra" / "gold.jsonl"))
    assert set(msra_gold["type"].drop_nulls()) <= {"人物", "机构", "地点"}
    held_pairs = (tmp_path / "data" / "heldout_pairs.jsonl").read_text().splitlines()
    assert held_pairs and not {json.loads(r)["id"] for r in held_pairs} & train_ids
    assert json.loads((tmp_path / "data" / "counts.json").read_text()) == counts
