"""Tables on storage: write one Parquet file, count rows from footers,
and explode answer rows into the typed tables. Pure: pyarrow and fsspec.
(Staged tables are read back by Ray Data tasks, never whole on the driver: finalize/ray_ops.py.)
"""

from __future__ import annotations

import uuid
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from yayi_batch.fs import join
from yayi_batch.schema import ANSWER_RECORD_TABLES, ANSWERS, TABLES, Table
from yayi_batch.write.paths import part_prefix
from yayi_batch.write.staged import StagedRun


def write_table(fs: Any, folder: str, table: pa.Table, run_id: str, name: str | None = None) -> str:
    """One Parquet file in `folder`, named `name` or `part-{run_id}-{random}.parquet`."""
    fs.makedirs(folder, exist_ok=True)
    path = join(folder, name or f"{part_prefix(run_id)}{uuid.uuid4().hex}.parquet")
    with fs.open(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
    return path


def count_rows(fs: Any, folder: str) -> int:
    """Rows of the Parquet files under `folder`, from their footers (0 when there is none)."""
    fs.invalidate_cache()
    if not fs.exists(folder):
        return 0
    return sum(pq.ParquetFile(fs.open(path, "rb")).metadata.num_rows for path in fs.find(folder) if path.endswith(".parquet"))


def explode(block: pa.Table) -> dict[str, pa.Table]:
    """One block of answer rows -> {table: rows}, typed by the schemas in schema/tables.py."""
    tables = {Table.ANSWERS.value: block.select(ANSWERS.names).cast(ANSWERS)}
    for name, schema in ANSWER_RECORD_TABLES.items():
        flat = pc.list_flatten(block.column(name))
        if len(flat) == 0:
            tables[name] = schema.empty_table()
            continue
        batch = pa.RecordBatch.from_struct_array(flat.combine_chunks() if isinstance(flat, pa.ChunkedArray) else flat)
        tables[name] = pa.Table.from_batches([batch]).cast(schema)
    return tables


def staged_counts(run: StagedRun) -> dict[str, int]:
    """Rows per table the run staged, from the Parquet footers."""
    return {table: count_rows(run.fs, run.table_dir(table)) for table in TABLES}
