"""`ray start --head` on 127.0.0.1 with token auth, `ray job submit --working-dir` of
jobs/extract.py, wait for SUCCEEDED, check the tables, stop the head."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import yaml

from yayi_batch.testing.corpus import DOCS

REPO = Path(__file__).resolve().parents[2]
FINAL_STATES = ("succeeded", "failed", "stopped")
RAY = str(Path(sys.executable).with_name("ray"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_head(ray_cluster, real_engine, tmp_path):
    # The job's `python` must be this environment's (where the package and vLLM are installed).
    env = {**os.environ, "RAY_AUTH_MODE": "token", "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    env.pop("RAY_ADDRESS", None)
    subprocess.run([RAY, "get-auth-token", "--generate"], env=env, check=True, capture_output=True, timeout=60)
    gcs, dash = free_port(), free_port()
    start = subprocess.run(
        [
            RAY,
            "start",
            "--head",
            "--node-ip-address=127.0.0.1",
            f"--port={gcs}",
            "--dashboard-host=127.0.0.1",
            f"--dashboard-port={dash}",
            "--num-cpus=4",
            "--disable-usage-stats",
            # its own agent port: the default one may be held by another Ray on the machine
            f"--dashboard-agent-listen-port={free_port()}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert start.returncode == 0, start.stdout + start.stderr
    address = f"http://127.0.0.1:{dash}"
    try:
        # `ray start` returns before the dashboard's job server listens: wait for it.
        deadline = time.time() + 180
        while True:
            probe = subprocess.run([RAY, "job", "list", f"--address={address}"], env=env, capture_output=True, timeout=60)
            if probe.returncode == 0:
                break
            assert time.time() < deadline, probe.stderr.decode()[-2000:]
            time.sleep(3)
        yield env, address
    finally:
        subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)


def test_ray_job_submit_runs_the_job_to_success(ray_head, corpus, tmp_path):
    env, address = ray_head
    out = tmp_path / "out"
    config = tmp_path / "job.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "input": {"paths": [str(corpus)], "passthrough_columns": ["title"]},
                "output": {"path": str(out), "run_date": "2026-11-25", "report": False},
                "extraction": {"tasks": ["ner"]},
                # The submission path is under test here; retries of cut answers have their own tests
                # and would cost a second engine load.
                "sampling": {"max_tokens": 48, "retry_truncated": False},
            }
        )
    )
    logs = submit_and_wait(env, address, config, timeout=900)
    assert "rows per table" in logs  # the run summary reached the job log

    docs = pl.read_parquet(f"{out}/documents/**/*.parquet")
    assert sorted(docs["doc_id"]) == sorted(d[0] for d in DOCS)
    assert (out / "_SUCCESS").is_file()
    assert pl.read_parquet(f"{out}/answers/**/*.parquet").height == int(docs["n_prompts"].sum()) > 0


def submit_and_wait(env: dict, address: str, config: Path, timeout: int) -> str:
    """Submit jobs/extract.py with `ray job submit`, wait for a final state, assert it succeeded and
    return the job's log."""
    deadline = time.time() + 300
    while True:  # the head's job agent starts after `ray start` returns ("No available agent")
        submit = subprocess.run(
            [RAY, "job", "submit", f"--address={address}", "--working-dir", str(REPO), "--no-wait", "--"]
            + ["python", "jobs/extract.py", "--config", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if submit.returncode == 0 or "try again" not in submit.stdout + submit.stderr or time.time() > deadline:
            break
        time.sleep(5)
    assert submit.returncode == 0, submit.stdout + submit.stderr
    job_id = next(line.split("'")[1] for line in submit.stdout.splitlines() if "submitted successfully" in line)
    deadline, status = time.time() + timeout, ""
    while time.time() < deadline:
        done = subprocess.run([RAY, "job", "status", f"--address={address}", job_id], env=env, capture_output=True, text=True, timeout=60)
        status = (done.stdout + done.stderr).lower()  # the CLI logs its answer on stderr
        # Only the job's final state ends the wait: a status call that fails (the dashboard busy on
        # a loaded box) is asked again, not taken for the job's failure.
        if done.returncode == 0 and any(state in status for state in FINAL_STATES):
            break
        time.sleep(5)
    logs = subprocess.run([RAY, "job", "logs", f"--address={address}", job_id], env=env, capture_output=True, text=True, timeout=60)
    text = logs.stdout + logs.stderr
    assert "succeeded" in status, status + text[-6000:]
    return text
