"""`yayi-batch plan` against what runs do: the prompts it counts are the prompts a run sends
(a fake engine, any tokenizer), and with the real engine its prompt tokens are the engine's and
its output estimate from an earlier run is within 10% of the next run's."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from yayi_batch.config import load_config
from yayi_batch.plan.cli import main as plan_main
from yayi_batch.run import run
from yayi_batch.testing.corpus import DOCS, write_corpus
from yayi_batch.testing.fake_engine import fake_generate


def overrides(corpus, out, *extra):
    return [
        f"input.paths=[{corpus}]",
        f"output.path={out}",
        "output.run_date=2026-11-25",
        "extraction.tasks=[ner, re, ee]",
        "sampling.retry_truncated=false",
        "input.passthrough_columns=[]",
        *extra,
    ]


def plan(corpus, out, *extra, tokens_per_s=None):
    sets = [a for o in overrides(corpus, out, *extra) for a in ("--set", o)]
    rates = ["--tokens-per-s", str(tokens_per_s), "--price-in", "0.5", "--price-out", "2"] if tokens_per_s else []
    before = set(Path(out, "_plan").glob("*.json"))
    assert plan_main(sets + rates) == 0
    (path,) = set(Path(out, "_plan").glob("*.json")) - before  # each plan is kept under its run id
    return json.loads(path.read_text())


@pytest.mark.slow
def test_the_plan_counts_the_prompts_a_run_sends(local_ray, tiny_model, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", [(f"{d}-{i}", t) for i in range(3) for d, t in DOCS])
    out = tmp_path / "out"
    planned = plan(corpus, out, f"model.source={tiny_model}", "chunk.max_chunk_tokens=24", tokens_per_s=20)
    assert planned["documents"] == 3 * len(DOCS) and planned["inputs"] == 2
    assert planned["chunks"] > 3 * 4  # the four texts of the corpus, cut at 24 tokens
    assert planned["prompts"] == 3 * planned["chunks"]  # ner, re and ee per chunk
    assert planned["output_estimate"].startswith("max_tokens") and planned["seconds"] and planned["cost"] > 0
    summary = run(
        load_config(None, overrides(corpus, out, f"model.source={tiny_model}", "chunk.max_chunk_tokens=24")), generate_fn=fake_generate
    )
    assert summary.answers_by_attempt["1"] == planned["prompts"]  # exactly: the same chunker and prompt builder
    assert planned["run_id"] == summary.run_id
    html = (out / "_report" / "index.html").read_text()
    assert "Plan and actual" in html


def test_with_the_real_engine_prompt_tokens_are_exact_and_the_measured_output_within_10_percent(real_engine, local_ray, tmp_path):
    from yayi_batch.cli import sample_corpus_dir

    shard = sorted(Path(sample_corpus_dir()).glob("*.parquet"))[0]
    corpus = tmp_path / "in"
    corpus.mkdir()
    pq.write_table(pq.read_table(shard).slice(0, 8).select(["id", "text"]), corpus / "a.parquet")
    out = tmp_path / "out"
    first = plan(corpus, out)
    summary = run(load_config(None, overrides(corpus, out)))
    assert summary.answers_by_attempt["1"] == first["prompts"]
    assert first["prompt_tokens"] == summary.tokens_in_by_attempt["1"]  # the engine's count, token for token
    second = plan(corpus, out, "output.run_date=2026-11-26")  # the next night: the mean measured on the first
    assert second["output_estimate"].startswith("measured")
    again = run(load_config(None, overrides(corpus, out, "output.run_date=2026-11-26")))
    actual = again.tokens_out_by_attempt["1"]
    assert abs(second["output_tokens_expected_total"] - actual) <= 0.10 * actual


def test_plan_refuses_a_bad_config_in_one_line(capsys):
    assert plan_main(["--set", "input.paths=[x]", "--set", "engine.batch_size=many"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("yayi-batch plan:") and "engine.batch_size" in err and err.count("\n") == 0
