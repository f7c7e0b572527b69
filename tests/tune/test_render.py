"""Training pairs: the job's prompt, the YAYI answer shapes, and labels outside the schema."""

from __future__ import annotations

import json

import pytest

from yayi_batch.config import ExtractionConfig
from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.parse import parse_output
from yayi_batch.prompts.build import build_prompts
from yayi_batch.schema import Lang, Task
from yayi_batch.tune.render import TypeOutsideSchema, render

ZH = LabelledText(
    "t:1",
    "t",
    Lang.ZH,
    "张三在北京的华瑞集团任职。张三",
    (Mention("人物", "张三", 0, 2), Mention("地点", "北京", 3, 5), Mention("机构", "华瑞集团", 6, 10), Mention("人物", "张三", 13, 15)),
    (Relation("任职于", "张三", "华瑞集团"),),
    (Event("任职", "任命", (("对象", "张三"), ("主体", "华瑞集团"))),),
)
EN_NEG = LabelledText("t:2", "t", Lang.EN, "Shares rose.", (), (), ())
MSRA_LIKE = LabelledText("t:3", "t", Lang.ZH, "他来了。", ())

CASES = [
    (ZH, Task.NER, {"人物": ["张三"], "机构": ["华瑞集团"], "地点": ["北京"]}),  # prompt type order, each mention once
    (ZH, Task.RE, [{"relation": "任职于", "head": "张三", "tail": "华瑞集团"}]),
    (ZH, Task.EE, [{"trigger": "任职", "type": "任命", "arguments": {"对象": "张三", "主体": "华瑞集团"}}]),
    (EN_NEG, Task.NER, {}),
    (EN_NEG, Task.RE, []),
    (EN_NEG, Task.EE, []),
    (MSRA_LIKE, Task.NER, {}),
]


@pytest.mark.parametrize(("text", "task", "expected"), CASES)
def test_answers(text, task, expected):
    pairs = {p.task: p for p in render(text, ExtractionConfig())}
    assert json.loads(pairs[task].answer) == expected
    assert pairs[task].answer == json.dumps(expected, ensure_ascii=False)  # strict JSON, as YAYI's targets
    job_prompt = {p.task: p.prompt for p in build_prompts(text.text, text.lang, ExtractionConfig())}[task]
    assert pairs[task].prompt == job_prompt


def test_only_annotated_tasks_are_rendered():
    assert [p.task for p in render(MSRA_LIKE, ExtractionConfig())] == [Task.NER]
    assert [p.task for p in render(ZH, ExtractionConfig(tasks=[Task.NER, Task.EE]))] == [Task.NER, Task.EE]


def test_labels_outside_the_config_schema_are_left_out_of_the_answer():
    t = LabelledText(
        "b:1", "t", Lang.ZH, "张三来了", (Mention("PER", "张三", 0, 2),), (Relation("朋友", "张三", "李四"),), (Event("来", "到访", ()),)
    )
    answers = {p.task: p.answer for p in render(t, ExtractionConfig())}
    assert answers == {Task.NER: "{}", Task.RE: "[]", Task.EE: "[]"}


def test_a_name_missing_from_the_prompt_list_is_an_error():
    from yayi_batch.config import LangSchema
    from yayi_batch.tune.prompt_schema import PromptSchema
    from yayi_batch.tune.render import render_pair

    ps = PromptSchema(LangSchema(entity_types=["人物"]), {"entities": {"PER": "人名"}})
    with pytest.raises(TypeOutsideSchema, match="b:1"):
        render_pair(LabelledText("b:1", "t", Lang.ZH, "张三", (Mention("PER", "张三", 0, 2),)), Task.NER, ps)


def test_the_jobs_parser_reads_every_answer():
    for text, task, _ in CASES:
        pair = {p.task: p for p in render(text, ExtractionConfig())}[task]
        parsed = parse_output(task, pair.answer)
        assert parsed.status.value in ("ok", "empty")
