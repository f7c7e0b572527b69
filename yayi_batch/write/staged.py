"""StagedRun: a run's staging folder, its id and date, and which of its passes finished. Pure:
fsspec.

A run is resumable because its id is deterministic (date, config fingerprint, input listing):
running the same command again finds `{output}/_staging/{run_id}/`. Inside it

- `_done/{pass}` says a pass finished; a resumed run skips it;
- `_checkpoint/{pass}/` is Ray Data's own checkpoint of an extract pass, keyed by `prompt_id`
  and committed in two phases with the sink's files, so a resumed pass sends only the prompts
  whose answers are not written yet, and files of a write task cut short are deleted first;
- `_manifest.json` is the manifest of a run that got as far as publishing.

Every pass and every Ray Data operation over staged tables gets this one immutable value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from yayi_batch.fs import join
from yayi_batch.schema import Pass
from yayi_batch.write.paths import partition_dir, staging_dir

CHUNKS, PROMPTS, RETRY_PROMPTS = "chunks", "prompts", "retry_prompts"  # staged rows of the prepare and retry passes
# Marked before publishing moves or commits anything: a publish that finds it resumes (it is never
# skipped as done, since a finished publish leaves no staging folder).
PUBLISH_STARTED = "publish_started"


def _name(step: Pass | str) -> str:
    return step.value if isinstance(step, Pass) else str(step)


@dataclass(frozen=True)
class StagedRun:
    fs: Any  # the output's filesystem (fsspec; pickled to Ray workers as is)
    output: str  # the output path without its protocol: the published tables live under it
    run_id: str
    run_date: str  # ISO date: the partition every table of the run writes

    @property
    def path(self) -> str:
        """`{output}/_staging/{run_id}`."""
        return staging_dir(self.output, self.run_id)

    def folder(self, *parts: str) -> str:
        return join(self.path, *parts)

    def table_dir(self, table: str) -> str:
        """The staged partition of a table: `{staging}/{table}/date={run_date}`."""
        return partition_dir(self.path, table, self.run_date)

    def _marker(self, step: Pass | str) -> str:
        return join(self.path, "_done", _name(step))

    def done(self, step: Pass | str) -> bool:
        self.fs.invalidate_cache()
        return self.fs.exists(self._marker(step))

    def mark(self, step: Pass | str) -> None:
        self.fs.makedirs(join(self.path, "_done"), exist_ok=True)
        with self.fs.open(self._marker(step), "w") as fh:
            fh.write(_name(step) + "\n")

    def exists(self) -> bool:
        self.fs.invalidate_cache()
        return self.fs.exists(self.path)

    def reset(self) -> None:
        """Start the run afresh: whatever an attempt left behind before its first pass finished."""
        if self.exists():
            self.fs.rm(self.path, recursive=True)

    def discard(self) -> None:
        """The staging folder gone once the run is published (and `_staging/` when it is empty)."""
        if self.fs.exists(self.path):  # object stores have no folders: moving every file may have removed it
            self.fs.rm(self.path, recursive=True)
        root = join(self.output, "_staging")
        if self.fs.exists(root) and not self.fs.ls(root):
            self.fs.rm(root, recursive=True)  # leave no empty folder behind on local disks

    def remove(self, relative: str) -> None:
        path = join(self.path, relative)
        self.fs.invalidate_cache()
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)

    def checkpoint_path(self, step: Pass | str) -> str:
        return join(self.path, "_checkpoint", _name(step))

    def save_manifest(self, manifest: dict[str, Any]) -> None:
        with self.fs.open(join(self.path, "_manifest.json"), "w") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False, default=str)

    def load_manifest(self) -> dict[str, Any]:
        with self.fs.open(join(self.path, "_manifest.json"), "r") as fh:
            return json.load(fh)
