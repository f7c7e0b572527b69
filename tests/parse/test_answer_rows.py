"""Answer rows: generated rows -> grounded records or error rows, called on pyarrow tables."""

import pyarrow as pa

from yayi_batch.parse.rows import ParseAnswers
from yayi_batch.schema import ParseStatus
from yayi_batch.testing.rows import EN_DOC, answer_rows


def test_answers_become_grounded_records_or_error_rows():
    batch = answer_rows(
        [
            {
                "task": "ner",
                "types": ["person", "organization"],
                "generated_text": '{"person": ["John Smith", "Nobody Here"], "organization": ["Acme Corp"]}',
            },
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
    assert smith["match"] == "exact" and EN_DOC[smith["start"] - 100 : smith["end"] - 100] == "John Smith"
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


def test_rows_that_failed_in_the_engine_keep_their_place():
    """ray.data.llm's error rows skip the postprocess: only `__inference_error__` says what happened."""
    row = {
        "doc_id": "en",
        "chunk_id": "c0",
        "chunk_start": 0,
        "chunk_text": EN_DOC,
        "lang": "en",
        "task": "ner",
        "types": ["person"],
        "roles": [],
        "generated_text": "",
        "__inference_error__": "VLLMValidationError: bad schema",
    }
    out = ParseAnswers("r")(pa.Table.from_pylist([row])).to_pylist()[0]
    assert out["status"] == "engine_error" and out["tokens_out"] == 0
    (error,) = out["errors"]
    assert error["stage"] == "generate" and "bad schema" in error["message"]
