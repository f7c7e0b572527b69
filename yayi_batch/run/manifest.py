"""The run manifest, built in one place: what a run read, with which config and model, and what it
wrote. Saved in the staging folder by finalize, published as `_manifest/{run_id}.json`. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yayi_batch.finalize.summary import RunSummary


def build_manifest(job: Any, summary: RunSummary, *, finished: dt.datetime) -> dict[str, Any]:
    """`job` is the run's Job (run/context.py); storage options and credentials are never part of
    a manifest."""
    cfg = job.cfg
    return {
        "run_id": job.id,
        "run_date": job.run_date,
        "started_at": job.started.isoformat(),
        "finished_at": finished.isoformat(),
        "config_fingerprint": cfg.fingerprint(),
        "model": {"source": cfg.model.source, "profile": cfg.model.profile, "path": job.model.path if job.model else None},
        "counts": summary.rows,
        "inputs": [{k: f[k] for k in ("path", "size", "version")} for f in job.inputs.files],
        # Unreadable shards left out (input.on_bad_file: skip), each with an errors row.
        "skipped_inputs": [{"path": b["path"], "error": b["error"]} for b in job.inputs.bad_files],
        "summary": summary.as_dict(),
    }
