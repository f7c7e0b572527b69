"""Prompt rows: chunk rows -> one row per (chunk, task), called on pyarrow tables."""

from yayi_batch.config import ExtractionConfig
from yayi_batch.prompts.rows import BuildPromptRows
from yayi_batch.schema import Task
from yayi_batch.testing.rows import ZH_DOC, docs_table, prepare


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
