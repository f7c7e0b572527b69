"""Pin extracted strings to character offsets (Python ``str`` indices) in the document text.

A model answer says *what* it found, never *where*. This module finds where, trusting the
cheapest evidence first: exact occurrences, then occurrences after folding width, case,
whitespace and punctuation variants (mapped back to exact original offsets), then the best
approximate alignment, else "not found". Pure: no ray, no vllm.

Latin mentions prefer occurrences at word boundaries ("art" is not grounded inside "party"
unless that exact substring is the only occurrence). CJK has no word boundaries, so any
substring counts. Order of tiers: exact at boundaries > normalized at boundaries > exact
substring > fuzzy (whole words for Latin) > none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from itertools import chain, repeat

from rapidfuzz import fuzz

from yayi_batch.schema import CharInterval, MatchKind
from yayi_batch.unicode_scripts import is_word_char

# Punctuation variants the model swaps freely (curly vs straight quotes, enumeration comma vs
# comma, dash widths, middle dots in transliterated names). Applied after NFKC, which already
# folds full-width ASCII such as （）：；，.
_PUNCT = str.maketrans(
    {
        **dict.fromkeys("“”„‟«»〝〞＂\"‘’‚‛'′″", '"'),
        **dict.fromkeys("、，", ","),
        **dict.fromkeys("‐‑‒–—―−－﹣", "-"),
        **dict.fromkeys("·•・‧∙･", "·"),
        **dict.fromkeys("【〔［", "["),
        **dict.fromkeys("】〕］", "]"),
    }
)
# Invisible characters that only one side tends to carry (zero-width, soft hyphen, BOM,
# variation selectors): dropped so "❤️" (with VS16) still matches "❤".
_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad" + "".join(map(chr, range(0xFE00, 0xFE10))))

# After folding every whitespace char is a plain space. Spaces to drop: all but the first of a
# run, and whole runs not between two word chars (W: alphanumeric, not CJK).
_W = r"[^\W_\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003ffff]"
# Written to start with a literal space, which the regex engine scans for fast (5x here).
_DROP_SPACES = re.compile(rf" (?:(?<!{_W}[ ]) *|(?<={_W}[ ]) *(?![ ]|{_W}))")


@lru_cache(maxsize=4096)
def _fold(piece: str) -> str:
    folded = unicodedata.normalize("NFKC", piece).casefold().translate(_PUNCT)
    folded = "".join(" " if c.isspace() else c for c in folded if c not in _DROP)
    return folded


@lru_cache(maxsize=16)  # the same chunk text is grounded for every mention of its answers
def _normalize(text: str) -> tuple[str, list[int], list[int]]:
    """Folded text and, per folded char, the original [start, end) it came from.

    A base char and its combining marks fold together (NFKC may compose them), so every folded
    char maps to a whole original cluster. Whitespace runs become one space between two word
    chars and vanish elsewhere (between CJK, next to punctuation, at the ends). Most work is
    in C (map, join, regex): this runs once per chunk, so it sets the grounding throughput.
    """
    n = len(text)
    if any(map(unicodedata.combining, text)):
        clusters, i = [], 0
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(text[j]):
                j += 1
            clusters.append((i, j))
            i = j
        pieces = [_fold(text[i:j]) for i, j in clusters]
    else:
        clusters, pieces = None, list(map(_fold, text))
    folded = "".join(pieces)
    if clusters is None and len(folded) == n:  # the usual case: one folded char per char
        starts, ends = list(range(n)), list(range(1, n + 1))
    else:  # repeat each cluster's bounds once per folded char it became ("…" -> "...")
        lo, hi = zip(*clusters) if clusters else (range(n), range(1, n + 1))
        lengths = list(map(len, pieces))
        starts = list(chain.from_iterable(map(repeat, lo, lengths)))
        ends = list(chain.from_iterable(map(repeat, hi, lengths)))
    drops = [m.span() for m in _DROP_SPACES.finditer(folded)]
    if not drops:
        return folded, starts, ends
    out: list[str] = []
    o_starts: list[int] = []
    o_ends: list[int] = []
    prev = 0
    for a, b in drops + [(len(folded), len(folded))]:
        out.append(folded[prev:a])
        o_starts.extend(starts[prev:a])
        o_ends.extend(ends[prev:a])
        prev = b
    return "".join(out), o_starts, o_ends


def _find_all(hay: str, needle: str) -> list[int]:
    """Every start of needle in hay, overlapping ones included (filtered later)."""
    found, pos = [], hay.find(needle)
    while pos >= 0:
        found.append(pos)
        pos = hay.find(needle, pos + 1)
    return found


def _at_boundary(hay: str, start: int, end: int, needle: str) -> bool:
    """True when the needle's Latin word ends do not continue a word in hay."""
    if is_word_char(needle[0]) and start > 0 and is_word_char(hay[start - 1]):
        return False
    return not (is_word_char(needle[-1]) and end < len(hay) and is_word_char(hay[end]))


def _non_overlapping(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if not kept or s >= kept[-1][1]:
            kept.append((s, e))
    return kept


def _intervals(spans: list[tuple[int, int]], offset: int, kind: MatchKind) -> list[CharInterval]:
    return [CharInterval(s + offset, e + offset, kind) for s, e in spans]


def find_mentions(text: str, mention: str, *, offset: int = 0, fuzzy_threshold: float = 0.85) -> list[CharInterval]:
    """Where ``mention`` occurs in ``text``; offsets shifted by ``offset`` (the chunk's start).

    Returns all non-overlapping EXACT occurrences, else all NORMALIZED ones, else one FUZZY
    interval scoring >= ``fuzzy_threshold`` (0..1), else ``[CharInterval.missing()]``.
    The mention is stripped first: an EXACT interval slices back to ``mention.strip()``.
    Intervals come sorted by start; all of one MatchKind.
    """
    mention = (mention or "").strip()
    if not mention or not text:
        return [CharInterval.missing()]
    exact = [(p, p + len(mention)) for p in _find_all(text, mention)]
    bounded = [(s, e) for s, e in exact if _at_boundary(text, s, e, mention)]
    if bounded:
        return _intervals(_non_overlapping(bounded), offset, MatchKind.EXACT)

    norm_text, starts, ends = _normalize(text)
    norm_mention = _normalize(mention)[0]
    if norm_mention:
        spans = []
        for p in _find_all(norm_text, norm_mention):
            q = p + len(norm_mention)
            # The match must cover whole original clusters: "s" inside the "ss" of "ß" is not one.
            whole = (p == 0 or starts[p] != starts[p - 1]) and (q == len(norm_text) or starts[q] != starts[q - 1])
            if whole and _at_boundary(norm_text, p, q, norm_mention):
                spans.append((starts[p], ends[q - 1]))
        if spans:
            return _intervals(_non_overlapping(spans), offset, MatchKind.NORMALIZED)
    if exact:  # only inside longer words, but literally there: better than a guess
        return _intervals(_non_overlapping(exact), offset, MatchKind.EXACT)

    span = _fuzzy(norm_text, starts, ends, norm_mention, fuzzy_threshold) if norm_mention else None
    if span is not None:
        return _intervals([span], offset, MatchKind.FUZZY)
    return [CharInterval.missing()]


def _fuzzy(norm_text: str, starts: list[int], ends: list[int], needle: str, threshold: float) -> tuple[int, int] | None:
    """Best approximate span of the folded text, as original offsets, or None.

    rapidfuzz's partial_ratio finds the best window of the needle's length; the true span may
    be a few chars longer or shorter, so the window's edges are moved within a small radius
    and each candidate is scored with the plain Indel similarity (``fuzz.ratio``). Edges
    must fall on original cluster boundaries and, for Latin, on word boundaries.
    """
    cutoff = threshold * 100
    hit = fuzz.partial_ratio_alignment(needle, norm_text, score_cutoff=cutoff)
    if hit is None:
        return None
    n = len(norm_text)
    radius = min(8, max(2, len(needle) // 4))

    def can_start(s: int) -> bool:
        if norm_text[s] == " " or (s > 0 and starts[s] == starts[s - 1]):
            return False
        return not (is_word_char(norm_text[s]) and s > 0 and is_word_char(norm_text[s - 1]))

    def can_end(e: int) -> bool:
        if norm_text[e - 1] == " " or (e < n and starts[e] == starts[e - 1]):
            return False
        return not (is_word_char(norm_text[e - 1]) and e < n and is_word_char(norm_text[e]))

    best, best_key = None, None
    for s in filter(can_start, range(max(0, hit.dest_start - radius), min(n - 1, hit.dest_start + radius) + 1)):
        for e in filter(can_end, range(max(s + 1, hit.dest_end - radius), min(n, hit.dest_end + radius) + 1)):
            score = fuzz.ratio(needle, norm_text[s:e], score_cutoff=cutoff)
            key = (score, -abs(e - s - len(needle)), -s)  # best score, then closest length, earliest
            if score and (best_key is None or key > best_key):
                best, best_key = (starts[s], ends[e - 1]), key
    return best


def _found(intervals: Iterable[CharInterval]) -> list[CharInterval]:
    return [iv for iv in intervals if iv.start is not None and iv.end is not None]


def _at(iv: CharInterval) -> int:
    """The start of a found interval (callers pass only found ones)."""
    assert iv.start is not None
    return iv.start


def _gap(a: CharInterval, b: CharInterval) -> int:
    """Characters between two found intervals; 0 when they touch or overlap."""
    assert a.start is not None and a.end is not None and b.start is not None and b.end is not None
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def nearest_pair(a: list[CharInterval], b: list[CharInterval]) -> tuple[CharInterval, CharInterval]:
    """The occurrences of a and b closest to each other (ties: earliest). A side with no
    occurrence stays missing; the other side then takes its earliest occurrence."""
    fa, fb = _found(a), _found(b)
    if not fa or not fb:
        return (fa[0] if fa else CharInterval.missing()), (fb[0] if fb else CharInterval.missing())
    # Two different spans beat one span used twice (a relation between two occurrences of
    # the same name), then the smallest gap, then the earliest.
    return min(
        ((x, y) for x in fa for y in fb),
        key=lambda p: ((p[0].start, p[0].end) == (p[1].start, p[1].end), _gap(*p), min(_at(p[0]), _at(p[1])), _at(p[0]), _at(p[1])),
    )


def nearest_to(anchor: CharInterval, candidates: list[CharInterval]) -> CharInterval:
    """The candidate closest to anchor (ties: earliest); the earliest one if anchor is missing."""
    found = _found(candidates)
    if not found:
        return CharInterval.missing()
    if anchor.start is None or anchor.end is None:
        return found[0]
    return min(found, key=lambda iv: (_gap(anchor, iv), _at(iv)))
