"""Lake-grade reruns against a real S3 API (moto's server on 127.0.0.1), fake engine.

A driver killed mid-run and run again gives exactly the rows of a clean run, without asking the
engine again for the prompts whose answers were committed; a rerun of a published run is a
no-op; another prompt template is another run; nightly mode picks up a new shard.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pytest
from killable_job import recording_generate

from yayi_batch.config import load_config
from yayi_batch.run import run
from yayi_batch.testing.corpus import write_corpus
from yayi_batch.testing.s3 import moto_s3

# Every test here takes 5-100 s (moto, retries and their backoff, several runs): out of the development tier.
pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
DOCS = [(f"en-{i}", f"Company{i} Corp hired Person{i} Smith as chief executive in City{i}.") for i in range(8)] + [
    (f"zh-{i}", f"公司{i}集团在上海发布了新产品，总经理李{i}表示销量将翻倍。") for i in range(8)
]
N_PROMPTS = len(DOCS) * 2  # tasks ner and re
VOLATILE = {"answers": ["finished_at"]}  # when an answer was parsed; everything else must match


def overrides(out, **extra):
    base = {
        "input.paths": "[s3://corpus/news/]",
        "output.path": out,
        "output.run_date": "2026-11-25",
        "extraction.tasks": "[ner, re]",
        "output.report": "false",
        "engine.rows_per_block": "4",
    }
    return [f"{k}={v}" for k, v in {**base, **extra}.items()]


def config(options, out, **extra):
    cfg = load_config(None, overrides(out, **extra))
    cfg.input.storage_options = options
    cfg.output.storage_options = options
    return cfg


def upload_corpus(fs, tmp_path, docs=DOCS, shards=2):
    corpus = write_corpus(tmp_path / "corpus", docs=docs, shards=shards)
    for f in sorted(corpus.iterdir()):
        fs.put(str(f), f"corpus/news/{f.name}")


def tables(fs, out):
    """Every published table as polars, rows sorted, volatile columns dropped."""
    s3 = pafs.PyFileSystem(pafs.FSSpecHandler(fs))
    fs.invalidate_cache()
    result = {}
    for table in ("documents", "answers", "entities", "relations", "events", "event_arguments", "errors"):
        df = pl.from_arrow(pads.dataset(f"{out}/{table}", filesystem=s3, format="parquet", partitioning="hive").to_table())
        df = df.drop(VOLATILE.get(table, []))
        result[table] = df.sort(df.columns)
    return result


def lines(path):
    return Path(path).read_text().splitlines() if Path(path).exists() else []


def committed_checkpoints(fs, out):
    fs.invalidate_cache()
    found = fs.glob(f"{out}/_staging/*/_checkpoint/extract/*.parquet")
    return [p for p in found if not p.endswith(".pending.parquet")]


def test_killed_driver_then_rerun_gives_the_rows_of_a_clean_run(local_ray, tmp_path):
    with moto_s3("corpus", "lake") as (fs, options):
        upload_corpus(fs, tmp_path)
        clean = run(config(options, "s3://lake/clean"), generate_fn=recording_generate(str(tmp_path / "clean.log")))
        assert len(lines(tmp_path / "clean.log")) == N_PROMPTS

        # The same job as its own driver process, with a slow engine; killed (with its local Ray)
        # once some answers are committed.
        spec = {"overrides": overrides("s3://lake/resumed"), "storage_options": options, "log": str(tmp_path / "killed.log"), "delay": 1.5}
        (tmp_path / "spec.json").write_text(json.dumps(spec))
        driver = subprocess.Popen(
            [sys.executable, str(HERE / "killable_job.py"), str(tmp_path / "spec.json")],
            cwd=HERE,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 240
        while not committed_checkpoints(fs, "lake/resumed") and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert driver.poll() is None, "the driver ended before any answer was committed: nothing to kill"
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
        time.sleep(1)
        assert not fs.exists("lake/resumed/_SUCCESS")  # killed mid-run: nothing published
        answered_before = set(lines(tmp_path / "killed.log"))
        assert 0 < len(answered_before) < N_PROMPTS

        # Same command again, in this process: it finds the staging of the same run id.
        resumed = run(config(options, "s3://lake/resumed"), generate_fn=recording_generate(str(tmp_path / "resumed.log")))
        asked_again = lines(tmp_path / "resumed.log")
        assert resumed.run_id == clean.run_id
        assert "prepare" in resumed.resumed_passes
        assert len(asked_again) == len(set(asked_again))  # no prompt twice within the resumed run
        assert len(asked_again) < N_PROMPTS  # committed answers were not asked for again
        assert answered_before | set(asked_again) == set(lines(tmp_path / "clean.log"))

        got, want = tables(fs, "lake/resumed"), tables(fs, "lake/clean")
        for table in want:
            assert got[table].equals(want[table]), f"{table} differs from the clean run"
        assert got["documents"].height == len(DOCS)
        assert got["answers"].height == N_PROMPTS
        assert not fs.glob("lake/resumed/_staging/*")


def test_rerun_is_a_no_op_and_another_template_is_a_new_run(local_ray, tmp_path):
    with moto_s3("corpus", "lake") as (fs, options):
        upload_corpus(fs, tmp_path, docs=DOCS[:4] + DOCS[8:12])
        first = run(config(options, "s3://lake/yayi"), generate_fn=recording_generate(str(tmp_path / "1.log")))
        fs.invalidate_cache()
        before = {p: fs.info(p)["ETag"] for p in fs.find("lake/yayi")}

        again = run(config(options, "s3://lake/yayi"), generate_fn=recording_generate(str(tmp_path / "2.log")))
        assert again.outcome == "already published" and again.run_id == first.run_id
        assert lines(tmp_path / "2.log") == []  # the engine was not asked anything
        fs.invalidate_cache()
        assert {p: fs.info(p)["ETag"] for p in fs.find("lake/yayi")} == before  # not a byte changed

        # Forced, the same run is computed again and replaces itself: the same rows, not doubled.
        first_tables = tables(fs, "lake/yayi")
        forced = run(config(options, "s3://lake/yayi", **{"output.force": "true"}), generate_fn=recording_generate(str(tmp_path / "3.log")))
        assert forced.outcome == "published" and len(lines(tmp_path / "3.log")) == 8 * 2
        for table, df in tables(fs, "lake/yayi").items():
            assert df.equals(first_tables[table]), f"{table} changed when the same run was forced again"

        # Another prompt template: another fingerprint, another run id; its rows replace the date.
        other = run(
            config(options, "s3://lake/yayi", **{"extraction.answer_cue": "false"}), generate_fn=recording_generate(str(tmp_path / "4.log"))
        )
        assert other.run_id != first.run_id and other.run_id.split("-")[-2] != first.run_id.split("-")[-2]
        assert len(lines(tmp_path / "4.log")) == 8 * 2
        assert fs.cat("lake/yayi/_SUCCESS").decode().strip() == other.run_id
        assert {Path(p).stem for p in fs.find("lake/yayi/_manifest")} == {first.run_id, other.run_id}
        published = tables(fs, "lake/yayi")
        for table, df in published.items():
            assert set(df["run_id"]) <= {other.run_id}, f"{table} mixes runs"
        assert published["documents"].height == 8


def test_nightly_mode_picks_up_a_new_shard_only(local_ray, tmp_path):
    with moto_s3("corpus", "lake") as (fs, options):
        upload_corpus(fs, tmp_path, docs=DOCS[:8], shards=2)
        nightly = {"input.since_manifest": "true"}
        first = run(config(options, "s3://lake/yayi", **nightly), generate_fn=recording_generate(str(tmp_path / "1.log")))
        assert first.outcome == "published" and len(lines(tmp_path / "1.log")) == 8 * 2

        unchanged = run(config(options, "s3://lake/yayi", **nightly), generate_fn=recording_generate(str(tmp_path / "2.log")))
        assert unchanged.outcome == "nothing new" and unchanged.skipped_inputs == 2
        assert lines(tmp_path / "2.log") == []

        new = write_corpus(tmp_path / "new", docs=DOCS[8:11], shards=1)
        fs.put(str(new / "shard-0.parquet"), "corpus/news/shard-new.parquet")
        third = run(config(options, "s3://lake/yayi", **nightly), generate_fn=recording_generate(str(tmp_path / "3.log")))
        assert third.n_inputs == 1 and third.skipped_inputs == 2
        assert len(lines(tmp_path / "3.log")) == 3 * 2  # only the new shard's prompts
        docs = tables(fs, "lake/yayi")["documents"]
        assert sorted(docs["doc_id"]) == sorted(d[0] for d in DOCS[:11])
        assert set(docs["run_id"]) == {first.run_id, third.run_id}
