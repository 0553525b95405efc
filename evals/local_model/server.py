"""Child process that hosts the llama.cpp server until its parent goes away.

The engine serves from background threads for the life of the process, so the only way
to stop it is to end the process. This process therefore exits when its stdin reaches
EOF (the parent closed it or died) or when its parent pid changes (reparented).
"""

import os
import sys
import threading
import time

from .protocol import ReadyMessage, ServerConfig

PARENT_POLL_SECONDS = 0.5


def _exit_when_parent_gone(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(0)


def _exit_on_stdin_eof() -> None:
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os._exit(0)


def _serve(config: ServerConfig) -> tuple[object, str]:
    """Load the model and start listening; returns once the server accepts requests."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = config.model_path
    params.model_alias = {config.alias}
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.n_ctx = config.n_ctx * config.n_parallel
    params.n_parallel = config.n_parallel
    params.cpuparams.n_threads = config.threads
    params.cpuparams_batch.n_threads = config.threads
    params.api_keys = [config.api_key]
    params.use_jinja = True
    params.offline = True
    params.ui = False
    server = xllamacpp.Server(params)
    return server, str(server.listening_address)


def _hold_forever(server: object) -> None:
    """Keep a reference to the engine while the watcher threads decide when to exit."""
    threading.Event().wait()


def main() -> None:
    """Read the config from stdin, serve, announce the URL, then wait to be stopped."""
    config = ServerConfig.model_validate_json(sys.stdin.buffer.readline())
    if os.getppid() != config.parent_pid:
        os._exit(0)
    threading.Thread(target=_exit_when_parent_gone, args=(config.parent_pid,), daemon=True).start()
    threading.Thread(target=_exit_on_stdin_eof, daemon=True).start()
    server, url = _serve(config)
    print(ReadyMessage(url=url).model_dump_json(), flush=True)
    # Nobody reads stdout after the ready line; keep stray engine output from filling the pipe.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    _hold_forever(server)


if __name__ == "__main__":
    main()
