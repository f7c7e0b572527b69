"""The passes of a run, each a small function of the RunContext, in the order they run.

1. prepare: documents -> chunk rows and prompt rows, staged (read -> chunk -> prompt);
2. extract: staged prompt rows -> vLLM -> parsed, grounded rows -> staged tables
   (generate -> parse -> ground -> write), checkpointed by prompt_id;
3. retry_prompts / retry (when `sampling.retry_truncated`): answers cut at max_tokens, asked
   again on half chunks;
4. finalize: merge mentions found twice, build `documents`, count, save the manifest.
Publishing (moving files) follows in publish/commit.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import ray.data

from yayi_batch.finalize import checks
from yayi_batch.finalize.documents import build_documents, clear_documents, stage_documents
from yayi_batch.finalize.overlaps import dedupe_overlaps
from yayi_batch.finalize.summary import RunSummary, summarize
from yayi_batch.fs import arrow_filesystem, display_uri, join
from yayi_batch.generate.engine import LIGHT_STAGE_CPUS
from yayi_batch.model.node import token_counter_on_this_node
from yayi_batch.read import InputError
from yayi_batch.read.dataset import find_duplicate_ids, read_documents
from yayi_batch.run.checkpoint import checkpointed
from yayi_batch.run.context import RunContext
from yayi_batch.run.manifest import build_manifest
from yayi_batch.schema import ANSWERS, FinishReason, Pass, Table
from yayi_batch.steps import answers as answers_step
from yayi_batch.steps import prepare as prepare_step
from yayi_batch.steps import prompt_rows as prompt_step
from yayi_batch.steps import retry as retry_step
from yayi_batch.write.paths import partition_dir
from yayi_batch.write.sink import TablesSink
from yayi_batch.write.tables import count_rows, read_staged, write_table

log = logging.getLogger(__name__)

CHUNKS, PROMPTS, RETRY_PROMPTS = "chunks", "prompts", "retry_prompts"  # staged folders of pass 1 and 3


@dataclass(frozen=True)
class RunPass:
    name: Pass
    run: Callable[[RunContext], None]


def prepare(ctx: RunContext) -> None:
    """Pass 1: every document -> chunk rows (or one placeholder row), then prompt rows; both staged."""
    ctx.staging.reset()  # leftovers of an attempt killed before its first pass finished
    cfg, staging = ctx.cfg, ctx.staging
    assert ctx.model is not None
    chunker = prepare_step.PrepareChunks(
        max_chunk_tokens=ctx.max_chunk_tokens,
        overlap_tokens=cfg.chunk.overlap_tokens,
        lang=cfg.extraction.lang,
        passthrough=cfg.input.passthrough_columns,
        # Resolved on the node the chunk task runs on (cached there), never from the driver's disk.
        counter_factory=functools.partial(token_counter_on_this_node, ctx.model_spec),
    )
    arrow_fs = arrow_filesystem(staging.fs)
    dups = find_duplicate_ids(ctx.fs_in, ctx.files, cfg.input)
    if dups.n_ids and cfg.input.duplicate_ids == "fail":
        raise InputError(dups.message())
    if dups.n_ids:
        log.warning("input.duplicate_ids=keep_first: %d id(s) occur more than once; %d later occurrence(s) become "
                    "invalid documents with an errors row (kind duplicate_id)", dups.n_ids, dups.n_later)
        chunker.later_duplicates = dups.later
    docs = read_documents(ctx.fs_in, ctx.files, cfg.input, row_hash=bool(dups.later))
    docs.map_batches(chunker, batch_format="pyarrow", batch_size=64).write_parquet(join(staging.path, CHUNKS), filesystem=arrow_fs)
    chunks = ray.data.read_parquet(join(staging.path, CHUNKS), filesystem=arrow_fs, partitioning=None)
    chunks.map_batches(prompt_step.BuildPromptRows(cfg.extraction), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS).write_parquet(
        join(staging.path, PROMPTS), filesystem=arrow_fs)


def _extract(ctx: RunContext, source: str, step: Pass, attempt: int) -> None:
    """Staged prompt rows -> engine -> parsed records -> staged tables.

    Checkpointed by prompt_id: a resumed pass reads only the prompts with no committed answer.
    """
    t0 = time.perf_counter()
    staging, cfg = ctx.staging, ctx.cfg
    assert ctx.model is not None
    folder = join(staging.path, source)
    if count_rows(staging.fs, folder):
        with checkpointed(staging, step):
            # Blocks of rows_per_block prompts (streaming, no barrier): each is one write task,
            # i.e. one unit of output that streams to storage and that the checkpoint commits.
            prompts = ray.data.read_parquet(folder, filesystem=arrow_filesystem(staging.fs), partitioning=None).repartition(
                target_num_rows_per_block=cfg.engine.rows_per_block)
            answers = ctx.generate_fn(prompts, cfg, ctx.model.path, ctx.model.tokenizer)
            parsed = answers.map_batches(answers_step.ParseAnswers(ctx.id, attempt=attempt), batch_format="pyarrow",
                                         num_cpus=LIGHT_STAGE_CPUS)
            parsed.write_datasink(TablesSink(cfg.output.path, cfg.output.storage_options, ctx.id, ctx.run_date))
    ctx.generate_seconds += time.perf_counter() - t0
    if cfg.engine.fail_on_error:  # before the pass is marked done: a rerun checks again
        failed = [r for r in checks.engine_failures(staging.fs, staging.path, ctx.run_date) if r["attempt"] == attempt]
        checks.verify_no_engine_errors(failed, ctx.id, step.value, display_uri(staging.fs, staging.path))


def extract(ctx: RunContext) -> None:
    """Pass 2: every staged prompt through the engine, first attempt."""
    _extract(ctx, PROMPTS, Pass.EXTRACT, attempt=1)


def stage_retry_prompts(ctx: RunContext) -> None:
    """Pass 3a: answers cut at max_tokens -> prompt rows on the two halves of their chunk, staged."""
    staging = ctx.staging
    staging.remove(RETRY_PROMPTS)
    answers = read_staged(staging.fs, partition_dir(staging.path, Table.ANSWERS.value, ctx.run_date),
                          columns=["chunk_id", "task", "finish_reason"], schema=ANSWERS)
    truncated = (answers.filter(pl.col("finish_reason") == FinishReason.LENGTH.value)
                 .select("chunk_id", "task").unique().sort("chunk_id", "task"))
    if truncated.height == 0:
        return
    chunks = read_staged(staging.fs, join(staging.path, CHUNKS), columns=["doc_id", "chunk_id", "chunk_start", "chunk_text", "lang"])
    prompts = prompt_step.BuildPromptRows(ctx.cfg.extraction)(retry_step.half_chunks(chunks.to_arrow(), truncated.to_arrow()))
    log.info("retrying %d answers cut at max_tokens: %d prompts on half chunks", truncated.height, prompts.num_rows)
    write_table(staging.fs, join(staging.path, RETRY_PROMPTS), prompts, "retry")


def retry(ctx: RunContext) -> None:
    """Pass 3b: the retry prompts through the engine, second attempt."""
    _extract(ctx, RETRY_PROMPTS, Pass.RETRY, attempt=2)


def finalize(ctx: RunContext) -> None:
    """Pass 4: merge mentions found twice, build `documents`, count, save the manifest.

    Safe to run again after a kill: what it wrote is cleared first, the merge is idempotent.
    """
    fs, stage, cfg = ctx.staging.fs, ctx.staging.path, ctx.cfg
    clear_documents(fs, stage, ctx.id, ctx.run_date)
    log.info("merged mentions found twice in chunk overlaps or retries: %s", dedupe_overlaps(fs, stage, ctx.id, ctx.run_date))
    documents, extra_errors = build_documents(fs, stage, ctx.id, ctx.run_date, len(cfg.extraction.tasks), cfg.input.passthrough_columns,
                                              bad_files=ctx.bad_files)
    stage_documents(fs, stage, ctx.id, ctx.run_date, documents, extra_errors)
    summary = summarize(fs, stage, ctx.run_date, wall_s=time.perf_counter() - ctx.t0, generate_s=ctx.generate_seconds,
                        output=cfg.output.path, run_id=ctx.id, n_inputs=len(ctx.files))
    summary.skipped_inputs = len(ctx.skipped)
    summary.bad_inputs = len(ctx.bad_files)
    summary.resumed_passes = ctx.resumed_passes
    ctx.staging.save_manifest(build_manifest(ctx, summary, finished=dt.datetime.now(dt.timezone.utc)))


def verify(ctx: RunContext) -> checks.CountReport:
    """The count check that ends every run before publishing (finalize/checks.py); raises RunFailed."""
    staging = ctx.staging
    folders = [PROMPTS] + ([RETRY_PROMPTS] if ctx.cfg.sampling.retry_truncated else [])
    report = checks.count_check(staging.fs, staging.path, ctx.run_date, [(ctx.fs_in, f["fs_path"]) for f in ctx.files], folders)
    checks.verify_counts(report, ctx.id, display_uri(staging.fs, staging.path))
    log.info("count check: %d input rows = %d documents, %d prompts = %d answers, every row references a document",
             report.input_rows, report.documents, report.prompts, report.answers)
    return report


def passes(ctx: RunContext) -> list[RunPass]:
    """The passes of this run, in order (the retry pair only when retries are on)."""
    steps = [RunPass(Pass.PREPARE, prepare), RunPass(Pass.EXTRACT, extract)]
    if ctx.cfg.sampling.retry_truncated:
        steps += [RunPass(Pass.RETRY_PROMPTS, stage_retry_prompts), RunPass(Pass.RETRY, retry)]
    return steps + [RunPass(Pass.FINALIZE, finalize)]


__all__ = ["RunPass", "RunSummary", "passes", "verify"]
