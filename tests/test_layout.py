"""Prompt layouts: the suite's own prompts, kept byte for byte behind ``layout=suite``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.prompts import single_turn_prompt, system_prompt, turn_text

SNAPSHOT = Path(__file__).parent / "snapshots" / "suite_prompts.json"
"""The suite's prompts as they were before the paper layout existed (task version 2-A):
``system_prompt`` for the paper dictionary ("real") and a small one at K = 1, 2, 3, 5, 10
in every mode, ``single_turn_prompt`` for the first 12 keys of instance 0 at K = 1, 3, 5,
12, and ``turn_text`` of three keys."""


@pytest.fixture(scope="module")
def snapshot() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return data


def test_suite_system_prompts_are_unchanged(snapshot: dict[str, Any]) -> None:
    for key, expected in snapshot["system"].items():
        name, k, mode = key.split("/")
        dictionary = snapshot["dictionary" if name == "real" else "small"]
        assert system_prompt(dictionary, int(k), mode, "suite") == expected, key


def test_suite_single_turn_prompts_are_unchanged(snapshot: dict[str, Any]) -> None:
    for key, expected in snapshot["single"].items():
        k, mode = key.split("/")
        prompt = single_turn_prompt(snapshot["dictionary"], snapshot["keys"], int(k), mode, "suite")
        assert prompt == expected, key


def test_suite_turn_text_is_the_keys(snapshot: dict[str, Any]) -> None:
    assert turn_text(snapshot["keys"][:3]) == snapshot["turn"]
