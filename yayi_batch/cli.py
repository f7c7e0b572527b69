"""`yayi-batch run|demo|plan|eval|bench|report|check-model|kg|tune`: thin wrappers over the package."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import resources

from yayi_batch.cli_args import add_overrides
from yayi_batch.config import ConfigError, JobConfig, load_config
from yayi_batch.failures import ExitCode, exit_code


def sample_corpus_dir() -> str:
    return str(resources.files("yayi_batch") / "data" / "sample_corpus")


def demo_config(output: str, overrides: Sequence[str] = ()) -> JobConfig:
    """The embedded default (configs/local.yaml's settings) over the shipped sample corpus."""
    return load_config(
        None,
        [
            f"input.paths=[{sample_corpus_dir()}]",
            f"output.path={output}",
            "input.passthrough_columns=[title, source, published]",
            *overrides,
        ],
    )


def _run_args(p: argparse.ArgumentParser) -> None:
    add_overrides(p, "override a config field, e.g. --set engine.batch_size=32 (repeatable)")
    p.add_argument("--input", help="shortcut for --set input.paths=[...]")
    p.add_argument("--output", help="shortcut for --set output.path=...")
    p.add_argument("--run-date", help="shortcut for --set output.run_date=YYYY-MM-DD")
    p.add_argument("--since-manifest", action="store_true", help="nightly mode: only shards no published manifest with this config covers")


def _shortcuts(args: argparse.Namespace) -> list[str]:
    out = list(args.overrides)
    if args.input:
        out.append(f"input.paths=[{args.input}]")
    if args.output:
        out.append(f"output.path={args.output}")
    if args.run_date:
        out.append(f"output.run_date={args.run_date}")
    if args.since_manifest:
        out.append("input.since_manifest=true")
    return out


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yayi-batch", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the extraction job from a YAML config")
    run.add_argument("--config", required=True)
    _run_args(run)
    demo = sub.add_parser("demo", help="the embedded default over the shipped sample corpus")
    _run_args(demo)
    demo.set_defaults(output_default="yayi-demo-output")
    for name, help_ in (
        ("plan", "what a run would do and cost (prompts, tokens, time, money), before any model work"),
        ("eval", "score output tables against gold"),
        ("bench", "the quality benchmark: the real job over labelled sets, one table of scores"),
        ("report", "write the HTML run report"),
        ("check-model", "pre-flight check of a model folder"),
        ("kg", "build or update a knowledge graph from a published output"),
        ("tune", "LoRA instruction tuning with Ray Train on IE data in the job's prompts"),
    ):
        sp = sub.add_parser(name, help=help_, add_help=False)
        sp.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def run_job(cfg: JobConfig) -> int:
    """Run, print the summary; the exit code says whether every document made it (failures.ExitCode)."""
    from yayi_batch.finalize.summary import render
    from yayi_batch.run import run

    summary = run(cfg)
    render(summary)
    return int(exit_code(summary.documents_by_status))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("plan", "eval", "bench", "report", "check-model", "kg", "tune"):
        return _delegate(argv[0], argv[1:])
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from yayi_batch.failures import RunFailed
    from yayi_batch.model.source import ModelSourceError
    from yayi_batch.read import InputError

    try:
        if args.command == "demo":
            cfg = demo_config(args.output or "yayi-demo-output", _shortcuts(argparse.Namespace(**{**vars(args), "output": None})))
        else:
            cfg = load_config(args.config, _shortcuts(args))
        return run_job(cfg)
    except (ConfigError, InputError, ModelSourceError) as exc:
        print(f"yayi-batch: {exc}", file=sys.stderr)
        return int(ExitCode.BAD_INPUT)
    except RunFailed as exc:  # one line, no Ray traceback; the cause is in the log above
        logging.getLogger("yayi_batch").debug("run failed", exc_info=exc)
        print(f"yayi-batch: run failed: {exc}", file=sys.stderr)
        return int(ExitCode.RUN_FAILED)


def _delegate(command: str, rest: list[str]) -> int:
    if command == "eval":
        from yayi_batch.evaluation.cli import main as sub_main
    elif command == "plan":
        from yayi_batch.plan.cli import main as sub_main
    elif command == "bench":
        from yayi_batch.evaluation.bench_cli import main as sub_main
    elif command == "report":
        from yayi_batch.report import main as sub_main
    elif command == "kg":
        from yayi_batch.kg.cli import main as sub_main
    elif command == "tune":
        from yayi_batch.tune.cli import main as sub_main
    else:
        from yayi_batch.model.check import main as sub_main
    return sub_main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
