"""write: a Ray Data Datasink that explodes answer rows into the typed tables, under staging.

Files go to `{output}/_staging/{run_id}/{table}/date={run_date}/part-*.parquet`; nothing is
visible in the published tables until `publish` moves them after every block is written.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ray.data.block import Block
from ray.data.datasource import Datasink

from yayi_batch.io.fs import filesystem, join
from yayi_batch.schema import ANSWERS, TABLES
from yayi_batch.steps.answers import NESTED


def safe_partition_value(value: str) -> str:
    """A partition value that cannot reach outside its folder: no /, \\, .., =, control chars."""
    cleaned = "".join(ch if (ch.isalnum() or ch in "-_.") else "_" for ch in str(value))
    cleaned = cleaned.replace("..", "_").strip(".")
    return cleaned or "_"


def staging_dir(output: str, run_id: str) -> str:
    return join(output, "_staging", safe_partition_value(run_id))


def partition_dir(base: str, table: str, run_date: str) -> str:
    return join(base, table, f"date={safe_partition_value(run_date)}")


def explode(block: pa.Table) -> dict[str, pa.Table]:
    """One answer-row block -> {table: rows}, typed by the schemas in schema.py."""
    tables = {"answers": block.select(ANSWERS.names).cast(ANSWERS)}
    for name, schema in NESTED.items():
        flat = pc.list_flatten(block.column(name))
        if len(flat) == 0:
            tables[name] = schema.empty_table()
            continue
        batch = pa.RecordBatch.from_struct_array(flat.combine_chunks() if isinstance(flat, pa.ChunkedArray) else flat)
        tables[name] = pa.Table.from_batches([batch]).cast(schema)
    return tables


def part_prefix(run_id: str) -> str:
    """File names carry their run: publish can tell this run's files from other runs' files."""
    return f"part-{safe_partition_value(run_id)}-"


def write_table(fs: Any, folder: str, table: pa.Table, run_id: str) -> str:
    fs.makedirs(folder, exist_ok=True)
    path = join(folder, f"{part_prefix(run_id)}{uuid.uuid4().hex}.parquet")
    with fs.open(path, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
    return path


class TablesSink(Datasink):
    """Writes every block's rows into the staged tables; returns the files and row counts."""

    def __init__(self, output: str, storage_options: dict[str, Any], run_id: str, run_date: str):
        self.output = output
        self.storage_options = storage_options
        self.run_id = run_id
        self.run_date = run_date

    def write(self, blocks: Iterable[Block], ctx: Any) -> dict[str, Any]:
        fs, base = filesystem(self.output, self.storage_options)
        stage = staging_dir(base, self.run_id)
        pending: dict[str, list[pa.Table]] = {}
        for block in blocks:
            if not isinstance(block, pa.Table):
                block = pa.Table.from_pandas(block)
            if block.num_rows == 0:
                continue
            for name, table in explode(block).items():
                if table.num_rows:
                    pending.setdefault(name, []).append(table)
        counts: dict[str, int] = {}
        files: list[str] = []
        for name, parts in pending.items():
            table = pa.concat_tables(parts)
            files.append(write_table(fs, partition_dir(stage, name, self.run_date), table, self.run_id))
            counts[name] = table.num_rows
        return {"files": files, "counts": counts}

    def get_name(self) -> str:
        return "YayiTables"


__all__ = ["TablesSink", "TABLES", "explode", "safe_partition_value", "staging_dir", "partition_dir", "write_table"]
