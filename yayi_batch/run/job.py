"""run(cfg): read -> chunk -> prompt -> generate -> parse -> ground -> write -> publish.

A run is a list of passes over storage (run/passes.py), all streaming through Ray Data; the
driver lists the inputs, names the run, resolves the model, and publishes at the end.

Resumable: the same command after a kill finds the run's staging folder (same run id) and goes
on from the last finished pass; inside an extract pass Ray Data's checkpoint skips the prompts
whose answers are written. A run already published is not run again.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import ray

from yayi_batch.config import JobConfig
from yayi_batch.failures import RunFailed, storage_cause
from yayi_batch.finalize.summary import RunSummary
from yayi_batch.fs import display_uri, join
from yayi_batch.generate.engine import generate
from yayi_batch.generate.rows import ADDS as GENERATE_ADDS
from yayi_batch.generate.rows import NEEDS as GENERATE_NEEDS
from yayi_batch.publish.commit import publish
from yayi_batch.run.cluster import alive_nodes, check_storage_for_cluster
from yayi_batch.run.context import RunContext
from yayi_batch.run.passes import passes, verify
from yayi_batch.schema import Pass
from yayi_batch.steps import Columns, check_chain
from yayi_batch.steps import answers as answers_step
from yayi_batch.steps import prepare as prepare_step
from yayi_batch.steps import prompt_rows as prompt_step

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


def run(cfg: JobConfig, *, generate_fn: Callable[..., Any] = generate) -> RunSummary:
    """Run the job; `generate_fn` is the engine step (tests pass a fake one, nothing else does)."""
    check_steps()
    ctx = RunContext.open(cfg, generate_fn)
    if not ctx.files:
        return RunSummary.nothing_to_do(cfg.output.path, n_skipped=len(ctx.skipped))
    published = ctx.published_manifest()
    if published is not None and not cfg.output.force and not ctx.staging.exists():
        log.info("run %s is already published (same date, config and inputs): nothing to do", ctx.id)
        return RunSummary.already_published(published)
    with _storage_faults(ctx, "checking the output"):
        _warn_other_stagings(ctx.fs_out, ctx.out_base, ctx.id)
        _check_writable(ctx)  # before Ray starts and before the model loads
    _init_ray(cfg)
    check_storage_for_cluster(cfg, len(alive_nodes()))
    ctx.resolve_model()  # on every node of the cluster, never from the driver's disk alone
    ctx.resumed_passes = [p.value for p in Pass if ctx.staging.done(p)]
    log.info("run %s: %d input files, chunks of <= %d tokens%s", ctx.id, len(ctx.files), ctx.max_chunk_tokens,
             f"; resuming after {', '.join(ctx.resumed_passes)}" if ctx.resumed_passes else "")

    for step in passes(ctx):
        if not ctx.staging.done(step.name):
            with _storage_faults(ctx, f"pass {step.name.value}"):
                step.run(ctx)
                ctx.staging.mark(step.name)
                ctx.staging.remove(f"_checkpoint/{step.name.value}")  # kept until the mark: see run/checkpoint.py

    with _storage_faults(ctx, "publishing"):
        if not ctx.staging.done(Pass.PUBLISH):  # a resumed publish has moved some staged files already
            verify(ctx)
        manifest = ctx.staging.load_manifest()
        publish(ctx.fs_out, ctx.out_base, ctx.id, ctx.run_date, manifest, incremental=cfg.input.since_manifest, staging=ctx.staging)
    summary = RunSummary.from_manifest(manifest)
    if cfg.output.report:
        summary.report_path = _write_report(cfg)
    return summary


@contextlib.contextmanager
def _storage_faults(ctx: RunContext, what: str) -> Iterator[None]:
    """A storage fault (after the retries of fs.py) ends the run as RunFailed, in one line."""
    try:
        yield
    except RunFailed:
        raise
    except Exception as exc:
        cause = storage_cause(exc)
        if cause is None:
            raise
        published = "publishing was cut short (_SUCCESS not written)" if what == "publishing" else \
            "nothing published (the published tables are untouched)"
        raise RunFailed(f"run {ctx.id}: storage {display_uri(ctx.fs_out, ctx.out_base)} failed while {what}: {cause}; "
                        f"{published}; rerun the same command to resume") from exc


def _check_writable(ctx: RunContext) -> None:
    """Write and delete a probe file in the staging folder: a read-only, full or impossible output
    path fails here, in one line, before Ray starts and the model loads."""
    fs, probe = ctx.fs_out, join(ctx.staging.path, "_probe")
    fs.makedirs(ctx.staging.path, exist_ok=True)
    with fs.open(probe, "wb") as fh:
        fh.write(b"yayi-batch write probe\n")
    fs.rm(probe)


def _warn_other_stagings(fs: Any, output: str, run_id: str) -> None:
    """Unfinished runs with other inputs or another config are never resumed by this one: say so."""
    root = join(output, "_staging")
    fs.invalidate_cache()
    others = [p for p in (fs.ls(root, detail=False) if fs.exists(root) else []) if p.rstrip("/").rsplit("/", 1)[-1] != run_id]
    if others:
        log.warning("unfinished runs under %s (other inputs, date or config; not resumed by this run, safe to delete): %s",
                    root, ", ".join(p.rstrip("/").rsplit("/", 1)[-1] for p in others))


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
