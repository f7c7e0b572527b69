"""Ray Data checkpointing of an extract pass, keyed by `prompt_id`, stored in the run's staging.

Committed in two phases with the sink's files (write/sink.py), so a resumed pass sends only the
prompts whose answers are not written yet, and files of a write task cut short are deleted first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ray.data import DataContext
from ray.data.checkpoint import CheckpointConfig

from yayi_batch.fs import arrow_filesystem
from yayi_batch.schema import Pass
from yayi_batch.write.staged import StagedRun

CHECKPOINT_ID = "prompt_id"


@contextlib.contextmanager
def checkpointed(staging: StagedRun, step: Pass | str) -> Iterator[CheckpointConfig]:
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
