"""Read a published yayi-batch output folder: its Hive-partitioned tables and run manifests.

Shared by ``evaluation`` and ``report`` so both see the same rows. Local folders are scanned
lazily with polars; any other fsspec URL (``s3://...``) is read file by file through fsspec,
so credentials and endpoints follow the usual fsspec ``storage_options``.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Sequence
from typing import Any

import polars as pl

from yayi_batch.fs import filesystem
from yayi_batch.schema import TABLES

_DATE_DIR = re.compile(r"/date=([^/]+)/")
# The passthrough columns of `documents` may differ between dates: read the union of columns
# instead of failing (these options exist in recent polars only; older ones need one schema).
_DRIFT_OPTIONS = (
    {"missing_columns": "insert", "extra_columns": "ignore"}
    if {"missing_columns", "extra_columns"} <= set(inspect.signature(pl.scan_parquet).parameters)
    else {}
)


def _fs(output_dir: str, storage_options: dict | None = None) -> tuple[Any, str]:
    fs, root = filesystem(output_dir, storage_options)
    return fs, root.rstrip("/")


def is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def empty_table(name: str) -> pl.DataFrame:
    """An empty frame with the table's schema (plus the ``date`` partition column)."""
    return pl.from_arrow(TABLES[name].empty_table()).with_columns(pl.lit(None, pl.String).alias("date"))


def table_files(output_dir: str, name: str, storage_options: dict | None = None) -> list[str]:
    fs, root = _fs(output_dir, storage_options)
    return sorted(fs.glob(f"{root}/{name}/**/*.parquet"))


def scan_table(
    output_dir: str,
    name: str,
    *,
    columns: Sequence[str] | None = None,
    run_id: str | None = None,
    storage_options: dict | None = None,
) -> pl.LazyFrame:
    """Rows of one table (all dates), optionally only ``columns`` and one ``run_id``.

    A missing table is an empty frame with the schema.py columns: a run with no relations
    task simply has none, and callers should not need a special case for it.
    """
    files = table_files(output_dir, name, storage_options)
    if not files:
        lf = empty_table(name).lazy()
    elif is_local(output_dir):
        lf = pl.scan_parquet(
            f"{output_dir.removeprefix('file://').rstrip('/')}/{name}/**/*.parquet",
            hive_partitioning=True,
            hive_schema={"date": pl.String},  # date=... is a label, not arithmetic
            **_DRIFT_OPTIONS,
        )
    else:
        fs, _ = _fs(output_dir, storage_options)
        frames = []
        for path in files:
            with fs.open(path, "rb") as fh:
                frame = pl.read_parquet(fh)
            found = _DATE_DIR.search(path)
            frames.append(frame.with_columns(pl.lit(found.group(1) if found else None, pl.String).alias("date")))
        # diagonal_relaxed: passthrough columns of documents may differ between dates
        lf = pl.concat(frames, how="diagonal_relaxed").lazy()
    names = lf.collect_schema().names()
    if run_id is not None:
        lf = lf.filter(pl.col("run_id") == run_id)
    if columns is not None:
        lf = lf.select([pl.col(c) if c in names else pl.lit(None).alias(c) for c in columns])
    return lf


def read_table(output_dir: str, name: str, **kwargs: Any) -> pl.DataFrame:
    return scan_table(output_dir, name, **kwargs).collect()


def read_manifests(output_dir: str, storage_options: dict | None = None) -> list[dict]:
    """All run manifests, oldest first (by finished_at, then run_id)."""
    fs, root = _fs(output_dir, storage_options)
    manifests = []
    for path in sorted(fs.glob(f"{root}/_manifest/*.json")):
        with fs.open(path, "r", encoding="utf-8") as fh:
            manifests.append(json.load(fh))
    return sorted(manifests, key=lambda m: (str(m.get("finished_at") or ""), str(m.get("run_id") or "")))


def pick_manifest(manifests: list[dict], run_id: str | None) -> dict | None:
    """The manifest of ``run_id``, or the latest one when run_id is None."""
    if run_id is None:
        return manifests[-1] if manifests else None
    for manifest in manifests:
        if manifest.get("run_id") == run_id:
            return manifest
    return None


def has_success(output_dir: str, storage_options: dict | None = None) -> bool:
    fs, root = _fs(output_dir, storage_options)
    return bool(fs.exists(f"{root}/_SUCCESS"))


def write_text(path: str, text: str, storage_options: dict | None = None) -> str:
    """Write a text file on any fsspec store, creating parent folders locally."""
    fs, local_path = _fs(path, storage_options)
    parent = local_path.rsplit("/", 1)[0]
    if parent:
        fs.makedirs(parent, exist_ok=True)
    with fs.open(local_path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def read_graph_summary(output_dir: str, storage_options: dict | None = None) -> dict | None:
    """The summary `yayi-batch kg` saved for a graph built from this output, if any."""
    fs, root = _fs(output_dir, storage_options)
    path = f"{root}/_graph/summary.json"
    if not fs.exists(path):
        return None
    with fs.open(path, "r", encoding="utf-8") as fh:
        return json.load(fh)
