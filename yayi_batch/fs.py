"""The one filesystem entry point: a path or URI plus options -> an fsspec filesystem.

Every reader and writer of the job (inputs, staging, published tables, manifests, models,
reports) goes through `filesystem`, so a storage option set in the config applies everywhere.
Pure: fsspec and pyarrow only.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

import fsspec
import pyarrow.fs as pafs
from fsspec.core import url_to_fs

# Object stores have bad minutes (a 503 SlowDown, a dropped connection, an endpoint that is gone
# for a few seconds): every S3 call is retried by botocore with exponential backoff and jitter
# (standard mode, delays up to 20 s, ~1 minute budget in all) unless the user set retries.
S3_RETRIES: dict[str, Any] = {"max_attempts": 10, "mode": "standard"}


def s3_defaults(uri: str, storage_options: dict[str, Any] | None) -> dict[str, Any]:
    """The storage options with the default S3 retry config added (the user's own wins), and
    without s3fs's listing cache."""
    options = dict(storage_options or {})
    if uri.split("://", 1)[0] in ("s3", "s3a"):
        config = dict(options.get("config_kwargs") or {})
        config.setdefault("retries", dict(S3_RETRIES))
        options["config_kwargs"] = config
        # fsspec caches filesystem instances per process, and a Ray worker lives through all the
        # passes of a run: a cached listing made before a forced rerun cleared and rewrote a
        # staging folder would name files that are gone.
        options.setdefault("use_listings_cache", False)
    return options


def filesystem(uri: str, storage_options: dict[str, Any] | None = None) -> tuple[fsspec.AbstractFileSystem, str]:
    """(fs, path without protocol) for a local path or any fsspec URI (S3: with retries)."""
    fs, path = url_to_fs(uri, **s3_defaults(uri, storage_options))
    return fs, path


def endpoint_of(uri: str, storage_options: dict[str, Any] | None) -> str | None:
    """Where an object-store URI is asked: the configured endpoint, or the provider's default."""
    protocol = uri.split("://", 1)[0] if "://" in uri else "file"
    if protocol not in ("s3", "s3a"):
        return None
    options = storage_options or {}
    return (
        (options.get("client_kwargs") or {}).get("endpoint_url")
        or options.get("endpoint_url")
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or "the AWS S3 endpoint"
    )


def arrow_filesystem(fs: fsspec.AbstractFileSystem) -> pafs.FileSystem:
    """The pyarrow view of an fsspec filesystem, for Ray Data readers and writers."""
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs))


def is_local(uri: str) -> bool:
    """A path on this machine's filesystem (a plain path or `file://`), not an object store."""
    return "://" not in uri or uri.startswith("file://")


def join(base: str, *parts: str) -> str:
    return posixpath.join(base.rstrip("/"), *parts)


def protocol_of(fs: fsspec.AbstractFileSystem) -> str:
    proto = fs.protocol
    return proto[0] if isinstance(proto, (tuple, list)) else proto


def display_uri(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """A path as the user would write it: s3://bucket/key, or a local path."""
    proto = protocol_of(fs)
    return path if proto in ("file", "local") else f"{proto}://{path}"


def installed_package_dir(package: str) -> Path | None:
    """The folder of an installed package (where data-shipping packages keep their files), or None."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    return Path(spec.origin).parent if spec is not None and spec.origin is not None else None
