"""What the run report shows, computed from a published output folder (polars, lazily).

The run is the one named, or the latest manifest's; its rows are selected by ``run_id`` in
every table. The tables are the source of truth; the manifest gives the header and is the
fallback for counts whose table is missing, and a disagreement between them is noted.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import polars as pl

from yayi_batch.fs import filesystem
from yayi_batch.plan.estimate import compare
from yayi_batch.publish.reader import pick_manifest, read_graph_summary, read_manifests, scan_table
from yayi_batch.report.viewer import collect_viewer
from yayi_batch.schema import TABLES

TOP_TYPES = 20
EXAMPLES_PER_KIND = 3
# Known values first, in a reading order; anything else follows by count.
STATUS_ORDER = ["ok", "empty", "repaired", "truncated", "invalid", "engine_error"]
MATCH_ORDER = ["exact", "normalized", "fuzzy", "none"]
DOC_STATUS_ORDER = ["ok", "partial", "empty", "failed"]
BUCKETS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400]

Counts = list[tuple[str, int]]


@dataclass
class ReportData:
    run_id: str | None
    header: dict[str, object]
    table_rows: Counts
    types: dict[str, tuple[Counts, int]]  # table -> (top types, number of distinct types)
    answer_status: Counts
    match_kinds: Counts
    errors_by_kind: Counts
    error_examples: dict[str, list[dict]]
    throughput: Counts  # (bucket start label, answers finished in it)
    bucket_s: int
    documents_by_status: Counts
    runs: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    graph: dict | None = None  # `yayi-batch kg`'s summary of the graph built from this output
    viewer: dict | None = None  # the document viewer's data (report/viewer.py)
    plan: dict | None = None  # `yayi-batch plan` beside what the run did (plan/estimate.py compare)
    confidence: dict | None = None  # the eval's reliability and threshold tables ({output}/_eval/eval.json)


def _counts(lf: pl.LazyFrame, col: str, order: list[str] | None = None) -> Counts:
    df = lf.group_by(col).agg(pl.len().alias("n")).collect()
    pairs = [("(null)" if k is None else str(k), int(n)) for k, n in df.iter_rows()]
    rank = {name: i for i, name in enumerate(order or [])}
    return sorted(pairs, key=lambda p: (rank.get(p[0], len(rank)), -p[1], p[0]))


def _summary_counts(manifest: dict | None, key: str, order: list[str]) -> Counts:
    found = ((manifest or {}).get("summary") or {}).get(key) or {}
    rank = {name: i for i, name in enumerate(order)}
    return sorted(((str(k), int(v)) for k, v in found.items()), key=lambda p: (rank.get(p[0], len(rank)), -p[1], p[0]))


def choose_bucket(span_s: float, max_buckets: int = 40) -> int:
    return next((b for b in BUCKETS_S if span_s / b <= max_buckets), BUCKETS_S[-1])


def throughput(answers: pl.LazyFrame) -> tuple[Counts, int]:
    """Answers finished per time bucket, empty buckets included (a stall shows as a gap)."""
    ms = answers.select(pl.col("finished_at").dt.epoch("ms").alias("ms")).drop_nulls().collect()["ms"]
    if ms.is_empty():
        return [], 0
    lo, hi = int(ms.min()), int(ms.max())
    bucket = choose_bucket((hi - lo) / 1000)
    size = bucket * 1000
    first = lo // size
    per_bucket = (ms // size - first).value_counts()
    found = dict(zip(per_bucket["ms"].to_list(), per_bucket["count"].to_list()))
    fmt = "%H:%M:%S" if hi - lo < 86_400_000 else "%m-%d %H:%M"
    points = []
    for i in range((hi // size) - first + 1):
        start = datetime.fromtimestamp((first + i) * bucket, tz=timezone.utc)
        points.append((start.strftime(fmt), int(found.get(i, 0))))
    return points, bucket


def _header(manifest: dict | None, answers: pl.LazyFrame, run_id: str | None) -> dict[str, object]:
    if manifest:
        summary = manifest.get("summary") or {}
        return {
            "run_id": manifest.get("run_id"), "run_date": manifest.get("run_date"), "model": manifest.get("model"),
            "config_fingerprint": manifest.get("config_fingerprint"), "started_at": manifest.get("started_at"),
            "finished_at": manifest.get("finished_at"), "wall_s": summary.get("wall_s"),
            "tokens_per_s": summary.get("tokens_per_s"), "documents": summary.get("documents"),
            "tokens_in": summary.get("tokens_in"), "tokens_out": summary.get("tokens_out"),
            "inputs": len(manifest.get("inputs") or []),
        }  # fmt: skip
    # No manifest (an unpublished or hand-made folder): what the answers table can tell.
    agg = answers.select(
        pl.col("finished_at").min().alias("first"), pl.col("finished_at").max().alias("last"),
        pl.col("tokens_in").sum(), pl.col("tokens_out").sum(), pl.col("date").unique().sort().str.join(", "),
    ).collect().row(0, named=True)  # fmt: skip
    span = (agg["last"] - agg["first"]).total_seconds() if agg["first"] is not None else None
    return {
        "run_id": run_id or "(all runs)", "run_date": agg["date"] or None, "model": None, "config_fingerprint": None,
        "started_at": agg["first"], "finished_at": agg["last"], "wall_s": span, "tokens_in": agg["tokens_in"],
        "tokens_out": agg["tokens_out"], "tokens_per_s": agg["tokens_out"] / span if span else None,
    }  # fmt: skip


def collect(output_dir: str, run_id: str | None = None, storage_options: dict | None = None, doc_ids: Sequence[str] = ()) -> ReportData:
    """``doc_ids``: documents the viewer embeds besides its sample."""
    manifests = read_manifests(output_dir, storage_options)
    manifest = pick_manifest(manifests, run_id)
    notes = []
    if run_id is not None and manifest is None:
        notes.append(f"no manifest for run {run_id}: header from the answers table")
    if run_id is None and manifest is None:
        notes.append("no manifest found: the report covers every row in the folder")
    rid = run_id if run_id is not None else (manifest or {}).get("run_id")

    def scan(table: str) -> pl.LazyFrame:
        return scan_table(output_dir, table, run_id=rid, storage_options=storage_options)

    table_rows = [(t, int(scan(t).select(pl.len()).collect().item())) for t in TABLES]
    expected = (manifest or {}).get("counts") or {}
    for table, n in table_rows:
        if table in expected and int(expected[table]) != n:
            notes.append(f"{table}: {n} rows in the folder, {expected[table]} in the manifest (replaced by a rerun?)")
    types = {}
    for table, col in (("entities", "type"), ("relations", "relation"), ("events", "event_type")):
        found = _counts(scan(table), col)
        types[table] = (sorted(found, key=lambda p: (-p[1], p[0]))[:TOP_TYPES], len(found))
    answers = scan("answers")
    answer_status = _counts(answers, "status", STATUS_ORDER) or _summary_counts(manifest, "answer_status", STATUS_ORDER)
    spans = [("entities", "match"), ("relations", "head_match"), ("relations", "tail_match"),
             ("events", "trigger_match"), ("event_arguments", "match")]  # fmt: skip
    kinds = pl.concat([scan(t).select(pl.col(c).alias("match")) for t, c in spans]).drop_nulls()
    match_kinds = _counts(kinds, "match", MATCH_ORDER) or _summary_counts(manifest, "match_kinds", MATCH_ORDER)
    errors = scan("errors")
    errors_by_kind = sorted(_counts(errors, "kind"), key=lambda p: (-p[1], p[0]))
    examples: dict[str, list[dict]] = {}
    cols = ["kind", "doc_id", "chunk_id", "task", "stage", "message", "raw_output"]
    sample = errors.select(cols).sort(["kind", "doc_id", "chunk_id"], nulls_last=True)
    sample = sample.group_by("kind", maintain_order=True).head(EXAMPLES_PER_KIND).collect()
    for row in sample.iter_rows(named=True):
        examples.setdefault("(null)" if row["kind"] is None else str(row["kind"]), []).append(row)
    points, bucket = throughput(answers)
    runs = [{k: m.get(k) for k in ("run_id", "run_date", "finished_at", "model")} | {"documents": (m.get("summary") or {}).get("documents")} for m in manifests]  # fmt: skip
    return ReportData(
        run_id=rid, header=_header(manifest, answers, rid), table_rows=table_rows, types=types,
        answer_status=answer_status, match_kinds=match_kinds, errors_by_kind=errors_by_kind,
        error_examples=examples, throughput=points, bucket_s=bucket,
        documents_by_status=_counts(scan("documents"), "status", DOC_STATUS_ORDER), runs=runs, notes=notes,
        graph=read_graph_summary(output_dir, storage_options),
        viewer=collect_viewer(output_dir, rid, manifest, doc_ids, storage_options),
        plan=_plan_vs_actual(output_dir, rid, manifest, storage_options),
        confidence=_read_json(output_dir, "_eval/eval.json", storage_options, key="confidence"),
    )  # fmt: skip


def _read_json(output_dir: str, relative: str, storage_options: dict | None, key: str | None = None) -> dict | None:
    fs, root = filesystem(output_dir, storage_options)
    path = f"{root.rstrip('/')}/{relative}"
    if not fs.exists(path):
        return None
    with fs.open(path, "r", encoding="utf-8") as fh:
        data = json.load(fh)
    return (data.get(key) or None) if key else data


def _plan_vs_actual(output_dir: str, run_id: str | None, manifest: dict | None, storage_options: dict | None) -> dict | None:
    """The run's plan (`{output}/_plan/{run_id}.json`, written by `yayi-batch plan`) against its summary."""
    if run_id is None or manifest is None:
        return None
    plan = _read_json(output_dir, f"_plan/{run_id}.json", storage_options)
    return None if plan is None else compare(plan, manifest.get("summary") or {})
