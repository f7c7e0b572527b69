"""The quality benchmark's pure half: labelled sets -> job input, gold and schema; scores ->
one table. Pure module (no ray, vllm, torch or transformers).

A set is a labelled file in a supported format (`labelled/formats.py`) with the names its labels
take in the prompt (`labelled/spec.py`). It becomes:
- documents: its sentences, or several consecutive sentences of one document joined
  (`doc_sentences`), or whole documents where the format marks them (`doc_sentences: 0`);
- the schema the job asks for: the set's labels in canonical names, in the config's order then
  by frequency, the `max_labels` most frequent of each kind when the set has more (DuIE's 48
  relations, DuEE's 65 event types), and the gold restricted to what is asked;
- `--set` overrides for `yayi-batch run`, and gold rows `yayi-batch eval` scores.
`heldout_of` keeps only the sentences a tune config held out of that (train) file: settings
are chosen on those, and the public test splits are scored once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import Field

from yayi_batch.config import Strict, load_model
from yayi_batch.labelled.formats import read_corpus, resolve_path
from yayi_batch.labelled.join import join
from yayi_batch.labelled.records import LabelledText, ReadStats
from yayi_batch.labelled.spec import CorpusSpec, canonical_text
from yayi_batch.schema import Lang, Task


class BenchSet(CorpusSpec):
    doc_sentences: int = Field(1, ge=0, description="sentences per document; 0: whole documents as the file marks them")
    limit: int = Field(0, ge=0, description="documents scored, the first N (0: all)")
    max_labels: int = Field(0, ge=0, description="ask for the N most frequent labels of each kind (0: all)")
    heldout_of: str | None = Field(None, description="a tune config: only the sentences it held out of this corpus")
    baseline_map: dict[str, str] = Field(default_factory=dict, description="spaCy label -> prompt name, for the baseline row")


class BenchSets(Strict):
    data_root: str = Field(".", description="where relative set paths start")
    sets: list[BenchSet] = Field(min_length=1)


def load_sets(path: str | Path, overrides: Iterable[str] = ()) -> BenchSets:
    return load_model(BenchSets, path, tuple(overrides))


@dataclass
class PreparedSet:
    name: str
    lang: Lang
    tasks: tuple[Task, ...]
    documents: list[LabelledText]  # canonical names, restricted to the asked labels
    schema: dict[str, list[str]]  # entity_types, relation_types, event_types, event_roles
    read: ReadStats
    gold_share: dict[str, float]  # per kind: gold labels kept by max_labels / all

    def overrides(self) -> list[str]:
        """`--set` arguments that make the job ask for exactly this set's schema."""
        lang = self.lang.value
        out = [f"extraction.tasks=[{', '.join(t.value for t in self.tasks)}]", f"extraction.lang={lang}"]
        for key, values in self.schema.items():
            if values:
                out.append(f"extraction.{lang}.{key}={json.dumps(values, ensure_ascii=False)}")
        return out


def _heldout_filter(s: BenchSet, root: str) -> tuple[str, float, int] | None:
    if not s.heldout_of:
        return None
    from yayi_batch.tune.config import load_tune_config  # pure, but only this option needs it

    cfg = load_tune_config(s.heldout_of)  # a path from where the benchmark runs, like --sets
    if s.name not in {c.name for c in cfg.corpora}:
        raise ValueError(f"set {s.name}: heldout_of {s.heldout_of} has no corpus named {s.name}")
    return s.name, cfg.data.heldout_share, cfg.seed


def documents(texts: list[LabelledText], per_doc: int) -> list[LabelledText]:
    """Consecutive texts of one group joined, `per_doc` at a time (0: whole groups)."""
    out: list[LabelledText] = []
    pending: list[LabelledText] = []
    for t in texts:
        if pending and (t.group != pending[0].group or (per_doc and len(pending) >= per_doc)):
            out.append(join(pending))
            pending = []
        pending.append(t)
    if pending:
        out.append(join(pending))
    return out


def _top(counter: Counter, order: list[str], n: int) -> list[str]:
    """Labels in the config's order, then by frequency; the n most frequent when n."""
    keep = set(x for x, _ in counter.most_common(n)) if n else set(counter) | set(order)
    ranked = list(dict.fromkeys([*order, *(x for x, _ in counter.most_common())]))
    return [x for x in ranked if x in keep]


def prepare(s: BenchSet, root: str) -> PreparedSet:
    from yayi_batch.tune.dataset import Split, split_of

    stats = ReadStats()
    source = s.name
    texts = list(read_corpus(s.format, resolve_path(s.path, root), source=source, lang=s.language(), stats=stats))
    held = _heldout_filter(s, root)
    if held:
        texts = [t for t in texts if split_of(t.id, held[2], held[1]) == Split.HELDOUT]
    texts = [canonical_text(t, s) for t in texts]
    tasks = s.annotated_tasks()
    counts = {k: Counter() for k in ("entities", "relations", "events")}
    roles: dict[str, Counter] = {}
    for t in texts:
        counts["entities"].update(m.type for m in t.entities or ())
        counts["relations"].update(r.relation for r in t.relations or ())
        for e in t.events or ():
            counts["events"][e.type] += 1
            roles.setdefault(e.type, Counter()).update(r for r, _ in e.arguments)
    canon = {k: [s.canonical(k, lab) for lab in getattr(s, k)] for k in counts}
    ents = _top(counts["entities"], [x for x in canon["entities"] if x], s.max_labels)
    rels = _top(counts["relations"], [x for x in canon["relations"] if x], s.max_labels)
    evs = _top(counts["events"], [x for x in canon["events"] if x], s.max_labels)
    role_counts = sum((roles.get(e, Counter()) for e in evs), Counter())
    event_roles = [r for r, _ in role_counts.most_common()]
    share = {
        k: (sum(counts[k][x] for x in kept) / total if (total := sum(counts[k].values())) else 1.0)
        for k, kept in (("entities", ents), ("relations", rels), ("events", evs))
    }
    kept_e, kept_r, kept_v = set(ents), set(rels), set(evs)
    texts = [
        replace(
            t,
            entities=None if t.entities is None else tuple(m for m in t.entities if m.type in kept_e),
            relations=None if t.relations is None else tuple(r for r in t.relations if r.relation in kept_r),
            events=None if t.events is None else tuple(e for e in t.events if e.type in kept_v),
        )
        for t in texts
    ]
    docs = documents(texts, s.doc_sentences)
    if s.limit:
        docs = docs[: s.limit]
    schema = {
        "entity_types": ents if Task.NER in tasks else [],
        "relation_types": rels if Task.RE in tasks else [],
        "event_types": evs if Task.EE in tasks else [],
        "event_roles": event_roles if Task.EE in tasks else [],
    }
    return PreparedSet(s.name, s.language(), tasks, docs, schema, stats, share)
