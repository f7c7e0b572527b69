"""read, in Ray: the listed shards -> a Ray Dataset of documents (doc_id, text, source_path, passthrough)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import ray.data
from ray.data.expressions import col

from yayi_batch.config import InputConfig
from yayi_batch.fs import arrow_filesystem
from yayi_batch.read.duplicates import DuplicateIds, describe_duplicates, duplicated_rows, later_occurrences
from yayi_batch.shuffle import by_key

MAX_NAMED_DUPLICATES = 20


def as_strings(batch: pa.Table) -> pa.Table:
    """Ids as strings (an int id in one shard, a string in another: one id space) and the three
    string layouts as one, so blocks of different shards concatenate. Pure; applied per block."""
    for i, field in enumerate(batch.schema):
        t = field.type
        if field.name == "doc_id" and pa.types.is_integer(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            batch = batch.set_column(i, field.name, batch.column(i).cast(pa.string()))
    return batch


def read_documents(
    fs: Any, files: list[dict[str, Any]], cfg: InputConfig, *, row_hash: bool = False, columns: list[str] | None = None
) -> ray.data.Dataset:
    """The documents of exactly these files; columns renamed to doc_id / text / source_path.

    `row_hash`: Ray Data's deterministic hash of (file, row position), the identity of a row
    that duplicate-id handling uses (the same for every read of the same files)."""
    columns = columns or list(dict.fromkeys([cfg.id_column, cfg.text_column, *cfg.passthrough_columns]))
    groups: dict[str, list[str]] = {}
    for f in files:  # one read per column-type signature (read/listing.py's schema_key)
        groups.setdefault(f.get("schema_key", ""), []).append(f["fs_path"])
    rename = {cfg.id_column: "doc_id", cfg.text_column: "text", "path": "source_path"}
    parts = []
    for paths in groups.values():
        ds = ray.data.read_parquet(
            paths,
            filesystem=arrow_filesystem(fs),
            columns=columns,
            include_paths=True,
            include_row_hash=row_hash,
            partitioning=None,
        )
        ds = ds.rename_columns({k: v for k, v in rename.items() if k != v and (k in columns or k == "path")})
        parts.append(ds.map_batches(as_strings, batch_format="pyarrow", batch_size=None, zero_copy_batch=True))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def find_duplicate_ids(fs: Any, files: list[dict[str, Any]], cfg: InputConfig) -> DuplicateIds:
    """Duplicated ids, counted by Ray Data over the id column only (the driver never holds all ids).

    Returns the first `MAX_NAMED_DUPLICATES` ids with their files (for the error message) and,
    for `keep_first`, the row hashes of every occurrence after the kept one (O(duplicates)).
    """
    ids = read_documents(fs, files, cfg, row_hash=True, columns=[cfg.id_column]).materialize()
    # All rows of an id meet in one partition, which keeps the rows of its duplicated ids only.
    dup = by_key(ids, ids.count(), "doc_id").map_batches(duplicated_rows, batch_size=None, batch_format="pyarrow").materialize()
    named = sorted({r["doc_id"] for r in dup.filter(expr=col("first_of_id")).take(MAX_NAMED_DUPLICATES)})
    if not named:
        return DuplicateIds(0, 0, {}, frozenset())
    n_ids = sum(
        int(pc.sum(b["first_of_id"]).as_py() or 0) for b in dup.select_columns(["first_of_id"]).iter_batches(batch_format="pyarrow")
    )
    if cfg.duplicate_ids == "fail":
        wanted = set(named)
        rows = dup.filter(expr=col("doc_id").is_in(named)).take_all()
        return DuplicateIds(n_ids, 0, describe_duplicates([r for r in rows if r["doc_id"] in wanted], files), frozenset())
    # keep_first: every occurrence of a duplicated id (O(duplicates)); the kept one is chosen here.
    occurrences = dup.drop_columns(["first_of_id"]).take_all()
    later = later_occurrences(occurrences, files)
    return DuplicateIds(n_ids, len(later), describe_duplicates([r for r in occurrences if r["doc_id"] in set(named)], files), later)
