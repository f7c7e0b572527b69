"""Raw model text -> Python structure (dict/list/str/None), leniently.

The model was tuned on strict ``json.dumps(..., ensure_ascii=False)`` output, so strict JSON is
tried first and most answers never reach the slow path. When it fails: special tokens, code
fences and echoed prompts are stripped, then ``json_scan.walk`` rewrites Python-literal and
full-width syntax *outside* string values into JSON, finds where the structure ends and, for
an answer cut at ``max_tokens``, closes it after the last complete value. Whatever strict JSON
still rejects goes to ``json_repair``.

Exceptions here are internal to the parse layer; ``parse_output`` turns them into statuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import json_repair

from yayi_batch.parse import json_scan

MAX_CHARS = 65_536  # answers are <= 512 tokens; anything far larger is not a model answer
MAX_DEPTH = 20  # the deepest real shape (EE: list > event > arguments > list) is 4
MAX_CANDIDATES = 6  # start brackets tried per answer (echoed prompts contain templates)
MAX_REPAIR_CALLS = 3  # json_repair is pure Python (~0.2 s on 60k chars of junk): bound it


class ParseError(Exception):
    """Nothing usable came out of the text; ``tag`` prefixes the reason."""

    tag = "invalid"

    def reason(self) -> str:
        return f"{self.tag}: {self}" if str(self) else self.tag


class EmptyAnswer(ParseError):
    tag = "empty_answer"


class Unparseable(ParseError):
    tag = "not_json"


class TooLarge(ParseError):
    tag = "too_large"


class TooDeep(Unparseable):
    tag = "too_deep"


@dataclass(frozen=True)
class Loaded:
    """One parsed structure and how it was obtained."""

    value: Any
    repairs: tuple[str, ...] = ()  # repair tags, in the order applied
    truncated: bool = False
    # Containers still open at the cut (root = 1). They are the root and then, level by level,
    # the last element of the one above: records built from them may be partial.
    open_depth: int = 0


# Answers meaning "nothing found". Compared after stripping quotes, full stops and case.
EMPTY_SENTINELS = frozenset(
    {"", "无", "没有", "空", "无实体", "无关系", "无事件", "无论元", "nan", "none", "null", "n/a", "[]", "{}", "[ ]", "{ }"}
)
_SENTINEL_STRIP = " \t\r\n\"'“”‘’`。.．"


def is_empty_sentinel(text: str) -> bool:
    return len(text) <= 16 and text.strip(_SENTINEL_STRIP).lower() in EMPTY_SENTINELS


_SPECIAL_TOKENS = re.compile(r"<reserved_\d+>|</s>")
_FENCE = re.compile(r"```[ \t]*(?:json|python|py|js|text)?[ \t]*\n?(.*?)(?:```|\Z)", re.S | re.I)
_ANSWER_MARK = re.compile(r"(?:答案|answer)\s*[:：]", re.I)
_START = re.compile(r"[\[{【]")
_WS = re.compile(r"\s*")
_JSONISH_NEXT = frozenset("\"'“”‘’{}[]【】")


def candidates(text: str | None) -> Iterator[Loaded]:
    """Yield the structures the answer may hold, best guess first.

    Raises ``EmptyAnswer``/``TooLarge``/``TooDeep`` before yielding, ``Unparseable`` when nothing
    at all parsed. The caller keeps the first candidate that gives records: an echoed prompt
    contains template brackets (``json[{'relation':'', ...}]``) before the real answer.
    """
    if text is None:
        raise EmptyAnswer("no text")
    if not isinstance(text, str):
        raise Unparseable(f"not a string: {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise TooLarge(f"{len(text)} chars > {MAX_CHARS}")
    stripped = text.strip()
    if is_empty_sentinel(stripped):
        raise EmptyAnswer(repr(stripped[:16]) if stripped else "blank")
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        pass
    else:  # the common case: strict JSON, nothing to repair
        yield Loaded(value)
        return

    repairs: list[str] = []
    body = stripped
    if "<" in body and _SPECIAL_TOKENS.search(body):
        body = _SPECIAL_TOKENS.sub("", body).strip()
        repairs.append("special_tokens")
    if "```" in body and (fence := _FENCE.search(body)):
        body = fence.group(1).strip()
        repairs.append("code_fence")
    if (mark := _last_answer_mark(body)) is not None:
        body = body[mark:].strip()
        repairs.append("answer_prefix")
    if is_empty_sentinel(body):
        raise EmptyAnswer(",".join(repairs + [repr(body[:16]) if body else "blank"]))

    yielded, covered_to, budget = False, 0, [MAX_REPAIR_CALLS]
    for start in _starts(body):
        if start < covered_to:  # inside a structure already tried
            continue
        tags = repairs + _prefix_tags(body[:start])
        try:
            loaded, covered_to = _parse_from(body, start, tags, budget)
        except TooDeep:
            raise
        except Unparseable:
            continue
        yielded = True
        yield loaded
    if not yielded:
        raise Unparseable("no JSON object or array found")


def _last_answer_mark(body: str) -> int | None:
    """Index just past the last ``答案：``/``Answer:`` that is followed by an answer (a bracket,
    a quote, a nothing-found word). Markers inside content ("Answer: 42") are not."""
    for m in reversed(list(_ANSWER_MARK.finditer(body))):
        ws = _WS.match(body, m.end())
        k = ws.end() if ws else m.end()
        after = body[k : k + 20]  # bounded: thousands of markers must not copy the text each
        if after[:1] in _JSONISH_NEXT or after[:4].lower() == "json" or (len(body) - k <= 16 and is_empty_sentinel(after)):
            return m.end()
    return None


def _starts(body: str) -> list[int]:
    """Start brackets worth trying: position 0, and brackets followed by JSON-looking text
    (``{人物/机构/地点：[实体]}`` from an echoed NER prompt is not)."""
    found: list[int] = []
    for m in _START.finditer(body):
        i = m.start()
        nxt = body[i + 1 : i + 40].lstrip()[:1]
        if i == 0 or nxt in _JSONISH_NEXT:
            found.append(i)
            if len(found) >= MAX_CANDIDATES:
                break
    return found


def _prefix_tags(prefix: str) -> list[str]:
    p = prefix.strip()
    if not p:
        return []
    if p.lower().endswith("json"):
        return ["leading_text", "json_prefix"] if p[:-4].strip() else ["json_prefix"]
    return ["leading_text"]


def _parse_from(body: str, start: int, tags: list[str], budget: list[int]) -> tuple[Loaded, int]:
    try:
        walk = json_scan.walk(body, start, max_depth=MAX_DEPTH)
        if walk.truncated and ("”" in body or "’" in body):  # maybe mixed quotes: "人物”
            # Only a consistent style counts: a strict answer cut inside "他说“你好”]..." has
            # keys closed by ASCII quotes, and reading it loosely would invent records.
            loose = json_scan.walk(body, start, max_depth=MAX_DEPTH, loose=True)
            if not loose.truncated and "same_quotes" not in loose.tags:
                walk = loose
    except json_scan.NestingTooDeep as exc:
        raise TooDeep(str(exc)) from exc
    tags = tags + walk.tags
    if not walk.truncated and body[walk.end :].strip():
        tags.append("trailing_text")
    value = _loads(walk.cut if walk.truncated else walk.out, tags, budget)
    if walk.truncated:
        tags.insert(0, "truncated")
    elif not tags:  # strict JSON failed, so something was repaired even if not named
        tags.append("lenient")
    return Loaded(value, tuple(dict.fromkeys(tags)), walk.truncated, walk.open_depth), walk.end


def _loads(js: str, tags: list[str], budget: list[int]) -> Any:
    try:
        return json.loads(js)
    except (ValueError, RecursionError):
        pass
    if budget[0] <= 0:
        raise Unparseable("repair budget spent")
    budget[0] -= 1
    tags.append("json_repair")
    try:
        value = json_repair.loads(js)
    except Exception as exc:  # a third-party repairer: never let it escape
        raise Unparseable(f"json_repair failed: {type(exc).__name__}") from exc
    if not isinstance(value, (dict, list)):
        raise Unparseable("no JSON structure after repair")
    return value


def load_lenient(text: str | None) -> Loaded:
    """The first candidate structure of ``text`` (for callers that need no shape check)."""
    for loaded in candidates(text):
        return loaded
    raise Unparseable("no JSON object or array found")
