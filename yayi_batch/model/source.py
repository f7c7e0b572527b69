"""What kind of model source a string is, decided in one place. Pure.

`model.source` (and `model.tokenizer`) is an embedded model (`embedded:...`), an object-store
URI (`s3://...`, any fsspec protocol but `file`), or a path on the local filesystem (a plain
path or `file://`), which on a cluster must exist on every node.
"""

from __future__ import annotations

import enum
from pathlib import Path

from yayi_batch.fs import is_local


class ModelSourceError(RuntimeError):
    """The configured model cannot be prepared (missing package, bad folder, unknown name)."""


class SourceKind(str, enum.Enum):
    EMBEDDED = "embedded"
    REMOTE = "remote"  # an object-store URI, downloaded into each node's cache
    LOCAL = "local"  # a folder that must exist on every node


def kind_of(source: str) -> SourceKind:
    if source.startswith("embedded:"):
        return SourceKind.EMBEDDED
    return SourceKind.LOCAL if is_local(source) else SourceKind.REMOTE


def local_path(source: str) -> Path:
    """The folder a local source names."""
    return Path(source.removeprefix("file://")).expanduser()
