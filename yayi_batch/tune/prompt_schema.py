"""What one training prompt asks for: a sample of its corpus's labels, in one of their names.
Pure module.

A universal IE model must follow the schema it is given, so the schema varies from prompt to
prompt (seeded): most labels present in the text are asked for, some absent ones are added,
the order is shuffled, and each label takes one of its names. A share of prompts ask for the
corpus's whole schema in canonical names and order, as a user's config does. A label left out
of the prompt is left out of the answer: the model learns to extract what it is asked, only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from yayi_batch.config import LangSchema
from yayi_batch.labelled.records import LabelledText
from yayi_batch.labelled.spec import CorpusSpec
from yayi_batch.schema import Task


class SchemaSampling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    whole_schema_share: float = Field(0.3, ge=0, le=1, description="prompts with every label, canonical names and order")
    drop_present: float = Field(0.05, ge=0, le=1, description="chance a label present in the text is not asked for")
    max_absent: int = Field(4, ge=0, description="labels absent from the text added to a prompt, at most")
    max_labels: int = Field(12, ge=1, description="labels per prompt list, at most")
    canonical_name_share: float = Field(0.6, ge=0, le=1, description="chance a label takes its first name")


@dataclass(frozen=True)
class PromptSchema:
    """The lists a prompt shows, and the name each asked-for dataset label takes in it."""

    schema: LangSchema
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> label -> name; roles by "type\x1frole"

    def name(self, kind: str, label: str) -> str | None:
        return self.names.get(kind, {}).get(label)


@dataclass(frozen=True)
class Inventory:
    """A corpus's labels, most frequent first; roles per event type."""

    entities: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, counts: dict[str, dict[str, int]], spec: CorpusSpec) -> Inventory:
        def order(kind: str) -> tuple[str, ...]:
            named = list(getattr(spec, kind))  # the config's order first, then by frequency
            seen = sorted(counts[kind], key=lambda k: -counts[kind][k])
            return tuple(x for x in dict.fromkeys(named + seen) if spec.names(kind, x))

        roles: dict[str, list[str]] = {}
        for key in sorted(counts["roles"], key=lambda k: -counts["roles"][k]):
            etype, role = key.split("\x1f")
            if spec.names("roles", role):
                roles.setdefault(etype, []).append(role)
        return cls(order("entities"), order("relations"), order("events"), {k: tuple(v) for k, v in roles.items()})


def _present(text: LabelledText, task: Task) -> set[str]:
    if task is Task.NER:
        return {m.type for m in text.entities or ()}
    if task is Task.RE:
        return {r.relation for r in text.relations or ()}
    return {e.type for e in text.events or ()}


def _pick_labels(present: set[str], inventory: tuple[str, ...], rng: random.Random, s: SchemaSampling) -> list[str]:
    chosen = [x for x in inventory if x in present and rng.random() >= s.drop_present]
    absent = [x for x in inventory if x not in present]
    k = min(len(absent), rng.randint(0 if chosen else 1, s.max_absent), max(0, s.max_labels - len(chosen)))
    chosen += rng.sample(absent, k)
    rng.shuffle(chosen)
    return chosen[: s.max_labels]


def _name(spec: CorpusSpec, kind: str, label: str, rng: random.Random, s: SchemaSampling, whole: bool) -> str:
    names = spec.names(kind, label) or [label]
    return names[0] if whole or len(names) == 1 or rng.random() < s.canonical_name_share else rng.choice(names[1:])


def sample_schema(
    text: LabelledText, task: Task, spec: CorpusSpec, inventory: Inventory, rng: random.Random, s: SchemaSampling
) -> PromptSchema:
    """The schema of one prompt of `task` over `text`."""
    whole = rng.random() < s.whole_schema_share
    pool = {Task.NER: inventory.entities, Task.RE: inventory.relations, Task.EE: inventory.events}[task]
    if whole:
        labels = list(pool[: s.max_labels])
        labels = labels if _present(text, task) <= set(labels) else _pick_labels(_present(text, task), pool, rng, s)
    else:
        labels = _pick_labels(_present(text, task), pool, rng, s)
    kind = {Task.NER: "entities", Task.RE: "relations", Task.EE: "events"}[task]
    names = {kind: {lab: _name(spec, kind, lab, rng, s, whole) for lab in labels}}
    listed = [names[kind][lab] for lab in labels]
    schema = {"entity_types": listed if task is Task.NER else ["-"]}
    if task is Task.RE:
        schema["relation_types"] = listed
    if task is Task.EE:
        roles: dict[str, str] = {}
        for etype in labels:
            for role in inventory.roles.get(etype, ()):
                key = f"{etype}\x1f{role}"
                # One name per role across the prompt's event types: the list shows each once.
                roles[key] = next((n for k, n in roles.items() if k.endswith(f"\x1f{role}")), None) or _name(
                    spec, "roles", role, rng, s, whole
                )
        role_list = list(dict.fromkeys(roles.values()))
        if not whole:
            rng.shuffle(role_list)
        names["roles"] = roles
        schema["event_types"] = listed
        schema["event_roles"] = role_list[: max(s.max_labels, 1) * 2]
    return PromptSchema(LangSchema(**schema), names)


def whole_schema(spec: CorpusSpec, inventory: Inventory, max_labels: int) -> PromptSchema:
    """The corpus's schema in canonical names: what held-out sets are scored with."""

    def canon(kind: str, labels: tuple[str, ...]) -> dict[str, str]:
        return {lab: spec.canonical(kind, lab) or lab for lab in labels[:max_labels]}

    ents, rels, evs = canon("entities", inventory.entities), canon("relations", inventory.relations), canon("events", inventory.events)
    roles = {f"{e}\x1f{r}": spec.canonical("roles", r) or r for e in evs for r in inventory.roles.get(e, ())}
    schema = LangSchema(
        entity_types=list(ents.values()) or ["-"],
        relation_types=list(rels.values()),
        event_types=list(evs.values()),
        event_roles=list(dict.fromkeys(roles.values())),
    )
    return PromptSchema(schema, {"entities": ents, "relations": rels, "events": evs, "roles": roles})
