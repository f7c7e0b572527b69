"""Rows for the stage-adapter tests: documents as read, chunked with a character counter, and
generated rows as the engine stage emits them. Pure (pyarrow)."""

import pyarrow as pa

from yayi_batch.chunk.rows import PrepareChunks

ZH_DOC = "宁高宁出席了在北京举行的论坛。华润集团发布了年报。"
EN_DOC = "Gaoning Gao attended the forum in Beijing. Acme Corp hired John Smith."


def docs_table(ids, texts, titles=None):
    cols = {"doc_id": ids, "text": texts, "source_path": ["shard-0.parquet"] * len(ids)}
    if titles is not None:
        cols["title"] = titles
    return pa.table(cols)


def prepare(**kw):
    args = dict(max_chunk_tokens=20, overlap_tokens=0, lang="auto", passthrough=[], count_tokens=len)
    args.update(kw)
    return PrepareChunks(**args)


def answer_rows(answers):
    """Generated rows as the generate step emits them, for one English chunk."""
    base = {
        "doc_id": "en",
        "chunk_id": "c0",
        "chunk_start": 100,
        "chunk_text": EN_DOC,
        "lang": "en",
        "types": [],
        "roles": [],
        "tokens_in": 50,
        "tokens_out": 20,
        "finish_reason": "stop",
        "engine_error": "",
    }
    return pa.Table.from_pylist([{**base, **a} for a in answers])
