"""`yayi-batch eval`: score a run's output tables against gold annotations.

Only gold documents are scored: a gold document with no predicted rows counts as an empty
prediction, and predicted documents that are not in the gold are ignored (their number is
reported). Unparseable answers simply have no records, so they score as empty predictions;
their share is reported from the ``answers`` table (status == "invalid").
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import polars as pl
from rich.console import Console
from rich.table import Table
from rich.text import Text

from yayi_batch.evaluation.gold import FORMATS, TASKS, load_gold
from yayi_batch.evaluation.metrics import (
    METRICS,
    calibration_points,
    compared_types,
    confidence_report,
    gold_items,
    pred_items,
    score,
)
from yayi_batch.evaluation.type_map import DROP, apply_type_map, parse_type_map
from yayi_batch.publish.reader import read_table, write_text

PRED_TABLES = ("entities", "relations", "events", "event_arguments", "documents", "answers")
# The metrics whose predictions carry a confidence, and the task a calibration fit on them is for.
CONFIDENCE_METRICS = {"ner": "ner", "re_boundary": "re", "ee_trigger": "ee", "ee_argument": "ee"}
_EXAMPLES = 10


def load_predictions(pred_dir: str, run_id: str | None = None, storage_options: dict | None = None) -> dict[str, pl.DataFrame]:
    return {name: read_table(pred_dir, name, run_id=run_id, storage_options=storage_options) for name in PRED_TABLES}


def _docs_report(gold: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> dict:
    gold_docs = gold.select("doc_id").unique()
    if tables["documents"].height:
        pred_docs = tables["documents"].select("doc_id").unique()
    else:  # no documents table: the docs that have any predicted row
        pred_docs = pl.concat([tables[t].select("doc_id") for t in PRED_TABLES[:4]]).unique()
    extra = pred_docs.join(gold_docs, on="doc_id", how="anti").sort("doc_id")
    missing = gold_docs.join(pred_docs, on="doc_id", how="anti").sort("doc_id")
    return {
        "gold": gold_docs.height,
        "pred": pred_docs.height,
        "gold_not_in_pred": missing.height,  # scored as empty predictions
        "gold_not_in_pred_examples": missing["doc_id"].head(_EXAMPLES).to_list(),
        "pred_not_in_gold": extra.height,  # ignored
        "pred_not_in_gold_examples": extra["doc_id"].head(_EXAMPLES).to_list(),
    }


def parse_report(answers: pl.DataFrame, gold: pl.DataFrame, tasks: Sequence[str]) -> dict | None:
    """Answer status shares over the answers of gold documents and tasks; None without answers."""
    tasks = [*tasks, "ee_args"] if "ee" in tasks else list(tasks)  # arguments-only prompts are EE
    answers = answers.join(gold.select("doc_id").unique(), on="doc_id", how="semi")
    answers = answers.filter(pl.col("task").is_in(tasks))
    if not answers.height:
        return None

    def rate(df: pl.DataFrame) -> dict:
        invalid = df.filter(pl.col("status") == "invalid").height
        return {"answers": df.height, "invalid": invalid, "invalid_rate": invalid / df.height}

    by_status = answers.group_by("status").len().sort("status", nulls_last=True)
    return {
        **rate(answers),
        "by_task": {t: rate(answers.filter(pl.col("task") == t)) for t in sorted(answers["task"].drop_nulls().unique())},
        "by_status": {str(s): int(n) for s, n in by_status.iter_rows()},
    }


def evaluate(
    gold: pl.DataFrame, tables: dict[str, pl.DataFrame], tasks: Sequence[str] | None = None, type_map: dict[str, str] | None = None
) -> dict:
    """Every metric of the requested tasks (default: the tasks present in the gold); ``type_map``
    renames (or drops) gold types first, see type_map.py."""
    present = sorted(gold["task"].unique().to_list())
    for task in tasks or ():
        if task not in present:
            raise ValueError(f"the gold has no {task!r} rows (it has {present})")
    tasks = list(tasks) if tasks else present
    gold = gold.filter(pl.col("task").is_in(tasks))
    map_report = None
    if type_map is not None:  # after the task filter: unmapped/unused are judged on the scored tasks only
        gold, map_report = apply_type_map(gold, type_map)
    doc_dataset = None
    if gold["dataset"].null_count() < gold.height:
        doc_dataset = gold.select("doc_id", pl.col("dataset").fill_null("(none)")).unique()
        clash = doc_dataset.group_by("doc_id").len().filter(pl.col("len") > 1)
        if clash.height:
            raise ValueError(f"gold doc_id in several datasets, e.g. {clash['doc_id'][0]!r}")
    metrics, notes = {}, []
    confidence: dict[str, dict] = {}
    points: dict[str, list[list[float]]] = {}
    for name, metric in METRICS.items():
        if metric.task not in tasks:
            continue
        g, why = gold_items(gold, name)
        if g is None:
            notes.append(f"{name} not scored: {why}")
            continue
        scope = gold.filter(pl.col("task") == metric.task).select("doc_id").unique()
        p = pred_items(tables, name).join(scope, on="doc_id", how="semi")
        if name == "re_strict":  # types that either side lacks are not compared
            kept = compared_types(g, p)
            blank = [pl.lit(None, pl.String).alias(c) for c in ("head_type", "tail_type") if c not in kept]
            g, p = g.with_columns(blank), p.with_columns(blank)
            if not kept:
                notes.append("re_strict compares no entity types (the predictions carry none): equals re_boundary")
        ds = doc_dataset.join(scope, on="doc_id", how="semi") if doc_dataset is not None else None
        metrics[name] = {**score(g, p, metric, ds), "docs": scope.height}
        if name in CONFIDENCE_METRICS and (report := confidence_report(g, p, metric)) is not None:
            confidence[name] = report
            points[CONFIDENCE_METRICS[name]] = [
                a + b for a, b in zip(points.get(CONFIDENCE_METRICS[name], ([], [])), calibration_points(g, p, metric))
            ]
        if name == "re_strict":
            metrics[name]["types_compared"] = kept
    docs = _docs_report(gold, tables)
    if docs["pred"] and docs["gold_not_in_pred"] == docs["gold"]:  # the usual cause of an all-zero score
        notes.append("no gold doc_id is in the output: do the gold and the input use the same ids?")
    elif docs["gold_not_in_pred"]:
        notes.append(
            f"{docs['gold_not_in_pred']} gold document(s) are not in the output (scored as empty predictions, "
            f"so their gold items count as misses), e.g. {', '.join(docs['gold_not_in_pred_examples'][:5])}"
        )
    return {
        "tasks": tasks,
        **({"type_map": map_report} if map_report is not None else {}),
        "docs": docs,
        "parse": parse_report(tables["answers"], gold, tasks),
        "metrics": metrics,
        "confidence": confidence,
        "calibration_points": points,  # task -> [confidences, hits]: what --fit-calibration fits
        "notes": notes,
    }


def print_result(result: dict, console: Console) -> None:
    table = Table(title="Scores (micro)")
    for col in ("metric", "P", "R", "F1", "TP", "FP", "FN", "macro F1"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, m in result["metrics"].items():
        mi, ma = m["micro"], m["macro"]
        table.add_row(name, f"{mi['precision']:.4f}", f"{mi['recall']:.4f}", f"{mi['f1']:.4f}", str(mi["tp"]),
                      str(mi["fp"]), str(mi["fn"]), f"{ma['f1']:.4f} ({ma['datasets']} ds)" if ma else "-")  # fmt: skip
    console.print(table)
    for name, m in result["metrics"].items():
        if len(m["per_type"]) > 1:
            per = Table(title=f"{name} per type (top 20)")
            for col in ("type", "P", "R", "F1", "TP", "FP", "FN"):
                per.add_column(col, justify="left" if col == "type" else "right")
            for r in m["per_type"][:20]:
                per.add_row(Text(str(r["type"])), f"{r['precision']:.4f}", f"{r['recall']:.4f}", f"{r['f1']:.4f}",
                            str(r["tp"]), str(r["fp"]), str(r["fn"]))  # fmt: skip
            console.print(per)
    for name, report in result.get("confidence", {}).items():
        print_confidence(name, report, console)
    d = result["docs"]
    console.print(f"gold docs {d['gold']}, predicted docs {d['pred']}, gold docs without output {d['gold_not_in_pred']}, "
                  f"predicted docs not in gold (ignored) {d['pred_not_in_gold']}", markup=False)  # fmt: skip
    if result.get("type_map"):
        console.print(type_map_summary(result["type_map"]), markup=False, soft_wrap=True)  # unwrapped: names stay greppable
    if result["parse"]:
        p = result["parse"]
        console.print(f"invalid answers: {p['invalid']}/{p['answers']} = {p['invalid_rate']:.2%}", markup=False)
    for note in result["notes"]:
        console.print(f"note: {note}", markup=False)


def print_confidence(name: str, report: dict, console: Console) -> None:
    """The reliability table (is the confidence the precision?) and what each threshold keeps."""
    rel = Table(title=f"{name}: observed precision by confidence (ECE {report['ece']:.3f})")
    for col in ("confidence", "items", "mean conf", "precision"):
        rel.add_column(col, justify="left" if col == "confidence" else "right")
    for b in report["buckets"]:
        rel.add_row(
            b["bucket"],
            str(b["n"]),
            "-" if b["mean_confidence"] is None else f"{b['mean_confidence']:.3f}",
            "-" if b["precision"] is None else f"{b['precision']:.3f}",
        )
    console.print(rel)
    thr = Table(title=f"{name}: keeping predictions at or above a confidence")
    for col in ("threshold", "kept", "P", "R", "F1"):
        thr.add_column(col, justify="right")
    for t in report["thresholds"]:
        thr.add_row(f"{t['threshold']:.1f}", str(t["kept"]), f"{t['precision']:.4f}", f"{t['recall']:.4f}", f"{t['f1']:.4f}")
    console.print(thr)


def _few(items: list[str], n: int = 10) -> str:
    return ", ".join(items[:n]) + (f" ... (+{len(items) - n})" if len(items) > n else "") if items else "none"


def type_map_summary(report: dict) -> str:
    pairs = [f"{k}->{'(dropped)' if v == DROP else v}" for k, v in report["mapping"].items()]
    return (f"type map: {_few(pairs)}; dropped gold rows {report['dropped_gold_rows']}; "
            f"unmapped gold types: {_few(report['unmapped_gold_types'])}; map entries unused: {_few(report['map_entries_unused'])}")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yayi-batch eval", description="Score output tables against gold.")
    parser.add_argument("--gold", required=True, help="gold file or folder (Parquet, JSONL, CoNLL)")
    parser.add_argument("--pred", required=True, help="output folder of a run (local or fsspec URL)")
    parser.add_argument("--task", choices=TASKS, action="append", help="score only this task (repeatable)")
    parser.add_argument("--format", choices=FORMATS, help="gold format (default: by file extension)")
    parser.add_argument("--run-id", help="only rows of this run (default: every row in the folder)")
    parser.add_argument("--json", help="where to write the scores (default: {pred}/_eval/eval.json)")
    parser.add_argument(
        "--fit-calibration",
        metavar="PATH",
        help="fit a per-task calibration (raw confidence -> observed precision) on this gold and "
        "write it as calibration.json (score raw confidences: run with --set model.calibration=off)",
    )
    parser.add_argument("--type-map", metavar="MAP",
                        help="rename gold types to the prompt's before scoring: a JSON/YAML/CSV/TSV file "
                             "or inline PER=人物,LOC=地点 (GOLD=- drops that gold type)")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse already printed why
        return int(exc.code or 0)
    try:
        type_map = parse_type_map(args.type_map) if args.type_map is not None else None  # before the (slower) loads
        default_task = args.task[0] if args.task and len(args.task) == 1 else None
        gold = load_gold(args.gold, args.format, default_task)
        result = evaluate(gold, load_predictions(args.pred, args.run_id), args.task, type_map)
    except (ValueError, FileNotFoundError) as exc:
        print(f"yayi-batch eval: {exc}", file=sys.stderr)
        return 2
    result = {"gold": str(args.gold), "pred": args.pred, "run_id": args.run_id, **result}
    if args.fit_calibration:
        from yayi_batch.parse.calibration import Calibration

        points = result["calibration_points"]
        Calibration.fit({task: (xs, ys) for task, (xs, ys) in points.items()}, source=str(args.gold)).dump(args.fit_calibration)
        Console().print(f"calibration of {', '.join(sorted(points)) or 'no task'} written to {args.fit_calibration}", markup=False)
    out = args.json or f"{args.pred.rstrip('/')}/_eval/eval.json"
    write_text(out, json.dumps(result, ensure_ascii=False, indent=2, default=str))
    console = Console()
    print_result(result, console)
    console.print(f"scores written to {out}", markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
