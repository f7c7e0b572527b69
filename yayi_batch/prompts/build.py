"""Chunk x task -> prompt. Pure: strings in, strings out.

All prompts of one chunk start with the same text block, so they share a prefix; the caller
keeps them adjacent so vLLM's prefix cache reuses it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from yayi_batch.config import ExtractionConfig, LangSchema
from yayi_batch.prompts import templates as T
from yayi_batch.schema import Lang, Task
from yayi_batch.unicode_scripts import is_han


@dataclass(frozen=True)
class TaskPrompt:
    task: Task
    prompt: str
    types: tuple[str, ...]  # what the prompt asked for: entity / relation / event types
    roles: tuple[str, ...]  # argument roles asked for (ee, ee_args)


def detect_lang(text: str, sample: int = 2000) -> Lang:
    """Chinese when CJK ideographs are at least a fifth of the letters in the first `sample` chars.

    A fifth, not a half: Chinese news is full of Latin names and numbers (APEC, 5G, 2023年).
    """
    cjk = latin = 0
    for ch in text[:sample]:
        if is_han(ch):
            cjk += 1
        elif ch.isalpha() and unicodedata.category(ch).startswith("L"):
            latin += 1
    if cjk == 0:
        return Lang.EN
    return Lang.ZH if cjk * 5 >= cjk + latin else Lang.EN


def text_block(text: str, lang: Lang) -> str:
    return (T.TEXT_ZH if lang is Lang.ZH else T.TEXT_EN).format(text=text)


def instruction(task: Task, lang: Lang, schema: LangSchema) -> TaskPrompt:
    """The instruction part of a prompt (no text block), with what it asks for."""
    types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    zh = lang is Lang.ZH
    if task is Task.NER:
        types = tuple(schema.entity_types)
        body = (T.NER_ZH if zh else T.NER_EN).format(types="/".join(types))
    elif task is Task.RE:
        types = tuple(schema.relation_types)
        if zh:
            body = T.RE_ZH.format(relations=",".join(types)) if types else T.RE_OPEN_ZH.format()
        else:
            body = T.RE_EN.format(relations=",".join(types))
    elif task is Task.EE:
        types, roles = tuple(schema.event_types), tuple(schema.event_roles)
        if zh:
            body = T.EE_ZH.format(event_types=",".join(types), roles=",".join(roles))
        else:
            body = T.EE_EN_TYPED.format(event_types=",".join(types), roles=",".join(roles)) if types else T.EE_EN.format()
    elif task is Task.EE_ARGS:
        roles = tuple(schema.event_roles)
        body = T.EE_ARGS_ZH.format(roles_fw="，".join(roles)) if zh else T.EE_ARGS_EN.format(roles_en=", ".join(roles))
    else:  # pragma: no cover - Task is closed
        raise ValueError(f"unknown task {task!r}")
    return TaskPrompt(task, body, types, roles)


def build_prompts(text: str, lang: Lang, extraction: ExtractionConfig) -> list[TaskPrompt]:
    """One prompt per configured task for one chunk, in config order, sharing the text prefix."""
    schema = extraction.zh if lang is Lang.ZH else extraction.en
    cue = T.ANSWER_CUE_ZH if (lang is Lang.ZH and extraction.answer_cue) else ""
    head = text_block(text, lang)
    out = []
    for task in extraction.tasks:
        ins = instruction(task, lang, schema)
        out.append(TaskPrompt(task, head + ins.prompt + cue, ins.types, ins.roles))
    return out


def longest_template(extraction: ExtractionConfig) -> str:
    """The longest prompt with an empty text: what a chunk's token budget must leave room for."""
    candidates = [p.prompt for lang in Lang for p in build_prompts("", lang, extraction)]
    return max(candidates, key=len)
