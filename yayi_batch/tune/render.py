"""LabelledText x task x PromptSchema -> (prompt, answer): the job's own prompt builder, the
answers YAYI-UIE was tuned to give (../shared/yayi-formats.md, "Outputs seen"). Pure module.

The prompt is what the job sends for a chunk of that text under that schema (`prompts.build`);
the answer is strict JSON as `json.dumps(..., ensure_ascii=False)` writes it, in the prompt's
names:
- ner: {type: [mentions]} in the prompt's type order, each mention once, types with nothing
  left out; nothing at all is `{}`;
- re: [{"relation", "head", "tail"}], `[]` when there is none;
- ee: [{"trigger", "type", "arguments": {role: text, or [texts] when a role has several}}].
Labels the prompt does not ask for are left out of the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from yayi_batch.config import ExtractionConfig
from yayi_batch.labelled.records import LabelledText
from yayi_batch.prompts import templates as T
from yayi_batch.prompts.build import instruction, text_block
from yayi_batch.schema import Lang, Task
from yayi_batch.tune.prompt_schema import PromptSchema


@dataclass(frozen=True)
class TrainingPair:
    task: Task
    prompt: str  # the user message, as the job's prompt rows carry it
    answer: str


class TypeOutsideSchema(ValueError):
    """A label is named with a name the prompt does not list: it could never be a right answer."""


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _check(example: LabelledText, what: str, name: str, listed: list[str]) -> None:
    if name not in listed:
        raise TypeOutsideSchema(f"{example.id}: {what} {name!r} is not in {listed}")


def answer(example: LabelledText, task: Task, ps: PromptSchema) -> str:
    s = ps.schema
    if task is Task.NER:
        by_type: dict[str, list[str]] = {t: [] for t in s.entity_types}
        for m in example.entities or ():
            if (name := ps.name("entities", m.type)) is not None:
                _check(example, "entity type", name, s.entity_types)
                if m.text not in by_type[name]:
                    by_type[name].append(m.text)
        return _dumps({t: v for t, v in by_type.items() if v})
    if task is Task.RE:
        out = []
        for r in example.relations or ():
            if (name := ps.name("relations", r.relation)) is not None:
                _check(example, "relation", name, s.relation_types)
                item = {"relation": name, "head": r.head, "tail": r.tail}
                if item not in out:
                    out.append(item)
        return _dumps(out)
    if task is Task.EE:
        events = []
        for e in example.events or ():
            if (name := ps.name("events", e.type)) is None:
                continue
            _check(example, "event type", name, s.event_types)
            args: dict[str, list[str]] = {}
            for role, value in e.arguments:
                role_name = ps.name("roles", f"{e.type}\x1f{role}")
                if role_name is not None and role_name in s.event_roles and value not in args.get(role_name, []):
                    args.setdefault(role_name, []).append(value)
            events.append({"trigger": e.trigger, "type": name, "arguments": {r: v[0] if len(v) == 1 else v for r, v in args.items()}})
        return _dumps(events)
    raise ValueError(f"{example.id}: no training answer for task {task.value}")


def prompt(example: LabelledText, task: Task, ps: PromptSchema, answer_cue: bool = True) -> str:
    """Exactly `prompts.build.build_prompts` for this text with `ps.schema` as its language's schema."""
    cue = T.ANSWER_CUE_ZH if (example.lang is Lang.ZH and answer_cue) else ""
    return text_block(example.text, example.lang) + instruction(task, example.lang, ps.schema).prompt + cue


def render_pair(example: LabelledText, task: Task, ps: PromptSchema, answer_cue: bool = True) -> TrainingPair:
    return TrainingPair(task, prompt(example, task, ps, answer_cue), answer(example, task, ps))


def config_schema(extraction: ExtractionConfig, lang: Lang) -> PromptSchema:
    """A job config's schema, its labels named as themselves (the generated news use it)."""
    s = extraction.zh if lang is Lang.ZH else extraction.en
    roles = {f"{e}\x1f{r}": r for e in s.event_types for r in s.event_roles}
    return PromptSchema(
        s,
        {
            "entities": {t: t for t in s.entity_types},
            "relations": {t: t for t in s.relation_types},
            "events": {t: t for t in s.event_types},
            "roles": roles,
        },
    )


def render(example: LabelledText, extraction: ExtractionConfig) -> list[TrainingPair]:
    """One pair per task the text is annotated for and the config asks for, in the config's schema."""
    ps = config_schema(extraction, example.lang)
    wanted = set(example.tasks())
    return [render_pair(example, t, ps, extraction.answer_cue) for t in extraction.tasks if t in wanted]
