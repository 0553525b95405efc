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
import os
import random
import re
import stat
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
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

from long_horizon_execution.evals.prompts_format import KEY_SEPARATOR
from long_horizon_execution.evals.prompts_paper import PAPER_TOY_DICTIONARY
from long_horizon_execution.evals.prompts_suite import TOY_DICTIONARY

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
MAX_INSTANCE_ID = _INT64_MAX
"""Largest instance id a file may give (ids are non-negative integers that fit in int64)."""
MAX_DICTIONARY_SIZE = 50_000
"""Largest dictionary: its prompt line is already about 700 KB. The extension draws from
18^3 x 5^2 = 145,800 pronounceable words, and by rejection: past about a third of them the
draws slow down sharply, and the last few would never all be found."""
MAX_DATASET_BYTES = 128 * 2**20
"""Largest dataset file read: 128 MiB, room for the whole public dataset (100 instances of
50,000 keys, about 100 MB as JSON lines). Records are decoded one at a time and only the
instances a run uses are kept, so reading a file at this size stays near twice its size
in memory."""


EXAMPLE_WORDS = frozenset(TOY_DICTIONARY) | frozenset(PAPER_TOY_DICTIONARY)
"""The words of the prompts' worked examples; a dataset key may not be one of them."""


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


class _FileRecord(BaseModel):
    """One record of a dataset file, strictly typed: a JSON float or string is refused where
    an integer belongs (a float cannot carry a large integer exactly), and so is a boolean."""

    model_config = ConfigDict(strict=True)

    id: int = Field(ge=0, le=MAX_INSTANCE_ID)
    input: list[str] = Field(min_length=1)
    values: list[int]
    output: list[int]


_FIELDS = ("input", "values", "output")


def _well_typed(fields: dict[str, Any]) -> bool:
    """What ``_FileRecord`` checks, at C speed (types compared exactly, so no bool passes
    for an int); the model names the problem when this fails."""
    identifier, keys, values, sums = (fields[name] for name in ("id", *_FIELDS))
    return (
        type(identifier) is int
        and 0 <= identifier <= MAX_INSTANCE_ID
        and type(keys) is list
        and len(keys) > 0
        and set(map(type, keys)) == {str}
        and all(type(numbers) is list for numbers in (values, sums))
        and set(map(type, values)) | set(map(type, sums)) <= {int}
    )


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot stand in a prompt unambiguously, or None. Keys are joined by
    ``", "`` in a turn, listed as ``word: value`` lines by the suite layout, and must not be
    mistaken for the words of the prompts' worked examples."""
    if not key:
        return "is empty"
    if not key.isprintable():
        return "holds a line break or another unprintable character"
    if key != key.strip():
        return "starts or ends with white space"
    if KEY_SEPARATOR in key or ": " in key:
        return f"holds {KEY_SEPARATOR!r} or ': ', which the prompts use to separate words"
    if key in EXAMPLE_WORDS:
        return "is a word of the prompts' worked examples"
    return None


def _instance_from_record(record: Any, position: int, source: str) -> Instance:
    if not isinstance(record, dict):
        raise DatasetError(f"{source}: record {position} is not an object")
    missing = [name for name in _FIELDS if name not in record]
    if missing:
        raise DatasetError(f"{source}: record {position} lacks {', '.join(missing)}")
    fields = {"id": record.get("id", position), **{name: record[name] for name in _FIELDS}}
    if not _well_typed(fields):
        try:
            _FileRecord.model_validate(fields)
            problem = "a field has the wrong type"
        except ValidationError as error:
            # pydantic's first line only counts errors; name the field and the problem
            first = error.errors()[0]
            problem = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
        raise DatasetError(f"{source}: record {position} is malformed: {problem}") from None
    checked = _FileRecord.model_construct(**fields)
    lengths = (len(checked.input), len(checked.values), len(checked.output))
    if len(set(lengths)) > 1:
        raise DatasetError(
            f"{source}: record {position} is malformed: input, values and output differ in "
            f"length {lengths}"
        )
    instance = Instance.model_construct(
        id=checked.id, keys=checked.input, values=checked.values, running_sums=checked.output
    )
    # Python ints: exact whatever the size (an int64 sum could wrap into agreement).
    if list(accumulate(instance.values)) != instance.running_sums:
        raise DatasetError(f"{source}: record {position} has outputs that are not running sums")
    return instance


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_Walk = Generator[Any, None, int]
"""Yields records one at a time and returns the position after the value it walked."""


def _skip(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _expect(text: str, position: int, delimiter: str, what: str) -> int:
    if not text.startswith(delimiter, position):
        raise json.JSONDecodeError(f"Expecting {what}", text, position)
    return _skip(text, position + 1)


def _array(text: str, position: int) -> _Walk:
    """The elements of the array at ``position``, decoded one at a time."""
    position = _expect(text, position, "[", "'['")
    if text.startswith("]", position):
        return position + 1
    while True:
        value, position = _DECODER.raw_decode(text, position)
        yield value
        position = _skip(text, position)
        if text.startswith("]", position):
            return position + 1
        position = _expect(text, position, ",", "',' delimiter")


def _object(
    text: str,
    position: int,
    walkers: dict[str, Callable[[str, int], _Walk]],
    found: dict[str, Any],
) -> _Walk:
    """The object at ``position``: members named in ``walkers`` are walked by them, the
    others decoded whole into ``found``."""
    position = _expect(text, position, "{", "'{'")
    if text.startswith("}", position):
        return position + 1
    while True:
        name, position = _DECODER.raw_decode(text, position)
        if not isinstance(name, str):
            raise json.JSONDecodeError("Expecting property name", text, position)
        position = _expect(text, _skip(text, position), ":", "':' delimiter")
        walker = walkers.get(name)
        if walker is None:
            found[name], position = _DECODER.raw_decode(text, position)
        else:
            found[name] = None
            position = yield from walker(text, position)
        position = _skip(text, position)
        if text.startswith("}", position):
            return position + 1
        position = _expect(text, position, ",", "',' delimiter")


def _json_lines(text: str) -> Iterator[Any]:
    """One value per non-blank line."""
    position, line = 0, 0
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        line += 1
        if text[position:end].strip():
            try:
                yield json.loads(text[position:end])
            except json.JSONDecodeError as error:
                raise json.JSONDecodeError(error.msg, text, position + error.pos) from None
        position = end + 1


def _records(text: str, found: dict[str, Any]) -> Iterator[Any]:
    """The records of a dataset file, decoded one at a time so that a large file is never
    held whole as Python objects: a JSON list, JSON lines, or the authors' file, whose
    other ``dict_sum`` members (the dictionary) are put in ``found``."""
    start = _skip(text, 0)
    if text.startswith("{", start):
        name, _ = _DECODER.raw_decode(text, _skip(text, start + 1))
        if name == "dict_sum":

            def dict_sum(text: str, position: int) -> _Walk:
                if not text.startswith("{", position):
                    raise DatasetError("dict_sum is not an object")
                return (yield from _object(text, position, {"ground_truth_data": data}, found))

            def data(text: str, position: int) -> _Walk:
                if not text.startswith("[", position):
                    raise DatasetError("dict_sum.ground_truth_data is not a list")
                return (yield from _array(text, position))

            end = yield from _object(text, start, {"dict_sum": dict_sum}, {})
            _expect_end(text, end)
            if "ground_truth_data" not in found:
                raise DatasetError("dict_sum has no ground_truth_data")
            return
    if text.startswith("[", start):
        _expect_end(text, (yield from _array(text, start)))
        return
    yield from _json_lines(text)


def _expect_end(text: str, position: int) -> None:
    position = _skip(text, position)
    if position < len(text):
        raise json.JSONDecodeError("Extra data", text, position)


def _read_text(path: str | Path, source: str) -> str:
    """The file's text, refused past MAX_DATASET_BYTES before it is read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DatasetError(f"dataset file {source} is not a regular file")
        with open(path, "rb") as file:
            data = file.read(MAX_DATASET_BYTES + 1)
    except OSError as error:
        raise DatasetError(f"cannot read dataset file {source}: {error.strerror}") from None
    if len(data) > MAX_DATASET_BYTES:
        raise DatasetError(f"dataset file {source} is larger than {MAX_DATASET_BYTES:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError(f"dataset file {source} is not UTF-8 text") from None


class _Pairs:
    """The key -> value pairs met so far, each key with the first instance holding it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.values: dict[str, int] = {}
        self.first: dict[str, int] = {}

    def add(self, instance: Instance) -> None:
        pairs = dict(zip(instance.keys, instance.values, strict=True))
        if list(map(pairs.__getitem__, instance.keys)) != instance.values:
            key, value = next(
                (key, value)
                for key, value in zip(instance.keys, instance.values, strict=True)
                if pairs[key] != value
            )
            self._conflict(key, value, pairs[key])
        for key, value in pairs.items():
            known = self.values.setdefault(key, value)
            self.first.setdefault(key, instance.id)
            if known != value:
                self._conflict(key, known, value)

    def _conflict(self, key: str, known: int, value: int) -> None:
        raise DatasetError(
            f"{self.source}: key {key!r} has two values in the file: "
            f"{_shown_value(known)} and {_shown_value(value)}"
        )


def _shown_value(value: int) -> str:
    return (
        str(value)
        if not value_too_long(value)
        else f"a value of more than {MAX_VALUE_DIGITS} digits"
    )


def _authors_dictionary(raw: Any, pairs: _Pairs, source: str) -> dict[str, int]:
    """The authors' dictionary, checked against every key/value pair of the records."""
    if not isinstance(raw, dict) or not all(type(value) is int for value in raw.values()):
        raise DatasetError(f"{source}: dict_sum.dictionary is not a word -> int mapping")
    for key, value in pairs.values.items():
        if raw.get(key) != value:
            raise DatasetError(
                f"{source}: instance {pairs.first[key]} key {key!r} disagrees with the dictionary"
            )
    return dict(raw)


def load_dataset_file(
    path: str | Path, instances: int | None = None, steps: int | None = None
) -> ExecutionDataset:
    """Read the public dataset (JSON list or JSON lines of id/input/values/output records)
    or the authors' ``{"dict_sum": {...}}`` file. The dictionary is taken from the file
    when present, else rebuilt from the key/value pairs and checked for consistency.

    Every record is checked, but only the first ``instances`` are kept, cut to their first
    ``steps`` keys (None: all), so a run that uses part of a large file holds only that
    part. A file larger than :data:`MAX_DATASET_BYTES` is refused before it is read."""
    source = str(path)
    text = _read_text(path, source)
    found: dict[str, Any] = {}
    pairs = _Pairs(source)
    kept: list[Instance] = []
    ids: set[int] = set()
    try:
        for position, record in enumerate(_records(text, found)):
            instance = _instance_from_record(record, position, source)
            if instance.id in ids:
                raise DatasetError(f"{source}: record {position} repeats id {instance.id}")
            ids.add(instance.id)
            pairs.add(instance)
            if instances is None or len(kept) < instances:
                kept.append(_kept(instance, steps))
    except DatasetError as error:
        if str(error).startswith(source):
            raise
        raise DatasetError(f"{source}: {error}") from None
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"dataset file {source} is neither JSON nor JSON lines (line {error.lineno})"
        ) from None
    except ValueError:
        # json refuses integers longer than the interpreter's int-string limit
        raise DatasetError(
            f"dataset file {source} holds a number too long to read; {VALUE_LIMIT}"
        ) from None
    del text
    if not ids:
        raise DatasetError(f"{source}: expected a non-empty list of records")
    raw_dictionary = found.get("dictionary")
    dictionary = (
        pairs.values
        if raw_dictionary is None
        else _authors_dictionary(raw_dictionary, pairs, source)
    )
    for key, value in dictionary.items():
        problem = key_problem(key)
        if problem is not None:
            raise DatasetError(f"{source}: the key {key!r} {problem}")
        if value_too_long(value):
            raise DatasetError(f"{source}: the value of {key!r} is too long: {VALUE_LIMIT}")
    return ExecutionDataset(dictionary=dictionary, instances=kept)


def _kept(instance: Instance, steps: int | None) -> Instance:
    """The instance cut to ``steps`` keys (None: whole), its keys interned: a file's keys
    are one string object per occurrence, a dictionary's worth once interned."""
    cut = slice(None, steps)
    return Instance.model_construct(
        id=instance.id,
        keys=list(map(sys.intern, instance.keys[cut])),
        values=instance.values[cut],
        running_sums=instance.running_sums[cut],
    )
