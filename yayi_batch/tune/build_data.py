"""Write the tuning data of a TuneConfig: train pairs, held-out corpora and gold, counts. Pure
module (pyarrow and the package's readers; no ray, torch or transformers).

Layout under `{output}/data/`:
- `train.jsonl`: {id, source, lang, task, prompt, answer}, the pairs the trainer reads;
- `heldout/{source}/corpus.parquet` (id, text) and `heldout/{source}/gold.jsonl`: what
  `yayi-batch run` and `yayi-batch eval` score base and tuned models on;
- `counts.json`: per source, texts read, train, held-out, and every text left out by reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from yayi_batch.schema import Lang, Task
from yayi_batch.tune import corpora, news
from yayi_batch.tune.config import SourceSize, TuneConfig
from yayi_batch.tune.dataset import SourceCounts, gold_rows, select, training_rows, write_jsonl
from yayi_batch.tune.records import LabelledText


def sources(cfg: TuneConfig) -> dict[str, tuple[SourceSize, Callable[[], Iterable[LabelledText]]]]:
    d = cfg.data
    # Generated passages: enough to fill both splits after the hash split, whatever the share.
    def gen(lang: Lang, size: SourceSize) -> Callable[[], Iterable[LabelledText]]:
        n = int((size.train + size.heldout) / min(d.heldout_share, 1 - d.heldout_share) + 100)
        return lambda: news.generate(lang, n, cfg.seed, d.negative_share)

    return {
        "msra-train": (d.msra, corpora.read_msra),
        "wnut16": (d.wnut, corpora.read_wnut),
        "news-zh": (d.news_zh, gen(Lang.ZH, d.news_zh)),
        "news-en": (d.news_en, gen(Lang.EN, d.news_en)),
    }


def build(cfg: TuneConfig, out: Path, only: Iterable[str] | None = None) -> dict[str, dict]:
    """Write train.jsonl, the held-out sets and counts.json; return the counts."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    counts: dict[str, dict] = {}
    with open(data / "train.jsonl.tmp", "w", encoding="utf-8") as train_fh:
        for name, (size, read) in sources(cfg).items():
            if only is not None and name not in only:
                continue
            c = SourceCounts()
            train, heldout = select(read(), seed=cfg.seed, heldout_share=cfg.data.heldout_share, train_n=size.train,
                                    heldout_n=size.heldout, min_chars=cfg.data.min_chars, max_chars=cfg.data.max_chars,
                                    counts=c)
            pairs = write_jsonl(training_rows(train, cfg.extraction), train_fh)
            write_heldout(heldout, data / "heldout" / name, name)
            counts[name] = {**asdict(c), "dropped": dict(c.dropped), "train_pairs": pairs}
    (data / "train.jsonl.tmp").replace(data / "train.jsonl")
    (data / "counts.json").write_text(json.dumps(counts, ensure_ascii=False, indent=2))
    return counts


def write_heldout(texts: list[LabelledText], folder: Path, dataset: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": [t.id for t in texts], "text": [t.text for t in texts]}), folder / "corpus.parquet")
    with open(folder / "gold.jsonl", "w", encoding="utf-8") as fh:
        for t in texts:
            write_jsonl(gold_rows(t, dataset, [Task.NER, Task.RE, Task.EE]), fh)
