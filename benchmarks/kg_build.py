"""Knowledge-graph build at scale: wall time and peak memory at 1x and 4x the mentions.

    python benchmarks/kg_build.py [--mentions 1000000] [--sizes 1 4] [--per-date 250000] [--keep]

For each size a synthetic published output is written with pyarrow (row groups of 100k, no
Python list of rows): ``size * mentions`` entity mentions spread over dates of ``--per-date``
mentions each (the lake grows by dates, as a nightly job's does), 10 mentions per document,
drawn with a Zipf-like skew from a fixed vocabulary of Chinese and English names; relations 25%
of the mention count, events 5% with 2 arguments each; 2% of every kind ungrounded.
Then ``yayi-batch kg`` (stage + nodes/edges Parquet + LadybugDB) runs over it in a fresh
subprocess; its wall time and peak RSS (the child's own ``ru_maxrss`` via ``os.wait4``, and
its ``VmHWM``), its CPU seconds (user + system: less sensitive than wall time to other load
on a shared machine) and the load average before and after are recorded with the machine. Writes ``benchmarks/results/kg_build.json``.
Targets: 4x rows in <= 4.4x time; peak memory at 4x <= 1.5x that at 1x.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from yayi_batch.schema import TABLES  # noqa: E402

ROW_GROUP = 100_000
# polars: stage + nodes/edges Parquet only (--no-db); full: the same plus the LadybugDB load.
VARIANTS = {"polars": ["--no-db"], "full": []}
VOCAB = 200_000  # distinct entity names per type list
MENTIONS_PER_DOC = 10
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")


def _vocabulary(rng: np.random.Generator) -> dict[str, pa.Array]:
    """Names per entity type: half Chinese-like, half Latin; some in two case/width variants."""
    n = VOCAB
    g = len(_GIVEN)
    zh = [_SURNAMES[i % 20] + _GIVEN[(i // 20) % g] + _GIVEN[(i // (20 * g)) % g] + str(i // (20 * g * g)) for i in range(n // 2)]
    en = [f"Name{i} Family{i % 997}" for i in range(n - n // 2)]
    names = zh + en
    return {
        "person": pa.array(names, pa.string()),
        "organization": pa.array([f"{x} Group" for x in names], pa.string()),
        "location": pa.array([f"{x}市" for x in names], pa.string()),
    }


def _zipf_index(rng: np.random.Generator, size: int) -> np.ndarray:
    return (rng.zipf(1.3, size) - 1) % VOCAB


def _match(rng: np.random.Generator, size: int) -> pa.Array:
    kinds = np.array(["exact", "normalized", "fuzzy", "none"])
    return pa.array(kinds[rng.choice(4, size=size, p=[0.90, 0.05, 0.03, 0.02])])


def _writer(out: Path, table: str, day: str) -> pq.ParquetWriter:
    folder = out / table / f"date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    return pq.ParquetWriter(folder / "part-0.parquet", TABLES[table])


def _batch(table: str, columns: dict[str, pa.Array], n: int) -> pa.RecordBatch:
    schema = TABLES[table]
    arrays = [columns[f.name] if f.name in columns else pa.nulls(n, f.type) for f in schema]
    return pa.RecordBatch.from_arrays([a.cast(f.type) for a, f in zip(arrays, schema)], schema=schema)


def generate(out: Path, mentions: int, per_date: int, seed: int = 7) -> dict:
    """Write a published output of ``mentions`` entity mentions; returns row counts."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng)
    types = list(vocab)
    en_types = pa.array(types)
    zh_types = pa.array(["人物", "机构", "地点"])
    rel_types = pa.array(["works for", "任职于", "located in", "位于", "acquired", "founded"])
    roles = pa.array(["agent", "主体", "target", "对象", "place"])
    counts = {"entities": 0, "relations": 0, "events": 0, "event_arguments": 0}
    n_dates = max(1, -(-mentions // per_date))
    doc_base = 0
    for d in range(n_dates):
        day = (date(2025, 1, 1) + timedelta(days=d)).isoformat()
        run_id = f"run-{day}"
        todo = min(per_date, mentions - d * per_date)
        writers = {t: _writer(out, t, day) for t in counts}
        for start in range(0, todo, ROW_GROUP):
            n = min(ROW_GROUP, todo - start)
            row = np.arange(start, start + n) + d * per_date
            doc = doc_base + (row - d * per_date) // MENTIONS_PER_DOC
            doc_ids = pa.array(np.char.add("doc-", doc.astype(str)))
            run = pa.array(np.full(n, run_id))
            tix = rng.integers(0, 3, n)
            name_ix = _zipf_index(rng, n)
            zh_doc = (doc % 2) == 0
            texts = np.empty(n, dtype=object)
            for t, ty in enumerate(types):
                sel = tix == t
                texts[sel] = np.array(vocab[ty].take(pa.array(name_ix[sel])).to_pylist(), dtype=object)
            type_names = np.where(zh_doc, np.array(zh_types.to_pylist())[tix], np.array(en_types.to_pylist())[tix])
            # a few surface variants: upper case (folds back to the same node)
            upper = rng.random(n) < 0.05
            texts[upper] = np.char.upper(texts[upper].astype(str)).astype(object)
            text_arr = pa.array(texts.tolist(), pa.string())
            match = _match(rng, n)
            grounded = np.asarray(match.to_numpy(zero_copy_only=False)) != "none"
            offs = pa.array(np.where(grounded, (row % 50) * 10, None).tolist(), pa.int64())
            writers["entities"].write_batch(_batch("entities", {
                "run_id": run, "doc_id": doc_ids, "chunk_id": doc_ids, "entity_id": pa.array(np.char.add("e", row.astype(str))),
                "type": pa.array(type_names), "text": text_arr, "start": offs, "end": offs, "match": match,
                "mention_index": pa.array(np.zeros(n, dtype=np.int32)), "in_schema": pa.array(np.ones(n, dtype=bool)),
                "lang": pa.array(np.where(zh_doc, "zh", "en")),
            }, n))  # fmt: skip
            counts["entities"] += n
            # relations: between two mentions of the same document (so most endpoints attach typed)
            m = n // 4
            pick = rng.choice(n, size=m, replace=False)
            partner = np.clip(pick + rng.integers(-5, 6, m), 0, n - 1)
            rel_doc = doc_ids.take(pa.array(pick))
            writers["relations"].write_batch(_batch("relations", {
                "run_id": run.slice(0, m), "doc_id": rel_doc, "chunk_id": rel_doc,
                "relation_id": pa.array(np.char.add("r", row[pick].astype(str))),
                "relation": rel_types.take(pa.array(rng.integers(0, len(rel_types), m))),
                "head": text_arr.take(pa.array(pick)), "head_start": offs.take(pa.array(pick)),
                "head_end": offs.take(pa.array(pick)), "head_match": _match(rng, m),
                "tail": text_arr.take(pa.array(partner)), "tail_start": offs.take(pa.array(partner)),
                "tail_end": offs.take(pa.array(partner)), "tail_match": _match(rng, m),
                "in_schema": pa.array(np.ones(m, dtype=bool)), "lang": pa.array(np.where(zh_doc[pick], "zh", "en")),
            }, m))  # fmt: skip
            counts["relations"] += m
            k = n // 20
            ev_pick = rng.choice(n, size=k, replace=False)
            ev_ids = pa.array(np.char.add("v", row[ev_pick].astype(str)))
            ev_doc = doc_ids.take(pa.array(ev_pick))
            writers["events"].write_batch(_batch("events", {
                "run_id": run.slice(0, k), "doc_id": ev_doc, "chunk_id": ev_doc, "event_id": ev_ids, "task": pa.array(np.full(k, "ee")),
                "event_type": pa.array(np.where(zh_doc[ev_pick], "会见", "meeting")), "trigger": pa.array(np.where(zh_doc[ev_pick], "会见", "met")),
                "trigger_start": offs.take(pa.array(ev_pick)), "trigger_end": offs.take(pa.array(ev_pick)), "trigger_match": _match(rng, k),
                "in_schema": pa.array(np.ones(k, dtype=bool)), "lang": pa.array(np.where(zh_doc[ev_pick], "zh", "en")),
            }, k))  # fmt: skip
            counts["events"] += k
            arg_of = np.repeat(np.arange(k), 2)
            arg_pick = np.clip(ev_pick[arg_of] + rng.integers(-3, 4, 2 * k), 0, n - 1)
            writers["event_arguments"].write_batch(_batch("event_arguments", {
                "run_id": run.slice(0, 2 * k), "doc_id": ev_doc.take(pa.array(arg_of)), "chunk_id": ev_doc.take(pa.array(arg_of)),
                "event_id": ev_ids.take(pa.array(arg_of)), "argument_id": pa.array(np.char.add(np.char.add("a", row[ev_pick][arg_of].astype(str)), np.tile(["-0", "-1"], k))),
                "role": roles.take(pa.array(rng.integers(0, len(roles), 2 * k))), "argument": text_arr.take(pa.array(arg_pick)),
                "start": offs.take(pa.array(arg_pick)), "end": offs.take(pa.array(arg_pick)), "match": _match(rng, 2 * k),
                "in_schema": pa.array(np.ones(2 * k, dtype=bool)),
            }, 2 * k))  # fmt: skip
            counts["event_arguments"] += 2 * k
        for w in writers.values():
            w.close()
        doc_base += -(-todo // MENTIONS_PER_DOC)
    (out / "_SUCCESS").write_text("", encoding="utf-8")
    counts["dates"] = n_dates
    return counts


_CHILD = r"""
import json, logging, sys, time
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="LOG %(message)s")
t0 = time.perf_counter()
from yayi_batch.kg.cli import main
code = main(sys.argv[1:])
wall = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print("BENCH " + json.dumps({"code": code, "wall_s": wall, "vmhwm_kb": hwm}))
"""


def measure(out: Path, graph: Path, extra: list[str]) -> dict:
    """One build in a fresh process: its own wall time and peak RSS, and its phase log."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(out), "--graph", str(graph), *extra], env=env,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{stdout}")
    child = json.loads(next(line for line in stdout.splitlines() if line.startswith("BENCH "))[6:])
    # CPU seconds beside wall seconds: on a shared machine the wall time follows the others' load.
    return {"wall_s": round(wall, 2), "build_s_in_child": round(child["wall_s"], 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "vmhwm_mb": round(child["vmhwm_kb"] / 1024, 1),
            "phases": [line[4:] for line in stdout.splitlines() if line.startswith("LOG phase")],
            "summary": [line for line in stdout.splitlines() if not line.startswith(("BENCH ", "LOG "))]}  # fmt: skip


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    import ladybug
    import polars

    return {"nproc": int(nproc), "cpu": cpu, "ram_gb": round(mem / 1024**2, 1), "python": platform.python_version(),
            "polars": polars.__version__, "ladybug": ladybug.Database.get_version()}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mentions", type=int, default=1_000_000, help="entity mentions at 1x")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--per-date", type=int, default=250_000, help="mentions per date partition")
    ap.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated outputs and graphs")
    ap.add_argument("--result", type=Path, default=REPO / "benchmarks" / "results" / "kg_build.json")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    runs = {}
    for size in args.sizes:
        out, graph = work / f"out-{size}x", work / f"graph-{size}x"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(graph, ignore_errors=True)
        t = time.perf_counter()
        counts = generate(out, size * args.mentions, args.per_date)
        gen_s = time.perf_counter() - t
        print(f"{size}x: generated {counts} in {gen_s:.1f} s", flush=True)
        runs[f"{size}x"] = {"rows": counts, "generate_s": round(gen_s, 1), "load_before": os.getloadavg()}
        for variant in args.variants:
            extra = VARIANTS[variant]
            shutil.rmtree(graph, ignore_errors=True)
            result = measure(out, graph, extra)
            runs[f"{size}x"][variant] = result
            print(f"{size}x {variant}: {json.dumps({k: v for k, v in result.items() if k != 'summary'}, ensure_ascii=False)}", flush=True)
        runs[f"{size}x"]["load_after"] = os.getloadavg()
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(graph, ignore_errors=True)
    report = {"benchmark": "kg_build", "machine": machine(), "mentions_1x": args.mentions, "per_date": args.per_date,
              "runs": runs, "targets": {"time_ratio_max": 1.1 * (max(args.sizes) / min(args.sizes)), "rss_ratio_max": 1.5}}  # fmt: skip
    lo, hi = f"{min(args.sizes)}x", f"{max(args.sizes)}x"
    if lo != hi:
        report["ratios"] = {"rows": max(args.sizes) / min(args.sizes)}
        for variant in args.variants:
            report["ratios"][variant] = {
                "time": round(runs[hi][variant]["wall_s"] / runs[lo][variant]["wall_s"], 2),
                "cpu_time": round(runs[hi][variant]["cpu_s"] / runs[lo][variant]["cpu_s"], 2),
                "peak_rss": round(runs[hi][variant]["peak_rss_mb"] / runs[lo][variant]["peak_rss_mb"], 2),
            }
    args.result.parent.mkdir(parents=True, exist_ok=True)
    args.result.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report.get("ratios", {})))
    if not args.keep and args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
