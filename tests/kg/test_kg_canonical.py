"""Canonical text and keys: table-driven, and the polars expression agrees with the Python."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yayi_batch.config import ExtractionConfig
from yayi_batch.kg.canonical import (
    UNTYPED,
    TypeKind,
    TypeMap,
    entity_node_id,
    normalize_text,
    normalize_text_expr,
)

SAME = [
    ("ＡＢＣ", "ABC"),  # full width
    ("abc", "ABC"),  # case
    ("Straße", "STRASSE"),  # full case folding, not just lowercase
    ("Gaoning  Gao", "Gaoning Gao"),  # whitespace runs
    (" Gaoning\tGao\n", "Gaoning Gao"),  # trimmed, tabs and newlines
    ("Gaoning\u3000Gao", "Gaoning Gao"),  # ideographic space
    ("Gaoning\u00a0Gao", "Gaoning Gao"),  # no-break space
    ("“APEC”", '"APEC"'),  # curly vs straight double quotes
    ("‘APEC’", "'APEC'"),  # single quotes fold with double ones
    ("「APEC」", '"APEC"'),  # corner brackets used as quotes
    ("Jean–Luc", "Jean-Luc"),  # dash widths
    ("乔治·华盛顿", "乔治•华盛顿"),  # middle dots in transliterated names
    ("ｶﾀｶﾅ", "カタカナ"),  # half-width katakana
    ("Ning\u200bGaoning", "NingGaoning"),  # zero-width space dropped
    ("宁高宁", "宁高宁"),
]
DIFFERENT = [
    ("Gaoning Gao", "GaoningGao"),  # a space between words is kept
    ("北京", "北京市"),
    ("APEC", "APEC论坛"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_fold_to_one_text(a: str, b: str) -> None:
    assert normalize_text(a) == normalize_text(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_texts_stay_apart(a: str, b: str) -> None:
    assert normalize_text(a) != normalize_text(b)


def test_examples() -> None:
    assert normalize_text("  ＮＩＮＧ　GAONING ") == "ning gaoning"
    assert normalize_text("“Sinochem”") == '"sinochem"'
    assert normalize_text(None) is None


def test_polars_expression_agrees_on_the_table() -> None:
    texts = [t for pair in SAME + DIFFERENT for t in pair] + [None, "", "   ", "İstanbul", "ﬁne", "ΣΊΣΥΦΟΣ"]
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(normalize_text_expr(pl.col("t")))["t"].to_list()
    assert got == [normalize_text(t) for t in texts]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_polars_expression_agrees_on_any_text(texts: list[str]) -> None:
    texts = [t.replace("\x00", "") for t in texts]
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(normalize_text_expr(pl.col("t")))["t"].to_list()
    assert got == [normalize_text(t) for t in texts]


def default_type_map() -> TypeMap:
    ex = ExtractionConfig()
    return TypeMap.from_schemas({"zh": ex.zh.model_dump(), "en": ex.en.model_dump()})


@pytest.mark.parametrize(
    ("kind", "name", "canonical"),
    [
        (TypeKind.ENTITY, "人物", "person"),
        (TypeKind.ENTITY, "person", "person"),
        (TypeKind.ENTITY, "Person", "person"),
        (TypeKind.ENTITY, "ＰＥＲＳＯＮ", "person"),
        (TypeKind.ENTITY, "机构", "organization"),
        (TypeKind.ENTITY, "地点", "location"),
        (TypeKind.RELATION, "任职于", "works for"),
        (TypeKind.RELATION, "收购", "acquired"),  # the relation 收购 ...
        (TypeKind.EVENT, "收购", "acquisition"),  # ... and the event 收购 map apart
        (TypeKind.ROLE, "主体", "agent"),
        (TypeKind.ENTITY, "产品", "产品"),  # in no list: itself
        (TypeKind.ENTITY, "Product|Brand", "product/brand"),  # ... without the key separator
    ],
)
def test_type_map_pairs_languages(kind: TypeKind, name: str, canonical: str) -> None:
    tm = default_type_map()
    assert tm.canonical(kind, name) == canonical
    got = pl.DataFrame({"t": [name]}).select(tm.expr(kind, pl.col("t")))["t"][0]
    assert got == canonical


def test_keys_one_node_per_type_and_text() -> None:
    tm = default_type_map()

    def key(type_: str, text: str) -> str:
        return entity_node_id(tm.canonical(TypeKind.ENTITY, type_), normalize_text(text))

    assert key("人物", "ＡＢＣ") == key("person", "abc") == "E|person|abc"
    assert key("person", "“APEC”") == key("person", '"APEC"')
    assert key("person", "APEC") != key("organization", "APEC")  # different types stay apart
    assert key("location", "北京") != entity_node_id(UNTYPED, "北京")


def test_type_map_overrides_and_rejects_separator() -> None:
    tm = default_type_map()
    tm.update_pairs([("出席", "attend")], [TypeKind.RELATION])
    assert tm.canonical(TypeKind.RELATION, "出席") == "attend"
    assert tm.canonical(TypeKind.RELATION, "Attend") == "attend"
    assert tm.canonical(TypeKind.ENTITY, "出席") == "出席"
    with pytest.raises(ValueError, match="without"):
        tm.update_pairs([("a", "b|c")])
