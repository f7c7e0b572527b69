"""run(cfg): read -> chunk -> prompt -> generate -> parse/ground -> write -> publish.

Ray Data passes over storage, all streaming:
1. prepare: documents -> chunk rows and prompt rows, staged as Parquet (cheap; also the list of
   every document);
2. extract: prompt rows -> vLLM -> parsed, grounded rows -> staged tables (checkpointed);
3. retry (only when needed): answers cut at max_tokens, asked again on half chunks.
Then the driver builds `documents` from what was staged and publishes the run.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from typing import Any, Callable

import polars as pl
import ray
import ray.data

from yayi_batch.config import ConfigError, JobConfig
from yayi_batch.generate import ADDS as GENERATE_ADDS
from yayi_batch.generate import NEEDS as GENERATE_NEEDS
from yayi_batch.generate import LIGHT_STAGE_CPUS, generate
from yayi_batch.io.fs import arrow_filesystem, filesystem, join
from yayi_batch.io.publish import (build_documents, clear_documents, count_rows, dedupe_overlaps, publish, published_inputs, published_manifest,
                                   read_staged, stage_documents)
from yayi_batch.io.read import list_inputs, read_documents
from yayi_batch.io.stage import Staging, checkpointed
from yayi_batch.io.write import TablesSink, partition_dir, staging_dir, write_table
from yayi_batch.models import PromptStyle, ResolvedModel, resolve_model
from yayi_batch.prompts.build import longest_template
from yayi_batch.schema import ANSWERS, stable_id
from yayi_batch.steps import Columns, check_chain
from yayi_batch.steps import answers as answers_step
from yayi_batch.steps import prepare as prepare_step
from yayi_batch.steps import prompt_rows as prompt_step
from yayi_batch.steps import retry as retry_step
from yayi_batch.summary import RunSummary, summarize
from yayi_batch.tokens import CHAT_TEMPLATE_MARGIN, chunk_budget, token_counter

log = logging.getLogger(__name__)


def check_steps() -> None:
    """Each step's needed columns come from an earlier one: checked once, before any work."""
    check_chain(
        ("doc_id", "text", "source_path"),
        [
            ("prepare", prepare_step.COLUMNS),
            ("prompt_rows", prompt_step.COLUMNS),
            ("generate", Columns(GENERATE_NEEDS, GENERATE_ADDS)),
            ("answers", answers_step.COLUMNS),
        ],
    )


def make_run_id(cfg: JobConfig, files: list[dict[str, Any]]) -> str:
    """Same date, config and input files -> same run id: a rerun or a resume finds its own staging."""
    inputs = [(f["path"], f["size"], f["version"]) for f in files]
    return f"{cfg.output.run_date.isoformat()}-{cfg.fingerprint()[:8]}-{stable_id(inputs)[:8]}"


def chunk_tokens(cfg: JobConfig, model: ResolvedModel) -> int:
    count = token_counter(model.tokenizer_path)
    margin = CHAT_TEMPLATE_MARGIN if model.profile.style is PromptStyle.CHAT else 8
    budget = chunk_budget(cfg.model.max_model_len, cfg.sampling.max_tokens, count(longest_template(cfg.extraction)), margin)
    if budget < 32:
        raise ConfigError(
            f"model.max_model_len {cfg.model.max_model_len} leaves {budget} tokens for text after "
            f"sampling.max_tokens {cfg.sampling.max_tokens} and the prompt template: raise the one or lower the other"
        )
    if cfg.chunk.max_chunk_tokens:
        if cfg.chunk.max_chunk_tokens > budget:
            raise ConfigError(f"chunk.max_chunk_tokens {cfg.chunk.max_chunk_tokens} exceeds the {budget} tokens that fit the context")
        return cfg.chunk.max_chunk_tokens
    return budget


PASSES = ("prepare", "extract", "retry_prompts", "retry", "finalize", "publish")


def run(cfg: JobConfig, *, generate_fn: Callable[..., ray.data.Dataset] = generate) -> RunSummary:
    """Run the job; `generate_fn` is the engine step (tests pass a fake one, nothing else does).

    Resumable: the same command after a kill finds the run's staging folder (same run id) and
    goes on from the last finished pass; inside an extract pass Ray Data's checkpoint skips the
    prompts whose answers are written. A run already published is not run again.
    """
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    check_steps()
    fs_in, files = list_inputs(cfg.input)
    fs_out, out_base = filesystem(cfg.output.path, cfg.output.storage_options)
    skipped: list[str] = []
    if cfg.input.since_manifest:
        done = published_inputs(fs_out, out_base, cfg.fingerprint())
        skipped = [f["path"] for f in files if (f["path"], f["version"]) in done]
        files = [f for f in files if (f["path"], f["version"]) not in done]
        log.info("nightly mode: %d shard(s) already published with this config, %d new", len(skipped), len(files))
        if not files:
            return RunSummary.nothing_to_do(cfg.output.path, n_skipped=len(skipped))
    run_id = make_run_id(cfg, files)
    staging = Staging(fs_out, staging_dir(out_base, run_id))
    published = published_manifest(fs_out, out_base, run_id)
    if published is not None and not cfg.output.force and not staging.exists():
        log.info("run %s is already published (same date, config and inputs): nothing to do", run_id)
        return RunSummary.already_published(published)
    model = resolve_model(cfg.model.source, cfg.model.profile, cfg.model.tokenizer, cfg.model.cache_dir)
    max_chunk = chunk_tokens(cfg, model)
    run_date = cfg.output.run_date.isoformat()
    resumed = [p for p in PASSES if staging.done(p)]
    log.info("run %s: %d input files, chunks of <= %d tokens%s", run_id, len(files), max_chunk,
             f"; resuming after {', '.join(resumed)}" if resumed else "")

    _warn_other_stagings(fs_out, out_base, run_id)
    _init_ray(cfg)
    if not staging.done("prepare"):
        staging.reset()  # leftovers of an attempt killed before its first pass finished
        _prepare(cfg, fs_in, files, staging, model, max_chunk)
        staging.mark("prepare")

    t_gen = time.perf_counter()
    extract = functools.partial(_extract, cfg, staging, run_id, run_date, model, generate_fn)
    if not staging.done("extract"):
        extract("prompts", "extract", attempt=1)
    if cfg.sampling.retry_truncated:
        if not staging.done("retry_prompts"):
            _stage_retry_prompts(cfg, staging, run_date)
            staging.mark("retry_prompts")
        if not staging.done("retry"):
            extract("retry_prompts", "retry", attempt=2)
    gen_seconds = time.perf_counter() - t_gen

    if not staging.done("finalize"):
        summary = _finalize(cfg, staging, run_id, run_date, len(files), t0, gen_seconds)
        summary.skipped_inputs = len(skipped)
        summary.resumed_passes = resumed
        staging.save_manifest({
            "run_id": run_id,
            "run_date": run_date,
            "started_at": started.isoformat(),
            "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "config_fingerprint": cfg.fingerprint(),
            "model": {"source": cfg.model.source, "profile": cfg.model.profile, "path": model.path},
            "counts": summary.rows,
            "inputs": [{k: f[k] for k in ("path", "size", "version")} for f in files],
            "summary": summary.as_dict(),
        })
        staging.mark("finalize")
    manifest = staging.load_manifest()
    publish(fs_out, out_base, run_id, run_date, manifest, incremental=cfg.input.since_manifest, staging=staging)
    summary = RunSummary.from_manifest(manifest)
    if cfg.output.report:
        summary.report_path = _write_report(cfg)
    return summary


def _warn_other_stagings(fs: Any, output: str, run_id: str) -> None:
    """Unfinished runs with other inputs or another config are never resumed by this one: say so."""
    root = join(output, "_staging")
    fs.invalidate_cache()
    others = [p for p in (fs.ls(root, detail=False) if fs.exists(root) else []) if p.rstrip("/").rsplit("/", 1)[-1] != run_id]
    if others:
        log.warning("unfinished runs under %s (other inputs, date or config; not resumed by this run, safe to delete): %s",
                    root, ", ".join(p.rstrip("/").rsplit("/", 1)[-1] for p in others))


def _prepare(cfg: JobConfig, fs_in: Any, files: list[dict[str, Any]], staging: Staging, model: ResolvedModel,
             max_chunk: int) -> None:
    """Pass 1: every document -> chunk rows (or one placeholder row), then prompt rows; both staged."""
    prepare = prepare_step.PrepareChunks(
        max_chunk_tokens=max_chunk,
        overlap_tokens=cfg.chunk.overlap_tokens,
        lang=cfg.extraction.lang,
        passthrough=cfg.input.passthrough_columns,
        counter_factory=functools.partial(token_counter, model.tokenizer_path),
    )
    arrow_fs = arrow_filesystem(staging.fs)
    docs = read_documents(fs_in, files, cfg.input)
    docs.map_batches(prepare, batch_format="pyarrow", batch_size=64).write_parquet(join(staging.path, "chunks"), filesystem=arrow_fs)
    chunks = ray.data.read_parquet(join(staging.path, "chunks"), filesystem=arrow_fs, partitioning=None)
    chunks.map_batches(prompt_step.BuildPromptRows(cfg.extraction), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS).write_parquet(
        join(staging.path, "prompts"), filesystem=arrow_fs)


def _extract(cfg: JobConfig, staging: Staging, run_id: str, run_date: str, model: ResolvedModel,
             generate_fn: Callable[..., ray.data.Dataset], source: str, step: str, *, attempt: int) -> None:
    """Passes 2 and 3: staged prompt rows -> engine -> parsed records -> staged tables.

    Checkpointed by prompt_id: a resumed pass reads only the prompts with no committed answer.
    """
    folder = join(staging.path, source)
    n_prompts = count_rows(staging.fs, folder)
    if n_prompts:
        with checkpointed(staging, step):
            # Blocks of rows_per_block prompts (streaming, no barrier): each is one write task,
            # i.e. one unit of output that streams to storage and that the checkpoint commits.
            prompts = ray.data.read_parquet(folder, filesystem=arrow_filesystem(staging.fs), partitioning=None).repartition(
                target_num_rows_per_block=cfg.engine.rows_per_block)
            answers = generate_fn(prompts, cfg, model.path, model.tokenizer)
            parsed = answers.map_batches(answers_step.ParseAnswers(run_id, attempt=attempt), batch_format="pyarrow",
                                         num_cpus=LIGHT_STAGE_CPUS)
            parsed.write_datasink(TablesSink(cfg.output.path, cfg.output.storage_options, run_id, run_date))
    staging.mark(step)
    staging.remove(f"_checkpoint/{step}")


def _stage_retry_prompts(cfg: JobConfig, staging: Staging, run_date: str) -> int:
    """Answers cut at max_tokens, asked again on half chunks: their prompt rows, staged."""
    staging.remove("retry_prompts")
    answers = read_staged(staging.fs, partition_dir(staging.path, "answers", run_date),
                          columns=["chunk_id", "task", "finish_reason"], schema=ANSWERS)
    truncated = answers.filter(pl.col("finish_reason") == "length").select("chunk_id", "task").unique().sort("chunk_id", "task")
    if truncated.height == 0:
        return 0
    chunks = read_staged(staging.fs, join(staging.path, "chunks"), columns=["doc_id", "chunk_id", "chunk_start", "chunk_text", "lang"])
    prompts = prompt_step.BuildPromptRows(cfg.extraction)(retry_step.half_chunks(chunks.to_arrow(), truncated.to_arrow()))
    log.info("retrying %d answers cut at max_tokens: %d prompts on half chunks", truncated.height, prompts.num_rows)
    write_table(staging.fs, join(staging.path, "retry_prompts"), prompts, "retry")
    return truncated.height


def _finalize(cfg: JobConfig, staging: Staging, run_id: str, run_date: str, n_inputs: int, t0: float,
              gen_seconds: float) -> RunSummary:
    """Merge mentions found twice, build `documents`, count. Safe to run again after a kill."""
    fs, stage = staging.fs, staging.path
    clear_documents(fs, stage, run_id, run_date)
    log.info("merged mentions found twice in chunk overlaps or retries: %s", dedupe_overlaps(fs, stage, run_id, run_date))
    documents, extra_errors = build_documents(fs, stage, run_id, run_date, len(cfg.extraction.tasks), cfg.input.passthrough_columns)
    stage_documents(fs, stage, run_id, run_date, documents, extra_errors)
    return summarize(fs, stage, run_date, wall_s=time.perf_counter() - t0, generate_s=gen_seconds,
                     output=cfg.output.path, run_id=run_id, n_inputs=n_inputs)


def _init_ray(cfg: JobConfig) -> None:
    """Join the cluster this job was submitted to (or cfg.ray.address), else start a local Ray."""
    if ray.is_initialized():
        return
    address = cfg.ray.address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address)
    else:
        ray.init(address="local", num_cpus=cfg.ray.local_num_cpus or max(4, os.cpu_count() or 1))


def _write_report(cfg: JobConfig) -> str | None:
    """{output}/_report/index.html for the run just published (the newest manifest)."""
    try:
        from yayi_batch.report import write_report

        return write_report(cfg.output.path, storage_options=cfg.output.storage_options)
    except Exception as exc:  # a report must never fail a run that has published its tables
        log.warning("run report not written: %s", exc)
        return None
