"""The tuning data: labelled texts -> train pairs and held-out corpora with gold. Pure module.

Every source is split by a hash of the text's id (seeded), so a text is either train or
held-out, never both, whatever the sizes asked for. Held-out texts are written as a corpus the
job reads (Parquet: id, text) and a gold file `yayi-batch eval` scores (long JSONL), so base and
tuned models are compared through the real job. Every text left out is counted with a reason.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from yayi_batch.config import ExtractionConfig
from yayi_batch.prompts.build import detect_lang
from yayi_batch.schema import Task
from yayi_batch.tune.records import LabelledText
from yayi_batch.tune.render import TrainingPair, render


class Split:
    TRAIN = "train"
    HELDOUT = "heldout"


def split_of(text_id: str, seed: int, heldout_share: float) -> str:
    h = int.from_bytes(hashlib.sha256(f"{seed}:{text_id}".encode()).digest()[:8], "big") / 2**64
    return Split.HELDOUT if h < heldout_share else Split.TRAIN


@dataclass
class SourceCounts:
    read: int = 0
    train: int = 0
    heldout: int = 0
    dropped: Counter = field(default_factory=Counter)  # reason -> texts


def select(texts: Iterable[LabelledText], *, seed: int, heldout_share: float, train_n: int, heldout_n: int,
           min_chars: int, max_chars: int, counts: SourceCounts) -> tuple[list[LabelledText], list[LabelledText]]:
    """Up to `train_n` train and `heldout_n` held-out texts, in corpus order (the first that fit)."""
    train: list[LabelledText] = []
    heldout: list[LabelledText] = []
    for t in texts:
        counts.read += 1
        reason = None
        if not min_chars <= len(t.text) <= max_chars:
            reason = "length outside data.min_chars..max_chars"
        elif detect_lang(t.text) is not t.lang:
            reason = "the job would detect another language"  # its prompt would ask other type names
        if reason:
            counts.dropped[reason] += 1
            continue
        t.check()
        bucket = heldout if split_of(t.id, seed, heldout_share) == Split.HELDOUT else train
        want = heldout_n if bucket is heldout else train_n
        if len(bucket) < want:
            bucket.append(t)
        else:
            counts.dropped["over the size asked for"] += 1
        if len(train) >= train_n and len(heldout) >= heldout_n:
            break
    counts.train, counts.heldout = len(train), len(heldout)
    return train, heldout


def training_rows(texts: Iterable[LabelledText], extraction: ExtractionConfig) -> Iterator[dict]:
    for t in texts:
        for pair in render(t, extraction):
            yield pair_row(t, pair)


def pair_row(t: LabelledText, pair: TrainingPair) -> dict:
    return {"id": t.id, "source": t.source, "lang": t.lang.value, "task": pair.task.value,
            "prompt": pair.prompt, "answer": pair.answer}


def gold_rows(t: LabelledText, dataset: str, tasks: Iterable[Task]) -> Iterator[dict]:
    """Long gold rows (evaluation/gold.py) of one held-out text; an empty task gets a marker row."""
    base = {"doc_id": t.id, "dataset": dataset}
    for task in tasks:
        rows: list[dict] = []
        if task is Task.NER:
            rows = [{"type": m.type, "text": m.text, "start": m.start, "end": m.end} for m in t.entities]
        elif task is Task.RE and t.relations is not None:
            rows = [{"relation": r.relation, "head": r.head, "tail": r.tail} for r in t.relations]
        elif task is Task.EE and t.events is not None:
            for e in t.events:
                rows.append({"event_type": e.type, "trigger": e.trigger, "role": None, "argument": None})
                rows += [{"event_type": e.type, "trigger": e.trigger, "role": r, "argument": v} for r, v in e.arguments]
        else:
            continue  # not annotated for this task: not scored
        yield from ({**base, "task": task.value, **r} for r in rows) if rows else [{**base, "task": task.value}]


def write_jsonl(rows: Iterable[dict], fh) -> int:
    n = 0
    for r in rows:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        n += 1
    return n
