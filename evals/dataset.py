"""The key/value execution dataset: the paper's data bit for bit, and seeded variants.

The paper's generator is Python's ``random`` module used in a fixed order (seed, sample the
keys, draw each value, then ``random.choices`` of 50,000 keys per instance without
reseeding). We keep exactly that order. The long ``choices`` draws are replayed on numpy's
Mersenne Twister from the same state, which yields the same numbers far faster.

Values and running sums are Python ints, exact at any size: sums are taken in int64 only
when no sum can leave it. A value may have at most :data:`MAX_VALUE_DIGITS` digits.

Dataset files are another source of the same :class:`ExecutionDataset`, read and checked by
``evals.dataset_files``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

PAPER_SEED = 42
PAPER_DICTIONARY_SIZE = 100
PAPER_INSTANCES = 100
PAPER_INSTANCE_LENGTH = 50_000
PAPER_VALUE_RANGE = (-99, 99)
PAPER_WORDS_SHA256 = "5f0488c84180fca9b02987bae439248732116a8a0cc12c78d73d7ef9983d3417"
MAX_VALUE_DIGITS = 600
"""Most digits a dictionary value may have. A total of n such values has at most
600 + len(str(n)) digits, inside the 640 the answer parser reads (``core.MAX_DIGITS``)
for any plan that fits in memory, so every true total can be answered and scored."""
VALUE_LIMIT = f"a value may have at most {MAX_VALUE_DIGITS} digits"
_VALUE_BOUND = 10**MAX_VALUE_DIGITS
_INT64_MAX = 2**63 - 1
MAX_DICTIONARY_SIZE = 50_000
"""Largest dictionary: its prompt line is already about 700 KB. The extension draws from
18^3 x 5^2 = 145,800 pronounceable words, and by rejection: past about a third of them the
draws slow down sharply, and the last few would never all be found."""


class DatasetError(ValueError):
    """A dataset request or file that cannot be honoured; the message names the problem."""


def value_too_long(value: int) -> bool:
    """Whether ``value`` has more digits than a dictionary value may have."""
    return not -_VALUE_BOUND < value < _VALUE_BOUND


def _short_value(value: int) -> int:
    if value_too_long(value):
        raise ValueError(VALUE_LIMIT)
    return value


DictionaryValue = Annotated[int, AfterValidator(_short_value)]
"""An end of the value range (``value_min``, ``value_max``): totals stay exact at any size,
and this bound keeps every one readable as an answer."""


def check_value_range(value_min: int, value_max: int, show: Callable[[int], str] = str) -> None:
    """Refuse a value range whose ends are reversed, each end written by ``show``."""
    if value_min > value_max:
        raise ValueError(
            f"value_min ({show(value_min)}) must not exceed value_max ({show(value_max)})"
        )


class DictionaryConfig(BaseModel):
    """How the word -> integer dictionary is drawn."""

    model_config = ConfigDict(frozen=True)

    size: int = Field(default=PAPER_DICTIONARY_SIZE, ge=1)
    value_min: DictionaryValue = PAPER_VALUE_RANGE[0]
    value_max: DictionaryValue = PAPER_VALUE_RANGE[1]

    @model_validator(mode="after")
    def _check_range(self) -> DictionaryConfig:
        check_value_range(self.value_min, self.value_max)
        return self


class DatasetConfig(BaseModel):
    """Everything that determines a generated dataset; equal configs give equal data."""

    model_config = ConfigDict(frozen=True)

    seed: int = PAPER_SEED
    dictionary: DictionaryConfig = DictionaryConfig()
    instances: int = Field(default=PAPER_INSTANCES, ge=1)
    steps: int = Field(default=PAPER_INSTANCE_LENGTH, ge=1)
    generation_length: int = Field(default=PAPER_INSTANCE_LENGTH, ge=1)
    """Keys drawn per instance. The paper draws 50,000; shorter tasks are prefixes of that,
    so changing this changes every instance after the first."""

    @model_validator(mode="after")
    def _check_steps(self) -> DatasetConfig:
        if self.steps > self.generation_length:
            raise ValueError(
                f"steps ({self.steps}) exceeds generation_length ({self.generation_length})"
            )
        return self


class Instance(BaseModel):
    """One plan: the keys in order, their values, and the true running sums (inclusive)."""

    id: int
    keys: list[str]
    values: list[int]
    running_sums: list[int]

    @model_validator(mode="after")
    def _check_lengths(self) -> Instance:
        if not (len(self.keys) == len(self.values) == len(self.running_sums)):
            raise ValueError(
                f"instance {self.id}: keys, values and running sums differ in length "
                f"({len(self.keys)}, {len(self.values)}, {len(self.running_sums)})"
            )
        return self


class ExecutionDataset(BaseModel):
    """A dictionary and the instances that walk it."""

    dictionary: dict[str, int]
    instances: list[Instance]

    def dictionary_sha256(self) -> str:
        """Hash of the dictionary in insertion order, as ``json.dumps`` writes it."""
        return hashlib.sha256(json.dumps(self.dictionary).encode()).hexdigest()

    def truncated(self, instances: int, steps: int) -> ExecutionDataset:
        """The first ``instances`` instances cut to their first ``steps`` keys."""
        if instances > len(self.instances):
            raise DatasetError(
                f"samples={instances} but the dataset holds {len(self.instances)} instances"
            )
        shortest = min(len(inst.keys) for inst in self.instances[:instances])
        if steps > shortest:
            raise DatasetError(f"{steps} steps requested but an instance holds only {shortest}")
        return ExecutionDataset(
            dictionary=self.dictionary,
            instances=[
                Instance(
                    id=inst.id,
                    keys=inst.keys[:steps],
                    values=inst.values[:steps],
                    running_sums=inst.running_sums[:steps],
                )
                for inst in self.instances[:instances]
            ],
        )


@cache
def paper_words() -> tuple[str, ...]:
    """The authors' 101-word key vocabulary, shipped with the package."""
    data = files("long_horizon_execution.evals").joinpath("data/paper_words.txt")
    text = data.read_text(encoding="utf-8")
    return tuple(line for line in text.split("\n") if len(line) == 5)


def vocabulary(size: int) -> list[str]:
    """The paper's words, then deterministic pronounceable five-letter words as needed.

    The extension never repeats a paper word, and its order is fixed, so any dictionary size
    is reproducible from the seed alone.
    """
    words = list(paper_words())
    if size <= len(words):
        return words
    if size > MAX_DICTIONARY_SIZE:
        raise DatasetError(
            f"dictionary size {size} exceeds the largest, {MAX_DICTIONARY_SIZE:,} words"
        )
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    seen = set(words)
    rng = random.Random("long-horizon-vocabulary")
    while len(words) < size:
        word = "".join(rng.choice(consonants if i % 2 == 0 else vowels) for i in range(5))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _instance_draws(
    rng: random.Random, population: int, count: int, keep: int, instances: int
) -> Iterator[np.ndarray]:
    """For each of ``instances`` instances in turn, the first ``keep`` of
    ``random.choices(range(population), k=count)`` as indices; ``rng`` is left as it was.

    ``random.random()`` combines two 32-bit Mersenne Twister outputs; numpy's MT19937 started
    from the same state produces the same outputs, so the draws are identical and cheap. The
    draws past ``keep`` are only stepped over, so a short task pays little for the long
    instances it is a prefix of.
    """
    _, internal, _ = rng.getstate()
    bit_generator = np.random.MT19937()
    bit_generator.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(internal[:-1], dtype=np.uint32), "pos": internal[-1]},
    }
    for _ in range(instances):
        raw = bit_generator.random_raw(2 * keep).astype(np.uint64).reshape(keep, 2)
        if count > keep:
            bit_generator.random_raw(2 * (count - keep), output=False)
        uniform = ((raw[:, 0] >> 5) * 67108864 + (raw[:, 1] >> 6)) * (1.0 / 9007199254740992.0)
        yield np.floor(uniform * float(population)).astype(np.int64)


def _sum_dtype(values: Iterable[int], count: int) -> np.dtype[Any]:
    """int64 when no sum of ``count`` of ``values`` can leave it, else object (Python
    ints): numpy's int64 cumsum would wrap silently."""
    largest = max((abs(value) for value in values), default=0)
    return np.dtype(np.int64 if largest * count <= _INT64_MAX else object)


def generate_dataset(config: DatasetConfig | None = None) -> ExecutionDataset:
    """Regenerate the dataset; the default ``DatasetConfig()`` is the paper's, bit for bit."""
    config = config or DatasetConfig()
    rng = random.Random(config.seed)
    words = vocabulary(config.dictionary.size)
    if config.dictionary.size > len(words):
        raise DatasetError(f"dictionary size {config.dictionary.size} exceeds the vocabulary")
    keys = rng.sample(words, config.dictionary.size)
    dictionary = {
        key: rng.randint(config.dictionary.value_min, config.dictionary.value_max) for key in keys
    }
    values_by_index = np.array(
        [dictionary[key] for key in keys], dtype=_sum_dtype(dictionary.values(), config.steps)
    )
    key_array = np.array(keys, dtype=object)
    instances = []
    draws = _instance_draws(
        rng, len(keys), config.generation_length, config.steps, config.instances
    )
    for instance_id, drawn in enumerate(draws):
        values = values_by_index[drawn]
        # Built from checked parts, so validation is skipped: it dominated the build time.
        instances.append(
            Instance.model_construct(
                id=instance_id,
                keys=key_array[drawn].tolist(),
                values=values.tolist(),
                running_sums=np.cumsum(values).tolist(),
            )
        )
    return ExecutionDataset(dictionary=dictionary, instances=instances)
