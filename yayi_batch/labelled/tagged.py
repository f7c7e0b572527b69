"""Token-per-line corpora (CoNLL-2003, MSRA, Weibo, Resume, WNUT) -> LabelledText. Pure module.

A line holds a token and its tag, tab or space separated; the tag is the last column that looks
like one (CoNLL-2003's copy writes `EU B-ORG 0`); a blank line ends a sentence; `-DOCSTART-`
lines end a document. Character corpora write a space character as a token of its own (MSRA's
`  O`), and Weibo appends a word-position digit to each character (`科0`), which is stripped.
Tokens are joined with "" (characters) or " " (words), and mention offsets are on that text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from yayi_batch.labelled.records import CorpusFormatError, LabelledText, Mention, ReadStats
from yayi_batch.labelled.tags import tags_to_spans, token_offsets
from yayi_batch.schema import Lang

_TAG = re.compile(r"^(O|[BIMESLU]-\S+)$")


def _token_and_tag(line: str, where: str) -> tuple[str, str]:
    if "\t" in line:
        parts = line.split("\t")
    elif line.startswith(" "):  # a space character is the token
        parts = [" ", *(p for p in line[1:].split(" ") if p)]
    else:
        parts = [p for p in line.split(" ") if p]
    tag_at = next((i for i in range(len(parts) - 1, 0, -1) if _TAG.match(parts[i].strip())), None)
    if tag_at is None or not parts[0]:
        raise CorpusFormatError(f"{where}: expected a token and a tag, got {line!r}")
    return parts[0], parts[tag_at].strip()


def _sentences(path: Path) -> Iterator[tuple[int, int, list[tuple[str, str]]]]:
    """(document index, first line number, [(token, tag)]) per sentence."""
    block: list[tuple[str, str]] = []
    first, doc = 1, 0
    with open(path, encoding="utf-8-sig", newline="") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            if line.startswith("-DOCSTART-"):
                if block:
                    yield doc, first, block
                block, first, doc = [], lineno + 1, doc + 1
                continue
            if not line.strip():
                if block:
                    yield doc, first, block
                block, first = [], lineno + 1
                continue
            block.append(_token_and_tag(line, f"{path}:{lineno}"))
    if block:
        yield doc, first, block


def read_tagged(
    path: Path, *, source: str, lang: Lang, join: str, position_digits: bool = False, stats: ReadStats | None = None
) -> Iterator[LabelledText]:
    """Sentences with their mentions (the dataset's own type names)."""
    stats = stats if stats is not None else ReadStats()
    for n, (doc, lineno, block) in enumerate(_sentences(path)):
        tokens = [t for t, _ in block]
        if position_digits:
            tokens = [t[:-1] if len(t) > 1 and t[-1].isdigit() else t for t in tokens]
        try:
            spans = tags_to_spans([tag for _, tag in block])
        except ValueError as e:
            raise CorpusFormatError(f"{path}:{lineno}: {e}") from None
        text = join.join(tokens)
        offsets = token_offsets(tokens, join)
        mentions = tuple(Mention(typ, text[offsets[a][0] : offsets[b - 1][1]], offsets[a][0], offsets[b - 1][1]) for a, b, typ in spans)
        yield stats.count(LabelledText(f"{source}:{n}", source, lang, text, mentions, group=f"{source}#doc{doc}"))
