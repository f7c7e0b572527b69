"""finalize: overlapping chunks (and a chunk and its retry) find a mention twice; its id hashes
document offsets, so both copies have one id: keep one row per id. Pure: the per-block reduce and
the file swap; the shuffle (hash-partitioned by id, so both copies meet in one block) is in
finalize/ray_ops.py.

Which copy is kept is deterministic: the smallest chunk_id (then the smallest row), never "first seen".
A table is merged into a temp folder, then swapped in; the list of the new files is saved before
the swap, so a swap cut short by a kill is finished by the next attempt, never done twice.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

from yayi_batch.fs import join

MERGE_TMP = "_finalize/merge"  # under the staging folder
READY = "_ready.json"  # the names of a merged table's files: written when every file is


def keep_one_per_id(block: pa.Table, id_column: str) -> pa.Table:
    """One row per id: the one of the smallest chunk_id (ties: the smallest row). Every copy of an
    id must be in `block`."""
    if block.num_rows == 0:
        return block
    df = pl.from_arrow(block)
    assert isinstance(df, pl.DataFrame)
    order = [id_column, "chunk_id", *[c for c in df.columns if c not in (id_column, "chunk_id")]]
    sortable = [c for c in order if df.schema[c].is_numeric() or df.schema[c] in (pl.String, pl.Boolean)]
    kept = df.sort(sortable, nulls_last=True, maintain_order=True).unique(subset=[id_column], keep="first", maintain_order=True)
    return kept.to_arrow().cast(block.schema)


def merge_dir(stage: str, table: str) -> str:
    return join(stage, MERGE_TMP, table)


def clear_merge(fs: Any, stage: str, table: str) -> None:
    """Drop a merge that did not finish writing (no `_ready.json`): it is computed again."""
    fs.invalidate_cache()
    tmp = merge_dir(stage, table)
    if fs.exists(tmp):
        fs.rm(tmp, recursive=True)


def mark_ready(fs: Any, stage: str, table: str) -> list[str]:
    """Every merged file is written: save their names (the swap's plan); returns them."""
    tmp = merge_dir(stage, table)
    fs.invalidate_cache()
    names = sorted(p.rsplit("/", 1)[-1] for p in fs.find(tmp) if p.endswith(".parquet")) if fs.exists(tmp) else []
    fs.makedirs(tmp, exist_ok=True)
    with fs.open(join(tmp, READY), "w") as fh:
        json.dump(names, fh)
    return names


def ready(fs: Any, stage: str, table: str) -> list[str] | None:
    """The names of a merged table whose files are all written, or None."""
    path = join(merge_dir(stage, table), READY)
    fs.invalidate_cache()
    if not fs.exists(path):
        return None
    with fs.open(path, "r") as fh:
        return list(json.load(fh))


def swap_in(fs: Any, stage: str, table: str, folder: str, names: list[str]) -> int:
    """Replace the files of `folder` by the merged ones (resumable: files named in `names` that
    were moved already are kept). Returns the number of files removed."""
    tmp = merge_dir(stage, table)
    keep = set(names)
    fs.invalidate_cache()
    removed = 0
    for path in fs.find(folder) if fs.exists(folder) else []:
        if path.rsplit("/", 1)[-1] not in keep:
            fs.rm(path)
            removed += 1
    fs.makedirs(folder, exist_ok=True)
    for name in names:
        src = join(tmp, name)
        if fs.exists(src):
            fs.mv(src, join(folder, name))
    fs.rm(tmp, recursive=True)
    return removed
