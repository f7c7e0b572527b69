"""Read a published yayi-batch output one date at a time, lazily, local or remote.

``{output}/{table}/date={D}/part-*.parquet``. Local files are scanned with polars' native
reader; any other fsspec URL (``s3://``) through a pyarrow dataset over the fsspec filesystem,
so both stream in batches and credentials follow the usual fsspec ``storage_options``.
A table or date with no files is an empty frame of the schema.py columns.
Pure module: no ray, no vllm.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow.dataset as pads

from yayi_batch.fs import arrow_filesystem, filesystem
from yayi_batch.schema import TABLES

# The tables the graph is built from.
GRAPH_TABLES = ("entities", "relations", "events", "event_arguments")
_DATE_DIR = re.compile(r"^date=(.+)$")


def _is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


@dataclass
class PublishedOutput:
    """A published output prefix: a local folder or an fsspec URL."""

    uri: str
    storage_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.fs, root = filesystem(self.uri, self.storage_options)
        self.root = root.rstrip("/")
        self.local = _is_local(self.uri)

    def dates(self) -> list[str]:
        """Every date partition found under any of the graph tables, sorted."""
        found: set[str] = set()
        for table in GRAPH_TABLES:
            base = f"{self.root}/{table}"
            if not self.fs.exists(base):
                continue
            for entry in self.fs.ls(base, detail=False):
                match = _DATE_DIR.match(entry.rstrip("/").rsplit("/", 1)[-1])
                if match:
                    found.add(match.group(1))
        return sorted(found)

    def files(self, table: str, date: str) -> dict[str, Any]:
        """{path: info} of the Parquet files of one table and date."""
        folder = f"{self.root}/{table}/date={date}"
        if not self.fs.exists(folder):
            return {}
        found = self.fs.find(folder, detail=True)
        return {p: info for p, info in sorted(found.items()) if p.endswith(".parquet")}

    def fingerprint(self, date: str) -> str:
        """What the date's files are (path, size, etag or mtime): a republished date changes it."""
        listing = []
        for table in GRAPH_TABLES:
            for path, info in self.files(table, date).items():
                version = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified") or ""
                listing.append([path, int(info.get("size") or 0), str(version)])
        return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]

    def scan(self, table: str, date: str) -> pl.LazyFrame:
        """The rows of one table on one date, with the schema.py columns (no date column)."""
        files = list(self.files(table, date))
        schema = TABLES[table]
        if not files:
            return pl.from_arrow(schema.empty_table()).lazy()
        if self.local:
            return pl.scan_parquet(files, hive_partitioning=False)
        dataset = pads.dataset(files, schema=schema, format="parquet", filesystem=arrow_filesystem(self.fs))
        return pl.scan_pyarrow_dataset(dataset)
