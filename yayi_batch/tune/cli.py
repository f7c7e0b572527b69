"""`yayi-batch tune --config configs/tune.yaml`: build the data, train the adapter with Ray
Train, export it, and write the tune report. The training itself is in `train.py`."""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from yayi_batch.cli_args import add_overrides
from yayi_batch.failures import ExitCode
from yayi_batch.tune.config import TuneConfigError, load_tune_config


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yayi-batch tune", description=__doc__)
    p.add_argument("--config", help="tune YAML (default: the built-in defaults = configs/tune.yaml)")
    add_overrides(p, "override a field, e.g. --set train.max_steps=10 (repeatable)")
    p.add_argument("--output", help="shortcut for --set output=...")
    p.add_argument("--max-steps", type=int, help="shortcut for --set train.max_steps=N")
    p.add_argument("--data-only", action="store_true", help="write the data and counts, do not train")
    p.add_argument(
        "--reuse-data", action="store_true", help="train on the data already under OUTPUT/data (a resume, or data edited by hand)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    overrides = list(args.overrides)
    if args.output:
        overrides.append(f"output={args.output}")
    if args.max_steps:
        overrides.append(f"train.max_steps={args.max_steps}")
    try:
        cfg = load_tune_config(args.config, overrides)
    except (TuneConfigError, OSError) as e:
        console.print(f"tune: {e}", style="red", markup=False)
        return int(ExitCode.BAD_INPUT)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(cfg.output)
    from yayi_batch.tune.build_data import build

    started = time.time()
    counts_file = out / "data" / "counts.json"
    if args.reuse_data and counts_file.is_file():
        counts = json.loads(counts_file.read_text(encoding="utf-8"))
    else:
        counts = build(cfg, out)
    for name, c in counts.items():
        console.print(
            f"data {name}: read {c['read']}, train {c['train']} ({c['train_pairs']} pairs), "
            f"held out {c['heldout']}, left out {c['dropped'] or 0}",
            markup=False,
        )
    if args.data_only:
        return 0
    return _train(cfg, out, counts, console, started)


def _train(cfg, out: Path, counts: dict, console: Console, started: float) -> int:
    import ray

    from yayi_batch.model.resolve import resolve_model
    from yayi_batch.tune.report import write_tune_report
    from yayi_batch.tune.train import export_adapter, export_full_model, fit, tokens_per_second

    base = resolve_model(cfg.base_model, "chat", None, None)
    if not ray.is_initialized():
        ray.init(log_to_driver=True)
    loop_cfg = {
        "seed": cfg.seed,
        "base_path": base.path,
        "rows_path": str((out / "data" / "train.jsonl").resolve()),
        "eval_path": str((out / "data" / "heldout_pairs.jsonl").resolve()),
        "train": cfg.train.model_dump(),
        "lora": cfg.lora.model_dump(),
    }
    checkpoint, history = fit(loop_cfg, str((out / "ray").resolve()), cfg.run_name, console)
    if cfg.train.method == "full":
        adapter = export_full_model(checkpoint, base.path, out / "model")
    else:
        adapter = export_adapter(checkpoint, out / "adapter", cfg.base_model)
    with open(out / "metrics.jsonl", "w") as fh:
        fh.writelines(json.dumps(h) + "\n" for h in history)
    summary = {
        "base_model": cfg.base_model,
        "steps": len(history),
        "final_loss": history[-1]["loss"] if history else None,
        "train_seconds": round(sum(h["seconds"] for h in history), 1),
        "wall_seconds_this_call": round(time.time() - started, 1),
        "tokens_per_second": round(tokens_per_second(history), 1),
        "heldout_loss": [
            {"step": h["step"], "train_seconds": round(sum(x["seconds"] for x in history[: i + 1]), 1), "loss": h["eval_loss"]}
            for i, h in enumerate(history)
            if "eval_loss" in h
        ],
        "adapter_bytes": sum(f.stat().st_size for f in adapter.iterdir()),
        "config": json.loads(cfg.model_dump_json()),
        "data": counts,
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    report = write_tune_report(out, summary, history)
    console.print(
        f"{'model' if cfg.train.method == 'full' else 'adapter'}: {adapter} ({summary['adapter_bytes'] / 1e6:.1f} MB); "
        f"{summary['steps']} steps, final loss {summary['final_loss']:.3f}; report: {report}"
    )
    return 0
