"""Streaming JSON for dataset files: their records are decoded one at a time, so that a
file of the whole public dataset (about 100 MB) is never held whole as Python objects.

Three shapes are read: a JSON list of records, JSON lines, and the authors' file, whose
records are the list ``dict_sum.ground_truth_data`` beside its other members. Malformed
JSON raises ``json.JSONDecodeError``; a file of the authors' shape with a misplaced member
raises :class:`DatasetError`. What a record holds is checked by ``evals.dataset_files``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterator
from typing import Any

from long_horizon_execution.evals.dataset import DatasetError

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


def records(text: str, found: dict[str, Any]) -> Iterator[Any]:
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
