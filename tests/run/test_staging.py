"""The staging folder's pass markers and the Ray Data checkpoint config (no cluster needed)."""

import fsspec
from ray.data import DataContext

from yayi_batch.run.checkpoint import CHECKPOINT_ID, checkpointed
from yayi_batch.run.staging import Staging


def test_passes_are_marked_done_and_a_reset_forgets_them(tmp_path):
    staging = Staging(fsspec.filesystem("file"), str(tmp_path / "_staging" / "run"))
    assert not staging.exists() and not staging.done("prepare")
    staging.mark("prepare")
    assert staging.done("prepare") and not staging.done("extract")
    staging.save_manifest({"run_id": "run", "counts": {"documents": 3}})
    assert staging.load_manifest()["counts"] == {"documents": 3}
    staging.reset()
    assert not staging.exists() and not staging.done("prepare")


def test_checkpointing_is_on_only_inside_the_block_and_keyed_by_prompt(tmp_path):
    staging = Staging(fsspec.filesystem("file"), str(tmp_path / "stage"))
    ctx = DataContext.get_current()
    assert ctx.checkpoint_config is None
    with checkpointed(staging, "extract") as config:
        assert ctx.checkpoint_config is config
        assert config.id_column == CHECKPOINT_ID == "prompt_id"
        assert config.checkpoint_path == staging.checkpoint_path("extract")
        # Kept on success: the pass's done-marker comes first, then we delete it.
        assert config.delete_checkpoint_on_success is False
    assert ctx.checkpoint_config is None
