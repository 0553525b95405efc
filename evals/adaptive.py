"""An adaptive horizon run: rounds of ``horizon`` evals that extend the open conversations
until H_s is settled, then stop (``horizon-adaptive``; see ``docs/adaptive.md``).

Round 1 runs every sample through ``first_round`` turns (``through_turn``); each later
round carries the previous round's log over (``continue_from``) and asks only the turns
after it, ``growth`` times further, up to the cap (``turns``). After each round the rule of
``scorers.settling`` decides: once every requested H_s is settled (its interval too, by
default) the run stops. Every round is an ordinary ``horizon`` log holding every sample as
far as it went, so the last one is the run's result for ``inspect view`` and
``horizon-report``; a rerun with the same settings finds the rounds in the log dir and goes
on from the furthest.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log, read_eval_log_samples
from pydantic import BaseModel, ValidationError

from long_horizon_execution.evals.adaptive_config import (
    ROUND_METADATA,
    AdaptiveConfig,
    RoundTag,
)
from long_horizon_execution.evals.adaptive_estimate import estimate_from_round
from long_horizon_execution.evals.adaptive_results import (
    AdaptiveReport,
    RoundSummary,
    RunInterrupted,
    RunStopped,
    Stopped,
    ThresholdHorizon,
    Tokens,
    local_path,
    log_tokens,
)
from long_horizon_execution.evals.estimate import estimate_horizon
from long_horizon_execution.evals.frontier_results import eval_error
from long_horizon_execution.evals.horizon import horizon
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.run_checks import check_log_dir, check_model
from long_horizon_execution.scorers.execution import ExecutionMatrices
from long_horizon_execution.scorers.settling import SettledHorizon, all_settled, settled_horizons

REPORT_FILE = "adaptive.json"
SCORER = "execution_scorer"
Progress = Callable[[str], None]


class RoundLog(BaseModel):
    tag: RoundTag
    location: str
    tokens: Tokens


class AdaptiveRun:
    """Runs the rounds through Inspect and keeps what the log dir already holds. Everything
    is checked when the run is made, before any model is called."""

    def __init__(self, config: AdaptiveConfig, progress: Progress | None = None) -> None:
        self.config = config
        self.progress = progress
        try:
            params = config.params()
        except ValueError as error:  # not a ParameterError: an unknown -T
            raise ParameterError(f"adaptive: {error}") from None
        self.samples = params.samples
        self.cap = params.total_turns
        self.signature = config.signature()
        check_log_dir("adaptive", config.log_dir)
        check_model("adaptive", config.model, config.model_args)
        fixed_args = config.task_args | {"until": "last_turn"}
        self.fixed = estimate_horizon(**fixed_args)  # builds the task: checks its data too
        self.calibrated_on: str | None = None
        """Round 1's log, once the fixed estimate is calibrated on its usage."""
        self.rounds: dict[int, RoundLog] = {}
        self.ran: set[str] = set()
        self.open_after: dict[str, int] = {}
        self._load()

    def _say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(f"adaptive: {line}")

    def _load(self) -> None:
        """Read back the finished rounds of this run's settings."""
        for info in list_eval_logs(self.config.log_dir):
            try:
                header = read_eval_log(info, header_only=True)
                meta = (header.eval.metadata or {}).get(ROUND_METADATA)
                if not meta or header.status != "success":
                    continue
                tag = RoundTag.model_validate(meta)
            except (ValidationError, OSError, ValueError):
                continue  # a damaged or foreign file must not stop the run
            if tag.signature == self.signature:
                self.rounds[tag.through_turn] = RoundLog(
                    tag=tag, location=local_path(info.name), tokens=log_tokens(header)
                )
        if self.rounds:
            furthest = max(self.rounds)
            self._say(
                f"found {len(self.rounds)} finished rounds in {self.config.log_dir}, the "
                f"furthest through turn {furthest}"
            )

    def _round_tag(self, number: int, through: int, previous: RoundLog | None) -> RoundTag:
        return RoundTag(
            signature=self.signature,
            run_id=self.config.run_id(),
            round=number,
            through_turn=through,
            cap=self.cap,
            continued_from=None if previous is None else Path(previous.location).name,
            fixed_input_tokens=self.fixed.input_tokens,
            fixed_output_tokens=self.fixed.output_tokens,
        )

    def _eval_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"display": "none", "epochs": self.config.epochs}
        for name in ("max_connections", "max_retries", "timeout"):
            if getattr(self.config, name) is not None:
                options[name] = getattr(self.config, name)
        options |= self.config.eval_args
        options["tags"] = [*self.config.tags(), *(options.get("tags") or [])]
        return options

    def run_round(self, number: int, through: int, previous: RoundLog | None) -> RoundLog:
        """One round as one Inspect eval; a failed or cancelled eval stops the run."""
        config = self.config
        where = f"round {number} (through turn {through})"
        tag = self._round_tag(number, through, previous)
        task = horizon(
            **config.task_args,
            through_turn=through,
            continue_from=None if previous is None else str(Path(previous.location).resolve()),
        )
        logs = inspect_eval(
            task,
            model=config.model,
            model_args=config.model_args,
            log_dir=config.log_dir,
            metadata={ROUND_METADATA: tag.model_dump()},
            **self._eval_options(),
        )
        if not logs or logs[0].status == "cancelled":
            raise RunInterrupted(f"interrupted during {where}")
        log: EvalLog = logs[0]
        if log.status != "success":
            raise RunStopped(f"{where} failed: {eval_error(log)}")
        done = RoundLog(tag=tag, location=local_path(log.location), tokens=log_tokens(log))
        self.rounds[through] = done
        self.ran.add(done.location)
        return done

    def decide(self, done: RoundLog) -> tuple[list[SettledHorizon], ExecutionMatrices, int]:
        """The horizons after a round, whether settled, its matrices and its open
        conversations."""
        values, metadata, units = [], [], []
        for sample in read_eval_log_samples(
            done.location, exclude_fields={"messages", "events", "store", "attachments"}
        ):
            score = (sample.scores or {}).get(SCORER)
            if sample.error is not None or score is None:
                raise RunStopped(f"{done.location}: sample {sample.id} has no score")
            values.append(score.value)
            metadata.append(score.metadata or {})
            units.append(sample.id)
        matrices = ExecutionMatrices.from_values(values, metadata, units)
        horizons = settled_horizons(
            matrices.task, matrices.steps, self.config.thresholds, units=matrices.units
        )
        self.open_after[done.location] = int(matrices.paused.sum())
        return horizons, matrices, self.open_after[done.location]

    def run(self) -> AdaptiveReport:
        """Rounds until every H_s is settled, the cap is reached, or nothing is open."""
        config = self.config
        bound = config.round_bound()
        done = self.rounds[max(self.rounds)] if self.rounds else None
        number = 0 if done is None else done.tag.round
        while True:
            if done is not None:
                self._calibrate(self.chain(done)[0])
                horizons, matrices, open_now = self.decide(done)
                stopped = self._stopped(horizons, done.tag.through_turn, open_now)
                self._say(_progress_line(done, horizons, open_now, stopped))
                if stopped is not None:
                    return self.report(done, horizons, matrices, stopped)
            through = config.next_turn(None if done is None else done.tag.through_turn)
            number += 1
            self._say(
                f"round {number} of at most {bound}: every open conversation through turn "
                f"{through} of {self.cap}"
            )
            done = self.run_round(number, through, done)

    def _calibrate(self, first: RoundLog) -> None:
        """Scale the fixed protocol's estimate by round 1's billed usage (once): later
        rounds' logs and the report then compare like with like on a real tokenizer."""
        if self.calibrated_on == first.location:
            return
        estimate = estimate_from_round(
            self.config.task_args, self.config.model, first.location, first.tag.through_turn
        )
        if estimate is not None:
            self.fixed = estimate
            self.calibrated_on = first.location

    def _stopped(
        self, horizons: list[SettledHorizon], through: int, open_now: int
    ) -> Stopped | None:
        if all_settled(horizons, self.config.settle):
            return "settled"
        if through >= self.cap:
            return "cap"
        if open_now == 0:
            return "all_ended"
        return None

    def chain(self, final: RoundLog) -> list[RoundLog]:
        """The rounds the final log was built from, first to last."""
        by_name = {Path(r.location).name: r for r in self.rounds.values()}
        rounds, current = [], final
        while True:
            rounds.append(current)
            earlier = current.tag.continued_from
            if earlier is None or earlier not in by_name:
                break
            current = by_name[earlier]
        return rounds[::-1]

    def _open_after(self, round_log: RoundLog) -> int:
        if round_log.location not in self.open_after:
            self.decide(round_log)
        return self.open_after[round_log.location]

    def report(
        self,
        final: RoundLog,
        horizons: list[SettledHorizon],
        matrices: ExecutionMatrices,
        stopped: Stopped,
    ) -> AdaptiveReport:
        chain = self.chain(final)
        spent = Tokens()
        summaries = []
        for round_log in chain:
            spent = spent + round_log.tokens
            summaries.append(
                RoundSummary(
                    round=round_log.tag.round,
                    through_turn=round_log.tag.through_turn,
                    log=round_log.location,
                    open_after=self._open_after(round_log),
                    tokens=round_log.tokens,
                    reused=round_log.location not in self.ran,
                )
            )
        return AdaptiveReport(
            model=self.config.model,
            run_tag=self.config.tags()[0],
            samples=self.samples,
            epochs=self.config.epochs,
            cap=self.cap,
            settle=self.config.settle,
            stopped=stopped,
            final_log=final.location,
            rounds=summaries,
            horizons=[
                ThresholdHorizon(
                    threshold=h.estimate.threshold,
                    horizon=h.estimate.value,
                    low=h.estimate.low,
                    high=h.estimate.high,
                    censored=h.estimate.censored,
                    point_settled=h.point_settled,
                    interval_settled=h.interval_settled,
                )
                for h in horizons
            ],
            known_steps=horizons[0].known_steps if horizons else math.nan,
            turns_asked=int(np.count_nonzero(~np.isnan(matrices.index))),
            turns_fixed=self.samples * self.config.epochs * self.cap,
            tokens=spent,
            fixed_input_tokens=self.fixed.input_tokens * self.config.epochs,
            fixed_output_tokens=self.fixed.output_tokens * self.config.epochs,
            fixed_estimate=f"{self.fixed.method}: {self.fixed.detail}",
        )


def _progress_line(
    done: RoundLog, horizons: list[SettledHorizon], open_now: int, stopped: Stopped | None
) -> str:
    parts = []
    for h in horizons:
        e = h.estimate
        value = f">= {e.value:g}" if e.censored else f"{e.value:g} [{e.low:g}, {e.high:g}]"
        state = "settled" if h.interval_settled else "point settled" if h.point_settled else "open"
        parts.append(f"H_{e.threshold:g} {value} ({state})")
    verdict = {None: "going on", "settled": "settled: stop", "cap": "at the cap: stop"}
    verdict["all_ended"] = "every conversation ended: stop"
    return (
        f"after round {done.tag.round} (through turn {done.tag.through_turn}): "
        f"{'; '.join(parts)}; {open_now} open; {verdict[stopped]}"
    )
