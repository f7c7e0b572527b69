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

import ray.data

from yayi_batch.finalize import checks, ray_ops
from yayi_batch.finalize import documents as docs_step
from yayi_batch.finalize.summary import RunSummary
from yayi_batch.fs import arrow_filesystem, display_uri, join
from yayi_batch.generate.engine import LIGHT_STAGE_CPUS
from yayi_batch.model.node import token_counter_on_this_node
from yayi_batch.read import InputError
from yayi_batch.read.dataset import find_duplicate_ids, read_documents
from yayi_batch.run.checkpoint import checkpointed
from yayi_batch.run.context import RunContext
from yayi_batch.run.manifest import build_manifest
from yayi_batch.schema import Pass
from yayi_batch.steps import answers as answers_step
from yayi_batch.steps import prepare as prepare_step
from yayi_batch.steps import prompt_rows as prompt_step
from yayi_batch.write.sink import TablesSink
from yayi_batch.write.tables import count_rows

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
    n_prompts = count_rows(staging.fs, folder)
    if n_prompts:
        with checkpointed(staging, step):
            # Blocks of rows_per_block prompts (streaming, no barrier): each is one write task,
            # i.e. one unit of output that streams to storage and that the checkpoint commits.
            # At most engine.max_blocks of them: the driver keeps a record per block (see config).
            prompts = ray.data.read_parquet(folder, filesystem=arrow_filesystem(staging.fs), partitioning=None).repartition(
                target_num_rows_per_block=cfg.engine.block_rows(n_prompts))
            answers = ctx.generate_fn(prompts, cfg, ctx.model)
            parsed = answers.map_batches(answers_step.ParseAnswers(ctx.id, attempt=attempt), batch_format="pyarrow",
                                         num_cpus=LIGHT_STAGE_CPUS)
            parsed.write_datasink(TablesSink(cfg.output.path, cfg.output.storage_options, ctx.id, ctx.run_date))
    ctx.generate_seconds += time.perf_counter() - t0
    if cfg.engine.fail_on_error:  # before the pass is marked done: a rerun checks again
        failed = checks.engine_failures(staging.fs, staging.path, ctx.run_date, attempt)
        checks.verify_no_engine_errors(failed, ctx.id, step.value, display_uri(staging.fs, staging.path))


def extract(ctx: RunContext) -> None:
    """Pass 2: every staged prompt through the engine, first attempt."""
    _extract(ctx, PROMPTS, Pass.EXTRACT, attempt=1)


def stage_retry_prompts(ctx: RunContext) -> None:
    """Pass 3a: answers cut at max_tokens -> prompt rows on the two halves of their chunk, staged.

    In Ray Data (finalize/ray_ops.py): the cut answers are found per block, then shuffled with the
    chunk rows by chunk_id; the driver holds neither.
    """
    staging = ctx.staging
    staging.remove(RETRY_PROMPTS)
    n = ray_ops.stage_retry_prompts(staging.fs, staging.path, ctx.id, ctx.run_date, ctx.cfg.extraction,
                                    join(staging.path, RETRY_PROMPTS))
    if n:
        log.info("retrying %d answers cut at max_tokens: %d prompts on half chunks", n,
                 count_rows(staging.fs, join(staging.path, RETRY_PROMPTS)))


def retry(ctx: RunContext) -> None:
    """Pass 3b: the retry prompts through the engine, second attempt."""
    _extract(ctx, RETRY_PROMPTS, Pass.RETRY, attempt=2)


def finalize(ctx: RunContext) -> None:
    """Pass 4: merge mentions found twice, build `documents`, count, save the manifest.

    All of it in Ray Data over the staged tables (finalize/ray_ops.py): the driver holds counts,
    file names and the summary's value counts, nothing that grows with the corpus. Safe to run
    again after a kill: what it wrote is cleared first, the merge finishes or redoes its swap.
    """
    fs, stage, cfg = ctx.staging.fs, ctx.staging.path, ctx.cfg
    # Mentions are found twice only by overlapping chunks or by a retry of a chunk: else no merge.
    if cfg.chunk.overlap_tokens > 0 or count_rows(fs, join(stage, RETRY_PROMPTS)):
        log.info("merged mentions found twice in chunk overlaps or retries: %s",
                 ray_ops.merge_found_twice(fs, stage, ctx.id, ctx.run_date))
    ray_ops.build_documents(fs, stage, cfg.output.path, cfg.output.storage_options, ctx.id, ctx.run_date,
                            len(cfg.extraction.tasks), cfg.input.passthrough_columns)
    docs_step.stage_bad_file_errors(fs, stage, ctx.id, ctx.run_date, ctx.bad_files)
    summary = ray_ops.summarize(fs, stage, ctx.run_date, wall_s=time.perf_counter() - ctx.t0, generate_s=ctx.generate_seconds,
                                output=cfg.output.path, run_id=ctx.id, n_inputs=len(ctx.files))
    summary.skipped_inputs = len(ctx.skipped)
    summary.bad_inputs = len(ctx.bad_files)
    summary.resumed_passes = ctx.resumed_passes
    ctx.staging.save_manifest(build_manifest(ctx, summary, finished=dt.datetime.now(dt.timezone.utc)))


def verify(ctx: RunContext) -> checks.CountReport:
    """The count check that ends every run before publishing (finalize/checks.py); raises RunFailed."""
    staging = ctx.staging
    folders = [PROMPTS] + ([RETRY_PROMPTS] if ctx.cfg.sampling.retry_truncated else [])
    orphans = ray_ops.find_orphans(staging.fs, staging.path, ctx.run_date)
    report = checks.count_check(staging.fs, staging.path, ctx.run_date, [(ctx.fs_in, f["fs_path"]) for f in ctx.files], folders,
                                orphans)
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
