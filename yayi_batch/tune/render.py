"""LabelledText x task -> (prompt, answer): the job's own prompt builder, the answers YAYI-UIE
was tuned to give (../shared/yayi-formats.md, "Outputs seen"). Pure module.

The prompt is `prompts.build.build_prompts` for the text, exactly what the job sends for a chunk
of that text; the answer is strict JSON as `json.dumps(..., ensure_ascii=False)` writes it:
- ner: {type: [mentions]} in the prompt's type order, each mention once, types with nothing
  left out; nothing at all is `{}`;
- re: [{"relation", "head", "tail"}], `[]` when there is none;
- ee: [{"trigger", "type", "arguments": {role: text}}], `[]` when there is none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from yayi_batch.config import ExtractionConfig
from yayi_batch.prompts.build import build_prompts
from yayi_batch.schema import Task
from yayi_batch.tune.records import LabelledText


@dataclass(frozen=True)
class TrainingPair:
    task: Task
    prompt: str  # the user message, as the job's prompt rows carry it
    answer: str


class TypeOutsideSchema(ValueError):
    """A label names a type the prompt does not ask for: it could never be a right answer."""


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def answer(example: LabelledText, task: Task, types: tuple[str, ...], roles: tuple[str, ...]) -> str:
    if task is Task.NER:
        by_type: dict[str, list[str]] = {t: [] for t in types}
        for m in example.entities:
            if m.type not in by_type:
                raise TypeOutsideSchema(f"{example.id}: entity type {m.type!r} is not in {list(types)}")
            if m.text not in by_type[m.type]:
                by_type[m.type].append(m.text)
        return _dumps({t: v for t, v in by_type.items() if v})
    if task is Task.RE:
        for r in example.relations or ():
            if types and r.relation not in types:
                raise TypeOutsideSchema(f"{example.id}: relation {r.relation!r} is not in {list(types)}")
        return _dumps([{"relation": r.relation, "head": r.head, "tail": r.tail} for r in example.relations or ()])
    if task is Task.EE:
        out = []
        for e in example.events or ():
            if types and e.type not in types:
                raise TypeOutsideSchema(f"{example.id}: event type {e.type!r} is not in {list(types)}")
            out.append({"trigger": e.trigger, "type": e.type, "arguments": {r: v for r, v in e.arguments if r in roles}})
        return _dumps(out)
    raise ValueError(f"{example.id}: no training answer for task {task.value}")


def render(example: LabelledText, extraction: ExtractionConfig) -> list[TrainingPair]:
    """One pair per task the text is annotated for and the config asks for."""
    pairs = []
    wanted = set(example.tasks())
    for p in build_prompts(example.text, example.lang, extraction):
        if p.task in wanted:
            pairs.append(TrainingPair(p.task, p.prompt, answer(example, p.task, p.types, p.roles)))
    return pairs
