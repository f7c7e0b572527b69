"""Document -> chunks at sentence boundaries, each small enough for the model. Pure module.

Chunks tile the document: chunk texts, each taken from where the previous chunk ended,
concatenate back to the document exactly (whitespace between sentences stays with the
sentence before it), so every offset found in a chunk maps to the document by adding
``Chunk.start``. ``count_tokens`` is usually a real tokenizer and costly: it is called on
spans (never per character), a number of times proportional to the sentences, with binary
searches where a span has to be cut.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from yayi_batch.unicode_scripts import is_cjk


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # char offset of the chunk in the document
    end: int
    text: str  # == document[start:end]


# A run of end marks, then closing quotes/brackets that belong to the same sentence (。” ?")
_END_RUN = re.compile(r"([。！？；…｡!?.]+)([\"'”’」』》〉）)】\]}]*)")
_CJK_ENDS = frozenset("。！？；…｡")
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029\x0b\x0c]")
# Lower-case, without the final dot. Sentence-final uses of these ("... in the U.S. Then")
# lose a boundary: a longer chunk, never a wrong offset.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt ft inc ltd co corp llc plc dept univ gen gov sen rep rev col "
    "capt lt sgt u.s u.k u.n e.g i.e etc vs al fig no nos vol pp approx est ca "
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun".split()
)
_NEXT_VISIBLE = re.compile(r"\s*(\S)")
_WORD_BEFORE = re.compile(r"[A-Za-z][A-Za-z.]*$")  # letters and inner dots: "Mr", "U.S", "e.g"


def _is_abbreviation(text: str, dot: int) -> bool:
    """Is the '.' at ``dot`` the end of an abbreviation or an initial (Mr. U.S. J.)?"""
    m = _WORD_BEFORE.search(text, max(0, dot - 16), dot)  # abbreviations are short
    if m is None or (m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalnum()):
        return False
    word = m.group()
    if len(word) == 1 and word.isupper():  # initials: "J. R. R. Tolkien"
        return True
    return word.lower() in _ABBREVIATIONS


def _is_sentence_end(text: str, m: re.Match) -> bool:
    marks, end = m.group(1), m.end()
    if any(c in _CJK_ENDS for c in marks):
        return True
    nxt = text[end] if end < len(text) else ""
    if not nxt:
        return True
    if not nxt.isspace():
        # "3.14", "1,000.5", "example.com" stay whole; ASCII ?! right before Chinese text ends.
        return marks[-1] in "!?" and is_cjk(nxt)
    if marks == "." and _is_abbreviation(text, m.start()):
        return False
    after = _NEXT_VISIBLE.match(text, end)
    return not (after and after.group(1).islower())  # "approx. five", '"Wow!" he said' go on


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans [start, end), in order, without surrounding whitespace; never empty."""
    cuts = {m.end() for m in _END_RUN.finditer(text) if _is_sentence_end(text, m)}
    cuts.update(m.end() for m in _LINE_BREAK.finditer(text))
    spans, prev = [], 0
    for cut in sorted(cuts | {len(text)}):
        s, e = prev, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
        prev = cut
    return spans


# Finer cuts for a sentence that alone exceeds the budget: after clause punctuation (and
# before opening brackets), then after whitespace runs, then anywhere (hard).
_CLAUSE_AFTER = re.compile(r"(?:[，、：；）」』》—]|[,:;)](?=\s|$))\s*")
_CLAUSE_BEFORE = re.compile(r"[（(「『《]")
_SPACES = re.compile(r"\s+")
_HARD = 3


def _finer_cuts(text: str, start: int, end: int, level: int) -> list[int]:
    if level == 1:
        found = [m.end() for m in _CLAUSE_AFTER.finditer(text, start, end)]
        found += [m.start() for m in _CLAUSE_BEFORE.finditer(text, start, end)]
    else:
        found = [m.end() for m in _SPACES.finditer(text, start, end)]
    return sorted({c for c in found if start < c < end})


def _clings(text: str, cut: int) -> bool:
    """Would cutting before ``cut`` split a visible character (mark, ZWJ emoji, flag, CRLF)?"""
    before, after = text[cut - 1], text[cut]
    o = ord(after)
    if unicodedata.combining(after) or unicodedata.category(after) in ("Mn", "Mc", "Me") or before == "\u200d":
        return True
    if o == 0x200D or 0xFE00 <= o <= 0xFE0F or 0x1F3FB <= o <= 0x1F3FF or 0xE0020 <= o <= 0xE007F:
        return True
    if before == "\r" and after == "\n":
        return True
    if 0x1F1E6 <= o <= 0x1F1FF:  # regional indicators pair up into flags
        run = cut
        while run > 0 and 0x1F1E6 <= ord(text[run - 1]) <= 0x1F1FF:
            run -= 1
        return (cut - run) % 2 == 1
    return False


def chunk_text(text: str, max_tokens: int, count_tokens: Callable[[str], int] = len, *, overlap_tokens: int = 0) -> list[Chunk]:
    """Greedy-pack consecutive sentences into chunks with ``count_tokens(chunk.text) <= max_tokens``.

    With ``overlap_tokens > 0`` a chunk after the first also starts with whole trailing
    units (sentences, or clause pieces of a cut sentence) of the previous chunk, up to
    ``overlap_tokens``; its new text begins where the previous chunk ends.

    Whitespace-only text gives ``[]``. A chunk is whitespace-only only if a whitespace run
    alone exceeds ``max_tokens`` (tiling must keep it). Raises ValueError when
    ``max_tokens < 1`` or a single character does not fit.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    sentences = split_sentences(text)
    if not sentences:
        return []
    # Units tile the text: a sentence plus the whitespace after it (the first also takes any
    # leading whitespace). levels[i] says how finely unit i was already cut.
    cuts = [0] + [s for s, _ in sentences[1:]] + [len(text)]
    levels = [0] * len(sentences)
    memo: dict[tuple[int, int], int] = {}

    def tokens(s: int, e: int) -> int:
        if (s, e) not in memo:
            memo[(s, e)] = count_tokens(text[s:e])
        return memo[(s, e)]

    empty = count_tokens("")  # special tokens every count includes

    def fits(s: int, e: int) -> bool:
        return tokens(s, e) <= max_tokens

    def refine(i: int) -> None:
        """Replace unit i (too big alone) by finer units, in place."""
        s, e = cuts[i], cuts[i + 1]
        level, inner = levels[i], list[int]()
        while not inner and level < _HARD:
            level += 1
            inner = _finer_cuts(text, s, e, level) if level < _HARD else _hard_cuts(s, e)
        cuts[i + 1 : i + 1] = inner
        levels[i : i + 1] = [level] * (len(inner) + 1)

    def _hard_cuts(s: int, e: int) -> list[int]:
        out: list[int] = []
        guess = 1
        while True:
            if not fits(s, s + 1):
                raise ValueError(f"max_tokens={max_tokens} cannot hold even {text[s]!r}")
            # Largest end that fits: try the previous piece's length first (pieces of one run
            # are alike), then gallop out and bisect, so the counter sees O(piece * log piece)
            # characters per piece, never the rest of a long run.
            lo, hi, step = s + 1, None, 1
            probe = min(s + guess, e)
            if probe > lo:
                lo, hi = (probe, None) if fits(s, probe) else (lo, probe)
            while hi is None:
                if lo == e:
                    return out  # the rest fits
                probe = min(lo + step, e)
                lo, hi, step = (probe, None, step * 2) if fits(s, probe) else (lo, probe, step)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if fits(s, mid) else (lo, mid)
            cut = lo
            while cut > s + 1 and _clings(text, cut):
                cut -= 1
            if not fits(s, cut):  # a shorter prefix should always fit; if not, keep the found cut
                cut = lo
            out.append(cut)
            guess, s = lo - s, cut

    spans: list[tuple[int, int]] = []
    first, head = 0, 0  # next unit not yet in any chunk; unit where the current chunk starts
    while first < len(levels):
        if not fits(cuts[first], cuts[first + 1]):
            if levels[first] >= _HARD:
                raise ValueError(f"count_tokens is inconsistent: a piece that fit no longer fits at {cuts[first]}")
            refine(first)  # inserts after `first`: head and first stay valid
            continue
        while head < first and not fits(cuts[head], cuts[first + 1]):
            head += 1  # the overlap must leave room for at least one new unit
        # Guess the end from the sum of unit counts (each unit is counted once; minus what
        # an empty text counts, e.g. a BOS), verify the guess on the real text, then gallop up
        # or bisect down from it: ~1 count per unit plus a few per chunk.
        n, guess = len(levels), first + 1
        total = tokens(cuts[head], cuts[guess])
        while guess < n and total + tokens(cuts[guess], cuts[guess + 1]) - empty <= max_tokens:
            total += tokens(cuts[guess], cuts[guess + 1]) - empty
            guess += 1
        good, bad, step = (guess, None, 1) if fits(cuts[head], cuts[guess]) else (first + 1, guess, 1)
        while bad is None and good < n:
            probe = min(good + step, n)
            if fits(cuts[head], cuts[probe]):
                good, step = probe, step * 2
            else:
                bad = probe
        while bad is not None and bad - good > 1:
            mid = (good + bad) // 2
            good, bad = (mid, bad) if fits(cuts[head], cuts[mid]) else (good, mid)
        spans.append((cuts[head], cuts[good]))
        prev_head, first, head = head, good, good
        if overlap_tokens > 0 and first < len(levels):
            # Take whole trailing units back while they fit the overlap budget; never the
            # previous chunk's start, so each chunk starts later than the one before.
            while head - 1 > prev_head and tokens(cuts[head - 1], cuts[first]) <= overlap_tokens:
                head -= 1
    return [Chunk(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)]
