"""Typed records of labelled text: what a corpus reader or a generator yields. Pure module.

A task's field None means "not annotated" (DuIE has relations only, MSRA entities only): such
a text is never rendered or scored for that task. An empty tuple means "annotated, and there
is nothing": a negative. Labels are the dataset's own names; the tuner and the benchmark map
them to the names a prompt asks for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from yayi_batch.schema import Lang, Task


class CorpusFormatError(ValueError):
    """A labelled file does not follow its format; the message names the file and line."""


@dataclass(frozen=True)
class Mention:
    type: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Relation:
    relation: str
    head: str
    tail: str


@dataclass(frozen=True)
class Event:
    trigger: str
    type: str
    arguments: tuple[tuple[str, str], ...] = ()  # (role, text); a role may occur more than once


@dataclass(frozen=True)
class LabelledText:
    id: str  # source-qualified: "msra-train:123", "news-en:7"
    source: str  # the corpus or generator, the unit of the held-out split and of the counts
    lang: Lang
    text: str
    entities: tuple[Mention, ...] | None = ()
    relations: tuple[Relation, ...] | None = None
    events: tuple[Event, ...] | None = None
    group: str | None = None  # the document a sentence came from: passages join only within one

    def tasks(self) -> tuple[Task, ...]:
        """The tasks this text is annotated for."""
        out = []
        if self.entities is not None:
            out.append(Task.NER)
        if self.relations is not None:
            out.append(Task.RE)
        if self.events is not None:
            out.append(Task.EE)
        return tuple(out)

    def check(self) -> None:
        """Every mention is the text at its offsets, every other string is in the text."""
        for m in self.entities or ():
            if self.text[m.start : m.end] != m.text:
                raise CorpusFormatError(f"{self.id}: mention {m.text!r} is not text[{m.start}:{m.end}]")
        for r in self.relations or ():
            for s in (r.head, r.tail):
                if s not in self.text:
                    raise CorpusFormatError(f"{self.id}: relation argument {s!r} is not in the text")
        for e in self.events or ():
            for s in (e.trigger, *(v for _, v in e.arguments)):
                if s not in self.text:
                    raise CorpusFormatError(f"{self.id}: event string {s!r} is not in the text")


@dataclass
class ReadStats:
    """What a reader read, and every label it left out with the reason."""

    texts: int = 0
    mentions: int = 0
    relations: int = 0
    events: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> labels left out

    def count(self, t: LabelledText) -> LabelledText:
        self.texts += 1
        self.mentions += len(t.entities or ())
        self.relations += len(t.relations or ())
        self.events += len(t.events or ())
        return t
