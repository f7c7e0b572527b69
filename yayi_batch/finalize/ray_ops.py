"""finalize (and the retry prompts), in Ray Data: map/shuffle/reduce over the staged tables.

Nothing here gathers a table on the driver: the staged Parquet is read by Ray Data's tasks, mapped
per block by the pure functions of finalize/documents.py, finalize/overlaps.py, finalize/summary.py
and chunk/retry.py, hash-partitioned by its key where rows of one key must meet (doc_id, an
entity id, a chunk_id), reduced per block and written back as Parquet. The driver sees only row
counts (Parquet footers), file names and the summary's value counts (a few dozen rows).

Every write goes to a temp folder first and is swapped in once complete, so finalize can be run
again after a kill; file names keep the `part-{run_id}-` prefix that publish relies on.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from typing import Any

import pyarrow.parquet as pq
import ray.data

from yayi_batch.chunk import retry as retry_step
from yayi_batch.config import ExtractionConfig
from yayi_batch.finalize import checks, overlaps
from yayi_batch.finalize import documents as docs_step
from yayi_batch.finalize.summary import VALUE_COUNTS, RunSummary, count_values, sum_counts, summary_columns, summary_from_counts
from yayi_batch.fs import arrow_filesystem, join
from yayi_batch.prompts import rows as prompt_step
from yayi_batch.resources import LIGHT_STAGE_CPUS
from yayi_batch.schema import ID_COLUMNS, TABLES, Table
from yayi_batch.shuffle import by_key
from yayi_batch.write.sink import PartFilenames, TablesSink
from yayi_batch.write.staged import CHUNKS, RETRY_PROMPTS, StagedRun
from yayi_batch.write.tables import count_rows, staged_counts

log = logging.getLogger(__name__)

ROWS_PER_READ = 100_000  # staged rows per finalize read task (and block)


@contextlib.contextmanager
def _plain_parquet_reads() -> Iterator[None]:
    """Ray 2.60's default Parquet reader (datasource V2) lists files through a pool of 32
    `FooterReader` actors per read (RAY_DATA_PARQUET_FOOTER_NUM_ACTORS): finalize reads up to
    seven staged tables at once, i.e. over 200 actors of ~200 MB on a small machine. The V1 reader
    lists them with plain tasks; it is chosen when `read_parquet` is called (the dataset keeps it)."""
    ctx = ray.data.DataContext.get_current()
    previous = ctx.use_datasource_v2
    ctx.use_datasource_v2 = False
    try:
        yield
    finally:
        ctx.use_datasource_v2 = previous


def read(fs: Any, folder: str, columns: list[str] | None = None) -> ray.data.Dataset | None:
    """A staged folder as a Ray dataset (the columns asked for), or None when it holds no rows."""
    rows = count_rows(fs, folder)
    if not rows:
        return None
    with _plain_parquet_reads():
        # A staged table is one small file per extract write task (up to engine.max_blocks per
        # pass); read as a block per file, the driver's per-block records grew ~100 MB from 8k
        # to 128k documents. Read tasks of ~ROWS_PER_READ rows each keep the blocks few.
        ds = ray.data.read_parquet(
            folder, filesystem=arrow_filesystem(fs), partitioning=None, override_num_blocks=max(1, -(-rows // ROWS_PER_READ))
        )
    return ds.select_columns(columns) if columns else ds


def _first_schema(fs: Any, folder: str) -> Any:
    """The Parquet schema of one file of `folder` (all of a staged table's files share it)."""
    path = next(p for p in sorted(fs.find(folder)) if p.endswith(".parquet"))
    with fs.open(path, "rb") as fh:
        return pq.read_schema(fh)


# --- the merge of mentions found twice -----------------------------------------------------------


def merge_found_twice(run: StagedRun) -> dict[str, int]:
    """Keep one row per id in each record table; returns the rows removed per table.

    Per table: hash-partitioned by the id, `keep_one_per_id` per block, written to a temp folder;
    when every file is written their names are saved, then the old files go and the new ones move
    in (a kill in between: the next attempt finishes the swap from the saved names).
    """
    fs, stage, run_id = run.fs, run.path, run.run_id
    removed: dict[str, int] = {}
    for table, id_column in ID_COLUMNS.items():
        folder = run.table_dir(table)
        names = overlaps.ready(fs, stage, table)
        if names is None:
            overlaps.clear_merge(fs, stage, table)
            before = count_rows(fs, folder)
            ds = read(fs, folder)
            if ds is None:
                continue
            tmp = overlaps.merge_dir(stage, table)
            merged = by_key(ds, before, id_column).map_batches(
                overlaps.keep_one_per_id,
                fn_kwargs={"id_column": id_column},
                batch_size=None,
                batch_format="pyarrow",
                num_cpus=LIGHT_STAGE_CPUS,
            )
            merged.write_parquet(tmp, filesystem=arrow_filesystem(fs), filename_provider=PartFilenames(run_id, marker="merged"))
            after = count_rows(fs, tmp)
            if after == before:  # nothing found twice: keep the files as they are
                overlaps.clear_merge(fs, stage, table)
                continue
            removed[table] = before - after
            names = overlaps.mark_ready(fs, stage, table)
        overlaps.swap_in(fs, stage, table, folder, names)
    return removed


# --- documents -------------------------------------------------------------------------------------


def build_documents(run: StagedRun, n_tasks: int, passthrough: list[str]) -> None:
    """Stage one `documents` row per input document (and the document-level error rows).

    Map every staged block of chunks, answers and the counted tables to per-document partials,
    shuffle them by doc_id, reduce each partition in the sink (`combine_documents`), which writes
    documents and error rows under a temp folder; then swap them into the staged partitions.
    Clear first (`clear_documents`): what an earlier attempt wrote is never counted.
    """
    fs = run.fs
    docs_step.clear_documents(run)
    chunks_dir = run.folder(CHUNKS)
    if not count_rows(fs, chunks_dir):  # no document at all: no documents row to build
        return
    fields = docs_step.doc_fields(_first_schema(fs, chunks_dir), passthrough)
    sources = [
        ("chunks", chunks_dir),
        (Table.ANSWERS.value, run.table_dir(Table.ANSWERS.value)),
        *((t, run.table_dir(t)) for t in docs_step.COUNTED),
    ]
    parts, rows = [], 0
    for source, folder in sources:
        ds = read(fs, folder, columns=docs_step.source_columns(source, passthrough))
        if ds is None:
            continue
        rows += count_rows(fs, folder)
        parts.append(ds.map_batches(docs_step.DocumentPartials(source, fields), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS))
    if not parts:
        return
    union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    split = functools.partial(docs_step.combine_documents, run_id=run.run_id, n_tasks=n_tasks, fields=fields)
    sink = TablesSink(
        run, split=split, subdir=join(docs_step.FINALIZE_TMP, "documents"), markers={Table.ERRORS.value: docs_step.DOCUMENT_ERRORS}
    )
    by_key(union, rows, "doc_id").write_datasink(sink)
    docs_step.swap_in_documents(run)


# --- the count check's orphans ----------------------------------------------------------------------


def find_orphans(run: StagedRun) -> list[dict[str, Any]]:
    """Rows of any table whose doc_id is no document of the run, as `checks.ORPHANS` rows: every
    table's doc_ids and the documents' are hash-partitioned by doc_id and each partition checked."""
    fs, parts, rows = run.fs, [], 0
    for table in TABLES:
        folder = run.table_dir(table)
        ds = read(fs, folder, columns=checks.orphan_columns(table))
        if ds is None:
            continue
        rows += count_rows(fs, folder)
        parts.append(ds.map_batches(checks.doc_id_side, fn_kwargs={"table": table}, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS))
    if not parts:
        return []
    union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    found = by_key(union, rows, "doc_id").map_batches(
        checks.orphans_of_partition, batch_size=None, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS
    )
    return found.take_all()


# --- the summary -----------------------------------------------------------------------------------


def summarize(run: StagedRun, *, wall_s: float, generate_s: float, output: str, n_inputs: int) -> RunSummary:
    """Rows per table from the footers; value counts and token sums as (metric, value, n) per block,
    summed by a group-by: the driver takes only the summed rows (a few dozen)."""
    table_rows = staged_counts(run)
    parts = []
    for table in VALUE_COUNTS:
        ds = read(run.fs, run.table_dir(table), columns=summary_columns(table))
        if ds is not None:
            parts.append(ds.map_batches(count_values, fn_kwargs={"table": table}, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS))
    rows: list[dict[str, Any]] = []
    if parts:
        union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        # A few dozen rows per block: one block sums them (no groupby, whose actors take seconds to start).
        rows = union.repartition(1).map_batches(sum_counts, batch_size=None, batch_format="pyarrow").take_all()
    return summary_from_counts(
        rows,
        {t: table_rows.get(t, 0) for t in TABLES},
        wall_s=wall_s,
        generate_s=generate_s,
        output=output,
        run_id=run.run_id,
        n_inputs=n_inputs,
    )


# --- the retry prompts -----------------------------------------------------------------------------


def stage_retry_prompts(run: StagedRun, extraction: ExtractionConfig) -> int:
    """Prompt rows on the two halves of every chunk whose answer was cut at max_tokens -> `retry_prompts/`.

    The cut answers' (chunk_id, task) are found per block of `answers`; when there are any, they
    and the chunk rows are shuffled by chunk_id and each partition is cut into half chunks.
    Returns the number of (chunk, task) answers to retry.
    """
    fs = run.fs
    answers = read(fs, run.table_dir(Table.ANSWERS.value), columns=["chunk_id", "task", "finish_reason"])
    if answers is None:
        return 0
    keys = answers.map_batches(retry_step.truncated_keys, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS).materialize()
    n_keys = keys.count()
    if n_keys == 0:
        return 0
    chunks_dir = run.folder(CHUNKS)
    chunks = read(fs, chunks_dir, columns=retry_step.CHUNK_COLUMNS)
    if chunks is None:
        return 0
    sides = keys.union(chunks.map_batches(retry_step.chunk_side, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS))
    halves = by_key(sides, n_keys + count_rows(fs, chunks_dir), "chunk_id").map_batches(
        retry_step.half_chunks_of_partition, batch_size=None, batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS
    )
    prompts = halves.map_batches(prompt_step.BuildPromptRows(extraction), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS)
    prompts.write_parquet(
        run.folder(RETRY_PROMPTS), filesystem=arrow_filesystem(fs), filename_provider=PartFilenames(run.run_id, marker="retry")
    )
    return n_keys
