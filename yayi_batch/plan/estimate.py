"""The plan's arithmetic: counts of a corpus and rates -> tokens, time and cost. Pure module.

Prompts and prompt tokens are counted exactly (the job's own chunker and prompt builder, the
model's tokenizer with the chat template the engine applies: plan/count.py). Output tokens are an
estimate: `sampling.max_tokens` per prompt bounds them; a previous run of the same config on the
same output gives the measured mean per task, which is what a nightly run will spend.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rates:
    tokens_per_s: float  # generated tokens per second per replica
    replicas: int
    price_in: float = 0.0  # per million prompt tokens
    price_out: float = 0.0  # per million output tokens


@dataclass
class TaskCounts:
    prompts: int = 0
    prompt_tokens: int = 0


@dataclass
class Plan:
    inputs: int
    skipped_inputs: int  # nightly mode: shards a published manifest already covers
    documents: int
    chunks: int
    by_task: dict[str, TaskCounts]
    max_tokens: int
    measured_mean_out: dict[str, float] = field(default_factory=dict)  # per task, from a previous run
    rates: Rates | None = None

    @property
    def prompts(self) -> int:
        return sum(t.prompts for t in self.by_task.values())

    @property
    def prompt_tokens(self) -> int:
        return sum(t.prompt_tokens for t in self.by_task.values())

    def output_tokens(self) -> dict[str, float]:
        """Expected output tokens per task: the measured mean where there is one, else max_tokens."""
        return {task: c.prompts * self.measured_mean_out.get(task, self.max_tokens) for task, c in self.by_task.items()}

    def output_tokens_bound(self) -> int:
        return self.prompts * self.max_tokens

    def seconds(self) -> float | None:
        if self.rates is None or self.rates.tokens_per_s <= 0:
            return None
        return sum(self.output_tokens().values()) / (self.rates.tokens_per_s * max(1, self.rates.replicas))

    def cost(self) -> float | None:
        if self.rates is None:
            return None
        return self.prompt_tokens / 1e6 * self.rates.price_in + sum(self.output_tokens().values()) / 1e6 * self.rates.price_out

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(
            prompts=self.prompts,
            prompt_tokens=self.prompt_tokens,
            output_tokens_expected={k: round(v) for k, v in self.output_tokens().items()},
            output_tokens_expected_total=round(sum(self.output_tokens().values())),
            output_tokens_bound=self.output_tokens_bound(),
            seconds=self.seconds(),
            cost=self.cost(),
            output_estimate="measured mean of a previous run" if self.measured_mean_out else "max_tokens per prompt (an upper bound)",
        )
        return d


def compare(plan: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """A plan beside what the run did: prompts, prompt tokens, output tokens, and the error of each."""

    def rel(p: float, a: float) -> float | None:
        return round((p - a) / a, 4) if a else None

    # The plan counts the prompts of the chunks: the run's first attempt (retries on half chunks
    # of answers cut at max_tokens come on top, and are shown apart).
    first = "1"
    rows = {
        "prompts": (plan.get("prompts", 0), summary.get("answers_by_attempt", {}).get(first, 0)),
        "prompt_tokens": (plan.get("prompt_tokens", 0), summary.get("tokens_in_by_attempt", {}).get(first, 0)),
        "output_tokens": (plan.get("output_tokens_expected_total", 0), summary.get("tokens_out_by_attempt", {}).get(first, 0)),
        "retry_prompts": (0, summary.get("answers_by_attempt", {}).get("2", 0)),
    }
    return {k: {"plan": p, "actual": a, "error": rel(p, a)} for k, (p, a) in rows.items()}
