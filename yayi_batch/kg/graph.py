"""Build or update a knowledge graph target from a published output: stage, aggregate, load.

``build_graph`` is what ``yayi-batch kg`` runs:
1. every chosen date whose published files or options changed is (re)staged (``stage.py``);
2. ``nodes`` and ``edges`` Parquet are recomputed from the whole stage with polars' streaming
   engine (entity aggregates over all dates; edges and events concatenated);
3. optionally the Neo4j CSVs are written, and the LadybugDB database is rebuilt from the Parquet.
When nothing was restaged and the outputs are there, steps 2 and 3 are skipped: a second load
of the same output changes nothing, not even a file.

Target layout (a local folder): ``_stage/`` (the stage), ``parquet/{nodes,edges}/part-0.parquet``
(unless ``parquet_dir`` says otherwise), ``graph.lbug`` (the database), ``_built.json``.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from yayi_batch.kg.build import BuildOptions, bucket_ranges, entity_nodes_in, event_nodes, stage_date
from yayi_batch.kg.ladybug_load import db_path, load_ladybug
from yayi_batch.kg.neo4j_csv import import_command, write_neo4j_csv
from yayi_batch.kg.stage import StageStore
from yayi_batch.publish.reader import PublishedOutput
from yayi_batch.schema.graph import NODES

log = logging.getLogger(__name__)

# The tables the graph is built from.
GRAPH_TABLES = ("entities", "relations", "events", "event_arguments")
# Staged mention rows aggregated per pass: bounds the memory of the node aggregation (about
# 100 MB per 500k rows measured; benchmarks/kg_build.py). More passes cost little: each reads
# only its buckets' row groups.
ROWS_PER_PASS = 500_000


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux VmHWM; 0 elsewhere), for the phase log."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return 0.0


class _Phase:
    """Logs how long a phase took and the peak RSS after it (benchmarks read these lines)."""

    def __init__(self, name: str, timings: dict[str, float]):
        self.name, self.timings = name, timings

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        took = time.perf_counter() - self.t0
        self.timings[self.name] = self.timings.get(self.name, 0.0) + took
        log.info("phase %s: %.2f s, peak rss %.0f MB", self.name, took, _peak_rss_mb())


class GraphError(ValueError):
    """A graph build that cannot run (unknown date, no output); the message says why."""


@dataclass
class BuildResult:
    target: Path
    parquet_dir: Path
    dates_staged: list[str] = field(default_factory=list)
    dates_unchanged: list[str] = field(default_factory=list)
    rebuilt: bool = False
    left_out: dict[str, int] = field(default_factory=dict)  # ungrounded, over every date in the graph
    nodes_by_type: dict[str, int] = field(default_factory=dict)  # "Entity:person" -> n
    edges_by_type: dict[str, int] = field(default_factory=dict)  # "RELATION:works for" -> n
    neo4j_command: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase


def _run_ids(source: PublishedOutput, date: str) -> list[str]:
    frames = [source.scan(t, date).select("run_id") for t in GRAPH_TABLES]
    return pl.concat(frames).unique().collect()["run_id"].drop_nulls().to_list()


def _write_parquet(frame: pl.LazyFrame, folder: Path) -> Path:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    frame.sink_parquet(tmp / "part-0.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder / "part-0.parquet"


def _write_nodes(store: StageStore, folder: Path) -> Path:
    """Entity nodes a range of buckets at a time (memory follows ROWS_PER_PASS, not the lake),
    then the event nodes date by date, into one Parquet file."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    mentions = store.scan("mentions")
    with pq.ParquetWriter(tmp / "part-0.parquet", NODES) as writer:
        for lo, hi in bucket_ranges(store.rows("mentions"), ROWS_PER_PASS):
            part = entity_nodes_in(mentions, lo, hi).collect(engine="streaming")
            writer.write_table(part.to_arrow().cast(NODES))
        for path in store.files("events"):
            writer.write_table(event_nodes(pl.scan_parquet(path)).collect(engine="streaming").to_arrow().cast(NODES))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder / "part-0.parquet"


def _counts(frame: pl.LazyFrame, a: str, b: str) -> dict[str, int]:
    df = frame.group_by(a, b).agg(n=pl.len()).sort(a, b).collect()
    return {f"{x}:{y}": int(n) for x, y, n in df.iter_rows()}


def build_graph(
    output: str,
    target: str | Path,
    *,
    dates: list[str] | None = None,
    options: BuildOptions | None = None,
    storage_options: dict[str, Any] | None = None,
    parquet_dir: str | Path | None = None,
    csv_dir: str | Path | None = None,
    load_db: bool = True,
) -> BuildResult:
    options = options or BuildOptions()
    target = Path(target)
    parquet_dir = Path(parquet_dir) if parquet_dir else target / "parquet"
    source = PublishedOutput.open(output, storage_options or {})
    available = source.dates(GRAPH_TABLES)
    if not available:
        raise GraphError(f"{output}: no date partitions under {', '.join(GRAPH_TABLES)}")
    chosen = list(dates) if dates else available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise GraphError(f"{output}: no date(s) {', '.join(unknown)}; found {', '.join(available)}")

    store = StageStore(target)
    result = BuildResult(target=target, parquet_dir=parquet_dir)
    for date in sorted(chosen):
        fingerprint = StageStore.fingerprint(source.fingerprint(date, GRAPH_TABLES), options)
        if store.is_current(date, fingerprint):
            result.dates_unchanged.append(date)
            continue
        with _Phase("stage", result.timings):
            store.write_date(date, stage_date(source, date, options), fingerprint, _run_ids(source, date))
        result.dates_staged.append(date)

    nodes_path, edges_path = parquet_dir / "nodes" / "part-0.parquet", parquet_dir / "edges" / "part-0.parquet"
    built_path = target / "_built.json"
    built = json.loads(built_path.read_text(encoding="utf-8")) if built_path.exists() else {}
    version = store.version()
    want = {"parquet:" + str(parquet_dir.resolve()): nodes_path.exists() and edges_path.exists()}
    if load_db:
        want["ladybug"] = db_path(target).exists()
    if csv_dir:
        want["csv:" + str(Path(csv_dir).resolve())] = Path(csv_dir, "relations.csv").exists()
    stale = [k for k, present in want.items() if not present or built.get(k) != version]

    if stale:
        result.rebuilt = True
        with _Phase("nodes", result.timings):
            _write_nodes(store, parquet_dir / "nodes")
        with _Phase("edges", result.timings):
            _write_parquet(store.scan("edges"), parquet_dir / "edges")
        if csv_dir:
            with _Phase("neo4j_csv", result.timings):
                result.neo4j_command = write_neo4j_csv(pl.scan_parquet(nodes_path), pl.scan_parquet(edges_path), csv_dir)
        if load_db:
            with _Phase("ladybug", result.timings):
                load_ladybug(nodes_path, edges_path, target)
        built.update({k: version for k in want})
        built_path.parent.mkdir(parents=True, exist_ok=True)
        built_path.write_text(json.dumps(built, indent=1), encoding="utf-8")
    elif csv_dir:
        result.neo4j_command = import_command(csv_dir)

    result.left_out = store.left_out_total()
    result.nodes_by_type = _counts(pl.scan_parquet(nodes_path), "label", "type")
    result.edges_by_type = _counts(pl.scan_parquet(edges_path), "kind", "type")
    return result
