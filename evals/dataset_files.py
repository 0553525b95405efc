"""Reading dataset files: the public dataset (a JSON list or JSON lines of id/input/values/
output records) and the authors' ``{"dict_sum": {...}}`` file.

Generation lives in ``evals.dataset``; a file is another source of the same
:class:`ExecutionDataset`, and everything in it is checked before a run uses it: types,
lengths, running sums, one value per key, keys that read unambiguously in a prompt. The
file is decoded one record at a time and only the part a run uses is kept.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from itertools import accumulate
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from long_horizon_execution.evals.dataset import (
    MAX_VALUE_DIGITS,
    VALUE_LIMIT,
    DatasetError,
    ExecutionDataset,
    Instance,
    value_too_long,
)
from long_horizon_execution.evals.dataset_json import records
from long_horizon_execution.evals.prompts_format import KEY_SEPARATOR
from long_horizon_execution.evals.prompts_paper import PAPER_TOY_DICTIONARY
from long_horizon_execution.evals.prompts_suite import TOY_DICTIONARY

MAX_INSTANCE_ID = 2**63 - 1
"""Largest instance id a file may give (ids are non-negative integers that fit in int64)."""
MAX_DATASET_BYTES = 128 * 2**20
"""Largest dataset file read: 128 MiB, room for the whole public dataset (100 instances of
50,000 keys, about 100 MB as JSON lines). Records are decoded one at a time and only the
instances a run uses are kept, so reading a file at this size stays near twice its size
in memory."""


EXAMPLE_WORDS = frozenset(TOY_DICTIONARY) | frozenset(PAPER_TOY_DICTIONARY)
"""The words of the prompts' worked examples; a dataset key may not be one of them."""


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
        for position, record in enumerate(records(text, found)):
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
