"""write, in Ray: a Datasink that explodes answer rows into the typed tables, under staging.

Files go to `{output}/_staging/{run_id}/{table}/date={run_date}/part-*.parquet`; nothing is
visible in the published tables until `publish` moves them after every block is written.
A write task's files share one name across the table folders, so a task is written or undone
as a unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
from ray.data._internal.planner.plan_write_op import WRITE_UUID_KWARG_NAME
from ray.data.block import BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink, FilenameProvider

from yayi_batch.fs import arrow_filesystem
from yayi_batch.write.paths import part_prefix, partition_dir, safe_partition_value
from yayi_batch.write.staged import StagedRun
from yayi_batch.write.tables import explode, write_table


class PartFilenames(FilenameProvider):
    """`part-{run_id}-{write_uuid}_{task}.parquet`: the run in the name, deterministic per write task.

    Ray Data's checkpoint records this name before the task writes; after a kill it deletes every
    file that starts with it, in all table folders, before the resumed run writes them again.
    """

    def __init__(self, run_id: str, marker: str = ""):
        super().__init__(file_format="parquet")
        self.run_id = run_id
        self.marker = marker  # a word after the run (no "-"): e.g. what finalize wrote

    def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
        # write_uuid is Ray's (hex); sanitized anyway: a file name never carries a path
        return f"{part_prefix(self.run_id)}{self.marker}{safe_partition_value(write_uuid)}_{task_index:06}.parquet"


class TablesSink(BlockBasedFileDatasink):
    """Writes each write task's answer rows into the staged tables, one file per table.

    A file datasink (rooted at the run's staging folder) so that Ray Data's checkpointing can use
    its two-phase commit: ids pending -> files written -> ids committed.

    `split` turns a write task's rows into {table: rows} (default: answer rows exploded into the
    typed tables); `subdir` roots the tables under a folder of the staging folder (finalize writes
    there first, then swaps); `markers` puts a word after the run in a table's file names.
    """

    def __init__(
        self,
        run: StagedRun,
        split: Callable[[pa.Table], dict[str, pa.Table]] = explode,
        subdir: str = "",
        markers: dict[str, str] | None = None,
    ):
        self.root = run.folder(subdir) if subdir else run.path
        super().__init__(self.root, filesystem=arrow_filesystem(run.fs), try_create_dir=False, filename_provider=PartFilenames(run.run_id))
        self.run = run
        self.split = split
        self.markers = markers or {}

    def write_block(self, block: BlockAccessor, block_index: int, ctx: Any) -> None:
        table = block.to_arrow()
        if table.num_rows == 0:
            return
        name = self.filename_provider.get_filename_for_task(ctx.kwargs[WRITE_UUID_KWARG_NAME], ctx.task_idx)
        run = self.run
        prefix = part_prefix(run.run_id)
        for table_name, rows in self.split(table).items():
            if rows.num_rows:
                marked = prefix + self.markers.get(table_name, "") + name.removeprefix(prefix)
                write_table(run.fs, partition_dir(self.root, table_name, run.run_date), rows, run.run_id, name=marked)

    def get_name(self) -> str:
        return "YayiTables"
