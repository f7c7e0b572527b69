"""`yayi-batch plan --config JOB.yaml`: what a run would do and cost, before any model work.

The inputs a run would take (a nightly run: the shards no published manifest covers), the
documents, chunks and prompts per task, the prompt tokens counted with the model's tokenizer
and the chat template the engine applies, the expected output tokens (`sampling.max_tokens` per
prompt, or the measured mean of a previous run of this config at the same output), and the time
and cost at the rates given. A table on the terminal and JSON: `{output}/_plan/{run_id}.json`,
which the run report sets beside what the run did.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from yayi_batch.cli import _run_args, _shortcuts
from yayi_batch.config import ConfigError, load_config
from yayi_batch.failures import ExitCode
from yayi_batch.fs import join
from yayi_batch.plan.estimate import Plan, Rates


def measured_mean_out(output: str, storage_options: dict, fingerprint: str) -> dict[str, float]:
    """Mean output tokens per task of the first attempts of earlier runs of this config here."""
    import polars as pl

    from yayi_batch.publish.reader import PublishedOutput

    published = PublishedOutput.open(output, storage_options)
    runs = [m["run_id"] for m in published.manifests() if m.get("config_fingerprint") == fingerprint]
    if not runs:
        return {}
    answers = (
        published.scan_table("answers", columns=["run_id", "task", "attempt", "tokens_out"])
        .filter(pl.col("run_id").is_in(runs) & (pl.col("attempt") == 1))
        .group_by("task")
        .agg(pl.col("tokens_out").mean())
        .collect()
    )
    return {r["task"]: float(r["tokens_out"]) for r in answers.iter_rows(named=True) if r["tokens_out"] is not None}


def print_plan(plan: Plan, run_id: str, console: Console) -> None:
    table = Table(title=f"plan for run {run_id}")
    for col in ("task", "prompts", "prompt tokens", "output tokens (expected)", "output tokens (bound)"):
        table.add_column(col, justify="left" if col == "task" else "right")
    expected = plan.output_tokens()
    for task, c in plan.by_task.items():
        table.add_row(task, f"{c.prompts:,}", f"{c.prompt_tokens:,}", f"{expected[task]:,.0f}", f"{c.prompts * plan.max_tokens:,}")
    table.add_row(
        "all", f"{plan.prompts:,}", f"{plan.prompt_tokens:,}", f"{sum(expected.values()):,.0f}", f"{plan.output_tokens_bound():,}"
    )
    console.print(table)
    console.print(
        f"inputs {plan.inputs} (+{plan.skipped_inputs} already published, skipped), documents {plan.documents:,}, "
        f"chunks {plan.chunks:,}; output estimate: "
        + ("measured mean of earlier runs" if plan.measured_mean_out else "max_tokens per prompt (an upper bound)"),
        markup=False,
    )
    if plan.rates is not None:
        seconds, cost = plan.seconds(), plan.cost()
        console.print(
            f"at {plan.rates.tokens_per_s:g} output tokens/s x {plan.rates.replicas} replica(s): "
            f"{(seconds or 0) / 3600:.2f} h of generation; cost {cost:.2f} "
            f"(prompt {plan.rates.price_in:g}, output {plan.rates.price_out:g} per million tokens)",
            markup=False,
        )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yayi-batch plan", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="the job config (default: the demo's settings over the sample corpus)")
    _run_args(p)
    p.add_argument("--tokens-per-s", type=float, default=0.0, help="generated tokens per second per engine replica")
    p.add_argument("--replicas", type=int, help="engine replicas (default: engine.concurrency)")
    p.add_argument("--price-in", type=float, default=0.0, help="price per million prompt tokens")
    p.add_argument("--price-out", type=float, default=0.0, help="price per million output tokens")
    p.add_argument("--json", help="where to write the plan (default: {output}/_plan/{run_id}.json)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from yayi_batch.cli import demo_config
    from yayi_batch.model.source import ModelSourceError
    from yayi_batch.read import InputError

    try:
        cfg = (
            load_config(args.config, _shortcuts(args))
            if args.config
            else demo_config(args.output or "yayi-demo-output", _shortcuts(argparse.Namespace(**{**vars(args), "output": None})))
        )
        return _plan(cfg, args)
    except (ConfigError, InputError, ModelSourceError) as exc:
        print(f"yayi-batch plan: {exc}", file=sys.stderr)
        return int(ExitCode.BAD_INPUT)


def _plan(cfg, args) -> int:
    from yayi_batch.plan.count import count
    from yayi_batch.publish.reader import write_text
    from yayi_batch.run.context import Job
    from yayi_batch.run.job import _init_ray

    job = Job.open(cfg, generate_fn=lambda *a: None)
    rates = Rates(args.tokens_per_s, args.replicas or cfg.engine.concurrency, args.price_in, args.price_out) if args.tokens_per_s else None
    if job.inputs.files and job.inputs.rows():
        _init_ray(cfg)
        job = job.with_model()
        documents, chunks, by_task = count(job)
    else:
        documents, chunks, by_task = 0, 0, {}
    plan = Plan(
        inputs=len(job.inputs.files),
        skipped_inputs=len(job.inputs.skipped),
        documents=documents,
        chunks=chunks,
        by_task=by_task,
        max_tokens=cfg.sampling.max_tokens,
        measured_mean_out=measured_mean_out(cfg.output.path, cfg.output.storage_options, cfg.fingerprint()),
        rates=rates,
    )
    console = Console()
    print_plan(plan, job.id, console)
    out = args.json or join(cfg.output.path, "_plan", f"{job.id}.json")
    write_text(out, json.dumps({"run_id": job.id, **plan.as_dict()}, indent=2, default=str), cfg.output.storage_options)
    console.print(f"plan written to {out}", markup=False)
    return 0
