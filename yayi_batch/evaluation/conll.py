"""CoNLL-style token files (BIO, BIOES, BMES) <-> the gold long format (NER rows).

A file has one token (English) or one character (Chinese) per line, columns separated by
tabs or spaces, token first and tag last, and a blank line between sentences. Each sentence
becomes one gold document ``"{file-stem}-{sentence_index}"`` whose text is its tokens joined
with "" (Chinese, char per line) or " " (English); entity offsets are computed on that text.

Tags are decoded by the one tag decoder (`labelled/tags.py`), the one the tuner's corpus readers
use. The scheme matters when encoding, for the inverse conversion. Pure module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from yayi_batch.labelled.tags import Span, spans_to_tags, tags_to_spans, token_offsets
from yayi_batch.labelled.tags import guess_scheme as guess_tag_scheme
from yayi_batch.unicode_scripts import is_cjk


@dataclass
class Sentence:
    doc_id: str
    tokens: list[str]
    tags: list[str]


def read_conll(path: str | Path) -> list[Sentence]:
    """Sentences of a CoNLL file; ``-DOCSTART-`` lines are skipped."""
    path = Path(path)
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []

    def flush() -> None:
        if tokens:
            sentences.append(Sentence(f"{path.stem}-{len(sentences)}", tokens.copy(), tags.copy()))
        tokens.clear()
        tags.clear()

    with path.open(encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                flush()
                continue
            # Tabs first: a tab-separated file may carry a space (or U+3000) as a character token.
            parts = line.split("\t") if "\t" in line else line.split()
            if parts[0].startswith("-DOCSTART-"):
                flush()
                continue
            if len(parts) < 2:
                raise ValueError(f"{path}:{lineno}: expected 'token ... tag', got {line!r}")
            tokens.append(parts[0])
            tags.append(parts[-1].strip())
    flush()
    return sentences


def guess_scheme(sentences: list[Sentence]) -> str:
    """The scheme a file was written in, from the tag prefixes it uses."""
    return guess_tag_scheme([tag for s in sentences for tag in s.tags])


def choose_sep(sentences: list[Sentence]) -> str:
    """ "" for Chinese char-per-line files, " " otherwise (decided per file, not per sentence,
    so every sentence of a corpus is joined the same way)."""
    return "" if any(is_cjk(ch) for s in sentences for tok in s.tokens for ch in tok) else " "


def sentences_to_long(sentences: list[Sentence], sep: str | None = None, dataset: str | None = None) -> pl.DataFrame:
    """Gold long rows (task ``ner``) of the sentences; a sentence with no entity gets one
    marker row (type/text null) so that it still counts as a scored document."""
    sep = choose_sep(sentences) if sep is None else sep
    rows = []
    for sent in sentences:
        text = sep.join(sent.tokens)
        offsets = token_offsets(sent.tokens, sep)
        spans = tags_to_spans(sent.tags)
        for start, end, typ in spans:
            cs, ce = offsets[start][0], offsets[end - 1][1]
            rows.append({"doc_id": sent.doc_id, "task": "ner", "type": typ, "text": text[cs:ce], "start": cs, "end": ce})
        if not spans:
            rows.append({"doc_id": sent.doc_id, "task": "ner", "type": None, "text": None, "start": None, "end": None})
    schema = {"doc_id": pl.String, "task": pl.String, "type": pl.String, "text": pl.String, "start": pl.Int64, "end": pl.Int64}
    df = pl.DataFrame(rows, schema=schema)
    return df.with_columns(pl.lit(dataset, pl.String).alias("dataset")) if dataset is not None else df


def long_to_sentences(gold: pl.DataFrame, tokens_by_doc: dict[str, list[str]], scheme: str, sep: str) -> list[Sentence]:
    """The inverse: NER rows of the gold long format -> tagged sentences over known tokens.

    Offsets map to the tokens they overlap; a row without offsets is placed at the first
    occurrence of its text. Rows of docs not in ``tokens_by_doc`` are ignored.
    """
    ner = gold.filter((pl.col("task") == "ner") & pl.col("type").is_not_null())
    by_doc: dict[str, list[dict]] = {}
    for row in ner.iter_rows(named=True):
        by_doc.setdefault(row["doc_id"], []).append(row)
    sentences = []
    for doc_id, tokens in tokens_by_doc.items():
        offsets = token_offsets(tokens, sep)
        text = sep.join(tokens)
        spans: list[Span] = []
        for row in by_doc.get(doc_id, []):
            cs, ce = row.get("start"), row.get("end")
            if cs is None or ce is None:
                found = text.find(row["text"] or "\0")
                if found < 0:
                    continue
                cs, ce = found, found + len(row["text"])
            covered = [i for i, (ts, te) in enumerate(offsets) if ts < ce and te > cs]
            if covered:
                spans.append((covered[0], covered[-1] + 1, row["type"]))
        sentences.append(Sentence(doc_id, list(tokens), spans_to_tags(len(tokens), spans, scheme)))
    return sentences


def write_conll(path: str | Path, sentences: list[Sentence], sep: str = "\t") -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for sent in sentences:
            for tok, tag in zip(sent.tokens, sent.tags):
                fh.write(f"{tok}{sep}{tag}\n")
            fh.write("\n")


def read_conll_gold(path: str | Path, dataset: str | None = None) -> pl.DataFrame:
    """A CoNLL file as gold long rows (any of the three schemes)."""
    return sentences_to_long(read_conll(path), dataset=dataset)
