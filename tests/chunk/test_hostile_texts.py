"""Hostile document texts through the pure steps (prepare -> prompt rows -> answers).

Zero exceptions; every document leaves at least one chunk row or a placeholder (count in =
count out); every prompt within the budget; one answer row per prompt row. Lone surrogates
cannot be stored by pyarrow, so the pure functions get them as Python strings directly; in a
Parquet file they can only be invalid UTF-8 bytes, which the prepare step turns into an
`invalid` document (tested below and in tests/integration/test_bad_inputs_run.py).
"""

from __future__ import annotations

import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yayi_batch.chunk import chunk_text
from yayi_batch.chunk.rows import PrepareChunks
from yayi_batch.config import ExtractionConfig
from yayi_batch.parse import parse_output
from yayi_batch.parse.rows import ParseAnswers
from yayi_batch.prompts.build import build_prompts, detect_lang, longest_template
from yayi_batch.prompts.rows import BuildPromptRows
from yayi_batch.schema import Lang

MAX_CHUNK = 120
EXTRACTION = ExtractionConfig(tasks=["ner", "re", "ee"])
BUDGET = MAX_CHUNK + len(longest_template(EXTRACTION))  # count_tokens=len: a character is a token

_rng = random.Random(13)
HOSTILE = {
    "null": None,
    "empty": "",
    "whitespace": " \t\n\r\u3000\u00a0 ",
    "nul-bytes": "Acme\x00Corp\x00\x00hired John\x00Smith.",
    "random-latin1": bytes(_rng.randrange(256) for _ in range(4000)).decode("latin-1"),
    "control-chars": "".join(chr(c) for c in range(32)) + "Acme hired Bob.\x7f\x85\x1b[31m red \x1b[0m",
    "rtl-marks": "\u202eAcme Corp\u202c hired \u200fJohn\u200e Smith \u2067مرحبا\u2069 in Paris.",
    "emoji": "🚀 Acme 🏢 hired 👨‍👩‍👧 John Smith 🇫🇷 in Paris. " * 40,
    "mixed-scripts": "华润集团 hired Иван Петров in Αθήνα; 東京 와 서울 met in القاهرة. " * 30,
    "only-punctuation": "。。。！？!!!...,,,，，" * 50,
    "one-long-cjk": "北京" * 20_000,
    "combining": "e\u0301" * 3000 + " Zalgo: " + "a" + "\u0336\u0337\u0338" * 500,
    "json-looking": '{"人物": ["宁高宁"]} [{"relation": "x"}] ```json\n[]\n```' * 20,
    "newlines-only-text": "\n".join(["Acme."] * 2000),
}


def run_steps(ids, texts):
    docs = pa.table({"doc_id": ids, "text": pa.array(texts, pa.string()), "source_path": ["s.parquet"] * len(ids)})
    chunks = PrepareChunks(max_chunk_tokens=MAX_CHUNK, overlap_tokens=10, lang="auto", passthrough=[], count_tokens=len)(docs)
    prompts = BuildPromptRows(EXTRACTION)(chunks)
    n = prompts.num_rows
    generated = prompts.append_column("generated_text", pa.array(['{"person": ["Acme"]}'] * n, pa.string()))
    for name, value, typ in (
        ("tokens_in", 10, pa.int64()),
        ("tokens_out", 5, pa.int64()),
        ("finish_reason", "stop", pa.string()),
        ("engine_error", "", pa.string()),
    ):
        generated = generated.append_column(name, pa.array([value] * n, typ))
    answers = ParseAnswers("r1")(generated)
    return docs, chunks, prompts, answers


def check(docs, chunks, prompts, answers):
    texts = dict(zip(docs["doc_id"].to_pylist(), docs["text"].to_pylist()))
    assert set(chunks["doc_id"].to_pylist()) == set(texts)  # every document has a row
    for row in chunks.to_pylist():
        if row["chunk_text"] is None:
            assert row["doc_status"] in ("empty", "invalid")
            continue
        text = texts[row["doc_id"]]
        assert text[row["chunk_start"] : row["chunk_start"] + len(row["chunk_text"])] == row["chunk_text"]
        assert len(row["chunk_text"]) <= MAX_CHUNK
    assert all(len(p) <= BUDGET for p in prompts["prompt"].to_pylist())
    assert answers.num_rows == prompts.num_rows
    assert answers["prompt_id"].to_pylist() == prompts["prompt_id"].to_pylist()


HUGE = {
    "5MB": ("Acme Corp hired John Smith in Paris. " * 140_000)[:5_000_000],
    "5MB-no-boundary": "x" * 5_000_000,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_texts_one_by_one(name):
    check(*run_steps([name], [HOSTILE[name]]))


@pytest.mark.parametrize("name", list(HUGE))
def test_5mb_texts_chunk_into_tiles_within_the_budget(name):
    """The chunk step alone on 5 MB (chunks of 20k characters; the prompt and answer steps are
    per chunk and covered above; the whole chain on 5 MB is the slow test below)."""
    text = HUGE[name]
    docs = pa.table({"doc_id": [name], "text": [text], "source_path": ["s"]})
    chunks = PrepareChunks(max_chunk_tokens=20_000, overlap_tokens=0, lang="auto", passthrough=[], count_tokens=len)(docs)
    starts, pieces = chunks["chunk_start"].to_pylist(), chunks["chunk_text"].to_pylist()
    assert "".join(pieces) == text and starts[0] == 0
    assert all(len(p) <= 20_000 for p in pieces)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HUGE))
def test_5mb_texts_through_every_step(name):
    check(*run_steps([name], [HUGE[name]]))


def test_hostile_texts_in_one_batch_keep_count():
    docs, chunks, prompts, answers = run_steps(list(HOSTILE), list(HOSTILE.values()))
    check(docs, chunks, prompts, answers)
    placeholders = {r["doc_id"]: r["doc_status"] for r in chunks.to_pylist() if r["chunk_text"] is None}
    assert placeholders == {"null": "empty", "empty": "empty", "whitespace": "empty"}


def test_invalid_utf8_text_becomes_an_invalid_document_not_a_crash():
    raw = pa.array([b"ok text here.", b"caf\xe9", b"\xed\xa0\x80 lone surrogate, CESU-8"], pa.binary())
    text = pa.Array.from_buffers(pa.string(), len(raw), raw.buffers())  # what a non-validating writer stores
    title = pa.Array.from_buffers(pa.string(), len(raw), raw.buffers())
    docs = pa.table({"doc_id": ["a", "b", "c"], "text": text, "source_path": ["s"] * 3, "title": title})
    chunks = PrepareChunks(max_chunk_tokens=50, overlap_tokens=0, lang="auto", passthrough=["title"], count_tokens=len)(docs)
    rows = {r["doc_id"]: r for r in chunks.to_pylist()}
    assert rows["a"]["doc_status"] == "pending"
    assert rows["b"]["doc_status"] == "invalid" and rows["b"]["doc_error"] == "text not valid UTF-8 at byte 3"
    assert rows["c"]["doc_status"] == "invalid" and rows["c"]["doc_error"].startswith("text not valid UTF-8")


def test_mixed_int_and_string_ids_become_strings():
    from yayi_batch.read.dataset import as_strings  # noqa: PLC0415 - engine-side module, pure function

    a = as_strings(pa.table({"doc_id": pa.array([1, 2], pa.int32()), "text": pa.array(["x", "y"], pa.large_string())}))
    b = as_strings(pa.table({"doc_id": ["1", "z"], "text": ["x", "y"]}))
    assert a.schema == b.schema and a["doc_id"].to_pylist() == ["1", "2"]
    pa.concat_tables([a, b])  # blocks of the two shards concatenate


SURROGATES = ["\ud800", "a\udfffb", "\udc80" * 100 + "Acme hired Bob.", "北京\ud83d市"]


@pytest.mark.parametrize("text", SURROGATES)
def test_lone_surrogates_through_the_pure_functions(text):
    chunks = chunk_text(text, 20, len)
    assert "".join(c.text for c in chunks) == text or all(text[c.start : c.end] == c.text for c in chunks)
    lang = detect_lang(text)
    prompts = build_prompts(chunks[0].text, lang, EXTRACTION)
    assert len(prompts) == 3
    for task in ("ner", "re", "ee", "ee_args"):
        parse_output(task, text)
        parse_output(task, '{"人物": ["' + text + '"]}')


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    texts=st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=400),
            st.text(st.characters(codec="utf-8"), max_size=400),
            st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_property_any_texts_keep_count_and_budget(texts):
    ids = [f"d{i}" for i in range(len(texts))]
    docs, chunks, prompts, answers = run_steps(ids, texts)
    check(docs, chunks, prompts, answers)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=300), lang=st.sampled_from(list(Lang)))
def test_property_prompts_fit_for_any_chunk(text, lang):
    for c in chunk_text(text, MAX_CHUNK, len):
        assert all(len(p.prompt) <= BUDGET for p in build_prompts(c.text, lang, EXTRACTION))
