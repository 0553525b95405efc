"""The frontier search CLI under hostile input: every bad option refused in one line before
any model call, a search that always ends within its own eval bound, instances taken by
position whatever their ids, a failing server that stops the search after a bounded number
of requests, and interruptions that leave a resumable log dir."""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_openai_server import Action, FakeOpenAIServer
from inspect_ai.log import EvalSample

import long_horizon_execution.evals.frontier_search as search_module
import long_horizon_execution.evals.run_checks as checks_module
from long_horizon_execution.evals.dataset import DatasetConfig, DictionaryConfig, generate_dataset
from long_horizon_execution.evals.frontier import MAX_K, MAX_SAMPLES, MAX_SEARCH_KEYS
from long_horizon_execution.evals.frontier_cli import main
from long_horizon_execution.evals.frontier_config import SearchConfig, eval_bound
from long_horizon_execution.evals.frontier_results import Probe, SearchStopped
from long_horizon_execution.evals.frontier_search import FrontierSearch, _position
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour

ROOT = Path(__file__).resolve().parent.parent
FAKE = "openai-api/fake/frontier-hostile"
"""A model name of this module's own (see the ``server`` fixture)."""
PLAIN = ["-T", "mode=plain", "-T", "reasoning_tokens=null"]


def cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[str], list[str]]:
    """Run the CLI in-process: exit code, stdout lines and stderr lines."""
    try:
        main(argv)
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def write_dataset(path: Path, ids: list[int], steps: int = 30) -> Path:
    data = generate_dataset(
        DatasetConfig(
            instances=len(ids),
            steps=steps,
            generation_length=steps,
            dictionary=DictionaryConfig(size=20),
        )
    )
    records = [
        {"id": id_, "input": inst.keys, "values": inst.values, "output": inst.running_sums}
        for id_, inst in zip(ids, data.instances, strict=True)
    ]
    path.write_text(json.dumps(records))
    return path


# ---------------------------------------------------------------- refusals, one line each


def _file(tmp: Path) -> str:
    (tmp / "a_file").write_text("not a directory")
    return str(tmp / "a_file")


REFUSALS: dict[str, tuple[list[str], list[str]]] = {
    # name: (arguments, what the one line must contain)
    "also above 1": (["--also", "1.5"], ["--also", "1.5"]),
    "also negative": (["--also", "-1"], ["--also", "-1"]),
    "threshold above 1": (["--threshold", "2"], ["--threshold", "2"]),
    "threshold zero": (["--threshold", "0"], ["--threshold", "0"]),
    "threshold nan": (["--threshold", "nan"], ["--threshold", "finite"]),
    "alpha half": (["--alpha", "0.5"], ["--alpha", "0.5"]),
    "alpha negative": (["--alpha", "-0.1"], ["--alpha", "-0.1"]),
    "task k": (["-T", "k=5"], ["-T k", "--max-k"]),
    "task samples": (["-T", "samples=3"], ["-T samples", "--samples"]),
    "task first_sample": (["-T", "first_sample=2"], ["-T first_sample"]),
    "task steps": (["-T", "steps=5"], ["-T steps", "not a parameter"]),
    "task mode bogus": (["-T", "mode=bogus"], ["'mode'", "'bogus'"]),
    "task mode empty": (["-T", "mode="], ["'mode'", "None"]),
    "task layout bogus": (["-T", "layout=fancy"], ["'layout'", "'fancy'"]),
    "task reasoning_tokens zero": (["-T", "reasoning_tokens=0"], ["'reasoning_tokens'", "0"]),
    "task seed text": (["-T", "seed=abc"], ["'seed'", "'abc'"]),
    "task without =": (["-T", "mode"], ["-T", "name=value", "'mode'"]),
    "task bad yaml": (["-T", "mode=[plain"], ["-T mode", "'[plain'"]),
    "task twice": (["-T", "mode=cot", "-T", "mode=plain"], ["-T mode", "twice"]),
    "model arg out of range": (["-M", "p=2"], ["-M", "'p': 2", "less than or equal to 1"]),
    "model arg unknown": (["-M", "bogus=1"], ["-M", "bogus"]),
    "model arg without =": (["-M", "p"], ["-M", "name=value"]),
    "unknown provider": (["--model", "nosuch/model"], ["--model", "nosuch/model"]),
    "samples text": (["--samples", "abc"], ["--samples", "'abc'"]),
    "samples zero": (["--samples", "0"], ["--samples", "0"]),
    "samples negative": (["--samples", "-3"], ["--samples", "-3"]),
    "samples too many": (["--samples", str(MAX_SAMPLES + 1)], ["--samples", "MAX_SAMPLES"]),
    "granularity zero": (["--granularity", "0"], ["--granularity", "0"]),
    "granularity fraction": (["--granularity", "2.5"], ["--granularity", "'2.5'"]),
    "batch zero": (["--batch", "0"], ["--batch", "0"]),
    "max-k zero": (["--max-k", "0"], ["--max-k", "0"]),
    "max-k huge": (["--max-k", "100000000"], ["--max-k", "100000000", "MAX_K"]),
    "max-k overflowing": (["--max-k", "9" * 4000], ["--max-k", "4,000 digits"]),
    "samples x max-k": (
        ["--samples", "1000", "--max-k", "100000"],
        ["--samples x --max-k", "MAX_SEARCH_KEYS"],
    ),
    "start above max-k": (["--start", "50", "--max-k", "20"], ["--start", "50", "--max-k"]),
    "start zero": (["--start", "0"], ["--start", "0"]),
    "max-connections zero": (["--max-connections", "0"], ["--max-connections", "0"]),
    "max-retries negative": (["--max-retries", "-1"], ["--max-retries", "-1"]),
    "timeout zero": (["--timeout", "0"], ["--timeout", "0"]),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_bad_options_are_refused_in_one_line_before_any_model_call(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra, expected = REFUSALS[case]
    log_dir = tmp_path / "logs"
    argv = ["--model", "simulated/executor", "--log-dir", str(log_dir)]
    if "--model" in extra:
        argv = argv[2:]
    code, out, err = cli(capsys, argv + extra + ["--also"] * ("--also" not in extra))
    assert code == 2 and out == []
    assert len(err) == 1 and err[0].startswith("frontier: "), err
    for part in expected:
        assert part in err[0], (part, err[0])
    assert not list(log_dir.glob("*.eval"))


def test_bad_log_dirs_and_dataset_files_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = _file(tmp_path)
    short = write_dataset(tmp_path / "short.json", [0, 1, 2], steps=8)
    repeated = write_dataset(tmp_path / "repeated.json", [4, 9, 4])
    (tmp_path / "empty.json").write_text("")
    cases = {
        "log dir a file": ([a_file], ["a_file", "is a file"]),
        "log dir under a file": ([str(Path(a_file) / "logs")], ["cannot be made"]),
        "missing": ([str(tmp_path), "-T", "dataset_file=nowhere.json"], ["dataset_file"]),
        "empty": (
            [str(tmp_path), "-T", f"dataset_file={tmp_path / 'empty.json'}"],
            ["-T dataset_file", "non-empty list"],
        ),
        "too few": (
            [str(tmp_path), "-T", f"dataset_file={short}", "--samples", "5"],
            ["--samples 5", "holds 3 instances"],
        ),
        "too short": (
            [str(tmp_path), "-T", f"dataset_file={short}", "--samples", "3", "--max-k", "20"],
            ["--max-k 20", "(8 keys)"],
        ),
        "repeated ids": (
            [str(tmp_path), "-T", f"dataset_file={repeated}", "--samples", "3", "--max-k", "20"],
            ["repeats", "id 4"],
        ),
    }
    for name, (extra, expected) in cases.items():
        argv = ["--model", "simulated/executor", *PLAIN, "--also", "--log-dir", *extra]
        code, out, err = cli(capsys, argv)
        assert code == 2 and len(err) == 1, (name, err)
        assert all(part in err[0] for part in expected), (name, err[0])
    # a directory the user cannot write (root can write anywhere, so ask os.access)
    monkeypatch.setattr(checks_module.os, "access", lambda *args: False)
    code, _, err = cli(capsys, ["--model", "simulated/executor", "--log-dir", str(tmp_path)])
    assert code == 2 and err == [
        f"frontier: --log-dir {str(tmp_path)!r} is not readable and writable"
    ]
    assert not list(tmp_path.glob("*.eval"))


def test_refusing_an_oversized_search_builds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --max-k 100000000 once reached 7.4 GB; now the check comes before anything is built
    for extra in (["--max-k", "100000000"], ["--samples", "1000000000"]):
        tracemalloc.start()
        code, _, err = cli(
            capsys, ["--model", "simulated/executor", "--log-dir", str(tmp_path)] + extra
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert code == 2 and len(err) == 1 and extra[0] in err[0]
        assert peak < 20 * 2**20
    assert 20 * 50_000 <= MAX_SEARCH_KEYS  # the default samples reach the paper's length


def test_thresholds_are_searched_once_and_one_is_allowed(tmp_path: Path) -> None:
    config = SearchConfig(
        model="simulated/executor", log_dir=str(tmp_path), threshold=1.0, also=[0.8, 1.0, 0.8]
    )
    assert config.thresholds == [1.0, 0.8]
    chosen = config.model_copy(update={"max_retries": 0, "timeout": 30, "max_connections": 2})
    options = FrontierSearch(chosen)._eval_options("probe")
    tags = [f"frontier-search-{chosen.search_id()}", "probe"]
    assert options == {
        "display": "none",
        "max_retries": 0,
        "timeout": 30,
        "max_connections": 2,
        "tags": tags,
    }
    # a user's own tags are kept beside the search's
    given = chosen.model_copy(update={"eval_args": {"tags": ["mine"]}})
    assert FrontierSearch(given)._eval_options("grid")["tags"][1:] == ["grid", "mine"]


# ---------------------------------------------------------------- the eval bound


def planted(outcome: Callable[[int, int], bool]) -> Callable[..., None]:
    """A stand-in for one eval: instance i at K comes back right when ``outcome(k, i)``."""

    def evaluate(self: FrontierSearch, k: int, first: int, count: int) -> None:
        probe = self.probes.setdefault(k, Probe(k=k))
        for i in range(first, first + count):
            probe.outcomes[i] = outcome(k, i)

    return evaluate


def test_no_search_exceeds_its_eval_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Searches over a sweep of parameters and model behaviours (capacities around the
    # range, everything right, everything wrong, coin flips): each ends within its bound.
    rng = random.Random(7)
    grid = itertools.product(
        [1, 7, 100, 4096, MAX_K],  # max_k
        [1, 3, 64],  # granularity
        [None, 1],  # start
        [1, 5, 20],  # samples
        [1, 3, 20],  # batch
        [0.0, 0.05],  # alpha
        [[], [0.8, 0.2, 1.0]],  # also
    )
    combos = [c for c in grid if c[3] * c[0] <= MAX_SEARCH_KEYS]
    for max_k, step, start, samples, batch, alpha, also in rng.sample(combos, 150):
        centre = rng.choice([0, 1, max_k // 3, max_k, 2 * max_k])
        capacity = [centre * rng.uniform(0.5, 1.5) for _ in range(samples)]
        noisy = rng.random() < 0.2

        def outcome(k: int, i: int, capacity: list[float] = capacity, noisy: bool = noisy) -> bool:
            return random.Random(k * 7919 + i).random() < 0.5 if noisy else k <= capacity[i]

        monkeypatch.setattr(FrontierSearch, "_evaluate", planted(outcome))
        config = SearchConfig(
            model="simulated/executor",
            log_dir=str(tmp_path),
            max_k=max_k,
            granularity=step,
            start=start,
            samples=samples,
            batch=batch,
            alpha=alpha,
            also=also,
        )
        report = FrontierSearch(config).run()
        assert 0 < report.evals_run <= report.eval_bound == eval_bound(config)
        steps = max_k // step + 1
        assert report.eval_bound <= steps * math.ceil(samples / batch)


def test_reaching_the_bound_stops_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FrontierSearch, "_evaluate", planted(lambda k, i: True))
    monkeypatch.setattr(search_module, "eval_bound", lambda config: 2)
    argv = ["--model", "simulated/executor", "--log-dir", str(tmp_path), "--also"]
    code, out, err = cli(capsys, argv + ["--granularity", "4", "--samples", "4", "--batch", "4"])
    assert code == 1 and out == []
    assert err[-1].startswith("frontier: stopped after 2 evals, the most a search")
    assert "run the same command to resume" in err[-1]
    assert sum("instances 0-3 of 4" in line for line in err) == 2
    assert not (tmp_path / "frontier.json").exists()


def test_a_batch_that_comes_back_unscored_stops_the_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the shape of the old endless loop: a batch runs but its outcomes land elsewhere
    monkeypatch.setattr(FrontierSearch, "_evaluate", lambda self, k, first, count: None)
    search = FrontierSearch(SearchConfig(model="simulated/executor", log_dir=str(tmp_path)))
    with pytest.raises(SearchStopped, match=r"probe k=10: 5 of instances 0-4 came back"):
        search.run()
    assert search.evals_run == 1


def test_a_probe_refused_mid_search_or_ctrl_c_while_checking_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(**arguments: object) -> None:
        raise ParameterError("frontier: invalid parameter 'k': too large (got 4096)")

    monkeypatch.setattr(search_module, "frontier", refused)
    argv = ["--model", "simulated/executor", "--log-dir", str(tmp_path), "--also"]
    code, out, err = cli(capsys, argv)
    assert code == 2 and out == []
    assert err[-1] == "frontier: invalid parameter 'k': too large (got 4096)"

    def interrupted(self: FrontierSearch) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(FrontierSearch, "_load", interrupted)
    code, out, err = cli(capsys, argv)
    assert code == 130 and out == []
    assert err == ["frontier: interrupted; finished batches stay in the log dir"]


def sample(id_: int | str, position: int | None = None) -> EvalSample:
    metadata = {} if position is None else {"position": position}
    return EvalSample(id=id_, epoch=1, input="x", target="1", metadata=metadata)


def test_positions_come_from_metadata_and_old_ids_are_trusted_only_in_range() -> None:
    assert _position(sample(1007, position=6), first=5, count=3) == 6
    assert _position(sample(6), first=5, count=3) == 6  # an older log: id = position
    assert _position(sample(1007), first=5, count=3) is None  # an older log of a file's ids
    assert _position(sample("a"), first=0, count=3) is None


# ---------------------------------------------------------------- real searches


def test_arbitrary_instance_ids_search_once_per_batch_and_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ids that are not positions (3 sits at position 2) once made the search rerun one
    # batch without end
    data = write_dataset(tmp_path / "data.json", [1000, 77, 3, 123_456])
    log_dir = tmp_path / "search"
    argv = ["--model", "simulated/executor", "--log-dir", str(log_dir), *PLAIN]
    argv += ["-M", "p=1.0", "-M", "single_turn_capacity=14", "-M", "capacity_spread=0.02"]
    argv += ["-T", f"dataset_file={data}", "--granularity", "4", "--max-k", "24"]
    argv += ["--samples", "4", "--batch", "2", "--alpha", "0", "--also"]
    code, out, err = cli(capsys, argv)
    assert code == 0, err
    report = json.loads((log_dir / "frontier.json").read_text())
    assert (report["results"][0]["horizon"], report["results"][0]["upper"]) == (12, 16)
    # K = 4, 8, 12 pass on their first batch; 16 fails only after both
    assert report["evals_run"] == 5 <= report["eval_bound"]
    assert [p["samples"] for p in report["probes"]] == [2, 2, 2, 4]
    running = [line for line in err if "instances" in line]
    assert running[0] == "frontier: k=4, s=0.5: instances 0-1 of 4, eval 1 of at most 14"
    assert "k=16, s=0.5: instances 2-3 of 4 (0/2 correct so far), eval 4 of" in running[3]
    assert "frontier: k=16, s=0.5: fail (0/4 correct)" in err
    assert len(err) == 5 + 4  # one line per eval, one per verdict

    # a rerun reads every outcome back by position: no eval; foreign files are named
    (log_dir / "garbage.eval").write_bytes(b"not a zip")
    code, _, err = cli(capsys, argv)
    assert code == 0 and json.loads((log_dir / "frontier.json").read_text())["evals_run"] == 0
    assert err[0] == f"frontier: reusing 5 probe batches from {log_dir}; ignored 1 unreadable"
    # the same log dir under other settings reuses nothing and says why
    other = FrontierSearch(
        SearchConfig(model="simulated/executor", log_dir=str(log_dir), model_args={"p": 0.5}),
        progress=lambda line: print(line, file=sys.stderr),
    )
    assert other.probes == {}
    _, err = capsys.readouterr()
    assert "ignored 5 of other settings, 1 unreadable" in err


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeOpenAIServer]:
    with (
        FakeOpenAIServer(SimulatedBehaviour(p=1.0)) as running,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in running.environment().items():
            patch.setenv(name, value)
        yield running


@pytest.fixture
def server(running_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """One server for the module: Inspect keeps a model per name and arguments for the
    process, bound to the address it was first made with."""
    running_server.reset()
    running_server.set_plan(None)
    yield running_server
    running_server.set_plan(None)


def fake_argv(log_dir: Path) -> list[str]:
    return ["--model", FAKE, "--log-dir", str(log_dir), *PLAIN, "--max-k", "20"] + [
        "--samples",
        "4",
        "--batch",
        "2",
        "--also",
    ]


def test_a_server_that_always_fails_stops_the_search_after_capped_retries(
    server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.set_plan(lambda info: Action(status=500))
    # no retry by Inspect (--max-retries 0) nor by the OpenAI client (-M max_retries=0)
    argv = fake_argv(tmp_path) + ["--max-retries", "0", "-M", "max_retries=0"]
    code, out, err = cli(capsys, argv)
    assert code == 1 and out == []
    assert server.requests == 2  # the first batch's 2 instances, one attempt each
    assert err == [
        "frontier: k=10, s=0.5: instances 0-1 of 4, eval 1 of at most 6",
        "frontier: probe k=10, instances 0-1 failed: openai.InternalServerError: Error code: "
        f"500 - injected fault; finished batches are kept in {tmp_path}: run the same "
        "command to resume",
    ]


def test_ctrl_c_during_a_probe_exits_130_and_the_rerun_resumes(
    server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold = threading.Event()
    server.set_plan(lambda info: Action(hold=hold))

    def interrupt() -> None:
        while server.requests < 2:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    code, out, err = cli(capsys, fake_argv(tmp_path))
    hold.set()
    assert code == 130 and out == []
    assert err[-1] == (
        "frontier: interrupted during probe k=10, instances 0-1; finished batches are kept "
        f"in {tmp_path}: run the same command to resume"
    )
    server.set_plan(None)
    code, _, err = cli(capsys, fake_argv(tmp_path))
    assert code == 0
    assert err[0] == f"frontier: reusing 0 probe batches from {tmp_path}; ignored 1 unfinished"


def test_sigterm_stops_a_search_at_once_and_the_rerun_resumes(
    server: FakeOpenAIServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold = threading.Event()
    server.set_plan(lambda info: Action(hold=hold))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [
        sys.executable,
        "-m",
        "long_horizon_execution.evals.frontier_cli",
        *fake_argv(tmp_path),
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while server.requests < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        process.wait(timeout=10)
        assert time.monotonic() - stopped < 5
    finally:
        process.kill()
        hold.set()
    assert process.returncode == -signal.SIGTERM
    server.set_plan(None)
    code, _, err = cli(capsys, fake_argv(tmp_path))
    assert code == 0
    assert err[0].startswith(f"frontier: reusing 0 probe batches from {tmp_path}; ignored 1 ")
