"""The one list of passes: its declarations checked against the real row schemas and tables, a
wrong column caught, and each stage adapter's real output matching the schema it declares."""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest

from yayi_batch.chunk import retry as retry_rows
from yayi_batch.config import ExtractionConfig, load_config
from yayi_batch.parse.rows import ParseAnswers
from yayi_batch.prompts.rows import BuildPromptRows
from yayi_batch.run.passes import PASSES, check_passes, passes
from yayi_batch.schema import Pass
from yayi_batch.schema.columns import ANSWER_ROWS, CHUNK_ROWS, GENERATED_ROWS, PROMPT_ROWS, RETRY_CHUNK_ROWS, Columns, StepChainError
from yayi_batch.testing.rows import EN_DOC, ZH_DOC, answer_rows, docs_table, prepare


def test_the_list_holds_every_pass_in_order_verify_and_publish_included():
    assert [p.name for p in PASSES] == list(Pass)
    check_passes()
    cfg = load_config(None, ["input.paths=[x]", "output.path=y", "sampling.retry_truncated=false"])
    assert [p.name for p in passes(cfg)] == [Pass.PREPARE, Pass.EXTRACT, Pass.FINALIZE, Pass.VERIFY, Pass.PUBLISH]
    check_passes(passes(cfg))


def _with_stage(pass_name: Pass, index: int, **change) -> list:
    specs = list(PASSES)
    i = next(k for k, p in enumerate(specs) if p.name is pass_name)
    stages = list(specs[i].stages)
    stages[index] = dataclasses.replace(stages[index], **change)
    specs[i] = dataclasses.replace(specs[i], stages=tuple(stages))
    return specs


@pytest.mark.parametrize(
    ("pass_name", "index", "change", "message"),
    [
        # a stage that declares it adds a column its output rows do not have
        (Pass.EXTRACT, 1, {"columns": Columns(needs=("doc_id",), adds=("answers",))}, r"declares it adds \['answers'\]"),
        # a stage that needs a column its input rows lack
        (Pass.PREPARE, 1, {"columns": Columns(needs=("chunk_text", "title_text"), adds=())}, r"needs \['title_text'\]"),
        # consecutive stages that disagree on their rows
        (
            Pass.EXTRACT,
            1,
            {"reads": pa.schema([*GENERATED_ROWS, pa.field("score", pa.float64())])},
            r"reads \['score'\], which generate does not write",
        ),
    ],
)
def test_a_wrong_declaration_fails_the_check(pass_name, index, change, message):
    with pytest.raises(StepChainError, match=message):
        check_passes(_with_stage(pass_name, index, **change))


def test_a_pass_reading_what_no_earlier_pass_writes_fails_the_check():
    specs = [p for p in PASSES if p.name is not Pass.PREPARE]
    with pytest.raises(StepChainError, match=r"pass extract reads \['prompts'\]"):
        check_passes(specs)


def test_the_adapters_write_exactly_the_rows_they_declare():
    chunks = prepare()(docs_table(["zh", "en"], [ZH_DOC, EN_DOC]))
    assert chunks.schema.equals(CHUNK_ROWS)
    prompts = BuildPromptRows(ExtractionConfig())(chunks)
    assert prompts.schema.equals(PROMPT_ROWS)
    answers = ParseAnswers("run")(answer_rows([{"task": "ner", "prompt_id": "p", "generated_text": "{}"}]))
    assert answers.schema.equals(ANSWER_ROWS)
    keys = pa.table({"chunk_id": [chunks["chunk_id"][0].as_py()], "task": ["ner"]})
    halves = retry_rows.half_chunks(chunks, keys)
    assert halves.schema.equals(RETRY_CHUNK_ROWS) and halves.num_rows == 2
