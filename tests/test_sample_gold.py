"""The hand-labelled gold of the sample corpus (yayi_batch/data/sample_gold/gold.jsonl).

It covers the 8 shortest zh and the 8 shortest en documents (ties broken by id) for NER, RE
and EE with the job's default types; these tests keep it loadable and consistent with the
corpus text, so `yayi-batch eval --gold yayi_batch/data/sample_gold/gold.jsonl` stays usable.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import yayi_batch
from yayi_batch.config import ExtractionConfig
from yayi_batch.evaluation.gold import GOLD_SCHEMA, load_gold

DATA = Path(yayi_batch.__file__).resolve().parent / "data"
GOLD = DATA / "sample_gold" / "gold.jsonl"
CORPUS = DATA / "sample_corpus"
DATASETS = {"zh": "sample-zh", "en": "sample-en"}
TASK_FIELDS = {
    "ner": ("type", "text", "start", "end"),
    "re": ("relation", "head", "tail"),
    "ee": ("event_type", "trigger", "role", "argument"),
}


@pytest.fixture(scope="module")
def gold() -> pl.DataFrame:
    return load_gold(GOLD)


@pytest.fixture(scope="module")
def corpus() -> dict[str, dict]:
    df = pl.read_parquet(sorted(CORPUS.glob("*.parquet")))
    return {r["id"]: r for r in df.iter_rows(named=True)}


@pytest.fixture(scope="module")
def schema():
    cfg = ExtractionConfig()
    return {"zh": cfg.zh, "en": cfg.en}


def lang_of(doc: dict) -> str:
    return doc["lang_hint"]


def is_marker(row: dict) -> bool:
    """A "nothing to find" row: every field of its task is null."""
    return all(row[c] is None for c in TASK_FIELDS[row["task"]])


def items(gold: pl.DataFrame, task: str) -> list[dict]:
    return [r for r in gold.filter(pl.col("task") == task).iter_rows(named=True) if not is_marker(r)]


def test_loads_in_the_long_format(gold):
    assert gold.columns == list(GOLD_SCHEMA)
    assert set(gold["task"].unique()) == {"ner", "re", "ee"}
    assert gold["dataset"].null_count() == 0


def test_every_doc_is_in_the_corpus_with_its_language_dataset(gold, corpus):
    for doc_id, dataset in gold.select("doc_id", "dataset").unique().iter_rows():
        assert doc_id in corpus, doc_id
        assert dataset == DATASETS[lang_of(corpus[doc_id])], doc_id


def test_covers_the_eight_shortest_docs_of_each_language(gold, corpus):
    gold_docs = set(gold["doc_id"])
    for lang in DATASETS:
        docs = sorted((len(d["text"]), i) for i, d in corpus.items() if lang_of(d) == lang)
        shortest = {i for _, i in docs[:8]}
        assert shortest <= gold_docs, sorted(shortest - gold_docs)


def test_every_gold_doc_is_scored_for_every_task(gold):
    # a doc with nothing to find for a task carries a marker row, so predictions on it count
    per_doc = gold.group_by("doc_id").agg(pl.col("task").unique())
    for doc_id, tasks in per_doc.iter_rows():
        assert set(tasks) == {"ner", "re", "ee"}, doc_id


def test_marker_rows_only_where_the_task_has_no_items(gold):
    for task in TASK_FIELDS:
        rows = gold.filter(pl.col("task") == task).iter_rows(named=True)
        marked = {r["doc_id"] for r in rows if is_marker(r)}
        with_items = {r["doc_id"] for r in items(gold, task)}
        assert not marked & with_items, (task, sorted(marked & with_items))


def test_ner_spans_slice_back_to_their_text(gold, corpus):
    for r in items(gold, "ner"):
        text = corpus[r["doc_id"]]["text"]
        assert r["start"] is not None and r["end"] is not None, r
        assert 0 <= r["start"] < r["end"] <= len(text), r
        assert text[r["start"] : r["end"]] == r["text"], r


def test_ner_is_flat_without_duplicates(gold):
    by_doc: dict[str, list[tuple[int, int]]] = {}
    for r in items(gold, "ner"):
        by_doc.setdefault(r["doc_id"], []).append((r["start"], r["end"]))
    for doc_id, spans in by_doc.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end <= start, (doc_id, spans)


def test_types_are_the_default_ones(gold, corpus, schema):
    for r in items(gold, "ner"):
        assert r["type"] in schema[lang_of(corpus[r["doc_id"]])].entity_types, r
    for r in items(gold, "re"):
        assert r["relation"] in schema[lang_of(corpus[r["doc_id"]])].relation_types, r
    for r in items(gold, "ee"):
        lang_schema = schema[lang_of(corpus[r["doc_id"]])]
        assert r["event_type"] in lang_schema.event_types, r
        assert r["role"] is None or r["role"] in lang_schema.event_roles, r


def test_relation_heads_and_tails_occur_in_the_text(gold, corpus):
    for r in items(gold, "re"):
        text = corpus[r["doc_id"]]["text"]
        assert r["head"] and r["head"] in text, r
        assert r["tail"] and r["tail"] in text, r
        assert r["head"] != r["tail"], r


def test_relation_arguments_are_gold_entities_of_their_type(gold):
    mentions = {(r["doc_id"], r["text"]): r["type"] for r in items(gold, "ner")}
    for r in items(gold, "re"):
        assert mentions.get((r["doc_id"], r["head"])) == r["head_type"], r
        assert mentions.get((r["doc_id"], r["tail"])) == r["tail_type"], r


def test_event_triggers_and_arguments_occur_in_the_text(gold, corpus):
    for r in items(gold, "ee"):
        text = corpus[r["doc_id"]]["text"]
        assert r["trigger"] and r["trigger"] in text, r
        if r["role"] is not None:
            assert r["argument"] and r["argument"] in text, r
        else:
            assert r["argument"] is None, r


def test_sizes(gold):
    assert gold["doc_id"].n_unique() >= 16
    for lang, dataset in DATASETS.items():
        assert gold.filter(pl.col("dataset") == dataset)["doc_id"].n_unique() >= 8, lang
    assert len(items(gold, "ner")) >= 80
    assert len({(r["doc_id"], r["relation"], r["head"], r["tail"]) for r in items(gold, "re")}) >= 10
    assert len({(r["doc_id"], r["event_type"], r["trigger"]) for r in items(gold, "ee")}) >= 8
