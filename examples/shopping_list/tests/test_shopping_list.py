"""The shopping list eval end to end on scripted models (Inspect's mockllm, offline): a
right model, voting by items, the window and error injection, read back from the log
through the suite's public records."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.event import ModelEvent
from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageUser,
    ModelOutput,
    ModelUsage,
    get_model,
)
from long_horizon_execution.core import ParsedAnswer, RewriteLog, TurnLog, VoteLog, answer_key

from shopping_list_eval import (
    DropOneItem,
    apply_turn,
    read_shopping_list,
    same_items,
    shopping_dataset,
    shopping_list,
    tagged,
)

PACKAGE = Path(__file__).parents[1] / "shopping_list_eval"
PUBLIC_FACES = {
    "long_horizon_execution.core",
    "long_horizon_execution.solvers",
    "long_horizon_execution.scorers",
}


def output(text: str) -> ModelOutput:
    """A scripted reply with usage (mockllm would otherwise count tokens with a tokenizer
    it downloads)."""
    reply = ModelOutput.from_content("mockllm", text)
    reply.usage = ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15)
    return reply


def scripted(*replies: str) -> Any:
    return get_model("mockllm/model", custom_outputs=[output(reply) for reply in replies])


def follows_the_edits(
    messages: list[ChatMessage], tools: Any, tool_choice: Any, config: Any
) -> ModelOutput:
    """A right model: applies every turn's edits it was sent, from the empty list."""
    items: list[str] = []
    for message in messages:
        if isinstance(message, ChatMessageUser):
            items = apply_turn(items, message.text.split(", "))
    return output(tagged(items))


def trusts_its_history(
    messages: list[ChatMessage], tools: Any, tool_choice: Any, config: Any
) -> ModelOutput:
    """A model that applies this turn's edits to the last list it sees in its history
    (right, unless that list was wrong)."""
    items: list[str] = []
    for message in messages[:-1]:
        if isinstance(message, ChatMessageAssistant):
            answer = read_shopping_list(message.text)
            items = [str(item) for item in answer.data] if isinstance(answer.data, list) else []
    return output(tagged(apply_turn(items, messages[-1].text.split(", "))))


def run(task: Task, model: Any, tmp_path: Path) -> EvalLog:
    log = eval(task, model=model, display="none", log_dir=str(tmp_path / "logs"))[0]
    assert log.status == "success", log.error
    for sample in log.samples or []:
        assert sample.error is None, sample.error
    return log


def only_sample(log: EvalLog) -> EvalSample:
    assert log.samples is not None and len(log.samples) == 1
    return log.samples[0]


def metrics(log: EvalLog) -> dict[str, float]:
    assert log.results is not None
    return {name: m.value for name, m in log.results.scores[0].metrics.items()}


def true_lists(task: Task) -> list[list[str]]:
    metadata = next(iter(task.dataset)).metadata
    assert metadata is not None
    return [list(items) for items in metadata["lists"]]


def model_inputs(sample: EvalSample) -> list[list[str]]:
    """The text of every message of every model call, in call order."""
    calls = [event for event in sample.events if isinstance(event, ModelEvent)]
    return [[message.text for message in call.input] for call in calls]


def imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_the_example_imports_only_the_public_faces() -> None:
    for path in PACKAGE.glob("*.py"):
        for name in imported_modules(path):
            if name.startswith("long_horizon_execution"):
                assert name in PUBLIC_FACES, f"{path.name} imports {name}"


def test_the_dataset_is_built_from_the_seed() -> None:
    first, again = shopping_dataset(3, 5, seed=1), shopping_dataset(3, 5, seed=1)
    assert [s.metadata for s in first] == [s.metadata for s in again]
    assert [s.metadata for s in shopping_dataset(3, 5, seed=2)] != [s.metadata for s in first]
    for sample in first:
        assert sample.metadata is not None
        items: list[str] = []
        for edits, expected in zip(sample.metadata["turns"], sample.metadata["lists"], strict=True):
            items = apply_turn(items, edits)
            assert items == expected
    with pytest.raises(ValueError):
        shopping_dataset(0, 5, seed=1)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("<answer>milk, bread</answer>", ParsedAnswer.of(["milk", "bread"], "milk, bread")),
        ("<ANSWER> Milk ,BREAD </ANSWER>", ParsedAnswer.of(["milk", "bread"], " Milk ,BREAD ")),
        ("<answer>nothing</answer>", ParsedAnswer.of([], "nothing")),
        (
            "<think><answer>tea</answer></think><answer>rice</answer>",
            ParsedAnswer.of(["rice"], "rice"),
        ),
        ("the list is milk", ParsedAnswer(status="no_answer")),
        ("<answer>milk, milk</answer>", ParsedAnswer(status="invalid", content="milk, milk")),
        ("<answer>milk,, tea</answer>", ParsedAnswer(status="invalid", content="milk,, tea")),
        ("<answer>2 eggs</answer>", ParsedAnswer(status="invalid", content="2 eggs")),
    ],
)
def test_replies_are_read_as_lists(reply: str, expected: ParsedAnswer) -> None:
    assert read_shopping_list(reply) == expected


def test_the_voting_key_ignores_order() -> None:
    one = read_shopping_list("<answer>milk, tea</answer>")
    other = read_shopping_list("<answer>tea, milk</answer>")
    assert same_items(one) == same_items(other) and answer_key(one) != answer_key(other)
    assert same_items(ParsedAnswer(status="no_answer")) is None


def test_a_right_model_scores_one(tmp_path: Path) -> None:
    model = get_model("mockllm/model", custom_outputs=follows_the_edits)
    log = run(shopping_list(samples=3, turns=4, seed=5), model, tmp_path)
    assert metrics(log) == {"turn_accuracy": 1.0, "fully_right": 1.0}
    for sample in log.samples or []:
        assert [record.answer.status for record in TurnLog.of_sample(sample).turns] == ["value"] * 4


def test_one_wrong_turn_costs_the_turn_and_the_sample(tmp_path: Path) -> None:
    task = shopping_list(samples=1, turns=4)
    lists = true_lists(task)
    replies = [tagged(items) for items in lists]
    replies[1] = tagged([*lists[1], "caviar"])
    sample = only_sample(log := run(task, scripted(*replies), tmp_path))
    assert metrics(log) == {"turn_accuracy": 0.75, "fully_right": 0.0}
    assert sample.scores is not None
    assert next(iter(sample.scores.values())).value == [1.0, 0.0, 1.0, 1.0]


def test_voting_by_items_keeps_the_majority_in_any_order(tmp_path: Path) -> None:
    task = shopping_list(samples=1, turns=2, votes=3, seed=0)
    first, second = true_lists(task)
    assert len(first) == 2  # two different orders of turn 1's list
    replies = [tagged(first[::-1]), tagged(["caviar"]), tagged(first)]  # turn 1: 2 to 1
    replies += [tagged(second)] * 3  # turn 2: unanimous
    log = run(task, scripted(*replies), tmp_path)
    sample = only_sample(log)
    records = VoteLog.of_sample(sample).records
    assert records[0].votes == [first[::-1], ["caviar"], first]
    assert records[0].winner == first[::-1] and not records[0].tie
    assert records[1].winner == second
    turns = TurnLog.of_sample(sample).turns
    assert [turn.reply for turn in turns] == [tagged(first[::-1]), tagged(second)]
    assert metrics(log)["turn_accuracy"] == 1.0
    assert len(model_inputs(sample)) == 6  # every vote is its own call


def test_the_window_limits_what_the_model_sees(tmp_path: Path) -> None:
    task = shopping_list(samples=1, turns=4, window=1)
    metadata = next(iter(task.dataset)).metadata
    assert metadata is not None
    edits = [", ".join(turn) for turn in metadata["turns"]]
    lists = true_lists(task)
    sample = only_sample(run(task, scripted(*(tagged(items) for items in lists)), tmp_path))
    inputs = model_inputs(sample)
    assert [len(texts) for texts in inputs] == [2, 4, 4, 4]  # system, one earlier turn, now
    assert inputs[3][1:] == [edits[2], tagged(lists[2]), edits[3]]
    assert all(edits[0] not in texts for texts in inputs[2:])
    assert len(TurnLog.of_sample(sample).turns) == 4  # the record keeps every turn


def test_injected_errors_are_shown_and_the_raw_replies_kept(tmp_path: Path) -> None:
    task = shopping_list(samples=1, turns=4, error_rate=1.0, seed=0)
    lists = true_lists(task)
    assert all(lists)  # every turn has an item to drop
    replies = [tagged(items) for items in lists]
    sample = only_sample(log := run(task, scripted(*replies), tmp_path))
    shown = RewriteLog.of_sample(sample).turns
    assert [entry.turn for entry in shown] == [1, 2, 3, 4]
    for entry, truth in zip(shown, lists, strict=True):
        assert entry.induced and entry.truth == truth and not entry.synthetic
        assert isinstance(entry.value, list) and len(entry.value) == len(truth) - 1
        assert set(entry.value) < set(truth) and entry.shown == tagged(
            [str(item) for item in entry.value]
        )
    inputs = model_inputs(sample)
    for turn in (2, 3, 4):  # later turns see the rule's lists, not the replies
        earlier = inputs[turn - 1][2::2]
        assert earlier == [entry.shown for entry in shown[: turn - 1]]
        assert not set(earlier) & set(replies)
    records = TurnLog.of_sample(sample).turns
    assert [record.reply for record in records] == replies
    assert all(record.rewritten for record in records)
    assert [record.shown for record in records] == [entry.shown for entry in shown]
    # Judged against the true lists: these replies ignored the wrong history.
    assert metrics(log)["turn_accuracy"] == 1.0


def test_the_error_rule_is_seeded_and_checks_its_rate() -> None:
    with pytest.raises(ValueError):
        DropOneItem(1.5)
    with pytest.raises(ValueError):
        shopping_list(error_rate=-0.1)
    with pytest.raises(ValueError):
        shopping_list(votes=0)


def test_a_model_misled_by_the_shown_lists_loses_those_turns(tmp_path: Path) -> None:
    task = shopping_list(samples=1, turns=5, error_rate=1.0, seed=0)
    metadata = next(iter(task.dataset)).metadata
    assert metadata is not None
    model = get_model("mockllm/model", custom_outputs=trusts_its_history)
    sample = only_sample(run(task, model, tmp_path))
    shown = [entry.value for entry in RewriteLog.of_sample(sample).turns]
    expected = [1.0]  # turn 1 starts from the empty list, which nothing can corrupt
    for turn in range(2, 6):
        previous = shown[turn - 2]
        assert isinstance(previous, list)
        after = apply_turn([str(item) for item in previous], metadata["turns"][turn - 1])
        expected.append(float(set(after) == set(metadata["lists"][turn - 1])))
    assert sample.scores is not None
    assert next(iter(sample.scores.values())).value == expected
    assert 0.0 in expected


def test_the_task_runs_with_every_option_at_once(tmp_path: Path) -> None:
    task = shopping_list(samples=2, turns=3, votes=3, window=1, error_rate=0.5, seed=3)
    model = get_model("mockllm/model", custom_outputs=trusts_its_history)
    log = run(task, model, tmp_path)
    for sample in log.samples or []:
        assert len(VoteLog.of_sample(sample).records) == 3
        assert [entry.turn for entry in RewriteLog.of_sample(sample).turns] == [1, 2, 3]
        assert all(len(texts) <= 4 for texts in model_inputs(sample))
