"""finalize: one `documents` row per input document, with its status and counts. Pure: per-block
functions (polars/pyarrow on one block); the Ray Data plumbing is in finalize/ray_ops.py.

The build is a map/shuffle/reduce that never gathers a table on the driver:
1. map: every block of the staged chunks, answers and counted tables -> `DocumentPartials`, rows of
   one shape (`partial_schema`): per document of the block, its document columns (chunks) or its
   partial counts (answers, entities, ...);
2. shuffle: the partials of all tables, hash-partitioned by doc_id (a document's rows meet in one block);
3. reduce: `combine_documents` on one block: counts summed, status decided, and the document-level
   error rows (`invalid_document`, `missing_answers`) that explain non-ok documents.

Safe to run again after a kill: the rows go to a temp folder first, the staged `documents` and the
document error files are cleared before a build and replaced after it (`clear_documents`).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa

from yayi_batch.chunk.rows import DOC_COLUMNS, DUPLICATE_ID_PREFIX
from yayi_batch.fs import join
from yayi_batch.schema import DOCUMENTS, ERRORS, AnswerStatus, DocStatus, ErrorKind, ErrorStage, Table
from yayi_batch.write.paths import part_prefix, partition_dir
from yayi_batch.write.staged import StagedRun
from yayi_batch.write.tables import write_table

DOCUMENT_ERRORS = "docerrors"  # no "-": file names end in "-{id}" (see publish's _clear_partition)
COUNTED = (Table.ENTITIES.value, Table.RELATIONS.value, Table.EVENTS.value, Table.EVENT_ARGUMENTS.value, Table.ERRORS.value)
FAILED_ANSWERS = (AnswerStatus.INVALID.value, AnswerStatus.ENGINE_ERROR.value)
COUNTS = ("n_prompts", "n_failed", "tokens_in", "tokens_out", *(f"n_{t}" for t in COUNTED))
# Columns that pick the one documents row of a doc_id given twice in the input (sorted, first kept).
_ORDER = [c for c in DOC_COLUMNS if c != "doc_id"]
FINALIZE_TMP = "_finalize"  # under the staging folder: what finalize writes before it swaps it in


BAD_FILE_PREFIX = "__bad_file__:"  # doc_id of the errors row of an input shard left out


def bad_file_errors(run_id: str, bad_files: list[dict[str, Any]]) -> pl.DataFrame:
    """One errors row per unreadable shard left out (input.on_bad_file: skip)."""
    return pl.DataFrame(
        {
            "run_id": [run_id] * len(bad_files),
            "doc_id": [f"{BAD_FILE_PREFIX}{b['path']}" for b in bad_files],
            "chunk_id": [None] * len(bad_files),
            "task": [None] * len(bad_files),
            "stage": [ErrorStage.READ.value] * len(bad_files),
            "kind": [ErrorKind.BAD_FILE.value] * len(bad_files),
            "message": [f"{b['path']}: {b['error']}; left out (input.on_bad_file=skip)" for b in bad_files],
            "raw_output": [None] * len(bad_files),
        },
        schema={
            "run_id": pl.String,
            "doc_id": pl.String,
            "chunk_id": pl.String,
            "task": pl.String,
            "stage": pl.String,
            "kind": pl.String,
            "message": pl.String,
            "raw_output": pl.String,
        },
    )


def stage_bad_file_errors(run: StagedRun, bad_files: list[dict[str, Any]]) -> None:
    """The errors rows of the shards left out, under the document-errors file name (a rebuild
    clears them with the rest). One row per file: the driver holds the list of files, no rows."""
    if bad_files:
        write_table(
            run.fs,
            run.table_dir(Table.ERRORS.value),
            bad_file_errors(run.run_id, bad_files).to_arrow().cast(ERRORS),
            run.run_id,
            name=f"{document_errors_prefix(run.run_id)}badfiles.parquet",
        )


def source_columns(source: str, passthrough: list[str]) -> list[str]:
    """The columns `DocumentPartials(source)` reads from a staged table."""
    if source == "chunks":
        return [*DOC_COLUMNS, *[c for c in passthrough if c not in DOC_COLUMNS]]
    if source == Table.ANSWERS.value:
        return ["doc_id", "status", "tokens_in", "tokens_out"]
    return ["doc_id"]


def doc_fields(chunk_schema: pa.Schema, passthrough: list[str]) -> list[pa.Field]:
    """The document columns carried from the chunk rows (DOC_COLUMNS then passthrough), strings plain."""
    fields = []
    for name in source_columns("chunks", passthrough)[1:]:
        f = chunk_schema.field(name)
        plain = pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type)
        fields.append(pa.field(name, pa.string() if plain else f.type))
    return fields


def partial_schema(fields: list[pa.Field]) -> pa.Schema:
    """doc_id, has_doc (the row carries the document columns), the document columns, the counts."""
    return pa.schema(
        [pa.field("doc_id", pa.string()), pa.field("has_doc", pa.bool_()), *fields, *(pa.field(c, pa.int64()) for c in COUNTS)]
    )


def documents_schema(fields: list[pa.Field]) -> pa.Schema:
    """DOCUMENTS, then source_path and the passthrough columns with their read types (plain strings)."""
    fixed = {f.name for f in DOCUMENTS}
    extra = [f for f in fields if f.name == "source_path"] + [f for f in fields if f.name not in fixed and f.name not in DOC_COLUMNS]
    return pa.schema(list(DOCUMENTS) + extra)


def _first_per_doc(df: pl.DataFrame) -> pl.DataFrame:
    """One row per doc_id; for an id given twice, the smallest by the document columns (deterministic)."""
    return df.sort(_ORDER, nulls_last=True, maintain_order=True).unique(subset=["doc_id"], keep="first", maintain_order=True)


class DocumentPartials:
    """map_batches: one block of a staged table -> `partial_schema` rows, one per document of the block."""

    def __init__(self, source: str, fields: list[pa.Field]):
        self.source = source
        self.schema = partial_schema(fields)

    def __call__(self, block: pa.Table) -> pa.Table:
        df = pl.from_arrow(block)
        assert isinstance(df, pl.DataFrame)
        if self.source == "chunks":
            part = _first_per_doc(df.select([f.name for f in self.schema if f.name in df.columns])).with_columns(
                pl.lit(True).alias("has_doc")
            )
        elif self.source == Table.ANSWERS.value:
            part = df.group_by("doc_id").agg(
                pl.len().cast(pl.Int64).alias("n_prompts"),
                pl.col("status").is_in(FAILED_ANSWERS).sum().cast(pl.Int64).alias("n_failed"),
                pl.col("tokens_in").sum().cast(pl.Int64),
                pl.col("tokens_out").sum().cast(pl.Int64),
            )
        else:
            part = df.group_by("doc_id").agg(pl.len().cast(pl.Int64).alias(f"n_{self.source}"))
        return _conform(part, self.schema)


def _conform(df: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """`df` with every column of `schema` (missing ones null, counts 0), in order, cast."""
    missing = []
    for f in schema:
        if f.name in df.columns:
            continue
        if f.name in COUNTS:
            missing.append(pl.lit(0, pl.Int64).alias(f.name))
        elif f.name == "has_doc":
            missing.append(pl.lit(False).alias(f.name))
        else:
            missing.append(pl.lit(None).alias(f.name))
    table = df.with_columns(missing).select(schema.names).to_arrow()
    return _cast(table, schema)


def _cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Cast, with all-null columns (polars' Null type) made of the target type."""
    arrays = [
        pa.nulls(table.num_rows, f.type) if pa.types.is_null(table.column(f.name).type) else table.column(f.name).cast(f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def combine_documents(block: pa.Table, *, run_id: str, n_tasks: int, fields: list[pa.Field]) -> dict[str, pa.Table]:
    """reduce: the partials of every document of one shuffle partition -> {documents, errors} rows.

    Every partial row of a doc_id must be in `block` (the shuffle is hash-partitioned by doc_id).
    """
    df = pl.from_arrow(block)
    assert isinstance(df, pl.DataFrame)
    doc_names = [f.name for f in fields]
    docs = _first_per_doc(df.filter(pl.col("has_doc")).select(["doc_id", *doc_names]))
    sums = df.group_by("doc_id").agg(pl.col(c).sum() for c in COUNTS)
    docs = docs.join(sums, on="doc_id", how="left").with_columns(pl.col(c).fill_null(0) for c in COUNTS)
    expected = pl.col("n_chunks") * n_tasks
    status = (
        pl.when(pl.col("doc_status").is_in([DocStatus.EMPTY.value, DocStatus.INVALID.value]))
        .then(pl.col("doc_status"))
        .when(pl.col("n_prompts") < expected)
        .then(pl.lit(DocStatus.PARTIAL.value))  # answers lost on the way
        .when(pl.col("n_failed") == 0)
        .then(pl.lit(DocStatus.OK.value))
        .when(pl.col("n_failed") >= pl.col("n_prompts"))
        .then(pl.lit(DocStatus.FAILED.value))
        .otherwise(pl.lit(DocStatus.PARTIAL.value))
    )
    # Document-level problems become error rows too, so errors explains every non-ok document.
    extra_errors = docs.filter(pl.col("doc_error").is_not_null() | (pl.col("n_prompts") < expected) & (pl.col("n_chunks") > 0)).select(
        pl.lit(run_id).alias("run_id"),
        "doc_id",
        pl.lit(None, pl.String).alias("chunk_id"),
        pl.lit(None, pl.String).alias("task"),
        pl.when(pl.col("doc_error").is_not_null())
        .then(pl.lit(ErrorStage.READ.value))
        .otherwise(pl.lit(ErrorStage.GENERATE.value))
        .alias("stage"),
        pl.when(pl.col("doc_error").is_not_null() & pl.col("doc_id").str.starts_with(DUPLICATE_ID_PREFIX))
        .then(pl.lit(ErrorKind.DUPLICATE_ID.value))
        .when(pl.col("doc_error").is_not_null())
        .then(pl.lit(ErrorKind.INVALID_DOCUMENT.value))
        .otherwise(pl.lit(ErrorKind.MISSING_ANSWERS.value))
        .alias("kind"),
        pl.coalesce(pl.col("doc_error"), pl.format("expected {} answers, got {}", expected, pl.col("n_prompts"))).alias("message"),
        pl.lit(None, pl.String).alias("raw_output"),
    )
    docs = docs.with_columns(
        pl.lit(run_id).alias("run_id"),
        status.alias("status"),
        (pl.col("n_errors") + pl.col("doc_error").is_not_null().cast(pl.Int64)).alias("n_errors"),
    )
    schema = documents_schema(fields)
    return {
        Table.DOCUMENTS.value: _cast(docs.select(schema.names).to_arrow(), schema),
        Table.ERRORS.value: _cast(extra_errors.to_arrow(), ERRORS),
    }


def document_errors_prefix(run_id: str) -> str:
    """File names of the document-level error rows in the errors partition (cleared before a build)."""
    return f"{part_prefix(run_id)}{DOCUMENT_ERRORS}"


def clear_documents(run: StagedRun) -> None:
    """Remove what a build wrote (staged documents, document error files, the temp folder), so that
    documents are counted from the answers alone."""
    fs = run.fs
    fs.invalidate_cache()
    tmp = run.folder(FINALIZE_TMP, "documents")
    if fs.exists(tmp):
        fs.rm(tmp, recursive=True)
    docs = run.table_dir(Table.DOCUMENTS.value)
    for path in fs.find(docs) if fs.exists(docs) else []:
        fs.rm(path)
    errors = run.table_dir(Table.ERRORS.value)
    prefix = document_errors_prefix(run.run_id)
    for path in fs.find(errors) if fs.exists(errors) else []:
        if path.rsplit("/", 1)[-1].startswith(prefix):
            fs.rm(path)


def swap_in_documents(run: StagedRun) -> None:
    """Move a finished build's files from the temp folder into the staged partitions."""
    fs = run.fs
    tmp = run.folder(FINALIZE_TMP, "documents")
    fs.invalidate_cache()
    for table in (Table.DOCUMENTS.value, Table.ERRORS.value):
        src, dst = partition_dir(tmp, table, run.run_date), run.table_dir(table)
        files = sorted(fs.find(src)) if fs.exists(src) else []
        if files:
            fs.makedirs(dst, exist_ok=True)
        for path in files:
            fs.mv(path, join(dst, path.rsplit("/", 1)[-1]))
    if fs.exists(tmp):
        fs.rm(tmp, recursive=True)
