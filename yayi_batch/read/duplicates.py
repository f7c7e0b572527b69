"""Duplicate document ids: the message and the choice of the kept occurrence. Pure.

`input.duplicate_ids: fail` (default) stops the run naming up to 20 ids and their files.
`keep_first` keeps, for each duplicated id, the occurrence in the first file in listing order
(files are sorted by path); several in that file: the one with the lowest Ray Data row hash (a
deterministic hash of file and row position, so reruns keep the same one). Every other
occurrence becomes an `invalid` document under `__duplicate_id__:{id}:{file}:{row_hash}`, with
an errors row of kind `duplicate_id`: count in = count out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DuplicateIds:
    n_ids: int  # ids seen more than once
    n_later: int  # occurrences turned into invalid documents (keep_first)
    named: dict[str, list[str]]  # up to 20 ids -> the files that hold them (one entry per occurrence)
    later: frozenset[int]  # row hashes of the occurrences after the kept one

    def message(self) -> str:
        shown = "; ".join(f"{doc_id!r} in {', '.join(_counted(paths))}" for doc_id, paths in self.named.items())
        more = f" (+{self.n_ids - len(self.named)} more ids)" if self.n_ids > len(self.named) else ""
        return (f"{self.n_ids} document id(s) occur more than once: {shown}{more}; "
                f"fix the input or set input.duplicate_ids=keep_first")


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


def later_occurrences(rows: list[dict[str, Any]], files: list[dict[str, Any]]) -> frozenset[int]:
    """Row hashes of every occurrence but the kept one (first file, then lowest row hash)."""
    where = _display(files)
    by_id: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in rows:
        by_id[r["doc_id"]].append((where.get(r["source_path"], (len(files), ""))[0], int(r["row_hash"])))
    later: set[int] = set()
    for occ in by_id.values():
        occ.sort()
        later.update(h for _, h in occ[1:])
    return frozenset(later)
