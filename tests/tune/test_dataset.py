"""Splits, selection counts, gold rows of held-out texts, and the data build end to end."""

from __future__ import annotations

import json

import polars as pl

from yayi_batch.evaluation.gold import load_gold
from yayi_batch.schema import Lang, Task
from yayi_batch.tune.build_data import build
from yayi_batch.tune.config import load_tune_config
from yayi_batch.tune.dataset import SourceCounts, Split, gold_rows, select, split_of
from yayi_batch.tune.records import Event, LabelledText, Mention, Relation


def texts(n, lang=Lang.ZH, text="北京欢迎你"):
    return [LabelledText(f"s:{i}", "s", lang, text, (Mention("地点", "北京", 0, 2),)) for i in range(n)]


def test_split_is_seeded_and_near_the_share():
    ids = [f"x:{i}" for i in range(4000)]
    a = [split_of(i, 1, 0.1) for i in ids]
    assert a == [split_of(i, 1, 0.1) for i in ids]
    assert a != [split_of(i, 2, 0.1) for i in ids]
    assert 300 < a.count(Split.HELDOUT) < 500


def test_select_fills_both_splits_and_counts_every_drop():
    c = SourceCounts()
    pool = texts(500) + [LabelledText("s:long", "s", Lang.ZH, "长" * 50)] + [LabelledText("s:en", "s", Lang.ZH, "only English here")]
    train, held = select(pool[::-1], seed=3, heldout_share=0.2, train_n=50, heldout_n=10, min_chars=2, max_chars=20, counts=c)
    assert (len(train), len(held)) == (50, 10)
    assert not {t.id for t in train} & {t.id for t in held}
    assert all(split_of(t.id, 3, 0.2) == Split.HELDOUT for t in held)
    assert c.dropped["length outside data.min_chars..max_chars"] == 1
    assert c.dropped["the job would detect another language"] == 1
    assert c.read == c.train + c.heldout + sum(c.dropped.values())  # count in = count out


def test_gold_rows_mark_empty_tasks_and_skip_unannotated_ones():
    t = LabelledText("d:1", "s", Lang.ZH, "张三任职华瑞", (Mention("人物", "张三", 0, 2),), (Relation("任职于", "张三", "华瑞"),),
                     (Event("任职", "任命", (("对象", "张三"),)),))
    rows = list(gold_rows(t, "ds", [Task.NER, Task.RE, Task.EE]))
    assert [r["task"] for r in rows] == ["ner", "re", "ee", "ee"]
    assert rows[3] == {"doc_id": "d:1", "dataset": "ds", "task": "ee", "event_type": "任命", "trigger": "任职", "role": "对象", "argument": "张三"}
    negative = LabelledText("d:2", "s", Lang.ZH, "无", (), (), ())
    assert list(gold_rows(negative, "ds", [Task.NER, Task.RE])) == [
        {"doc_id": "d:2", "dataset": "ds", "task": "ner"}, {"doc_id": "d:2", "dataset": "ds", "task": "re"}]
    msra = LabelledText("d:3", "s", Lang.ZH, "无", ())
    assert [r["task"] for r in gold_rows(msra, "ds", [Task.NER, Task.RE, Task.EE])] == ["ner"]


def test_build_writes_train_pairs_heldout_corpora_and_gold(tmp_path):
    cfg = load_tune_config("configs/tune.yaml", ["data.msra.train=30", "data.msra.heldout=5", "data.wnut.train=10",
                                                 "data.wnut.heldout=5", "data.news_zh.train=8", "data.news_zh.heldout=4",
                                                 "data.news_en.train=8", "data.news_en.heldout=4"])
    counts = build(cfg, tmp_path)
    assert counts["msra-train"]["train_pairs"] == 30 and counts["news-zh"]["train_pairs"] == 24  # ner + re + ee
    rows = [json.loads(line) for line in (tmp_path / "data" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == 30 + 10 + 24 + 24
    train_ids = {r["id"] for r in rows}
    for source, n in (("msra-train", 5), ("wnut16", 5), ("news-zh", 4), ("news-en", 4)):
        corpus = pl.read_parquet(tmp_path / "data" / "heldout" / source / "corpus.parquet")
        assert corpus.height == n and not set(corpus["id"]) & train_ids  # never trained on
        gold = load_gold(str(tmp_path / "data" / "heldout" / source / "gold.jsonl"))
        assert set(gold["doc_id"]) == set(corpus["id"])
    assert json.loads((tmp_path / "data" / "counts.json").read_text()) == counts
