"""Generated news: labels right by construction, schema types only, no gold names, seeded."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from yayi_batch.config import ExtractionConfig
from yayi_batch.schema import Lang
from yayi_batch.tune import news, news_pools
from yayi_batch.tune.news import generate


@pytest.mark.parametrize("lang", list(Lang))
def test_labels_match_text_and_schema(lang):
    schema = getattr(ExtractionConfig(), lang.value)
    texts = list(generate(lang, 300, seed=7))
    negatives = [t for t in texts if not t.entities]
    assert 10 <= len(negatives) <= 60  # negative_share 0.1
    for t in texts:
        t.check()  # mentions at their offsets, triggers in the text
        assert {m.type for m in t.entities} <= set(schema.entity_types)
        mentioned = {m.text for m in t.entities}
        for r in t.relations:
            assert r.relation in schema.relation_types and {r.head, r.tail} <= mentioned
        for e in t.events:
            assert e.type in schema.event_types
            assert {role for role, _ in e.arguments} <= set(schema.event_roles)
            assert all(v in t.text for _, v in e.arguments)
    for t in negatives:
        assert t.relations == () and t.events == ()


def test_every_template_is_used_and_seeded():
    a = [t.text for t in generate(Lang.EN, 200, seed=1)]
    assert a == [t.text for t in generate(Lang.EN, 200, seed=1)]
    assert a != [t.text for t in generate(Lang.EN, 200, seed=2)]
    for lang, templates in ((Lang.EN, news.EN), (Lang.ZH, news.ZH)):
        joined = "\n".join(t.text for t in generate(lang, 400, seed=3))
        for template in templates:
            literal = max(re.split(r"\{[a-z]\d?\}", template.text), key=len)  # its longest fixed part
            assert literal in joined, template.text


def test_no_pool_name_is_a_gold_entity():
    gold = resources.files("yayi_batch") / "data" / "sample_gold" / "gold.jsonl"
    names = set()
    for line in gold.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        names.update(v for k in ("text", "head", "tail", "argument", "trigger") if (v := row.get(k)))
    pools = {v for name in dir(news_pools) if name.isupper() for v in getattr(news_pools, name)}
    for lang in Lang:
        pools |= {m.text for t in generate(lang, 500, seed=5) for m in t.entities}
    assert not (pools & names)
