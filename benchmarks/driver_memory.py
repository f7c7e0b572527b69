"""The driver's memory and wall time of a whole run as the corpus grows, with an instant fake engine.

    python benchmarks/driver_memory.py --docs 8000 32000 128000 [--label after] [--set chunk.overlap_tokens=8]

For each size: a synthetic corpus of N English documents (cached under `--work`, so runs with
another label see the same files, hence the same run id), then the whole job
(`yayi_batch.run.run(cfg, generate_fn=fake)`) in a fresh subprocess. The fake engine answers at
once from the chunk's own words (NER, RE and EE JSON, so every table gets rows; with
`--truncate-every K` one chunk in K is "cut at max_tokens", which exercises the retry pass and the
merge of mentions found twice). The child reports its wall time and its peak RSS
(`getrusage(RUSAGE_SELF).ru_maxrss`): the child is the driver, Ray's workers are other processes.
The parent then digests every published table (row count and an order-free hash of the rows,
`finished_at` left out) so two labels can be checked for identical output.

Results go to benchmarks/results/driver_memory.json, keyed by label, with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

TABLES = ("documents", "answers", "entities", "relations", "events", "event_arguments", "errors")
RESULTS = Path(__file__).parent / "results" / "driver_memory.json"
RUN_DATE = "2026-11-25"

FIRST = ["Alice", "Bruno", "Chen", "Dana", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun", "Kira", "Lars"]
LAST = ["Anders", "Brook", "Castell", "Dorn", "Ekberg", "Falk", "Gray", "Holm", "Ivers", "Jansen"]
ORGS = ["Acme", "Boreal", "Cobalt", "Delta", "Everest", "Fjord", "Granite", "Harbor", "Iris", "Juniper"]
PLACES = ["Lyon", "Paris", "Oslo", "Porto", "Rotterdam", "Krakow", "Ghent", "Bergen", "Turin", "Seville"]
VERBS = ["joined", "met", "acquired", "visited", "praised", "sued", "hired", "left"]
FILLER = ["the", "board", "said", "on", "Monday", "after", "a", "long", "meeting", "with", "investors", "and", "staff"]


# --- corpus --------------------------------------------------------------------------------------


def document(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 4)):
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        org = f"{rng.choice(ORGS)} Corp"
        tail = " ".join(rng.choice(FILLER) for _ in range(rng.randint(3, 8)))
        sentences.append(f"{person} {rng.choice(VERBS)} {org} in {rng.choice(PLACES)}, {tail}.")
    return " ".join(sentences)


def write_corpus(folder: Path, n_docs: int, docs_per_shard: int = 4000) -> Path:
    """N documents in shards of `docs_per_shard`; kept when it exists (same files, same run id)."""
    done = folder / "_complete"
    if done.exists():
        return folder
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(n_docs)
    for shard, start in enumerate(range(0, n_docs, docs_per_shard)):
        ids = [f"doc-{i:08d}" for i in range(start, min(n_docs, start + docs_per_shard))]
        texts = [document(rng) for _ in ids]
        pq.write_table(pa.table({"id": ids, "text": texts, "title": [f"title {i}" for i in ids]}), folder / f"shard-{shard:04d}.parquet")
    done.write_text("")
    return folder


# --- the fake engine -------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return [w.strip(".,") for w in text.split() if w.strip(".,")] or ["x"]


def fake_answer(task: str, chunk: str) -> str:
    w = _words(chunk)
    pick = lambda i: w[i % len(w)]  # noqa: E731
    if task == "ner":
        return json.dumps({"person": [pick(0)], "organization": [pick(3)], "location": [pick(5)]})
    if task == "re":
        return json.dumps([{"relation": "works for", "head": pick(0), "tail": pick(3)}])
    return json.dumps([{"trigger": pick(2), "type": "meeting", "arguments": {"place": pick(5), "agent": pick(0)}}])


def make_fake_generate(truncate_every: int):
    def fake_generate(prompts, cfg, model):
        import pyarrow as pa

        def answer(table):
            batch = table.to_pydict()
            texts, reasons, out_tokens = [], [], []
            for task, chunk in zip(batch["task"], batch["chunk_text"]):
                cut = truncate_every > 0 and len(chunk) > 60 and zlib.crc32(chunk.encode()) % truncate_every == 0
                full = fake_answer(task, chunk)
                texts.append(full[: len(full) // 2] if cut else full)
                reasons.append("length" if cut else "stop")
                out_tokens.append(cfg.sampling.max_tokens if cut else 12)
            n = len(texts)
            return pa.table(
                {
                    **batch,
                    "generated_text": texts,
                    "tokens_in": [40] * n,
                    "tokens_out": out_tokens,
                    "finish_reason": reasons,
                    "engine_error": [""] * n,
                    "llm_seconds": [0.0] * n,
                }
            )

        return prompts.map_batches(answer, batch_format="pyarrow")

    return fake_generate


# --- one size, in a child process (the driver) --------------------------------------------------------


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _current_mb() -> float:
    with open("/proc/self/statm") as fh:
        return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _record_passes(per_pass: dict[str, dict[str, float]]) -> None:
    """Wrap the job's passes: the driver's RSS and peak after each (which pass raises the peak)."""
    import dataclasses

    from yayi_batch.run import passes

    def timed(spec):
        def run_pass(job, done):
            t0 = time.perf_counter()
            result = spec.run(job, done)
            per_pass[spec.name.value] = {"s": round(time.perf_counter() - t0, 1), "rss_mb": _current_mb(), "peak_mb": _peak_mb()}
            return result

        return dataclasses.replace(spec, run=run_pass)

    passes.PASSES = tuple(timed(spec) for spec in passes.PASSES)


def child(corpus: str, out: str, sets: list[str], truncate_every: int) -> None:
    from yayi_batch.config import load_config
    from yayi_batch.run import run

    per_pass: dict[str, dict[str, float]] = {}
    _record_passes(per_pass)

    overrides = [
        f"input.paths=[{corpus}]",
        f"output.path={out}",
        f"output.run_date={RUN_DATE}",
        "input.passthrough_columns=[title]",
        "output.report=false",
        *sets,
    ]
    t0 = time.perf_counter()
    summary = run(load_config(None, overrides), generate_fn=make_fake_generate(truncate_every))
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        "RESULT "
        + json.dumps(
            {
                "wall_s": round(wall, 1),
                "driver_peak_rss_mb": round(peak_kb / 1024, 1),
                "run_id": summary.run_id,
                "documents": summary.documents,
                "documents_by_status": summary.documents_by_status,
                "rows": summary.rows,
                "answer_status": summary.answer_status,
                "match_kinds": summary.match_kinds,
                "errors_by_kind": summary.errors_by_kind,
                "tokens_in": summary.tokens_in,
                "tokens_out": summary.tokens_out,
                "passes": per_pass,
            }
        ),
        flush=True,
    )


def digest(out: Path) -> dict[str, dict[str, object]]:
    """Per published table: rows and an order-free hash of them (finished_at left out)."""
    import polars as pl

    result = {}
    for table in TABLES:
        df = pl.read_parquet(f"{out}/{table}/date={RUN_DATE}/*.parquet")
        df = df.drop([c for c in ("finished_at",) if c in df.columns])
        h = df.hash_rows(seed=7).sum() if df.height else 0
        result[table] = {"rows": df.height, "hash": str(h)}
    return result


def machine() -> dict[str, object]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, nargs="+", default=[8000, 32000])
    ap.add_argument("--label", default="run", help="key in the results file (e.g. baseline, after)")
    ap.add_argument("--work", default="/tmp/yayi-driver-memory", help="corpora (kept) and outputs (replaced)")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="config override, as yayi-batch --set")
    ap.add_argument("--truncate-every", type=int, default=0, help="cut one answer in K at max_tokens (0: none)")
    ap.add_argument("--child", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.sets, args.truncate_every)
        return

    work = Path(args.work)
    rows = []
    for n in args.docs:
        corpus = write_corpus(work / f"corpus-{n}", n)
        out = work / f"out-{args.label}-{n}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [
            sys.executable,
            __file__,
            "--child",
            str(corpus),
            str(out),
            "--truncate-every",
            str(args.truncate_every),
            *[a for s in args.sets for a in ("--set", s)],
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            sys.stderr.write(proc.stderr[-5000:])
            raise SystemExit(f"{n} documents: the run failed (exit {proc.returncode})")
        row = {"docs": n, **json.loads(line[len("RESULT ") :]), "published": digest(out)}
        print(json.dumps({k: row[k] for k in ("docs", "wall_s", "driver_peak_rss_mb")}), flush=True)
        rows.append(row)
        shutil.rmtree(out, ignore_errors=True)

    first, last = rows[0], rows[-1]
    ratio = last["docs"] / first["docs"]
    entry = {
        "sets": args.sets,
        "truncate_every": args.truncate_every,
        "sizes": rows,
        "rss_growth_mb": round(last["driver_peak_rss_mb"] - first["driver_peak_rss_mb"], 1),
        "time_ratio": round(last["wall_s"] / first["wall_s"], 2),
        "docs_ratio": ratio,
        # Each size against the one before (the target: 4x the documents in at most 4.4x the time).
        "steps": [
            {
                "docs": f"{a['docs']}->{b['docs']}",
                "docs_ratio": round(b["docs"] / a["docs"], 2),
                "time_ratio": round(b["wall_s"] / a["wall_s"], 2),
                "rss_growth_mb": round(b["driver_peak_rss_mb"] - a["driver_peak_rss_mb"], 1),
            }
            for a, b in zip(rows, rows[1:])
        ],
        "rss_per_doc_kb": round((last["driver_peak_rss_mb"] - first["driver_peak_rss_mb"]) * 1024 / (last["docs"] - first["docs"]), 3)
        if len(rows) > 1
        else None,
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["machine"] = machine()
    entry["load_average"] = [round(x, 2) for x in os.getloadavg()]  # at the end: wall times are only comparable on a quiet machine
    results.setdefault("runs", {})[args.label] = entry
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in entry.items() if k != "sizes"}, indent=2))


if __name__ == "__main__":
    main()
