"""The per-block functions of finalize and of the retry prompts (pure: no Ray).

finalize/ray_ops.py runs them as map -> shuffle -> reduce; here a "partition" is built by hand,
including the cases the shuffle makes likely: a document's rows spread over several map blocks,
copies of a mention in any order.
"""

import pyarrow as pa
import pytest

from yayi_batch.chunk.retry import chunk_side, half_chunks_of_partition, truncated_keys
from yayi_batch.finalize.documents import DocumentPartials, combine_documents, doc_fields, documents_schema, source_columns
from yayi_batch.finalize.overlaps import keep_one_per_id
from yayi_batch.finalize.summary import count_values, summary_from_counts
from yayi_batch.schema import ERRORS, TABLES

CHUNK_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_path", pa.string()),
        ("doc_status", pa.string()),
        ("doc_error", pa.string()),
        ("lang", pa.string()),
        ("n_chars", pa.int64()),
        ("n_chunks", pa.int64()),
        ("chunk_id", pa.string()),
        ("chunk_index", pa.int64()),
        ("title", pa.large_string()),
    ]
)


def chunk_rows(rows):
    return pa.Table.from_pylist(rows, schema=CHUNK_SCHEMA)


def doc(doc_id, n_chunks=1, status="pending", error=None, title="t"):
    return [
        {
            "doc_id": doc_id,
            "source_path": "s0",
            "doc_status": status,
            "doc_error": error,
            "lang": "en",
            "n_chars": 10,
            "n_chunks": n_chunks,
            "chunk_id": f"{doc_id}{i}" if n_chunks else None,
            "chunk_index": i if n_chunks else None,
            "title": title,
        }
        for i in range(max(n_chunks, 1))
    ]


def answers(rows):
    return pa.Table.from_pylist([{"doc_id": d, "status": s, "tokens_in": 10, "tokens_out": 2} for d, s in rows])


def partials(fields):
    chunks = DocumentPartials("chunks", fields)
    ans = DocumentPartials("answers", fields)
    ents = DocumentPartials("entities", fields)
    errs = DocumentPartials("errors", fields)
    cols = source_columns("chunks", ["title"])
    blocks = [
        chunks(chunk_rows(doc("a", 2)[:1]).select(cols)),  # document a's chunks in two map blocks
        chunks(chunk_rows(doc("a", 2)[1:] + doc("b", 0, "empty") + doc("c", 1)).select(cols)),
        chunks(chunk_rows(doc("x", 0, "invalid", "missing document id")).select(cols)),
        ans(answers([("a", "ok"), ("a", "ok")])),
        ans(answers([("a", "invalid"), ("a", "ok"), ("c", "invalid")])),
        ents(pa.table({"doc_id": ["a", "a", "c"]})),
        ents(pa.table({"doc_id": ["a"]})),
        errs(pa.table({"doc_id": ["a", "c"]})),
    ]
    return pa.concat_tables(blocks)


def test_documents_from_partials_spread_over_blocks():
    fields = doc_fields(CHUNK_SCHEMA, ["title"])
    out = combine_documents(partials(fields), run_id="r1", n_tasks=2, fields=fields)
    docs = {r["doc_id"]: r for r in out["documents"].to_pylist()}
    assert out["documents"].schema.equals(documents_schema(fields))
    assert out["documents"].schema.field("title").type == pa.string()  # plain strings, as before
    assert (docs["a"]["status"], docs["a"]["n_prompts"], docs["a"]["n_entities"], docs["a"]["tokens_in"]) == ("partial", 4, 3, 40)
    assert docs["a"]["n_errors"] == 1 and docs["a"]["n_chunks"] == 2
    assert docs["b"]["status"] == "empty" and docs["b"]["n_prompts"] == 0
    assert docs["c"]["status"] == "partial" and docs["c"]["n_prompts"] == 1  # 1 of 2 answers: missing one
    assert docs["x"]["status"] == "invalid" and docs["x"]["n_errors"] == 1
    errors = out["errors"]
    assert errors.schema.equals(ERRORS)
    kinds = {r["doc_id"]: (r["kind"], r["message"]) for r in errors.to_pylist()}
    assert kinds == {"c": ("missing_answers", "expected 2 answers, got 1"), "x": ("invalid_document", "missing document id")}


def test_documents_do_not_depend_on_the_order_of_the_partials():
    fields = doc_fields(CHUNK_SCHEMA, ["title"])
    block = partials(fields)
    a = combine_documents(block, run_id="r1", n_tasks=2, fields=fields)["documents"].sort_by("doc_id")
    b = combine_documents(block.take(list(range(block.num_rows))[::-1]), run_id="r1", n_tasks=2, fields=fields)["documents"]
    assert a.equals(b.sort_by("doc_id"))


def test_a_doc_id_given_twice_keeps_one_row_chosen_by_its_columns():
    fields = doc_fields(CHUNK_SCHEMA, ["title"])
    part = DocumentPartials("chunks", fields)
    one, two = doc("d", 1, title="first"), [{**doc("d", 1)[0], "source_path": "s1", "title": "second"}]
    cols = source_columns("chunks", ["title"])
    for rows in (one + two, two + one):
        out = combine_documents(part(chunk_rows(rows).select(cols)), run_id="r", n_tasks=1, fields=fields)["documents"]
        assert out.num_rows == 1 and out.column("title").to_pylist() == ["first"]  # source_path s0 < s1


def test_one_row_per_id_the_copy_of_the_smallest_chunk_id():
    rows = [
        {
            "run_id": "r",
            "doc_id": "d",
            "chunk_id": c,
            "entity_id": e,
            "type": "person",
            "text": "x",
            "start": 0,
            "end": 1,
            "match": "exact",
            "mention_index": i,
            "in_schema": True,
            "lang": "en",
        }
        for c, e, i in [("c2", "e1", 0), ("c1", "e1", 3), ("c3", "e2", 0), ("c1", "e3", 1)]
    ]
    table = pa.Table.from_pylist(rows, schema=TABLES["entities"])
    for order in (table, table.take([3, 2, 1, 0])):
        kept = keep_one_per_id(order, "entity_id").sort_by("entity_id")
        assert kept.schema.equals(TABLES["entities"])
        assert kept.column("entity_id").to_pylist() == ["e1", "e2", "e3"]
        assert kept.column("chunk_id").to_pylist() == ["c1", "c3", "c1"]
        assert kept.column("mention_index").to_pylist() == [3, 0, 1]


def test_summary_counts_are_sums_of_per_block_counts():
    block = pa.table(
        {
            "status": ["ok", "ok", "invalid"],
            "reason": ["", "internal_error: x", None],
            "tokens_in": [1, 2, 3],
            "tokens_out": [4, 5, 6],
            "attempt": pa.array([1, 1, 2], pa.int32()),
        }
    )
    rel = pa.table({"head_match": ["exact", None], "tail_match": ["fuzzy", "exact"]})
    ev = pa.table({"trigger_match": [None, "exact"]})
    rows = (
        count_values(block, "answers").to_pylist()
        + count_values(block, "answers").to_pylist()
        + count_values(rel, "relations").to_pylist()
        + count_values(ev, "events").to_pylist()
    )
    s = summary_from_counts(rows, {"answers": 6, "documents": 0}, wall_s=1.0, generate_s=0.5, output="o", run_id="r", n_inputs=1)
    assert s.answer_status == {"ok": 4, "invalid": 2} and list(s.answer_status) == ["ok", "invalid"]
    assert (s.tokens_in, s.tokens_out, s.parser_internal_errors) == (12, 30, 2)
    assert s.match_kinds == {"exact": 3, "None": 1, "fuzzy": 1}  # a null head match counted as before; a null trigger not
    assert s.rows["answers"] == 6 and s.rows["entities"] == 0 and s.documents == 0
    # per attempt, for the plan's comparison: first attempts 2 x (1 + 2) tokens in, retries 2 x 3
    assert s.answers_by_attempt == {"1": 4, "2": 2} and s.tokens_in_by_attempt == {"1": 6, "2": 6}
    assert s.tokens_out_by_attempt == {"1": 18, "2": 12}


@pytest.mark.parametrize("reverse", [False, True])
def test_retry_rows_from_a_partition_of_keys_and_chunks(reverse):
    text = "Acme Corp hired John Smith. The company is based in Paris."
    chunks = pa.table(
        {
            "doc_id": ["d", "d", "e"],
            "chunk_id": ["c1", "c2", None],
            "chunk_start": [0, 100, None],
            "chunk_text": [text, "Other.", None],
            "lang": ["en", "en", None],
        }
    )
    answers = pa.table(
        {"chunk_id": ["c1", "c1", "c2", "c1"], "task": ["re", "ner", "ner", "re"], "finish_reason": ["length", "stop", "stop", "length"]}
    )
    sides = pa.concat_tables([truncated_keys(answers), chunk_side(chunks)])
    if reverse:
        sides = sides.take(list(range(sides.num_rows))[::-1])
    rows = half_chunks_of_partition(sides).to_pylist()
    assert len(rows) == 2 and {r["only_task"] for r in rows} == {"re"}  # the key given twice: asked once
    assert "".join(r["chunk_text"] for r in rows) == text


def test_sum_counts_adds_the_rows_of_many_blocks():
    from yayi_batch.finalize.summary import COUNT_SCHEMA, sum_counts

    block = pa.Table.from_pylist(
        [
            {"metric": "answer_status", "value": "ok", "n": 3},
            {"metric": "answer_status", "value": "ok", "n": 4},
            {"metric": "answer_status", "value": "invalid", "n": 1},
            {"metric": "tokens_in", "value": "", "n": 10},
        ],
        schema=COUNT_SCHEMA,
    )
    rows = sorted(sum_counts(block).to_pylist(), key=lambda r: (r["metric"], r["value"]))
    assert rows == [
        {"metric": "answer_status", "value": "invalid", "n": 1},
        {"metric": "answer_status", "value": "ok", "n": 7},
        {"metric": "tokens_in", "value": "", "n": 10},
    ]
    assert sum_counts(COUNT_SCHEMA.empty_table()).num_rows == 0
