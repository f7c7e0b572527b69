"""Corpus specs: names per label, canonical names, labels left out, the label inventory."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.labelled.spec import CorpusSpec, canonical_text, label_inventory
from yayi_batch.schema import Lang, Task

TEXT = LabelledText(
    "t:1",
    "t",
    Lang.EN,
    "Ann met Bob in Oslo",
    (Mention("PER", "Ann", 0, 3), Mention("MISC", "Oslo", 15, 19)),
    (Relation("Kill", "Ann", "Bob"),),
    (Event("met", "Meet", (("Agent", "Ann"), ("Place", "Oslo"))),),
)


def test_names_canonical_and_only_named():
    spec = CorpusSpec(name="c", format="conll04", entities={"PER": "person", "ORG": ["organization", "company"]})
    assert spec.entities == {"PER": ["person"], "ORG": ["organization", "company"]}  # one name is a list of one
    assert spec.names("entities", "MISC") == ["MISC"] and spec.canonical("entities", "ORG") == "organization"
    strict = spec.model_copy(update={"only_named": True})
    assert strict.names("entities", "MISC") is None


def test_canonical_text_renames_drops_and_keeps_only_asked_tasks():
    spec = CorpusSpec(name="c", format="conll04", only_named=True, entities={"PER": "person"}, relations={"Kill": "killed"})
    t = canonical_text(TEXT, spec)
    assert [(m.type, m.text) for m in t.entities] == [("person", "Ann")]  # MISC has no name: left out
    assert [r.relation for r in t.relations] == ["killed"]
    assert t.events is None  # conll04 annotates ner and re: events are not scored
    spec = CorpusSpec(name="c", format="wikievents", events={"Meet": "meeting"}, roles={"Agent": "agent"}, tasks=[Task.EE])
    t = canonical_text(TEXT, spec)
    assert t.entities is None and t.relations is None
    assert t.events == (Event("met", "meeting", (("agent", "Ann"), ("Place", "Oslo"))),)


@pytest.mark.parametrize("bad", [{"format": "csv"}, {"entities": {"PER": []}}, {"entities": {"PER": [""]}}, {"nope": 1}])
def test_bad_specs_name_the_field(bad):
    with pytest.raises(ValidationError):
        CorpusSpec.model_validate({"name": "c", "format": "conll", **bad})


def test_inventory_counts_labels_and_roles_per_event_type():
    inv = label_inventory([TEXT, TEXT])
    assert inv["entities"] == {"PER": 2, "MISC": 2} and inv["relations"] == {"Kill": 2}
    assert inv["events"] == {"Meet": 2} and inv["roles"] == {"Meet\x1fAgent": 2, "Meet\x1fPlace": 2}
