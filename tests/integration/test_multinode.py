"""Two Ray nodes on one machine, the second blind to the driver's files: the job must find its model
on each node and publish exactly what a single-node run publishes.

- head: `ray start --head` with one CPU, held by a detached actor pinned to the head
  (`node:__internal_head__`), so every task and actor that needs a CPU (the chunker, the engine's row
  preprocessing, the vLLM actor) runs on the second node;
- second node: `ray start --address ...` inside its own mount namespace (`unshare --mount`) with an
  empty tmpfs over the model cache (~/.cache/yayi-batch), the driver's temporary folder and the
  head's Ray temp dir (as on two machines, each node unpacks the job's working_dir itself), so
  nothing the driver resolved or wrote locally is visible to it;
- input shards, output and (second variant) the model itself in moto's S3 on 127.0.0.1;
- the job submitted with `ray job submit`, token auth on.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import polars as pl
import psutil
import pytest
import yaml
from test_job_submit import RAY, free_port, submit_and_wait

from yayi_batch.model.resolve import default_cache_dir, ensure_embedded_model
from yayi_batch.testing.corpus import DOCS, write_corpus
from yayi_batch.testing.s3 import moto_s3

CORPUS = [d for d in DOCS if d[1].strip()][:3] + [("empty-1", "")]
TABLES = ("documents", "entities", "answers", "errors")
VOLATILE = {"run_id", "finished_at", "date"}


def _unshare_works() -> str | None:
    if os.geteuid() != 0:
        return "needs root for unshare --mount"
    if shutil.which("unshare") is None:
        return "unshare not installed"
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"unshare --mount not permitted here: {probe.stderr.strip()}"


def _run_py(env: dict, code: str, timeout: int = 120) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextlib.contextmanager
def two_nodes(tmp_path):
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    env.pop("RAY_ADDRESS", None)
    subprocess.run([RAY, "get-auth-token", "--generate"], env=env, check=True, capture_output=True, timeout=60)
    gcs, dash = free_port(), free_port()
    # Its own temp dir: the teardown stops this cluster's processes only, not other Rays on the box.
    temp_dir = tempfile.mkdtemp(prefix="raymn-", dir="/tmp")
    head = subprocess.run(
        [
            RAY,
            "start",
            "--head",
            "--node-ip-address=127.0.0.1",
            f"--port={gcs}",
            "--dashboard-host=127.0.0.1",
            f"--dashboard-port={dash}",
            "--num-cpus=1",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
            # Every node's agent on its own port: the default (52365) is taken by any other Ray on the box,
            # and then the job server has "No available agent to submit job".
            f"--dashboard-agent-listen-port={free_port()}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert head.returncode == 0, head.stdout + head.stderr
    second = None
    try:
        # Hold the head's only CPU: everything that needs one must go to the second node.
        _run_py(
            env,
            f"""
            import ray
            ray.init(address="127.0.0.1:{gcs}", namespace="yayi-test")
            @ray.remote(num_cpus=1, resources={{"node:__internal_head__": 0.001}})
            class HoldHeadCpu:
                def ping(self):
                    return ray.get_runtime_context().get_node_id()
            h = HoldHeadCpu.options(name="hold-head-cpu", lifetime="detached").remote()
            print(ray.get(h.ping.remote()))
        """,
        )
        cache = default_cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        # The model cache, the driver's temp folders, and the head's Ray temp dir: on one machine both
        # nodes would otherwise share `runtime_resources/`, and the second node's runtime-env agent
        # replaced the job's unpacked working_dir under the running driver (its cwd vanished).
        hidden = [str(cache), str(tmp_path.parent.parent), temp_dir]
        mounts = " && ".join(f"mount -t tmpfs tmpfs {h}" for h in hidden)
        second = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                f"{mounts} && exec {RAY} start --address=127.0.0.1:{gcs} "
                f"--node-ip-address=127.0.0.1 --num-cpus=3 --block --disable-usage-stats --dashboard-agent-listen-port={free_port()}",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.time() + 180
        while True:
            out = _run_py(
                env,
                f"""
                import ray
                ray.init(address="127.0.0.1:{gcs}")
                print(sum(1 for n in ray.nodes() if n["Alive"]))
            """,
            )
            if out.strip().splitlines()[-1] == "2":
                break
            assert second.poll() is None, second.stdout.read()
            assert time.time() < deadline, "the second node never joined"
            time.sleep(3)
        yield env, f"http://127.0.0.1:{dash}"
    finally:
        _stop_cluster(temp_dir, second.pid if second is not None else None)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _stop_cluster(temp_dir: str, extra_pid: int | None) -> None:
    """Kill this cluster's daemons (their command lines name its temp dir), the second node's
    `ray start`, and every process under them (workers, the vLLM engine core)."""
    roots = [p for p in psutil.process_iter(["cmdline"]) if any(temp_dir in a for a in (p.info["cmdline"] or []))]
    if extra_pid is not None and psutil.pid_exists(extra_pid):
        roots.append(psutil.Process(extra_pid))
    victims = {p.pid: p for root in roots for p in [root, *_children(root)]}
    for p in victims.values():
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(list(victims.values()), timeout=30)


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _job_config(path: Path, options: dict, output: str, model: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "input": {"paths": ["s3://corpus-in/corpus/"], "storage_options": options},
                "output": {"path": output, "run_date": "2026-11-25", "report": False, "storage_options": options},
                "extraction": {"tasks": ["ner"]},
                "model": {"source": model, "storage_options": options},
                "engine": {"batch_size": 8},
                "sampling": {"max_tokens": 32, "retry_truncated": False},
            }
        )
    )
    return path


def _tables(fs, prefix: str) -> dict[str, list]:
    out = {}
    for table in TABLES:
        files = sorted(p for p in fs.find(f"{prefix}/{table}") if p.endswith(".parquet"))
        frames = [pl.read_parquet(fs.cat(p)) for p in files]
        df = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
        df = df.drop([c for c in df.columns if c in VOLATILE])
        out[table] = sorted(map(json.dumps, df.rows(named=True)), key=str) if df.height else []
    return out


def test_two_nodes_publish_what_one_node_publishes(real_engine, ray_cluster, tmp_path):
    reason = _unshare_works()
    if reason:
        pytest.skip(reason)
    import ray

    from yayi_batch.config import load_config
    from yayi_batch.run import run

    model_dir = ensure_embedded_model()  # the driver's copy, for the S3 upload only
    corpus = write_corpus(tmp_path / "corpus", docs=CORPUS, shards=2)
    with moto_s3("corpus-in", "lake-out", "models-mn") as (fs, options):
        for f in corpus.iterdir():
            fs.put(str(f), f"corpus-in/corpus/{f.name}")
        fs.put(str(model_dir) + "/", "models-mn/smollm2/", recursive=True)

        # The reference: the same corpus on one node (in-process Ray, the driver's own files).
        run(load_config(_job_config(tmp_path / "single.yaml", options, "s3://lake-out/single", "embedded:smollm2-135m-instruct")))
        ray.shutdown()
        single = _tables(fs, "lake-out/single")
        assert len(single["documents"]) == len(CORPUS) and single["entities"]

        logs = {}
        with two_nodes(tmp_path) as (env, address):
            env = {**env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
            for name, model in (("embedded", "embedded:smollm2-135m-instruct"), ("s3", "s3://models-mn/smollm2")):
                config = _job_config(tmp_path / f"{name}.yaml", options, f"s3://lake-out/{name}", model)
                logs[name] = submit_and_wait(env, address, config, timeout=1200)
                # Both nodes prepared their own copy (the second one from nothing: its cache is a tmpfs).
                assert "model ready on 2 node(s)" in logs[name], logs[name][-4000:]
        for name in logs:
            got = _tables(fs, f"lake-out/{name}")
            for table in TABLES:
                assert got[table] == single[table], f"{name}: {table} differs from the single-node run"
