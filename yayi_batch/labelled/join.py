"""Consecutive labelled texts -> one text: passages for the tuner, documents for the benchmark.
Pure module."""

from __future__ import annotations

from dataclasses import replace

from yayi_batch.labelled.records import LabelledText
from yayi_batch.schema import Lang

_ZH_ENDS = "。！？；…」』”）)!?;"


def _separator(before: str, lang: Lang) -> str:
    """What goes between two sentences: a space in English; nothing in Chinese, or a full stop
    when the first one (a title, a list item) does not end a sentence."""
    if not before:
        return ""
    if lang is not Lang.ZH:
        return " "
    return "" if before.rstrip()[-1:] in _ZH_ENDS else "。"


def join(texts: list[LabelledText]) -> LabelledText:
    """One passage of consecutive texts (the first one's id and source)."""
    if len(texts) == 1:
        return texts[0]
    first = texts[0]
    text, entities, relations, events = "", [], [], []
    for t in texts:
        text += _separator(text, t.lang)
        entities += [replace(m, start=m.start + len(text), end=m.end + len(text)) for m in t.entities or ()]
        relations += [r for r in t.relations or () if r not in relations]
        events += list(t.events or ())
        text += t.text
    return replace(
        first,
        id=f"{first.id}+{len(texts) - 1}",
        text=text,
        entities=None if first.entities is None else tuple(entities),
        relations=None if first.relations is None else tuple(relations),
        events=None if first.events is None else tuple(events),
    )
