"""Screenshots of ``inspect view`` on fresh logs, to check what a reader of the viewer sees.

Not a test (CI has no browser): run it by hand after a change to what the suite logs.

    pip install playwright            # the driver only; the browser is Debian's chromium
    python benchmarks/viewer_screenshots.py --out docs/viewer

It runs small simulated evals (a horizon run over two epochs, rescored with
``inspect score``; self-conditioning; a frontier search), serves them with ``inspect
view`` on 127.0.0.1, opens the run list, each task, a sample's scoring, its transcript
and a self-conditioning history in headless Chromium, and saves one PNG per view. It also
captures the terminal display of a longer run to show the turn counter.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIMULATED = "simulated/executor"


def run(*args: str, cwd: Path) -> None:
    print("$", " ".join(args), flush=True)
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def make_logs(logs: Path) -> dict[str, Path]:
    """Fresh logs of each kind, by name."""
    inspect = str(Path(sys.executable).with_name("inspect"))
    made: dict[str, Path] = {}

    def newest(pattern: str) -> Path:
        return max(logs.glob(pattern), key=lambda path: path.stat().st_mtime)

    common = ["--log-dir", str(logs), "--display", "none"]
    run(inspect, "eval", "long_horizon_execution/horizon", "--model", SIMULATED,
        "-M", "p=0.97", "-T", "samples=6", "-T", "turns=30", "--epochs", "2", *common,
        cwd=logs)  # fmt: skip
    made["horizon"] = newest("*_horizon_*.eval")
    # Rescoring must keep the named values and the per-turn lists. Inspect logs a packaged
    # scorer's name without its package, so the scorer is named in full.
    run(inspect, "score", str(made["horizon"]), "--scorer",
        "long_horizon_execution/execution_scorer", "--action", "overwrite", "--overwrite",
        cwd=logs)  # fmt: skip
    run(inspect, "eval", "long_horizon_execution/self_conditioning", "--model", SIMULATED,
        "-M", "self_conditioning=0.5", "-T", "samples=3", "-T", "target_turn=12", *common,
        cwd=logs)  # fmt: skip
    made["self_conditioning"] = newest("*_self-conditioning_*.eval")
    run(sys.executable, "-m", "long_horizon_execution.evals.frontier_cli",
        "--model", SIMULATED, "-M", "p=1", "-M", "single_turn_capacity=60",
        "--samples", "4", "--log-dir", str(logs / "frontier"), cwd=logs)  # fmt: skip
    made["frontier"] = newest("frontier/*_frontier_*.eval")
    return made


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def shoot(base: str, logs: dict[str, Path], root: Path, out: Path) -> None:
    from playwright.async_api import async_playwright

    def page_of(name: str) -> str:
        return f"{base}/#/logs/{logs[name].relative_to(root).as_posix()}"

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})

        async def save(
            name: str,
            url: str,
            wait_for: str,
            scroll_to: str | None = None,
            click: str | None = None,
            wheel: int = 0,
        ) -> None:
            await page.goto(url)
            await page.wait_for_load_state("networkidle")
            await page.get_by_text(wait_for).first.wait_for(timeout=60_000)
            await page.wait_for_timeout(3000)  # rows and panels fill in after the first paint
            if click is not None:  # e.g. an entry of the transcript's outline
                await page.get_by_text(click, exact=True).first.click()
                await page.wait_for_timeout(2000)
            if scroll_to is not None:
                target = page.get_by_text(scroll_to).first
                await target.wait_for(state="attached", timeout=60_000)
                await target.scroll_into_view_if_needed()
                await page.mouse.wheel(0, wheel)
                await page.wait_for_timeout(1500)
            await page.screenshot(path=str(out / f"{name}.png"))
            print(f"saved {out / name}.png", flush=True)

        await save("run-list", f"{base}/", "horizon")
        await save("horizon-task", page_of("horizon"), "HORIZON_50")
        sample = f"{page_of('horizon')}/samples/sample/1/2"
        await save("horizon-sample-scoring", f"{sample}/scoring", "steps entirely right")
        await save("horizon-sample-transcript", f"{sample}/transcript", "solver",
                   click="turn 10")  # fmt: skip
        await save("self-conditioning-task", page_of("self_conditioning"), "SLOPE_SHOWN")
        conditioned = f"{page_of('self_conditioning')}/samples/sample/r0.5-i0/1"
        await save("self-conditioning-history", f"{conditioned}/messages", "wrong",
                   scroll_to="shown_total", wheel=700)  # fmt: skip
        await save("frontier-task", page_of("frontier"), "REPLY_ACCURACY")
        await save("frontier-run-list", f"{base}/#/logs/frontier", "frontier-search")
        await browser.close()


def capture_progress(logs: Path, out: Path, seconds: float) -> None:
    """The terminal display of a long simulated run a few seconds in (needs tmux)."""
    if shutil.which("tmux") is None:
        print("tmux not found: no progress capture")
        return
    inspect = str(Path(sys.executable).with_name("inspect"))
    command = (
        f"{inspect} eval long_horizon_execution/horizon --model {SIMULATED} -M p=0.999 "
        f"-T samples=20 -T turns=500 --log-dir {logs / 'progress'} --max-connections 20"
    )
    session = "horizon-progress"
    subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30",
                    command], check=True)  # fmt: skip
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline and "turns done" not in shown:
        time.sleep(2)
        shown = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout
    time.sleep(5)  # let the counter move on from its first value
    shown = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    ).stdout
    shown = "\n".join(line.rstrip() for line in shown.splitlines() if line.strip()) + "\n"
    subprocess.run(["tmux", "kill-session", "-t", session])
    (out / "progress.txt").write_text(shown)
    print(f"saved {out / 'progress.txt'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/viewer"))
    parser.add_argument(
        "--progress-seconds", type=float, default=180.0, help="most to wait for the counter"
    )
    parser.add_argument("--reuse", type=Path, help="a folder of logs this script made before")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.reuse is not None:
        root = args.reuse
        logs = {
            "horizon": next(root.glob("*_horizon_*.eval")),
            "self_conditioning": next(root.glob("*_self-conditioning_*.eval")),
            "frontier": next(root.glob("frontier/*_frontier_*.eval")),
        }
    else:
        root = Path(tempfile.mkdtemp(prefix="viewer-logs-"))
        logs = make_logs(root)
    port = free_port()
    inspect = str(Path(sys.executable).with_name("inspect"))
    server = subprocess.Popen(
        [inspect, "view", "--log-dir", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("inspect view did not start") from None
                time.sleep(0.5)
        asyncio.run(shoot(f"http://127.0.0.1:{port}", logs, root, args.out))
    finally:
        server.terminate()
    capture_progress(root, args.out, args.progress_seconds)
    summary: dict[str, Any] = {name: str(path) for name, path in logs.items()}
    print("logs:", summary)


if __name__ == "__main__":
    main()
