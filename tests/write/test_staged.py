"""The staged run: its folder, pass markers, manifest, table partitions (no cluster needed)."""

import fsspec

from yayi_batch.write.staged import StagedRun


def test_passes_are_marked_done_and_a_reset_forgets_them(tmp_path):
    run = StagedRun(fsspec.filesystem("file"), str(tmp_path), "run", "2026-11-25")
    assert run.path == f"{tmp_path}/_staging/run"
    assert run.table_dir("entities") == f"{tmp_path}/_staging/run/entities/date=2026-11-25"
    assert not run.exists() and not run.done("prepare")
    run.mark("prepare")
    assert run.done("prepare") and not run.done("extract")
    run.save_manifest({"run_id": "run", "counts": {"documents": 3}})
    assert run.load_manifest()["counts"] == {"documents": 3}
    run.reset()
    assert not run.exists() and not run.done("prepare")


def test_a_staged_run_is_immutable_and_its_path_cannot_escape(tmp_path):
    import dataclasses

    import pytest

    run = StagedRun(fsspec.filesystem("file"), str(tmp_path), "../../x", "2026-11-25")
    assert run.path.startswith(f"{tmp_path}/_staging/") and ".." not in run.path.removeprefix(str(tmp_path))
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.run_id = "other"  # type: ignore[misc]
