"""finalize: overlapping chunks (and a chunk and its retry) find a mention twice; its id hashes
document offsets, so both copies have one id: keep one row per id. Pure: polars.
"""

from __future__ import annotations

from typing import Any

from yayi_batch.schema import ID_COLUMNS, TABLES
from yayi_batch.write.paths import partition_dir
from yayi_batch.write.tables import read_staged, write_table


def dedupe_overlaps(fs: Any, stage: str, run_id: str, run_date: str) -> dict[str, int]:
    """Overlapping chunks find a mention twice; its id (document offsets) is the same: keep one.

    Returns rows removed per table. Only needed when chunks overlap; reads each table once.
    """
    removed: dict[str, int] = {}
    for table, id_column in ID_COLUMNS.items():
        folder = partition_dir(stage, table, run_date)
        df = read_staged(fs, folder, schema=TABLES[table])
        unique = df.unique(subset=[id_column], keep="first", maintain_order=True)
        if unique.height == df.height:
            continue
        old = fs.find(folder)
        write_table(fs, folder, unique.to_arrow().cast(TABLES[table]), run_id)
        for path in old:
            fs.rm(path)
        removed[table] = df.height - unique.height
    return removed
