"""The rows of the ``frontier`` experiment: its probes and the horizons H_s read from them.

Frontier probes are pooled on purpose per model and setting across logs, and the number of
logs pooled is shown: a probe at K is the set of instances observed at K (the newest log
wins for an instance, with a note), passing threshold s when its accuracy is at least s,
which is the search's own verdict once the search stops; H_s is the largest passing K below
the smallest failing K.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from long_horizon_execution.evals.frontier_results import Probe
from long_horizon_execution.evals.report.logs import LogHeader, ScoredSample
from long_horizon_execution.evals.report.runs import model_label, variant
from long_horizon_execution.scorers.single_turn import whole_correct


class ProbeRow(BaseModel):
    """Everything observed at one K of one model's frontier."""

    model: str
    mode: str
    k: int
    samples: int
    correct: int
    accuracy: float
    accuracy_low: float
    accuracy_high: float
    tokens: int
    reasoning_tokens: int


class FrontierRow(BaseModel):
    """The largest K executed in one turn with accuracy >= s, for s = 0.5 and 0.8.
    ``*_upper`` is the smallest failing K above it (None: censored, every probe passed)."""

    model: str
    mode: str
    variant: str
    probes: int
    samples: int
    horizon_50: int
    horizon_50_upper: int | None
    horizon_80: int
    horizon_80_upper: int | None
    tokens: int
    reasoning_tokens: int
    logs: int
    """Logs pooled into this row."""


class FrontierProbes:
    """Probe outcomes of one model and setting, pooled over logs (newest first wins)."""

    def __init__(self, header: LogHeader) -> None:
        self.model = model_label(header)
        self.mode = str(header.argument("mode", "thinking"))
        self.variant = variant(header)
        self.probes: dict[int, Probe] = {}
        self.logs = 0
        self.repeated: dict[int, int] = {}
        """Per K, observations of an instance already seen in a newer log (not used)."""

    def add(self, header: LogHeader, samples: Sequence[ScoredSample]) -> None:
        """A probe log's outcomes; an instance already seen (in a newer log) is kept."""
        k = int(header.argument("k", 0))
        probe = self.probes.setdefault(k, Probe(k=k))
        seen = set(probe.outcomes)
        repeated = len({int(sample.id) for sample in samples} & seen)
        if repeated:
            self.repeated[k] = self.repeated.get(k, 0) + repeated
        for sample in samples:
            probe.outcomes.setdefault(int(sample.id), whole_correct(sample.value, sample.metadata))
        probe.tokens = probe.tokens + header.tokens
        probe.logs.append(header.path)
        self.logs += 1

    def notes(self) -> list[str]:
        """Observations the pool did not use, so none is dropped unsaid."""
        return [
            f"frontier {self.model} · {self.mode}: at K={k}, {count} observations of "
            "instances also observed in a newer log were not used (the newest is)"
            for k, count in sorted(self.repeated.items())
        ]

    def probe_rows(self) -> list[ProbeRow]:
        rows = []
        for k in sorted(self.probes):
            probe = self.probes[k]
            accuracy, low, high = probe.accuracy_interval()
            rows.append(
                ProbeRow(
                    model=self.model,
                    mode=self.mode,
                    k=k,
                    samples=probe.n,
                    correct=probe.successes,
                    accuracy=accuracy,
                    accuracy_low=low,
                    accuracy_high=high,
                    tokens=probe.tokens.total,
                    reasoning_tokens=probe.tokens.reasoning,
                )
            )
        return rows

    def row(self) -> FrontierRow:
        probes = self.probe_rows()
        h50, up50 = frontier_horizon(probes, 0.5)
        h80, up80 = frontier_horizon(probes, 0.8)
        return FrontierRow(
            model=self.model,
            mode=self.mode,
            variant=self.variant,
            probes=len(probes),
            samples=max((p.samples for p in probes), default=0),
            horizon_50=h50,
            horizon_50_upper=up50,
            horizon_80=h80,
            horizon_80_upper=up80,
            tokens=sum(p.tokens for p in probes),
            reasoning_tokens=sum(p.reasoning_tokens for p in probes),
            logs=self.logs,
        )


def frontier_horizon(probes: Sequence[ProbeRow], threshold: float) -> tuple[int, int | None]:
    """(largest passing K below the smallest failing K or 0, that failing K or None)."""
    failing = [p.k for p in probes if p.samples and p.accuracy < threshold - 1e-9]
    upper = min(failing) if failing else None
    passing = [
        p.k
        for p in probes
        if p.samples and p.accuracy >= threshold - 1e-9 and (upper is None or p.k < upper)
    ]
    return max(passing, default=0), upper
