"""Generated news passages with entities, relations and events, in both languages. Pure module.

A passage is one to three template sentences sharing one draw of names (so "{o1}" is the same
company in every sentence), sometimes with a sentence that names nothing. The labels come from
the templates, so the answer is right by construction, every trigger is a word of the text, and
every relation and event type is one of the sample schema's (config.py `_default_zh/_en`).
A passage of filler sentences only is a negative: every task's answer is empty.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from yayi_batch.labelled.records import Event, LabelledText, Mention, Relation
from yayi_batch.schema import Lang
from yayi_batch.tune import news_pools as N

ENTITY_SLOTS = {"p": ("person", "人物"), "o": ("organization", "机构"), "l": ("location", "地点")}


@dataclass(frozen=True)
class Template:
    text: str
    relations: tuple[tuple[str, str, str], ...] = ()  # (relation, head slot, tail slot)
    events: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()  # (type, trigger, ((role, slot), ...))


def T(text: str, relations=(), events=()) -> Template:  # noqa: N802 - a table of templates reads better
    return Template(text, tuple(relations), tuple((t, trig, tuple(args.items())) for t, trig, args in events))


EN = (
    T(
        "{o1}, a {i} company based in {l1}, said on {d} it would acquire {o2} for {m}.",
        [("located in", "o1", "l1"), ("acquired", "o1", "o2")],
        [("acquisition", "acquire", {"time": "d", "agent": "o1", "target": "o2", "amount": "m"})],
    ),
    T(
        "{o1} has agreed to buy {o2}, the {l1}-based {i} firm, in a deal valued at {m}.",
        [("acquired", "o1", "o2"), ("located in", "o2", "l1")],
        [("acquisition", "buy", {"agent": "o1", "target": "o2", "amount": "m"})],
    ),
    T(
        "{p1}, chief executive of {o1}, said the takeover of {o2} would be completed by {d}.",
        [("works for", "p1", "o1"), ("acquired", "o1", "o2")],
        [("acquisition", "takeover", {"time": "d", "agent": "o1", "target": "o2"})],
    ),
    T(
        "{o1} raised {m} in a funding round led by {o2}, the company said on {d}.",
        [("invested in", "o2", "o1")],
        [("investment", "raised", {"time": "d", "agent": "o2", "target": "o1", "amount": "m"})],
    ),
    T(
        "{o2} invested {m} in {o1}, a {i} startup in {l1}.",
        [("invested in", "o2", "o1"), ("located in", "o1", "l1")],
        [("investment", "invested", {"agent": "o2", "target": "o1", "amount": "m"})],
    ),
    T(
        "{p1} met {p2}, the president of {o1}, in {l1} on {d} to discuss the project.",
        [("works for", "p2", "o1")],
        [("meeting", "met", {"time": "d", "place": "l1", "agent": "p1", "target": "p2"})],
    ),
    T(
        "{o1} appointed {p1} as chief financial officer on {d}.",
        [("works for", "p1", "o1")],
        [("appointment", "appointed", {"time": "d", "agent": "o1", "target": "p1"})],
    ),
    T(
        "{o1} named {p1} its new chairman, effective {d}.",
        [("works for", "p1", "o1")],
        [("appointment", "named", {"time": "d", "agent": "o1", "target": "p1"})],
    ),
    T(
        "{o1} hired {p1}, a former executive at {o2}, to run its office in {l1}.",
        [("works for", "p1", "o1"), ("works for", "p1", "o2"), ("located in", "o1", "l1")],
        [("appointment", "hired", {"agent": "o1", "target": "p1"})],
    ),
    T(
        "{o1} sued {o2} in a court in {l1} on {d} over unpaid royalties.",
        [],
        [("lawsuit", "sued", {"time": "d", "place": "l1", "agent": "o1", "target": "o2"})],
    ),
    T(
        "{o1} filed a lawsuit against {o2}, accusing the {i} group of copying its designs.",
        [],
        [("lawsuit", "lawsuit", {"agent": "o1", "target": "o2"})],
    ),
    T(
        "{o1} unveiled {x} at an event in {l1} on {d}.",
        [],
        [("launch", "unveiled", {"time": "d", "place": "l1", "agent": "o1", "target": "x"})],
    ),
    T(
        "On {d}, {o1} launched {x}, its first product for the {i} market.",
        [],
        [("launch", "launched", {"time": "d", "agent": "o1", "target": "x"})],
    ),
    T("{p1} founded {o1} in {l1} a decade ago.", [("founded", "p1", "o1"), ("located in", "o1", "l1")]),
    T("{o1} was founded by {p1} and {p2}, two former engineers.", [("founded", "p1", "o1"), ("founded", "p2", "o1")]),
    T("{p1}, a spokesperson for {o1}, told reporters in {l1} that talks were continuing.", [("works for", "p1", "o1")]),
    T("{o1} is headquartered in {l1} and employs about 2,000 people.", [("located in", "o1", "l1")]),
    T("The new plant in {l1}, {l2}, will start production next year.", [("located in", "l1", "l2")]),
    T("{p1} visited {l1} with officials from {o1} and {o2}."),
    T("Analysts at {o1} said demand in {l1} remained weak."),
)

ZH = (
    T(
        "{o1}{d}发布公告，拟以{m}收购{o2}全部股权。",
        [("收购", "o1", "o2")],
        [("收购", "收购", {"时间": "d", "主体": "o1", "对象": "o2", "金额": "m"})],
    ),
    T(
        "总部位于{l1}的{o1}宣布并购{o2}，交易金额为{m}。",
        [("位于", "o1", "l1"), ("收购", "o1", "o2")],
        [("收购", "并购", {"主体": "o1", "对象": "o2", "金额": "m"})],
    ),
    T("{o1}完成{m}融资，本轮由{o2}领投。", [("投资", "o2", "o1")], [("投资", "融资", {"主体": "o2", "对象": "o1", "金额": "m"})]),
    T(
        "{o2}{d}向{l1}的{o1}投资{m}。",
        [("投资", "o2", "o1"), ("位于", "o1", "l1")],
        [("投资", "投资", {"时间": "d", "主体": "o2", "对象": "o1", "金额": "m"})],
    ),
    T(
        "{p1}{d}在{l1}会见了{o1}董事长{p2}。",
        [("任职于", "p2", "o1")],
        [("会见", "会见", {"时间": "d", "地点": "l1", "主体": "p1", "对象": "p2"})],
    ),
    T("{o1}{d}宣布聘任{p1}为公司总经理。", [("任职于", "p1", "o1")], [("任命", "聘任", {"时间": "d", "主体": "o1", "对象": "p1"})]),
    T(
        "{d}，{p1}出任{o1}副总裁，负责{l1}地区业务。",
        [("任职于", "p1", "o1")],
        [("任命", "出任", {"时间": "d", "主体": "o1", "对象": "p1"})],
    ),
    T("{o1}任命{p1}为首席技术官。", [("任职于", "p1", "o1")], [("任命", "任命", {"主体": "o1", "对象": "p1"})]),
    T("{o1}{d}在{l1}起诉{o2}侵犯其专利权。", [], [("诉讼", "起诉", {"时间": "d", "地点": "l1", "主体": "o1", "对象": "o2"})]),
    T("{o2}被{o1}告上法庭，案件将在{l1}审理。", [], [("诉讼", "告上法庭", {"地点": "l1", "主体": "o1", "对象": "o2"})]),
    T("{o1}{d}在{l1}发布了新一代{x}。", [], [("发布", "发布", {"时间": "d", "地点": "l1", "主体": "o1", "对象": "x"})]),
    T("{o1}推出了首款{x}，{d}起正式上市。", [], [("发布", "推出", {"时间": "d", "主体": "o1", "对象": "x"})]),
    T("{p1}于十年前在{l1}创立了{o1}。", [("创立", "p1", "o1"), ("位于", "o1", "l1")]),
    T("{o1}由{p1}和{p2}共同创办，总部设在{l1}。", [("创立", "p1", "o1"), ("创立", "p2", "o1"), ("位于", "o1", "l1")]),
    T("{o1}董事长{p1}表示，公司将继续加大研发投入。", [("任职于", "p1", "o1")]),
    T("{o1}位于{l1}，现有员工两千余人。", [("位于", "o1", "l1")]),
    T("新工厂建在{l2}{l1}，预计明年投产。", [("位于", "l1", "l2")]),
    T("{p1}率{o1}和{o2}的代表团访问了{l1}。"),
    T("{o1}的分析师认为，{l1}市场需求依然疲软。"),
)

FILLER = {
    Lang.EN: (
        "Shares rose 4 percent in early trading.",
        "The deal is subject to regulatory approval.",
        "Analysts expect demand to recover next year.",
        "Heavy rain delayed shipping across the region.",
        "The company did not disclose further details.",
        "Prices for raw materials have eased since spring.",
        "Officials said the review would take several months.",
        "Sales grew faster than expected in the quarter.",
    ),
    Lang.ZH: (
        "分析人士认为，该行业仍处于快速增长期。",
        "本次交易尚需监管部门批准。",
        "当天股市小幅上涨。",
        "业内人士表示，市场需求有望回暖。",
        "公司未披露更多细节。",
        "原材料价格自春季以来有所回落。",
        "有关部门表示，审查将持续数月。",
        "本季度销售额增长快于预期。",
    ),
}

_SLOT = re.compile(r"\{([a-z]\d?)\}")


def _pools(lang: Lang) -> dict[str, tuple[str, ...]]:
    if lang is Lang.EN:
        return {
            "p": tuple(f"{a} {b}" for a in N.EN_FIRST for b in N.EN_LAST),
            "o": tuple(f"{a} {b}" for a in N.EN_ORG_HEAD for b in N.EN_ORG_TAIL),
            "l": N.EN_PLACES,
            "d": N.EN_DATES,
            "m": N.EN_AMOUNTS,
            "x": N.EN_PRODUCTS,
            "i": N.EN_INDUSTRY,
        }
    return {
        "p": tuple(a + b for a in N.ZH_SURNAME for b in N.ZH_GIVEN),
        "o": tuple(a + b for a in N.ZH_ORG_HEAD for b in N.ZH_ORG_TAIL),
        "l": N.ZH_PLACES,
        "d": N.ZH_DATES,
        "m": N.ZH_AMOUNTS,
        "x": N.ZH_PRODUCTS,
        "i": ("",),
    }


def _draw(slots: set[str], lang: Lang, rng: random.Random) -> dict[str, str]:
    """One value per slot; slots of one kind get different values (o1 != o2)."""
    pools, out, used = _pools(lang), {}, set()
    for slot in sorted(slots):
        while True:
            value = rng.choice(pools[slot[0]])
            if value not in used or slot[0] in "dmix":
                break
        used.add(value)
        out[slot] = value
    return out


def passage(lang: Lang, rng: random.Random, n_id: int, *, negative: bool = False) -> LabelledText:
    """A news passage with its labels; `negative`: filler sentences only, nothing to find."""
    sep = " " if lang is Lang.EN else ""
    if negative:
        sentences = rng.sample(FILLER[lang], rng.randint(1, 3))
        return LabelledText(f"news-{lang.value}:{n_id}", f"news-{lang.value}", lang, sep.join(sentences), (), (), ())
    templates = rng.sample(EN if lang is Lang.EN else ZH, rng.randint(1, 3))
    values = _draw({s for t in templates for s in _SLOT.findall(t.text)}, lang, rng)
    parts: list[Template | str] = list(templates)
    if rng.random() < 0.4:
        parts.insert(rng.randint(0, len(parts)), rng.choice(FILLER[lang]))
    text, mentions, relations, events = "", [], [], []
    for part in parts:
        if text:
            text += sep
        if isinstance(part, str):
            text += part
            continue
        pos = 0
        for m in _SLOT.finditer(part.text):
            text += part.text[pos : m.start()]
            slot, value = m.group(1), values[m.group(1)]
            if slot[0] in ENTITY_SLOTS:
                kind = ENTITY_SLOTS[slot[0]][0 if lang is Lang.EN else 1]
                mentions.append(Mention(kind, value, len(text), len(text) + len(value)))
            text += value
            pos = m.end()
        text += part.text[pos:]
        relations += [Relation(rel, values[h], values[t]) for rel, h, t in part.relations]
        events += [Event(trig, etype, tuple((role, values[s]) for role, s in args)) for etype, trig, args in part.events]
    # Event(trigger, type, ...): the table above lists (type, trigger, args)
    return LabelledText(
        f"news-{lang.value}:{n_id}", f"news-{lang.value}", lang, text, tuple(mentions), tuple(dict.fromkeys(relations)), tuple(events)
    )


def generate(lang: Lang, n: int, seed: int, negative_share: float = 0.1, source: str | None = None) -> Iterator[LabelledText]:
    """`n` passages; each is its own document (a passage is never joined to the next)."""
    rng = random.Random(f"{seed}-{lang.value}")
    for i in range(n):
        t = passage(lang, rng, i, negative=rng.random() < negative_share)
        name = source or t.source
        yield replace(t, id=f"{name}:{i}", source=name, group=f"{name}:{i}")
