"""Parsed structure -> typed records per task, with the status and reason they deserve.

Rules that hold for every task:
- strings are trimmed, never otherwise rewritten; every returned string occurs in the answer
  text (or its JSON/Python-escaped form does): anything a repairer invented is dropped;
- empty strings, None and nothing-found words (无, NAN, null, ...) as values are skipped;
- a type/relation/event type outside ``types`` or a role outside ``roles`` is kept with
  ``in_schema=False``;
- identical records are kept once, first occurrence first.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from yayi_batch.parse import lenient
from yayi_batch.schema import (
    ArgumentRecord,
    EntityRecord,
    EventRecord,
    ParseResult,
    ParseStatus,
    Record,
    RelationRecord,
    Task,
)

# Key aliases, compared after strip + lower. The model's own keys come first.
_ENT_TYPE = ("type", "类型", "实体类型", "entity_type", "label")
_ENT_TEXT = ("text", "entity", "实体", "name", "mention", "span", "实体名称")
_REL = ("relation", "关系", "relation_type", "关系类型", "predicate", "rel")
_HEAD = ("head", "头实体", "subject", "head_entity", "主体", "主语", "sub")
_TAIL = ("tail", "尾实体", "object", "tail_entity", "客体", "宾语", "obj")
_TRIGGER = ("trigger", "触发词", "trigger_word", "触发")
_EVENT_TYPE = ("type", "事件类型", "event_type", "类型", "event")
_ARGS = ("arguments", "论元", "args", "argument", "论元列表", "roles")
_ROLE = ("role", "角色", "论元角色", "argument_role")
_ARG_TEXT = ("argument", "论元", "text", "entity", "value", "name", "内容")
_EXPECTED = {
    Task.NER: "dict for ner",
    Task.RE: "list of {relation, head, tail} for re",
    Task.EE: "list of {trigger, type, arguments} for ee",
    Task.EE_ARGS: "dict of role -> argument for ee_args",
}
MAX_PRODUCT = 64  # head/tail lists expand to pairs: bound it


@dataclass
class _Ctx:
    types: frozenset[str] | None
    roles: frozenset[str] | None
    incomplete: set[int] = field(default_factory=set)  # ids of containers open at the cut
    malformed: int = 0  # items of an unexpected shape, skipped
    partial: int = 0  # records cut at max_tokens, dropped

    def type_ok(self, name: str | None) -> bool:
        return self.types is None or (name is not None and name in self.types)

    def role_ok(self, name: str) -> bool:
        return self.roles is None or name in self.roles


def _key(d: dict, aliases: tuple[str, ...]) -> Any:
    """The value under the first alias present (keys compared stripped and lower-cased)."""
    folded = {str(k).strip().lower(): v for k, v in d.items()}
    for alias in aliases:
        if alias in folded:
            return folded[alias]
    return None


def _strings(value: Any, ctx: _Ctx, depth: int = 0) -> list[str]:
    """Value(s) as trimmed strings: str, number, or a (once nested) list of them."""
    if value is None:
        return []
    if isinstance(value, str):
        s = value.strip()
        return [] if lenient.is_empty_sentinel(s) else [s]
    if isinstance(value, bool):
        ctx.malformed += 1
        return []
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return [str(value)]
    if isinstance(value, list) and depth < 2:
        return [s for item in value for s in _strings(item, ctx, depth + 1)]
    ctx.malformed += 1
    return []


def _as_items(value: Any) -> list | None:
    return [value] if isinstance(value, dict) else value if isinstance(value, list) else None


def _is_blank(item: Any) -> bool:
    return item is None or (isinstance(item, str) and lenient.is_empty_sentinel(item.strip()))


# --- NER ------------------------------------------------------------------------------------


def _ner(value: Any, ctx: _Ctx) -> list[Record] | None:
    items = _as_items(value)
    if items is None or (items and not any(isinstance(x, dict) for x in items) and not all(_is_blank(x) for x in items)):
        return None
    out: list[Record] = []
    for item in items:
        if isinstance(item, dict):
            out += _ner_dict(item, ctx)
        elif not _is_blank(item):
            ctx.malformed += 1
    return out


def _ner_dict(d: dict, ctx: _Ctx) -> list[Record]:
    etype, etext = _key(d, _ENT_TYPE), _key(d, _ENT_TEXT)
    if isinstance(etype, str) and etext is not None and len(d) <= 3:  # {"type":..,"text":..}
        pairs = [(etype, etext)]
    else:
        pairs = list(d.items())
    out: list[Record] = []
    for name, texts in pairs:
        name = str(name).strip()
        if not name:
            ctx.malformed += 1 if _strings(texts, ctx) else 0  # entities without a type
            continue
        for text in _strings(texts, ctx):
            out.append(EntityRecord(name, text, ctx.type_ok(name)))
    return out


# --- RE -------------------------------------------------------------------------------------


def _re(value: Any, ctx: _Ctx) -> list[Record] | None:
    items = _as_items(value)
    if items is None:
        return None
    out: list[Record] = []
    for item in items:
        if not isinstance(item, dict):
            ctx.malformed += 0 if _is_blank(item) else 1
            continue
        rels = _strings(_key(item, _REL), ctx)
        heads = _strings(_key(item, _HEAD), ctx)
        tails = _strings(_key(item, _TAIL), ctx)
        if not (rels and heads and tails):
            if id(item) in ctx.incomplete:
                ctx.partial += 1
            elif any(not _is_blank(v) for v in item.values()):  # '' everywhere = echoed template
                ctx.malformed += 1
            continue
        for rel, head, tail in itertools.islice(itertools.product(rels, heads, tails), MAX_PRODUCT):
            out.append(RelationRecord(rel, head, tail, ctx.type_ok(rel)))
    return out


# --- EE -------------------------------------------------------------------------------------


def _all_schema_roles(item: dict, ctx: _Ctx) -> bool:
    """Every key is a role the prompt asked for: a role -> argument dict, whatever the names."""
    return bool(ctx.roles) and bool(item) and all(str(k).strip() in ctx.roles for k in item)  # type: ignore[operator]


def _is_pair(item: dict, ctx: _Ctx) -> bool:
    """``{role: <name>, argument: <text>}`` rather than ``{<role>: <text>, ...}``.

    A role literally named "role", "argument", "type" or "trigger" must not make a role map
    look like a pair: a pair has both a role key (with a string) and an argument key, at most
    one more key, and is not made only of roles the prompt asked for.
    """
    return isinstance(_key(item, _ROLE), str) and _key(item, _ARG_TEXT) is not None and len(item) <= 3 and not _all_schema_roles(item, ctx)


def _arguments(value: Any, ctx: _Ctx) -> tuple[ArgumentRecord, ...]:
    """``{role: str | list}`` or ``[{role:..., argument:...}]`` (or a list of role dicts)."""
    pairs: list[tuple[Any, Any]] = []
    items = _as_items(value)
    if items is None:
        ctx.malformed += 0 if _is_blank(value) else 1
        items = []
    for item in items:
        if not isinstance(item, dict):
            ctx.malformed += 0 if _is_blank(item) else 1
        elif _is_pair(item, ctx):
            pairs.append((_key(item, _ROLE), _key(item, _ARG_TEXT)))
        else:
            pairs += item.items()
    args = [ArgumentRecord(r, a, ctx.role_ok(r)) for role, arg in pairs if (r := str(role).strip()) for a in _strings(arg, ctx)]
    return tuple(dict.fromkeys(args))


def _ee(value: Any, ctx: _Ctx) -> list[Record] | None:
    items = _as_items(value)
    if items is None:
        return None
    out: list[Record] = []
    for item in items:
        if not isinstance(item, dict):
            ctx.malformed += 0 if _is_blank(item) else 1
            continue
        triggers = _strings(_key(item, _TRIGGER), ctx)
        etypes = _strings(_key(item, _EVENT_TYPE), ctx)
        raw_args = _key(item, _ARGS)
        args_closed = isinstance(raw_args, (dict, list)) and id(raw_args) not in ctx.incomplete
        if id(item) in ctx.incomplete and not (triggers and etypes and args_closed):
            ctx.partial += 1  # cut inside this event: its arguments may be missing
            continue
        if not triggers and not etypes:
            ctx.malformed += 0 if all(_is_blank(v) for v in item.values()) else 1
            continue
        etype = etypes[0] if etypes else None
        trigger = triggers[0] if triggers else None
        out.append(EventRecord(etype, trigger, _arguments(raw_args, ctx), ctx.type_ok(etype)))
    return out


def _ee_args(value: Any, ctx: _Ctx) -> list[Record] | None:
    items = _as_items(value)
    if items is None:
        return None
    if items and all(isinstance(x, dict) and _is_pair(x, ctx) for x in items):
        items = [items]  # [{role, argument}, ...] is one event's argument list
    out: list[Record] = []
    for item in items:
        if isinstance(item, dict) and isinstance(_key(item, _ARGS), (dict, list)) and not _all_schema_roles(item, ctx):
            out += _ee([item], ctx) or []  # an events-shaped answer: keep trigger and type too
            continue
        if not isinstance(item, (dict, list)):
            ctx.malformed += 0 if _is_blank(item) else 1
            continue
        args = _arguments(item, ctx)
        if args:
            out.append(EventRecord(None, None, args))
    return out


_BUILDERS = {Task.NER: _ner, Task.RE: _re, Task.EE: _ee, Task.EE_ARGS: _ee_args}


# --- verification, status, entry point --------------------------------------------------------


def _occurs(s: str, text: str) -> bool:
    """``s`` is in the answer as written, or in its JSON/Python-escaped spelling (\\n, \\u4e2d)."""
    if s in text:
        return True
    escaped = json.dumps(s, ensure_ascii=False)[1:-1]
    return escaped in text or json.dumps(s)[1:-1] in text or repr(s)[1:-1] in text or s.replace("'", "\\'") in text


def _verified(records: list[Record], text: str) -> tuple[list[Record], int]:
    """Drop what the answer text does not contain (a repairer's invention); count the drops."""
    out: list[Record] = []
    dropped = 0
    for rec in records:
        if isinstance(rec, EntityRecord):
            ok = _occurs(rec.type, text) and _occurs(rec.text, text)
        elif isinstance(rec, RelationRecord):
            ok = all(_occurs(x, text) for x in (rec.relation, rec.head, rec.tail))
        else:
            ok = all(x is None or _occurs(x, text) for x in (rec.event_type, rec.trigger))
            args = tuple(a for a in rec.arguments if _occurs(a.role, text) and _occurs(a.argument, text))
            dropped += len(rec.arguments) - len(args)
            if args != rec.arguments:
                rec = EventRecord(rec.event_type, rec.trigger, args, rec.in_schema)
                ok = ok and bool(args or rec.trigger or rec.event_type)  # ee_args: nothing left
        if ok:
            out.append(rec)
        else:
            dropped += 1
    return out, dropped


def _describe(value: Any) -> str:
    if isinstance(value, list):
        kinds = sorted({type(x).__name__ for x in value})
        return "empty list" if not kinds else f"list of {'/'.join(kinds)}"
    if isinstance(value, dict):
        keys = ", ".join(str(k)[:20] for k in list(value)[:4])
        return f"dict with keys [{keys}]"
    return type(value).__name__


def _wrong_shape(task: Task, value: Any) -> str:
    return f"wrong_shape: expected {_EXPECTED[task]}, got {_describe(value)}"


def _incomplete_ids(loaded: lenient.Loaded) -> set[int]:
    """Containers open at the cut: the root, then the last element of each, ``open_depth`` deep."""
    ids, node = set(), loaded.value
    for _ in range(loaded.open_depth):
        if not isinstance(node, (dict, list)):
            break
        ids.add(id(node))
        if not node:
            break
        node = node[-1] if isinstance(node, list) else list(node.values())[-1]
    return ids


def build(task: Task, loaded: lenient.Loaded, text: str, types: frozenset[str] | None, roles: frozenset[str] | None) -> ParseResult:
    """Records of one parsed candidate, with the status and reason they deserve."""
    ctx = _Ctx(types, roles, _incomplete_ids(loaded) if loaded.truncated else set())
    value = loaded.value
    if isinstance(value, str) and lenient.is_empty_sentinel(value.strip()):
        value = []  # "无" written as a JSON string
    records = _BUILDERS[task](value, ctx)
    if records is None:
        return invalid(_wrong_shape(task, value), loaded.repairs)
    records, unverified = _verified(records, text)
    records = list(dict.fromkeys(records))  # after verification: it can make events equal
    tags = list(loaded.repairs)
    tags += [
        f"{name}:{n}"
        for name, n in (("dropped_partial", ctx.partial), ("skipped_malformed", ctx.malformed), ("dropped_not_in_text", unverified))
        if n
    ]
    reason = ",".join(tags) or None
    if records:
        status = ParseStatus.TRUNCATED if loaded.truncated else (ParseStatus.REPAIRED if reason else ParseStatus.OK)
        return ParseResult(status, records, reason)
    if ctx.malformed:
        return invalid(_wrong_shape(task, value), loaded.repairs)
    if unverified:
        return invalid(f"not_in_text: {unverified} strings not found in the answer", loaded.repairs)
    if loaded.truncated:
        return ParseResult(ParseStatus.TRUNCATED, [], ",".join(tags + ["no_complete_record"]))
    return ParseResult(ParseStatus.EMPTY, [], ",".join(["no_records"] + tags))


def invalid(message: str, repairs: Collection[str] = ()) -> ParseResult:
    suffix = f"; repairs={','.join(repairs)}" if repairs else ""
    return ParseResult(ParseStatus.INVALID, [], message + suffix)
