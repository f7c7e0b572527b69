"""The tuning data: labelled texts -> train pairs and held-out corpora with gold. Pure module.

Every corpus is split by a hash of each sentence's id (seeded), so a sentence is either train
or held-out, never both, whatever the sizes asked for. Each split is joined into passages, and
passages are drawn (seeded) from the whole corpus, not its first lines. Held-out passages are
written as a corpus the job reads (Parquet: id, text), a gold file `yayi-batch eval` scores (long
JSONL) and the schema to ask for (canonical names), so base and tuned models are compared
through the real job. Every text left out is counted with its reason.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from yayi_batch.labelled.records import LabelledText
from yayi_batch.labelled.spec import CorpusSpec, canonical_text
from yayi_batch.prompts.build import detect_lang
from yayi_batch.schema import Task
from yayi_batch.tune.passages import passages
from yayi_batch.tune.prompt_schema import Inventory, SchemaSampling, sample_schema
from yayi_batch.tune.render import TrainingPair, render_pair


class Split:
    TRAIN = "train"
    HELDOUT = "heldout"


def split_of(text_id: str, seed: int, heldout_share: float) -> str:
    h = int.from_bytes(hashlib.sha256(f"{seed}:{text_id}".encode()).digest()[:8], "big") / 2**64
    return Split.HELDOUT if h < heldout_share else Split.TRAIN


@dataclass
class SourceCounts:
    read: int = 0  # sentences (or texts) read
    train: int = 0  # passages
    heldout: int = 0
    dropped: Counter = field(default_factory=Counter)  # reason -> passages


def split_passages(
    texts: Iterable[LabelledText],
    *,
    seed: int,
    heldout_share: float,
    train_n: int,
    heldout_n: int,
    min_chars: int,
    max_chars: int,
    max_sentences: int,
    single_share: float,
    counts: SourceCounts,
) -> tuple[list[LabelledText], list[LabelledText]]:
    """Up to `train_n` train and `heldout_n` held-out passages, drawn from the whole corpus."""
    by_split: dict[str, list[LabelledText]] = {Split.TRAIN: [], Split.HELDOUT: []}
    for t in texts:
        counts.read += 1
        by_split[split_of(t.id, seed, heldout_share)].append(t)
    out = []
    for name, want in ((Split.TRAIN, train_n), (Split.HELDOUT, heldout_n)):
        rng = random.Random(f"{seed}:{name}:{counts.read}")
        kept = []
        for p in passages(by_split[name], rng, max_chars=max_chars, max_sentences=max_sentences, single_share=single_share):
            reason = None
            if not min_chars <= len(p.text) <= max_chars:
                reason = "length outside data.passages.min_chars..max_chars"
            elif detect_lang(p.text) is not p.lang:
                reason = "the job would detect another language"  # its prompt would be in the other one
            if reason:
                counts.dropped[reason] += 1
                continue
            p.check()
            kept.append(p)
        rng.shuffle(kept)
        if len(kept) > want:
            counts.dropped[f"{name}: over the size asked for"] += len(kept) - want
        out.append(kept[:want])
    counts.train, counts.heldout = len(out[0]), len(out[1])
    return out[0], out[1]


def training_pairs(
    texts: Iterable[LabelledText], spec: CorpusSpec, inventory: Inventory, sampling: SchemaSampling, seed: int, answer_cue: bool
) -> Iterator[tuple[LabelledText, TrainingPair]]:
    """One pair per passage and task, each with its own drawn schema."""
    tasks = spec.annotated_tasks()
    for t in texts:
        rng = random.Random(f"{seed}:{t.id}")
        for task in t.tasks():
            if task in tasks:
                yield t, render_pair(t, task, sample_schema(t, task, spec, inventory, rng, sampling), answer_cue)


def pair_row(t: LabelledText, pair: TrainingPair) -> dict:
    return {"id": t.id, "source": t.source, "lang": t.lang.value, "task": pair.task.value, "prompt": pair.prompt, "answer": pair.answer}


def gold_rows(t: LabelledText, dataset: str, tasks: Iterable[Task]) -> Iterator[dict]:
    """Long gold rows (evaluation/gold.py) of one held-out text; an empty task gets a marker row."""
    base = {"doc_id": t.id, "dataset": dataset}
    for task in tasks:
        rows: list[dict] = []
        if task is Task.NER and t.entities is not None:
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


def heldout_gold(texts: Iterable[LabelledText], spec: CorpusSpec) -> Iterator[dict]:
    """Gold rows in canonical names, for the tasks the corpus is used for."""
    for t in texts:
        yield from gold_rows(canonical_text(t, spec), spec.name, spec.annotated_tasks())


def write_jsonl(rows: Iterable[dict], fh) -> int:
    n = 0
    for r in rows:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        n += 1
    return n
