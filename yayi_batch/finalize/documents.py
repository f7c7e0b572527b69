"""finalize: one `documents` row per input document, with its status and counts, from what the
passes staged. Safe to run again after a kill (fixed file names; cleared first). Pure: polars.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa

from yayi_batch.fs import join
from yayi_batch.schema import DOCUMENTS, ERRORS, TABLES, AnswerStatus, DocStatus, ErrorKind, ErrorStage, Table
from yayi_batch.steps.prepare import DOC_COLUMNS, DUPLICATE_ID_PREFIX
from yayi_batch.write.paths import part_prefix, partition_dir
from yayi_batch.write.tables import read_staged, write_table

DOCUMENT_ERRORS = "docerrors"  # no "-": file names end in "-{id}" (see publish's _clear_partition)
COUNTED = (Table.ENTITIES.value, Table.RELATIONS.value, Table.EVENTS.value, Table.EVENT_ARGUMENTS.value, Table.ERRORS.value)
FAILED_ANSWERS = (AnswerStatus.INVALID.value, AnswerStatus.ENGINE_ERROR.value)


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
        schema={"run_id": pl.String, "doc_id": pl.String, "chunk_id": pl.String, "task": pl.String, "stage": pl.String,
                "kind": pl.String, "message": pl.String, "raw_output": pl.String},
    )


def build_documents(fs: Any, stage: str, run_id: str, run_date: str, n_tasks: int, passthrough: list[str],
                    bad_files: list[dict[str, Any]] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(documents, extra error rows): one row per input document, with its status and counts.

    `bad_files`: shards left out as unreadable; each gets an errors row (no documents row: its
    documents were never read)."""
    chunks = read_staged(fs, join(stage, "chunks"), columns=[*DOC_COLUMNS, *passthrough])
    docs = chunks.unique(subset=["doc_id"], keep="first", maintain_order=True)
    answers = read_staged(fs, partition_dir(stage, Table.ANSWERS.value, run_date), schema=TABLES[Table.ANSWERS.value],
                          columns=["doc_id", "status", "tokens_in", "tokens_out"])
    per_doc = answers.group_by("doc_id").agg(
        pl.len().alias("n_prompts"),
        pl.col("status").is_in(FAILED_ANSWERS).sum().alias("n_failed"),
        pl.col("tokens_in").sum(),
        pl.col("tokens_out").sum(),
    )
    docs = docs.join(per_doc, on="doc_id", how="left")
    for table in COUNTED:
        counts = read_staged(fs, partition_dir(stage, table, run_date), columns=["doc_id"], schema=TABLES[table])
        docs = docs.join(counts.group_by("doc_id").agg(pl.len().alias(f"n_{table}")), on="doc_id", how="left")
    docs = docs.with_columns(pl.col(c).fill_null(0) for c in ("n_prompts", "n_failed", "tokens_in", "tokens_out", *(f"n_{t}" for t in COUNTED)))
    expected = pl.col("n_chunks") * n_tasks
    status = (
        pl.when(pl.col("doc_status").is_in([DocStatus.EMPTY.value, DocStatus.INVALID.value])).then(pl.col("doc_status"))
        .when(pl.col("n_prompts") < expected).then(pl.lit(DocStatus.PARTIAL.value))  # answers lost on the way
        .when(pl.col("n_failed") == 0).then(pl.lit(DocStatus.OK.value))
        .when(pl.col("n_failed") >= pl.col("n_prompts")).then(pl.lit(DocStatus.FAILED.value))
        .otherwise(pl.lit(DocStatus.PARTIAL.value))
    )
    # Document-level problems become error rows too, so errors explains every non-ok document.
    extra_errors = docs.filter(pl.col("doc_error").is_not_null() | (pl.col("n_prompts") < expected) & (pl.col("n_chunks") > 0)).select(
        pl.lit(run_id).alias("run_id"), "doc_id", pl.lit(None, pl.String).alias("chunk_id"),
        pl.lit(None, pl.String).alias("task"),
        pl.when(pl.col("doc_error").is_not_null()).then(pl.lit(ErrorStage.READ.value))
        .otherwise(pl.lit(ErrorStage.GENERATE.value)).alias("stage"),
        pl.when(pl.col("doc_error").is_not_null() & pl.col("doc_id").str.starts_with(DUPLICATE_ID_PREFIX))
        .then(pl.lit(ErrorKind.DUPLICATE_ID.value))
        .when(pl.col("doc_error").is_not_null()).then(pl.lit(ErrorKind.INVALID_DOCUMENT.value))
        .otherwise(pl.lit(ErrorKind.MISSING_ANSWERS.value)).alias("kind"),
        pl.coalesce(pl.col("doc_error"), pl.format("expected {} answers, got {}", expected, pl.col("n_prompts"))).alias("message"),
        pl.lit(None, pl.String).alias("raw_output"),
    )
    docs = docs.with_columns(
        pl.lit(run_id).alias("run_id"),
        status.alias("status"),
        (pl.col("n_errors") + pl.col("doc_error").is_not_null().cast(pl.Int64)).alias("n_errors"),
    )
    if bad_files:
        extra_errors = pl.concat([extra_errors, bad_file_errors(run_id, bad_files)], how="vertical_relaxed")
    fixed = [f.name for f in DOCUMENTS]
    return docs.select(fixed + ["source_path"] + [c for c in passthrough if c not in fixed]), extra_errors


def _documents_schema(table: pa.Table) -> pa.Schema:
    """DOCUMENTS, then source_path and the passthrough columns with their read types (plain strings)."""
    fixed = {f.name for f in DOCUMENTS}
    extra = [
        pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f.type)
        for f in table.schema
        if f.name not in fixed
    ]
    return pa.schema(list(DOCUMENTS) + extra)


def stage_documents(fs: Any, stage: str, run_id: str, run_date: str, documents: pl.DataFrame, extra_errors: pl.DataFrame) -> None:
    """Fixed file names: building the documents again after a kill replaces, never adds."""
    table = documents.to_arrow()
    write_table(fs, partition_dir(stage, Table.DOCUMENTS.value, run_date), table.cast(_documents_schema(table)), run_id,
                name=f"{part_prefix(run_id)}documents.parquet")
    if extra_errors.height:
        write_table(fs, partition_dir(stage, Table.ERRORS.value, run_date), extra_errors.to_arrow().cast(ERRORS), run_id,
                    name=f"{part_prefix(run_id)}{DOCUMENT_ERRORS}.parquet")


def clear_documents(fs: Any, stage: str, run_id: str, run_date: str) -> None:
    """Remove what stage_documents wrote, so that documents are counted from the answers alone."""
    fs.invalidate_cache()
    for path in (join(partition_dir(stage, Table.DOCUMENTS.value, run_date), f"{part_prefix(run_id)}documents.parquet"),
                 join(partition_dir(stage, Table.ERRORS.value, run_date), f"{part_prefix(run_id)}{DOCUMENT_ERRORS}.parquet")):
        if fs.exists(path):
            fs.rm(path)
