"""read, on the driver: the list of input shards, fixed once, and every shard's schema checked.

A missing or mistyped column is an error naming the file and the column before the model
loads, not a crash inside a worker. Pure: fsspec and pyarrow (the Ray reader is read/dataset.py).
"""

from __future__ import annotations

import logging
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from yayi_batch.config import InputConfig
from yayi_batch.failures import storage_cause
from yayi_batch.fs import display_uri, endpoint_of, filesystem, protocol_of

log = logging.getLogger(__name__)


class InputError(ValueError):
    """Input that cannot be read; the message names the file (and the field or row)."""


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_id(t: pa.DataType) -> bool:
    return _is_text(t) or pa.types.is_integer(t)


def _comparable(t: pa.DataType) -> str:
    """A type as compared across shards: the three string layouts are one type."""
    return "string" if _is_text(t) else str(t)


def check_schemas(fs: Any, files: list[dict[str, Any]], cfg: InputConfig) -> list[dict[str, Any]]:
    """Every shard has the id, text and passthrough columns, with usable types.

    A file that is not readable Parquet (corrupt, truncated, another format) is an error naming
    it; with `input.on_bad_file: skip` it is left out instead and returned as
    `{"path", "error"}` (the run writes an errors row for it and lists it in the manifest).
    Ids may be integers in one shard and strings in another: every id becomes a string.
    A passthrough column must have one type in every shard (an error names both files).
    """
    problems: list[str] = []
    bad: list[dict[str, Any]] = []
    seen: dict[str, tuple[str, str]] = {}  # passthrough column -> (type, first file with it)
    for f in files:
        try:
            with fs.open(f["fs_path"], "rb") as fh:
                schema = pq.read_schema(fh)
        except Exception as exc:  # a corrupt or non-Parquet file: say which
            if storage_cause(exc) is not None:  # the storage failed, not the file: never skip it as corrupt
                raise storage_error(f["path"], cfg.storage_options, exc) from None
            message = f"not a readable Parquet file ({type(exc).__name__}: {str(exc)[:200]})"
            bad.append({"path": f["path"], "error": message})
            if cfg.on_bad_file == "fail":
                problems.append(f"{f['path']}: {message} (input.on_bad_file=skip leaves such files out)")
            continue
        names = set(schema.names)
        # Shards whose columns differ in type (int ids here, string ids there) are read apart
        # and cast to one schema (read/dataset.py): Ray Data refuses to unify them in one read.
        f["schema_key"] = ";".join(
            f"{c}:{schema.field(c).type}" for c in dict.fromkeys([cfg.id_column, cfg.text_column, *cfg.passthrough_columns]) if c in names
        )
        for col, kind, ok in ((cfg.id_column, "id", _is_id), (cfg.text_column, "text", _is_text)):
            if col not in names:
                problems.append(f"{f['path']}: no {kind} column {col!r} (columns: {', '.join(schema.names)})")
            elif not ok(schema.field(col).type):
                expected = "string or integer" if kind == "id" else "string"
                problems.append(f"{f['path']}: {kind} column {col!r} has type {schema.field(col).type}, expected {expected}")
        for col in cfg.passthrough_columns:
            if col not in names:
                problems.append(f"{f['path']}: no passthrough column {col!r}")
                continue
            typ = _comparable(schema.field(col).type)
            first = seen.setdefault(col, (typ, f["path"]))
            if first[0] != typ:
                problems.append(
                    f"passthrough column {col!r} has type {first[0]} in {first[1]} "
                    f"but {typ} in {f['path']}: give it one type in every shard"
                )
    if problems:
        raise InputError("input schema check failed:\n  " + "\n  ".join(problems))
    if bad:
        log.warning("input.on_bad_file=skip: left out %d unreadable file(s): %s", len(bad), ", ".join(b["path"] for b in bad))
    return bad


def list_inputs(cfg: InputConfig) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    """(fs, readable files, skipped bad files): the shards of a run, checked."""
    fs, files = list_parquet_files(cfg.paths, cfg.storage_options)
    bad = check_schemas(fs, files, cfg)
    skipped = {b["path"] for b in bad}
    good = [f for f in files if f["path"] not in skipped]
    if not good:
        raise InputError(f"input {', '.join(cfg.paths)}: no readable Parquet file (all {len(bad)} skipped as unreadable)")
    return fs, good, bad


def storage_error(uri: str, storage_options: dict[str, Any] | None, exc: BaseException) -> InputError:
    """A storage fault while listing or checking inputs (after the configured retries), in one line
    naming the URI and where it was asked."""
    endpoint = endpoint_of(uri, storage_options)
    return InputError(f"input {uri}: storage failed{f' at {endpoint}' if endpoint else ''}: {storage_cause(exc)}")


def _matches(fs: fsspec.AbstractFileSystem, path: str) -> dict[str, Any] | None:
    if any(ch in path for ch in "*?["):
        return fs.glob(path, detail=True)
    if fs.isdir(path):
        return fs.find(path, detail=True)
    if fs.exists(path):
        return {path: fs.info(path)}
    return None


def list_parquet_files(
    uris: list[str], storage_options: dict[str, Any] | None = None
) -> tuple[fsspec.AbstractFileSystem, list[dict[str, Any]]]:
    """Expand folders and globs into a sorted list of Parquet files with size and etag/mtime.

    The list is fixed once at the start of a run: a shard that lands while the job runs belongs
    to the next run, and the manifest can say exactly what this one read.
    """
    fs0 = None
    found: dict[str, dict[str, Any]] = {}
    for uri in uris:
        fs, path = filesystem(uri, storage_options)
        if fs0 is not None and protocol_of(fs) != protocol_of(fs0):
            raise InputError(f"input paths mix storage systems ({protocol_of(fs0)} and {protocol_of(fs)}); use one")
        fs0 = fs
        try:
            matches = _matches(fs, path)
        except Exception as exc:
            if storage_cause(exc) is None:
                raise
            raise storage_error(uri, storage_options, exc) from None
        if matches is None:
            raise InputError(f"input {uri}: no such file or folder")
        if not matches and any(ch in path for ch in "*?["):
            raise InputError(f"input {uri}: nothing matches this pattern")
        every = sorted(p for p, info in matches.items() if info.get("type") == "file")
        files = {p: matches[p] for p in every if p.endswith(".parquet")}
        if not files:
            others = ", ".join(display_uri(fs, p) for p in every[:10]) + (f" (+{len(every) - 10} more)" if len(every) > 10 else "")
            raise InputError(f"input {uri}: no .parquet files there" + (f"; found only {others}" if every else ""))
        found.update(files)
    assert fs0 is not None
    listing = [
        {
            "path": display_uri(fs0, p),
            "fs_path": p,
            "size": int(info.get("size") or 0),
            "version": str(info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified") or ""),
        }
        for p, info in sorted(found.items())
    ]
    return fs0, listing
