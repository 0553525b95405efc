"""The estimate counted with a model's tokenizer, or scaled by a pilot, against what a run
counted that way bills."""

from __future__ import annotations

import math
import socket
from typing import Any

import pytest
from fake_tokenizer_server import FakeTokenizerServer, count, prompt

from long_horizon_execution.core import TurnLog
from long_horizon_execution.evals.estimate import EstimateOptions, estimate_horizon, main
from long_horizon_execution.evals.estimate_pilot import (
    PilotTurn,
    calibrate,
    pilot_arguments,
)
from long_horizon_execution.evals.estimate_replay import horizon_texts, request_units
from long_horizon_execution.evals.estimate_tokens import CharacterCounter
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.tokenizer_client import LlamaTokenizer, TokenizerError

TEXTS = ["alarm is 88, so 0 + 88 = 88. <answer>88</answer>", "coach", "", "{'a': -12}"] * 30


@pytest.mark.parametrize("eos", [True, False])
def test_texts_are_counted_alone_whether_batched_or_not(eos: bool) -> None:
    with FakeTokenizerServer(eos=eos) as server:
        assert LlamaTokenizer(server.url).count(TEXTS) == [count(text) for text in TEXTS]
        asked = server.calls.count("/tokenize")
    # with an end-of-sequence token to separate them, 120 texts take one request (and one
    # to look the token up); without, one request each
    assert asked == (2 if eos else len(TEXTS))


def billed_through(log: Any) -> tuple[int, int]:
    """(input, output) a run would bill if its model counted with the fake tokenizer: every
    request the sample's history up to a user turn, every reply plus its end token."""
    inputs = outputs = 0
    for sample in log.samples:
        messages = [{"role": m.role, "content": m.text} for m in sample.messages]
        users = [index for index, m in enumerate(messages) if m["role"] == "user"]
        inputs += sum(prompt(messages[: index + 1]) for index in users)
        outputs += sum(count(turn.reply) + 1 for turn in TurnLog.of_sample(sample).turns)
    return inputs, outputs


@pytest.mark.parametrize(
    ("mode", "layout"), [("plain", "paper"), ("cot", "paper"), ("cot", "suite")]
)
def test_tokenizer_estimate_is_exact_for_a_run_billed_by_that_tokenizer(
    run_eval: Any, mode: str, layout: str
) -> None:
    arguments: dict[str, Any] = {"samples": 2, "turns": 8, "mode": mode, "layout": layout}
    log = run_eval(horizon(**arguments), model_args={"p": 1.0})
    with FakeTokenizerServer() as server:
        options = EstimateOptions(method="tokenizer", tokenizer_url=server.url)
        estimate = estimate_horizon(options, **arguments)
    assert (estimate.input_tokens, estimate.output_tokens) == billed_through(log)
    assert estimate.method == "tokenizer" and server.url in estimate.detail
    characters = estimate_horizon(**arguments)
    # this tokenizer splits every digit: four characters a token is far off
    assert estimate.input_tokens > 1.5 * characters.input_tokens
    assert estimate.input_uncertainty is not None and estimate.output_uncertainty is not None
    assert characters.input_uncertainty is None


def test_template_cost_is_measured_from_the_server() -> None:
    samples, _ = horizon_texts(samples=1, turns=3, mode="cot")
    with FakeTokenizerServer() as server:
        from long_horizon_execution.evals.estimate_method import _counter

        counting = _counter(LlamaTokenizer(server.url), "fake", samples).counting
    # ChatML: "<|im_start|>role\n" is 3 tokens here, "<|im_end|>\n" 2, the generation prompt 3
    assert (counting.first_request, counting.per_turn, counting.reply_constant) == (13, 10, 1)


def test_calibration_recovers_planted_scales() -> None:
    pilot_args = pilot_arguments({"mode": "cot"}, samples=2, turns=6)
    samples, _ = horizon_texts(**pilot_args)
    units = request_units(samples, CharacterCounter())
    rate = 0.25
    planted = {"fixed": 1.8, "history": 1.3, "output": 2.5}
    turns = [
        PilotTurn(
            sample=int(sample),
            turn=int(row - units.sample.tolist().index(sample)),
            # billed as the characters rule bills: rounded down, plus one
            input_tokens=math.floor(
                rate
                * (planted["fixed"] * units.fixed[row] + planted["history"] * units.history[row])
            )
            + 1,
            output_tokens=math.floor(rate * planted["output"] * units.reply[row]) + 1,
        )
        for row, sample in enumerate(units.sample)
    ]
    calibration = calibrate(units, CharacterCounter().counting, turns, thinking=False)
    assert calibration.scales.model_dump() == pytest.approx(planted, rel=0.02)
    assert calibration.turns == 12 and calibration.output_error < 0.01


def test_pilot_with_the_simulated_model_changes_little() -> None:
    arguments: dict[str, Any] = {"samples": 3, "turns": 20, "mode": "cot"}
    options = EstimateOptions(
        method="pilot", model="simulated/executor", model_args={"p": 1.0}, pilot_turns=3
    )
    piloted = estimate_horizon(options, **arguments)
    characters = estimate_horizon(**arguments)
    # the simulated model writes as asked and counts four characters a token
    assert piloted.method == "pilot" and "pilot of 3 turns" in piloted.detail
    assert piloted.input_tokens == pytest.approx(characters.input_tokens, rel=0.02)
    assert piloted.output_tokens == pytest.approx(characters.output_tokens, rel=0.02)
    assert piloted.output_uncertainty is not None and piloted.output_uncertainty >= 0.1


@pytest.mark.parametrize(
    "arguments",
    [
        {"samples": 2, "turns": 10, "votes": 3},
        {"samples": 2, "turns": 10, "window": 3, "mode": "cot"},
        {"samples": 2, "turns": 10, "window": 2, "votes": 2, "mode": "cot", "layout": "suite"},
    ],
)
def test_votes_and_window_are_counted(run_eval: Any, arguments: dict[str, Any]) -> None:
    log = run_eval(horizon(**arguments), model_args={"p": 1.0})
    usages = [usage for sample in log.samples for usage in sample.model_usage.values()]
    estimate = estimate_horizon(**arguments)
    assert estimate.input_tokens == sum(u.input_tokens for u in usages)
    assert estimate.output_tokens == sum(u.output_tokens for u in usages)
    assert estimate.requests == 2 * 10 * arguments.get("votes", 1)


def test_auto_picks_what_is_at_hand() -> None:
    assert EstimateOptions(method="auto").resolved() == "characters"
    assert EstimateOptions(method="auto", model="local/qwen2.5-coder-1.5b").resolved() == (
        "tokenizer"
    )
    assert EstimateOptions(method="auto", tokenizer_url="http://127.0.0.1:1").resolved() == (
        "tokenizer"
    )
    assert EstimateOptions(method="auto", model="openai/gpt-4o").resolved() == "pilot"
    with pytest.raises(ValueError, match="tokenizer method needs"):
        EstimateOptions(method="tokenizer", model="openai/gpt-4o").resolved()
    with pytest.raises(ValueError, match="pilot method needs"):
        EstimateOptions(method="pilot").resolved()


def test_command_line_says_how_it_counted(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeTokenizerServer() as server:
        main(["-T", "samples=2", "-T", "turns=5", "--tokenizer-url", server.url])
    printed = capsys.readouterr().out
    assert "method                  tokenizer" in printed and "within about" in printed
    main(["-T", "samples=2", "-T", "turns=5"])
    printed = capsys.readouterr().out
    assert "method                  characters" in printed and "accuracy unknown" in printed


def test_an_unreachable_tokenizer_fails_in_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SystemExit) as raised:
        main(["-T", "samples=1", "-T", "turns=2", "--tokenizer-url", f"http://127.0.0.1:{port}"])
    message = str(raised.value)
    assert "tokenizer at" in message and "\n" not in message
    with pytest.raises(TokenizerError):
        LlamaTokenizer(f"http://127.0.0.1:{port}").count(["a", "b"])


def test_bad_pilot_size_is_refused_in_one_line() -> None:
    with pytest.raises(SystemExit, match="pilot-turns"):
        main(["-T", "samples=1", "--model", "openai/gpt-4o", "--pilot-turns", "0"])
