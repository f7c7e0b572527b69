"""generate/rows.py: the engine's row pre/post-processing, without an engine."""

import json

from yayi_batch.config import load_config
from yayi_batch.generate.rows import COLUMNS, CPU_ENGINE_DEFAULTS, Postprocess, Preprocess, engine_failure_columns, engine_kwargs

ROW = {"prompt_id": "p1", "doc_id": "d", "chunk_id": "c", "task": "ner", "prompt": "文本: T \n抽取", "types": ["人物", "地点"], "roles": []}


def cfg(*overrides):
    return load_config(None, ["input.paths=[x]", "output.path=out", *overrides])


def test_chat_profile_sends_one_user_message_with_a_json_schema():
    out = Preprocess(cfg("model.profile=chat", "engine.structured_outputs=true"))(dict(ROW))
    assert out["messages"] == [{"role": "user", "content": ROW["prompt"]}]
    schema = json.loads(out["sampling_params"]["structured_outputs"]["json"])
    assert set(schema["properties"]) == {"人物", "地点"}
    assert out["prompt_id"] == "p1"  # the checkpoint key passes through


def test_yayi_profile_wraps_the_raw_prompt_and_free_decoding_has_no_schema():
    out = Preprocess(cfg("model.profile=yayi-uie", "model.source=/models/yayi", "engine.structured_outputs=false"))(dict(ROW))
    assert out["prompt"] == f"<reserved_13>{ROW['prompt']}<reserved_14>"
    assert "messages" not in out and "structured_outputs" not in out["sampling_params"]
    assert out["sampling_params"]["max_tokens"] == 256


def test_postprocess_maps_engine_columns_and_marks_a_full_budget_as_cut():
    post = Postprocess(cfg("sampling.max_tokens=8"))
    engine_row = {
        **ROW,
        "generated_text": "{}",
        "num_input_tokens": 30,
        "num_generated_tokens": 8,
        "time_taken_llm": 0.5,
        "messages": [],
        "sampling_params": {},
        "request_id": 3,
    }
    out = post(engine_row)
    assert {c: out[c] for c in COLUMNS.adds} == {
        "generated_text": "{}",
        "tokens_in": 30,
        "tokens_out": 8,
        "finish_reason": "length",
        "engine_error": "",
        "llm_seconds": 0.5,
        "token_texts": None,
        "token_logprobs": None,
    }
    # the sampled tokens' log-probabilities, as vLLM returns them through ray.data.llm
    with_lp = post(
        {
            **engine_row,
            "generated_tokens": [5, 9],
            "logprobs": [{5: {"logprob": -0.1, "rank": 1, "decoded_token": "{"}}, {9: {"logprob": -0.7, "rank": 1, "decoded_token": "}"}}],
        }
    )
    assert with_lp["token_texts"] == ["{", "}"] and with_lp["token_logprobs"] == [-0.1, -0.7]
    assert "logprobs" not in with_lp and "generated_tokens" not in with_lp
    assert "messages" not in out and "request_id" not in out and out["prompt_id"] == "p1"
    assert post({**engine_row, "num_generated_tokens": 3})["finish_reason"] == "stop"
    assert post({**engine_row, "__inference_error__": "boom"})["finish_reason"] == "error"


def test_engine_failure_columns_for_a_row_that_skipped_the_postprocess():
    cols = engine_failure_columns({**ROW, "__inference_error__": "prompt too long"})
    assert cols == {"generated_text": "", "tokens_in": 0, "tokens_out": 0, "finish_reason": "error", "engine_error": "prompt too long"}
    ok = engine_failure_columns(
        {**ROW, "generated_text": "[]", "tokens_in": 5, "tokens_out": 2, "finish_reason": "stop", "engine_error": ""}
    )
    assert ok["finish_reason"] == "stop" and ok["engine_error"] == "" and ok["tokens_out"] == 2


def test_cpu_bundle_gets_cpu_engine_defaults_and_the_config_has_the_last_word():
    kw = engine_kwargs(cfg("engine.cpu_bundle=1", "engine.engine_kwargs={dtype: bfloat16}"), "/m", "/tok")
    assert kw["dtype"] == "bfloat16" and kw["enforce_eager"] is CPU_ENGINE_DEFAULTS["enforce_eager"]
    assert kw["tokenizer"] == "/tok" and kw["enable_prefix_caching"] is True
