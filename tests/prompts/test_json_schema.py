"""Guided-decoding schemas are bounded (else the JSON never closes) and match YAYI's shapes."""

import json

from yayi_batch.parse import parse_output
from yayi_batch.prompts.json_schema import answer_schema
from yayi_batch.schema import ParseStatus, Task


def test_every_schema_is_bounded():
    for task in Task:
        schema = answer_schema(task, ["人物", "地点"], ["时间"], max_items=3, max_chars=20)
        text = json.dumps(schema, ensure_ascii=False)
        assert '"maxLength": 20' in text
        if task is not Task.EE_ARGS:
            assert '"maxItems": 3' in text


def test_answers_in_the_schema_shapes_parse_ok():
    answers = {
        Task.NER: '{"人物": ["宁高宁"], "地点": ["北京"]}',
        Task.RE: '[{"relation": "出席", "head": "宁高宁", "tail": "论坛"}]',
        Task.EE: '[{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日"}}]',
        Task.EE_ARGS: '{"时间": "17日"}',
    }
    for task, text in answers.items():
        result = parse_output(task, text)
        assert result.status is ParseStatus.OK, (task, result)
        assert result.records
