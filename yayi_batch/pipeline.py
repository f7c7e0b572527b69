"""run(cfg): read -> chunk -> prompt -> generate -> parse/ground -> write -> publish.

Two Ray Data passes over storage, both streaming:
1. prepare: documents -> chunk rows, staged as Parquet (cheap; also the list of every document);
2. extract: chunk rows -> prompts -> vLLM -> parsed, grounded rows -> staged tables.
Then the driver builds `documents` from what was staged and publishes the run.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import logging
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
from yayi_batch.io.publish import build_documents, dedupe_overlaps, read_staged, publish, published_inputs, stage_documents, staged_counts
from yayi_batch.io.read import list_inputs, read_documents
from yayi_batch.io.write import TablesSink, partition_dir, staging_dir
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


def run(cfg: JobConfig, *, generate_fn: Callable[..., ray.data.Dataset] = generate) -> RunSummary:
    """Run the job; `generate_fn` is the engine step (tests pass a fake one, nothing else does)."""
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
    model = resolve_model(cfg.model.source, cfg.model.profile, cfg.model.tokenizer, cfg.model.cache_dir)
    max_chunk = chunk_tokens(cfg, model)
    run_id = make_run_id(cfg, files)
    run_date = cfg.output.run_date.isoformat()
    stage = staging_dir(out_base, run_id)
    if fs_out.exists(stage):  # leftovers of a killed attempt of this very run
        fs_out.rm(stage, recursive=True)
    log.info("run %s: %d input files, chunks of <= %d tokens", run_id, len(files), max_chunk)

    _init_ray(cfg)

    # Pass 1: every document -> chunk rows (or one placeholder row), staged.
    prepare = prepare_step.PrepareChunks(
        max_chunk_tokens=max_chunk,
        overlap_tokens=cfg.chunk.overlap_tokens,
        lang=cfg.extraction.lang,
        passthrough=cfg.input.passthrough_columns,
        counter_factory=functools.partial(token_counter, model.tokenizer_path),
    )
    docs = read_documents(fs_in, files, cfg.input)
    docs.map_batches(prepare, batch_format="pyarrow", batch_size=64).write_parquet(
        join(stage, "chunks"), filesystem=arrow_filesystem(fs_out)
    )

    # Pass 2: chunks -> prompts -> engine -> parsed records -> staged tables.
    t_gen = time.perf_counter()
    chunks = ray.data.read_parquet(join(stage, "chunks"), filesystem=arrow_filesystem(fs_out), partitioning=None)
    prompts = chunks.map_batches(prompt_step.BuildPromptRows(cfg.extraction), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS)
    answers = generate_fn(prompts, cfg, model.path, model.tokenizer)
    parsed = answers.map_batches(answers_step.ParseAnswers(run_id), batch_format="pyarrow", num_cpus=LIGHT_STAGE_CPUS)
    sink = TablesSink(cfg.output.path, cfg.output.storage_options, run_id, run_date)
    parsed.write_datasink(sink)
    retried = _retry_truncated(cfg, fs_out, stage, run_id, run_date, model, generate_fn, sink) if cfg.sampling.retry_truncated else 0
    gen_seconds = time.perf_counter() - t_gen

    if cfg.chunk.overlap_tokens or retried:
        log.info("merged mentions found twice in chunk overlaps: %s", dedupe_overlaps(fs_out, stage, run_id, run_date))
    documents, extra_errors = build_documents(
        fs_out, stage, run_id, run_date, len(cfg.extraction.tasks), cfg.input.passthrough_columns
    )
    stage_documents(fs_out, stage, run_id, run_date, documents, extra_errors)
    if fs_out.exists(join(stage, "chunks")):
        fs_out.rm(join(stage, "chunks"), recursive=True)
    counts = staged_counts(fs_out, stage, run_date)
    summary = summarize(fs_out, stage, run_date, counts, wall_s=time.perf_counter() - t0, generate_s=gen_seconds,
                        output=cfg.output.path, run_id=run_id, n_inputs=len(files))
    summary.skipped_inputs = len(skipped)
    manifest = {
        "run_id": run_id,
        "run_date": run_date,
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "config_fingerprint": cfg.fingerprint(),
        "model": {"source": cfg.model.source, "profile": cfg.model.profile, "path": model.path},
        "counts": counts,
        "inputs": [{k: f[k] for k in ("path", "size", "version")} for f in files],
        "summary": summary.as_dict(),
    }
    publish(fs_out, out_base, run_id, run_date, manifest, incremental=cfg.input.since_manifest)
    if cfg.output.report:
        summary.report_path = _write_report(cfg)
    return summary


def _retry_truncated(cfg: JobConfig, fs: Any, stage: str, run_id: str, run_date: str, model: ResolvedModel,
                     generate_fn: Callable[..., ray.data.Dataset], sink: TablesSink) -> int:
    """Pass 3 (only when needed): answers cut at max_tokens, asked again on half chunks."""
    answers = read_staged(fs, partition_dir(stage, "answers", run_date), columns=["chunk_id", "task", "finish_reason"], schema=ANSWERS)
    truncated = answers.filter(pl.col("finish_reason") == "length").select("chunk_id", "task")
    if truncated.height == 0:
        return 0
    chunks = read_staged(fs, join(stage, "chunks"), columns=["doc_id", "chunk_id", "chunk_start", "chunk_text", "lang"])
    halves = retry_step.half_chunks(chunks.to_arrow(), truncated.to_arrow())
    log.info("retrying %d answers cut at max_tokens on %d half chunks", truncated.height, halves.num_rows)
    prompts = ray.data.from_arrow(halves).map_batches(prompt_step.BuildPromptRows(cfg.extraction), batch_format="pyarrow")
    retried = generate_fn(prompts, cfg, model.path, model.tokenizer)
    retried.map_batches(answers_step.ParseAnswers(run_id, attempt=2), batch_format="pyarrow",
                        num_cpus=LIGHT_STAGE_CPUS).write_datasink(sink)
    return truncated.height


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
