"""Set-based precision/recall/F1 of predicted tables against gold long rows (polars).

Definitions (the usual UIE ones, see shared/yayi-formats.md "Scores"):
- every item is a tuple keyed by ``doc_id`` and compared as a set per document, so a
  duplicate on either side counts once;
- micro P/R/F1 from summed TP/FP/FN; 0/0 is 0 (empty gold or empty predictions give F1 0);
- per-type rows include types seen on one side only;
- macro = unweighted mean of the per-dataset P, R and F1 (each dataset micro-averaged inside).
Pure module: no ray, no vllm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

_NULL = "\x00null"  # join key for a missing value: polars joins never match null to null


@dataclass(frozen=True)
class Metric:
    task: str  # the gold task it scores
    key: tuple[str, ...]  # item columns besides doc_id
    type_col: str  # the column that per-type rows group by


METRICS: dict[str, Metric] = {
    "ner": Metric("ner", ("type", "text"), "type"),
    "ner_span": Metric("ner", ("type", "start", "end"), "type"),
    "re_strict": Metric("re", ("relation", "head", "tail", "head_type", "tail_type"), "relation"),
    "re_boundary": Metric("re", ("relation", "head", "tail"), "relation"),
    "ee_trigger": Metric("ee", ("event_type", "trigger"), "event_type"),
    "ee_argument": Metric("ee", ("event_type", "role", "argument"), "role"),
}


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def _keyed(df: pl.DataFrame, metric: Metric) -> pl.DataFrame:
    """doc_id, the type label and string join keys _k0.._kn; one row per distinct item."""
    keys = [pl.col(c).cast(pl.String).fill_null(_NULL).alias(f"_k{i}") for i, c in enumerate(metric.key)]
    return df.select(pl.col("doc_id").cast(pl.String), pl.col(metric.type_col).cast(pl.String).alias("_type"), *keys).unique()


def _mark(side: pl.DataFrame, other: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    hits = other.select(on).with_columns(pl.lit(True).alias("_hit"))
    return side.join(hits, on=on, how="left").with_columns(pl.col("_hit").fill_null(False))


def _counts(gold: pl.DataFrame, pred: pl.DataFrame, by: str) -> list[dict]:
    """TP/FP/FN rows grouped by ``by``, over the union of the groups of both sides."""
    g = gold.group_by(by).agg(pl.len().alias("n_gold"), pl.col("_hit").sum().alias("tp"))
    p = pred.group_by(by).agg(pl.len().alias("n_pred"), pl.col("_hit").sum().alias("tp_pred"))
    both = g.join(p, on=by, how="full", coalesce=True).fill_null(0)
    rows = []
    for r in both.sort(["n_gold", by], descending=[True, False], nulls_last=True).iter_rows(named=True):
        tp = int(r["tp"])  # == tp_pred: the type is part of the key, so a hit keeps its type
        rows.append({by.lstrip("_"): r[by], **prf(tp, int(r["n_pred"]) - tp, int(r["n_gold"]) - tp)})
    return rows


def score(gold: pl.DataFrame, pred: pl.DataFrame, metric: Metric, doc_dataset: pl.DataFrame | None = None) -> dict:
    """Scores of ``pred`` against ``gold`` (both: doc_id + the metric's key columns).

    ``doc_dataset`` (doc_id, dataset) turns on per-dataset rows and the macro average; every
    dataset in it is averaged, including one whose gold and predictions are empty (F1 0).
    """
    on = ["doc_id", *(f"_k{i}" for i in range(len(metric.key)))]
    g, p = _keyed(gold, metric), _keyed(pred, metric)
    g, p = _mark(g, p, on), _mark(p, g, on)
    tp = int(g["_hit"].sum())
    result: dict[str, Any] = {
        "key": list(metric.key),
        "micro": prf(tp, p.height - tp, g.height - tp),
        "per_type": _counts(g, p, "_type"),
        "per_dataset": [],
        "macro": None,
    }
    if doc_dataset is not None and doc_dataset.height:
        g, p = g.join(doc_dataset, on="doc_id", how="left"), p.join(doc_dataset, on="doc_id", how="left")
        rows = {r["dataset"]: r for r in _counts(g, p, "dataset")}
        # datasets with docs but no items on either side still count (as F1 0)
        for name in doc_dataset["dataset"].unique().sort().to_list():
            rows.setdefault(name, {"dataset": name, **prf(0, 0, 0)})
        result["per_dataset"] = sorted(rows.values(), key=lambda r: str(r["dataset"]))
        n = len(result["per_dataset"])
        result["macro"] = {
            "datasets": n,
            **{m: sum(r[m] for r in result["per_dataset"]) / n for m in ("precision", "recall", "f1")},
        }
    return result


# ---------------------------------------------------------------------------------------------
# Items of each metric, from gold long rows and from the output tables.


def gold_items(gold: pl.DataFrame, name: str) -> tuple[pl.DataFrame | None, str | None]:
    """The gold items of metric ``name``, or (None, why) when the gold cannot support it."""
    metric = METRICS[name]
    rows = gold.filter(pl.col("task") == metric.task)
    if name.startswith("ner"):
        rows = rows.filter(pl.col("type").is_not_null())
        needed = ["text"] if name == "ner" else ["start", "end"]
        missing = rows.filter(pl.any_horizontal(pl.col(c).is_null() for c in needed)).height
        if missing:
            return None, f"{missing} gold NER rows have no {'/'.join(needed)}"
    elif metric.task == "re":
        rows = rows.filter(pl.col("relation").is_not_null())
    elif name == "ee_trigger":
        rows = rows.filter(pl.col("trigger").is_not_null())
    else:
        rows = rows.filter(pl.col("role").is_not_null())
    return rows.select("doc_id", *metric.key), None


def compared_types(gold_re: pl.DataFrame, pred_re: pl.DataFrame) -> list[str]:
    """RE strict compares head_type/tail_type only where both sides know them: every gold
    item has it and the predictions carry the column (the relations table does not, today)."""
    return [
        c for c in ("head_type", "tail_type")
        if c in pred_re.columns and gold_re.height and gold_re[c].null_count() == 0
    ]  # fmt: skip


def pred_items(tables: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """The predicted items of metric ``name`` from the output tables."""
    metric = METRICS[name]

    def conf(df: pl.DataFrame) -> list[str]:
        return ["confidence"] if "confidence" in df.columns else []

    if metric.task == "ner":
        return tables["entities"].select("doc_id", *metric.key, *conf(tables["entities"]))
    if metric.task == "re":
        rel = tables["relations"]  # entity-type columns only if the table has them (see compared_types)
        return rel.select("doc_id", "relation", "head", "tail", *(c for c in ("head_type", "tail_type") if c in rel.columns), *conf(rel))
    events = tables["events"]
    if name == "ee_trigger":
        # arguments-only answers (ee_args) have no trigger: not a trigger prediction
        return events.filter(pl.col("trigger").is_not_null()).select("doc_id", "event_type", "trigger", *conf(events))
    types = events.select("doc_id", "event_id", "event_type").unique(subset=["doc_id", "event_id"])
    args = tables["event_arguments"].join(types, on=["doc_id", "event_id"], how="left")
    return args.select("doc_id", "event_type", "role", "argument", *conf(args))


# ---------------------------------------------------------------------------------------------
# Confidence: is it calibrated, and what a threshold buys.

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BUCKETS = 10


def confidence_items(gold: pl.DataFrame, pred: pl.DataFrame, metric: Metric) -> pl.DataFrame | None:
    """One row per distinct predicted item: its confidence (the highest of its rows) and whether
    the gold has it (`_hit`); None when the predictions carry no confidence."""
    if "confidence" not in pred.columns or pred["confidence"].null_count() == pred.height:
        return None
    on = ["doc_id", *(f"_k{i}" for i in range(len(metric.key)))]
    keys = [pl.col(c).cast(pl.String).fill_null(_NULL).alias(f"_k{i}") for i, c in enumerate(metric.key)]
    p = pred.select(pl.col("doc_id").cast(pl.String), *keys, pl.col("confidence").cast(pl.Float64))
    p = p.group_by(on).agg(pl.col("confidence").max())
    return _mark(p, _keyed(gold, metric), on)


def _mean(column: pl.Series) -> float:
    value = column.mean()
    return float(value) if isinstance(value, (int, float)) else 0.0


def confidence_report(gold: pl.DataFrame, pred: pl.DataFrame, metric: Metric) -> dict | None:
    """The reliability table (observed precision per confidence bucket, with the expected
    calibration error) and P/R/F1 when only predictions at or above each threshold are kept.
    Items without a confidence pass every threshold and sit in no bucket."""
    items = confidence_items(gold, pred, metric)
    if items is None:
        return None
    n_gold = _keyed(gold, metric).height
    scored = items.filter(pl.col("confidence").is_not_null())
    buckets, ece = [], 0.0
    for b in range(BUCKETS):
        lo, hi = b / BUCKETS, (b + 1) / BUCKETS
        part = scored.filter((pl.col("confidence") >= lo) & ((pl.col("confidence") < hi) if b < BUCKETS - 1 else pl.lit(True)))
        n = part.height
        precision = _mean(part["_hit"].cast(pl.Float64)) if n else None
        mean_conf = _mean(part["confidence"]) if n else None
        if precision is not None and mean_conf is not None:
            ece += n / max(1, scored.height) * abs(precision - mean_conf)
        buckets.append({"bucket": f"{lo:.1f}-{hi:.1f}", "n": n, "mean_confidence": mean_conf, "precision": precision})
    thresholds = []
    for t in THRESHOLDS:
        kept = items.filter(pl.col("confidence").is_null() | (pl.col("confidence") >= t))
        tp = int(kept["_hit"].sum())
        thresholds.append({"threshold": t, "kept": kept.height, **prf(tp, kept.height - tp, n_gold - tp)})
    return {"items": items.height, "with_confidence": scored.height, "ece": round(ece, 4), "buckets": buckets, "thresholds": thresholds}


def calibration_points(gold: pl.DataFrame, pred: pl.DataFrame, metric: Metric) -> tuple[list[float], list[float]]:
    """(confidence, 1 if right else 0) of every predicted item with a confidence."""
    items = confidence_items(gold, pred, metric)
    if items is None:
        return [], []
    items = items.filter(pl.col("confidence").is_not_null())
    return items["confidence"].to_list(), [float(h) for h in items["_hit"].to_list()]
