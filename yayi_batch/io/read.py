"""read: Parquet shards -> a Ray Dataset of documents (doc_id, text, source path, passthrough).

The schema of every shard is checked once on the driver before anything starts, so a missing
or mistyped column is an error naming the file and the column, not a crash inside a worker.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray.data

from yayi_batch.config import InputConfig
from yayi_batch.io.fs import InputError, arrow_filesystem, list_parquet_files


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_id(t: pa.DataType) -> bool:
    return _is_text(t) or pa.types.is_integer(t)


def check_schemas(fs: Any, files: list[dict[str, Any]], cfg: InputConfig) -> None:
    """Every shard has the id, text and passthrough columns, with usable types."""
    problems = []
    for f in files:
        try:
            with fs.open(f["fs_path"], "rb") as fh:
                schema = pq.read_schema(fh)
        except Exception as exc:  # a corrupt or non-Parquet file: say which
            problems.append(f"{f['path']}: not a readable Parquet file ({type(exc).__name__}: {exc})")
            continue
        names = set(schema.names)
        for col, kind, ok in ((cfg.id_column, "id", _is_id), (cfg.text_column, "text", _is_text)):
            if col not in names:
                problems.append(f"{f['path']}: no {kind} column {col!r} (columns: {', '.join(schema.names)})")
            elif not ok(schema.field(col).type):
                problems.append(f"{f['path']}: {kind} column {col!r} has type {schema.field(col).type}, expected string")
        for col in cfg.passthrough_columns:
            if col not in names:
                problems.append(f"{f['path']}: no passthrough column {col!r}")
    if problems:
        raise InputError("input schema check failed:\n  " + "\n  ".join(problems))


def list_inputs(cfg: InputConfig) -> tuple[Any, list[dict[str, Any]]]:
    fs, files = list_parquet_files(cfg.paths, cfg.storage_options)
    check_schemas(fs, files, cfg)
    return fs, files


def read_documents(fs: Any, files: list[dict[str, Any]], cfg: InputConfig) -> ray.data.Dataset:
    """The documents of exactly these files; columns renamed to doc_id / text / source_path."""
    columns = list(dict.fromkeys([cfg.id_column, cfg.text_column, *cfg.passthrough_columns]))
    ds = ray.data.read_parquet(
        [f["fs_path"] for f in files],
        filesystem=arrow_filesystem(fs),
        columns=columns,
        include_paths=True,
        partitioning=None,
    )
    rename = {cfg.id_column: "doc_id", cfg.text_column: "text", "path": "source_path"}
    return ds.rename_columns({k: v for k, v in rename.items() if k != v})
