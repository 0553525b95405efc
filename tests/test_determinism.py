"""The same seed gives the same datasets, induced errors and simulated replies in every
process, whatever Python's hash seed: compared as sha256 fingerprints across processes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
)

from long_horizon_execution.evals.dataset import DatasetConfig, DictionaryConfig, generate_dataset
from long_horizon_execution.evals.prompts import system_prompt
from long_horizon_execution.evals.samples import split_turns, turn_totals
from long_horizon_execution.evals.simulated import SimulatedExecutor

HASH_SEEDS = ("0", "1", "4242")


def sha(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def dataset_config(seed: int) -> DatasetConfig:
    # a dictionary beyond the paper's vocabulary exercises the generated words too
    return DatasetConfig(seed=seed, dictionary=DictionaryConfig(size=130), instances=3, steps=60)


def simulated_replies(seed: int, mode: str) -> list[str]:
    """Thirty turns of two instances, each reply fed back as the next turn's history."""
    data = generate_dataset(dataset_config(seed))
    model = SimulatedExecutor("executor", p=0.8, self_conditioning=0.5, format_error=0.1, seed=seed)
    thinking = mode == "thinking"
    config = GenerateConfig(reasoning_effort="medium") if thinking else GenerateConfig()
    replies: list[str] = []
    for instance in data.instances[:2]:
        messages: list[ChatMessage] = [
            ChatMessageSystem(content=system_prompt(data.dictionary, 2, mode))
        ]
        for keys in split_turns(instance.keys, 2):
            messages.append(ChatMessageUser(content=", ".join(keys)))
            output = asyncio.run(model.generate(messages, [], "none", config))
            assert not isinstance(output, tuple)
            replies.append(output.message.text + "|" + str(output.usage))
            messages.append(ChatMessageAssistant(content=output.completion))
    return replies


def induced_errors(seed: int) -> dict[str, Any]:
    """The self-conditioning draws and the histories they produce."""
    from long_horizon_execution.solvers.rewrite import error_draws, shown_totals

    data = generate_dataset(dataset_config(seed))
    result: dict[str, Any] = {}
    for instance in data.instances:
        truths = turn_totals(instance, 1)
        uniforms, offsets = error_draws(seed, str(instance.id), len(truths), 10)
        result[str(instance.id)] = {
            "uniforms": uniforms.tolist(),
            "offsets": offsets.tolist(),
            "shown": {
                kind: shown_totals(np.asarray(truths), uniforms < 0.5, offsets, kind).tolist()
                for kind in ("uniform", "drift")
            },
        }
    return result


def fingerprints(seed: int = 42) -> dict[str, str]:
    data = generate_dataset(dataset_config(seed))
    return {
        "dataset": hashlib.sha256(data.model_dump_json().encode()).hexdigest(),
        "prompt": sha([system_prompt(data.dictionary, k, "cot") for k in (1, 3)]),
        "plain": sha(simulated_replies(seed, "plain")),
        "cot": sha(simulated_replies(seed, "cot")),
        "thinking": sha(simulated_replies(seed, "thinking")),
        "induced": sha(induced_errors(seed)),
    }


def in_subprocess(hash_seed: str) -> subprocess.Popen[str]:
    code = "import json, test_determinism as t; print(json.dumps(t.fingerprints()))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_fingerprints_agree_across_processes_and_hash_seeds() -> None:
    running = [in_subprocess(seed) for seed in HASH_SEEDS]
    here = fingerprints()
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-2000:]
        assert json.loads(out.strip().splitlines()[-1]) == here


def test_fingerprints_depend_on_the_seed() -> None:
    a, b = fingerprints(42), fingerprints(43)
    assert all(a[name] != b[name] for name in a), (a, b)


def test_the_paper_dataset_is_the_same_in_every_process() -> None:
    code = (
        "import hashlib; from long_horizon_execution.evals.dataset import generate_dataset as g;"
        "print(hashlib.sha256(g().model_dump_json().encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in HASH_SEEDS[:2]:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).parents[1],
        )
        assert done.returncode == 0, done.stderr[-2000:]
        digests.add(done.stdout.strip())
    assert len(digests) == 1
    assert hashlib.sha256(generate_dataset().model_dump_json().encode()).hexdigest() in digests
