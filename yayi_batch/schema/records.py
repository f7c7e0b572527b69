"""Typed records: what a model answer says, and where a string was found in a document.

- parse records (``EntityRecord``, ``RelationRecord``, ``EventRecord``) are what a model answer
  says, before anyone knows where in the document it is;
- ``CharInterval`` is where a string was found in the document, with how well it matched.
Pure module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yayi_batch.schema.enums import MatchKind, ParseStatus


@dataclass(frozen=True)
class CharInterval:
    """Character offsets (Python ``str`` indices) into the original document text."""

    start: int | None
    end: int | None
    match: MatchKind = MatchKind.NONE

    @classmethod
    def missing(cls) -> CharInterval:
        return cls(None, None, MatchKind.NONE)


@dataclass(frozen=True)
class EntityRecord:
    type: str
    text: str
    in_schema: bool = True
    confidence: float | None = None  # parse/confidence.py: from the answer tokens' log-probabilities


@dataclass(frozen=True)
class RelationRecord:
    relation: str
    head: str
    tail: str
    in_schema: bool = True
    confidence: float | None = None


@dataclass(frozen=True)
class ArgumentRecord:
    role: str
    argument: str
    in_schema: bool = True
    confidence: float | None = None


@dataclass(frozen=True)
class EventRecord:
    """An event; ``trigger``/``event_type`` are None for arguments-only answers (``ee_args``)."""

    event_type: str | None
    trigger: str | None
    arguments: tuple[ArgumentRecord, ...] = ()
    in_schema: bool = True
    confidence: float | None = None


Record = EntityRecord | RelationRecord | EventRecord


@dataclass
class ParseResult:
    """One answer, parsed. ``reason`` says why when status is not ``ok``."""

    status: ParseStatus
    records: list[Record] = field(default_factory=list)
    reason: str | None = None
