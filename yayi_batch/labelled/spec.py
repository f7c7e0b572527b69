"""A labelled corpus named in a config: format, path, language, and the names its labels take
in a prompt. Pure module.

`entities`/`relations`/`events`/`roles` map a dataset label to the names a prompt may use for
it, the first being the canonical one (`PER: [person, people]`). A label without names keeps its
own name; with `only_named: true` it is left out instead (scoring CoNLL's PER/ORG/LOC without
MISC). The tuner draws among the names; the benchmark and the held-out gold use the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yayi_batch.labelled.formats import FORMATS
from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.schema import Lang, Task

KINDS = ("entities", "relations", "events", "roles")


def _as_lists(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): [n] if isinstance(n, str) else n for k, n in v.items()}
    return v


class CorpusSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="the source name: the unit of splits, counts and tables")
    format: str = Field(description="a labelled format (yayi_batch/labelled/formats.py)")
    path: str = Field("", description="the file; relative paths are under the config's corpora_root")
    lang: Lang | None = Field(None, description="default: the format's language")
    tasks: list[Task] | None = Field(None, description="default: every task the format annotates")
    entities: dict[str, list[str]] = Field(default_factory=dict)
    relations: dict[str, list[str]] = Field(default_factory=dict)
    events: dict[str, list[str]] = Field(default_factory=dict)
    roles: dict[str, list[str]] = Field(default_factory=dict)
    only_named: bool = Field(False, description="leave out labels that have no names here")

    _lists = field_validator(*KINDS, mode="before")(classmethod(lambda cls, v: _as_lists(v)))

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        if v not in FORMATS and v != "generated-news":
            raise ValueError(f"unknown format {v!r}; known: {', '.join(sorted([*FORMATS, 'generated-news']))}")
        return v

    @field_validator(*KINDS)
    @classmethod
    def _names_given(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for label, names in v.items():
            if not names or not all(isinstance(n, str) and n.strip() for n in names):
                raise ValueError(f"label {label!r}: give at least one non-empty name")
        return v

    def language(self) -> Lang:
        return self.lang or (FORMATS[self.format].lang if self.format in FORMATS else Lang.EN)

    def annotated_tasks(self) -> tuple[Task, ...]:
        fmt_tasks = FORMATS[self.format].tasks if self.format in FORMATS else (Task.NER, Task.RE, Task.EE)
        return tuple(t for t in fmt_tasks if self.tasks is None or t in self.tasks)

    def names(self, kind: str, label: str) -> list[str] | None:
        """The names of a label (None: left out)."""
        got = getattr(self, kind).get(label)
        if got is not None:
            return got
        return None if self.only_named else [label]

    def canonical(self, kind: str, label: str) -> str | None:
        names = self.names(kind, label)
        return names[0] if names else None


def canonical_text(t: LabelledText, spec: CorpusSpec) -> LabelledText:
    """The text with every label renamed to its canonical name, left-out labels dropped, and
    tasks the spec does not ask for not annotated."""
    tasks = spec.annotated_tasks()

    def ents() -> tuple[Mention, ...] | None:
        if t.entities is None or Task.NER not in tasks:
            return None
        return tuple(replace(m, type=n) for m in t.entities if (n := spec.canonical("entities", m.type)))

    def rels() -> tuple[Relation, ...] | None:
        if t.relations is None or Task.RE not in tasks:
            return None
        return tuple(replace(r, relation=n) for r in t.relations if (n := spec.canonical("relations", r.relation)))

    def evs() -> tuple[Event, ...] | None:
        if t.events is None or Task.EE not in tasks:
            return None
        out = []
        for e in t.events:
            if (n := spec.canonical("events", e.type)) is None:
                continue
            args = tuple((r, v) for role, v in e.arguments if (r := spec.canonical("roles", role)))
            out.append(Event(e.trigger, n, args))
        return tuple(out)

    return replace(t, entities=ents(), relations=rels(), events=evs())


def label_inventory(texts: Iterator[LabelledText] | list[LabelledText]) -> dict[str, dict[str, int]]:
    """Every label of the texts by kind, with its count; `roles` is keyed "event type\\x1frole"."""
    inv: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for t in texts:
        for m in t.entities or ():
            inv["entities"][m.type] = inv["entities"].get(m.type, 0) + 1
        for r in t.relations or ():
            inv["relations"][r.relation] = inv["relations"].get(r.relation, 0) + 1
        for e in t.events or ():
            inv["events"][e.type] = inv["events"].get(e.type, 0) + 1
            for role, _ in e.arguments:
                key = f"{e.type}\x1f{role}"
                inv["roles"][key] = inv["roles"].get(key, 0) + 1
    return inv
