"""A second execution task family: an ordered list of words under per-turn edits.

Each step is one edit of a short list: ``add WORD`` (to the end), ``remove WORD`` or
``front WORD`` (move it to the start). Each turn brings K edits, and the model answers with
the whole list after them. Like the paper's running sum, every step is trivial and errors
persist (a wrong list stays wrong), so accuracy decays with length and the horizon is
real; unlike it, the answer is not an integer, and a chance hit is negligible. Each
conversation starts from its own random list, stated in the system message, so no two
conversations are alike (identical prompts would be one trial counted several times, for a
model at temperature 0 as for the simulated one).

Built only on the public faces of ``core``, ``solvers`` and ``scorers``: the answer parser,
the per-turn judge (via ``state_correctness``) and the error-injection rule below are all a
task family needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessageSystem
from inspect_ai.scorer import Target
from inspect_ai.solver import TaskState
from inspect_ai.util import store_as
from pydantic import BaseModel, Field, JsonValue, ValidationError

from long_horizon_execution.core import (
    ParsedAnswer,
    RewriteLog,
    ShownTurn,
    TurnLog,
    TurnRecord,
    first_tag_content,
    strip_reasoning,
)
from long_horizon_execution.scorers import TurnCorrectness, state_correctness

VOCABULARY = (
    "apple", "bread", "cedar", "delta", "eagle", "flame", "grape", "honey",
    "ivory", "jelly", "koala", "lemon", "mango", "noble", "olive", "pearl",
    "quilt", "raven", "sugar", "tiger", "umber", "violet", "whale", "yeast",
)  # fmt: skip
EDITS = ("add", "remove", "front")
EMPTY = "empty"
"""How an empty list is written in an answer."""
FAMILY = "list_edits"

INSTRUCTIONS = f"""You keep an ordered list of words.
Each message gives edits. Apply them in order:
- add WORD: put WORD at the end of the list (if it is already in the list, nothing changes);
- remove WORD: take WORD out of the list (if it is not in the list, nothing changes);
- front WORD: move WORD to the start of the list (if it is not in the list, nothing changes).
After the edits of a message, answer with the whole list from first to last, separated by
commas, inside answer tags, for example <answer>lemon, bread</answer>. Answer
<answer>{EMPTY}</answer> when the list is empty."""
WORKING = (
    "Before the answer, write the list after each edit, one edit per line, without answer "
    "tags; then give the final list in one answer tag."
)
START = "The list starts as: "
"""Introduces the starting list, the system message's last line."""


class ListPlan(BaseModel):
    """The settings that make a dataset of list-edit conversations."""

    samples: int = Field(default=20, ge=1, le=100_000)
    turns: int = Field(default=50, ge=1, le=10_000)
    k: int = Field(default=1, ge=1, le=1_000)
    max_items: int = Field(default=6, ge=1, le=len(VOCABULARY))
    start_items: int = Field(default=3, ge=0, le=len(VOCABULARY))
    """Words in the starting list (at most ``max_items``)."""
    seed: int = Field(default=42, ge=0, le=2**63 - 1)


def list_plan(**settings: int) -> ListPlan:
    """A :class:`ListPlan`, or ValueError in one line naming the bad setting."""
    if settings.get("start_items", 0) > settings.get("max_items", ListPlan().max_items):
        raise ValueError(f"{FAMILY}: start_items must not exceed max_items")
    try:
        return ListPlan(**settings)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"{FAMILY}: {name}: {first['msg']}") from None


def apply_edit(items: list[str], edit: str) -> list[str]:
    """The list after one edit; an edit that does not apply leaves it unchanged."""
    verb, _, word = edit.partition(" ")
    if verb == "add":
        return items if word in items else [*items, word]
    if verb == "remove":
        return [item for item in items if item != word]
    if verb == "front" and word in items:
        return [word, *(item for item in items if item != word)]
    return items


def apply_turn(state: JsonValue, edits: Sequence[str]) -> list[str]:
    """A turn's edits applied to ``state`` (anything but a list of words counts as empty)."""
    items = [str(item) for item in state] if isinstance(state, list) else []
    for edit in edits:
        items = apply_edit(items, edit)
    return items


def render(items: Sequence[str]) -> str:
    """A list as an answer tag's content."""
    return ", ".join(items) if items else EMPTY


def _next_edit(rng: np.random.Generator, items: list[str], max_items: int) -> str:
    """A uniformly chosen edit among those that change the list (so every step counts)."""
    verbs = []
    if len(items) < max_items:
        verbs.append("add")
    if items:
        verbs.append("remove")
    if len(items) > 1:
        verbs.append("front")
    verb = verbs[int(rng.integers(len(verbs)))]
    if verb == "add":
        choices = [word for word in VOCABULARY if word not in items]
    elif verb == "front":
        choices = items[1:]
    else:
        choices = items
    return f"{verb} {choices[int(rng.integers(len(choices)))]}"


def plan_sample(
    rng: np.random.Generator, plan: ListPlan
) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """(starting list, edits of each turn, true list after each turn) for one
    conversation."""
    chosen = rng.choice(len(VOCABULARY), size=plan.start_items, replace=False)
    start = [VOCABULARY[int(index)] for index in chosen]
    items = list(start)
    turns: list[list[str]] = []
    states: list[list[str]] = []
    for _ in range(plan.turns):
        edits = []
        for _ in range(plan.k):
            edit = _next_edit(rng, items, plan.max_items)
            items = apply_edit(items, edit)
            edits.append(edit)
        turns.append(edits)
        states.append(list(items))
    return start, turns, states


def list_dataset(plan: ListPlan, mode: str = "plain") -> MemoryDataset:
    """One sample per conversation, reproducible from the seed: the instructions and the
    starting list as the system message, the starting list in metadata ``start``, the
    edits of each turn in ``turns``, the true lists in ``states`` and (rendered) in the
    target."""
    instructions = INSTRUCTIONS if mode == "plain" else f"{INSTRUCTIONS}\n{WORKING}"
    samples = []
    for index in range(plan.samples):
        rng = np.random.default_rng([plan.seed, index])
        start, turns, states = plan_sample(rng, plan)
        system = f"{instructions}\n{START}{render(start)}"
        samples.append(
            Sample(
                id=index + 1,
                input=[ChatMessageSystem(content=system)],
                target=[render(state) for state in states],
                metadata={
                    "family": FAMILY,
                    "start": start,
                    "turns": turns,
                    "states": states,
                    "k": plan.k,
                    "steps": plan.turns * plan.k,
                    "mode": mode,
                },
            )
        )
    return MemoryDataset(samples, name=FAMILY)


def read_list_answer(reply: str) -> ParsedAnswer:
    """The list in the reply's first answer tag (reasoning blocks removed first): words
    separated by commas, case and spaces ignored, ``empty`` for none. Anything else in the
    tag is ``invalid``; no tag is ``no_answer``."""
    content = first_tag_content(strip_reasoning(reply))
    if content is None:
        return ParsedAnswer(status="no_answer")
    text = content.strip().lower()
    items = [] if text == EMPTY else [item.strip() for item in text.split(",")]
    if any(not item.isascii() or not item.isalpha() for item in items):
        return ParsedAnswer(status="invalid", content=content)
    return ParsedAnswer.of(list[JsonValue](items), content)


def list_judge(state: TaskState, target: Target, log: TurnLog) -> TurnCorrectness:
    """Per-turn correctness against the true lists, a turn judged from the list the model
    worked from (its last answer, or what a rewritten history showed it)."""
    edits = state.metadata["turns"]
    expected: list[JsonValue] = [list(items) for items in state.metadata["states"]]
    shown = {entry.turn: entry.value for entry in store_as(RewriteLog).turns}

    def step(previous: JsonValue, turn: int) -> JsonValue:
        return list[JsonValue](apply_turn(previous, edits[turn]))

    start: list[JsonValue] = list(state.metadata["start"])
    return state_correctness(log.answers(), expected, step, start, shown or None)


def list_note(state: TaskState, records: Sequence[TurnRecord]) -> str | None:
    """The transcript line of the turn just run (see ``evals/turn_notes.py``): the true
    list, the list read, and the verdicts of :func:`list_judge` (without a rewritten
    history, whose record is written when the conversation ends)."""
    record = records[-1]
    if record.stop_reason == "model_length":
        return f"**turn {record.turn}** · context ran out: not judged (unobserved)"
    answers = [r.answer for r in records if r.stop_reason != "model_length"]
    expected: list[JsonValue] = [list(items) for items in state.metadata["states"]]
    edits = state.metadata["turns"]

    def step(previous: JsonValue, turn: int) -> JsonValue:
        return list[JsonValue](apply_turn(previous, edits[turn]))

    start: list[JsonValue] = list(state.metadata["start"])
    verdicts = state_correctness(answers, expected, step, start)
    at = len(answers) - 1
    read = record.answer.answer if record.answer.answered else record.answer.status
    marks = ["✓" if verdicts.index[at] == 1.0 else "✗", "✓" if verdicts.turn[at] == 1.0 else "✗"]
    return (
        f"**turn {record.turn}** · expected {expected[at]} · read {read} · "
        f"list {marks[0]} · turn {marks[1]}"
    )


def _draw(seed: int, sample: str, turn: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}\x00{sample}\x00{turn}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


class ListErrors:
    """Error injection for lists: later turns see the true list of each turn, except that
    each turn independently, with probability ``rate``, shows a wrong one (one word dropped,
    or one added when the list is empty). Reproducible from the seed and the sample id."""

    def __init__(self, rate: float, seed: int = 0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"error_rate must lie in [0, 1], got {rate}")
        self.rate = rate
        self.seed = seed

    def __call__(self, state: TaskState, turn: int, record: TurnRecord | None) -> ShownTurn:
        truth = list(state.metadata["states"][turn - 1])
        rng = _draw(self.seed, str(state.sample_id), turn)
        induced = bool(rng.random() < self.rate)
        shown = list(truth)
        if induced and shown:
            del shown[int(rng.integers(len(shown)))]
        elif induced:
            shown = [VOCABULARY[int(rng.integers(len(VOCABULARY)))]]
        return ShownTurn(
            turn=turn,
            shown=f"<answer>{render(shown)}</answer>",
            synthetic=record is None,
            value=shown,
            truth=truth,
            induced=induced,
        )
