"""publish: build `documents` from the staged run, then move the run into place atomically-enough.

Order (the commit protocol): every block is already written under `_staging/{run_id}/`; the
documents table is built there too; then, per table, the date partition is emptied and the
staged files are moved in; then `_manifest/{run_id}.json`; `_SUCCESS` last. A reader that waits
for `_SUCCESS` (or checks the manifest's run_id) never sees half a run.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from yayi_batch.io.fs import arrow_filesystem, join
from yayi_batch.io.write import part_prefix, partition_dir, staging_dir, write_table
from yayi_batch.schema import DOCUMENTS, ERRORS, TABLES
from yayi_batch.steps.prepare import DOC_COLUMNS

DOCUMENT_ERRORS = "docerrors"  # no "-": file names end in "-{id}" (see _clear_partition)
COUNTED = ("entities", "relations", "events", "event_arguments", "errors")
FAILED_ANSWERS = ("invalid", "engine_error")


def read_staged(fs: Any, folder: str, columns: list[str] | None = None, schema: pa.Schema | None = None) -> pl.DataFrame:
    """A staged table as polars; empty (with the schema's columns) when nothing was written."""
    fs.invalidate_cache()  # workers wrote these files; an s3fs listing cached earlier is stale
    if not fs.exists(folder) or not fs.find(folder):
        empty = schema.empty_table() if schema is not None else pa.table({})
        return pl.from_arrow(empty.select(columns) if columns else empty)
    ds = pads.dataset(folder, filesystem=arrow_filesystem(fs), format="parquet", partitioning="hive")
    return pl.from_arrow(ds.to_table(columns=columns))


def build_documents(fs: Any, stage: str, run_id: str, run_date: str, n_tasks: int, passthrough: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(documents, extra error rows): one row per input document, with its status and counts."""
    chunks = read_staged(fs, join(stage, "chunks"), columns=[*DOC_COLUMNS, *passthrough])
    docs = chunks.unique(subset=["doc_id"], keep="first", maintain_order=True)
    answers = read_staged(fs, partition_dir(stage, "answers", run_date), schema=TABLES["answers"],
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
        pl.when(pl.col("doc_status").is_in(["empty", "invalid"])).then(pl.col("doc_status"))
        .when(pl.col("n_prompts") < expected).then(pl.lit("partial"))  # answers lost on the way
        .when(pl.col("n_failed") == 0).then(pl.lit("ok"))
        .when(pl.col("n_failed") >= pl.col("n_prompts")).then(pl.lit("failed"))
        .otherwise(pl.lit("partial"))
    )
    # Document-level problems become error rows too, so errors explains every non-ok document.
    extra_errors = docs.filter(pl.col("doc_error").is_not_null() | (pl.col("n_prompts") < expected) & (pl.col("n_chunks") > 0)).select(
        pl.lit(run_id).alias("run_id"), "doc_id", pl.lit(None, pl.String).alias("chunk_id"),
        pl.lit(None, pl.String).alias("task"),
        pl.when(pl.col("doc_error").is_not_null()).then(pl.lit("read")).otherwise(pl.lit("generate")).alias("stage"),
        pl.when(pl.col("doc_error").is_not_null()).then(pl.lit("invalid_document")).otherwise(pl.lit("missing_answers")).alias("kind"),
        pl.coalesce(pl.col("doc_error"), pl.format("expected {} answers, got {}", expected, pl.col("n_prompts"))).alias("message"),
        pl.lit(None, pl.String).alias("raw_output"),
    )
    docs = docs.with_columns(
        pl.lit(run_id).alias("run_id"),
        status.alias("status"),
        (pl.col("n_errors") + pl.col("doc_error").is_not_null().cast(pl.Int64)).alias("n_errors"),
    )
    fixed = [f.name for f in DOCUMENTS]
    return docs.select(fixed + ["source_path"] + [c for c in passthrough if c not in fixed]), extra_errors


def run_fingerprint(run_id: str) -> str:
    """The config-fingerprint part of a run id `{date}-{fingerprint8}-{inputs8}`."""
    parts = run_id.split("-")
    return parts[-2] if len(parts) >= 3 else ""


def published_inputs(fs: Any, output: str, fingerprint: str) -> set[tuple[str, str]]:
    """(path, version) of every input that a published manifest with this fingerprint covers."""
    folder = join(output, "_manifest")
    fs.invalidate_cache()
    if not fs.exists(folder):
        return set()
    done: set[tuple[str, str]] = set()
    for path in fs.find(folder):
        if not path.endswith(".json"):
            continue
        with fs.open(path, "r") as fh:
            manifest = json.load(fh)
        if manifest.get("config_fingerprint") == fingerprint:
            done.update((i["path"], i.get("version", "")) for i in manifest.get("inputs", []))
    return done


def _clear_partition(fs: Any, dst: str, run_id: str, incremental: bool, keep_mine: bool) -> None:
    """Make room for this run in a date partition.

    A full run replaces the date (a rerun gives the same rows, never doubled). An incremental
    (nightly) run adds to it: it removes only its own earlier attempt and files written under
    another config fingerprint, which must never mix with this one's. A publish resumed after a
    kill keeps this run's files: they are the ones the killed attempt had already moved.
    """
    if not fs.exists(dst):
        return
    mine, fingerprint = part_prefix(run_id), run_fingerprint(run_id)
    for path in fs.find(dst):
        name = path.rsplit("/", 1)[-1]
        if name.startswith(mine):
            if not keep_mine:
                fs.rm(path)
            continue
        other = name.removeprefix("part-").rsplit("-", 1)[0]
        if not incremental or run_fingerprint(other) != fingerprint:
            fs.rm(path)


def published_manifest(fs: Any, output: str, run_id: str) -> dict[str, Any] | None:
    """The manifest of `run_id` if that run is published, else None."""
    path = join(output, "_manifest", f"{run_id}.json")
    fs.invalidate_cache()
    if not fs.exists(path):
        return None
    with fs.open(path, "r") as fh:
        return json.load(fh)


def publish(fs: Any, output: str, run_id: str, run_date: str, manifest: dict[str, Any], *, incremental: bool = False,
            staging: Any = None) -> dict[str, int]:
    """Move the staged tables into `{table}/date={run_date}/`, write the manifest, then _SUCCESS.

    With `staging` (an io.stage.Staging) the publish is resumable: it marks `publish` before the
    first move, and a publish that finds the mark keeps the files its killed attempt moved.
    """
    stage = staging_dir(output, run_id)
    fs.invalidate_cache()
    counts: dict[str, int] = {}
    resumed = staging is not None and staging.done("publish")
    if staging is not None and not resumed:
        staging.mark("publish")
    fs.rm(join(output, "_SUCCESS"), recursive=False) if fs.exists(join(output, "_SUCCESS")) else None
    for table in TABLES:
        src, dst = partition_dir(stage, table, run_date), partition_dir(output, table, run_date)
        _clear_partition(fs, dst, run_id, incremental, keep_mine=resumed)
        fs.makedirs(dst, exist_ok=True)
        files = sorted(fs.find(src)) if fs.exists(src) else []
        for path in files:
            fs.mv(path, join(dst, path.rsplit("/", 1)[-1]))
        if not files and not (resumed and fs.exists(dst) and fs.find(dst)):
            # An empty table still gets its schema: readers of the lake see zero rows, not an error.
            write_table(fs, dst, TABLES[table].empty_table(), run_id)
        counts[table] = int(manifest.get("counts", {}).get(table, 0))
    fs.makedirs(join(output, "_manifest"), exist_ok=True)
    with fs.open(join(output, "_manifest", f"{run_id}.json"), "w") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False, default=str)
    with fs.open(join(output, "_SUCCESS"), "w") as fh:
        fh.write(run_id + "\n")
    if fs.exists(stage):  # object stores have no folders: moving every file may have removed it
        fs.rm(stage, recursive=True)
    staging_root = join(output, "_staging")
    if fs.exists(staging_root) and not fs.ls(staging_root):
        fs.rm(staging_root, recursive=True)  # leave no empty folder behind on local disks
    return counts


def _documents_schema(table: pa.Table) -> pa.Schema:
    """DOCUMENTS, then source_path and the passthrough columns with their read types (plain strings)."""
    fixed = {f.name for f in DOCUMENTS}
    extra = [
        pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type) else f.type)
        for f in table.schema
        if f.name not in fixed
    ]
    return pa.schema(list(DOCUMENTS) + extra)


ID_COLUMNS = {"entities": "entity_id", "relations": "relation_id", "events": "event_id", "event_arguments": "argument_id"}


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


def stage_documents(fs: Any, stage: str, run_id: str, run_date: str, documents: pl.DataFrame, extra_errors: pl.DataFrame) -> None:
    """Fixed file names: building the documents again after a kill replaces, never adds."""
    table = documents.to_arrow()
    write_table(fs, partition_dir(stage, "documents", run_date), table.cast(_documents_schema(table)), run_id,
                name=f"{part_prefix(run_id)}documents.parquet")
    if extra_errors.height:
        write_table(fs, partition_dir(stage, "errors", run_date), extra_errors.to_arrow().cast(ERRORS), run_id,
                    name=f"{part_prefix(run_id)}{DOCUMENT_ERRORS}.parquet")


def clear_documents(fs: Any, stage: str, run_id: str, run_date: str) -> None:
    """Remove what stage_documents wrote, so that documents are counted from the answers alone."""
    fs.invalidate_cache()
    for path in (join(partition_dir(stage, "documents", run_date), f"{part_prefix(run_id)}documents.parquet"),
                 join(partition_dir(stage, "errors", run_date), f"{part_prefix(run_id)}{DOCUMENT_ERRORS}.parquet")):
        if fs.exists(path):
            fs.rm(path)


def count_rows(fs: Any, folder: str) -> int:
    """Rows of the Parquet files under `folder`, from their footers (0 when there is none)."""
    fs.invalidate_cache()
    if not fs.exists(folder):
        return 0
    return sum(pq.ParquetFile(fs.open(path, "rb")).metadata.num_rows for path in fs.find(folder) if path.endswith(".parquet"))


def staged_counts(fs: Any, stage: str, run_date: str) -> dict[str, int]:
    out = {}
    for table, schema in TABLES.items():
        out[table] = read_staged(fs, partition_dir(stage, table, run_date), columns=["doc_id"], schema=schema).height
    return out
