"""The whole job through a real in-process Ray, with a fake engine in place of vLLM (fast).

Checks the plumbing: every document accounted for, tables typed as schema/tables.py says, answers
turned into records or error rows, ids stable across a rerun.
"""

import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from yayi_batch.config import load_config
from yayi_batch.run import run
from yayi_batch.run.passes import passes
from yayi_batch.schema import TABLES
from yayi_batch.testing.corpus import DOCS, base_overrides
from yayi_batch.testing.fake_engine import fake_generate


@pytest.mark.slow
def test_fake_engine_run_accounts_for_every_document(local_ray, corpus, tmp_path):
    out = tmp_path / "out"
    cfg = load_config(None, base_overrides(corpus, out))
    summary = run(cfg, generate_fn=fake_generate)

    docs = pl.read_parquet(f"{out}/documents/**/*.parquet", hive_partitioning=True)
    assert sorted(docs["doc_id"]) == sorted(d[0] for d in DOCS)  # count in = count out
    status = dict(zip(docs["doc_id"], docs["status"]))
    assert status["empty-1"] == status["blank-1"] == "empty"
    assert status["zh-1"] == "ok" and status["en-1"] == "partial"  # its RE answer was garbage
    assert docs.filter(pl.col("doc_id") == "en-1")["title"].item() == "title en-1"

    for table, schema in TABLES.items():
        files = list((out / table).glob("date=2026-11-25/*.parquet"))
        assert files, f"no files for {table}"
        if table == "documents":  # the fixed columns, then source_path and the passthrough columns
            schema = pa.schema([*TABLES["documents"], pa.field("source_path", pa.string()), pa.field("title", pa.string())])
        for f in files:
            assert pq.read_schema(f).equals(schema, check_metadata=False), f"{table}: {f.name}"

    entities = pl.read_parquet(f"{out}/entities/**/*.parquet")
    assert set(entities["text"]) >= {"Acme", "华润"}
    assert (entities["match"] == "exact").all()
    errors = pl.read_parquet(f"{out}/errors/**/*.parquet")
    assert set(errors["kind"]) == {"invalid"} and errors.height == 2
    assert (errors["raw_output"] == "not json at all").all()

    assert summary.documents == len(DOCS)
    # 4 documents with text x (ner, re): every NER answer names an entity; RE is "[]" in Chinese
    # (empty) and garbage in English (invalid).
    assert summary.answer_status == {"ok": 4, "empty": 2, "invalid": 2}
    assert summary.parser_internal_errors == 0
    manifest = json.loads((out / "_manifest" / f"{summary.run_id}.json").read_text())
    assert manifest["counts"]["documents"] == len(DOCS)
    assert len(manifest["inputs"]) == 2 and all(i["size"] > 0 for i in manifest["inputs"])
    assert (out / "_SUCCESS").read_text().strip() == summary.run_id
    assert not (out / "_staging").exists() or not any((out / "_staging").iterdir())
    # Where the time went: every pass in order, and the operators Ray Data ran inside them.
    windows = [e for e in summary.timeline if e["operator"] is None]
    assert [e["pass"] for e in windows] == [p.name.value for p in passes(cfg)]
    assert {"prepare", "extract", "verify", "publish"} <= {e["pass"] for e in windows}
    assert all(0 <= e["start"] <= e["end"] for e in summary.timeline)
    extract_ops = [e for e in summary.timeline if e["pass"] == "extract" and e["operator"]]
    assert any("ParseAnswers" in e["operator"] for e in extract_ops)
    assert "timeline" not in manifest["summary"]

    # A rerun of the same date and inputs replaces the partitions with identical rows.
    again = run(cfg, generate_fn=fake_generate)
    assert again.run_id == summary.run_id
    entities2 = pl.read_parquet(f"{out}/entities/**/*.parquet")
    assert sorted(entities2["entity_id"]) == sorted(entities["entity_id"])


@pytest.mark.slow
def test_nightly_mode_processes_only_new_shards(local_ray, corpus, tmp_path):
    out = tmp_path / "out"
    overrides = base_overrides(corpus, out) + ["input.since_manifest=true", "output.report=false"]
    first = run(load_config(None, overrides), generate_fn=fake_generate)
    assert first.n_inputs == 2 and first.documents == len(DOCS)

    # A new shard lands in the input prefix: the next nightly run picks up that shard alone.
    pa_table = pa.table({"id": ["new-1"], "text": ["Acme Corp opened an office in Lyon."], "title": ["t"]})
    import pyarrow.parquet as pq_

    pq_.write_table(pa_table, corpus / "shard-9.parquet")
    second = run(load_config(None, overrides), generate_fn=fake_generate)
    assert second.n_inputs == 1 and second.skipped_inputs == 2 and second.documents == 1
    docs = pl.read_parquet(f"{out}/documents/**/*.parquet")
    assert sorted(docs["doc_id"]) == sorted([d[0] for d in DOCS] + ["new-1"])  # added, not replaced

    third = run(load_config(None, overrides), generate_fn=fake_generate)
    assert third.n_inputs == 0 and third.skipped_inputs == 3
    assert pl.read_parquet(f"{out}/documents/**/*.parquet").height == len(DOCS) + 1

    # Another prompt template is another fingerprint: it redoes everything and replaces the old rows.
    changed = run(load_config(None, overrides + ["extraction.answer_cue=false"]), generate_fn=fake_generate)
    assert changed.n_inputs == 3
    assert pl.read_parquet(f"{out}/documents/**/*.parquet").height == len(DOCS) + 1
    runs = set(pl.read_parquet(f"{out}/documents/**/*.parquet")["run_id"])
    assert runs == {changed.run_id}


@pytest.mark.slow
def test_documents_from_0_to_200k_chars_fit_the_context(local_ray, tmp_path):
    """Every prompt the engine would see, chat template included, leaves room for max_tokens."""
    import random

    rng = random.Random(7)
    zh_sentence = "华润集团在北京发布了新的投资计划，董事长宁高宁出席了发布会。"
    en_sentence = "Acme Corp opened a plant in Lyon on Monday, said chief executive John Smith. "
    docs = [
        ("zero", ""),
        ("zh-200k", "".join(zh_sentence for _ in range(200_000 // len(zh_sentence)))),
        ("en-200k", "".join(en_sentence for _ in range(200_000 // len(en_sentence)))),
        ("no-stop", " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(40_000))),
        ("one-long-zh-sentence", "北京" * 30_000),
        ("mixed", (zh_sentence + en_sentence) * 300),
    ]
    corpus = tmp_path / "long"
    corpus.mkdir()
    pq_table = pa.table({"id": [d[0] for d in docs], "text": [d[1] for d in docs]})
    import pyarrow.parquet as pq_

    pq_.write_table(pq_table, corpus / "long.parquet")
    cfg = load_config(
        None,
        [
            f"input.paths=[{corpus}]",
            f"output.path={tmp_path / 'out'}",
            "extraction.tasks=[ner]",
            "output.report=false",
            "model.max_model_len=1024",
            "sampling.max_tokens=128",
        ],
    )
    budget = cfg.model.max_model_len - cfg.sampling.max_tokens

    def checking_generate(prompts, cfg, model):
        def check(table):
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(model.path)
            for prompt in table.column("prompt").to_pylist():
                ids = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=True, add_generation_prompt=True)
                ids = ids["input_ids"] if isinstance(ids, dict) else ids
                assert len(ids) <= budget, f"prompt of {len(ids)} tokens > {budget}"
            return table

        return fake_generate(prompts.map_batches(check, batch_format="pyarrow"), cfg, model)

    summary = run(cfg, generate_fn=checking_generate)
    docs_out = pl.read_parquet(f"{tmp_path}/out/documents/**/*.parquet")
    assert sorted(docs_out["doc_id"]) == sorted(d[0] for d in docs)
    n_chunks = dict(zip(docs_out["doc_id"], docs_out["n_chunks"]))
    assert n_chunks["zero"] == 0 and n_chunks["zh-200k"] > 100 and n_chunks["en-200k"] > 50
    assert summary.documents == len(docs)


def test_answers_cut_at_max_tokens_are_retried_on_half_chunks(local_ray, tmp_path):
    text = "Acme Corp hired John Smith in Paris. " * 3 + "Bayline moved to Rotterdam."
    corpus = tmp_path / "c"
    corpus.mkdir()
    import pyarrow.parquet as pq_

    pq_.write_table(pa.table({"id": ["long"], "text": [text]}), corpus / "s.parquet")

    def cutting_generate(prompts, cfg, model):
        """Cut the answer of any chunk over 70 chars, as a model running out of max_tokens would."""

        def answer(table):
            batch = table.to_pydict()
            n = len(batch["prompt"])
            long = [len(c) > 70 for c in batch["chunk_text"]]
            texts = ['{"person": ["John Smith", "Jo' if cut else '{"person": ["John Smith"]}' for cut in long]
            return pa.table(
                {
                    **batch,
                    "generated_text": texts,
                    "tokens_in": [10] * n,
                    "tokens_out": [cfg.sampling.max_tokens if cut else 5 for cut in long],
                    "finish_reason": ["length" if cut else "stop" for cut in long],
                    "engine_error": [""] * n,
                    "llm_seconds": [0.01] * n,
                }
            )

        return prompts.map_batches(answer, batch_format="pyarrow")

    out = tmp_path / "out"
    run(
        load_config(None, [f"input.paths=[{corpus}]", f"output.path={out}", "extraction.tasks=[ner]", "output.report=false"]),
        generate_fn=cutting_generate,
    )
    answers = pl.read_parquet(f"{out}/answers/**/*.parquet").sort("attempt")
    assert answers["attempt"].to_list() == [1, 2, 2]
    assert answers["finish_reason"].to_list()[0] == "length"
    errors = pl.read_parquet(f"{out}/errors/**/*.parquet")
    assert sorted(errors["kind"]) == ["too_long", "truncated"]  # the first half (73 chars) was cut again
    entities = pl.read_parquet(f"{out}/entities/**/*.parquet")
    assert entities["entity_id"].n_unique() == entities.height  # the two attempts' mentions merged
    assert set(entities["text"]) == {"John Smith"} and entities.height == 3  # one row per occurrence


@pytest.mark.slow
def test_confidence_lands_in_the_tables_and_min_confidence_moves_rows_aside(local_ray, corpus, tmp_path):
    import functools

    from yayi_batch.failures import ExitCode, exit_code
    from yayi_batch.run.context import calibration_for

    sure = functools.partial(fake_generate, token_prob=0.9)
    raw = tmp_path / "raw"
    run(load_config(None, base_overrides(corpus, raw) + ["output.report=false", "model.calibration=off"]), generate_fn=sure)
    raw_entities = pl.read_parquet(f"{raw}/entities/**/*.parquet")
    assert raw_entities.height and raw_entities["confidence"].is_between(0.89, 0.91).all()  # geometric mean of 0.9s

    # By default the embedded model's shipped calibration maps the raw 0.9 to its observed precision.
    cfg = load_config(None, base_overrides(corpus, tmp_path / "out") + ["output.report=false"])
    shipped = calibration_for(cfg)
    assert shipped is not None
    out = tmp_path / "out"
    summary = run(cfg, generate_fn=sure)
    entities = pl.read_parquet(f"{out}/entities/**/*.parquet")
    expected = shipped.value("ner", 0.9)
    assert expected is not None and abs(expected - 0.9) > 0.01  # the calibration moves it
    assert entities.height == raw_entities.height
    assert ((entities["confidence"] - expected).abs() < 0.01).all()
    assert exit_code(summary.documents_by_status) is ExitCode.PUBLISHED_WITH_FAILURES  # en-1's RE answer is garbage

    strict = tmp_path / "strict"
    threshold = f"output.min_confidence={expected + 0.01:.3f}"
    moved = run(load_config(None, base_overrides(corpus, strict) + ["output.report=false", threshold]), generate_fn=sure)
    low = pl.read_parquet(f"{strict}/low_confidence/**/*.parquet")
    assert pl.read_parquet(f"{strict}/entities/**/*.parquet").height == 0  # all below the threshold: moved, not dropped
    assert low.height == entities.height and set(low["table"]) == {"entities"}
    assert set(low["row_id"]) == set(entities["entity_id"])
    assert moved.rows["low_confidence"] == low.height and moved.rows["entities"] == 0
    assert moved.run_id != summary.run_id  # another threshold, another run: a rerun never mixes them
