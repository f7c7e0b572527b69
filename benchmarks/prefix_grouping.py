"""Prompt order and vLLM's prefix cache: chunk-grouped vs shuffled, measured in one run.

    python benchmarks/prefix_grouping.py [--docs 24] [--batch 16]

The NER/RE/EE prompts of a chunk start with the same text block. The job keeps them adjacent,
so they land in the same engine batch. This submits the same prompts in engine batches of
`--batch` (as ray.data.llm does) in three arrangements on one engine: grouped by chunk, shuffled,
and grouped with the prefix cache off (a second engine), and reports prompt-processing time
ratios. Decode is fixed (max_tokens=8, ignore_eos) so the ratio is about the prompts.
Writes benchmarks/results/prefix_grouping.json.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import pyarrow.dataset as pads


def timed_batches(llm, prompts, batch: int, params) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(prompts), batch):
        llm.chat([[{"role": "user", "content": p}] for p in prompts[i : i + batch]], params, use_tqdm=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=24)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()

    from vllm import LLM, SamplingParams

    from yayi_batch.cli import sample_corpus_dir
    from yayi_batch.config import ExtractionConfig
    from yayi_batch.model.resolve import ensure_embedded_model
    from yayi_batch.prompts import build_prompts, detect_lang

    docs = pads.dataset(sample_corpus_dir(), format="parquet").to_table(columns=["text"]).column("text").to_pylist()
    docs = sorted(docs, key=len)[: args.docs]
    grouped = [p.prompt for d in docs for p in build_prompts(d, detect_lang(d), ExtractionConfig())]
    shuffled = grouped[:]
    random.Random(0).shuffle(shuffled)
    params = SamplingParams(temperature=0, max_tokens=8, ignore_eos=True)
    model = str(ensure_embedded_model())
    common = dict(dtype="float32", max_model_len=2048, gpu_memory_utilization=0.3, enforce_eager=True)

    results = {}
    llm = LLM(model, enable_prefix_caching=True, **common)
    timed_batches(llm, grouped[: args.batch], args.batch, params)  # warm-up
    for name, order in (("grouped", grouped), ("shuffled", shuffled)):
        llm.reset_prefix_cache()
        results[name] = round(timed_batches(llm, order, args.batch, params), 2)
        print(name, results[name], "s", flush=True)
    del llm
    import gc

    gc.collect()
    llm = LLM(model, enable_prefix_caching=False, **common)
    timed_batches(llm, grouped[: args.batch], args.batch, params)
    results["no_prefix_cache"] = round(timed_batches(llm, grouped, args.batch, params), 2)
    print("no_prefix_cache", results["no_prefix_cache"], "s", flush=True)

    out = {
        "prompts": len(grouped),
        "batch": args.batch,
        "seconds": results,
        "shuffled_over_grouped": round(results["shuffled"] / results["grouped"], 3),
        "no_cache_over_grouped": round(results["no_prefix_cache"] / results["grouped"], 3),
    }
    path = Path(__file__).parent / "results" / "prefix_grouping.json"
    path.write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":  # vLLM spawns processes
    main()
