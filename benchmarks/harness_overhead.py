"""Harness overhead: the full ``horizon`` solver and scorer against a bare Inspect loop
(append the user message, generate, nothing else) on the same instant model, same samples,
same Inspect settings, side by side in one process, with and without ``log_realtime``.

    python benchmarks/harness_overhead.py                      # 4 samples x 250 turns
    python benchmarks/harness_overhead.py --samples 20 --turns 1000   # the full claim (slow)

The model answers instantly, so what is timed is Inspect plus our code. Inspect's own cost
per turn grows with the turn index (each generate snapshots its whole input, and the sample
is condensed at the end), so a run's time grows with the square of its turns on both sides;
the ratio is what this script is for. Each side is timed ``--repeats`` times, interleaved,
and the best time is kept.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.model import (
    ChatMessage,
    ChatMessageUser,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import ToolChoice, ToolInfo

from evals.horizon import horizon


@modelapi(name="instant")
class InstantModel(ModelAPI):
    """Replies at once with a tagged answer (and a usage, as providers report). Replies
    differ from turn to turn as a real model's do: Inspect's log stores each request as
    ranges of a message pool, and identical replies would break the ranges apart."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)

    def max_connections(self) -> int:
        return 64

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        output = ModelOutput.from_content(self.model_name, f"<answer>{len(input)}</answer>")
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output


@solver
def bare_loop() -> Solver:
    """The least a multi-turn eval can do: one user message and one generate per turn."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for keys in state.metadata["turns"]:
            state.messages.append(ChatMessageUser(content=", ".join(keys)))
            state = await generate(state)
        return state

    return solve


def build(side: str, samples: int, turns: int) -> Task:
    task = horizon(samples=samples, turns=turns)
    if side == "bare":
        return Task(dataset=task.dataset, solver=bare_loop(), config=task.config)
    return task


def run(side: str, samples: int, turns: int, realtime: bool) -> float:
    task = build(side, samples, turns)
    with tempfile.TemporaryDirectory() as log_dir:
        start = time.perf_counter()
        log = eval(
            task, model="instant/model", display="none", log_dir=log_dir, log_realtime=realtime
        )[0]
        elapsed = time.perf_counter() - start
        if log.status != "success" or any(s.error for s in log.samples or []):
            raise SystemExit(f"{side} run failed: {log.error}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--turns", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    for side in ("bare", "ours"):  # imports, provider set-up, first-sample costs
        run(side, 1, 3, False)
    turns_run = args.samples * args.turns
    print(f"{args.samples} samples x {args.turns} turns, instant model")
    for realtime in (False, True):
        best = {"bare": math.inf, "ours": math.inf}
        for _ in range(args.repeats):
            for side in best:
                best[side] = min(best[side], run(side, args.samples, args.turns, realtime))
        print(
            f"  log_realtime={realtime!s:5}  bare loop {best['bare']:7.2f} s "
            f"({best['bare'] / turns_run * 1000:5.2f} ms/turn)   horizon {best['ours']:7.2f} s "
            f"({best['ours'] / turns_run * 1000:5.2f} ms/turn)   "
            f"ratio {best['ours'] / best['bare']:.3f}"
        )


if __name__ == "__main__":
    main()
