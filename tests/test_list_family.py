"""The list-edit family: its dataset, its parser, its judge, and the task end to end on
scripted models (error injection and voting included)."""

from __future__ import annotations

from typing import Any

import pytest
from inspect_ai.log import InfoEvent, resolve_sample_attachments
from inspect_ai.model import get_model

from long_horizon_execution.core import ParsedAnswer, RewriteLog, TurnLog, VoteLog
from long_horizon_execution.evals.list_edits import list_edits
from long_horizon_execution.evals.list_family import (
    ListPlan,
    apply_turn,
    list_dataset,
    read_list_answer,
    render,
)
from long_horizon_execution.evals.params import ParameterError
from tests.scripted import scripted_outputs


def tagged(items: list[str]) -> str:
    return f"<answer>{render(items)}</answer>"


def test_the_dataset_is_reproducible_and_every_edit_changes_the_list() -> None:
    plan = ListPlan(samples=5, turns=30, k=3, max_items=4, seed=7)
    first, again = list_dataset(plan), list_dataset(plan)
    assert [s.metadata for s in first] == [s.metadata for s in again]
    for sample in first:
        assert sample.metadata is not None
        state: list[str] = sample.metadata["start"]
        assert len(state) == 3 and len(set(state)) == 3
        for edits, expected in zip(
            sample.metadata["turns"], sample.metadata["states"], strict=True
        ):
            assert len(edits) == 3
            for edit in edits:
                after = apply_turn(state, [edit])
                assert after != state, edit  # no edit is a no-op
                assert len(after) <= 4
                state = after
            assert state == expected
        assert sample.target == [render(s) for s in sample.metadata["states"]]
    other = list_dataset(ListPlan(samples=5, turns=30, k=3, max_items=4, seed=8))
    assert [s.metadata for s in other] != [s.metadata for s in first]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("<answer>lemon, bread</answer>", ParsedAnswer.of(["lemon", "bread"], "lemon, bread")),
        ("<ANSWER> Lemon ,BREAD </ANSWER>", ParsedAnswer.of(["lemon", "bread"], " Lemon ,BREAD ")),
        ("<answer>empty</answer>", ParsedAnswer.of([], "empty")),
        ("<think>x</think><answer>mango</answer>", ParsedAnswer.of(["mango"], "mango")),
        ("no tag", ParsedAnswer(status="no_answer")),
        ("<answer>lemon,, bread</answer>", ParsedAnswer(status="invalid", content="lemon,, bread")),
        ("<answer>3</answer>", ParsedAnswer(status="invalid", content="3")),
        ("<answer></answer>", ParsedAnswer(status="invalid", content="")),
    ],
)
def test_list_answers_are_read(reply: str, expected: ParsedAnswer) -> None:
    assert read_list_answer(reply) == expected


def oracle(task: Any, slip_at: int | None = None) -> list[str]:
    """Right replies for the task's one sample; with ``slip_at``, that turn drops the
    list's last word and later turns apply their edits to the wrong list."""
    metadata = next(iter(task.dataset)).metadata
    replies, state = [], list(metadata["start"])
    for turn, edits in enumerate(metadata["turns"], start=1):
        state = apply_turn(state, edits)
        if turn == slip_at:
            state = state[:-1] if state else ["olive"]
        replies.append(tagged(state))
    return replies


def metrics(log: Any) -> dict[str, float]:
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


def test_a_right_model_scores_the_whole_horizon(run_eval: Any) -> None:
    task = list_edits(samples=1, turns=6, k=2)
    model = get_model("mockllm/model", custom_outputs=scripted_outputs(*oracle(task)))
    log = run_eval(task, model=model)
    values = metrics(log)
    assert values["turn_accuracy"] == 1.0 and values["task_accuracy"] == 1.0
    assert values["horizon_50"] == 12  # steps: 6 turns x 2 edits
    assert log.eval.task_version == "2-A"


def test_a_slip_fails_the_task_but_later_turns_are_judged_from_the_wrong_list(
    run_eval: Any,
) -> None:
    task = list_edits(samples=1, turns=5, k=1)
    model = get_model("mockllm/model", custom_outputs=scripted_outputs(*oracle(task, 3)))
    sample = run_eval(task, model=model).samples[0]
    per_turn = sample.scores["execution_scorer"].metadata["per_turn"]
    index, task_ok, turn = (per_turn[name] for name in ("index", "task", "turn"))
    assert list(task_ok) == [1, 1, 0, 0, 0]
    assert list(turn) == [1, 1, 0, 1, 1]  # turns 4 and 5 apply their edits correctly
    assert TurnLog.of_sample(sample).turns[2].answer.status == "value"
    # each turn's transcript line carries the scorer's verdicts
    lines = [e.data for e in resolve_sample_attachments(sample).events if isinstance(e, InfoEvent)]
    assert [("list ✓" in str(line), "turn ✓" in str(line)) for line in lines] == [
        (bool(i), bool(t)) for i, t in zip(index, turn, strict=True)
    ]


def test_injected_errors_are_shown_and_turns_judged_from_what_was_shown(run_eval: Any) -> None:
    task = list_edits(samples=1, turns=4, error_rate=1.0)
    metadata = next(iter(task.dataset)).metadata
    model = get_model("mockllm/model", custom_outputs=scripted_outputs(*oracle(task)))
    sample = run_eval(task, model=model).samples[0]
    shown = RewriteLog.of_sample(sample).turns
    assert all(entry.induced and entry.value != entry.truth for entry in shown)
    # Every reply is the true list, which is not the shown list plus this turn's edit
    # (except by chance), so turn accuracy is judged against what was shown.
    per_turn = sample.scores["execution_scorer"].metadata["per_turn"]
    value = [per_turn[name] for name in ("index", "task", "turn")]
    expected_turn = [
        float(
            apply_turn(shown[t - 2].value if t > 1 else metadata["start"], metadata["turns"][t - 1])
            == state
        )
        for t, state in enumerate(metadata["states"], start=1)
    ]
    assert list(value[0]) == [1.0] * 4 and list(value[2]) == expected_turn


def test_votes_decide_list_answers(run_eval: Any) -> None:
    task = list_edits(samples=1, turns=2, votes=3)
    right = oracle(task)
    replies = [right[0], "<answer>olive</answer>", right[0], "no tag", right[1], right[1]]
    model = get_model("mockllm/model", custom_outputs=scripted_outputs(*replies))
    log = run_eval(task, model=model)
    records = VoteLog.of_sample(log.samples[0]).records
    assert [record.winner for record in records] == [
        read_list_answer(right[0]).data,
        read_list_answer(right[1]).data,
    ]
    assert metrics(log)["turn_accuracy"] == 1.0


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"samples": 0}, "list_edits: samples: Input should be greater than or equal to 1"),
        ({"max_items": 25}, "list_edits: max_items: Input should be less than or equal to 24"),
        ({"mode": "thinking"}, "mode must be plain or cot"),
        ({"votes": 0}, "votes must be at least 1"),
        ({"error_rate": 1.5}, "error_rate must lie in [0, 1]"),
    ],
)
def test_bad_settings_are_refused_in_one_line(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as error:
        list_edits(**settings)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_simulated_executor_recovers_its_planted_accuracy_on_lists(run_eval: Any) -> None:
    # The family's metrics, validated as the running sum's are: at p = 0.97 per edit the
    # measured per-step accuracy is p, and Proposition 1's horizons at the planted p lie
    # inside the measured intervals (K = 1: a skipped edit always leaves a wrong list).
    log = run_eval(list_edits(samples=60, turns=40), model_args={"p": 0.97})
    values = metrics(log)
    assert abs(values["p_step"] - 0.97) < 0.01
    assert values["horizon_50_low"] <= 22 <= values["horizon_50_high"]  # floor(ln .5/ln .97)
    assert values["horizon_80_low"] <= 7 <= values["horizon_80_high"]  # floor(ln .8/ln .97)


def test_the_simulated_executor_reads_the_starting_list_and_works_in_cot(run_eval: Any) -> None:
    log = run_eval(list_edits(samples=2, turns=3, mode="cot"), model_args={"p": 1.0})
    assert metrics(log)["task_accuracy"] == 1.0
    reply = TurnLog.of_sample(log.samples[0]).turns[0].reply
    assert reply.count("\n") == 1 and reply.endswith("</answer>")  # one edit line, then the list


def test_injected_errors_lower_turn_accuracy_as_much_as_the_planted_self_conditioning(
    run_eval: Any,
) -> None:
    # p = 1 with self-conditioning c: each edit goes wrong with probability c times the share
    # of wrong lists the history shows. A healed history (rate 0) shows none; at rate 0.5
    # about half are wrong after the first turns, so turn accuracy falls to about 1 - c / 2.
    behaviour = {"p": 1.0, "self_conditioning": 0.4}
    healed = run_eval(list_edits(samples=20, turns=12, error_rate=0.0), model_args=behaviour)
    injected = run_eval(list_edits(samples=20, turns=12, error_rate=0.5), model_args=behaviour)
    assert metrics(healed)["turn_accuracy"] == 1.0
    assert 0.72 <= metrics(injected)["turn_accuracy"] <= 0.9  # about 0.82
