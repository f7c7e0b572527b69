"""`--type-map`: parsing (inline and files), its errors, and renaming/dropping gold types."""

from __future__ import annotations

import polars as pl
import pytest

from yayi_batch.evaluation.gold import normalize
from yayi_batch.evaluation.type_map import TypeMapError, apply_type_map, parse_type_map

PER_LOC = {"PER": "人物", "LOC": "地点"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("PER=人物,LOC=地点", PER_LOC),
        (" PER = 人物 ,  LOC=地点 , ", PER_LOC),  # whitespace stripped, trailing comma ignored
        ("PER＝人物，LOC＝地点", PER_LOC),  # full-width = and , as Chinese input methods type them
        ("PER=人物，LOC=地点", PER_LOC),  # mixed widths
        ("geo-loc=location,other=-", {"geo-loc": "location", "other": "-"}),  # '-' drops
        ("a=b=c", {"a": "b=c"}),  # split on the first '=' only
        ("PER=人物,PER=人物", {"PER": "人物"}),  # the same entry twice agrees with itself
    ],
)
def test_parse_inline(spec, expected):
    assert parse_type_map(spec) == expected


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("map.json", '{"PER": "人物", "LOC": "地点"}', PER_LOC),
        ("map.json", '{"other": "-"}', {"other": "-"}),
        ("map.yaml", "PER: 人物\nLOC: 地点\n", PER_LOC),
        # YAML 1.1 would read NO and ON as booleans; a type map keeps them as written
        ("map.yml", 'NO: 挪威\nON: 安大略\nother: "-"\n', {"NO": "挪威", "ON": "安大略", "other": "-"}),
        ("map.txt", "{PER: 人物, LOC: 地点}", PER_LOC),  # any other extension is read as YAML
        ("map.csv", "gold,prompt\nPER,人物\n\n# comment\nLOC , 地点\n", PER_LOC),
        ("map.tsv", "PER\t人物\nLOC\t地点\n", PER_LOC),
    ],
)
def test_parse_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert parse_type_map(str(path)) == expected


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("", "empty type map"),
        ("   ", "empty type map"),
        (",，", "has no entries"),
        ("PER", r"entry 'PER' has no '='"),
        ("PER=人物,LOC", r"entry 'LOC' has no '='"),
        ("no/such/file.json", r"'no/such/file.json' has no '='.*existing file"),
        ("=人物", r"entry '=人物': empty gold type"),
        ("PER=", r"entry 'PER=': empty prompt type"),
        ("PER= ", r"entry 'PER=': empty prompt type"),
        ("PER=人物,PER=person", r"'PER' is mapped twice, to '人物' and to 'person'"),
    ],
)
def test_parse_inline_errors(spec, match):
    with pytest.raises(TypeMapError, match=match):
        parse_type_map(spec)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("m.json", '[["PER", "人物"]]', "not a JSON object of strings to strings"),
        ("m.json", '{"PER": ["人物"]}', "not a JSON object of strings to strings"),
        ("m.json", '{"PER": 1}', "not a JSON object of strings to strings"),
        ("m.json", '{"PER": {"a": "b"}}', "not a JSON object of strings to strings"),
        ("m.json", '{"PER": "人物", "PER": "person"}', "'PER' is mapped twice"),
        ("m.json", '{"": "人物"}', "empty gold type"),
        ("m.json", "{PER: 人物}", "not JSON"),
        ("m.json", "{}", "has no entries"),
        ("m.yaml", "- PER\n- 人物\n", "not a mapping of strings to strings"),
        ("m.yaml", "PER: [人物]\n", "not a mapping of strings to strings"),
        ("m.yaml", "PER: 人物\nPER: person\n", "'PER' is mapped twice"),
        ("m.yaml", "PER:\n", "entry 'PER': empty prompt type"),
        ("m.yaml", "other: -\n", 'not YAML.*other: "-"'),  # the unquoted dash is a YAML list item
        ("m.yaml", "", "not a mapping"),
        ("m.csv", "PER,人物,extra\n", r"m\.csv:1: expected two columns"),
        ("m.tsv", "PER\t人物\nLOC\t\n", r"m\.tsv:2: empty prompt type"),
    ],
)
def test_parse_file_errors(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TypeMapError, match=match) as info:
        parse_type_map(str(path))
    assert str(path) in str(info.value)  # the message names the file
    assert isinstance(info.value, ValueError)  # the CLI turns ValueErrors into exit code 2


def _gold(rows):
    return normalize(pl.DataFrame(rows, infer_schema_length=None))


def _key(row):  # None sorts first, without comparing None to str
    return tuple(("", "") if v is None else ("~", v) for v in row)


def _rows(df, cols):
    return sorted((tuple(r[c] for c in cols) for r in df.iter_rows(named=True)), key=_key)


NER = [
    {"doc_id": "d1", "task": "ner", "type": "PER", "text": "Li"},
    {"doc_id": "d1", "task": "ner", "type": "LOC", "text": "Rome"},
    {"doc_id": "d1", "task": "ner", "type": "MISC", "text": "Euro"},
    {"doc_id": "d2", "task": "ner", "type": "other", "text": "x", "dataset": "wnut"},  # d2 has only `other`
]
RE = [
    {"doc_id": "d1", "task": "re", "relation": "works_for", "head": "Li", "tail": "ACME", "head_type": "PER", "tail_type": "ORG"},
    {"doc_id": "d1", "task": "re", "relation": "lives_in", "head": "Li", "tail": "Rome", "head_type": "PER", "tail_type": "LOC"},
]  # fmt: skip
EE = [
    {"doc_id": "d1", "task": "ee", "event_type": "Meet", "trigger": "met"},
    {"doc_id": "d1", "task": "ee", "event_type": "Meet", "trigger": "met", "role": "Entity", "argument": "Li"},
    {"doc_id": "d1", "task": "ee", "event_type": "Meet", "trigger": "met", "role": "Place", "argument": "Rome"},
    {"doc_id": "d1", "task": "ee", "event_type": "Die", "trigger": "died"},
    {"doc_id": "d1", "task": "ee", "event_type": "Die", "trigger": "died", "role": "Victim", "argument": "Wang"},
]


@pytest.mark.parametrize(
    ("rows", "mapping", "cols", "expected", "report"),
    [
        pytest.param(  # NER: types renamed, MISC unmapped (kept as is), ORG unused
            NER[:3], {"PER": "人物", "LOC": "地点", "ORG": "机构"}, ("type", "text"),
            [("MISC", "Euro"), ("人物", "Li"), ("地点", "Rome")],
            (0, ["MISC"], ["ORG"]), id="ner",
        ),
        pytest.param(  # NER drop: d1's `other`-free rows stay; d2 keeps one empty row so it is still scored
            NER, {"PER": "人物", "LOC": "地点", "MISC": "-", "other": "-"}, ("doc_id", "type", "text", "dataset"),
            [("d1", "人物", "Li", None), ("d1", "地点", "Rome", None), ("d2", None, None, "wnut")],
            (2, [], []), id="ner-drop",
        ),
        pytest.param(  # RE: the relation and the entity types of both ends are renamed
            RE, {"works_for": "任职于", "PER": "人物", "ORG": "机构", "LOC": "地点"}, ("relation", "head_type", "tail_type"),
            [("lives_in", "人物", "地点"), ("任职于", "人物", "机构")],
            (0, ["lives_in"], []), id="re",
        ),
        pytest.param(  # RE: a dropped entity type drops the relations that carry it
            RE, {"LOC": "-"}, ("relation", "tail_type"),
            [("works_for", "ORG")],
            (1, ["ORG", "PER", "lives_in", "works_for"], []), id="re-drop-end-type",
        ),
        pytest.param(  # EE: event types and roles renamed; one map covers both columns
            EE, {"Meet": "会见", "Die": "死亡", "Entity": "主体", "Place": "地点", "Victim": "死者"},
            ("event_type", "trigger", "role"),
            [("会见", "met", None), ("会见", "met", "主体"), ("会见", "met", "地点"), ("死亡", "died", None), ("死亡", "died", "死者")],
            (0, [], []), id="ee",
        ),
        pytest.param(  # EE: a dropped event type takes its arguments; a dropped role only its own rows
            EE, {"Die": "-", "Place": "-", "Meet": "会见"}, ("event_type", "role"),
            [("会见", None), ("会见", "Entity")],
            (3, ["Entity", "Victim"], []), id="ee-drop",
        ),
    ],
)  # fmt: skip
def test_apply_type_map(rows, mapping, cols, expected, report):
    gold = _gold(rows)
    mapped, got = apply_type_map(gold, mapping)
    assert _rows(mapped, cols) == sorted(expected, key=_key)
    assert (got["dropped_gold_rows"], got["unmapped_gold_types"], got["map_entries_unused"]) == report
    assert got["mapping"] == mapping
    assert mapped.schema == gold.schema  # still valid gold long rows
    assert set(gold["doc_id"]) == set(mapped["doc_id"])  # dropping never takes a document out of scoring


def test_apply_type_map_does_not_chain_renames():
    """A -> B and B -> C: a gold A becomes B, not C (one pass, as written in the map)."""
    mapped, _ = apply_type_map(_gold([{"doc_id": "d", "task": "ner", "type": t, "text": t} for t in ("A", "B")]), {"A": "B", "B": "C"})
    assert _rows(mapped, ("text", "type")) == [("A", "B"), ("B", "C")]
