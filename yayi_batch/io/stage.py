"""stage: a run's staging folder, which of its passes finished, and Ray Data checkpointing.

A run is resumable because its id is deterministic (date, config fingerprint, input listing):
running the same command again finds `{output}/_staging/{run_id}/`. Inside it

- `_done/{pass}` says a pass finished; a resumed run skips it;
- `_checkpoint/{pass}/` is Ray Data's own checkpoint of an extract pass, keyed by `prompt_id`
  and committed in two phases with the sink's files, so a resumed pass sends only the prompts
  whose answers are not written yet, and files of a write task cut short are deleted first;
- `_manifest.json` is the manifest of a run that got as far as publishing.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any, Iterator

from ray.data import DataContext
from ray.data.checkpoint import CheckpointConfig

from yayi_batch.io.fs import arrow_filesystem, join

log = logging.getLogger(__name__)

CHECKPOINT_ID = "prompt_id"


class Staging:
    def __init__(self, fs: Any, path: str):
        self.fs = fs
        self.path = path

    def _marker(self, step: str) -> str:
        return join(self.path, "_done", step)

    def done(self, step: str) -> bool:
        self.fs.invalidate_cache()
        return self.fs.exists(self._marker(step))

    def mark(self, step: str) -> None:
        self.fs.makedirs(join(self.path, "_done"), exist_ok=True)
        with self.fs.open(self._marker(step), "w") as fh:
            fh.write(step + "\n")

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

    def checkpoint_path(self, step: str) -> str:
        return join(self.path, "_checkpoint", step)

    def save_manifest(self, manifest: dict[str, Any]) -> None:
        with self.fs.open(join(self.path, "_manifest.json"), "w") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False, default=str)

    def load_manifest(self) -> dict[str, Any]:
        with self.fs.open(join(self.path, "_manifest.json"), "r") as fh:
            return json.load(fh)


@contextlib.contextmanager
def checkpointed(staging: Staging, step: str) -> Iterator[CheckpointConfig]:
    """Ray Data checkpointing for the datasets created inside the block (they copy the context).

    The checkpoint is kept on success (we delete it once the pass is marked done): deleting it
    first would leave a window where a kill makes the resumed run redo the whole pass.
    """
    # Ray plans the checkpoint filter from whether the folder exists, through this driver's
    # filesystem object: a listing cached before (s3fs caches them) must not answer for it.
    staging.fs.invalidate_cache()
    ctx = DataContext.get_current()
    previous = ctx.checkpoint_config
    config = CheckpointConfig(
        id_column=CHECKPOINT_ID,
        checkpoint_path=staging.checkpoint_path(step),
        delete_checkpoint_on_success=False,
        override_filesystem=arrow_filesystem(staging.fs),
    )
    ctx.checkpoint_config = config
    try:
        yield config
    finally:
        ctx.checkpoint_config = previous
