"""Self-conditioning: the history-rewriting solvers, their reuse by an unrelated task, the
scorer, and the experiment's validation on the simulated executor."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.event import ModelEvent
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    GenerateConfig,
    ModelAPI,
    ModelName,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.scorer import Target
from inspect_ai.solver import TaskState
from inspect_ai.tool import ToolChoice, ToolInfo
from inspect_ai.util import Store

from long_horizon_execution.core import (
    ParsedAnswer,
    RewriteLog,
    TurnLog,
    TurnRecord,
    format_answer,
    parse_answer,
)
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.self_conditioning import self_conditioning
from long_horizon_execution.scorers.metrics import mean_estimate, slope_estimate
from long_horizon_execution.scorers.self_conditioning import (
    conditioned_correctness,
    log_scores,
    rate_curves,
)
from long_horizon_execution.solvers.rewrite import InducedErrors, rewritten_history


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for score in log.results.scores for name, m in score.metrics.items()}


def rewrite_log(sample: Any) -> RewriteLog:
    return RewriteLog(store=Store(sample.store))


def fake_state(truths: list[int], sample_id: str = "s", **metadata: Any) -> TaskState:
    return TaskState(
        model=ModelName("none/none"),
        sample_id=sample_id,
        epoch=1,
        input=[],
        messages=[],
        target=Target([str(total) for total in truths]),
        metadata=metadata,
    )


# --- the rule ---------------------------------------------------------------------------

TRUTHS = list(np.cumsum(np.random.default_rng(5).integers(-99, 100, size=400)).tolist())


def shown(rule: InducedErrors, state: TaskState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    plan = rule.plan(state)
    return (
        np.array([entry.value for entry in plan]),
        np.array([entry.induced for entry in plan]),
        np.array([entry.offset for entry in plan]),
    )


def test_rate_zero_is_healed_and_rate_one_is_wrong_everywhere() -> None:
    truths = np.array(TRUTHS)
    healed, induced, _ = shown(InducedErrors(rate=0.0), fake_state(TRUTHS))
    assert (healed == truths).all() and not induced.any()
    values, induced, offsets = shown(InducedErrors(rate=1.0), fake_state(TRUTHS))
    assert induced.all() and (values != truths).all()
    assert (values - truths == offsets).all()  # uniform: not cumulative
    assert set(offsets.tolist()) == set(range(-10, 0)) | set(range(1, 11))


def test_errors_are_reproducible_nested_across_rates_and_at_the_rate() -> None:
    def rule(rate: float, seed: int = 3) -> InducedErrors:
        return InducedErrors(rate=rate, seed=seed, key_field="instance")

    state = fake_state(TRUTHS, instance=7)
    first, again = (
        shown(rule(0.5), state),
        shown(rule(0.5), fake_state(TRUTHS, "other", instance=7)),
    )
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    assert not (shown(rule(0.5, seed=4), state)[1] == first[1]).all()
    assert not (shown(rule(0.5), fake_state(TRUTHS, instance=8))[1] == first[1]).all()
    quarter, half = shown(rule(0.25), state), shown(rule(0.5), state)
    assert (half[1] | ~quarter[1]).all()  # every error at 0.25 is an error at 0.5 ...
    assert (quarter[2][quarter[1]] == half[2][quarter[1]]).all()  # ... with the same offset
    for rate in (0.25, 0.5, 0.75):
        assert abs(shown(rule(rate), state)[1].mean() - rate) < 0.06
    # the sample id keys the draws when no key field is given
    by_id = InducedErrors(rate=0.5)
    assert not (
        shown(by_id, fake_state(TRUTHS, "a"))[1] == shown(by_id, fake_state(TRUTHS, "b"))[1]
    ).all()


def test_drift_keeps_later_totals_on_the_wrong_track() -> None:
    truths = np.array(TRUTHS)
    values, induced, offsets = shown(InducedErrors(rate=0.3, offsets="drift"), fake_state(TRUTHS))
    assert (values - truths == np.cumsum(offsets)).all()
    steps, true_steps = np.diff(values, prepend=0), np.diff(truths, prepend=0)
    assert (steps[~induced] == true_steps[~induced]).all()  # consistent after an error
    assert (steps[induced] != true_steps[induced]).all()  # an induced step is never right
    assert induced.any()


def test_rule_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="max_offset"):
        InducedErrors(max_offset=0)
    with pytest.raises(ValueError, match="rate"):
        InducedErrors(rate=1.5)


# --- a second, unrelated multi-turn task reusing the solvers ------------------------------


@modelapi(name="letter_counter")
class LetterCounter(ModelAPI):
    """Adds the letters of the user's word to the last total its history shows."""

    def __init__(self, model_name: str, **_: Any) -> None:
        super().__init__(model_name, None, None, [], GenerateConfig())

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        shown = [parse_answer(m.text).value for m in input if isinstance(m, ChatMessageAssistant)]
        previous = next((v for v in reversed(shown) if v is not None), 0)
        output = ModelOutput.from_content(
            self.model_name, format_answer(previous + len(input[-1].text))
        )
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output


WORDS = [
    ["apple", "fig", "banana", "kiwi", "plum", "cherry"],
    ["a", "bb", "ccc", "dddd", "eeeee", "ff"],
]


def letters_task(rule: InducedErrors, synthetic_before: int = 1) -> Task:
    samples = [
        Sample(
            id=f"w{n}",
            input=[ChatMessageSystem(content="Count the letters of every word so far.")],
            target=[str(total) for total in np.cumsum([len(w) for w in words]).tolist()],
            metadata={"words": words},
        )
        for n, words in enumerate(WORDS)
    ]
    return Task(
        dataset=MemoryDataset(samples),
        solver=rewritten_history(
            rule, synthetic_before=synthetic_before, turns_field="words", history="answer"
        ),
    )


def test_an_unrelated_task_sees_rewritten_history_while_raw_replies_are_kept(run_eval: Any) -> None:
    log = run_eval(
        letters_task(InducedErrors(rate=1.0, max_offset=3, seed=9)), model="letter_counter/x"
    )
    for sample, words in zip(log.samples, WORDS, strict=True):
        records = TurnLog.of_sample(sample).turns
        entries = rewrite_log(sample).turns
        truths = np.cumsum([len(w) for w in words])
        assert [e.turn for e in entries] == list(range(1, 7)) and all(e.induced for e in entries)
        assert all(
            0 < abs(e.offset) <= 3 and e.value == t + e.offset
            for e, t in zip(entries, truths, strict=True)
        )
        # the model continued from the rewritten total, and its raw reply stays recorded
        for turn in range(2, 7):
            previous = entries[turn - 2].value
            assert previous is not None
            assert records[turn - 1].answer.value == previous + len(words[turn - 1])
        assert all(
            r.shown == e.shown and r.rewritten == (e.shown != r.reply)
            for r, e in zip(records, entries, strict=True)
        )
        assert sum(r.rewritten for r in records) >= 4
        assistants = [m.text for m in sample.messages if isinstance(m, ChatMessageAssistant)]
        assert assistants == [e.shown for e in entries]
        events = [e for e in sample.events if isinstance(e, ModelEvent)]
        assert [e.output.completion for e in events] == [r.reply for r in records]
        assert [m.text for m in events[-1].input if m.role == "assistant"] == assistants[:-1]


def test_synthetic_history_costs_one_call_and_is_marked_injected(run_eval: Any) -> None:
    log = run_eval(
        letters_task(InducedErrors(rate=0.0), synthetic_before=6), model="letter_counter/x"
    )
    for sample, words in zip(log.samples, WORDS, strict=True):
        assert len([e for e in sample.events if isinstance(e, ModelEvent)]) == 1
        assistants = [m for m in sample.messages if isinstance(m, ChatMessageAssistant)]
        assert [bool((m.metadata or {}).get("injected")) for m in assistants] == [True] * 5 + [
            False
        ]
        # synthetic turns are tagged and named like generated ones (see multi_turn)
        for message in sample.messages[1:]:
            turn = (message.metadata or {})["turn"]
            assert message.id == f"{sample.uuid}-{turn}-{message.role}"
        records = TurnLog.of_sample(sample).turns
        assert [r.turn for r in records] == [6] and not records[0].rewritten  # rate 0: healed
        assert records[0].answer.value == sum(len(w) for w in words)
        assert [e.synthetic for e in rewrite_log(sample).turns] == [True] * 5 + [False]


# --- scoring ------------------------------------------------------------------------------


def record(turn: int, value: int | None, stop_reason: str = "stop") -> TurnRecord:
    answer = (
        ParsedAnswer(status="int", value=value)
        if value is not None
        else ParsedAnswer(status="no_answer")
    )
    text = format_answer(value) if value is not None else ""
    return TurnRecord(
        turn=turn, prompt="", reply=text, answer=answer, shown=text, stop_reason=stop_reason
    )


def test_replies_are_judged_against_the_shown_history_and_the_truth() -> None:
    truths = [3, 5, 9, 10, 12]
    # turn 1 shown as 4 (induced); the model builds on it at turn 2, slips at turn 3,
    # answers the truth at turn 4 although the history showed 7, and runs out at turn 5
    records = [record(2, 6), record(3, 99), record(4, 10), record(5, None, "model_length")]
    shown_map: dict[int, int | None] = {1: 4, 3: 7}
    relative, true = conditioned_correctness(records, shown_map, truths)
    assert math.isnan(relative[0]) and relative[1:4].tolist() == [1.0, 0.0, 0.0]
    assert true[1:4].tolist() == [0.0, 0.0, 1.0]
    assert math.isnan(relative[4]) and math.isnan(true[4])  # unobserved, not wrong


def test_slope_and_mean_estimates() -> None:
    x = np.repeat([0.0, 0.5, 1.0], 4)
    y = 1.0 - 0.5 * x
    exact = slope_estimate(x, y, clusters=np.tile(np.arange(4), 3))
    assert exact.value == pytest.approx(-0.5) and exact.low == pytest.approx(-0.5)
    noisy = slope_estimate(np.array([0, 0, 1, 1.0]), np.array([1, 0, 0, np.nan]))
    assert noisy.value == pytest.approx(-0.5) and noisy.low <= noisy.value <= noisy.high
    assert math.isnan(slope_estimate(np.ones(3), np.array([0, 1, 0.0])).value)
    mean = mean_estimate(np.array([1, 1, 0, 0, np.nan]))
    assert mean.value == 0.5 and 0.0 <= mean.low < 0.5 < mean.high <= 1.0


# --- the task -----------------------------------------------------------------------------


def test_target_protocol_groups_by_rate_with_one_call_per_sample(run_eval: Any) -> None:
    log = run_eval(
        self_conditioning(samples=2, rates=[0, 0.5], target_turn=6), model_args={"p": 1.0}
    )
    assert [s.id for s in log.samples] == ["r0.0-i0", "r0.0-i1", "r0.5-i0", "r0.5-i1"]
    assert [s.metadata["rate"] for s in log.samples] == [0.0, 0.0, 0.5, 0.5]
    for sample in log.samples:
        assert len([e for e in sample.events if isinstance(e, ModelEvent)]) == 1
        assistants = [m for m in sample.messages if isinstance(m, ChatMessageAssistant)]
        assert len(assistants) == 6 and all(
            (m.metadata or {}).get("injected") for m in assistants[:5]
        )
    values = metrics(log)
    assert values["shown_0"] == values["shown_50"] == 1.0  # a perfect executor
    assert values["true_0"] == 1.0
    assert {"shown_50_low", "true_50_high", "slope_shown", "slope_true_low"} <= set(values)


def test_full_protocol_gives_per_turn_curves_per_rate(run_eval: Any) -> None:
    task = self_conditioning(samples=3, rates=[0, 1], target_turn=5, protocol="full")
    log = run_eval(task, model_args={"p": 1.0})
    sample = log.samples[-1]
    assert len([e for e in sample.events if isinstance(e, ModelEvent)]) == 5
    assert all(r.rewritten for r in TurnLog.of_sample(sample).turns[:-1])
    curves = rate_curves(log_scores(log))
    assert [c.rate for c in curves] == [0.0, 1.0] and all(c.samples == 3 for c in curves)
    assert curves[0].true == [1.0] * 5 and curves[1].shown == [1.0] * 5
    assert curves[1].true[1:] == [0.0] * 4  # builds on a wrong shown total every turn
    assert metrics(log)["turns_100"] == 1.0


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"rates": [0, 1.5]}, "rates"),
        ({"rates": [0.5, 0.5]}, "rates"),
        ({"protocol": "all"}, "protocol"),
        ({"target_turn": 1}, "target_turn"),
        ({"offsets": "gauss"}, "offsets"),
    ],
)
def test_invalid_parameters_fail_with_one_line(arguments: dict[str, Any], named: str) -> None:
    with pytest.raises(ParameterError, match=named):
        self_conditioning(**arguments)


# --- validation on the simulated executor -------------------------------------------------

VALIDATION: dict[str, Any] = {"samples": 30, "target_turn": 30}


def test_without_self_conditioning_accuracy_is_flat_across_rates(run_eval: Any) -> None:
    log = run_eval(self_conditioning(**VALIDATION), model_args={"p": 0.9, "self_conditioning": 0.0})
    values = metrics(log)
    print({name: round(v, 3) for name, v in values.items() if name.startswith(("slope", "shown_"))})
    assert values["slope_shown_low"] < 0.0 < values["slope_shown_high"]
    assert values["slope_true_high"] < 0.0  # against the true total, induced errors count


def test_with_self_conditioning_accuracy_falls_with_the_rate(run_eval: Any) -> None:
    log = run_eval(self_conditioning(**VALIDATION), model_args={"p": 0.9, "self_conditioning": 0.5})
    values = metrics(log)
    print({name: round(v, 3) for name, v in values.items() if name.startswith(("slope", "shown_"))})
    assert values["slope_shown_high"] < 0.0
    # planted: the error rate rises by 0.5 per unit share of wrong totals shown
    assert values["slope_shown_low"] < -0.5 < values["slope_shown_high"]
    assert values["shown_0"] > values["shown_100"]


def test_a_single_rate_from_the_command_line_is_accepted() -> None:
    task = self_conditioning(samples=2, rates=0.5, target_turn=3)
    assert [s.id for s in task.dataset] == ["r0.5-i0", "r0.5-i1"]
    assert task.metadata is not None and task.metadata["rates"] == [0.5]


@pytest.mark.parametrize("layout", ["paper", "suite"])
def test_cot_synthetic_turns_show_working_that_reaches_the_shown_total(
    run_eval: Any, layout: str
) -> None:
    """In cot mode the history looks like the model's own: working from the total shown
    before, ending at the (always wrong, at rate 1) shown total, written as the layout's
    example writes it (paper: one line a turn; suite: one line a key)."""
    log = run_eval(
        self_conditioning(samples=1, rates=[1.0], target_turn=5, k=2, mode="cot", layout=layout),
        model_args={"p": 1.0},
    )
    sample = log.samples[0]
    injected = [
        m
        for m in sample.messages
        if isinstance(m, ChatMessageAssistant) and (m.metadata or {}).get("injected")
    ]
    assert len(injected) == 4
    previous = 0
    for message, truth in zip(injected, sample.target, strict=False):
        shown = parse_answer(message.text).value
        assert shown is not None and shown != int(truth)
        if layout == "paper":
            working, tag = message.text.split(". <answer>")
            addition = working.split(", so ")[1]
            assert addition.startswith(f"{previous} ") and addition.endswith(f" = {shown}")
            assert "\n" not in message.text
        else:
            *lines, tag = message.text.splitlines()
            assert len(lines) == 2 and lines[0].split("; ")[1].startswith(f"{previous} + ")
            assert int(lines[-1].rsplit(" = ", 1)[1]) == shown
        previous = shown
