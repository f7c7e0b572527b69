"""Runtime faults with the fake engine and real Ray: an engine error on one batch,
a count check that fails before publishing, and an output that cannot be written.

Each case ends either in a published run that says what it could not do (error rows, document
statuses) or in RunFailed with one clear line and the published tables untouched.
"""

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.config import load_config
from yayi_batch.failures import RunFailed
from yayi_batch.generate.engine import mark_faults
from yayi_batch.generate.rows import FAULT_COLUMN
from yayi_batch.run import passes as passes_module
from yayi_batch.run import run
from yayi_batch.schema import Pass
from yayi_batch.testing.corpus import DOCS, base_overrides
from yayi_batch.testing.fake_engine import fake_generate

HERE = Path(__file__).parent
N_TEXT_DOCS = 4  # DOCS with text; x 2 tasks = 8 prompts


def faulty_generate(prompts, cfg, model):
    """The fake engine behind the same fault switch as the real one (generate/engine.py's
    mark_faults): a marked row comes back as an engine failure, like vLLM's rejected request."""

    def fail_marked(table):
        if FAULT_COLUMN not in table.column_names:
            return table
        faults = table.column(FAULT_COLUMN).to_pylist()
        cols = table.to_pydict()
        cols["engine_error"] = [f or "" for f in faults]
        cols["generated_text"] = ["" if f else t for f, t in zip(faults, cols["generated_text"])]
        cols["finish_reason"] = ["error" if f else r for f, r in zip(faults, cols["finish_reason"])]
        cols["tokens_out"] = [0 if f else n for f, n in zip(faults, cols["tokens_out"])]
        return pa.table(cols)

    return fake_generate(mark_faults(prompts, cfg), cfg, model).map_batches(fail_marked, batch_format="pyarrow")


def fault_overrides(corpus, out, *extra):
    return base_overrides(corpus, out) + [
        "output.report=false",
        "engine.batch_size=2",
        "engine.inject_fault={batch_index: 1}",
        "sampling.retry_truncated=false",
        *extra,
    ]


def read(out, table):
    return pl.read_parquet(f"{out}/{table}/**/*.parquet")


def snapshot(folder):
    """{relative path: bytes} of every file under folder."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_engine_error_on_one_batch_becomes_error_rows_and_the_rest_completes(local_ray, corpus, tmp_path):
    out = tmp_path / "out"
    summary = run(load_config(None, fault_overrides(corpus, out)), generate_fn=faulty_generate)
    answers = read(out, "answers")
    assert answers.height == N_TEXT_DOCS * 2  # every prompt has exactly one answer
    failed = answers.filter(pl.col("status") == "engine_error")
    assert failed.height == 2  # one batch of engine.batch_size prompts
    assert set(failed["reason"]) == {"injected fault (batch 1)"}
    errors = read(out, "errors").filter(pl.col("kind") == "engine_error")
    assert sorted(errors["chunk_id"]) == sorted(failed["chunk_id"])
    docs = read(out, "documents")
    assert docs.height == len(DOCS)
    status = dict(zip(docs["doc_id"], docs["status"]))
    for doc in set(failed["doc_id"]):
        n_failed = failed.filter(pl.col("doc_id") == doc).height
        assert status[doc] == ("failed" if n_failed == 2 else "partial"), doc
    assert summary.answer_status.get("engine_error") == 2


@pytest.mark.slow
def test_fail_on_error_stops_the_run_names_the_prompts_and_publishes_nothing(local_ray, corpus, tmp_path):
    out = tmp_path / "out"
    clean = run(
        load_config(None, base_overrides(corpus, out) + ["output.report=false", "sampling.retry_truncated=false"]),
        generate_fn=fake_generate,
    )
    before = snapshot(out)
    with pytest.raises(RunFailed) as info:
        run(load_config(None, fault_overrides(corpus, out, "engine.fail_on_error=true", "output.force=true")), generate_fn=faulty_generate)
    message = str(info.value)
    assert "engine failed 2 prompt(s) in pass extract" in message and "injected fault (batch 1)" in message
    assert "nothing published" in message and "Documents: " in message and "Prompts (chunk/task): " in message
    # The same run id (engine switches are not part of the fingerprint), forced: the published
    # run is untouched, the failed attempt's staging is kept for inspection.
    after = snapshot(out)
    assert {k: v for k, v in after.items() if not k.startswith("_staging/")} == before
    assert any(k.startswith(f"_staging/{clean.run_id}/answers/") for k in after)


@pytest.mark.slow
def test_count_check_fails_a_corrupted_staging_before_publishing(local_ray, corpus, tmp_path, monkeypatch):
    out = tmp_path / "out"
    overrides = base_overrides(corpus, out) + ["output.report=false", "sampling.retry_truncated=false"]
    run(load_config(None, overrides), generate_fn=fake_generate)
    before = snapshot(out)

    def finalize_then_corrupt(job, done):  # between finalize and verify: one entity row lost, one orphan added
        result = passes_module.finalize(job, done)
        folder = Path(job.staged.table_dir("entities"))
        path = sorted(folder.glob("*.parquet"))[0]
        table = pq.read_table(path)
        orphan = table.slice(0, 1).set_column(
            table.schema.get_field_index("doc_id"), table.schema.field("doc_id"), pa.array(["no-such-doc"], pa.string())
        )
        orphan = orphan.cast(table.schema)
        pq.write_table(pa.concat_tables([table.slice(1), orphan]), path)
        answers = Path(job.staged.table_dir("answers"))
        path = sorted(answers.glob("*.parquet"))[0]
        pq.write_table(pq.read_table(path).slice(1), path)
        return result

    monkeypatch.setattr(
        passes_module,
        "PASSES",
        tuple(dataclasses.replace(p, run=finalize_then_corrupt) if p.name is Pass.FINALIZE else p for p in passes_module.PASSES),
    )
    with pytest.raises(RunFailed) as info:
        run(load_config(None, overrides + ["output.force=true"]), generate_fn=fake_generate)
    message = str(info.value)
    assert "count check failed, nothing published" in message
    assert "8 prompts sent but 7 answers rows" in message
    assert "1 entities rows reference no document of the run (doc_id no-such-doc)" in message
    after = snapshot(out)
    assert {k: v for k, v in after.items() if not k.startswith("_staging/")} == before


def test_output_under_a_file_fails_in_one_line_before_ray_work(local_ray, corpus, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(RunFailed) as info:
        run(load_config(None, base_overrides(corpus, blocker / "out")), generate_fn=fake_generate)
    message = str(info.value)
    assert f"storage {blocker}/out failed while checking the output" in message
    assert "a path component is a file, not a folder" in message and "nothing published" in message


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(
    not _unshare_works(),
    reason="needs `unshare -rm` and mount in a user namespace (chmod does not stop root, and a full disk needs a small filesystem)",
)


def _job_in_namespace(tmp_path, corpus, mount_script, out):
    """The CLI (`yayi-batch run`, fake engine via tests' driver) in a user+mount namespace."""
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "import yayi_batch.run.job as job\n"
        "from yayi_batch.testing.fake_engine import fake_generate\n"
        "job.run.__kwdefaults__['generate_fn'] = fake_generate\n"
        "from yayi_batch.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    args = " ".join(
        [
            "run",
            "--config",
            "/dev/null",
            *[f"--set '{o}'" for o in base_overrides(corpus, out) + ["output.report=false", "ray.local_num_cpus=4"]],
        ]
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"{mount_script} && exec {sys.executable} {driver} {args}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@needs_unshare
def test_read_only_output_fails_in_one_line_and_publishes_nothing(corpus, tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    (out / "keep.txt").write_text("published before")
    proc = _job_in_namespace(tmp_path, corpus, f"mount --bind {out} {out} && mount -o remount,bind,ro {out}", out)
    assert proc.returncode == 3, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("yayi-batch: run failed: run ") and f"storage {out} failed while checking the output" in last
    assert "read-only file system" in last and "nothing published" in last
    assert "Traceback" not in proc.stderr
    assert snapshot(out) == {"keep.txt": b"published before"}


@pytest.mark.slow
@needs_unshare
def test_full_disk_fails_in_one_line_naming_the_path_and_publishes_nothing(corpus, tmp_path):
    out = tmp_path / "small"
    out.mkdir()
    # Room for the probe and the small staged files of pass 1, not for the tables: the run fails mid-way.
    proc = _job_in_namespace(tmp_path, corpus, f"mount -t tmpfs -o size=24k tmpfs {out}", out)
    assert proc.returncode == 3, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr.split("yayi-batch: run failed")[-1]
    assert last.startswith("yayi-batch: run failed: run ") and f"storage {out} failed while pass " in last
    assert "no space left on device" in last and "nothing published" in last
