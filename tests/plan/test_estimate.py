"""The plan's arithmetic: expected tokens from max_tokens or a measured mean, time, cost, and a
plan set beside what a run did."""

import pytest

from yayi_batch.plan.estimate import Plan, Rates, TaskCounts, compare


def plan(**kw):
    base = dict(
        inputs=2,
        skipped_inputs=1,
        documents=10,
        chunks=12,
        by_task={"ner": TaskCounts(12, 1200), "re": TaskCounts(12, 1500)},
        max_tokens=100,
    )
    return Plan(**{**base, **kw})


def test_without_a_previous_run_max_tokens_bounds_the_output():
    p = plan(rates=Rates(tokens_per_s=40, replicas=2, price_in=1.0, price_out=4.0))
    assert p.prompts == 24 and p.prompt_tokens == 2700
    assert p.output_tokens() == {"ner": 1200, "re": 1200} and p.output_tokens_bound() == 2400
    assert p.seconds() == pytest.approx(2400 / 80)
    assert p.cost() == pytest.approx(2700 / 1e6 * 1.0 + 2400 / 1e6 * 4.0)
    assert p.as_dict()["output_estimate"].startswith("max_tokens")


def test_a_measured_mean_replaces_the_bound_per_task():
    p = plan(measured_mean_out={"ner": 20.0})
    assert p.output_tokens() == {"ner": 240.0, "re": 1200}  # re has no measurement: still the bound
    assert p.seconds() is None and p.cost() is None  # no rates given
    assert p.as_dict()["output_tokens_expected_total"] == 1440


def test_compare_sets_the_plan_beside_the_first_attempt():
    d = plan(measured_mean_out={"ner": 20.0, "re": 30.0}).as_dict()
    summary = {
        "answers_by_attempt": {"1": 24, "2": 2},
        "tokens_in_by_attempt": {"1": 2700, "2": 100},
        "tokens_out_by_attempt": {"1": 660, "2": 50},
    }
    c = compare(d, summary)
    assert c["prompts"] == {"plan": 24, "actual": 24, "error": 0.0}
    assert c["prompt_tokens"]["error"] == 0.0
    assert c["output_tokens"] == {"plan": 600, "actual": 660, "error": round((600 - 660) / 660, 4)}
    assert c["retry_prompts"]["actual"] == 2
