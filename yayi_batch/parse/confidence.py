"""A confidence for every extracted record, from the log-probabilities of the answer tokens that
spelled it. Pure module.

The engine returns, per generated token, its text and the log-probability the sampler gave it
(after guided decoding's mask: what the sampler allowed is what the probabilities describe).
Each string a record comes from (an entity's text; a relation's type, head and tail; an event's
type and trigger; an argument's role and value) is found in the raw answer, in answer order, with
its quotes: the opening quote is where the model decided there is one more item. The tokens that
overlap those characters make the record's evidence, and its confidence is their geometric mean
probability, `exp(mean(logprob))`, in [0, 1]. A record whose strings are not in the raw answer (a
repaired answer, a normalised string) or an answer without log-probabilities gets None.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace

from yayi_batch.schema import ArgumentRecord, EntityRecord, EventRecord, Record, RelationRecord


class TokenSpans:
    """The answer's tokens as character spans of the generated text.

    The tokens' texts do not always join into the text: the end-of-turn token is in the tokens
    but not in the text, and a character the tokenizer spells in bytes comes as several tokens
    each decoded to U+FFFD. So each token is placed where it stands in the text from the current
    position; a token found nowhere (a special token) spans nothing, and a run of byte tokens
    spans the characters between the tokens around it.
    """

    def __init__(self, text: str, token_texts: Sequence[str], logprobs: Sequence[float]):
        self.ok = len(token_texts) == len(logprobs)
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.logprobs = list(logprobs)
        pos, pending = 0, []  # pending: indexes of byte tokens whose characters are not placed yet
        for i, t in enumerate(token_texts):
            is_bytes = "\ufffd" in t
            at = -1 if (not t or is_bytes) else text.find(t, pos)
            if at < 0:
                self.starts.append(pos)
                self.ends.append(pos)
                if is_bytes:
                    pending.append(i)
                continue
            for j in pending:  # the byte tokens spelled what lies between the last placed token and this one
                self.ends[j] = at
            pending = []
            self.starts.append(at)
            self.ends.append(at + len(t))
            pos = at + len(t)
        for j in pending:
            self.ends[j] = len(text)

    def logprobs_over(self, start: int, end: int) -> list[float]:
        """The log-probabilities of the tokens that overlap text[start:end]."""
        return [lp for s, e, lp in zip(self.starts, self.ends, self.logprobs) if s < end and e > start]


class _Cursor:
    """Finds record strings in the raw answer in order; a string not found after the cursor is
    looked for from the start (an answer may repeat a string, or list fields in another order)."""

    def __init__(self, raw: str):
        self.raw, self.pos = raw, 0

    def find(self, value: str | None) -> tuple[int, int] | None:
        if not value:
            return None
        for needle in dict.fromkeys((json.dumps(value, ensure_ascii=False), f"'{value}'", value)):
            at = self.raw.find(needle, self.pos)
            if at < 0:
                at = self.raw.find(needle)
            if at >= 0:
                self.pos = at + len(needle)
                return at, at + len(needle)
        return None


def _confidence(spans: TokenSpans, cursor: _Cursor, values: Sequence[str | None]) -> float | None:
    evidence: list[float] = []
    for value in values:
        found = cursor.find(value)
        if found is None:
            return None
        evidence += spans.logprobs_over(*found)
    if not evidence:
        return None
    return round(math.exp(sum(evidence) / len(evidence)), 6)


def with_confidence(
    records: Sequence[Record], raw: str, token_texts: Sequence[str] | None, token_logprobs: Sequence[float] | None
) -> list[Record]:
    """The records with `confidence` set (None where the answer does not allow it)."""
    if not token_texts or not token_logprobs:
        return list(records)
    spans = TokenSpans(raw, token_texts, token_logprobs)
    if not spans.ok:
        return list(records)
    cursor = _Cursor(raw)
    out: list[Record] = []
    for r in records:
        if isinstance(r, EntityRecord):
            out.append(replace(r, confidence=_confidence(spans, cursor, [r.text])))
        elif isinstance(r, RelationRecord):
            out.append(replace(r, confidence=_confidence(spans, cursor, [r.relation, r.head, r.tail])))
        elif isinstance(r, EventRecord):
            event = _confidence(spans, cursor, [v for v in (r.trigger, r.event_type) if v])
            args = tuple(replace(a, confidence=_argument(spans, cursor, a)) for a in r.arguments)
            out.append(replace(r, confidence=event, arguments=args))
        else:
            out.append(r)
    return out


def _argument(spans: TokenSpans, cursor: _Cursor, a: ArgumentRecord) -> float | None:
    return _confidence(spans, cursor, [a.role, a.argument])
