"""Every template pinned to the exact string YAYI-UIE was tuned on (../shared/yayi-formats.md)."""

import pytest

from yayi_batch.config import ExtractionConfig, LangSchema
from yayi_batch.prompts import build_prompts, detect_lang, templates
from yayi_batch.prompts.templates import TEMPLATES_VERSION, VERSION_DIGESTS, templates_digest
from yayi_batch.schema import Lang, Task

ZH = LangSchema(
    entity_types=["人物", "机构", "地点"],
    relation_types=["注资", "拥有", "纠纷", "增持"],
    event_types=["类型1", "类型2"],
    event_roles=["时间", "地点", "会见主体", "会见对象"],
)
EN = LangSchema(
    entity_types=["person", "organization", "location"],
    relation_types=["country of administrative divisions", "place of birth", "location contains"],
    event_types=[],
    event_roles=["seller", "place", "beneficiary", "buyer"],
)

PINNED = {
    (Lang.ZH, Task.NER): "文本: T \n【实体抽取】抽取文本中可能存在的实体，并以json{人物/机构/地点：[实体]}格式输出。\n答案：",
    (
        Lang.ZH,
        Task.RE,
    ): "文本: T \n【关系抽取】已知关系列表是[注资,拥有,纠纷,增持]。根据关系列表抽取关系三元组，按照json[{'relation':'', 'head':'', 'tail':''}, ]的格式输出。\n答案：",
    (
        Lang.ZH,
        Task.EE,
    ): "文本: T \n【事件抽取】给定的事件类型列表是[类型1,类型2]，论元角色列表是[时间,地点,会见主体,会见对象]。根据事件类型列表和论元角色列表从给定的输入中抽取可能的事件。请以json[{'trigger':'', 'type':'', 'arguments': {角色:论元}},]的格式回答。\n答案：",
    (
        Lang.ZH,
        Task.EE_ARGS,
    ): "文本: T \n已知论元角色列表是[时间，地点，会见主体，会见对象]，请根据论元角色列表从给定的输入中抽取可能的论元，以json{角色:论元}格式输出。\n答案：",
    (
        Lang.EN,
        Task.NER,
    ): "Text: T \nFrom the given text, extract all the entities and types. Please format the answer in json {person/organization/location：[entities]}.",
    (
        Lang.EN,
        Task.RE,
    ): "Text: T \nFrom the given text, extract the possible head entities (subjects) and tail entities (objects) and give the corresponding relation triples.The relations are [country of administrative divisions,place of birth,location contains]. Output the result in json[{'relation':'', 'head':'', 'tail':''}, ].",
    (
        Lang.EN,
        Task.EE,
    ): "Text: T \nExtract possible events from the text and answer in JSON [{trigger:'', type:'', arguments:{role:name}},].",
    (
        Lang.EN,
        Task.EE_ARGS,
    ): "Text: T \nGiven the text and the role list [seller, place, beneficiary, buyer], identify event arguments and roles, provide your answer in the format of json{role:name}.",
}


@pytest.mark.parametrize("lang, task", list(PINNED), ids=[f"{lang.value}-{task.value}" for lang, task in PINNED])
def test_template_is_pinned(lang, task):
    cfg = ExtractionConfig(tasks=[task], zh=ZH, en=EN)
    (prompt,) = build_prompts("T", lang, cfg)
    assert prompt.prompt == PINNED[(lang, task)]


def test_version_is_tied_to_the_template_text():
    """A changed template string without a new version (and its digest) fails here."""
    assert VERSION_DIGESTS[TEMPLATES_VERSION] == templates_digest(), (
        "a template changed: add a new TEMPLATES_VERSION with this digest to VERSION_DIGESTS"
    )
    assert len(set(VERSION_DIGESTS.values())) == len(VERSION_DIGESTS)  # each version its own text


def test_digest_sees_a_changed_template(monkeypatch):
    before = templates_digest()
    monkeypatch.setattr(templates, "NER_EN", templates.NER_EN + " ")
    assert templates_digest() != before


def test_open_relation_prompt_and_typed_english_events():
    zh_open = ZH.model_copy(update={"relation_types": []})
    (re_zh,) = build_prompts("T", Lang.ZH, ExtractionConfig(tasks=[Task.RE], zh=zh_open, en=EN))
    assert re_zh.prompt == "文本: T \n抽取文本中可能存在的关系，并以json[{'关系':'', '头实体':'', '尾实体':''}, ]格式输出。\n答案："
    en_typed = EN.model_copy(update={"event_types": ["acquisition"], "event_roles": ["buyer"]})
    (ee_en,) = build_prompts("T", Lang.EN, ExtractionConfig(tasks=[Task.EE], zh=ZH, en=en_typed))
    assert ee_en.prompt.endswith(" The event types are [acquisition] and the roles are [buyer].")
    assert ee_en.types == ("acquisition",) and ee_en.roles == ("buyer",)


def test_prompts_of_a_chunk_share_the_text_prefix_and_keep_config_order():
    cfg = ExtractionConfig(tasks=[Task.EE, Task.NER, Task.RE], zh=ZH, en=EN)
    prompts = build_prompts("宁高宁出席了论坛。", Lang.ZH, cfg)
    assert [p.task for p in prompts] == [Task.EE, Task.NER, Task.RE]
    assert all(p.prompt.startswith("文本: 宁高宁出席了论坛。 \n") for p in prompts)


def test_answer_cue_can_be_switched_off():
    cfg = ExtractionConfig(tasks=[Task.NER], zh=ZH, en=EN, answer_cue=False)
    assert not build_prompts("T", Lang.ZH, cfg)[0].prompt.endswith("答案：")


@pytest.mark.parametrize(
    "text, lang",
    [
        ("宁高宁出席了2023年APEC工商领导人中国论坛。", Lang.ZH),
        ("The APEC forum opened in Beijing on Tuesday.", Lang.EN),
        ("Huawei 华为 announced results", Lang.EN),
        ("", Lang.EN),
        ("12345 !!!", Lang.EN),
        ("北京", Lang.ZH),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) is lang
