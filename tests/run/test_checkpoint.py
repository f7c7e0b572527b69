"""The Ray Data checkpoint config of an extract pass (no cluster needed)."""

import fsspec
from ray.data import DataContext

from yayi_batch.run.checkpoint import CHECKPOINT_ID, checkpointed
from yayi_batch.write.staged import StagedRun


def test_checkpointing_is_on_only_inside_the_block_and_keyed_by_prompt(tmp_path):
    run = StagedRun(fsspec.filesystem("file"), str(tmp_path), "run", "2026-11-25")
    ctx = DataContext.get_current()
    assert ctx.checkpoint_config is None
    with checkpointed(run, "extract") as config:
        assert ctx.checkpoint_config is config
        assert config.id_column == CHECKPOINT_ID == "prompt_id"
        assert config.checkpoint_path == run.checkpoint_path("extract")
        # Kept on success: the pass's done-marker comes first, then we delete it.
        assert config.delete_checkpoint_on_success is False
    assert ctx.checkpoint_config is None
