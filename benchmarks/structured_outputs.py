"""Parse rate with and without schema-guided decoding, same prompts, same engine, one run.

    python benchmarks/structured_outputs.py [--docs 12] [--max-tokens 200]

Builds the job's own prompts (NER, RE, EE) for the first documents of the sample corpus, runs
them through vLLM (CPU build, the embedded default model) twice: free decoding, then with
`StructuredOutputsParams(json=answer_schema(...))`, and parses every answer with the job's
parser. Writes benchmarks/results/structured_outputs.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path

import pyarrow.dataset as pads


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--max-tokens", type=int, default=200)
    args = ap.parse_args()

    from vllm import LLM, SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    from yayi_batch.cli import sample_corpus_dir
    from yayi_batch.config import ExtractionConfig
    from yayi_batch.model.resolve import ensure_embedded_model
    from yayi_batch.parse import parse_output
    from yayi_batch.prompts import build_prompts, detect_lang
    from yayi_batch.prompts.json_schema import answer_schema

    docs = pads.dataset(sample_corpus_dir(), format="parquet").to_table(columns=["id", "text"]).to_pylist()
    docs = sorted(docs, key=lambda d: len(d["text"]))[: args.docs]  # short ones: no chunking needed
    extraction = ExtractionConfig()
    prompts = [p for d in docs for p in build_prompts(d["text"], detect_lang(d["text"]), extraction)]

    llm = LLM(
        str(ensure_embedded_model()),
        dtype="float32",
        max_model_len=2048,
        gpu_memory_utilization=0.3,
        enforce_eager=True,
        enable_prefix_caching=True,
    )
    messages = [[{"role": "user", "content": p.prompt}] for p in prompts]
    results = {}
    for mode in ("free", "guided"):
        params = []
        for p in prompts:
            guided = None
            if mode == "guided":
                guided = StructuredOutputsParams(json=answer_schema(p.task, list(p.types), list(p.roles)))
            params.append(SamplingParams(temperature=0, max_tokens=args.max_tokens, structured_outputs=guided))
        t0 = time.perf_counter()
        outs = llm.chat(messages, params, use_tqdm=False)
        seconds = time.perf_counter() - t0
        statuses = collections.Counter()
        records = 0
        for p, o in zip(prompts, outs):
            r = parse_output(p.task, o.outputs[0].text, types=p.types or None, roles=p.roles or None)
            statuses[r.status.value] += 1
            records += len(r.records)
        n = len(prompts)
        usable = sum(statuses[s] for s in ("ok", "repaired", "empty"))
        results[mode] = {
            "answers": n,
            "status": dict(statuses),
            "parse_rate": round(usable / n, 3),
            "records": records,
            "seconds": round(seconds, 1),
            "tokens_out": sum(len(o.outputs[0].token_ids) for o in outs),
        }
        print(mode, results[mode], flush=True)
    out = Path(__file__).parent / "results" / "structured_outputs.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"docs": len(docs), "max_tokens": args.max_tokens, **results}, indent=2))
    print("wrote", out)


if __name__ == "__main__":  # vLLM spawns processes
    main()
