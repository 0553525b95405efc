"""Start, watch and stop the server child process from the evaluating process."""

import atexit
import importlib.util
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from .errors import INSTALL_HINT, MissingExtraError, ServerStartError
from .protocol import ReadyMessage, ServerConfig

ENGINE_MODULE = "xllamacpp"
SERVER_MODULE = f"{__package__}.server"
STOP_GRACE_SECONDS = 5.0


class ServerProcess:
    """A running server child; stopping is idempotent and also registered with atexit."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, api_key: str, log: IO[bytes]):
        self._proc = proc
        self.url = url
        self.api_key = api_key
        self._log = log
        atexit.register(self.stop)

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def running(self) -> bool:
        return self._proc.poll() is None

    @classmethod
    def start(
        cls,
        model_path: Path,
        alias: str,
        n_ctx: int,
        n_parallel: int,
        threads: int,
        api_key: str,
        timeout: float,
    ) -> "ServerProcess":
        """Launch the child, wait until it answers /health, or raise a one-line error."""
        require_engine()
        config = ServerConfig(
            model_path=str(model_path),
            alias=alias,
            n_ctx=n_ctx,
            n_parallel=n_parallel,
            threads=threads,
            api_key=api_key,
            parent_pid=os.getpid(),
        )
        log = tempfile.TemporaryFile()
        # A new session keeps a terminal Ctrl-C from killing the server before Inspect
        # has finished cleaning up; the child still exits when this process goes away.
        proc = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
        assert proc.stdin is not None
        proc.stdin.write(config.model_dump_json().encode() + b"\n")
        proc.stdin.flush()
        try:
            url = _wait_ready(proc, log, timeout)
        except BaseException:
            _terminate(proc)
            log.close()
            raise
        return cls(proc, url, api_key, log)

    def stop(self) -> None:
        """Close stdin so the child exits by itself, escalating if it lingers."""
        atexit.unregister(self.stop)
        _terminate(self._proc)
        self._log.close()


def require_engine() -> None:
    """Fail early, in one line, when the optional engine is not installed."""
    if importlib.util.find_spec(ENGINE_MODULE) is None:
        raise MissingExtraError(
            f"the llama.cpp engine ({ENGINE_MODULE}) is not installed; {INSTALL_HINT}"
        )


def _wait_ready(proc: subprocess.Popen[bytes], log: IO[bytes], timeout: float) -> str:
    urls: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_ready_url, args=(proc, urls), daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            url = urls.get(timeout=0.1)
        except queue.Empty:
            if proc.poll() is not None:
                raise ServerStartError(
                    f"local model server exited with code {proc.returncode} while starting: "
                    f"{_last_log_line(log)}"
                ) from None
            continue
        if _healthy(url):
            return url
        raise ServerStartError(f"local model server at {url} did not report healthy")
    raise ServerStartError(
        f"local model server not ready after {timeout:.0f}s (raise -M startup_timeout): "
        f"{_last_log_line(log)}"
    )


def _read_ready_url(proc: subprocess.Popen[bytes], urls: "queue.Queue[str]") -> None:
    """Skip any stray output until the child's ready message arrives."""
    assert proc.stdout is not None
    with proc.stdout:
        for line in proc.stdout:
            try:
                urls.put(ReadyMessage.model_validate_json(line).url)
                return
            except ValidationError:
                continue


def _healthy(url: str) -> bool:
    """Probe /health directly: a loopback check must never go through an HTTP proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _last_log_line(log: IO[bytes]) -> str:
    """The engine's first error line (usually the root cause), else its last line."""
    try:
        log.seek(0)
        lines = [ln.strip() for ln in log.read().decode(errors="replace").splitlines()]
    except (OSError, ValueError):
        return "(no server log)"
    lines = [ln for ln in lines if ln]
    for line in lines:
        _, marker, message = line.partition(" E ")
        if marker:
            return message.strip()
    return lines[-1] if lines else "(no server log)"


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            proc.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    elif proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
