"""Duplicate document ids: the message and the choice of the kept occurrence. Pure.

`input.duplicate_ids: fail` (default) stops the run naming up to 20 ids and their files.
`keep_first` keeps, for each duplicated id, the occurrence in the first file in listing order
(files are sorted by path), and in that file the first row. The row comes from Ray Data's row
hash (`include_row_hash`: splitmix64 of md5(path) + row position, a bijection, so the position is
recovered exactly); should a Ray version hash differently, the lowest hash decides (still
deterministic across reruns, but then not the first row). Every other
occurrence becomes an `invalid` document under `__duplicate_id__:{id}:{file}:{row_hash}`, with
an errors row of kind `duplicate_id`: count in = count out.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class DuplicateIds:
    n_ids: int  # ids seen more than once
    n_later: int  # occurrences turned into invalid documents (keep_first)
    named: dict[str, list[str]]  # up to 20 ids -> the files that hold them (one entry per occurrence)
    later: frozenset[int]  # row hashes of the occurrences after the kept one

    def message(self) -> str:
        shown = "; ".join(f"{doc_id!r} in {', '.join(_counted(paths))}" for doc_id, paths in self.named.items())
        more = f" (+{self.n_ids - len(self.named)} more ids)" if self.n_ids > len(self.named) else ""
        return f"{self.n_ids} document id(s) occur more than once: {shown}{more}; fix the input or set input.duplicate_ids=keep_first"


def _counted(paths: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for p in paths:
        seen[p] = seen.get(p, 0) + 1
    return [p if n == 1 else f"{p} (x{n})" for p, n in seen.items()]


def _display(files: list[dict[str, Any]]) -> dict[str, tuple[int, str]]:
    return {f["fs_path"]: (i, f["path"]) for i, f in enumerate(files)}


def describe_duplicates(rows: list[dict[str, Any]], files: list[dict[str, Any]]) -> dict[str, list[str]]:
    """id -> files (display paths, in listing order), from rows with doc_id and source_path."""
    where = _display(files)
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for r in rows:
        out[r["doc_id"]].append(where.get(r["source_path"], (len(files), r["source_path"])))
    return {k: [p for _, p in sorted(v)] for k, v in sorted(out.items())}


_M64 = (1 << 64) - 1
_INV_C2 = pow(0x94D049BB133111EB, -1, 1 << 64)
_INV_C1 = pow(0xBF58476D1CE4E5B9, -1, 1 << 64)
_MAX_ROW = 1 << 48  # a recovered position above this means the hash was not the one expected


def _unshift(y: int, s: int) -> int:
    """Inverse of x ^= x >> s on 64 bits."""
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x & _M64


def row_position(path: str, row_hash: int) -> int | None:
    """The row position Ray Data hashed into `row_hash` for `path`, or None if it does not fit."""
    x = _unshift(row_hash & _M64, 31)
    x = (x * _INV_C2) & _M64
    x = _unshift(x, 27)
    x = (x * _INV_C1) & _M64
    x = _unshift(x, 30)
    seed = int.from_bytes(hashlib.md5(path.encode("utf-8")).digest()[:8], byteorder="little")
    row = (x - seed) & _M64
    return row if row < _MAX_ROW else None


def duplicated_rows(block: pa.Table) -> pa.Table:
    """One partition of the id column (every row of its ids) -> the rows of the ids found more
    than once, with `first_of_id` true on one row per such id (to count the ids)."""
    counts = block.group_by("doc_id").aggregate([("doc_id", "count")])
    dup_ids = counts.filter(pc.greater(counts.column("doc_id_count"), 1)).column("doc_id")
    rows = block.filter(pc.fill_null(pc.is_in(block.column("doc_id"), value_set=dup_ids), False))
    rows = rows.sort_by([("doc_id", "ascending")])
    ids = rows.column("doc_id").to_pylist()
    first = [i == 0 or ids[i - 1] != v for i, v in enumerate(ids)]
    return rows.append_column("first_of_id", pa.array(first, pa.bool_()))


def later_occurrences(rows: list[dict[str, Any]], files: list[dict[str, Any]]) -> frozenset[int]:
    """Row hashes of every occurrence but the kept one (first file, then first row)."""
    where = _display(files)
    by_id: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for r in rows:
        h = int(r["row_hash"])
        pos = row_position(r["source_path"], h)
        order = (0, pos) if pos is not None else (1, h)
        by_id[r["doc_id"]].append((where.get(r["source_path"], (len(files), ""))[0], *order, h))  # type: ignore[arg-type]
    later: set[int] = set()
    for occ in by_id.values():
        occ.sort()
        later.update(o[-1] for o in occ[1:])
    return frozenset(later)
