"""The hazard model's validation on the simulated executor: plant a context decay, a
self-conditioning, both or neither on the fit's own scale, run the executor, fit, and check
that each planted coefficient lies in its interval and that the two effects are told apart
(an interval excludes zero exactly when its effect was planted).

The executor is driven in process, turn by turn, as the ``horizon`` task drives a model
(the paper's prompts, plain mode, the paper's history policy), without Inspect's logging,
so hundreds of conversations take seconds; the tests and ``benchmarks/hazard_recovery.py``
both run it. The same fit on Inspect logs is ``evals.report.hazard_rows``.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
)
from pydantic import BaseModel

from long_horizon_execution.core import TurnRecord, answer_parser
from long_horizon_execution.evals.dataset import DatasetConfig, generate_dataset
from long_horizon_execution.evals.prompts import system_prompt
from long_horizon_execution.evals.prompts_format import turn_text
from long_horizon_execution.evals.simulated import SimulatedExecutor
from long_horizon_execution.scorers.hazard import COEFFICIENTS, HazardFit, HazardTurns
from long_horizon_execution.scorers.hazard_inputs import SampleHistory, hazard_turns, sample_history
from long_horizon_execution.solvers.history import history_policy


class Scenario(BaseModel):
    """Planted coefficients, on the fit's scale."""

    name: str
    baseline: float
    decay: float = 0.0
    conditioning: float = 0.0

    def planted(self, name: str) -> float:
        value: float = getattr(self, name)
        return value

    def model_args(self) -> dict[str, Any]:
        """The executor's ``-M`` arguments that plant this scenario."""
        return {
            "hazard_baseline": self.baseline,
            "hazard_decay": self.decay,
            "hazard_conditioning": self.conditioning,
        }


BASELINE = -3.0
"""About 5% turn errors at turn 1 with a clean history."""
DECAY = 1.0
"""Per ten turns: by turn 30 the log-odds have risen by about 3."""
CONDITIONING = 2.0
"""From a clean history to an all-wrong one: odds about 7 times higher."""
SCENARIOS = (
    Scenario(name="neither", baseline=BASELINE),
    Scenario(name="decay only", baseline=BASELINE, decay=DECAY),
    Scenario(name="self-conditioning only", baseline=BASELINE, conditioning=CONDITIONING),
    Scenario(name="both", baseline=BASELINE, decay=DECAY, conditioning=CONDITIONING),
)


async def _conversation(
    model: SimulatedExecutor, system: str, turns: list[list[str]], truths: list[int]
) -> SampleHistory:
    """One sample as the horizon task runs it, read back as the log reader reads it."""
    parse = answer_parser()
    policy = history_policy("paper", "plain", "paper")
    messages: list[ChatMessage] = [ChatMessageSystem(content=system)]
    records = []
    for number, keys in enumerate(turns, start=1):
        messages.append(ChatMessageUser(content=turn_text(keys)))
        output = await model.generate(messages, [], "none", GenerateConfig())
        reply = output.completion
        answer = parse(reply)
        shown = policy(reply, answer)
        messages.append(ChatMessageAssistant(content=shown))
        records.append(
            TurnRecord(turn=number, reply=reply, answer=answer, shown=shown, stop_reason="stop")
        )
    return sample_history(records, {}, truths)


def simulated_turns(
    scenario: Scenario, samples: int, turns: int, seed: int = 0, k: int = 1
) -> HazardTurns:
    """The fit's rows from ``samples`` simulated conversations of ``turns`` turns of ``k``
    keys (the paper's data, instances 0 .. samples-1; ``seed`` is the executor's)."""
    data = generate_dataset(DatasetConfig(instances=samples, steps=turns * k))
    system = system_prompt(data.dictionary, k, "plain", "paper")
    model = SimulatedExecutor("executor", **{"seed": seed, **scenario.model_args()})

    async def run_all() -> list[SampleHistory]:
        histories = []
        for instance in data.instances:
            chunks = [instance.keys[i : i + k] for i in range(0, turns * k, k)]
            truths = instance.running_sums[k - 1 :: k]
            histories.append(await _conversation(model, system, chunks, truths))
        return histories

    return hazard_turns(asyncio.run(run_all()))


class Recovery(BaseModel):
    """Per coefficient: whether its interval holds the planted value, and whether it
    excludes zero exactly when a nonzero value was planted."""

    contained: dict[str, bool]
    told_apart: dict[str, bool]

    @property
    def passed(self) -> bool:
        return all(self.contained.values()) and all(self.told_apart.values())


def recovery(scenario: Scenario, fit: HazardFit) -> Recovery:
    """How ``fit`` compares with what ``scenario`` planted (a NaN interval fails)."""
    contained, told_apart = {}, {}
    for name in COEFFICIENTS:
        estimate = fit.coefficient(name)
        planted = scenario.planted(name)
        contained[name] = estimate.low <= planted <= estimate.high
        if name != "baseline":
            excludes_zero = not estimate.low <= 0.0 <= estimate.high
            told_apart[name] = excludes_zero == (planted != 0.0) and not math.isnan(estimate.low)
    return Recovery(contained=contained, told_apart=told_apart)
