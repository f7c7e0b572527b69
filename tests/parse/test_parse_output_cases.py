"""Table of real-looking YAYI-UIE answers -> exact status, records and reason parts."""

from __future__ import annotations

import pytest

from yayi_batch.parse import parse_output
from yayi_batch.schema import ArgumentRecord as A
from yayi_batch.schema import EntityRecord as E
from yayi_batch.schema import EventRecord as EV
from yayi_batch.schema import ParseStatus, Task
from yayi_batch.schema import RelationRecord as R

OK, REP, TRUNC, EMPTY, INV = (ParseStatus.OK, ParseStatus.REPAIRED, ParseStatus.TRUNCATED, ParseStatus.EMPTY, ParseStatus.INVALID)
NER_T = {"types": ["人物", "机构", "地点"]}
ZH_PROMPT_NER = "文本: 宁高宁出席论坛。 \n【实体抽取】抽取文本中可能存在的实体，并以json{人物/机构/地点：[实体]}格式输出。\n答案："
ZH_PROMPT_RE = (
    "文本: 宁高宁出席论坛。 \n【关系抽取】已知关系列表是[出席,会见]。根据关系列表抽取关系三元组，"
    "按照json[{'relation':'', 'head':'', 'tail':''}, ]的格式输出。\n答案："
)
ZH_PROMPT_EE = (
    "文本: 宁高宁出席论坛。 \n【事件抽取】给定的事件类型列表是[会见]，论元角色列表是[时间,地点]。"
    "请以json[{'trigger':'', 'type':'', 'arguments': {角色:论元}},]的格式回答。\n答案："
)
EN_PROMPT_RE = (
    "Text: Gaoning Gao attended the forum. \nFrom the given text, extract the possible head "
    "entities (subjects) and tail entities (objects) and give the corresponding relation "
    "triples.The relations are [Attend]. Output the result in json[{'relation':'', 'head':'', "
    "'tail':''}, ]."
)
N = E("人物", "宁高宁")
EV_MEET = EV("会见", "出席", (A("时间", "17日"), A("地点", "北京")))

CASES = [
    # --- NER ------------------------------------------------------------------------------
    (
        "ner_strict_zh",
        "ner",
        '{"人物": ["宁高宁"], "机构": ["APEC中国工商理事会"], "地点": ["中国", "北京"]}',
        NER_T,
        OK,
        [N, E("机构", "APEC中国工商理事会"), E("地点", "中国"), E("地点", "北京")],
        [],
    ),
    (
        "ner_strict_medical",
        "ner",
        '{"身体部位": ["右侧胸"], "治疗": ["消炎药", "脑细胞代谢药物"]}',
        {},
        OK,
        [E("身体部位", "右侧胸"), E("治疗", "消炎药"), E("治疗", "脑细胞代谢药物")],
        [],
    ),
    ("ner_out_of_schema_kept", "ner", '{"人物": ["宁高宁"], "职位": ["董事长"]}', NER_T, OK, [N, E("职位", "董事长", False)], []),
    ("ner_schema_compare_trimmed", "ner", '{" 人物 ": ["宁高宁"]}', {"types": ["人物 "]}, OK, [N], []),
    ("ner_str_value", "ner", '{"人物": "宁高宁"}', NER_T, OK, [N], []),
    (
        "ner_strict_en",
        "ner",
        '{"person": ["Gaoning Gao"], "organization": ["APEC China Business Council"]}',
        {"types": ["person", "organization", "location"]},
        OK,
        [E("person", "Gaoning Gao"), E("organization", "APEC China Business Council")],
        [],
    ),
    ("ner_single_quotes", "ner", "{'人物': ['宁高宁'], '地点': ['北京']}", NER_T, REP, [N, E("地点", "北京")], ["single_quotes"]),
    ("ner_fullwidth_quotes_and_punct", "ner", "{“人物”：[“宁高宁”，“张三”]}", NER_T, REP, [N, E("人物", "张三")], ["fullwidth_punct"]),
    ("ner_fullwidth_colon_comma", "ner", '{"人物"：["宁高宁"]，"地点"：["北京"]}', NER_T, REP, [N, E("地点", "北京")], ["fullwidth_punct"]),
    ("ner_fullwidth_brackets", "ner", '{"人物"：【"宁高宁"，"张三"】}', NER_T, REP, [N, E("人物", "张三")], ["fullwidth_punct"]),
    (
        "ner_content_comma_strict",
        "ner",
        '{"机构": ["中信，集团"], "作品": ["“一带一路”倡议"]}',
        {},
        OK,
        [E("机构", "中信，集团"), E("作品", "“一带一路”倡议")],
        [],
    ),
    (
        "ner_content_punct_survives_repair",
        "ner",
        "{'机构': ['中信，集团'], '人物': ['“老宁”：宁高宁']}",
        {},
        REP,
        [E("机构", "中信，集团"), E("人物", "“老宁”：宁高宁")],
        ["single_quotes"],
    ),
    ("ner_trailing_commas", "ner", '{"人物": ["宁高宁", ], }', NER_T, REP, [N], ["trailing_comma"]),
    ("ner_code_fence", "ner", '```json\n{"人物": ["宁高宁"]}\n```', NER_T, REP, [N], ["code_fence"]),
    ("ner_code_fence_no_lang", "ner", '```\n{"人物": ["宁高宁"]}\n```', NER_T, REP, [N], ["code_fence"]),
    ("ner_code_fence_unclosed", "ner", '```json\n{"人物": ["宁高宁"]}', NER_T, REP, [N], ["code_fence"]),
    ("ner_answer_prefix_fullwidth", "ner", '答案：{"人物": ["宁高宁"]}', NER_T, REP, [N], ["answer_prefix"]),
    ("ner_answer_prefix_ascii", "ner", '答案: {"人物": ["宁高宁"]}', NER_T, REP, [N], ["answer_prefix"]),
    ("ner_answer_prefix_en", "ner", 'Answer: {"person": ["Gaoning Gao"]}', {}, REP, [E("person", "Gaoning Gao")], ["answer_prefix"]),
    ("ner_echoed_prompt_zh", "ner", ZH_PROMPT_NER + '{"人物": ["宁高宁"]}', NER_T, REP, [N], ["answer_prefix"]),
    (
        "ner_echoed_prompt_en_no_marker",
        "ner",
        "Text: Gaoning Gao spoke. \nFrom the given text, extract all the entities and types. Please format "
        'the answer in json {person/organization/location：[entities]}.\n{"person": ["Gaoning Gao"]}',
        {},
        REP,
        [E("person", "Gaoning Gao")],
        ["leading_text"],
    ),
    ("ner_json_prefix", "ner", 'json{"人物": ["宁高宁"]}', NER_T, REP, [N], ["json_prefix"]),
    ("ner_trailing_explanation", "ner", '{"人物": ["宁高宁"]}\n以上是文本中的全部实体。', NER_T, REP, [N], ["trailing_text"]),
    ("ner_truncated_zh", "ner", '{"人物": ["宁高宁", "张三"], "机构": ["APEC中', NER_T, TRUNC, [N, E("人物", "张三")], ["truncated"]),
    ("ner_truncated_after_key", "ner", '{"人物": ["宁高宁"], "机构"', NER_T, TRUNC, [N], ["truncated"]),
    ("ner_truncated_in_first_string", "ner", '{"人物": ["宁高', NER_T, TRUNC, [], ["truncated", "no_complete_record"]),
    (
        "ner_truncated_python_style",
        "ner",
        "{'人物': ['宁高宁', '张三'], '地点': ['北",
        NER_T,
        TRUNC,
        [N, E("人物", "张三")],
        ["truncated", "single_quotes"],
    ),
    ("ner_list_of_dicts", "ner", '[{"人物": ["宁高宁"]}, {"地点": ["北京"]}]', NER_T, OK, [N, E("地点", "北京")], []),
    (
        "ner_entity_objects",
        "ner",
        '[{"type": "人物", "text": "宁高宁"}, {"type": "地点", "entity": "北京"}]',
        NER_T,
        OK,
        [N, E("地点", "北京")],
        [],
    ),
    (
        "ner_list_of_strings_wrong_shape",
        "ner",
        '["宁高宁", "北京"]',
        NER_T,
        INV,
        [],
        ["wrong_shape: expected dict for ner, got list of str"],
    ),
    ("ner_dedupe", "ner", '{"地点": ["北京", "北京", " 北京 "], "人物": ["宁高宁"]}', NER_T, OK, [E("地点", "北京"), N], []),
    ("ner_skip_empty_and_null", "ner", '{"人物": ["", null, "宁高宁"], "机构": []}', NER_T, OK, [N], []),
    ("ner_skip_nothing_found_values", "ner", '{"人物": ["无"], "机构": "NAN", "地点": "北京"}', NER_T, OK, [E("地点", "北京")], []),
    ("ner_numbers_to_str", "ner", '{"时间": [2023, "17日"]}', {}, OK, [E("时间", "2023"), E("时间", "17日")], []),
    ("ner_python_none", "ner", "{'人物': ['宁高宁'], '机构': None}", NER_T, REP, [N], ["single_quotes", "python_literal"]),
    ("ner_unquoted_keys", "ner", '{人物: ["宁高宁"]}', NER_T, REP, [N], ["json_repair"]),
    ("ner_inner_quotes", "ner", '{"作品": ["他说"你好""]}', {}, REP, [E("作品", '他说"你好"')], ["inner_quotes"]),
    ("ner_unicode_escapes", "ner", '{"\\u4eba\\u7269": ["\\u5b81\\u9ad8\\u5b81"]}', NER_T, OK, [N], []),
    ("ner_special_tokens", "ner", '{"人物": ["宁高宁"]}<reserved_14></s>', NER_T, REP, [N], ["special_tokens"]),
    ("ner_nul_byte_in_value", "ner", '{"人物": ["宁\x00高宁"]}', {}, REP, [E("人物", "宁\x00高宁")], ["control_chars"]),
    ("ner_lone_surrogate", "ner", '{"人物": ["\ud800宁"]}', {}, OK, [E("人物", "\ud800宁")], []),
    ("ner_mixed_quotes_fullwidth_open", "ner", '{“人物": [“宁高宁"]}', NER_T, REP, [N], ["fullwidth_punct"]),
    ("ner_mixed_quotes_fullwidth_close", "ner", '{"人物”: ["宁高宁”]}', NER_T, REP, [N], ["mixed_quotes"]),
    ("ner_nested_junk", "ner", '{"人物": {"name": {"x": "宁高宁"}}}', NER_T, INV, [], ["wrong_shape"]),
    ("ner_all_lists_empty", "ner", '{"人物": [], "机构": []}', NER_T, EMPTY, [], ["no_records"]),
    ("ner_prose", "ner", "文本中没有提到任何人物。", NER_T, INV, [], ["not_json"]),
    ("ner_too_deep", "ner", "[" * 500, NER_T, INV, [], ["too_deep"]),
    ("ner_too_large", "ner", '{"人物": ["' + "宁" * 70_000, NER_T, INV, [], ["too_large"]),
    ("ner_json_string_sentinel", "ner", '"无"', NER_T, EMPTY, [], ["empty_answer"]),
    ("ner_task_enum", Task.NER, '{"人物": ["宁高宁"]}', NER_T, OK, [N], []),
    # --- empty answers ------------------------------------------------------------------------
    ("empty_braces", "ner", "{}", {}, EMPTY, [], ["empty_answer"]),
    ("empty_brackets", "re", "[]", {}, EMPTY, [], ["empty_answer"]),
    ("empty_quotes", "ner", '""', {}, EMPTY, [], ["empty_answer"]),
    ("empty_wu", "ner", "无", {}, EMPTY, [], ["empty_answer"]),
    ("empty_wu_full_stop", "re", "无。", {}, EMPTY, [], ["empty_answer"]),
    ("empty_nan", "ee", "NAN", {}, EMPTY, [], ["empty_answer"]),
    ("empty_python_none", "ee_args", "None", {}, EMPTY, [], ["empty_answer"]),
    ("empty_null", "re", "null", {}, EMPTY, [], ["empty_answer"]),
    ("empty_blank", "ner", "  \n\t ", {}, EMPTY, [], ["empty_answer: blank"]),
    ("empty_none_text", "ner", None, {}, EMPTY, [], ["empty_answer: no text"]),
    ("empty_fenced", "ner", "```json\n{}\n```", {}, EMPTY, [], ["code_fence"]),
    ("empty_after_echo", "ee", ZH_PROMPT_EE + "无", {}, EMPTY, [], ["answer_prefix"]),
    # --- RE -----------------------------------------------------------------------------------
    (
        "re_strict_zh",
        "re",
        '[{"关系": "出席", "头实体": "宁高宁", "尾实体": "APEC工商领导人中国论坛"}]',
        {"types": ["出席"]},
        OK,
        [R("出席", "宁高宁", "APEC工商领导人中国论坛")],
        [],
    ),
    (
        "re_strict_en",
        "re",
        '[{"relation": "Attend", "head": "Gaoning Gao", "tail": "the APEC Business Leaders\' Forum"}]',
        {"types": ["Attend"]},
        OK,
        [R("Attend", "Gaoning Gao", "the APEC Business Leaders' Forum")],
        [],
    ),
    (
        "re_out_of_schema",
        "re",
        '[{"关系": "任职", "头实体": "宁高宁", "尾实体": "中化"}]',
        {"types": ["出席"]},
        OK,
        [R("任职", "宁高宁", "中化", False)],
        [],
    ),
    ("re_single_dict", "re", '{"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"}', {}, OK, [R("出席", "宁高宁", "论坛")], []),
    (
        "re_python_repr_apostrophe",
        "re",
        "[{'relation': 'Attend', 'head': 'Gaoning Gao', 'tail': \"the APEC Business Leaders' Forum\"}]",
        {},
        REP,
        [R("Attend", "Gaoning Gao", "the APEC Business Leaders' Forum")],
        ["single_quotes"],
    ),
    (
        "re_apostrophe_in_single_quotes",
        "re",
        "[{'relation': 'Attend', 'head': 'Gaoning Gao', 'tail': 'the APEC Business Leaders' Forum'}]",
        {},
        REP,
        [R("Attend", "Gaoning Gao", "the APEC Business Leaders' Forum")],
        ["single_quotes"],
    ),
    (
        "re_truncated_zh",
        "re",
        '[{"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"}, {"关系": "会见", "头实体": "宁高宁", "尾实体": "张三"}, '
        '{"关系": "会见", "头实体": "宁',
        {},
        TRUNC,
        [R("出席", "宁高宁", "论坛"), R("会见", "宁高宁", "张三")],
        ["truncated", "dropped_partial:1"],
    ),
    (
        "re_truncated_fields_complete",
        "re",
        '[{"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"',
        {},
        TRUNC,
        [R("出席", "宁高宁", "论坛")],
        ["truncated"],
    ),
    (
        "re_truncated_nothing_complete",
        "re",
        '[{"关系": "出席", "头实体": "宁高',
        {},
        TRUNC,
        [],
        ["truncated", "dropped_partial:1", "no_complete_record"],
    ),
    (
        "re_echoed_prompt_marker",
        "re",
        ZH_PROMPT_RE + '[{"relation": "出席", "head": "宁高宁", "tail": "论坛"}]',
        {},
        REP,
        [R("出席", "宁高宁", "论坛")],
        ["answer_prefix"],
    ),
    (
        "re_echoed_prompt_en_no_marker",
        "re",
        EN_PROMPT_RE + "[{'relation': 'Attend', 'head': 'Gaoning Gao', 'tail': 'the forum'}]",
        {},
        REP,
        [R("Attend", "Gaoning Gao", "the forum")],
        ["leading_text", "single_quotes"],
    ),
    (
        "re_subject_object_keys",
        "re",
        '[{"predicate": "出席", "subject": "宁高宁", "object": "论坛"}]',
        {},
        OK,
        [R("出席", "宁高宁", "论坛")],
        [],
    ),
    (
        "re_mixed_key_languages",
        "re",
        '[{"relation": "出席", "头实体": "宁高宁", "Tail": "论坛"}]',
        {},
        OK,
        [R("出席", "宁高宁", "论坛")],
        [],
    ),
    (
        "re_list_values_expand",
        "re",
        '[{"关系": "出席", "头实体": ["宁高宁", "张三"], "尾实体": "论坛"}]',
        {},
        OK,
        [R("出席", "宁高宁", "论坛"), R("出席", "张三", "论坛")],
        [],
    ),
    (
        "re_missing_tail_skipped",
        "re",
        '[{"关系": "出席", "头实体": "宁高宁"}, {"关系": "会见", "头实体": "宁高宁", "尾实体": "张三"}]',
        {},
        REP,
        [R("会见", "宁高宁", "张三")],
        ["skipped_malformed:1"],
    ),
    (
        "re_ner_shape",
        "re",
        '{"人物": ["宁高宁"]}',
        {},
        INV,
        [],
        ["wrong_shape: expected list of {relation, head, tail} for re, got dict with keys [人物]"],
    ),
    ("re_list_of_strings", "re", '["宁高宁", "出席", "论坛"]', {}, INV, [], ["wrong_shape", "list of str"]),
    (
        "re_template_values_empty",
        "re",
        "[{'relation':'', 'head':'', 'tail':''}, ]",
        {},
        EMPTY,
        [],
        ["no_records", "single_quotes", "trailing_comma"],
    ),
    (
        "re_fenced_fullwidth",
        "re",
        "```json\n[{“关系”：“出席”，“头实体”：“宁高宁”，“尾实体”：“论坛”}]\n```",
        {},
        REP,
        [R("出席", "宁高宁", "论坛")],
        ["code_fence", "fullwidth_punct"],
    ),
    (
        "re_dedupe",
        "re",
        '[{"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"}, {"关系": "出席", "头实体": "宁高宁", "尾实体": "论坛"}]',
        {},
        OK,
        [R("出席", "宁高宁", "论坛")],
        [],
    ),
    # --- EE (events) ----------------------------------------------------------------------------
    (
        "ee_strict_en",
        "ee",
        '[{"trigger": "attended", "type": "Meet", "arguments": {"participant": "Gaoning Gao", "place": ["Beijing"]}}]',
        {"types": ["Meet"], "roles": ["participant", "place"]},
        OK,
        [EV("Meet", "attended", (A("participant", "Gaoning Gao"), A("place", "Beijing")))],
        [],
    ),
    (
        "ee_zh_keys",
        "ee",
        '[{"触发词": "出席", "事件类型": "会见", "论元": {"时间": "17日", "地点": "北京"}}]',
        {"types": ["会见"], "roles": ["时间", "地点"]},
        OK,
        [EV_MEET],
        [],
    ),
    (
        "ee_argument_objects",
        "ee",
        '[{"trigger": "出席", "type": "会见", "arguments": [{"role": "时间", "argument": "17日"}, {"角色": "地点", "论元": "北京"}]}]',
        {},
        OK,
        [EV_MEET],
        [],
    ),
    (
        "ee_out_of_schema",
        "ee",
        '[{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日", "会见对象": "张三"}}]',
        {"types": ["辞职"], "roles": ["时间"]},
        OK,
        [EV("会见", "出席", (A("时间", "17日"), A("会见对象", "张三", False)), False)],
        [],
    ),
    (
        "ee_truncated_zh",
        "ee",
        '[{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日", "地点": "北京"}}, '
        '{"trigger": "会见", "type": "会见", "arguments": {"时间": "1',
        {},
        TRUNC,
        [EV_MEET],
        ["truncated", "dropped_partial:1"],
    ),
    (
        "ee_truncated_arguments_closed",
        "ee",
        '[{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日", "地点": "北京"}',
        {},
        TRUNC,
        [EV_MEET],
        ["truncated"],
    ),
    (
        "ee_python_literal",
        "ee",
        "[{'trigger': '出席', 'type': '会见', 'arguments': {'时间': '17日', '地点': '北京'}},]",
        {},
        REP,
        [EV_MEET],
        ["single_quotes", "trailing_comma"],
    ),
    ("ee_no_arguments", "ee", '[{"trigger": "出席", "type": "会见"}]', {}, OK, [EV("会见", "出席")], []),
    (
        "ee_list_values",
        "ee",
        '[{"trigger": "会见", "type": "会见", "arguments": {"参与者": ["宁高宁", "张三"]}}]',
        {},
        OK,
        [EV("会见", "会见", (A("参与者", "宁高宁"), A("参与者", "张三")))],
        [],
    ),
    ("ee_roles_dict_wrong_shape", "ee", '{"时间": "17日", "地点": "北京"}', {}, INV, [], ["wrong_shape"]),
    (
        "ee_echoed_prompt",
        "ee",
        ZH_PROMPT_EE + '[{"trigger": "出席", "type": "会见", "arguments": {"时间": "17日", "地点": "北京"}}]',
        {},
        REP,
        [EV_MEET],
        ["answer_prefix"],
    ),
    # --- EE arguments only ----------------------------------------------------------------------
    (
        "ee_args_strict_zh",
        "ee_args",
        '{"时间": "17日", "地点": "北京"}',
        {"roles": ["时间", "地点"]},
        OK,
        [EV(None, None, (A("时间", "17日"), A("地点", "北京")))],
        [],
    ),
    (
        "ee_args_out_of_schema_role",
        "ee_args",
        '{"时间": "17日", "会见对象": "张三"}',
        {"roles": ["时间"]},
        OK,
        [EV(None, None, (A("时间", "17日"), A("会见对象", "张三", False)))],
        [],
    ),
    (
        "ee_args_seen_output",
        "ee_args",
        '[{"活动": "2023年APEC工商领导人中国论坛", "时间": "17日", "地点": "北京", "出席人": "宁高宁"}]',
        {},
        OK,
        [EV(None, None, (A("活动", "2023年APEC工商领导人中国论坛"), A("时间", "17日"), A("地点", "北京"), A("出席人", "宁高宁")))],
        [],
    ),
    (
        "ee_args_list_of_dicts",
        "ee_args",
        '[{"时间": "17日"}, {"时间": "18日"}]',
        {},
        OK,
        [EV(None, None, (A("时间", "17日"),)), EV(None, None, (A("时间", "18日"),))],
        [],
    ),
    (
        "ee_args_en_python",
        "ee_args",
        "{'seller': 'Tom', 'place': 'Paris', 'buyer': None}",
        {},
        REP,
        [EV(None, None, (A("seller", "Tom"), A("place", "Paris")))],
        ["single_quotes", "python_literal"],
    ),
    ("ee_args_truncated", "ee_args", '{"时间": "17日", "地点": "北', {}, TRUNC, [EV(None, None, (A("时间", "17日"),))], ["truncated"]),
    (
        "ee_args_role_argument_pairs",
        "ee_args",
        '[{"role": "时间", "argument": "17日"}, {"role": "地点", "argument": "北京"}]',
        {},
        OK,
        [EV(None, None, (A("时间", "17日"), A("地点", "北京")))],
        [],
    ),
    ("ee_args_nothing_found_values", "ee_args", '{"时间": "无", "地点": "NAN", "人物": ""}', {}, EMPTY, [], ["no_records"]),
    (
        "ee_args_list_values",
        "ee_args",
        '{"参与者": ["宁高宁", "张三"]}',
        {},
        OK,
        [EV(None, None, (A("参与者", "宁高宁"), A("参与者", "张三")))],
        [],
    ),
    ("ee_args_json_string", "ee_args", '"17日"', {}, INV, [], ["wrong_shape", "got str"]),
    (
        "ee_args_fullwidth",
        "ee_args",
        "{‘时间’：‘17日’，‘地点’：‘北京’}",
        {},
        REP,
        [EV(None, None, (A("时间", "17日"), A("地点", "北京")))],
        ["fullwidth_punct"],
    ),
    (
        "ee_args_echoed_prompt_en",
        "ee_args",
        "Text: Tom sold the house in Paris. \nGiven the text and the role list [seller, place, beneficiary, buyer], "
        "identify event arguments and roles, provide your answer in the format of json{role:name}.\n"
        '{"seller": "Tom", "place": "Paris"}',
        {"roles": ["seller", "place", "beneficiary", "buyer"]},
        REP,
        [EV(None, None, (A("seller", "Tom"), A("place", "Paris")))],
        ["leading_text"],
    ),
    # --- misc -----------------------------------------------------------------------------------
    ("unknown_task", "sentiment", '{"人物": ["宁高宁"]}', {}, INV, [], ["unknown_task"]),
]


@pytest.mark.parametrize(
    ("task", "text", "kwargs", "status", "records", "reason_parts"), [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_parse_output_case(task, text, kwargs, status, records, reason_parts):
    result = parse_output(task, text, **kwargs)
    assert (result.status, result.records) == (status, records), result.reason
    if status is ParseStatus.OK:
        assert result.reason is None
    else:
        assert result.reason
        for part in reason_parts:
            assert part in result.reason


def test_case_table_is_large_and_named_uniquely():
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names)) >= 60
