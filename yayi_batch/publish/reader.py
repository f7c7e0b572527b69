"""Read a published yayi-batch output: its tables (Hive-partitioned Parquet folders, or Iceberg
tables) and the files beside them (run manifests, `_SUCCESS`, the graph summary).

The one reader of published outputs: `yayi-batch eval`, `report` and `kg` see the same rows
through `PublishedOutput`, whatever the format. Local Parquet is scanned lazily with polars; any
other fsspec URL (`s3://...`) through pyarrow datasets over the fsspec filesystem, so
credentials and endpoints follow the usual fsspec `storage_options`. An Iceberg output is found
by its `_iceberg.json` and read through its catalog. A table or date with no rows is an empty
frame with the schema/tables.py columns: callers need no special case for a task that was not
run. Pure module: no ray, no vllm.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow.dataset as pads

from yayi_batch.fs import arrow_filesystem, filesystem, is_local
from yayi_batch.publish.iceberg_tables import RUN_DATE, catalog_properties, load_catalog, read_pointer
from yayi_batch.schema import TABLES

_DATE_DIR = re.compile(r"^date=(.+)$")
# The passthrough columns of `documents` may differ between dates: read the union of columns
# instead of failing (these options exist in recent polars only; older ones need one schema).
_DRIFT_OPTIONS = (
    {"missing_columns": "insert", "extra_columns": "ignore"}
    if {"missing_columns", "extra_columns"} <= set(inspect.signature(pl.scan_parquet).parameters)
    else {}
)


def empty_table(name: str) -> pl.DataFrame:
    """An empty frame with the table's schema (plus the ``date`` partition column)."""
    return pl.from_arrow(TABLES[name].empty_table()).with_columns(pl.lit(None, pl.String).alias("date"))


def _select(lf: pl.LazyFrame, columns: Sequence[str] | None, run_id: str | None) -> pl.LazyFrame:
    names = lf.collect_schema().names()
    if run_id is not None:
        lf = lf.filter(pl.col("run_id") == run_id)
    if columns is not None:
        lf = lf.select([pl.col(c) if c in names else pl.lit(None).alias(c) for c in columns])
    return lf


@dataclass
class PublishedOutput:
    """A published output prefix (a local folder or an fsspec URL), Parquet folders."""

    uri: str
    storage_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fs, root = filesystem(self.uri, self.storage_options)
        self.root = root.rstrip("/")
        self.local = is_local(self.uri)

    @staticmethod
    def open(uri: str, storage_options: dict[str, Any] | None = None) -> PublishedOutput:
        """The reader for what is published at `uri`: Iceberg tables when `_iceberg.json` says so."""
        pointer = read_pointer(uri, storage_options)
        if pointer is not None:
            return IcebergOutput(uri, storage_options or {}, pointer)
        return PublishedOutput(uri, storage_options or {})

    # --- the tables -------------------------------------------------------------------------
    def dates(self, tables: Iterable[str]) -> list[str]:
        """Every date partition found under any of `tables`, sorted."""
        found: set[str] = set()
        for table in tables:
            base = f"{self.root}/{table}"
            if not self.fs.exists(base):
                continue
            for entry in self.fs.ls(base, detail=False):
                match = _DATE_DIR.match(entry.rstrip("/").rsplit("/", 1)[-1])
                if match:
                    found.add(match.group(1))
        return sorted(found)

    def files(self, table: str, date: str | None = None) -> dict[str, Any]:
        """{path: info} of the Parquet files of one table (and date), sorted."""
        folder = f"{self.root}/{table}" + (f"/date={date}" if date is not None else "")
        if not self.fs.exists(folder):
            return {}
        found = self.fs.find(folder, detail=True)
        return {p: info for p, info in sorted(found.items()) if p.endswith(".parquet")}

    def fingerprint(self, date: str, tables: Iterable[str]) -> str:
        """What a date's files are (path, size, etag or mtime): a republished date changes it."""
        listing = []
        for table in tables:
            for path, info in self.files(table, date).items():
                version = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified") or ""
                listing.append([path, int(info.get("size") or 0), str(version)])
        return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]

    def scan(self, table: str, date: str) -> pl.LazyFrame:
        """The rows of one table on one date, with the schema/tables.py columns (no date column)."""
        files = list(self.files(table, date))
        schema = TABLES[table]
        if not files:
            return pl.from_arrow(schema.empty_table()).lazy()
        if self.local:
            return pl.scan_parquet(files, hive_partitioning=False)
        dataset = pads.dataset(files, schema=schema, format="parquet", filesystem=arrow_filesystem(self.fs))
        return pl.scan_pyarrow_dataset(dataset)

    def scan_table(self, name: str, *, columns: Sequence[str] | None = None, run_id: str | None = None) -> pl.LazyFrame:
        """Rows of one table (every date, with a `date` column), optionally only `columns` and one `run_id`."""
        files = list(self.files(name))
        if not files:
            lf = empty_table(name).lazy()
        elif self.local:
            lf = pl.scan_parquet(
                f"{self.root}/{name}/**/*.parquet",
                hive_partitioning=True,
                hive_schema={"date": pl.String},  # date=... is a label, not arithmetic
                **_DRIFT_OPTIONS,
            )
        else:
            frames = []
            for path in files:
                with self.fs.open(path, "rb") as fh:
                    frame = pl.read_parquet(fh)
                found = _DATE_DIR.match(path.rsplit("/", 2)[-2])
                frames.append(frame.with_columns(pl.lit(found.group(1) if found else None, pl.String).alias("date")))
            # diagonal_relaxed: passthrough columns of documents may differ between dates
            lf = pl.concat(frames, how="diagonal_relaxed").lazy()
        return _select(lf, columns, run_id)

    # --- the files beside them --------------------------------------------------------------
    def manifests(self) -> list[dict]:
        """All run manifests, oldest first (by finished_at, then run_id)."""
        manifests = []
        for path in sorted(self.fs.glob(f"{self.root}/_manifest/*.json")):
            with self.fs.open(path, "r", encoding="utf-8") as fh:
                manifests.append(json.load(fh))
        return sorted(manifests, key=lambda m: (str(m.get("finished_at") or ""), str(m.get("run_id") or "")))

    def has_success(self) -> bool:
        return bool(self.fs.exists(f"{self.root}/_SUCCESS"))

    def graph_summary(self) -> dict | None:
        """The summary `yayi-batch kg` saved for a graph built from this output, if any."""
        path = f"{self.root}/_graph/summary.json"
        if not self.fs.exists(path):
            return None
        with self.fs.open(path, "r", encoding="utf-8") as fh:
            return json.load(fh)


@dataclass
class IcebergOutput(PublishedOutput):
    """An output published as Iceberg tables (`output.format: iceberg`): read through its catalog."""

    pointer: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        props = catalog_properties(self.uri, self.pointer.get("catalog", {}), self.storage_options)
        self.catalog = load_catalog(str(self.pointer.get("catalog_name", "yayi")), props)
        self._tables: dict[str, Any] = {}

    def _table(self, name: str) -> Any | None:
        from pyiceberg.exceptions import NoSuchTableError

        identifier = self.pointer["tables"].get(name)
        if identifier is None:
            return None
        if name not in self._tables:
            try:
                self._tables[name] = self.catalog.load_table(identifier)
            except NoSuchTableError:
                return None
        return self._tables[name]

    def dates(self, tables: Iterable[str]) -> list[str]:
        found: set[str] = set()
        for name in tables:
            table = self._table(name)
            if table is not None and table.current_snapshot() is not None:
                for row in table.inspect.partitions().column("partition").to_pylist():
                    if row and row.get(RUN_DATE) is not None:
                        found.add(str(row[RUN_DATE]))
        return sorted(found)

    def fingerprint(self, date: str, tables: Iterable[str]) -> str:
        """The tables' current snapshots: a recommitted date changes them."""
        listing = []
        for name in tables:
            table = self._table(name)
            snapshot = table.current_snapshot() if table is not None else None
            listing.append([name, snapshot.snapshot_id if snapshot else None])
        return hashlib.sha256(json.dumps([date, listing]).encode()).hexdigest()[:16]

    def _rows(self, name: str, date: str | None) -> pl.DataFrame | None:
        from pyiceberg.expressions import AlwaysTrue, EqualTo

        table = self._table(name)
        if table is None or table.current_snapshot() is None:
            return None
        arrow = table.scan(row_filter=EqualTo(RUN_DATE, date) if date is not None else AlwaysTrue()).to_arrow()
        return pl.from_arrow(arrow) if arrow.num_rows else None

    def scan(self, table: str, date: str) -> pl.LazyFrame:
        rows = self._rows(table, date)
        if rows is None:
            return pl.from_arrow(TABLES[table].empty_table()).lazy()
        return rows.drop(RUN_DATE).lazy()

    def scan_table(self, name: str, *, columns: Sequence[str] | None = None, run_id: str | None = None) -> pl.LazyFrame:
        rows = self._rows(name, None)
        if rows is None:
            lf = empty_table(name).lazy()
        else:
            lf = rows.with_columns(pl.col(RUN_DATE).cast(pl.String).alias("date")).drop(RUN_DATE).lazy()
        return _select(lf, columns, run_id)


# --- the functions callers use --------------------------------------------------------------------


def scan_table(
    output_dir: str, name: str, *, columns: Sequence[str] | None = None, run_id: str | None = None, storage_options: dict | None = None
) -> pl.LazyFrame:
    """Rows of one table (all dates), optionally only ``columns`` and one ``run_id``."""
    return PublishedOutput.open(output_dir, storage_options).scan_table(name, columns=columns, run_id=run_id)


def read_table(output_dir: str, name: str, **kwargs: Any) -> pl.DataFrame:
    return scan_table(output_dir, name, **kwargs).collect()


def read_manifests(output_dir: str, storage_options: dict | None = None) -> list[dict]:
    """All run manifests, oldest first (by finished_at, then run_id)."""
    return PublishedOutput(output_dir, storage_options or {}).manifests()


def pick_manifest(manifests: list[dict], run_id: str | None) -> dict | None:
    """The manifest of ``run_id``, or the latest one when run_id is None."""
    if run_id is None:
        return manifests[-1] if manifests else None
    for manifest in manifests:
        if manifest.get("run_id") == run_id:
            return manifest
    return None


def has_success(output_dir: str, storage_options: dict | None = None) -> bool:
    return PublishedOutput(output_dir, storage_options or {}).has_success()


def read_graph_summary(output_dir: str, storage_options: dict | None = None) -> dict | None:
    """The summary `yayi-batch kg` saved for a graph built from this output, if any."""
    return PublishedOutput(output_dir, storage_options or {}).graph_summary()


def write_text(path: str, text: str, storage_options: dict | None = None) -> str:
    """Write a text file on any fsspec store, creating parent folders locally."""
    fs, local_path = filesystem(path, storage_options)
    parent = local_path.rstrip("/").rsplit("/", 1)[0]
    if parent:
        fs.makedirs(parent, exist_ok=True)
    with fs.open(local_path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
