"""Passages: consecutive sentences of one document joined, offsets shifted, lengths drawn."""

from __future__ import annotations

import random

from yayi_batch.labelled.join import join
from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.schema import Lang
from yayi_batch.tune.passages import passages


def zh(i, text, group="d"):
    return LabelledText(
        f"s:{i}",
        "s",
        Lang.ZH,
        text,
        (Mention("LOC", "北京", text.index("北京"), text.index("北京") + 2),),
        (Relation("r", "北京", "京"),),
        (Event("到", "t", ()),),
        group=group,
    )


def test_join_shifts_offsets_and_unites_labels():
    a, b = zh(0, "他到北京。"), zh(1, "标题北京")
    p = join([a, b, zh(2, "北京好")])
    assert p.text == "他到北京。标题北京。北京好"  # a title without a full stop gets one
    assert p.id == "s:0+2" and p.group == "d"
    p.check()
    assert [m.start for m in p.entities] == [2, 7, 10]
    assert p.relations == (Relation("r", "北京", "京"),)  # the same triple once
    assert len(p.events) == 3
    en = [LabelledText(f"e:{i}", "e", Lang.EN, "Go to Oslo.", (Mention("LOC", "Oslo", 6, 10),), None, None) for i in range(2)]
    p = join(en)
    assert p.text == "Go to Oslo. Go to Oslo." and p.entities[1].start == 18 and p.relations is None
    p.check()


def test_passages_stay_within_a_document_and_the_length():
    texts = [zh(i, "他到北京。" * 3, group=f"d{i // 5}") for i in range(20)]
    out = list(passages(texts, random.Random(1), max_chars=40, max_sentences=3, single_share=0.3))
    covered = []
    for p in out:
        first, _, more = p.id.partition("+")
        start = int(first.split(":")[1])
        indices = list(range(start, start + 1 + int(more or 0)))
        covered += indices
        p.check()
        assert len(p.text) <= 40 or len(indices) == 1
        assert len({texts[i].group for i in indices}) == 1
    assert covered == list(range(20))  # every sentence once, in order
    again = list(passages(texts, random.Random(1), max_chars=40, max_sentences=3, single_share=0.3))
    assert [p.id for p in again] == [p.id for p in out]  # seeded


def test_single_share_one_gives_sentences():
    texts = [zh(i, "他到北京。") for i in range(10)]
    assert [p.id for p in passages(texts, random.Random(0), max_chars=400, max_sentences=4, single_share=1.0)] == [t.id for t in texts]
