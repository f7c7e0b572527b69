"""The job against the bare engine on the same prompts, in one run: what the Ray pipeline costs.

    python benchmarks/job_vs_engine.py [--config configs/local.yaml] [--docs 71] [--generated N] [--set key=value ...]

1. builds the job's exact prompts with the project's own steps (chunking with the model's
   tokenizer and the job's chunk budget, prompt rows, the engine row preprocessing that adds the
   chat message and the sampling parameters, schema-guided JSON included);
2. runs them once through bare vLLM (`LLM.chat` / `LLM.generate`, the job's engine arguments and
   sampling), model load included;
3. runs the whole job (`yayi_batch.run.run`: Ray start, reading, chunking, engine, parsing,
   grounding, writing, publishing) on the same corpus and config, with the retry pass off so that
   both send the same prompts;
each in a fresh process. `--generated N` replaces the input with N generated news passages (half
Chinese, half English, `yayi_batch/tune/news.py`, seeded): a corpus large enough that the fixed
costs of both sides (start-up, model load) weigh as they do in a nightly run. Reports both throughputs (generated tokens per second, end to end) and
the ratio job / bare, with the tokens out of each (identical under greedy decoding), as JSON in
benchmarks/results/job_vs_engine.json (`_generated.json` with `--generated`). On a GPU cluster: `--config configs/cluster.yaml`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Both sides are timed from their process's start: imports (vLLM's, Ray's) are part of what a
# user waits for.
PROCESS_START = time.perf_counter()


def _config(args: argparse.Namespace, output: str):
    from yayi_batch.cli import demo_config
    from yayi_batch.config import load_config

    overrides = [f"output.path={output}", "sampling.retry_truncated=false", "output.report=false", "output.run_date=2026-11-25", *args.set]
    if args.generated:
        overrides += [f"input.paths=[{_generated_corpus(args.generated)}]", "input.passthrough_columns=[]"]
    if args.config:
        return load_config(args.config, overrides)
    return demo_config(output, overrides)


def _generated_corpus(n: int) -> str:
    """n seeded news passages, half per language, as one Parquet shard (identical in both children)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from yayi_batch.schema.enums import Lang
    from yayi_batch.tune.news import generate

    texts = [t for lang in (Lang.ZH, Lang.EN) for t in generate(lang, n // 2, seed=20261130, negative_share=0.0)]
    folder = Path(tempfile.mkdtemp())
    pq.write_table(pa.table({"id": [t.id for t in texts], "text": [t.text for t in texts]}), folder / "generated.parquet")
    return str(folder)


def _documents(cfg, limit: int | None) -> list[dict]:
    import pyarrow.parquet as pq

    from yayi_batch.read import list_inputs

    fs, files, _unreadable = list_inputs(cfg.input)
    rows = []
    for f in files:  # in the job's order: sorted files, rows as stored
        with fs.open(f["fs_path"], "rb") as fh:
            table = pq.read_table(fh, columns=[cfg.input.id_column, cfg.input.text_column])
        rows += [{"doc_id": r[cfg.input.id_column], "text": r[cfg.input.text_column], "source_path": f["path"]} for r in table.to_pylist()]
    return rows[:limit] if limit else rows


def bare(args: argparse.Namespace) -> dict:
    """The job's prompts through vLLM's LLM class, no Ray."""
    import pyarrow as pa
    from vllm import LLM, SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    from yayi_batch.chunk.rows import PrepareChunks
    from yayi_batch.chunk.token_count import token_counter
    from yayi_batch.generate.rows import Preprocess, engine_kwargs
    from yayi_batch.model.node import ModelSpec, resolve_on_this_node
    from yayi_batch.model.profiles import PromptStyle
    from yayi_batch.prompts.build import longest_template
    from yayi_batch.prompts.rows import BuildPromptRows
    from yayi_batch.run.context import chunk_tokens

    t0 = PROCESS_START
    cfg = _config(args, tempfile.mkdtemp())
    model = resolve_on_this_node(ModelSpec.from_config(cfg.model))
    count = token_counter(model.tokenizer_path)
    budget = chunk_tokens(cfg, model, count(longest_template(cfg.extraction)))
    docs = _documents(cfg, args.docs)
    batch = pa.Table.from_pylist([{"doc_id": str(d["doc_id"]), "text": d["text"], "source_path": d["source_path"]} for d in docs])
    chunks = PrepareChunks(
        max_chunk_tokens=budget, overlap_tokens=cfg.chunk.overlap_tokens, lang=cfg.extraction.lang, passthrough=[], count_tokens=count
    )(batch)
    rows = [Preprocess(cfg)(r) for r in BuildPromptRows(cfg.extraction)(chunks).to_pylist()]
    params = []
    for r in rows:
        p = dict(r["sampling_params"])
        so = p.pop("structured_outputs", None)
        params.append(SamplingParams(**p, structured_outputs=StructuredOutputsParams(**so) if so else None))
    llm = LLM(model.path, **engine_kwargs(cfg, model.path, model.tokenizer))
    if model.profile.style is PromptStyle.CHAT:
        outs = llm.chat([r["messages"] for r in rows], params, use_tqdm=False)
    else:
        outs = llm.generate([r["prompt"] for r in rows], params, use_tqdm=False)
    seconds = time.perf_counter() - t0
    return {"prompts": len(rows), "tokens_out": sum(len(o.outputs[0].token_ids) for o in outs), "seconds": round(seconds, 1)}


def job(args: argparse.Namespace) -> dict:
    """The same corpus through the whole job."""
    from yayi_batch.run import run

    t0 = PROCESS_START
    out = tempfile.mkdtemp()
    cfg = _config(args, out)
    if args.docs:
        cfg.input.paths = [_subset(cfg, args.docs)]
    started = time.perf_counter()
    summary = run(cfg)
    seconds = time.perf_counter() - t0
    return {
        "prompts": sum(summary.answer_status.values()),
        "tokens_out": summary.tokens_out,
        "seconds": round(seconds, 1),
        "extract_pass_seconds": summary.generate_s,
        "started_s": round(started - t0, 2),  # the process start to run(): imports and the config
        "timeline": summary.timeline,
        "driver_imported_vllm": "vllm" in sys.modules,  # the engine lives in its actors, never in the driver
    }


def _subset(cfg, limit: int) -> str:
    """The first `limit` documents as one shard, so the job reads exactly what `bare` sends."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    docs = _documents(cfg, limit)
    folder = Path(tempfile.mkdtemp())
    table = pa.Table.from_pylist([{cfg.input.id_column: d["doc_id"], cfg.input.text_column: d["text"]} for d in docs])
    pq.write_table(table, folder / "subset.parquet")
    cfg.input.passthrough_columns = []
    return str(folder)


def _timeline_table(entries: list[dict]) -> str:
    """The job's passes and their Ray Data operators, in seconds from the run's start."""
    lines = [f"{'pass / operator':<58} {'start':>7} {'end':>7} {'window':>7} {'task wall':>9} {'rows out':>9}"]
    for e in entries:
        name = e["pass"] if e["operator"] is None else "  " + e["operator"][:56]
        wall = "" if e["task_wall_s"] is None else f"{e['task_wall_s']:.1f}"
        rows = "" if e["rows_out"] is None else str(e["rows_out"])
        lines.append(f"{name:<58} {e['start']:>7.1f} {e['end']:>7.1f} {e['end'] - e['start']:>7.1f} {wall:>9} {rows:>9}")
    return "\n".join(lines)


def _machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
    return {"cpus": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem / 2**20, 1), "python": platform.python_version()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="a job config (default: the embedded demo over the sample corpus)")
    ap.add_argument("--docs", type=int, default=0, help="only the first N documents (0: all)")
    ap.add_argument("--generated", type=int, default=0, help="N generated news passages instead of the corpus")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--results", help="default: results/job_vs_engine.json (job_vs_engine_generated.json with --generated)")
    ap.add_argument("--child", choices=["bare", "job"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print("RESULT " + json.dumps((bare if args.child == "bare" else job)(args)), flush=True)
        return
    results = {}
    for side in ("bare", "job"):
        cmd = [
            sys.executable,
            __file__,
            "--child",
            side,
            "--docs",
            str(args.docs),
            "--generated",
            str(args.generated),
            *sum((["--set", s] for s in args.set), []),
        ]
        if args.config:
            cmd += ["--config", args.config]
        done = subprocess.run(cmd, capture_output=True, text=True)
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"{side} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        results[side] = json.loads(line.removeprefix("RESULT "))
        results[side]["tokens_per_s"] = round(results[side]["tokens_out"] / results[side]["seconds"], 2)
        print(side, results[side], flush=True)
    print(_timeline_table(results["job"]["timeline"]), flush=True)
    results["ratio_job_to_bare"] = round(results["job"]["tokens_per_s"] / results["bare"]["tokens_per_s"], 3)
    results["same_tokens_out"] = results["job"]["tokens_out"] == results["bare"]["tokens_out"]
    results["machine"] = _machine()
    results["config"] = args.config or "embedded demo (configs/local.yaml settings)"
    results["corpus"] = f"{args.generated} generated news passages" if args.generated else "the config's input"
    default = "job_vs_engine_generated.json" if args.generated else "job_vs_engine.json"
    Path(args.results or HERE / "results" / default).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":  # vLLM spawns processes
    main()
