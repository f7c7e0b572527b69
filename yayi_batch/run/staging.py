"""staging: a run's staging folder and which of its passes finished. Pure: fsspec.

A run is resumable because its id is deterministic (date, config fingerprint, input listing):
running the same command again finds `{output}/_staging/{run_id}/`. Inside it

- `_done/{pass}` says a pass finished; a resumed run skips it;
- `_checkpoint/{pass}/` is Ray Data's own checkpoint of an extract pass, keyed by `prompt_id`
  and committed in two phases with the sink's files, so a resumed pass sends only the prompts
  whose answers are not written yet, and files of a write task cut short are deleted first;
- `_manifest.json` is the manifest of a run that got as far as publishing.
"""

from __future__ import annotations

import json
from typing import Any

from yayi_batch.fs import join
from yayi_batch.schema import Pass


def _name(step: Pass | str) -> str:
    return step.value if isinstance(step, Pass) else str(step)


class Staging:
    def __init__(self, fs: Any, path: str):
        self.fs = fs
        self.path = path

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
