"""generate through an OpenAI-compatible endpoint (`engine.backend: openai`): a `vllm serve`
fleet, or a hosted model paid per token. Pure of ray and vllm: Ray runs `EndpointRequests` as
an actor pool (generate/engine.py); tests call it on a pyarrow table.

Each actor keeps one `openai.AsyncOpenAI` client and sends a batch's rows concurrently (at most
`engine.openai.concurrency` in flight), within the actor's share of the requests-per-minute and
tokens-per-minute limits. The client retries 408/409/429 and 5xx with exponential backoff and
honours `Retry-After` (`engine.openai.max_retries` times, each request bounded by
`engine.openai.timeout_s`); a request that still fails becomes an `engine_error` row, never an
exception. Tokens in and out come from the response's `usage`. The API key is read from the
environment variable the config names, and is masked out of every error message kept.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import time
from typing import Any

import pyarrow as pa

from yayi_batch.config import ConfigError, JobConfig
from yayi_batch.model.profiles import PROFILES, PromptStyle
from yayi_batch.prompts.json_schema import answer_schema
from yayi_batch.schema import FinishReason, Task
from yayi_batch.schema.columns import GENERATED_ROWS


class MissingApiKey(ConfigError):
    """The environment variable named by engine.openai.api_key_env is not set."""


def api_key(cfg: JobConfig) -> str:
    """The endpoint's key, from the environment of the process that runs the job (the driver):
    read once there, before any work, and handed to the request actors, which may run on nodes
    whose environment lacks it."""
    o = cfg.engine.openai
    key = os.environ.get(o.api_key_env)
    if not key:
        raise MissingApiKey(f"engine.openai.api_key_env: the environment variable {o.api_key_env} is not set")
    return key


def request_body(row: dict[str, Any], cfg: JobConfig) -> dict[str, Any]:
    """The chat (or completions) request of one prompt row: the same sampling as the in-process
    engine, and the same answer schema as its guided decoding, as a JSON-schema response format."""
    s, o, e = cfg.sampling, cfg.engine.openai, cfg.engine
    body: dict[str, Any] = {"model": o.model, "max_tokens": s.max_tokens, "temperature": s.temperature, "top_p": s.top_p}
    extra: dict[str, Any] = dict(o.extra_body)
    if s.top_k:
        extra.setdefault("top_k", s.top_k)
    if s.repetition_penalty != 1.0:
        extra.setdefault("repetition_penalty", s.repetition_penalty)
    profile = PROFILES[cfg.model.profile]
    if profile.style is PromptStyle.CHAT:
        body["messages"] = [{"role": "user", "content": row["prompt"]}]
        if e.logprobs:
            body.update(logprobs=True, top_logprobs=0)  # the sampled token's own, per token: the confidence
    else:
        body["prompt"] = profile.wrap(row["prompt"])
        if e.logprobs:
            body["logprobs"] = 0
    if e.structured_outputs and o.structured == "json_schema":
        schema = answer_schema(
            Task(row["task"]),
            list(row["types"] or []),
            list(row["roles"] or []),
            max_items=e.structured_max_items,
            max_chars=e.structured_max_chars,
        )
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    if extra:
        body["extra_body"] = extra
    return body


def answer_columns(response: Any, seconds: float) -> dict[str, Any]:
    """Our engine columns from a chat or completions response."""
    choice = response.choices[0]
    text = choice.message.content if hasattr(choice, "message") else choice.text
    usage = response.usage
    reason = FinishReason.LENGTH if choice.finish_reason == "length" else FinishReason.STOP
    texts, values = _token_logprobs(getattr(choice, "logprobs", None))
    return {
        "generated_text": text or "",
        "tokens_in": int(getattr(usage, "prompt_tokens", 0) or 0),
        "tokens_out": int(getattr(usage, "completion_tokens", 0) or 0),
        "finish_reason": reason.value,
        "engine_error": "",
        "llm_seconds": seconds,
        "token_texts": texts,
        "token_logprobs": values,
    }


def _token_logprobs(logprobs: Any) -> tuple[list[str] | None, list[float] | None]:
    """A chat (`content: [{token, logprob}]`) or completions (`tokens`, `token_logprobs`) logprobs
    object -> the sampled tokens' texts and log-probabilities."""
    if logprobs is None:
        return None, None
    content = getattr(logprobs, "content", None)
    if content:
        return [c.token for c in content], [float(c.logprob) for c in content]
    tokens, values = getattr(logprobs, "tokens", None), getattr(logprobs, "token_logprobs", None)
    if tokens and values and None not in values:
        return list(tokens), [float(v) for v in values]
    return None, None


def failed_columns(error: str, seconds: float) -> dict[str, Any]:
    return {
        "generated_text": "",
        "tokens_in": 0,
        "tokens_out": 0,
        "finish_reason": FinishReason.ERROR.value,
        "engine_error": error,
        "llm_seconds": seconds,
        "token_texts": None,
        "token_logprobs": None,
    }


class RateLimiter:
    """Requests and tokens per minute over a sliding 60-second window (None: no limit)."""

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None):
        self.rpm, self.tpm = requests_per_minute, tokens_per_minute
        self.sent: collections.deque[tuple[float, int]] = collections.deque()
        self.lock = asyncio.Lock()

    async def wait(self, tokens: int) -> None:
        while True:
            async with self.lock:
                now = time.monotonic()
                while self.sent and now - self.sent[0][0] >= 60:
                    self.sent.popleft()
                n, used = len(self.sent), sum(t for _, t in self.sent)
                if (self.rpm is None or n < self.rpm) and (self.tpm is None or used + tokens <= self.tpm or not self.sent):
                    self.sent.append((now, tokens))
                    return
                delay = 60 - (now - self.sent[0][0]) + 0.01
            await asyncio.sleep(delay)


class EndpointRequests:
    """A batch of prompt rows -> the same rows with the engine's columns (one per row, in order)."""

    def __init__(self, cfg: JobConfig, key: str, n_actors: int = 1):
        o = cfg.engine.openai
        self.cfg, self.key = cfg, key
        self.chat = PROFILES[cfg.model.profile].style is PromptStyle.CHAT
        share = max(1, n_actors)
        self.rpm = o.requests_per_minute / share if o.requests_per_minute else None
        self.tpm = o.tokens_per_minute / share if o.tokens_per_minute else None
        self.loop = asyncio.new_event_loop()
        self.client: Any = None

    def _client(self) -> Any:
        if self.client is None:
            from openai import AsyncOpenAI

            o = self.cfg.engine.openai
            self.client = AsyncOpenAI(base_url=o.base_url, api_key=self.key, max_retries=o.max_retries, timeout=o.timeout_s)
        return self.client

    def _masked(self, message: str) -> str:
        return message.replace(self.key, "***")[:2000]

    async def _one(self, row: dict[str, Any], gate: asyncio.Semaphore, limiter: RateLimiter) -> dict[str, Any]:
        body = request_body(row, self.cfg)
        estimate = len(row["prompt"]) // 3 + self.cfg.sampling.max_tokens  # corrected by nothing: an upper bound
        async with gate:
            await limiter.wait(estimate)
            started = time.perf_counter()
            try:
                api = self._client().chat.completions if self.chat else self._client().completions
                response = await api.create(**body)
                return answer_columns(response, time.perf_counter() - started)
            except Exception as exc:  # after the client's retries: this row is an engine_error row
                return failed_columns(self._masked(f"{type(exc).__name__}: {exc}"), time.perf_counter() - started)

    async def _batch(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        gate = asyncio.Semaphore(self.cfg.engine.openai.concurrency)
        limiter = self.limiter = getattr(self, "limiter", None) or RateLimiter(self.rpm, self.tpm)
        return await asyncio.gather(*(self._one(r, gate, limiter) for r in rows))

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = batch.to_pylist()
        answers = self.loop.run_until_complete(self._batch(rows))
        out = batch
        for name in (
            "generated_text",
            "tokens_in",
            "tokens_out",
            "finish_reason",
            "engine_error",
            "llm_seconds",
            "token_texts",
            "token_logprobs",
        ):
            out = out.append_column(name, pa.array([a[name] for a in answers], GENERATED_ROWS.field(name).type))
        return out


def describe(cfg: JobConfig) -> str:
    """The endpoint as a log may show it (no key)."""
    o = cfg.engine.openai
    return json.dumps(
        {
            "base_url": o.base_url,
            "model": o.model,
            "concurrency": o.concurrency,
            "requests_per_minute": o.requests_per_minute,
            "tokens_per_minute": o.tokens_per_minute,
        }
    )
