"""Gold converters: CoNLL BIO/BIOES/BMES, span-list JSONL, long Parquet/JSONL, and round trips."""

from __future__ import annotations

import json

import polars as pl
import pytest

from yayi_batch.evaluation.conll import guess_scheme, long_to_sentences, read_conll, sentences_to_long, write_conll
from yayi_batch.evaluation.gold import GOLD_SCHEMA, detect_format, load_gold, normalize, span_record_rows, write_gold

EN_BIO = "-DOCSTART- -X- O O\n\nJohn NNP B-PER\nlives VBZ O\nin IN O\nNew NNP B-LOC\nYork NNP I-LOC\n\n\nHi UH O\n"
# char per line, tab-separated; the second sentence has a single-character entity (S-)
ZH_BMES = "张\tB-NAME\n三\tE-NAME\n在\tO\n北\tB-LOC\n京\tM-LOC\n市\tE-LOC\n\n我\tS-PER\n好\tO\n"
ZH_BIOES = "张\tB-NAME\n三\tE-NAME\n在\tO\n北\tB-LOC\n京\tI-LOC\n市\tE-LOC\n\n我\tS-PER\n好\tO\n"


def _rows(df: pl.DataFrame, *cols: str) -> list[tuple]:
    return [tuple(r) for r in df.filter(pl.col("type").is_not_null()).select(cols).iter_rows()]


def test_english_bio_offsets_on_space_joined_text(tmp_path):
    path = tmp_path / "news.bio"
    path.write_text(EN_BIO, encoding="utf-8")
    gold = load_gold(path)
    # text "John lives in New York": John = [0,4); New York starts after "John lives in " = 4+1+5+1+2+1 = 14, ends 14+8 = 22
    assert _rows(gold, "doc_id", "type", "text", "start", "end") == [
        ("news-0", "PER", "John", 0, 4),
        ("news-0", "LOC", "New York", 14, 22),
    ]
    # DOCSTART and the double blank line make no sentence; "Hi" (no entity) gets a marker row
    assert gold.filter(pl.col("doc_id") == "news-1").select("type", "text").rows() == [(None, None)]
    assert gold.columns == list(GOLD_SCHEMA)


def test_chinese_bmes_char_per_line_joined_without_space(tmp_path):
    path = tmp_path / "weibo.bmes"
    path.write_text(ZH_BMES, encoding="utf-8")
    gold = load_gold(path)
    # text "张三在北京市": 张三 = [0,2), 北京市 = [3,6); sentence 2 "我好": 我 = [0,1)
    assert _rows(gold, "doc_id", "type", "text", "start", "end") == [
        ("weibo-0", "NAME", "张三", 0, 2),
        ("weibo-0", "LOC", "北京市", 3, 6),
        ("weibo-1", "PER", "我", 0, 1),
    ]


def test_explicit_format_overrides_extension_and_bioes_decodes_the_same(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text(ZH_BIOES, encoding="utf-8")
    a = load_gold(path, "conll-bioes")
    (tmp_path / "corpus.bmes").write_text(ZH_BMES, encoding="utf-8")
    b = load_gold(tmp_path / "corpus.bmes")
    assert a.equals(b)


@pytest.mark.parametrize("text,scheme,sep", [(EN_BIO, "bio", " "), (ZH_BIOES, "bioes", ""), (ZH_BMES, "bmes", "")])
def test_round_trip_conll_long_conll(tmp_path, text, scheme, sep):
    src = tmp_path / f"src.{scheme}"
    src.write_text(text, encoding="utf-8")
    sentences = read_conll(src)
    assert guess_scheme(sentences) == scheme
    gold = normalize(sentences_to_long(sentences))
    back = long_to_sentences(gold, {s.doc_id: s.tokens for s in sentences}, scheme, sep)
    assert [s.tags for s in back] == [s.tags for s in sentences]
    out = tmp_path / "out.conll"
    write_conll(out, back, sep="\t")
    assert [s.tags for s in read_conll(out)] == [s.tags for s in sentences]


def test_long_without_offsets_placed_at_first_occurrence():
    gold = normalize(pl.DataFrame([{"doc_id": "s", "task": "ner", "type": "LOC", "text": "北京"}]))
    (sent,) = long_to_sentences(gold, {"s": list("去北京")}, "bmes", "")
    assert sent.tags == ["O", "B-LOC", "E-LOC"]


def test_span_list_jsonl_variants(tmp_path):
    records = [
        {"id": "a", "text": "宁高宁在北京", "entities": [{"type": "人物", "start": 0, "end": 3}], "dataset": "zh"},
        {"id": "b", "text": "Gao met Li", "label": [[0, 3, "person"], [8, 10, "person"]]},  # doccano
        {"id": "c", "text": "叶老桂在浙江", "label": {"name": {"叶老桂": [[0, 2]]}}},  # CLUENER: end inclusive
        {"id": "d", "text": "x", "relations": [{"relation": "出席", "head": {"text": "宁高宁", "type": "人物"}, "tail": "论坛"}]},
        {"id": "e", "text": "x", "spo_list": [{"predicate": "作者", "subject": "红楼梦", "subject_type": "图书",
                                                "object": {"@value": "曹雪芹"}, "object_type": {"@value": "人物"}}]},
        {"id": "f", "text": "x", "events": [{"event_type": "会见", "trigger": "会见",
                                              "arguments": {"会见主体": "宁高宁", "地点": ["北京", "上海"]}}]},
        {"id": "g", "text": "x", "event_list": [{"event_type": "出售", "trigger": "卖",
                                                  "arguments": [{"role": "卖方", "argument": "甲"}]}]},
        {"id": "h", "text": "nothing here", "entities": []},
    ]  # fmt: skip
    long_row = {"doc_id": "i", "task": "ner", "type": "ORG", "text": "APEC"}
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [*records, long_row]) + "\n", encoding="utf-8")
    gold = load_gold(path)
    ner = gold.filter(pl.col("task") == "ner")
    assert ner.select("doc_id", "type", "text", "start", "end", "dataset").rows() == [
        ("a", "人物", "宁高宁", 0, 3, "zh"),
        ("b", "person", "Gao", 0, 3, None),
        ("b", "person", "Li", 8, 10, None),
        ("c", "name", "叶老桂", 0, 3, None),  # [0, 2] inclusive -> [0, 3)
        ("h", None, None, None, None, None),  # marker: scored document with no entity
        ("i", "ORG", "APEC", None, None, None),
    ]
    assert gold.filter(pl.col("task") == "re").select("relation", "head", "tail", "head_type", "tail_type").rows() == [
        ("出席", "宁高宁", "论坛", "人物", None),
        ("作者", "红楼梦", "曹雪芹", "图书", "人物"),
    ]
    ee = gold.filter(pl.col("task") == "ee").select("doc_id", "event_type", "trigger", "role", "argument").rows()
    assert ee == [
        ("f", "会见", "会见", None, None),  # the trigger row
        ("f", "会见", "会见", "会见主体", "宁高宁"),
        ("f", "会见", "会见", "地点", "北京"),
        ("f", "会见", "会见", "地点", "上海"),
        ("g", "出售", "卖", None, None),
        ("g", "出售", "卖", "卖方", "甲"),
    ]


def test_docred_style_relation_indices():
    obj = {"id": "r", "entities": [{"type": "PER", "text": "Li", "start": 0, "end": 2},
                                   {"type": "LOC", "text": "Rome", "start": 6, "end": 10}],
           "relations": [{"relation": "lives_in", "h": 0, "t": 1}]}  # fmt: skip
    rel = [r for r in span_record_rows(obj, "x") if r["task"] == "re"]
    assert [(r["head"], r["head_type"], r["tail"], r["tail_type"]) for r in rel] == [("Li", "PER", "Rome", "LOC")]


def test_json_array_parquet_and_folder_datasets(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "msra.bmes").write_text(ZH_BMES, encoding="utf-8")
    (folder / "conll03.bio").write_text(EN_BIO, encoding="utf-8")
    (folder / "extra.json").write_text(json.dumps([{"doc_id": "z", "task": "re", "relation": "r", "head": "h",
                                                    "tail": "t", "dataset": "own"}]), encoding="utf-8")  # fmt: skip
    (folder / "README").write_text("not gold", encoding="utf-8")  # unknown extension: skipped
    gold = load_gold(folder)
    # rows without a dataset take the file stem: conll03 = 2 entities + 1 marker, msra = 2 + 1 entity rows;
    # extra.json names its own dataset
    assert dict(gold.group_by("dataset").len().rows()) == {"conll03": 3, "msra": 3, "own": 1}
    out = tmp_path / "gold.parquet"
    write_gold(gold, out)
    assert load_gold(out).equals(gold)
    write_gold(gold, tmp_path / "gold.jsonl")
    assert load_gold(tmp_path / "gold.jsonl").equals(gold)


def test_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="--format"):
        detect_format("gold.xlsx")
    with pytest.raises(FileNotFoundError):
        load_gold(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="unknown gold task"):
        normalize(pl.DataFrame({"doc_id": ["a"], "task": ["sentiment"]}))
    with pytest.raises(ValueError, match="gold rows need doc_id"):
        normalize(pl.DataFrame({"doc_id": [None], "task": ["ner"]}, schema={"doc_id": pl.String, "task": pl.String}))
    bad = tmp_path / "bad.bio"
    bad.write_text("token_without_tag\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.bio:1"):
        load_gold(bad)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"doc_id": "a", "task": "ner"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match="broken.jsonl:2"):
        load_gold(broken)
