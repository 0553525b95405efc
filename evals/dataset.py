"""The key/value execution dataset: the paper's data bit for bit, and seeded variants.

The paper's generator is Python's ``random`` module used in a fixed order (seed, sample the
keys, draw each value, then ``random.choices`` of 50,000 keys per instance without
reseeding). We keep exactly that order. The long ``choices`` draws are replayed on numpy's
Mersenne Twister from the same state, which yields the same numbers far faster.

Values and running sums are Python ints, exact at any size: sums are taken in int64 only
when no sum can leave it. A value may have at most :data:`MAX_VALUE_DIGITS` digits.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

PAPER_SEED = 42
PAPER_DICTIONARY_SIZE = 100
PAPER_INSTANCES = 100
PAPER_INSTANCE_LENGTH = 50_000
PAPER_VALUE_RANGE = (-99, 99)
PAPER_WORDS_SHA256 = "5f0488c84180fca9b02987bae439248732116a8a0cc12c78d73d7ef9983d3417"
MAX_VALUE_DIGITS = 600
"""Most digits a dictionary value may have. A total of n such values has at most
600 + len(str(n)) digits, inside the 640 the answer parser reads
(``scorers.parsing.MAX_DIGITS``) for any plan that fits in memory, so every true total can
be answered and scored."""
VALUE_LIMIT = f"a value may have at most {MAX_VALUE_DIGITS} digits"
_VALUE_BOUND = 10**MAX_VALUE_DIGITS
_INT64_MAX = 2**63 - 1


class DatasetError(ValueError):
    """A dataset request or file that cannot be honoured; the message names the problem."""


def value_too_long(value: int) -> bool:
    """Whether ``value`` has more digits than a dictionary value may have."""
    return not -_VALUE_BOUND < value < _VALUE_BOUND


class DictionaryConfig(BaseModel):
    """How the word -> integer dictionary is drawn."""

    model_config = ConfigDict(frozen=True)

    size: int = Field(default=PAPER_DICTIONARY_SIZE, ge=1)
    value_min: int = PAPER_VALUE_RANGE[0]
    value_max: int = PAPER_VALUE_RANGE[1]

    @field_validator("value_min", "value_max")
    @classmethod
    def _check_digits(cls, value: int) -> int:
        if value_too_long(value):
            raise ValueError(VALUE_LIMIT)
        return value

    @model_validator(mode="after")
    def _check_range(self) -> DictionaryConfig:
        if self.value_min > self.value_max:
            raise ValueError(
                f"value_min ({self.value_min}) must not exceed value_max ({self.value_max})"
            )
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
    text = files("evals").joinpath("data/paper_words.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.split("\n") if len(line) == 5)


def vocabulary(size: int) -> list[str]:
    """The paper's words, then deterministic pronounceable five-letter words as needed.

    The extension never repeats a paper word, and its order is fixed, so any dictionary size
    is reproducible from the seed alone.
    """
    words = list(paper_words())
    if size <= len(words):
        return words
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
    seen = set(words)
    rng = random.Random("long-horizon-vocabulary")
    capacity = len(consonants) ** 3 * len(vowels) ** 2
    if size > capacity + len(words):
        raise DatasetError(f"dictionary size {size} exceeds the vocabulary of {capacity} words")
    while len(words) < size:
        word = "".join(rng.choice(consonants if i % 2 == 0 else vowels) for i in range(5))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _choices_indices(rng: random.Random, population: int, count: int) -> np.ndarray:
    """Exactly ``random.choices(range(population), k=count)`` as indices, and advance ``rng``.

    ``random.random()`` combines two 32-bit Mersenne Twister outputs; numpy's MT19937 started
    from the same state produces the same outputs, so the draws are identical and cheap.
    """
    version, internal, gauss = rng.getstate()
    bit_generator = np.random.MT19937()
    bit_generator.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(internal[:-1], dtype=np.uint32), "pos": internal[-1]},
    }
    raw = bit_generator.random_raw(2 * count).astype(np.uint64).reshape(count, 2)
    uniform = ((raw[:, 0] >> 5) * 67108864 + (raw[:, 1] >> 6)) * (1.0 / 9007199254740992.0)
    indices = np.floor(uniform * float(population)).astype(np.int64)
    after = bit_generator.state["state"]
    rng.setstate((version, (*(int(x) for x in after["key"]), int(after["pos"])), gauss))
    return indices


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
    for instance_id in range(config.instances):
        drawn = _choices_indices(rng, len(keys), config.generation_length)[: config.steps]
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


def _dictionary_from_pairs(
    records: Sequence[tuple[Sequence[str], Sequence[int]]],
) -> dict[str, int]:
    dictionary: dict[str, int] = {}
    for keys, values in records:
        for key, value in zip(keys, values, strict=True):
            known = dictionary.setdefault(key, value)
            if known != value:
                raise DatasetError(f"key {key!r} has two values in the file: {known} and {value}")
    return dictionary


def _instance_from_record(record: Any, position: int, source: str) -> Instance:
    if not isinstance(record, dict):
        raise DatasetError(f"{source}: record {position} is not an object")
    missing = [name for name in ("input", "values", "output") if name not in record]
    if missing:
        raise DatasetError(f"{source}: record {position} lacks {', '.join(missing)}")
    try:
        # Strict: a JSON float is refused, as it cannot carry a large integer exactly.
        instance = Instance.model_validate(
            {
                "id": int(record.get("id", position)),
                "keys": record["input"],
                "values": record["values"],
                "running_sums": record["output"],
            },
            strict=True,
        )
    except ValidationError as error:
        # pydantic's first line only counts errors; name the field and the problem instead
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = first["msg"].removeprefix("Value error, ")
        detail = f"{where}: {problem}" if where else problem
        raise DatasetError(f"{source}: record {position} is malformed: {detail}") from None
    except (ValueError, TypeError) as error:
        first_line = str(error).splitlines()[0]
        raise DatasetError(f"{source}: record {position} is malformed: {first_line}") from None
    # Python ints: exact whatever the size (an int64 sum could wrap into agreement).
    if list(accumulate(instance.values)) != instance.running_sums:
        raise DatasetError(f"{source}: record {position} has outputs that are not running sums")
    return instance


def _read_json(text: str, source: str) -> Any:
    """The file as one JSON document, else as JSON lines; one line naming the problem."""
    try:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"dataset file {source} is neither JSON nor JSON lines (line {error.lineno})"
        ) from None
    except ValueError:
        # json refuses integers longer than the interpreter's int-string limit
        raise DatasetError(
            f"dataset file {source} holds a number too long to read; {VALUE_LIMIT}"
        ) from None


def load_dataset_file(path: str | Path) -> ExecutionDataset:
    """Read the public dataset (JSON list or JSON lines of id/input/values/output records)
    or the authors' ``{"dict_sum": {...}}`` file. The dictionary is taken from the file
    when present, else rebuilt from the key/value pairs and checked for consistency."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise DatasetError(f"cannot read dataset file {source}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise DatasetError(f"dataset file {source} is not UTF-8 text") from None
    parsed = _read_json(text, source)
    dictionary: dict[str, int] | None = None
    if isinstance(parsed, dict) and "dict_sum" in parsed:
        body = parsed["dict_sum"]
        if not isinstance(body, dict) or "ground_truth_data" not in body:
            raise DatasetError(f"{source}: dict_sum has no ground_truth_data")
        raw_dictionary = body.get("dictionary")
        if raw_dictionary is not None:
            if not isinstance(raw_dictionary, dict) or not all(
                isinstance(v, int) for v in raw_dictionary.values()
            ):
                raise DatasetError(f"{source}: dict_sum.dictionary is not a word -> int mapping")
            dictionary = dict(raw_dictionary)
        parsed = body["ground_truth_data"]
    if not isinstance(parsed, list) or not parsed:
        raise DatasetError(f"{source}: expected a non-empty list of records")
    instances = [_instance_from_record(rec, i, source) for i, rec in enumerate(parsed)]
    if dictionary is None:
        dictionary = _dictionary_from_pairs([(inst.keys, inst.values) for inst in instances])
    for inst in instances:
        for key, value in zip(inst.keys, inst.values, strict=True):
            if dictionary.get(key) != value:
                raise DatasetError(
                    f"{source}: instance {inst.id} key {key!r} disagrees with the dictionary"
                )
    too_long = next((key for key, value in dictionary.items() if value_too_long(value)), None)
    if too_long is not None:
        raise DatasetError(f"{source}: the value of {too_long!r} is too long: {VALUE_LIMIT}")
    return ExecutionDataset(dictionary=dictionary, instances=instances)
