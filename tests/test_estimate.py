"""The token estimate against what a simulated run records."""

from __future__ import annotations

from typing import Any

import pytest

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.estimate import (
    TokenEstimate,
    estimate_horizon,
    main,
    task_arguments,
)
from long_horizon_execution.evals.horizon import horizon


def recorded_tokens(log: Any) -> tuple[int, int, int]:
    """(input, output, reasoning) tokens over every turn of every sample."""
    inputs = outputs = reasoning = 0
    for sample in log.samples:
        for record in TurnLog.of_sample(sample).turns:
            assert record.usage is not None
            inputs += record.usage.input_tokens
            outputs += record.usage.output_tokens
            reasoning += record.usage.reasoning_tokens or 0
    return inputs, outputs, reasoning


@pytest.mark.parametrize("layout", ["paper", "suite"])
@pytest.mark.parametrize("mode", ["plain", "cot", "thinking"])
def test_estimate_is_within_ten_percent_of_a_simulated_run(
    run_eval: Any, mode: str, layout: str
) -> None:
    arguments: dict[str, Any] = {"samples": 3, "turns": 25, "k": 2, "mode": mode, "layout": layout}
    # p = 0.9: wrong totals change answer lengths and cot working, unlike the estimate
    log = run_eval(horizon(**arguments), model_args={"p": 0.9, "seed": 3})
    inputs, outputs, reasoning = recorded_tokens(log)
    estimate = estimate_horizon(**arguments)
    assert estimate.requests == 3 * 25
    assert abs(estimate.input_tokens - inputs) <= 0.1 * inputs
    assert abs(estimate.output_tokens - outputs) <= 0.1 * outputs
    assert abs(estimate.reasoning_tokens - reasoning) <= 0.1 * max(reasoning, 1)
    assert (estimate.reasoning_tokens > 0) == (mode == "thinking")


@pytest.mark.parametrize("layout", ["paper", "suite"])
@pytest.mark.parametrize("mode", ["plain", "cot"])
def test_estimate_is_exact_when_every_answer_is_right(
    run_eval: Any, mode: str, layout: str
) -> None:
    arguments: dict[str, Any] = {"samples": 2, "turns": 12, "k": 3, "mode": mode, "layout": layout}
    log = run_eval(horizon(**arguments), model_args={"p": 1.0})
    estimate = estimate_horizon(**arguments)
    assert (estimate.input_tokens, estimate.output_tokens, 0) == recorded_tokens(log)


def test_cacheable_input_is_the_previous_request() -> None:
    one = estimate_horizon(samples=1, turns=1)
    assert one.cacheable_input_tokens == 0
    many = estimate_horizon(samples=2, turns=40)
    # every request after the first repeats the whole previous one
    assert 0.9 < many.cacheable_share < 1.0
    assert many.input_tokens > 40 * 2 * one.input_tokens * 0.9


def test_cost_charges_cached_input_at_its_own_price() -> None:
    estimate = TokenEstimate(
        samples=1,
        requests=2,
        input_tokens=3_000_000,
        cacheable_input_tokens=1_000_000,
        output_tokens=1_000_000,
        reasoning_tokens=0,
    )
    assert estimate.cost(3.0, 15.0, 0.3) == pytest.approx(6.0 + 0.3 + 15.0)
    assert estimate.cost(3.0, 15.0, None) == pytest.approx(9.0 + 15.0)


def test_command_line_reads_task_arguments_as_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert task_arguments(["samples=2", "mode=cot", "reasoning_effort=null"]) == {
        "samples": 2,
        "mode": "cot",
        "reasoning_effort": None,
    }
    main(["-T", "samples=2", "-T", "turns=5", "--input-price", "3", "--output-price", "15"])
    printed = capsys.readouterr().out
    assert "requests" in printed and "10" in printed and "cost" in printed


def test_command_line_rejects_a_bad_parameter_in_one_line() -> None:
    with pytest.raises(SystemExit) as raised:
        main(["-T", "samples=2", "-T", "turns=many"])
    message = str(raised.value)
    assert "turns" in message and "\n" not in message
    with pytest.raises(SystemExit, match="unexpected keyword"):
        main(["-T", "unknown=1"])
