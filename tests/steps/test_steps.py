"""The per-batch steps, called directly on pyarrow tables (no Ray, no engine)."""

import pyarrow as pa
import pytest

from yayi_batch.config import ExtractionConfig
from yayi_batch.schema import ParseStatus, Task
from yayi_batch.steps import Columns, StepChainError, check_chain
from yayi_batch.steps.answers import ParseAnswers
from yayi_batch.steps.prepare import PrepareChunks
from yayi_batch.steps.prompt_rows import BuildPromptRows

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


def test_prepare_keeps_every_document_and_tiles_its_text():
    table = docs_table(["zh", "en", "empty", "blank", None], [ZH_DOC, EN_DOC, "", "  \n ", "orphan text"], ["a", "b", "c", "d", "e"])
    out = prepare(passthrough=["title"])(table).to_pylist()
    by_doc = {}
    for row in out:
        by_doc.setdefault(row["doc_id"], []).append(row)
    assert set(by_doc) - {k for k in by_doc if k.startswith("__missing_id__")} == {"zh", "en", "empty", "blank"}
    assert len(by_doc) == 5  # count in = count out, the id-less document included
    for doc, text in (("zh", ZH_DOC), ("en", EN_DOC)):
        rows = by_doc[doc]
        assert [r["chunk_index"] for r in rows] == list(range(len(rows)))
        assert all(r["n_chunks"] == len(rows) and len(r["chunk_text"]) <= 20 for r in rows)
        assert "".join(r["chunk_text"] for r in rows) == text
        assert all(text[r["chunk_start"]:r["chunk_start"] + len(r["chunk_text"])] == r["chunk_text"] for r in rows)
    assert by_doc["zh"][0]["lang"] == "zh" and by_doc["en"][0]["lang"] == "en"
    assert [r["doc_status"] for r in by_doc["empty"] + by_doc["blank"]] == ["empty", "empty"]
    (orphan,) = [rows for k, rows in by_doc.items() if k.startswith("__missing_id__")]
    assert orphan[0]["doc_status"] == "invalid" and "missing document id" in orphan[0]["doc_error"]
    assert "shard-0.parquet" in orphan[0]["doc_id"]
    assert by_doc["en"][0]["title"] == "b"


def test_forced_language_overrides_detection():
    (row, *_) = prepare(lang="zh", max_chunk_tokens=500)(docs_table(["en"], [EN_DOC])).to_pylist()
    assert row["lang"] == "zh"


def test_prompt_rows_are_chunk_major_and_skip_placeholders():
    chunks = prepare()(docs_table(["zh", "empty"], [ZH_DOC, ""]))
    cfg = ExtractionConfig(tasks=[Task.NER, Task.RE, Task.EE])
    rows = BuildPromptRows(cfg)(chunks).to_pylist()
    n_chunks = sum(1 for r in chunks.to_pylist() if r["chunk_text"])
    assert len(rows) == 3 * n_chunks
    assert [r["task"] for r in rows[:3]] == ["ner", "re", "ee"]
    assert len({r["chunk_id"] for r in rows[:3]}) == 1  # the tasks of one chunk are adjacent
    assert rows[0]["types"] == ["人物", "机构", "地点"]
    assert rows[0]["prompt"].startswith(f"文本: {rows[0]['chunk_text']} \n")
    # The checkpoint key: one per (chunk, task), the same on every run of the same input.
    assert len({r["prompt_id"] for r in rows}) == len(rows)
    assert [r["prompt_id"] for r in BuildPromptRows(cfg)(chunks).to_pylist()] == [r["prompt_id"] for r in rows]


def answer_rows(answers):
    """Generated rows as the generate step emits them, for one English chunk."""
    base = {"doc_id": "en", "chunk_id": "c0", "chunk_start": 100, "chunk_text": EN_DOC, "lang": "en",
            "types": [], "roles": [], "tokens_in": 50, "tokens_out": 20, "finish_reason": "stop", "engine_error": ""}
    return pa.Table.from_pylist([{**base, **a} for a in answers])


def test_answers_become_grounded_records_or_error_rows():
    batch = answer_rows(
        [
            {"task": "ner", "types": ["person", "organization"], "generated_text": '{"person": ["John Smith", "Nobody Here"], "organization": ["Acme Corp"]}'},
            {"task": "re", "generated_text": "[{'relation': 'works for', 'head': 'John Smith', 'tail': 'Acme Corp'}]"},
            {"task": "ee", "generated_text": '[{"trigger": "attended", "type": "meeting", "arguments": {"place": "Beijing"}}]'},
            {"task": "ner", "generated_text": "I cannot help with that."},
            {"task": "ner", "generated_text": "", "engine_error": "ValueError: prompt too long", "tokens_out": 0},
            {"task": "ner", "generated_text": "{}"},
        ]
    )
    out = ParseAnswers("run-1")(batch)
    assert out.num_rows == 6  # one row per answer, whatever happened to it
    statuses = out.column("status").to_pylist()
    assert statuses[0] == ParseStatus.OK.value
    assert statuses[1] == ParseStatus.REPAIRED.value
    assert statuses[3] == ParseStatus.INVALID.value
    assert statuses[4] == "engine_error"
    assert statuses[5] == ParseStatus.EMPTY.value
    entities = out.column("entities").to_pylist()[0]
    smith = next(e for e in entities if e["text"] == "John Smith")
    assert smith["match"] == "exact" and EN_DOC[smith["start"] - 100:smith["end"] - 100] == "John Smith"
    nobody = next(e for e in entities if e["text"] == "Nobody Here")
    assert nobody["match"] == "none" and nobody["start"] is None
    (rel,) = out.column("relations").to_pylist()[1]
    assert (rel["head_start"], rel["tail_start"]) == (100 + EN_DOC.index("John Smith"), 100 + EN_DOC.index("Acme Corp"))
    (event,) = out.column("events").to_pylist()[2]
    (arg,) = out.column("event_arguments").to_pylist()[2]
    assert event["trigger_start"] == 100 + EN_DOC.index("attended") and arg["event_id"] == event["event_id"]
    errors = [e for row in out.column("errors").to_pylist() for e in row]
    kinds = sorted(e["kind"] for e in errors)
    assert kinds == ["engine_error", "invalid", "repaired"]
    invalid = next(e for e in errors if e["kind"] == "invalid")
    assert invalid["raw_output"] == "I cannot help with that." and invalid["stage"] == "parse"


def test_ids_are_stable_across_runs_of_the_same_input():
    batch = answer_rows([{"task": "ner", "generated_text": '{"person": ["John Smith"]}'}])
    a = ParseAnswers("run-a")(batch).column("entities").to_pylist()[0][0]
    b = ParseAnswers("run-b")(batch).column("entities").to_pylist()[0][0]
    assert a["entity_id"] == b["entity_id"] and a["run_id"] != b["run_id"]


def test_step_chain_check_names_the_missing_column():
    check_chain(("a",), [("one", Columns(("a",), ("b",))), ("two", Columns(("a", "b"), ()))])
    with pytest.raises(StepChainError, match=r"step two needs \['c'\]"):
        check_chain(("a",), [("one", Columns(("a",), ("b",))), ("two", Columns(("c",), ()))])


def test_rows_that_failed_in_the_engine_keep_their_place():
    """ray.data.llm's error rows skip the postprocess: only `__inference_error__` says what happened."""
    row = {"doc_id": "en", "chunk_id": "c0", "chunk_start": 0, "chunk_text": EN_DOC, "lang": "en", "task": "ner",
           "types": ["person"], "roles": [], "generated_text": "", "__inference_error__": "VLLMValidationError: bad schema"}
    out = ParseAnswers("r")(pa.Table.from_pylist([row])).to_pylist()[0]
    assert out["status"] == "engine_error" and out["tokens_out"] == 0
    (error,) = out["errors"]
    assert error["stage"] == "generate" and "bad schema" in error["message"]
