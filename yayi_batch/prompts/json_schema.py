"""JSON schemas for schema-guided decoding, derived from what a prompt asks for.

Bounded on purpose: vLLM's guided decoding only closes the JSON if the schema makes it finish
within max_tokens (measured: unbounded, 0 of 8 answers parsed on the small model; with
maxItems/maxLength, 4 of 4). The shapes are the ones YAYI-UIE answers with, so the same parser
reads guided and free answers. Pure module.
"""

from __future__ import annotations

from typing import Any

from yayi_batch.schema import Task


def _string(max_chars: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_chars}


def _string_list(max_items: int, max_chars: int) -> dict[str, Any]:
    return {"type": "array", "items": _string(max_chars), "maxItems": max_items}


def _roles_object(roles: list[str], max_chars: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {r: _string(max_chars) for r in roles},
        "additionalProperties": False,
    }


def answer_schema(task: Task, types: list[str], roles: list[str], *, max_items: int = 5, max_chars: int = 40) -> dict[str, Any]:
    if task is Task.NER:
        return {
            "type": "object",
            "properties": {t: _string_list(max_items, max_chars) for t in types},
            "additionalProperties": False,
        }
    if task is Task.RE:
        relation: dict[str, Any] = {"type": "string", "enum": types} if types else _string(max_chars)
        triple = {
            "type": "object",
            "properties": {"relation": relation, "head": _string(max_chars), "tail": _string(max_chars)},
            "required": ["relation", "head", "tail"],
            "additionalProperties": False,
        }
        return {"type": "array", "items": triple, "maxItems": max_items}
    if task is Task.EE:
        event_type: dict[str, Any] = {"type": "string", "enum": types} if types else _string(max_chars)
        event = {
            "type": "object",
            "properties": {
                "trigger": _string(max_chars),
                "type": event_type,
                "arguments": _roles_object(roles, max_chars),
            },
            "required": ["trigger", "type", "arguments"],
            "additionalProperties": False,
        }
        return {"type": "array", "items": event, "maxItems": max_items}
    if task is Task.EE_ARGS:
        return _roles_object(roles, max_chars)
    raise ValueError(f"unknown task {task!r}")
