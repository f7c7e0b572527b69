"""Canonical entity keys: the pure normalization of a mention's text and type.

One canonical entity per (canonical type, normalized text). The same folding is written twice:
``normalize_text`` in Python (for tests, docs and small lookups) and ``normalize_text_expr`` as a
native polars expression (for millions of mentions without a Python call per row); a test checks
that both give the same string on a table of tricky inputs.

Folding, in order:
1. Unicode NFKC: full-width ``ＡＢＣ`` -> ``ABC``, half-width katakana, ligatures, ``\u3000`` -> space;
2. case folding (``str.casefold``: lowercase plus ``ß`` -> ``ss`` and the other full folds);
3. quote, dash and middle-dot variants -> one character each (the model swaps them freely);
4. invisible characters dropped (zero-width, BOM, soft hyphen, variation selectors);
5. whitespace runs -> one space, trimmed at both ends.

Pure module: no ray, no vllm.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping

import polars as pl


class NodeLabel(str, enum.Enum):
    """The two kinds of nodes in the graph; the value is the Neo4j label and LadybugDB table."""

    ENTITY = "Entity"
    EVENT = "Event"


class EdgeKind(str, enum.Enum):
    """The two kinds of edges; the value is the LadybugDB rel table."""

    RELATION = "RELATION"  # entity -[relation type]-> entity
    ARGUMENT = "ARGUMENT"  # event -[role]-> entity


class Attach(str, enum.Enum):
    """How a relation endpoint or event argument found its entity node."""

    TYPED = "typed"  # the document has an entity mention of the same normalized text
    UNTYPED = "untyped"  # it has none: the untyped node of that text


class TypeKind(str, enum.Enum):
    """Which list of the config's schemas a type name comes from."""

    ENTITY = "entity_types"
    RELATION = "relation_types"
    EVENT = "event_types"
    ROLE = "event_roles"


# The type of an entity node that only relation endpoints / event arguments name.
UNTYPED = "(untyped)"
# Separates the parts of a node id; type names may not contain it (checked in TypeMap).
KEY_SEP = "|"
ENTITY_PREFIX = "E"
EVENT_PREFIX = "V"

_QUOTES = "“”„‟«»〝〞＂\"‘’‚‛'′″`´「」『』"
_DASHES = "‐‑‒–—―−－﹣"
_DOTS = "·•・‧∙･"
_FOLDS: dict[str, str] = {
    **dict.fromkeys(_QUOTES, '"'),
    **dict.fromkeys(_DASHES, "-"),
    **dict.fromkeys(_DOTS, "·"),
}
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad" + "".join(map(chr, range(0xFE00, 0xFE10)))
# Written out instead of \s: Python's re and polars' Rust regex disagree on a few control chars.
WHITESPACE_CLASS = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def _casefold_extras() -> dict[str, str]:
    """Characters whose casefold differs from their lowercase (ß -> ss, ς -> σ, ...).

    polars has ``to_lowercase`` only; applying this table after it gives ``str.casefold``.
    """
    extras = {}
    for code in range(0x20000):  # no cased letters above the SMP
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        low = ch.lower()
        if len(low) == 1 and low.casefold() != low:
            extras[low] = low.casefold()
    return extras


_CASEFOLD_EXTRAS = _casefold_extras()
_TRANSLATE = str.maketrans({**_FOLDS, **dict.fromkeys(_INVISIBLE, "")})
_WS = re.compile(WHITESPACE_CLASS + "+")


def normalize_text(text: str | None) -> str | None:
    """The canonical form of a mention's text (None stays None)."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = "".join(_CASEFOLD_EXTRAS.get(c, c) for c in folded)
    folded = unicodedata.normalize("NFKC", folded).translate(_TRANSLATE)
    return _WS.sub(" ", folded).strip(" ")


def normalize_text_expr(expr: pl.Expr) -> pl.Expr:
    """``normalize_text`` as a native polars expression (same result; see the module doc)."""
    out = expr.str.normalize("NFKC").str.to_lowercase()
    out = out.str.replace_many(list(_CASEFOLD_EXTRAS), list(_CASEFOLD_EXTRAS.values()))
    out = out.str.normalize("NFKC")
    keys = list(_FOLDS) + list(_INVISIBLE)
    out = out.str.replace_many(keys, [_FOLDS.get(k, "") for k in keys])
    return out.str.replace_all(WHITESPACE_CLASS + "+", " ").str.strip_chars(" ")


def entity_node_id(canonical_type: str, normalized_text: str) -> str:
    """The deterministic key of an entity node: ``E|person|gaoning gao``."""
    return KEY_SEP.join((ENTITY_PREFIX, canonical_type, normalized_text))


def entity_node_id_expr(type_expr: pl.Expr, text_expr: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit(ENTITY_PREFIX), type_expr, text_expr], separator=KEY_SEP)


def event_node_id_expr(run_id: pl.Expr, event_id: pl.Expr) -> pl.Expr:
    """Events are occurrences, one node each: keyed by the run that extracted them."""
    return pl.concat_str([pl.lit(EVENT_PREFIX), run_id, event_id], separator=KEY_SEP)


class TypeMap:
    """Type names across languages: per kind, normalized name -> canonical name.

    Default (``from_schemas``): the config's zh and en lists of each kind paired by position,
    the English name canonical (人物 = person, 任职于 = works for, 会见 = meeting, 主体 = agent).
    A name in no list is its own normalized form. Lookups normalize first, so ``Person`` and
    ``ＰＥＲＳＯＮ`` are ``person`` too.
    """

    def __init__(self, mapping: Mapping[TypeKind, Mapping[str, str]] | None = None):
        self.mapping: dict[TypeKind, dict[str, str]] = {kind: {} for kind in TypeKind}
        for kind, pairs in (mapping or {}).items():
            for name, canonical in pairs.items():
                self.add(TypeKind(kind), name, canonical)

    def add(self, kind: TypeKind, name: str, canonical: str) -> None:
        canon = normalize_text(canonical)
        if not canon or KEY_SEP in canon:
            raise ValueError(f"type {canonical!r}: must be non-empty and without {KEY_SEP!r}")
        self.mapping[kind][normalize_text(name)] = canon
        self.mapping[kind].setdefault(canon, canon)

    @classmethod
    def from_schemas(cls, schemas: Mapping[str, Mapping[str, Iterable[str]]]) -> TypeMap:
        """``schemas``: {"zh": {"entity_types": [...], ...}, "en": {...}}; en names win."""
        tm = cls()
        zh, en = schemas.get("zh", {}), schemas.get("en", {})
        for kind in TypeKind:
            zh_names, en_names = list(zh.get(kind.value, [])), list(en.get(kind.value, []))
            for i, name in enumerate(en_names):
                tm.add(kind, name, name)
                if i < len(zh_names):
                    tm.add(kind, zh_names[i], name)
            for name in zh_names[len(en_names) :]:
                tm.add(kind, name, name)
        return tm

    def update_pairs(self, pairs: Iterable[tuple[str, str]], kinds: Iterable[TypeKind] = tuple(TypeKind)) -> None:
        """``A=B`` pairs from the command line or a file: A is read as B (in every kind given)."""
        for name, canonical in pairs:
            for kind in kinds:
                self.add(kind, name, canonical)

    def canonical(self, kind: TypeKind, name: str | None) -> str | None:
        norm = normalize_text(name)
        # A type in no list keeps its name, less the key separator (so keys stay unambiguous).
        return None if norm is None else self.mapping[kind].get(norm, norm.replace(KEY_SEP, "/"))

    def expr(self, kind: TypeKind, column: pl.Expr) -> pl.Expr:
        """The canonical type of a column of raw type names, natively."""
        norm = normalize_text_expr(column)
        table = self.mapping[kind]
        unmapped = norm.str.replace_all(KEY_SEP, "/", literal=True)
        if not table:
            return unmapped
        return pl.when(norm.is_in(list(table))).then(norm.replace(list(table), list(table.values()))).otherwise(unmapped)

    def fingerprint(self) -> str:
        items = sorted((k.value, a, b) for k, m in self.mapping.items() for a, b in m.items())
        return repr(items)
