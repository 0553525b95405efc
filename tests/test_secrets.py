"""API keys in the environment never reach logs or console output.

A run goes through the real ``openai-api`` provider to a local server with recognisable
keys set, at debug log level; every file the run writes (every member of the ``.eval``
zip, decompressed) and everything it prints is searched for the keys.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from fake_openai_server import FakeOpenAIServer

from long_horizon_execution.evals.simulated_behaviour import SimulatedBehaviour

SECRETS = {
    "FAKE_API_KEY": "sk-fake-SECRET-4f1d9c0e7b",
    "OPENAI_API_KEY": "sk-openai-SECRET-a83b51c2d9",
    "ANTHROPIC_API_KEY": "sk-ant-SECRET-60e2f7d4aa",
}


def written_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``; zip archives are opened and each member read."""
    contents: dict[str, bytes] = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        contents[str(path)] = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    contents[f"{path}!{member}"] = archive.read(member)
    return contents


def test_api_keys_never_appear_in_logs_or_output(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    with FakeOpenAIServer(SimulatedBehaviour(p=0.9, seed=2)) as server:
        env = {
            **os.environ,
            **server.environment(api_key=SECRETS["FAKE_API_KEY"]),
            **SECRETS,
            "COLUMNS": "200",
        }
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "inspect"),
                "eval",
                "long_horizon_execution/horizon",
                "-T",
                "samples=2",
                "-T",
                "turns=3",
                "--model",
                "openai-api/fake/executor",
                "--log-dir",
                str(log_dir),
                "--log-level",
                "debug",
                "--log-level-transcript",
                "debug",
                "--display",
                "plain",
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        served = server.served
    assert done.returncode == 0, done.stderr[-2000:]
    # the key was really in use: the server saw it on every request
    assert len(served) == 6
    assert all(s.authorization == f"Bearer {SECRETS['FAKE_API_KEY']}" for s in served)

    files = written_bytes(log_dir)
    assert any(name.endswith(".eval") for name in files)
    # the members were read decompressed: the first sample's first key is found in them
    assert any(b"alarm" in data for name, data in files.items() if "!samples/" in name)
    streams = {"stdout": done.stdout.encode(), "stderr": done.stderr.encode()}
    for secret in SECRETS.values():
        fragment = secret.encode()
        leaks = [name for name, data in {**files, **streams}.items() if fragment in data]
        assert not leaks, f"{secret} found in {leaks}"
        # nor a recognisable part of it (a key cut short is still a leak)
        leaks = [name for name, data in {**files, **streams}.items() if fragment[-10:] in data]
        assert not leaks, f"the end of {secret} found in {leaks}"
