"""Base against tuned, through the real job and `yayi-batch eval`, on the same prompts.

    python benchmarks/tune_eval.py --data tune-output/data [--model embedded:smollm2-135m-instruct ...]

For every model and every evaluation set it runs `yayi-batch run` (configs/local.yaml, the
embedded default's settings, `model.source` set to the model) in a fresh process, then
`yayi-batch eval` on the published tables, and collects:
- entity F1 (type, text), relation F1 (relation, head, tail), event-trigger F1 (type, trigger);
- the share of answers that parse (status not `invalid`);
- the share of mention strings that ground `exact` (entities, relation ends, triggers, arguments);
- the run's wall time and generated tokens.
Sets: the held-out splits `yayi-batch tune` wrote (`{data}/heldout/{source}/corpus.parquet` +
`gold.jsonl`; never trained on; MSRA and WNUT scored for NER only, as they are annotated) and
the shipped sample corpus with its gold (`yayi_batch/data/sample_*`), which is also the demo.
Writes benchmarks/results/tune_eval.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import polars as pl
from job_vs_engine import _machine  # the same machine record as the other benchmarks

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
YAYI = [sys.executable, "-m", "yayi_batch.cli"]
DEFAULT_MODELS = ("embedded:smollm2-135m-instruct", "embedded:yayi-ie-gemma3-270m")
NER_ONLY = {"msra-train", "wnut16"}


def eval_sets(data: Path) -> dict[str, tuple[str, str, list[str]]]:
    """name -> (corpus folder, gold file, tasks)."""
    sets = {}
    for folder in sorted((data / "heldout").iterdir()):
        tasks = ["ner"] if folder.name in NER_ONLY else ["ner", "re", "ee"]
        sets[f"heldout:{folder.name}"] = (str(folder / "corpus.parquet"), str(folder / "gold.jsonl"), tasks)
    pkg = resources.files("yayi_batch") / "data"
    sets["sample (demo)"] = (str(pkg / "sample_corpus"), str(pkg / "sample_gold" / "gold.jsonl"), ["ner", "re", "ee"])
    return sets


def subset(corpus: str, gold: str, n: int, work: Path) -> tuple[str, str]:
    """The first `n` documents by id of a held-out set, and their gold: the same for every model."""
    work.mkdir(parents=True, exist_ok=True)
    docs = pl.read_parquet(corpus).sort("id").head(n)
    docs.write_parquet(work / "corpus.parquet")
    keep = set(docs["id"])
    lines = [line for line in Path(gold).read_text(encoding="utf-8").splitlines() if json.loads(line)["doc_id"] in keep]
    (work / "gold.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(work / "corpus.parquet"), str(work / "gold.jsonl")


def run_job(model: str, corpus: str, tasks: list[str], out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([*YAYI, "run", "--config", str(ROOT / "configs" / "local.yaml"), "--input", corpus, "--output", str(out),
                    "--run-date", "2026-11-30", "--set", f"model.source={model}", "--set", f"extraction.tasks=[{', '.join(tasks)}]",
                    "--set", "input.passthrough_columns=[]", "--set", "output.report=false", "--set", "output.force=true"],
                   check=True, cwd=ROOT)
    return time.perf_counter() - started


def grounding(out: Path) -> dict:
    def col(table: str, column: str) -> list[str]:
        files = list((out / table).rglob("*.parquet"))
        return pl.read_parquet(files)[column].to_list() if files else []

    matches = (col("entities", "match") + col("relations", "head_match") + col("relations", "tail_match")
               + col("events", "trigger_match") + col("event_arguments", "match"))
    entities = col("entities", "match")
    share = lambda xs: round(sum(m == "exact" for m in xs) / len(xs), 4) if xs else None  # noqa: E731
    return {"mentions": len(matches), "exact_share": share(matches), "entity_mentions": len(entities), "entity_exact_share": share(entities)}


def answers(out: Path) -> dict:
    files = list((out / "answers").rglob("*.parquet"))
    df = pl.read_parquet(files)
    return {"answers": df.height, "parse_share": round(df.filter(pl.col("status") != "invalid").height / df.height, 4),
            "tokens_out": int(df["tokens_out"].sum())}


def score(gold: str, out: Path, tasks: list[str]) -> dict:
    target = out / "_eval" / "eval.json"
    subprocess.run([*YAYI, "eval", "--gold", gold, "--pred", str(out), "--json", str(target),
                    *[a for t in tasks for a in ("--task", t)]], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    metrics = json.loads(target.read_text())["metrics"]
    return {name: round(metrics[name]["micro"]["f1"], 4) for name in ("ner", "re_boundary", "ee_trigger", "ee_argument") if name in metrics}


def table(results: list[dict]) -> str:
    lines = ["| set | model | entity F1 | relation F1 | trigger F1 | argument F1 | parse | exact ground | s | tokens out |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        cell = lambda k, f=r["f1"]: f"{f[k]:.3f}" if k in f else "–"  # noqa: E731
        lines.append(f"| {r['set']} | {r['model'].removeprefix('embedded:')} | {cell('ner')} | {cell('re_boundary')} | "
                     f"{cell('ee_trigger')} | {cell('ee_argument')} | {r['parse_share']:.1%} | "
                     f"{(r['exact_share'] or 0):.1%} | {r['seconds']:.0f} | {r['tokens_out']} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="tune-output/data", help="the data folder `yayi-batch tune` wrote")
    ap.add_argument("--model", action="append", help=f"model.source values (default: {', '.join(DEFAULT_MODELS)})")
    ap.add_argument("--only", action="append", help="only these sets (names as printed)")
    ap.add_argument("--work", default="/tmp/yayi-tune-eval")
    ap.add_argument("--max-docs", type=int, default=100, help="the first N documents of each held-out set (0: all)")
    ap.add_argument("--results", default=str(HERE / "results" / "tune_eval.json"))
    args = ap.parse_args()
    results = []
    for model in args.model or DEFAULT_MODELS:
        for name, (corpus, gold, tasks) in eval_sets(Path(args.data)).items():
            if args.only and name not in args.only:
                continue
            slug = name.replace(":", "-").replace(" ", "_").replace("(", "").replace(")", "")
            if args.max_docs and name.startswith("heldout:"):
                corpus, gold = subset(corpus, gold, args.max_docs, Path(args.work) / "sets" / slug)
            out = Path(args.work) / model.removeprefix("embedded:") / slug
            seconds = run_job(model, corpus, tasks, out)
            row = {"set": name, "model": model, "tasks": tasks, "seconds": round(seconds, 1), "f1": score(gold, out, tasks),
                   **answers(out), **grounding(out)}
            print(json.dumps(row, ensure_ascii=False), flush=True)
            results.append(row)
    Path(args.results).write_text(json.dumps({"machine": _machine(), "date": time.strftime("%Y-%m-%d"), "results": results},
                                             ensure_ascii=False, indent=2))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
