"""Resume after a killed driver, with the real engine, measured in one run.

    python benchmarks/resume.py [--docs 24] [--kill-at 0.5] [--rows-per-block 16]

Three runs of the same job (`yayi-batch run`, the embedded default on vLLM's CPU build, over
the first `--docs` sample documents, tasks ner and re) into three output folders:
1. clean: start to end;
2. killed: the driver and its local Ray are killed (SIGKILL to the process group) once
   `--kill-at` of the prompts have committed answers in Ray Data's checkpoint;
3. resumed: the same command as 2 again.
Reports wall times, prompts committed before the kill, how much of a clean run the resume cost,
and whether the resumed tables hold the same rows as the clean run (greedy decoding on other
batch compositions may differ in the last bits). Writes benchmarks/results/resume.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

TABLES = ("documents", "answers", "entities", "relations", "events", "event_arguments", "errors")


def command(cli: str, corpus: Path, out: Path, rows_per_block: int) -> list[str]:
    sets = [
        f"input.paths=[{corpus}]",
        f"output.path={out}",
        "output.run_date=2026-11-25",
        "extraction.tasks=[ner, re]",
        "input.passthrough_columns=[title]",
        f"engine.rows_per_block={rows_per_block}",
        "output.report=false",
    ]
    return [cli, "demo", *[a for s in sets for a in ("--set", s)]]


def committed_prompts(out: Path) -> int:
    files = [p for p in out.glob("_staging/*/_checkpoint/extract/*.parquet") if not p.name.endswith(".pending.parquet")]
    n = 0
    for p in files:
        try:
            n += pq.read_metadata(p).num_rows
        except Exception:  # being renamed from .pending right now
            pass
    return n


def published(out: Path) -> dict[str, pl.DataFrame]:
    result = {}
    for table in TABLES:
        df = pl.read_parquet(f"{out}/{table}/**/*.parquet", hive_partitioning=True)
        df = df.drop([c for c in ("finished_at",) if c in df.columns])
        result[table] = df.sort(df.columns)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=24)
    ap.add_argument("--kill-at", type=float, default=0.5)
    ap.add_argument("--rows-per-block", type=int, default=16)
    args = ap.parse_args()

    from yayi_batch.cli import sample_corpus_dir

    cli = str(Path(sys.executable).parent / "yayi-batch")
    work = Path(tempfile.mkdtemp(prefix="yayi-resume-"))
    corpus = work / "corpus"
    corpus.mkdir()
    docs = pl.read_parquet(f"{sample_corpus_dir()}/*.parquet").head(args.docs)
    docs.write_parquet(corpus / "docs.parquet")
    total = 2 * docs.height  # before chunking; the real count is read from the clean run
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    t0 = time.perf_counter()
    subprocess.run(
        command(cli, corpus, work / "clean", args.rows_per_block), check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    clean_s = time.perf_counter() - t0
    total = pl.read_parquet(f"{work}/clean/answers/**/*.parquet").height

    t0 = time.perf_counter()
    driver = subprocess.Popen(
        command(cli, corpus, work / "resumed", args.rows_per_block),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while committed_prompts(work / "resumed") < args.kill_at * total and driver.poll() is None:
        time.sleep(0.5)
    if driver.poll() is not None:
        raise SystemExit("the run ended before the kill point; lower --kill-at")
    committed = committed_prompts(work / "resumed")
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait()
    killed_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    subprocess.run(
        command(cli, corpus, work / "resumed", args.rows_per_block),
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    resume_s = time.perf_counter() - t0

    clean, resumed = published(work / "clean"), published(work / "resumed")
    same = {t: clean[t].equals(resumed[t]) for t in TABLES}
    result = {
        "docs": docs.height,
        "prompts": total,
        "rows_per_block": args.rows_per_block,
        "committed_at_kill": committed,
        "clean_s": round(clean_s, 1),
        "killed_after_s": round(killed_s, 1),
        "resume_s": round(resume_s, 1),
        "resume_over_clean": round(resume_s / clean_s, 3),
        "killed_plus_resume_over_clean": round((killed_s + resume_s) / clean_s, 3),
        "answers": {"clean": clean["answers"].height, "resumed": resumed["answers"].height},
        "documents": {"clean": clean["documents"].height, "resumed": resumed["documents"].height},
        "same_rows_as_clean": same,
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "resume.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
