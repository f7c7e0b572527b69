"""Typed records of labelled text: what a corpus reader or a generator yields. Pure module.

`relations`/`events` None means "not annotated" (MSRA has entities only): such a text is never
rendered for that task. An empty tuple means "annotated, and there is nothing": a negative.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    arguments: tuple[tuple[str, str], ...] = ()  # (role, text), in the schema's role order


@dataclass(frozen=True)
class LabelledText:
    id: str  # source-qualified: "msra-train:123", "news-en:7"
    source: str  # the corpus or generator, the unit of the held-out split and of the counts
    lang: Lang
    text: str
    entities: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] | None = None
    events: tuple[Event, ...] | None = None

    def tasks(self) -> tuple[Task, ...]:
        """The tasks this text is annotated for (entities always are)."""
        out = [Task.NER]
        if self.relations is not None:
            out.append(Task.RE)
        if self.events is not None:
            out.append(Task.EE)
        return tuple(out)

    def check(self) -> None:
        """Every mention is the text at its offsets: a generator or reader bug fails loudly."""
        for m in self.entities:
            if self.text[m.start:m.end] != m.text:
                raise CorpusFormatError(f"{self.id}: mention {m.text!r} is not text[{m.start}:{m.end}]")
        for e in self.events or ():
            if e.trigger not in self.text:
                raise CorpusFormatError(f"{self.id}: trigger {e.trigger!r} is not in the text")
