"""The real path: Parquet -> Ray Data -> vLLM (CPU build) with the embedded default -> tables. Minutes."""

import json

import polars as pl
import pyarrow.parquet as pq

from yayi_batch.config import load_config
from yayi_batch.run import run
from yayi_batch.schema import TABLES
from yayi_batch.testing.corpus import DOCS, base_overrides


def test_real_engine_run_writes_every_table_and_reconciles_counts(real_engine, local_ray, corpus, tmp_path):
    out = tmp_path / "out"
    cfg = load_config(None, base_overrides(corpus, out, tasks="[ner, re]", max_tokens=64))
    summary = run(cfg)

    for table, schema in TABLES.items():
        files = sorted((out / table / "date=2026-11-25").glob("*.parquet"))
        assert files, f"{table} has no files"
        written = pq.read_schema(files[0])
        for field in schema:  # documents adds passthrough columns after the fixed ones
            assert written.field(field.name).type == field.type, (table, field.name)

    docs = pl.read_parquet(f"{out}/documents/**/*.parquet")
    assert sorted(docs["doc_id"]) == sorted(d[0] for d in DOCS)
    assert set(docs.filter(pl.col("doc_id").is_in(["empty-1", "blank-1"]))["status"]) == {"empty"}
    non_empty = docs.filter(pl.col("status") != "empty")
    assert (non_empty["tokens_in"] > 0).all()

    answers = pl.read_parquet(f"{out}/answers/**/*.parquet")
    assert answers.height == int(non_empty["n_prompts"].sum())
    # Every chunk got both tasks once; answers cut at max_tokens were asked again on half chunks.
    first = answers.filter(pl.col("attempt") == 1).group_by("doc_id").len()
    assert dict(first.iter_rows()) == dict(zip(non_empty["doc_id"], non_empty["n_chunks"] * 2))
    retries = answers.filter(pl.col("attempt") == 2).height
    assert retries == 2 * answers.filter((pl.col("attempt") == 1) & (pl.col("finish_reason") == "length")).height
    assert set(answers["status"]) <= {"ok", "repaired", "truncated", "empty", "invalid", "engine_error"}
    assert (answers["tokens_out"] > 0).all() and (answers["tokens_out"] <= 64).all()
    # Every answer that is not ok/empty has an errors row with its raw text.
    not_clean = answers.filter(~pl.col("status").is_in(["ok", "empty"])).height
    errors = pl.read_parquet(f"{out}/errors/**/*.parquet")
    assert errors.filter(pl.col("stage").is_in(["parse", "generate"])).height == not_clean
    assert errors.filter(pl.col("stage") == "parse")["raw_output"].is_not_null().all()

    # Entities with exact offsets slice back to their text in the original document.
    texts = dict(DOCS)
    entities = pl.read_parquet(f"{out}/entities/**/*.parquet")
    for row in entities.filter(pl.col("match") == "exact").iter_rows(named=True):
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]
    # A confidence on every row spelled verbatim in its answer, from the engine's own
    # log-probabilities of the answer tokens (a null is a repaired answer's record).
    spelled = entities.filter(pl.col("match") == "exact")
    assert spelled.height > 0 and spelled["confidence"].null_count() == 0, spelled.select("text", "confidence")
    assert entities["confidence"].drop_nulls().is_between(0.0, 1.0).all()
    relations = pl.read_parquet(f"{out}/relations/**/*.parquet")
    assert relations["confidence"].drop_nulls().is_between(0.0, 1.0).all()

    assert summary.documents == len(DOCS)
    assert summary.tokens_out == int(answers["tokens_out"].sum()) and summary.tokens_per_s > 0
    manifest = json.loads((out / "_manifest" / f"{summary.run_id}.json").read_text())
    assert manifest["counts"]["answers"] == answers.height
    assert (out / "_report" / "index.html").is_file()
