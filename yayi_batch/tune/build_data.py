"""Write the tuning data of a TuneConfig: train pairs, held-out corpora and gold, counts. Pure
module (pyarrow and the package's readers; no ray, torch or transformers).

Layout under `{output}/data/`:
- `train.jsonl`: {id, source, lang, task, prompt, answer}, the pairs the trainer reads, shuffled;
- `heldout_pairs.jsonl`: pairs of the held-out passages, on which the trainer measures its loss;
- `heldout/{source}/corpus.parquet` (id, text), `gold.jsonl` and `schema.json` (the canonical
  schema and tasks to run the job with): what the quality benchmark scores models on;
- `counts.json`: per source, texts read, train and held-out passages, pairs per task, and
  every passage and label left out by reason.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from yayi_batch.labelled.formats import read_corpus, resolve_path
from yayi_batch.labelled.records import LabelledText, ReadStats
from yayi_batch.labelled.spec import label_inventory
from yayi_batch.tune import news
from yayi_batch.tune.config import TuneConfig, TuneCorpus
from yayi_batch.tune.dataset import SourceCounts, heldout_gold, pair_row, split_passages, training_pairs, write_jsonl
from yayi_batch.tune.prompt_schema import Inventory, whole_schema


def corpus_texts(spec: TuneCorpus, cfg: TuneConfig, stats: ReadStats) -> Iterator[LabelledText]:
    if spec.format == "generated-news":
        d = cfg.data
        n = int((spec.train + spec.heldout) / min(d.heldout_share, 1 - d.heldout_share) + 100)
        return (stats.count(t) for t in news.generate(spec.language(), n, cfg.seed, d.negative_share, source=spec.name))
    return read_corpus(spec.format, resolve_path(spec.path, cfg.data.corpora_root), source=spec.name, lang=spec.language(), stats=stats)


def build(cfg: TuneConfig, out: Path, only: Iterable[str] | None = None) -> dict[str, dict]:
    """Write train.jsonl, the held-out sets and counts.json; return the counts."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict] = {}
    rows: list[dict] = []
    heldout_rows: list[dict] = []
    d = cfg.data
    for spec in cfg.corpora:
        if only is not None and spec.name not in only:
            continue
        stats, c = ReadStats(), SourceCounts()
        texts = list(corpus_texts(spec, cfg, stats))
        inventory = Inventory.of(label_inventory(texts), spec)
        train, heldout = split_passages(
            texts,
            seed=cfg.seed,
            heldout_share=d.heldout_share,
            train_n=spec.train,
            heldout_n=spec.heldout,
            min_chars=d.passages.min_chars,
            max_chars=d.passages.max_chars,
            max_sentences=d.passages.max_sentences,
            single_share=d.passages.single_share,
            counts=c,
        )
        tasks = Counter()
        for t, pair in training_pairs(train, spec, inventory, d.schema_sampling, cfg.seed, d.answer_cue):
            rows.append(pair_row(t, pair))
            tasks[pair.task.value] += 1
        heldout_rows += [
            pair_row(t, pair) for t, pair in training_pairs(heldout, spec, inventory, d.schema_sampling, cfg.seed, d.answer_cue)
        ]
        if heldout:
            write_heldout(heldout, spec, inventory, data / "heldout" / spec.name, d.schema_sampling.max_labels)
        counts[spec.name] = {
            **asdict(c),
            "dropped": dict(c.dropped),
            "labels_left_out": dict(stats.skipped),
            "train_pairs": sum(tasks.values()),
            "pairs_by_task": dict(tasks),
        }
    random.Random(cfg.seed).shuffle(rows)  # the trainer batches by length inside windows of this order
    with open(data / "train.jsonl.tmp", "w", encoding="utf-8") as fh:
        write_jsonl(rows, fh)
    (data / "train.jsonl.tmp").replace(data / "train.jsonl")
    random.Random(cfg.seed).shuffle(heldout_rows)  # the trainer's held-out loss takes the first eval_pairs
    with open(data / "heldout_pairs.jsonl", "w", encoding="utf-8") as fh:
        write_jsonl(heldout_rows, fh)
    (data / "counts.json").write_text(json.dumps(counts, ensure_ascii=False, indent=2))
    return counts


def write_heldout(texts: list[LabelledText], spec: TuneCorpus, inventory: Inventory, folder: Path, max_labels: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": [t.id for t in texts], "text": [t.text for t in texts]}), folder / "corpus.parquet")
    with open(folder / "gold.jsonl", "w", encoding="utf-8") as fh:
        write_jsonl(heldout_gold(texts, spec), fh)
    schema = whole_schema(spec, inventory, max_labels).schema
    (folder / "schema.json").write_text(
        json.dumps(
            {"lang": spec.language().value, "tasks": [t.value for t in spec.annotated_tasks()], "schema": schema.model_dump()},
            ensure_ascii=False,
            indent=2,
        )
    )
