"""Engine faults with the real engine (vLLM CPU build, the embedded default) and real Ray. Minutes.

- the vLLM actor and its engine-core child are SIGKILLed mid-run: Ray restarts the actor (Ray
  Data's actor pools default to max_restarts=-1, max_task_retries=-1), the blocks it held are
  redone, and the run publishes exactly the rows of a clean run;
- the fault switch (`engine.inject_fault`) makes the real engine reject one batch: those prompts
  are `engine_error` answers and error rows, the rest completes.
"""

import json
import os
import signal
import threading
import time

import polars as pl
import psutil
from test_resume_s3 import DOCS as MORE_DOCS

from yayi_batch.config import load_config
from yayi_batch.run import run
from yayi_batch.testing.corpus import base_overrides, write_corpus

TABLES = ("documents", "answers", "entities", "relations", "events", "event_arguments", "errors")
VOLATILE = {"answers": ["finished_at"]}
TIMINGS = os.environ.get("YAYI_FAULT_TIMINGS", "")  # a file to append measured wall times to (benchmarks)


def overrides(corpus, out, *extra):
    return base_overrides(corpus, out, tasks="[ner, re]", max_tokens=48) + [
        "output.report=false",
        "sampling.retry_truncated=false",
        "engine.batch_size=2",
        "engine.rows_per_block=2",
        "engine.max_concurrent_batches=1",
        *extra,
    ]


def published(out):
    result = {}
    for table in TABLES:
        df = pl.read_parquet(f"{out}/{table}/**/*.parquet").drop(VOLATILE.get(table, []))
        result[table] = df.sort(df.columns)
    return result


def engine_processes():
    """This test's vLLM actor and engine-core processes (descendants of this process only: other
    jobs on the machine may run engines of their own)."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            text = " ".join(p.cmdline()) + " " + p.name()
        except psutil.Error:
            continue
        if "vLLMEngineStage" in text or "EngineCore" in text:
            found.append(p)
    return found


def committed_blocks(out):
    return [p for p in out.glob("_staging/*/_checkpoint/extract/*.parquet") if not p.name.endswith(".pending.parquet")]


def _record(name, seconds):
    if TIMINGS:
        with open(TIMINGS, "a") as fh:
            fh.write(json.dumps({"case": name, "wall_s": round(seconds, 1)}) + "\n")
    print(f"{name}: {seconds:.1f} s")


def test_engine_actor_killed_mid_run_is_restarted_and_publishes_the_clean_rows(real_engine, local_ray, tmp_path):
    # 16 documents, 32 prompts, 16 blocks: generating takes long enough after the model load for
    # the kill to land with most blocks still to do.
    corpus = write_corpus(tmp_path / "corpus", docs=MORE_DOCS)
    n_blocks = len(MORE_DOCS) * 2 // 2
    t0 = time.perf_counter()
    run(load_config(None, overrides(corpus, tmp_path / "clean")))
    clean_s = time.perf_counter() - t0

    out = tmp_path / "killed"
    killed = {}

    def kill_once_committed():
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline and not committed_blocks(out):
            time.sleep(0.1)
        victims = engine_processes()
        killed["names"] = sorted({" ".join(p.cmdline())[:80] for p in victims})
        killed["committed"] = len(committed_blocks(out))
        for p in victims:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        killed["at"] = time.perf_counter()

    thread = threading.Thread(target=kill_once_committed, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    summary = run(load_config(None, overrides(corpus, out)))
    killed_s = time.perf_counter() - t0
    thread.join(timeout=5)
    assert killed.get("names"), "no engine process found to kill"
    assert any("vLLMEngineStage" in n for n in killed["names"]) and any("EngineCore" in n for n in killed["names"]), killed
    assert summary.outcome == "published"
    _record("clean run", clean_s)
    _record("run with the engine killed", killed_s)
    print("killed:", killed, "of", n_blocks, "blocks")
    assert killed["committed"] <= n_blocks // 2, killed  # the kill landed mid-run: most blocks were redone or still to do

    got, want = published(out), published(tmp_path / "clean")
    for table in TABLES:
        assert got[table].equals(want[table]), f"{table} differs from the clean run"
    assert got["documents"].height == len(MORE_DOCS)
    assert got["answers"]["chunk_id"].len() == got["answers"].select("chunk_id", "task").unique().height  # no duplicates


def test_injected_engine_fault_on_one_batch_with_the_real_engine(real_engine, local_ray, corpus, tmp_path):
    out = tmp_path / "out"
    run(load_config(None, overrides(corpus, out, "engine.inject_fault={batch_index: 1}")))
    answers = pl.read_parquet(f"{out}/answers/**/*.parquet")
    assert answers.height == 8
    failed = answers.filter(pl.col("status") == "engine_error")
    assert failed.height == 2
    # vLLM itself rejected the requests (Preprocess gave them max_tokens=0), named as the injected fault.
    for reason in failed["reason"]:
        assert reason.startswith("injected fault (batch 1): ") and "max_tokens must be at least 1" in reason, reason
    errors = pl.read_parquet(f"{out}/errors/**/*.parquet").filter(pl.col("kind") == "engine_error")
    assert errors.height == 2
    docs = pl.read_parquet(f"{out}/documents/**/*.parquet")
    status = dict(zip(docs["doc_id"], docs["status"]))
    assert {status[d] for d in failed["doc_id"]} <= {"partial", "failed"}
    assert answers.filter(pl.col("status") != "engine_error").height == 6
