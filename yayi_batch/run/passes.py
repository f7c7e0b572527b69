"""The passes of a run: one list, in the order they run, each declaring what it reads, what it
writes, the per-batch stages it runs (with the columns each needs and adds) and the CPU share of
its light Ray stages. `check_passes` checks the declarations once, against the real row schemas
(schema/columns.py) and the tables (schema/tables.py); tests/run/test_passes.py runs it.

1. prepare: documents -> chunk rows and prompt rows, staged (read -> chunk -> prompt);
2. extract: staged prompt rows -> engine -> parsed, grounded rows -> staged tables
   (generate -> parse -> ground -> write), checkpointed by prompt_id;
3. retry_prompts / retry (with `sampling.retry_truncated`): answers cut at max_tokens, asked
   again on half chunks;
4. finalize: merge mentions found twice, build `documents`, summarize, save the manifest;
5. verify: the count check, before anything is published;
6. publish: move the staged files into place, the manifest, `_SUCCESS` last.

A pass gets the immutable `Job` and the results of the passes before it in this attempt, and
returns what it produced (a small dict of counts and seconds).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import ray.data

from yayi_batch.chunk import retry as retry_rows
from yayi_batch.chunk import rows as chunk_rows
from yayi_batch.config import JobConfig
from yayi_batch.finalize import checks, ray_ops
from yayi_batch.finalize import documents as docs_step
from yayi_batch.fs import arrow_filesystem
from yayi_batch.generate import rows as generate_rows
from yayi_batch.model.node import token_counter_on_this_node
from yayi_batch.parse import rows as answer_rows
from yayi_batch.prompts import rows as prompt_rows
from yayi_batch.publish.commit import publish
from yayi_batch.read import InputError
from yayi_batch.read.dataset import find_duplicate_ids, read_documents
from yayi_batch.resources import LIGHT_STAGE_CPUS
from yayi_batch.run import timeline
from yayi_batch.run.checkpoint import checkpointed
from yayi_batch.run.context import Job
from yayi_batch.run.manifest import build_manifest
from yayi_batch.schema import ANSWER_RECORD_TABLES, TABLES, Pass, Table
from yayi_batch.schema.columns import (
    ANSWER_ROWS,
    CHUNK_ROWS,
    DOCUMENT_ROWS,
    GENERATED_ROWS,
    PROMPT_ROWS,
    RETRY_CHUNK_ROWS,
    Columns,
    StepChainError,
    check_stage,
)
from yayi_batch.write.sink import TablesSink
from yayi_batch.write.staged import CHUNKS, PROMPTS, RETRY_PROMPTS
from yayi_batch.write.tables import count_rows

log = logging.getLogger(__name__)

Results = Mapping[Pass, dict[str, Any]]
INPUT = "input"  # what a pass reads when it reads the input shards
MANIFEST = "_manifest"
ANSWER_TABLES = (Table.ANSWERS.value, *ANSWER_RECORD_TABLES)  # what an extract pass writes


@dataclass(frozen=True)
class Stage:
    """A per-batch adapter inside a pass: the rows it reads, its declared columns, the rows it writes."""

    name: str
    columns: Columns
    reads: pa.Schema
    writes: pa.Schema


@dataclass(frozen=True)
class PassSpec:
    name: Pass
    run: Callable[[Job, Results], dict[str, Any]]
    reads: tuple[str, ...]  # INPUT, staged row folders (chunks, prompts, ...), tables, MANIFEST
    writes: tuple[str, ...]
    stages: tuple[Stage, ...] = ()
    light_cpus: float = LIGHT_STAGE_CPUS  # CPUs per task of its light Ray stages
    only_if: Callable[[JobConfig], bool] | None = field(default=None, compare=False)

    def enabled(self, cfg: JobConfig) -> bool:
        return self.only_if is None or self.only_if(cfg)


# --- the passes ------------------------------------------------------------------------------------


def prepare(job: Job, done: Results) -> dict[str, Any]:
    """Every document -> chunk rows (or one placeholder row), then prompt rows; both staged."""
    run, cfg = job.staged, job.cfg
    run.reset()  # leftovers of an attempt killed before its first pass finished
    dups = find_duplicate_ids(job.inputs.fs, list(job.inputs.files), cfg.input)
    if dups.n_ids and cfg.input.duplicate_ids == "fail":
        raise InputError(dups.message())
    if dups.n_ids:
        log.warning(
            "input.duplicate_ids=keep_first: %d id(s) occur more than once; %d later occurrence(s) become "
            "invalid documents with an errors row (kind duplicate_id)",
            dups.n_ids,
            dups.n_later,
        )
    chunker = chunk_rows.PrepareChunks(
        max_chunk_tokens=job.max_chunk_tokens,
        overlap_tokens=cfg.chunk.overlap_tokens,
        lang=cfg.extraction.lang,
        passthrough=cfg.input.passthrough_columns,
        # Resolved on the node the chunk task runs on (cached there), never from the driver's disk.
        counter_factory=functools.partial(token_counter_on_this_node, job.model_spec),
        later_duplicates=dups.later,
    )
    arrow_fs = arrow_filesystem(run.fs)
    docs = read_documents(job.inputs.fs, list(job.inputs.files), cfg.input, row_hash=bool(dups.later))
    chunked = docs.map_batches(chunker, batch_format="pyarrow", batch_size=64)
    chunked.write_parquet(run.folder(CHUNKS), filesystem=arrow_fs)
    ops = timeline.operators(chunked)
    n_chunk_rows = count_rows(run.fs, run.folder(CHUNKS))
    if n_chunk_rows:  # shards with no rows stage no chunk rows, and so no prompts
        chunks = ray.data.read_parquet(run.folder(CHUNKS), filesystem=arrow_fs, partitioning=None)
        prompts = chunks.map_batches(prompt_rows.BuildPromptRows(cfg.extraction), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS)
        prompts.write_parquet(run.folder(PROMPTS), filesystem=arrow_fs)
        ops += timeline.operators(prompts)
    return {"chunk_rows": n_chunk_rows, "prompts": count_rows(run.fs, run.folder(PROMPTS)), "operators": ops}


def _extract(job: Job, source: str, step: Pass, attempt: int) -> dict[str, Any]:
    """Staged prompt rows -> engine -> parsed records -> staged tables.

    Checkpointed by prompt_id: a resumed pass reads only the prompts with no committed answer.
    """
    t0 = time.perf_counter()
    run, cfg = job.staged, job.cfg
    folder = run.folder(source)
    n_prompts = count_rows(run.fs, folder)
    if n_prompts:
        assert job.model is not None
        with checkpointed(run, step):
            # Blocks of rows_per_block prompts (streaming, no barrier): each is one write task,
            # i.e. one unit of output that streams to storage and that the checkpoint commits.
            # At most engine.max_blocks of them: the driver keeps a record per block (see config).
            prompts = ray.data.read_parquet(folder, filesystem=arrow_filesystem(run.fs), partitioning=None).repartition(
                target_num_rows_per_block=cfg.engine.block_rows(n_prompts)
            )
            answers = job.generate_fn(prompts, cfg, job.model)
            parsed = answers.map_batches(
                answer_rows.ParseAnswers(
                    run.run_id, attempt=attempt, calibration=job.calibration, min_confidence=cfg.output.min_confidence
                ),
                batch_format="pyarrow",
                num_cpus=LIGHT_STAGE_CPUS,
            )
            parsed.write_datasink(TablesSink(run))
            ops = timeline.operators(parsed)
    if cfg.engine.fail_on_error:  # before the pass is marked done: a rerun checks again
        checks.verify_no_engine_errors(checks.engine_failures(run, attempt), run, step.value)
    return {"prompts": n_prompts, "seconds": time.perf_counter() - t0, "operators": ops if n_prompts else []}


def extract(job: Job, done: Results) -> dict[str, Any]:
    """Every staged prompt through the engine, first attempt."""
    return _extract(job, PROMPTS, Pass.EXTRACT, attempt=1)


def stage_retry_prompts(job: Job, done: Results) -> dict[str, Any]:
    """Answers cut at max_tokens -> prompt rows on the two halves of their chunk, staged.

    In Ray Data (finalize/ray_ops.py): the cut answers are found per block, then shuffled with the
    chunk rows by chunk_id; the driver holds neither.
    """
    run = job.staged
    run.remove(RETRY_PROMPTS)
    n = ray_ops.stage_retry_prompts(run, job.cfg.extraction)
    prompts = count_rows(run.fs, run.folder(RETRY_PROMPTS)) if n else 0
    if n:
        log.info("retrying %d answers cut at max_tokens: %d prompts on half chunks", n, prompts)
    return {"truncated": n, "prompts": prompts}


def retry(job: Job, done: Results) -> dict[str, Any]:
    """The retry prompts through the engine, second attempt."""
    return _extract(job, RETRY_PROMPTS, Pass.RETRY, attempt=2)


def finalize(job: Job, done: Results) -> dict[str, Any]:
    """Merge mentions found twice, build `documents`, summarize, save the manifest.

    All of it in Ray Data over the staged tables (finalize/ray_ops.py): the driver holds counts,
    file names and the summary's value counts, nothing that grows with the corpus. Safe to run
    again after a kill: what it wrote is cleared first, the merge finishes or redoes its swap.
    """
    run, cfg = job.staged, job.cfg
    merged: dict[str, int] = {}
    # Mentions are found twice only by overlapping chunks or by a retry of a chunk: else no merge.
    if cfg.chunk.overlap_tokens > 0 or count_rows(run.fs, run.folder(RETRY_PROMPTS)):
        merged = ray_ops.merge_found_twice(run)
        log.info("merged mentions found twice in chunk overlaps or retries: %s", merged)
    ray_ops.build_documents(run, len(cfg.extraction.tasks), cfg.input.passthrough_columns)
    docs_step.stage_bad_file_errors(run, list(job.inputs.bad_files))
    generate_s = sum(done[p].get("seconds", 0.0) for p in (Pass.EXTRACT, Pass.RETRY) if p in done)
    summary = ray_ops.summarize(
        run, wall_s=time.perf_counter() - job.t0, generate_s=generate_s, output=cfg.output.path, n_inputs=len(job.inputs.files)
    )
    summary.skipped_inputs = len(job.inputs.skipped)
    summary.bad_inputs = len(job.inputs.bad_files)
    # Passes an earlier attempt finished: marked done, but not run by this attempt.
    summary.resumed_passes = [
        p.value for p in (Pass.PREPARE, Pass.EXTRACT, Pass.RETRY_PROMPTS, Pass.RETRY) if p not in done and run.done(p)
    ]
    manifest = build_manifest(job, summary, finished=dt.datetime.now(dt.timezone.utc))
    run.save_manifest(manifest)
    return {"merged": merged, "documents": summary.documents}


def verify(job: Job, done: Results) -> dict[str, Any]:
    """The count check that ends every run before publishing (finalize/checks.py); raises RunFailed."""
    run = job.staged
    folders = [PROMPTS] + ([RETRY_PROMPTS] if job.cfg.sampling.retry_truncated else [])
    report = checks.count_check(run, job.inputs.fs_paths(), folders, ray_ops.find_orphans(run))
    checks.verify_counts(report, run)
    log.info(
        "count check: %d input rows = %d documents, %d prompts = %d answers, every row references a document",
        report.input_rows,
        report.documents,
        report.prompts,
        report.answers,
    )
    return {"input_rows": report.input_rows, "documents": report.documents, "answers": report.answers}


def publish_run(job: Job, done: Results) -> dict[str, Any]:
    """The staged tables into place (Parquet folders: publish/commit.py; Iceberg commits:
    publish/iceberg.py), then the manifest, `_SUCCESS` last."""
    manifest = job.staged.load_manifest()
    if job.cfg.output.format == "iceberg":
        from yayi_batch.publish.iceberg import publish_iceberg

        manifest = publish_iceberg(job.staged, manifest, job.cfg)
    else:
        publish(job.staged, manifest, incremental=job.cfg.input.since_manifest)
    return {"manifest": manifest}


# --- the list ---------------------------------------------------------------------------------------


def _retries(cfg: JobConfig) -> bool:
    return cfg.sampling.retry_truncated


_ENGINE_STAGES = (
    Stage("generate", generate_rows.COLUMNS, PROMPT_ROWS, GENERATED_ROWS),
    Stage("parse and ground", answer_rows.COLUMNS, GENERATED_ROWS, ANSWER_ROWS),
)
_RECORD_TABLES = tuple(t for t in TABLES if t != Table.DOCUMENTS.value)

PASSES: tuple[PassSpec, ...] = (
    PassSpec(
        Pass.PREPARE,
        prepare,
        reads=(INPUT,),
        writes=(CHUNKS, PROMPTS),
        stages=(
            Stage("chunk rows", chunk_rows.COLUMNS, DOCUMENT_ROWS, CHUNK_ROWS),
            Stage("prompt rows", prompt_rows.COLUMNS, CHUNK_ROWS, PROMPT_ROWS),
        ),
    ),
    PassSpec(Pass.EXTRACT, extract, reads=(PROMPTS,), writes=ANSWER_TABLES, stages=_ENGINE_STAGES),
    PassSpec(
        Pass.RETRY_PROMPTS,
        stage_retry_prompts,
        reads=(Table.ANSWERS.value, CHUNKS),
        writes=(RETRY_PROMPTS,),
        stages=(
            Stage("half chunks", retry_rows.COLUMNS, retry_rows.RETRY_SIDES, RETRY_CHUNK_ROWS),
            Stage("prompt rows", prompt_rows.COLUMNS, RETRY_CHUNK_ROWS, PROMPT_ROWS),
        ),
        only_if=_retries,
    ),
    PassSpec(Pass.RETRY, retry, reads=(RETRY_PROMPTS,), writes=ANSWER_TABLES, stages=_ENGINE_STAGES, only_if=_retries),
    PassSpec(Pass.FINALIZE, finalize, reads=(CHUNKS, *_RECORD_TABLES), writes=(Table.DOCUMENTS.value, Table.ERRORS.value, MANIFEST)),
    PassSpec(Pass.VERIFY, verify, reads=(INPUT, PROMPTS, *TABLES), writes=()),
    PassSpec(Pass.PUBLISH, publish_run, reads=(*TABLES, MANIFEST), writes=()),
)


def passes(cfg: JobConfig) -> list[PassSpec]:
    """The passes this config runs, in order."""
    return [p for p in PASSES if p.enabled(cfg)]


def check_passes(specs: tuple[PassSpec, ...] | list[PassSpec] = PASSES) -> None:
    """Every declaration against the real schemas, once, before any work: each stage's columns
    against the rows it reads and writes, consecutive stages agree on their rows, and every
    folder or table a pass reads is the input or written by an earlier pass."""
    written = {INPUT}
    for spec in specs:
        for stage in spec.stages:
            check_stage(f"{spec.name.value}/{stage.name}", stage.columns, stage.reads, stage.writes)
        for a, b in zip(spec.stages, spec.stages[1:]):
            if not set(b.reads.names) <= set(a.writes.names) | set(b.columns.adds):
                missing = sorted(set(b.reads.names) - set(a.writes.names))
                raise StepChainError(f"pass {spec.name.value}: stage {b.name} reads {missing}, which {a.name} does not write")
        unread = [r for r in spec.reads if r not in written]
        if unread:
            raise StepChainError(f"pass {spec.name.value} reads {unread}, which no earlier pass writes")
        written.update(spec.writes)


__all__ = ["PASSES", "PassSpec", "Stage", "check_passes", "passes"]
