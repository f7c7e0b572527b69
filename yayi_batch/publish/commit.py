"""publish: move a finished run's staged files into place, atomically enough. Moving files only.

Order (the commit protocol): every table is already complete under `_staging/{run_id}/`
(finalize built `documents` there too); then, per table, the date partition is emptied and the
staged files are moved in; then `_manifest/{run_id}.json`; `_SUCCESS` last. A reader that waits
for `_SUCCESS` (or checks the manifest's run_id) never sees half a run. Pure: fsspec.
"""

from __future__ import annotations

import json
from typing import Any

from yayi_batch.fs import join
from yayi_batch.schema import TABLES, RunId
from yayi_batch.write.paths import part_prefix, partition_dir
from yayi_batch.write.staged import PUBLISH_STARTED, StagedRun
from yayi_batch.write.tables import write_table


def published_inputs(fs: Any, output: str, fingerprint: str) -> set[tuple[str, str]]:
    """(path, version) of every input that a published manifest with this fingerprint covers."""
    folder = join(output, "_manifest")
    fs.invalidate_cache()
    if not fs.exists(folder):
        return set()
    done: set[tuple[str, str]] = set()
    for path in fs.find(folder):
        if not path.endswith(".json"):
            continue
        with fs.open(path, "r") as fh:
            manifest = json.load(fh)
        if manifest.get("config_fingerprint") == fingerprint:
            done.update((i["path"], i.get("version", "")) for i in manifest.get("inputs", []))
    return done


def _clear_partition(fs: Any, dst: str, run_id: str, incremental: bool, keep_mine: bool) -> None:
    """Make room for this run in a date partition.

    A full run replaces the date (a rerun gives the same rows, never doubled). An incremental
    (nightly) run adds to it: it removes only its own earlier attempt and files written under
    another config fingerprint, which must never mix with this one's. A publish resumed after a
    kill keeps this run's files: they are the ones the killed attempt had already moved.
    """
    if not fs.exists(dst):
        return
    mine, fingerprint = part_prefix(run_id), RunId.fingerprint_of(run_id)
    for path in fs.find(dst):
        name = path.rsplit("/", 1)[-1]
        if name.startswith(mine):
            if not keep_mine:
                fs.rm(path)
            continue
        other = name.removeprefix("part-").rsplit("-", 1)[0]
        if not incremental or RunId.fingerprint_of(other) != fingerprint:
            fs.rm(path)


def published_manifest(fs: Any, output: str, run_id: str) -> dict[str, Any] | None:
    """The manifest of `run_id` if that run is published, else None."""
    path = join(output, "_manifest", f"{run_id}.json")
    fs.invalidate_cache()
    if not fs.exists(path):
        return None
    with fs.open(path, "r") as fh:
        return json.load(fh)


def publish(run: StagedRun, manifest: dict[str, Any], *, incremental: bool = False) -> dict[str, int]:
    """Move the staged tables into `{table}/date={run_date}/`, write the manifest, then _SUCCESS.

    Resumable: it marks `publish` in the staging folder before the first move, and a publish that
    finds the mark keeps the files its killed attempt moved.
    """
    fs, output, run_id, run_date, stage = run.fs, run.output, run.run_id, run.run_date, run.path
    fs.invalidate_cache()
    counts: dict[str, int] = {}
    resumed = run.done(PUBLISH_STARTED)
    if not resumed:
        run.mark(PUBLISH_STARTED)
    fs.rm(join(output, "_SUCCESS"), recursive=False) if fs.exists(join(output, "_SUCCESS")) else None
    for table in TABLES:
        src, dst = partition_dir(stage, table, run_date), partition_dir(output, table, run_date)
        _clear_partition(fs, dst, run_id, incremental, keep_mine=resumed)
        fs.makedirs(dst, exist_ok=True)
        files = sorted(fs.find(src)) if fs.exists(src) else []
        for path in files:
            fs.mv(path, join(dst, path.rsplit("/", 1)[-1]))
        if not files and not (resumed and fs.exists(dst) and fs.find(dst)):
            # An empty table still gets its schema: readers of the lake see zero rows, not an error.
            write_table(fs, dst, TABLES[table].empty_table(), run_id)
        counts[table] = int(manifest.get("counts", {}).get(table, 0))
    fs.makedirs(join(output, "_manifest"), exist_ok=True)
    with fs.open(join(output, "_manifest", f"{run_id}.json"), "w") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False, default=str)
    with fs.open(join(output, "_SUCCESS"), "w") as fh:
        fh.write(run_id + "\n")
    run.discard()
    return counts
