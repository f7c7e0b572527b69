"""fsspec helpers: one way to turn a path or URI plus options into a filesystem."""

from __future__ import annotations

import posixpath
from typing import Any

import fsspec
import pyarrow.fs as pafs
from fsspec.core import url_to_fs


class InputError(ValueError):
    """Input that cannot be read; the message names the file (and the field or row)."""


def filesystem(uri: str, storage_options: dict[str, Any] | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """(fs, path without protocol) for a local path or any fsspec URI."""
    fs, path = url_to_fs(uri, **(storage_options or {}))
    return fs, path


def arrow_filesystem(fs: fsspec.AbstractFileSystem) -> pafs.FileSystem:
    """The pyarrow view of an fsspec filesystem, for Ray Data readers and writers."""
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs))


def join(base: str, *parts: str) -> str:
    return posixpath.join(base.rstrip("/"), *parts)


def protocol_of(fs: fsspec.AbstractFileSystem) -> str:
    proto = fs.protocol
    return proto[0] if isinstance(proto, (tuple, list)) else proto


def display_uri(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """A path as the user would write it: s3://bucket/key, or a local path."""
    proto = protocol_of(fs)
    return path if proto in ("file", "local") else f"{proto}://{path}"


def list_parquet_files(uris: list[str], storage_options: dict[str, Any] | None = None) -> tuple[fsspec.AbstractFileSystem, list[dict[str, Any]]]:
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
        if any(ch in path for ch in "*?["):
            matches = fs.glob(path, detail=True)
        elif fs.isdir(path):
            matches = fs.find(path, detail=True)
        elif fs.exists(path):
            matches = {path: fs.info(path)}
        else:
            raise InputError(f"input {uri}: no such file or folder")
        files = {p: info for p, info in matches.items() if info.get("type") == "file" and p.endswith(".parquet")}
        if not files:
            raise InputError(f"input {uri}: no .parquet files there")
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
