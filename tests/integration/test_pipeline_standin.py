"""The job with the `yayi-uie` profile on the 13B-layout Baichuan 2 stand-in, through Ray Data
and vLLM's CPU build with the package's model plugin: raw prompts wrapped in the reserved tokens
reach the engine (no chat template), and every answer flows into the tables."""

import polars as pl
from transformers import AutoTokenizer

from yayi_batch.config import load_config
from yayi_batch.prompts import build_prompts, detect_lang
from yayi_batch.run import run
from yayi_batch.testing.corpus import DOCS, base_overrides
from yayi_batch.testing.standin import make_standin


def test_yayi_profile_runs_on_the_13b_standin(real_engine, local_ray, corpus, tmp_path):
    model = make_standin("13b", tmp_path / "standin-13b")
    out = tmp_path / "out"
    cfg = load_config(
        None,
        base_overrides(corpus, out, tasks="[ner]", max_tokens=16)
        + [
            f"model.source={model}",
            "model.profile=yayi-uie",
            f"model.cache_dir={tmp_path / 'cache'}",
            "output.report=false",
            "sampling.retry_truncated=false",  # random weights: every answer is cut
        ],
    )
    summary = run(cfg)

    docs = pl.read_parquet(f"{out}/documents/**/*.parquet")
    assert sorted(docs["doc_id"]) == sorted(d[0] for d in DOCS)
    answers = pl.read_parquet(f"{out}/answers/**/*.parquet")
    assert set(answers["attempt"]) == {1}  # no retry pass when retry_truncated is off
    assert answers.height == summary.documents - 2  # one NER prompt per non-empty short document
    assert answers.filter(pl.col("status") == "engine_error").height == 0

    # The engine saw exactly "<reserved_13>" + prompt + "<reserved_14>", tokenized by our tokenizer.
    tokenizer_dir = next((tmp_path / "cache" / "tokenizers").iterdir())
    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    text = dict(DOCS)["en-1"]
    (prompt,) = build_prompts(text, detect_lang(text), cfg.extraction)
    wrapped = tok("<reserved_13>" + prompt.prompt + "<reserved_14>", add_special_tokens=True)["input_ids"]
    assert wrapped.count(tok.convert_tokens_to_ids("<reserved_13>")) == 1
    got = answers.filter(pl.col("doc_id") == "en-1")["tokens_in"].item()
    assert got == len(wrapped)
