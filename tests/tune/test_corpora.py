"""The BMES/BIO readers: table-driven on small files, and the real MSRA and WNUT files."""

from __future__ import annotations

import pytest

from yayi_batch.schema import Lang
from yayi_batch.tune.corpora import MSRA_TYPES, WNUT_TYPES, ReadStats, read_msra, read_tagged, read_wnut
from yayi_batch.tune.records import CorpusFormatError

CASES = [
    # (lines, join, sep, expected [(text, [(type, mention)])])
    (["中 B-ORG", "国 M-ORG", "队 E-ORG", "在 O", "京 S-LOC", ""], "", None, [("中国队在京", [("机构", "中国队"), ("地点", "京")])]),
    (["王 B-PER", "五 E-PER", "", "好 O", ""], "", None, [("王五", [("人物", "王五")]), ("好", [])]),
    (["  O", "李 S-PER"], "", None, [(" 李", [("人物", "李")])]),  # MSRA writes a space character as " O"
    (["李 M-PER", "四 E-PER"], "", None, [("李四", [("人物", "李四")])]),  # an E/M without its B starts a span
    (["Ann\tB-person", "Lee\tI-person", "in\tO", "Oslo\tB-geo-loc", ""], " ", "\t",
     [("Ann Lee in Oslo", [("person", "Ann Lee"), ("location", "Oslo")])]),
    (["iPhone\tB-product", "rocks\tO"], " ", "\t", [("iPhone rocks", [])]),  # a type outside the map: unlabelled
    (["A\tB-person", "B\tB-person"], " ", "\t", [("A B", [("person", "A"), ("person", "B")])]),
]


@pytest.mark.parametrize(("lines", "join", "sep", "expected"), CASES)
def test_read_tagged(tmp_path, lines, join, sep, expected):
    path = tmp_path / "c.txt"
    path.write_bytes("\r\n".join(lines).encode())  # CRLF, as the MSRA file has
    type_map = {**MSRA_TYPES, **WNUT_TYPES}
    got = list(read_tagged(path, source="t", lang=Lang.ZH, type_map=type_map, sep=sep, join=join))
    assert [(t.text, [(m.type, m.text) for m in t.entities]) for t in got] == expected
    for t in got:
        t.check()  # every mention is the text at its offsets


@pytest.mark.parametrize(("line", "message"), [("中", "expected a token and a tag"), ("中 X-PER", "unknown tag 'X-PER'"),
                                               ("中 B-", "unknown tag 'B-'")])
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(f"好 O\n{line}\n")
    with pytest.raises(CorpusFormatError, match=rf"bad.txt:2: {message}"):
        list(read_tagged(path, source="t", lang=Lang.ZH, type_map=MSRA_TYPES, sep=None, join=""))


def test_skipped_types_are_counted(tmp_path):
    path = tmp_path / "w.txt"
    path.write_text("iPhone\tB-product\nX\tB-other\nY\tI-other\n")
    stats = ReadStats()
    list(read_tagged(path, source="t", lang=Lang.EN, type_map=WNUT_TYPES, sep="\t", join=" ", stats=stats))
    assert stats.skipped_types == {"product": 1, "other": 1}


def test_real_msra_train_file():
    stats = ReadStats()
    first = []
    for i, t in enumerate(read_msra(stats=stats)):
        if i < 2000:
            t.check()
            first.append(t)
    assert stats.texts == 50289  # blank-line separated sentences of msra_train.txt
    assert stats.mentions == 74444
    assert {m.type for t in first for m in t.entities} == {"人物", "机构", "地点"}


def test_real_wnut_file():
    stats = ReadStats()
    texts = list(read_wnut(stats=stats))
    assert len(texts) == stats.texts == 2394
    assert stats.mentions == 947 and stats.skipped_types["product"] == 97
    for t in texts:
        t.check()
