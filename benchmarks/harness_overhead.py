"""Harness overhead: the full ``horizon`` solver and scorer against a bare Inspect loop
(append the user message, generate, nothing else) on the same instant model, same samples,
same Inspect settings, with and without ``log_realtime``.

    python benchmarks/harness_overhead.py                      # 4 samples x 250 turns
    python benchmarks/harness_overhead.py --samples 20 --turns 1000 --realtime off   # ~22 min

The model answers instantly, so what is timed is Inspect plus our code. Inspect's own cost
per turn grows with the turn index (each generate serialises its whole input to snapshot
it, and the sample is condensed when it ends), so a run's time grows with the square of its
turns on both sides; the ratio is what this script is for. Every timed run is a fresh
process (imports and a 3-turn warm-up are not timed), the sides are interleaved, and each
side's best of ``--repeats`` is kept: a long-lived process gets slower run after run.
The bare loop does not tag its messages with their turn as ours does, so its repeated user
texts cost Inspect's log extra work that grows with the square of the turns (see
``log_growth.py``): at long horizons ours can be the faster side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

from inspect_ai import Task, eval
from inspect_ai.model import (
    ChatMessage,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
    modelapi,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import ToolChoice, ToolInfo

from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.in_process import InProcessModelAPI


@modelapi(name="instant")
class InstantModel(InProcessModelAPI):
    """Replies at once with a tagged answer (and a usage, as providers report). Replies
    differ from turn to turn as a real model's do: Inspect's log stores each request as
    ranges of a message pool, and identical replies would break the ranges apart."""

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


def run(side: str, samples: int, turns: int, realtime: bool) -> dict[str, float]:
    """Wall and CPU seconds of one eval, in this process."""
    task = build(side, samples, turns)
    with tempfile.TemporaryDirectory() as log_dir:
        wall, cpu = time.perf_counter(), time.process_time()
        log = eval(
            task, model="instant/model", display="none", log_dir=log_dir, log_realtime=realtime
        )[0]
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if log.status != "success" or any(s.error for s in log.samples or []):
            raise SystemExit(f"{side} run failed: {log.error}")
    return {"wall": wall, "cpu": cpu}


def in_child(side: str, samples: int, turns: int, realtime: bool) -> dict[str, float]:
    """One timed run in a fresh process, after an untimed warm-up there."""
    flags = ["--child", side, "--samples", str(samples), "--turns", str(turns)]
    done = subprocess.run(
        [sys.executable, __file__, *flags, "--realtime", "on" if realtime else "off"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--turns", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--realtime", choices=["off", "on", "both"], default="both")
    parser.add_argument("--child", choices=["bare", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.child, 1, 3, args.realtime == "on")  # imports, provider set-up
        print(json.dumps(run(args.child, args.samples, args.turns, args.realtime == "on")))
        return
    turns_run = args.samples * args.turns
    print(f"{args.samples} samples x {args.turns} turns, instant model", flush=True)
    for realtime in {"off": [False], "on": [True], "both": [False, True]}[args.realtime]:
        times: dict[str, list[dict[str, float]]] = {"bare": [], "ours": []}
        for _ in range(args.repeats):
            for side, measured in times.items():
                measured.append(in_child(side, args.samples, args.turns, realtime))
        best = {side: min(t["wall"] for t in measured) for side, measured in times.items()}
        cpu = {side: min(t["cpu"] for t in measured) for side, measured in times.items()}
        print(
            f"  log_realtime={realtime!s:5}  bare loop {best['bare']:7.1f} s "
            f"({best['bare'] / turns_run * 1000:5.2f} ms/turn)   horizon {best['ours']:7.1f} s "
            f"({best['ours'] / turns_run * 1000:5.2f} ms/turn)   "
            f"ratio {best['ours'] / best['bare']:.3f} (CPU time {cpu['ours'] / cpu['bare']:.3f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
