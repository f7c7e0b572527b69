"""run(cfg): read -> chunk -> prompt -> generate -> parse -> ground -> write -> publish.

A run is the list of passes of run/passes.py, all streaming through Ray Data; the driver lists
the inputs, names the run, resolves the model, and runs each pass that an earlier attempt did
not finish.

Resumable: the same command after a kill finds the run's staging folder (same run id) and goes
on from the last finished pass; inside an extract pass Ray Data's checkpoint skips the prompts
whose answers are written. A run already published is not run again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import ray
import ray.data

from yayi_batch.config import JobConfig
from yayi_batch.failures import RunFailed, storage_cause
from yayi_batch.finalize.summary import RunSummary
from yayi_batch.fs import display_uri, join
from yayi_batch.generate.engine import generate
from yayi_batch.run.cluster import alive_nodes, check_storage_for_cluster
from yayi_batch.run.context import Job
from yayi_batch.run.passes import check_passes, passes
from yayi_batch.run.timeline import Timeline
from yayi_batch.schema import Pass, RunOutcome

log = logging.getLogger(__name__)


def run(cfg: JobConfig, *, generate_fn: Callable[..., Any] = generate) -> RunSummary:
    """Run the job; `generate_fn` is the engine step (tests pass a fake one, nothing else does)."""
    specs = passes(cfg)
    check_passes(specs)
    windows = Timeline()
    job = Job.open(cfg, generate_fn)
    if not job.inputs.files:
        return RunSummary.nothing_to_do(cfg.output.path, n_skipped=len(job.inputs.skipped))
    staged = job.staged
    published = job.published_manifest()
    if published is not None and not cfg.output.force and not staged.exists():
        log.info("run %s is already published (same date, config and inputs): nothing to do", job.id)
        return RunSummary.already_published(published)
    if cfg.engine.backend == "openai":
        from yayi_batch.generate.endpoint import api_key

        api_key(cfg)  # a missing key is one line now, not an actor's traceback later
    with _storage_faults(job, "checking the output"):
        _warn_other_stagings(staged.fs, staged.output, job.id)
        _check_writable(job)  # before Ray starts and before the model loads
    _init_ray(cfg)
    check_storage_for_cluster(cfg, len(alive_nodes()))
    has_rows = job.inputs.rows() > 0
    if has_rows:
        job = job.with_model()  # on every node of the cluster, never from the driver's disk alone
        warm_up = getattr(generate_fn, "warm_up", None)
        if warm_up is not None and not staged.done(Pass.EXTRACT):
            warm_up(cfg, job.model)  # the engine's processor builds while the prepare pass runs
    else:
        log.info("run %s: the %d input shard(s) hold no rows: nothing to extract, publishing zero documents", job.id, len(job.inputs.files))
    resumed = [p.name.value for p in specs if staged.done(p.name)]
    log.info(
        "run %s: %d input files, chunks of <= %d tokens%s",
        job.id,
        len(job.inputs.files),
        job.max_chunk_tokens,
        f"; resuming after {', '.join(resumed)}" if resumed else "",
    )

    results: dict[Pass, dict[str, Any]] = {}
    for spec in specs:
        if staged.done(spec.name):
            continue
        with _storage_faults(job, "publishing" if spec.name is Pass.PUBLISH else f"pass {spec.name.value}"):
            start = time.perf_counter()
            results[spec.name] = spec.run(job, results)
            windows.add_pass(spec.name.value, start, time.perf_counter(), results[spec.name].pop("operators", []))
            if spec.name is not Pass.PUBLISH:  # a published run leaves no staging folder to mark
                staged.mark(spec.name)
                staged.remove(f"_checkpoint/{spec.name.value}")  # kept until the mark: see run/checkpoint.py
    manifest = results[Pass.PUBLISH]["manifest"]
    summary = RunSummary.from_manifest(manifest, **({} if has_rows else {"outcome": RunOutcome.NO_ROWS.value}))
    summary.timeline = windows.relative()
    if cfg.output.report:
        summary.report_path = _write_report(cfg)
    return summary


@contextlib.contextmanager
def _storage_faults(job: Job, what: str) -> Iterator[None]:
    """A storage fault (after the retries of fs.py) ends the run as RunFailed, in one line."""
    try:
        yield
    except RunFailed:
        raise
    except Exception as exc:
        cause = storage_cause(exc)
        if cause is None:
            raise
        published = (
            "publishing was cut short (_SUCCESS not written)"
            if what == "publishing"
            else "nothing published (the published tables are untouched)"
        )
        raise RunFailed(
            f"run {job.id}: storage {display_uri(job.staged.fs, job.staged.output)} failed while {what}: {cause}; "
            f"{published}; rerun the same command to resume"
        ) from exc


def _check_writable(job: Job) -> None:
    """Write and delete a probe file in the staging folder: a read-only, full or impossible output
    path fails here, in one line, before Ray starts and the model loads."""
    fs, probe = job.staged.fs, job.staged.folder("_probe")
    fs.makedirs(job.staged.path, exist_ok=True)
    with fs.open(probe, "wb") as fh:
        fh.write(b"yayi-batch write probe\n")
    fs.rm(probe)


def _warn_other_stagings(fs: Any, output: str, run_id: str) -> None:
    """Unfinished runs with other inputs or another config are never resumed by this one: say so."""
    root = join(output, "_staging")
    fs.invalidate_cache()
    others = [p for p in (fs.ls(root, detail=False) if fs.exists(root) else []) if p.rstrip("/").rsplit("/", 1)[-1] != run_id]
    if others:
        log.warning(
            "unfinished runs under %s (other inputs, date or config; not resumed by this run, safe to delete): %s",
            root,
            ", ".join(p.rstrip("/").rsplit("/", 1)[-1] for p in others),
        )


def _init_ray(cfg: JobConfig) -> None:
    """Join the cluster this job was submitted to (or cfg.ray.address), else start a local Ray;
    then set this driver's Ray Data context."""
    if not ray.is_initialized():
        address = cfg.ray.address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address)
        else:
            ray.init(address="local", num_cpus=cfg.ray.local_num_cpus or max(4, os.cpu_count() or 1))
    # Parquet reads through Ray Data's first file-source pipeline: the newer one lists files in a
    # task of its own, which cost ~3.5 s per read of a staged folder here (0.15 s without it), and
    # a run reads its staged folders about ten times. Datasets copy the context when created.
    ray.data.DataContext.get_current().use_datasource_v2 = False


def _write_report(cfg: JobConfig) -> str | None:
    """{output}/_report/index.html for the run just published (the newest manifest)."""
    try:
        from yayi_batch.report import write_report

        return write_report(cfg.output.path, storage_options=cfg.output.storage_options)
    except Exception as exc:  # a report must never fail a run that has published its tables
        log.warning("run report not written: %s", exc)
        return None
