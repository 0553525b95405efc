"""Dataset build time: the default task's data and the full paper dataset, each timed
against regenerating the same data with plain ``random`` calls, side by side in one run.

    python benchmarks/dataset_build.py
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from long_horizon_execution.evals.dataset import DatasetConfig, generate_dataset, paper_words
from long_horizon_execution.evals.horizon import horizon

REPEATS = 5


def plain_random(instances: int, steps: int) -> list[list[int]]:
    """The paper's recipe written directly, cut to ``steps`` after drawing 50,000 keys."""
    rng = random.Random(42)
    keys = rng.sample(list(paper_words()), 100)
    dictionary = {key: rng.randint(-99, 99) for key in keys}
    sums = []
    for _ in range(instances):
        drawn = rng.choices(keys, k=50_000)[:steps]
        total, running = 0, []
        for key in drawn:
            total += dictionary[key]
            running.append(total)
        sums.append(running)
    return sums


def best_of(function: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    default = best_of(lambda: horizon())
    default_data = best_of(lambda: generate_dataset(DatasetConfig(instances=20, steps=50)))
    default_plain = best_of(lambda: plain_random(20, 50))
    full = best_of(lambda: generate_dataset())
    full_plain = best_of(lambda: plain_random(100, 50_000))
    print(f"default horizon task built (dataset, prompts, samples): {default * 1000:8.1f} ms")
    print(
        f"default dataset (20 x 50):  ours {default_data * 1000:8.1f} ms   plain random "
        f"{default_plain * 1000:8.1f} ms   ratio plain/ours {default_plain / default_data:5.2f}"
    )
    print(
        f"full dataset (100 x 50,000): ours {full * 1000:8.1f} ms   plain random "
        f"{full_plain * 1000:8.1f} ms   ratio plain/ours {full_plain / full:5.2f}"
    )


if __name__ == "__main__":
    main()
