"""Sizing Ray Data's key shuffles to the rows they move.

Ray 2.60's hash shuffles (`repartition(keys=...)`, `groupby`) start one aggregator actor per
partition, `DataContext.default_hash_shuffle_parallelism` of them by default: seconds of actor
start-up for a few thousand rows. A shuffle here gets one partition per ROWS_PER_PARTITION rows,
and rows that fit one partition skip the hash shuffle altogether.
"""

from __future__ import annotations

import math

import ray.data

ROWS_PER_PARTITION = 250_000  # rows per shuffle partition: bounds a reduce task's memory


def partitions(rows: int) -> int:
    """Shuffle partitions for `rows` rows (at least 1)."""
    return max(1, math.ceil(rows / ROWS_PER_PARTITION))


def by_key(ds: ray.data.Dataset, rows: int, key: str) -> ray.data.Dataset:
    """`ds` in blocks where all rows of a key meet: hash-partitioned by `key`, or, when the rows fit
    one partition, a single block."""
    n = partitions(rows)
    return ds.repartition(1) if n == 1 else ds.repartition(n, keys=[key])
