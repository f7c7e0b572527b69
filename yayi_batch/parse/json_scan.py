"""A small JSON-ish tokenizer: model answer text from a start bracket -> strict JSON text.

Outside strings it maps ``：，【】`` to JSON syntax, ``None/True/False`` to JSON words and drops
trailing commas; every quote style becomes a JSON double-quoted string. Inside strings nothing
is rewritten except escaping, so content (a Chinese comma in a name) survives. It also finds
where the structure ends (text after it is an explanation) and, when the text stops inside
the structure (cut at ``max_tokens``), the JSON up to the last complete value with the open
brackets closed. Linear in the text; never recurses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


class NestingTooDeep(ValueError):
    pass


_OPENERS = {"{": "}", "[": "]", "【": "]"}
_CLOSERS = {"}": "}", "]": "]", "】": "]"}
# A full-width-quoted string may end with an ASCII quote (the model mixes “date"); an ASCII-quoted
# one never ends with a full-width quote: “你好”， is common content.
_QUOTE_CLOSERS = {'"': '"', "'": "'", "“": '”“"', "”": '”“"', "‘": "’‘'", "’": "’‘'"}
_OUTSIDE = re.compile(r"[\"'“”‘’{}\[\]【】:：,，]")
# Loose mode (a retry when the strict walk never closes): ASCII quotes may also end with
# full-width ones, for the rare mixed "人物”.
_LOOSE_CLOSERS = {**_QUOTE_CLOSERS, '"': '"”“', "'": "'’‘"}
_INSIDE = {
    (q, loose): re.compile('[\\\\"\x00-\x1f' + re.escape(c) + "]")
    for loose, table in ((False, _QUOTE_CLOSERS), (True, _LOOSE_CLOSERS))
    for q, c in table.items()
}
# A quote closes a string only when followed by JSON syntax: an apostrophe in
# 'Leaders' Forum' or an unescaped quote in "他说"你好"" is content.
_SYNTAX = frozenset(",:}]，：】")
_WS = re.compile(r"\s*")
_WORDS = re.compile(r"\b(None|True|False)\b")
_WORD_JSON = {"None": "null", "True": "true", "False": "false"}


@dataclass
class Walk:
    out: str  # the structure as JSON text (complete case)
    end: int  # index in the source just past the structure (or len when truncated)
    truncated: bool
    cut: str  # truncated case: JSON up to the last complete value, brackets closed
    open_depth: int
    tags: list[str]


def walk(src: str, start: int, *, max_depth: int, loose: bool = False) -> Walk:
    """Walk the structure opened at ``src[start]`` (a bracket)."""
    out: list[str] = []
    tags: list[str] = []
    stack: list[str] = []  # expected closers
    in_value: list[bool] = []  # per open object: after a colon (a value is expected)
    # (pieces of out, open closers) at the last complete value. Counting pieces, not chars,
    # stays right when a trailing comma piece is blanked later.
    last_cut: tuple[int, tuple[str, ...]] = (0, ())
    i, n = start, len(src)
    emit = out.append

    def at_value() -> bool:
        return stack[-1] == "]" or in_value[-1]

    while i < n:
        m = _OUTSIDE.search(src, i)
        j = m.start() if m else n
        if j > i:  # bare text: whitespace, numbers, words, unquoted junk
            bare = src[i:j]
            if bare.strip() in _WORD_JSON:
                bare = _WORDS.sub(lambda w: _WORD_JSON[w.group(1)], bare)
                tags.append("python_literal")
            emit(bare)
        if m is None:
            break
        c = src[j]
        if c in _QUOTE_CLOSERS:
            piece, i, closed = _read_string(src, j, tags, loose)
            emit(piece)
            if not closed:
                break
            if at_value():
                last_cut = (len(out), tuple(stack))
            continue
        if c in _OPENERS:
            if c == "【":
                tags.append("fullwidth_punct")
            stack.append(_OPENERS[c])
            in_value.append(False)
            if len(stack) > max_depth:
                raise NestingTooDeep(f"nesting deeper than {max_depth}")
            emit("{" if c == "{" else "[")
            last_cut = (len(out), tuple(stack))
        elif c in _CLOSERS:
            if c == "】":
                tags.append("fullwidth_punct")
            want = _CLOSERS[c]
            if want not in stack:  # a stray closer: skip it
                tags.append("stray_bracket")
                i = j + 1
                continue
            while stack:
                if _drop_trailing_comma(out):
                    tags.append("trailing_comma")
                top = stack.pop()
                in_value.pop()
                emit(top)
                if top == want:
                    break
                tags.append("bracket_mismatch")
            if not stack:
                return Walk("".join(out), j + 1, False, "", 0, tags)
            last_cut = (len(out), tuple(stack))
        elif c in ":：":
            if c == "：":
                tags.append("fullwidth_punct")
            if stack and stack[-1] == "}":
                in_value[-1] = True
            emit(":")
        else:  # , or ，
            if c == "，":
                tags.append("fullwidth_punct")
            if stack and at_value():
                last_cut = (len(out), tuple(stack))
            if stack and stack[-1] == "}":
                in_value[-1] = False
            emit(",")
        i = j + 1

    cut_pieces, open_closers = last_cut
    cut = "".join(out[:cut_pieces]).rstrip().rstrip(",") + "".join(reversed(open_closers))
    return Walk("".join(out), n, True, cut, len(open_closers), tags)


def _read_string(src: str, j: int, tags: list[str], loose: bool) -> tuple[str, int, bool]:
    """Read the string opened at ``src[j]``; return it as JSON text, the index after it, and
    whether it was closed (not closed = the text ends inside it)."""
    quote = src[j]
    closers = (_LOOSE_CLOSERS if loose else _QUOTE_CLOSERS)[quote]
    if quote == "'":
        tags.append("single_quotes")
    elif quote != '"':
        tags.append("fullwidth_punct")
    pattern, pieces, i, n = _INSIDE[quote, loose], ['"'], j + 1, len(src)
    while True:
        m = pattern.search(src, i)
        if m is None:
            pieces.append(src[i:])
            return "".join(pieces), n, False
        k = m.start()
        pieces.append(src[i:k])
        ch = src[k]
        if ch == "\\":
            if k + 1 >= n:
                return "".join(pieces), n, False
            pieces.append("'" if quote == "'" and src[k + 1] == "'" else src[k : k + 2])
            i = k + 2
            continue
        if ch in closers:
            if _closes(src, k + 1):
                pieces.append('"')
                if loose and quote in "\"'":  # lenient checks the style was consistently mixed
                    tags.append("mixed_quotes" if ch != quote else "same_quotes")
                return "".join(pieces), k + 1, True
            if quote == '"':
                tags.append("inner_quotes")
        if ch == '"':
            pieces.append('\\"')
        elif ch < " ":
            pieces.append(json.dumps(ch)[1:-1])
            tags.append("control_chars")
        else:
            pieces.append(ch)
        i = k + 1


def _skip_ws(src: str, k: int) -> int:
    """The index of the first non-space character at or after k (the pattern matches empty too)."""
    m = _WS.match(src, k)
    return m.end() if m else k


def _closes(src: str, k: int) -> bool:
    """Whether a quote just before ``src[k]`` ends its string: JSON syntax follows. A quote that
    follows means a missing comma (``"a" "b"``) unless that quote itself closes (``"你好""}``)."""
    after = _skip_ws(src, k)
    if after >= len(src) or src[after] in _SYNTAX:
        return True
    if src[after] in _QUOTE_CLOSERS:
        nxt = _skip_ws(src, after + 1)
        return nxt < len(src) and src[nxt] not in _SYNTAX
    return False


def _drop_trailing_comma(out: list[str]) -> bool:
    """Remove a ``,`` that is the last non-blank piece emitted (``[1, 2, ]``)."""
    for idx in range(len(out) - 1, -1, -1):
        if out[idx].strip():
            if out[idx] == ",":
                out[idx] = ""
                return True
            return False
    return False
