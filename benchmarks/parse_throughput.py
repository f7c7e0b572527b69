"""Answers per second of ``parse_output`` on one core, over a realistic mix of model answers.

Not a test. Run: ``python benchmarks/parse_throughput.py [--n 20000] [--seconds 3]``.
Prints a summary and writes ``benchmarks/results/parse_throughput.json``.

The mix (by kind of answer, Chinese and English, NER/RE/EE/EE-args) is an estimate of a
greedy YAYI-UIE run: mostly strict JSON, some quirks, some cut at max_tokens, a few empty or
broken answers. Per-kind rates are reported too, so another mix can be recomputed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from yayi_batch.parse import parse_output  # noqa: E402

MIX = {"ok": 0.70, "repaired": 0.12, "truncated": 0.08, "empty": 0.07, "invalid": 0.03}
ZH_WORDS = [
    "宁高宁",
    "北京",
    "中国",
    "APEC中国工商理事会",
    "中化集团",
    "右侧胸",
    "消炎药",
    "张三",
    "2023年APEC工商领导人中国论坛",
    "17日",
    "上海证券交易所",
    "李四",
    "国务院",
    "深圳市",
]
EN_WORDS = [
    "Gaoning Gao",
    "Beijing",
    "the APEC Business Leaders' Forum",
    "Sinochem",
    "Tom",
    "Paris",
    "United Nations",
    "March 17",
    "Shanghai Stock Exchange",
    "Alice Smith",
]
ZH_TYPES = ["人物", "机构", "地点", "时间", "身体部位", "治疗"]
EN_TYPES = ["person", "organization", "location", "date"]
ZH_PROMPT = "文本: 宁高宁出席论坛。 \n【实体抽取】抽取文本中可能存在的实体，并以json{人物/机构/地点：[实体]}格式输出。\n答案："


def structure(rng: random.Random, task: str, zh: bool):
    words, types = (ZH_WORDS, ZH_TYPES) if zh else (EN_WORDS, EN_TYPES)
    pick = lambda k: rng.sample(words, k)  # noqa: E731
    if task == "ner":
        return {t: pick(rng.randint(1, 4)) for t in rng.sample(types, rng.randint(1, 4))}
    if task == "re":
        keys = ("关系", "头实体", "尾实体") if zh else ("relation", "head", "tail")
        return [
            dict(zip(keys, [rng.choice(["出席", "会见", "任职"] if zh else ["Attend", "Meet"]), *pick(2)]))
            for _ in range(rng.randint(1, 5))
        ]
    if task == "ee":
        return [
            {
                "trigger": rng.choice(["出席", "会见"] if zh else ["attended", "met"]),
                "type": "会见" if zh else "Meet",
                "arguments": {t: rng.choice(words) for t in rng.sample(types, 3)},
            }
            for _ in range(rng.randint(1, 3))
        ]
    return {t: rng.choice(words) for t in rng.sample(types, rng.randint(2, 4))}


def answer(rng: random.Random, kind: str) -> tuple[str, str]:
    task = rng.choice(["ner", "ner", "re", "ee", "ee_args"])
    zh = rng.random() < 0.7
    value = structure(rng, task, zh)
    strict = json.dumps(value, ensure_ascii=False)
    if kind == "ok":
        return task, strict
    if kind == "repaired":
        quirk = rng.choice(["python", "fullwidth", "fence", "prefix", "trailing", "echo"])
        return task, {
            "python": repr(value),
            "fullwidth": re.sub(r'"([^"]*)"', r"“\1”", json.dumps(value, ensure_ascii=False, separators=("，", "："))),
            "fence": f"```json\n{json.dumps(value, ensure_ascii=False, indent=2)}\n```",
            "prefix": "答案：" + strict if zh else "Answer: " + strict,
            "trailing": strict + ("\n以上是抽取结果。" if zh else "\nThese are the results."),
            "echo": ZH_PROMPT + strict,
        }[quirk]
    if kind == "truncated":
        long = json.dumps(value * 6 if isinstance(value, list) else {**value, **structure(rng, task, zh)}, ensure_ascii=False)
        return task, long[: rng.randint(len(long) // 2, len(long) - 1)]
    if kind == "empty":
        return task, rng.choice(["{}", "[]", "无", "NAN", "null", ""] + (['{"人物": []}'] if task == "ner" else []))
    return task, rng.choice(
        ["文本中没有提到相关实体。", "I cannot find any entities.", '["宁高宁", "北京"]', "{{{{[[[[", "答案：人物是宁高宁"]
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000, help="distinct answers generated")
    ap.add_argument("--seconds", type=float, default=5.0, help="minimum measuring time")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "parse_throughput.json"))
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rng = random.Random(20240517)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=args.n)
    corpus = [(kind, *answer(rng, kind)) for kind in kinds]

    statuses: Counter[str] = Counter(parse_output(t, a).status.value for _, t, a in corpus)  # warm-up
    per_kind: dict[str, float] = {}
    for kind in MIX:
        subset = [(t, a) for k, t, a in corpus if k == kind]
        start = time.perf_counter()
        for task, text in subset:
            parse_output(task, text)
        per_kind[kind] = round(len(subset) / (time.perf_counter() - start), 1)

    # Whole passes over the corpus; the best pass is the figure (other processes on the box only
    # ever slow a pass down), the median is reported beside it.
    rates: list[float] = []
    start = time.perf_counter()
    while len(rates) < 3 or time.perf_counter() - start < args.seconds:
        t0 = time.perf_counter()
        for _, task, text in corpus:
            parse_output(task, text)
        rates.append(len(corpus) / (time.perf_counter() - t0))
    elapsed = time.perf_counter() - start
    result = {
        "answers_per_s": round(max(rates), 1),
        "answers_per_s_median": round(statistics.median(rates), 1),
        "passes": len(rates),
        "per_kind_answers_per_s": per_kind,
        "mix": MIX,
        "statuses": dict(statuses),
        "n_distinct_answers": len(corpus),
        "mean_answer_chars": round(sum(len(a) for _, _, a in corpus) / len(corpus), 1),
        "answers_timed": len(rates) * len(corpus),
        "seconds": round(elapsed, 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
