"""OpenAI-compatible endpoints, the pure part: the request a prompt row becomes, the columns a
response becomes, rate limits, and a missing key named (no network here; the fault server and a
real `vllm serve` are tested in tests/integration/test_endpoint_run.py)."""

import asyncio
import time
from types import SimpleNamespace

import pytest

from yayi_batch.config import load_config
from yayi_batch.generate.endpoint import MissingApiKey, RateLimiter, answer_columns, api_key, request_body

ROW = {"prompt": "Text: Ann met Bob. \nFrom the given text, extract ...", "task": "ner", "types": ["person"], "roles": []}


def cfg(*extra):
    return load_config(
        None,
        [
            "input.paths=[x]",
            "output.path=y",
            "engine.backend=openai",
            "engine.openai.base_url=http://127.0.0.1:1/v1",
            "engine.openai.model=m",
            *extra,
        ],
    )


def test_the_request_has_the_engine_sampling_and_the_answer_schema():
    body = request_body(ROW, cfg("sampling.max_tokens=64", "sampling.top_k=5"))
    assert body["model"] == "m" and body["max_tokens"] == 64 and body["temperature"] == 0.0
    assert body["messages"] == [{"role": "user", "content": ROW["prompt"]}]
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema" and set(schema["properties"]) == {"person"}
    assert body["extra_body"] == {"top_k": 5}
    assert body["logprobs"] is True and body["top_logprobs"] == 0
    free = request_body(ROW, cfg("engine.openai.structured=none", "engine.logprobs=false"))
    assert "response_format" not in free and "extra_body" not in free and "logprobs" not in free
    raw = request_body(ROW, cfg("model.profile=yayi-uie"))
    assert raw["prompt"] == f"<reserved_13>{ROW['prompt']}<reserved_14>" and "messages" not in raw


def test_response_columns_take_usage_and_the_finish_reason():
    response = SimpleNamespace(
        choices=[SimpleNamespace(message=SimpleNamespace(content='{"person": ["Ann"]}'), finish_reason="length")],
        usage=SimpleNamespace(prompt_tokens=40, completion_tokens=64),
    )
    assert answer_columns(response, 1.5) == {
        "generated_text": '{"person": ["Ann"]}',
        "tokens_in": 40,
        "tokens_out": 64,
        "finish_reason": "length",
        "engine_error": "",
        "llm_seconds": 1.5,
        "token_texts": None,
        "token_logprobs": None,
    }
    tokens = [SimpleNamespace(token='{"person": ["', logprob=-0.1), SimpleNamespace(token='Ann"]}', logprob=-0.5)]
    response.choices[0].logprobs = SimpleNamespace(content=tokens)
    got = answer_columns(response, 1.5)
    assert got["token_texts"] == ['{"person": ["', 'Ann"]}'] and got["token_logprobs"] == [-0.1, -0.5]


def test_a_missing_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("MY_ENDPOINT_KEY", raising=False)
    with pytest.raises(MissingApiKey, match="MY_ENDPOINT_KEY is not set"):
        api_key(cfg("engine.openai.api_key_env=MY_ENDPOINT_KEY"))


def test_the_backend_needs_its_endpoint():
    from yayi_batch.config import ConfigError

    with pytest.raises(ConfigError, match="needs engine.openai.base_url and engine.openai.model"):
        load_config(None, ["input.paths=[x]", "output.path=y", "engine.backend=openai"])


def test_the_rate_limiter_holds_requests_over_the_minute(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    slept = []

    async def fake_sleep(s):
        slept.append(s)
        clock[0] += s

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    limiter = RateLimiter(requests_per_minute=2, tokens_per_minute=None)

    async def go():
        for _ in range(5):
            await limiter.wait(10)

    asyncio.run(go())
    assert len(slept) == 2 and clock[0] == pytest.approx(120.02, abs=0.05)  # 2 per minute: the 3rd and 5th wait


def test_the_token_limit_counts_what_was_sent(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    async def fake_sleep(s):
        clock[0] += s

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    limiter = RateLimiter(requests_per_minute=None, tokens_per_minute=100)

    async def go():
        for _ in range(3):
            await limiter.wait(60)

    asyncio.run(go())
    assert clock[0] == pytest.approx(120.02, abs=0.05)  # 60 + 60 > 100: each request waits for the window
