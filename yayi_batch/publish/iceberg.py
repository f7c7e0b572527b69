"""publish to Apache Iceberg tables (`output.format: iceberg`), in Ray Data.

Each staged table is read by Ray Data's tasks, given its `run_date` column, and written with
`Dataset.write_iceberg` in overwrite mode filtered to the run's date: the workers write the data
files, the driver makes one commit per table that replaces that date's rows, so a rerun gives
the same rows and a nightly run adds a date. A table the run left empty has its date's rows
deleted instead. `documents` is committed last: a reader that takes a date's documents sees
every other table of that date already committed. Each commit is marked in the staging folder
with its snapshot id, so a publish cut short is finished by the next attempt without committing
a table twice; the manifest records every table's snapshot id, then `_SUCCESS` is written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray.data
from ray.data import SaveMode
from ray.data.expressions import col

from yayi_batch.config import JobConfig
from yayi_batch.fs import arrow_filesystem, join
from yayi_batch.publish.iceberg_tables import (
    RUN_DATE,
    catalog_properties,
    ensure_table,
    load_catalog,
    shown,
    table_schema,
    write_pointer,
)
from yayi_batch.resources import LIGHT_STAGE_CPUS
from yayi_batch.schema import TABLES, Pass, RunId, Table
from yayi_batch.write.staged import PUBLISH_STARTED, StagedRun
from yayi_batch.write.tables import count_rows

log = logging.getLogger(__name__)

# `documents` last: see the module doc.
ORDER = [*(t for t in TABLES if t != Table.DOCUMENTS.value), Table.DOCUMENTS.value]


def _with_run_date(block: pa.Table, run_date: dt.date, schema: pa.Schema) -> pa.Table:
    """A staged block as the Iceberg table's rows: its columns in the table's order and types."""
    block = block.append_column(pa.field(RUN_DATE, pa.date32(), nullable=False), pa.array([run_date] * block.num_rows, pa.date32()))
    cols = [block.column(f.name) if f.name in block.column_names else pa.nulls(block.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(cols, schema=schema)


def _staged_schema(run: StagedRun, table: str) -> pa.Schema | None:
    folder = run.table_dir(table)
    files = sorted(p for p in run.fs.find(folder) if p.endswith(".parquet")) if run.fs.exists(folder) else []
    if not files:
        return None
    with run.fs.open(files[0], "rb") as fh:
        return pq.read_schema(fh)


def publish_iceberg(run: StagedRun, manifest: dict[str, Any], cfg: JobConfig) -> dict[str, Any]:
    """Commit every staged table, then the manifest (with the snapshot ids) and `_SUCCESS`;
    returns the manifest as published."""
    ice = cfg.output.iceberg
    props = catalog_properties(cfg.output.path, ice.catalog, cfg.output.storage_options)
    catalog = load_catalog(ice.catalog_name, props)
    fs = run.fs
    if not run.done(PUBLISH_STARTED):
        run.mark(PUBLISH_STARTED)
    if fs.exists(join(run.output, "_SUCCESS")):
        fs.rm(join(run.output, "_SUCCESS"))
    run_date = dt.date.fromisoformat(run.run_date)
    snapshots: dict[str, int | None] = {}
    identifiers = {t: f"{ice.namespace}.{ice.table_prefix}{t}" for t in ORDER}
    for table in ORDER:
        marker = f"{Pass.PUBLISH.value}-{table}"
        if run.done(marker):  # committed by an attempt that was cut short later
            with fs.open(run.folder("_done", marker), "r") as fh:
                snapshots[table] = json.loads(fh.read().splitlines()[-1]).get("snapshot_id")
            continue
        snapshots[table] = _commit_table(
            run, catalog, props, ice.catalog_name, identifiers[table], table, run_date, incremental=cfg.input.since_manifest
        )
        fs.makedirs(run.folder("_done"), exist_ok=True)
        with fs.open(run.folder("_done", marker), "w") as fh:
            fh.write(marker + "\n" + json.dumps({"snapshot_id": snapshots[table]}) + "\n")
    write_pointer(fs, run.output, ice.catalog_name, props, ice.namespace, identifiers)
    manifest = {**manifest, "iceberg": {"catalog": shown(props), "namespace": ice.namespace, "tables": identifiers, "snapshots": snapshots}}
    fs.makedirs(join(run.output, "_manifest"), exist_ok=True)
    with fs.open(join(run.output, "_manifest", f"{run.run_id}.json"), "w") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False, default=str)
    with fs.open(join(run.output, "_SUCCESS"), "w") as fh:
        fh.write(run.run_id + "\n")
    run.discard()
    return manifest


def _commit_table(
    run: StagedRun,
    catalog: Any,
    props: dict[str, Any],
    catalog_name: str,
    identifier: str,
    table: str,
    run_date: dt.date,
    *,
    incremental: bool,
) -> int | None:
    """One commit: the date's rows of `table` replaced by the staged ones (an incremental run
    replaces only its own earlier attempt and rows of another config on that date)."""
    from pyiceberg.expressions import And, EqualTo, NotStartsWith

    staged = _staged_schema(run, table)
    schema = table_schema(table, staged)
    ice_table = ensure_table(catalog, identifier, schema)
    schema = ice_table.schema().as_arrow()  # the table's own order, types and nullability
    snapshot_props = {"yayi.run_id": run.run_id, "yayi.run_date": run.run_date}
    same_date = col(RUN_DATE) == run.run_date
    if incremental:
        mine = f"{run.run_date}-{RunId.fingerprint_of(run.run_id)}-"
        other_config = And(EqualTo(RUN_DATE, run.run_date), NotStartsWith("run_id", mine))
        ice_table.delete(delete_filter=other_config, snapshot_properties=snapshot_props)
        ice_table = catalog.load_table(identifier)
        same_date = same_date & (col("run_id") == run.run_id)
    folder = run.table_dir(table)
    if count_rows(run.fs, folder):
        ds = ray.data.read_parquet(folder, filesystem=arrow_filesystem(run.fs), partitioning=None)
        ds = ds.map_batches(
            _with_run_date, fn_kwargs={"run_date": run_date, "schema": schema}, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS
        )
        ds.write_iceberg(
            identifier,
            catalog_kwargs={"name": catalog_name, **props},
            mode=SaveMode.OVERWRITE,
            overwrite_filter=same_date,
            snapshot_properties=snapshot_props,
        )
    else:  # nothing staged: the date (or this run's part of it) has no rows
        date_filter = EqualTo(RUN_DATE, run.run_date)
        ice_table.delete(
            delete_filter=And(date_filter, EqualTo("run_id", run.run_id)) if incremental else date_filter,
            snapshot_properties=snapshot_props,
        )
    snapshot = catalog.load_table(identifier).current_snapshot()
    log.info("iceberg %s: date %s committed (snapshot %s)", identifier, run.run_date, snapshot.snapshot_id if snapshot else None)
    return snapshot.snapshot_id if snapshot else None
