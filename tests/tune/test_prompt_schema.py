"""Schema sampling: the prompt asks for a varying sample of the corpus's labels in their names,
and the answer holds exactly the asked-for labels of the text."""

from __future__ import annotations

import json
import random

import pytest

from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.labelled.spec import CorpusSpec, label_inventory
from yayi_batch.parse import parse_output
from yayi_batch.schema import Lang, Task
from yayi_batch.tune.prompt_schema import Inventory, SchemaSampling, sample_schema, whole_schema
from yayi_batch.tune.render import render_pair

SPEC = CorpusSpec(
    name="c",
    format="conll04",
    entities={"PER": ["person", "people"], "ORG": "organization", "LOC": "location", "MISC": "misc"},
    relations={"Work_For": ["works for", "employed by"], "Live_In": "lives in"},
)
TEXT = LabelledText(
    "c:1",
    "c",
    Lang.EN,
    "Ann works for Acme in Oslo",
    (Mention("PER", "Ann", 0, 3), Mention("ORG", "Acme", 14, 18)),
    (Relation("Work_For", "Ann", "Acme"),),
)
INV = Inventory.of(
    label_inventory([TEXT, LabelledText("c:2", "c", Lang.EN, "Oslo", (Mention("LOC", "Oslo", 0, 4),), (Relation("Live_In", "x", "y"),))]),
    SPEC,
)


def test_inventory_keeps_the_config_order_then_frequency():
    assert INV.entities == ("PER", "ORG", "LOC", "MISC") and INV.relations == ("Work_For", "Live_In")


@pytest.mark.parametrize("task", [Task.NER, Task.RE])
def test_answers_hold_exactly_the_asked_labels(task):
    s = SchemaSampling(whole_schema_share=0.2, drop_present=0.2, max_absent=2)
    seen_lists, seen_names = set(), set()
    for seed in range(200):
        ps = sample_schema(TEXT, task, SPEC, INV, random.Random(seed), s)
        pair = render_pair(TEXT, task, ps)
        answer = json.loads(pair.answer)
        listed = ps.schema.entity_types if task is Task.NER else ps.schema.relation_types
        seen_lists.add(tuple(listed))
        if task is Task.NER:
            want = {ps.name("entities", m.type): [m.text] for m in TEXT.entities if ps.name("entities", m.type)}
            assert answer == want and set(answer) <= set(listed)
            seen_names |= set(listed)
        else:
            name = ps.name("relations", "Work_For")
            assert answer == ([{"relation": name, "head": "Ann", "tail": "Acme"}] if name else [])
        assert listed and len(set(listed)) == len(listed)
        assert ", ".join(listed) in pair.prompt.replace(",", ", ") or "/".join(listed) in pair.prompt
        parse_output(pair.answer, task.value)  # the job's parser reads every training answer
    assert len(seen_lists) > (10 if task is Task.NER else 5)  # the schema varies: order, absent labels, names
    if task is Task.NER:
        assert {"people", "person"} <= seen_names  # every name of a label is drawn


def test_whole_schema_is_canonical_in_config_order():
    ps = sample_schema(TEXT, Task.NER, SPEC, INV, random.Random(0), SchemaSampling(whole_schema_share=1.0))
    assert ps.schema.entity_types == ["person", "organization", "location", "misc"]
    assert whole_schema(SPEC, INV, 12).schema.relation_types == ["works for", "lives in"]


def test_event_roles_follow_the_chosen_types():
    spec = CorpusSpec(name="e", format="duee")
    texts = [
        LabelledText("e:1", "e", Lang.ZH, "华瑞裁员300人", None, None, (Event("裁员", "裁员", (("裁员方", "华瑞"), ("人数", "300人"))),)),
        LabelledText("e:2", "e", Lang.ZH, "他们结婚了", None, None, (Event("结婚", "结婚", (("结婚双方", "他们"),)),)),
    ]
    inv = Inventory.of(label_inventory(texts), spec)
    for seed in range(50):
        ps = sample_schema(texts[0], Task.EE, spec, inv, random.Random(seed), SchemaSampling(drop_present=0.0))
        assert "裁员" in ps.schema.event_types
        assert {"裁员方", "人数"} <= set(ps.schema.event_roles)
        assert ("结婚双方" in ps.schema.event_roles) == ("结婚" in ps.schema.event_types)
        answer = json.loads(render_pair(texts[0], Task.EE, ps).answer)
        assert answer == [{"trigger": "裁员", "type": "裁员", "arguments": {"裁员方": "华瑞", "人数": "300人"}}]


def test_a_role_with_several_values_is_a_list():
    spec = CorpusSpec(name="e", format="duee")
    t = LabelledText("e:1", "e", Lang.ZH, "甲乙结婚", None, None, (Event("结婚", "结婚", (("结婚双方", "甲"), ("结婚双方", "乙"))),))
    ps = whole_schema(spec, Inventory.of(label_inventory([t]), spec), 12)
    assert json.loads(render_pair(t, Task.EE, ps).answer)[0]["arguments"] == {"结婚双方": ["甲", "乙"]}
