"""Rows of fake published runs for the knowledge-graph tests: two dates, Chinese and English."""

from __future__ import annotations


def _ent(doc, type_, text, match="exact", start=0, lang=None):
    grounded = match != "none"
    return {"doc_id": doc, "chunk_id": f"{doc}-c0", "type": type_, "text": text,
            "start": start if grounded else None, "end": start + len(text) if grounded else None,
            "match": match, "mention_index": 0, "in_schema": True, "lang": lang or ("zh" if doc.startswith("z") else "en")}  # fmt: skip


def _rel(doc, relation, head, tail, head_match="exact", tail_match="exact", rid=None):
    return {"doc_id": doc, "chunk_id": f"{doc}-c0", "relation_id": rid, "relation": relation,
            "head": head, "head_start": 0 if head_match != "none" else None, "head_end": len(head) if head_match != "none" else None,
            "head_match": head_match, "tail": tail, "tail_start": 10 if tail_match != "none" else None,
            "tail_end": 10 + len(tail) if tail_match != "none" else None, "tail_match": tail_match,
            "in_schema": True, "lang": "zh" if doc.startswith("z") else "en"}  # fmt: skip


def date1_rows() -> dict[str, list[dict]]:
    """2024-05-01: doc z1 (zh) and e1 (en)."""
    entities = [
        _ent("z1", "人物", "宁高宁"), _ent("z1", "机构", "中化集团", start=10), _ent("z1", "地点", "北京", start=20),
        _ent("z1", "人物", "王五", match="none"),  # ungrounded: left out by default
        _ent("e1", "person", "Ning Gaoning"), _ent("e1", "organization", "Sinochem", start=10),
        _ent("e1", "Person", "ＮＩＮＧ　GAONING", match="normalized", start=30),  # same node as "Ning Gaoning"
        _ent("e1", "location", "Sinochem", start=40),  # same text, another type: a node of its own
        _ent("e1", "organization", "Sinochem", start=50),  # organization wins the attach in e1 (2 vs 1)
    ]  # fmt: skip
    relations = [
        _rel("z1", "任职于", "宁高宁", "中化集团", rid="r-z1-1"),
        _rel("z1", "位于", "中化集团", "北京市", tail_match="normalized", rid="r-z1-2"),  # tail: untyped node
        _rel("z1", "任职于", "王五", "中化集团", head_match="none", rid="r-z1-3"),  # left out
        _rel("e1", "works for", "Ning Gaoning", "Sinochem", rid="r-e1-1"),
    ]
    events = [
        {"doc_id": "z1", "chunk_id": "z1-c0", "event_id": "ev-z1-1", "task": "ee", "event_type": "任命",
         "trigger": "任命", "trigger_start": 30, "trigger_end": 32, "trigger_match": "exact", "in_schema": True, "lang": "zh"},
        {"doc_id": "z1", "chunk_id": "z1-c0", "event_id": "ev-z1-2", "task": "ee", "event_type": "会见",
         "trigger": "拜会", "trigger_match": "none", "in_schema": True, "lang": "zh"},  # left out
    ]  # fmt: skip
    event_arguments = [
        {"doc_id": "z1", "chunk_id": "z1-c0", "event_id": "ev-z1-1", "argument_id": "a1", "role": "对象",
         "argument": "宁高宁", "start": 0, "end": 3, "match": "exact", "in_schema": True},
        {"doc_id": "z1", "chunk_id": "z1-c0", "event_id": "ev-z1-1", "argument_id": "a2", "role": "主体",
         "argument": "中化集团", "start": 10, "end": 14, "match": "exact", "in_schema": True},
        {"doc_id": "z1", "chunk_id": "z1-c0", "event_id": "ev-z1-1", "argument_id": "a3", "role": "时间",
         "argument": "昨天", "match": "none", "in_schema": True},  # left out
    ]  # fmt: skip
    return {"entities": entities, "relations": relations, "events": events, "event_arguments": event_arguments}


def date2_rows(relation: str = "works for") -> dict[str, list[dict]]:
    """2024-05-02: doc e2 mentions Ning Gaoning and Sinochem again."""
    entities = [
        _ent("e2", "person", "Ning  Gaoning"),
        _ent("e2", "organization", "SINOCHEM", start=10),
    ]
    relations = [_rel("e2", relation, "Ning  Gaoning", "SINOCHEM", rid="r-e2-1")]
    return {"entities": entities, "relations": relations}
