"""Chunk rows: documents -> chunk rows, called on pyarrow tables (no Ray, no engine)."""

from yayi_batch.parse.rows import ParseAnswers
from yayi_batch.testing.rows import EN_DOC, ZH_DOC, answer_rows, docs_table, prepare


def test_prepare_keeps_every_document_and_tiles_its_text():
    table = docs_table(["zh", "en", "empty", "blank", None], [ZH_DOC, EN_DOC, "", "  \n ", "orphan text"], ["a", "b", "c", "d", "e"])
    out = prepare(passthrough=["title"])(table).to_pylist()
    by_doc = {}
    for row in out:
        by_doc.setdefault(row["doc_id"], []).append(row)
    assert set(by_doc) - {k for k in by_doc if k.startswith("__missing_id__")} == {"zh", "en", "empty", "blank"}
    assert len(by_doc) == 5  # count in = count out, the id-less document included
    for doc, text in (("zh", ZH_DOC), ("en", EN_DOC)):
        rows = by_doc[doc]
        assert [r["chunk_index"] for r in rows] == list(range(len(rows)))
        assert all(r["n_chunks"] == len(rows) and len(r["chunk_text"]) <= 20 for r in rows)
        assert "".join(r["chunk_text"] for r in rows) == text
        assert all(text[r["chunk_start"] : r["chunk_start"] + len(r["chunk_text"])] == r["chunk_text"] for r in rows)
    assert by_doc["zh"][0]["lang"] == "zh" and by_doc["en"][0]["lang"] == "en"
    assert [r["doc_status"] for r in by_doc["empty"] + by_doc["blank"]] == ["empty", "empty"]
    (orphan,) = [rows for k, rows in by_doc.items() if k.startswith("__missing_id__")]
    assert orphan[0]["doc_status"] == "invalid" and "missing document id" in orphan[0]["doc_error"]
    assert "shard-0.parquet" in orphan[0]["doc_id"]
    assert by_doc["en"][0]["title"] == "b"


def test_forced_language_overrides_detection():
    (row, *_) = prepare(lang="zh", max_chunk_tokens=500)(docs_table(["en"], [EN_DOC])).to_pylist()
    assert row["lang"] == "zh"


def test_ids_are_stable_across_runs_of_the_same_input():
    batch = answer_rows([{"task": "ner", "generated_text": '{"person": ["John Smith"]}'}])
    a = ParseAnswers("run-a")(batch).column("entities").to_pylist()[0][0]
    b = ParseAnswers("run-b")(batch).column("entities").to_pylist()[0][0]
    assert a["entity_id"] == b["entity_id"] and a["run_id"] != b["run_id"]
