"""The YAYI-UIE prompt strings, exactly as the model was tuned on them (../shared/yayi-formats.md).

Text first, instruction after. Every template is pinned by a test, and the version is tied to
the text: `templates_digest()` hashes every template string, and `VERSION_DIGESTS` records the
digest of each version. Change a template without adding a new version (and its digest) and
tests/prompts/test_templates.py fails. The version is part of the config fingerprint, so output
of other templates is never reused. Pure module.
"""

from __future__ import annotations

import hashlib
import sys

TEMPLATES_VERSION = "yayi-uie-v1"
# Every version there has been, with the digest of its template strings: never edit a line,
# add one (and bump TEMPLATES_VERSION) when a template changes.
VERSION_DIGESTS = {
    "yayi-uie-v1": "21e13b6f4e7ef220",
}

# The text block: ASCII colon and space, a space before the newline.
TEXT_ZH = "文本: {text} \n"
TEXT_EN = "Text: {text} \n"

# Training rows end with a full-width colon cue; the README examples omit it.
ANSWER_CUE_ZH = "\n答案："

# Chinese. Type lists inside json{...} are joined with "/", relation lists with ",".
NER_ZH = "【实体抽取】抽取文本中可能存在的实体，并以json{{{types}：[实体]}}格式输出。"
RE_ZH = (
    "【关系抽取】已知关系列表是[{relations}]。根据关系列表抽取关系三元组，按照json[{{'relation':'', 'head':'', 'tail':''}}, ]的格式输出。"
)
RE_OPEN_ZH = "抽取文本中可能存在的关系，并以json[{{'关系':'', '头实体':'', '尾实体':''}}, ]格式输出。"
EE_ZH = (
    "【事件抽取】给定的事件类型列表是[{event_types}]，论元角色列表是[{roles}]。"
    "根据事件类型列表和论元角色列表从给定的输入中抽取可能的事件。"
    "请以json[{{'trigger':'', 'type':'', 'arguments': {{角色:论元}}}},]的格式回答。"
)
# The argument-only prompt joins its role list with the full-width comma, as in the source.
EE_ARGS_ZH = "已知论元角色列表是[{roles_fw}]，请根据论元角色列表从给定的输入中抽取可能的论元，以json{{角色:论元}}格式输出。"

# English (the model README's wording, including its full-width colon and missing space).
NER_EN = "From the given text, extract all the entities and types. Please format the answer in json {{{types}：[entities]}}."
RE_EN = (
    "From the given text, extract the possible head entities (subjects) and tail entities (objects) "
    "and give the corresponding relation triples.The relations are [{relations}]. "
    "Output the result in json[{{'relation':'', 'head':'', 'tail':''}}, ]."
)
# The README's event prompt names no types; the typed variant appends the lists as one sentence.
EE_EN = "Extract possible events from the text and answer in JSON [{{trigger:'', type:'', arguments:{{role:name}}}},]."
EE_EN_TYPED = EE_EN + " The event types are [{event_types}] and the roles are [{roles}]."
EE_ARGS_EN = (
    "Given the text and the role list [{roles_en}], identify event arguments and roles, "
    "provide your answer in the format of json{{role:name}}."
)


def templates_digest() -> str:
    """A hash of every template string of this module (its upper-case str constants)."""
    module = sys.modules[__name__]
    names = sorted(n for n in vars(module) if n.isupper() and isinstance(getattr(module, n), str) and n != "TEMPLATES_VERSION")
    digest = hashlib.sha256()
    for name in names:
        digest.update(f"{name}={getattr(module, name)}\x1f".encode())
    return digest.hexdigest()[:16]
