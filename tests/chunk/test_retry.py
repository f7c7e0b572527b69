"""Half chunks for answers cut at max_tokens."""

import pyarrow as pa

from yayi_batch.chunk.retry import half_chunks, split_in_two

TEXT = "Acme Corp hired John Smith. The company is based in Paris. It also opened an office in Lyon."


def test_split_in_two_cuts_at_the_sentence_end_nearest_the_middle():
    (a, b), (c, d) = split_in_two(TEXT)
    assert (a, d) == (0, len(TEXT)) and b == c
    assert TEXT[:b].rstrip().endswith(("Paris.", "Smith."))
    assert split_in_two("no sentence end here at all") == [(0, 13), (13, 27)]
    assert split_in_two("x") == [(0, 1)]


def test_half_chunks_keep_document_offsets_and_ask_one_task():
    chunks = pa.Table.from_pylist(
        [
            {"doc_id": "d", "chunk_id": "c1", "chunk_start": 1000, "chunk_text": TEXT, "lang": "en"},
            {"doc_id": "d", "chunk_id": "c2", "chunk_start": 2000, "chunk_text": "Other.", "lang": "en"},
        ]
    )
    truncated = pa.Table.from_pylist([{"chunk_id": "c1", "task": "re"}, {"chunk_id": "gone", "task": "ner"}])
    rows = half_chunks(chunks, truncated).to_pylist()
    assert len(rows) == 2 and {r["only_task"] for r in rows} == {"re"}
    assert "".join(r["chunk_text"] for r in rows) == TEXT
    assert rows[1]["chunk_start"] == 1000 + len(rows[0]["chunk_text"])
    ids = [r["chunk_id"] for r in rows]
    assert len(set(ids)) == 2 and "c1" not in ids  # each half its own chunk id, neither the original
