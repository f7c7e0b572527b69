"""The one decoder of per-token tags (BIO/IOB2, BIOES/IOBES, BMES, BILOU) into spans, and the
encoder back. Pure module.

Decoding is tolerant and the same for every scheme, because real corpora mix conventions:
B starts, I/M continue, E/L end, S/U are a single token, and a continuation without its start
(an I after O, or an I of another type) opens a new span, as conlleval does. An unknown prefix
is a `ValueError`; the readers add the file and line.
"""

from __future__ import annotations

SCHEMES = ("bio", "bioes", "bmes")

Span = tuple[int, int, str]  # token indices [start, end) and the type

_SINGLE = {"S", "U"}
_INSIDE = {"I", "M"}
_END = {"E", "L"}


def tags_to_spans(tags: list[str]) -> list[Span]:
    """Spans of a tag sequence in any of the schemes above."""
    spans: list[Span] = []
    start, current = -1, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, typ = tag.partition("-")
        prefix = prefix.upper()
        if prefix == "O" or not tag:
            if current is not None:
                spans.append((start, i, current))
            start, current = -1, None
            continue
        if not typ or prefix not in {"B"} | _SINGLE | _INSIDE | _END:
            raise ValueError(f"unknown tag {tag!r} (expected O or B/I/M/E/S/L/U-TYPE)")
        if prefix == "B" or prefix in _SINGLE:
            if current is not None:
                spans.append((start, i, current))
            start, current = i, typ
            if prefix in _SINGLE:
                spans.append((i, i + 1, typ))
                start, current = -1, None
            continue
        if current != typ:  # a continuation without its start opens a new span
            if current is not None:
                spans.append((start, i, current))
            start, current = i, typ
        if prefix in _END:
            spans.append((start, i + 1, typ))
            start, current = -1, None
    return spans


def spans_to_tags(n_tokens: int, spans: list[Span], scheme: str) -> list[str]:
    """Tags of `n_tokens` tokens; a span overlapping an earlier (longer) one is dropped."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tag scheme {scheme!r}; expected one of {SCHEMES}")
    tags = ["O"] * n_tokens
    inside = "M" if scheme == "bmes" else "I"
    for start, end, typ in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start >= end or any(tag != "O" for tag in tags[start:end]):
            continue  # flat tags cannot hold nested or empty spans
        if end - start == 1 and scheme != "bio":
            tags[start] = f"S-{typ}"
            continue
        tags[start] = f"B-{typ}"
        for i in range(start + 1, end):
            tags[i] = f"{inside}-{typ}"
        if scheme != "bio":
            tags[end - 1] = f"E-{typ}"
    return tags


def guess_scheme(tags: list[str]) -> str:
    """The scheme tags were written in, from the prefixes they use."""
    prefixes = {tag.partition("-")[0].upper() for tag in tags}
    if "M" in prefixes:
        return "bmes"
    if prefixes & {"E", "S", "L", "U"}:
        return "bioes"
    return "bio"


def token_offsets(tokens: list[str], join: str) -> list[tuple[int, int]]:
    """Char offsets of each token in `join.join(tokens)`."""
    offsets, pos = [], 0
    for tok in tokens:
        offsets.append((pos, pos + len(tok)))
        pos += len(tok) + len(join)
    return offsets
