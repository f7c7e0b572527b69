"""A small corpus in Parquet shards for whole-run tests, and the base config overrides. Pure."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

DOCS = [
    ("zh-1", "华润集团董事长宁高宁出席了在北京举行的论坛。会上，华润集团宣布收购鹭岛新能源。"),
    ("en-1", "Acme Corp hired John Smith as chief executive. The company is based in Paris."),
    ("en-2", "Meridian Harbour Group acquired Bayline Logistics for $2 billion on Monday in Rotterdam."),
    ("zh-2", "驰远汽车在上海发布了新款电动车，总经理李明表示销量将翻倍。"),
    ("empty-1", ""),
    ("blank-1", "   \n  "),
]


def write_corpus(folder, docs=DOCS, shards=2):
    folder.mkdir(parents=True, exist_ok=True)
    for s in range(shards):
        part = docs[s::shards]
        table = pa.table(
            {
                "id": [d[0] for d in part],
                "text": [d[1] for d in part],
                "title": [f"title {d[0]}" for d in part],
            }
        )
        pq.write_table(table, folder / f"shard-{s}.parquet")
    return folder


def base_overrides(corpus, out, tasks="[ner, re]", max_tokens=96):
    return [
        f"input.paths=[{corpus}]",
        "input.passthrough_columns=[title]",
        f"output.path={out}",
        f"output.run_date={dt.date(2026, 11, 25).isoformat()}",
        f"extraction.tasks={tasks}",
        f"sampling.max_tokens={max_tokens}",
        "engine.batch_size=8",
        "output.report=true",
    ]
