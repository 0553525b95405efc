"""Log growth and memory: log bytes and peak memory of one ``horizon`` sample at N, 2N, ...
turns next to a bare Inspect loop's, each size run in a fresh process on an instant model.
A third side, ``tagged``, is the bare loop with the turn loop's message tags and ids: the
log Inspect itself writes for a linear conversation, without our spans, records or scorer.

    python benchmarks/log_growth.py                              # 250 and 500 turns
    python benchmarks/log_growth.py --turns 1000                 # 1,000 and 2,000 turns
    python benchmarks/log_growth.py --turns 500 --doublings 3    # 500 ... 4,000 turns
    python benchmarks/log_growth.py --turns 1000 --memory-turns 10000   # slow
    python benchmarks/log_growth.py --turns 1000 --model simulated/executor  # real totals

Inspect stores each request as ranges into a pool of distinct messages, and messages of
equal content share one pool entry. In the bare loop a user turn that repeats an earlier
one (with K = 1 and 100 words most do) splits every later request's range, so its sample
JSON and memory grow with the square of the turns. Ours tags each message with its turn
(message metadata, never sent to the model), so every request is one range.

The log also holds each message several times far apart (the message list, the solver's
state changes, the pool) and the turn records four times (the store, the state changes, two
store events). Random message ids were paid for again in each copy the compressor could not
reach; ours are named by sample, turn and role, and turn records leave out default values
and a shown text equal to the reply.

Three sizes are reported per run: the ``.eval`` file as Inspect writes it (zstd with its
default 2 MiB window, so repeats further apart than that are paid again and the ratio
jumps once when a sample outgrows the window), the uncompressed sample JSON, and that JSON
recompressed with a 128 MiB window, which shows the trend without the window's step.
Peak memory is the process's maximum resident set minus what it held after importing and
a warm-up run, so it is the sample's own footprint.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from inspect_ai.model import ChatMessageAssistant
from inspect_ai.solver import Generate, Solver, TaskState, solver

from long_horizon_execution.solvers.turn_loop import tag_reply, user_turn

SIDES = ("bare", "tagged", "ours")
OUR_EVENTS = ("span_begin", "span_end", "store")
"""Events that only our side writes per turn or per sample: turn spans, turn records."""


def in_child(side: str, turns: int, model: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(turns), "--side", side, "--model", model],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wide_window_size(data: bytes) -> int:
    """zstd level 3 (Inspect's level) with a 128 MiB window and long-distance matching."""
    import zstandard

    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27, enable_ldm=True)
    return len(zstandard.ZstdCompressor(compression_params=params).compress(data))


def our_bytes(sample: dict[str, object]) -> int:
    """Uncompressed JSON bytes of what only our side writes: the store and our events."""
    events = sample.get("events")
    ours = [e for e in events if e.get("event") in OUR_EVENTS] if isinstance(events, list) else []
    return len(json.dumps(ours)) + len(json.dumps(sample.get("store")))


@solver
def tagged_loop() -> Solver:
    """The bare loop with the turn loop's message tags and ids and nothing else: what
    Inspect's own log costs once repeated texts no longer split the pool's ranges."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for number, keys in enumerate(state.metadata["turns"], start=1):
            state.messages.append(user_turn(state, number, ", ".join(keys)))
            state = await generate(state)
            reply = state.messages[-1]
            assert isinstance(reply, ChatMessageAssistant)
            tag_reply(state, reply, number)
        return state

    return solve


def child(side: str, turns: int, model: str) -> None:
    from inspect_ai import Task, eval

    sys.path.insert(0, str(Path(__file__).parent))
    from harness_overhead import build

    def task(turn_count: int) -> Task:
        if side != "tagged":
            return build(side, 1, turn_count)
        ours = build("ours", 1, turn_count)
        return Task(dataset=ours.dataset, solver=tagged_loop(), config=ours.config)

    def one(turn_count: int, log_dir: str) -> dict[str, float]:
        log = eval(
            task(turn_count),
            model=model,
            display="none",
            log_dir=log_dir,
            log_realtime=False,
        )[0]
        assert log.status == "success"
        with zipfile.ZipFile(log.location) as archive:
            name = next(n for n in archive.namelist() if n.startswith("samples/"))
            data = archive.read(name)
        return {
            "bytes": Path(log.location).stat().st_size,
            "json": len(data),
            "wide": wide_window_size(data),
            "ours": our_bytes(json.loads(data)),
        }

    with tempfile.TemporaryDirectory() as warm:
        one(3, warm)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as log_dir:
        sizes = one(turns, log_dir)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps(sizes | {"peak_mib": max(peak - before, 0) / 1024}))


def ratio(now: dict[str, float], previous: dict[str, float] | None, key: str) -> str:
    """``now`` over the previous size, blank for the first size."""
    return f"{now[key] / previous[key]:5.2f}" if previous and previous[key] else " " * 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=250, help="N: logs at N, 2N, ...")
    parser.add_argument("--doublings", type=int, default=1, help="sizes after N (default 1)")
    parser.add_argument("--memory-turns", type=int, help="measure one sample of ours this long")
    parser.add_argument(
        "--model",
        default="instant/model",
        help="instant/model (replies at once) or e.g. simulated/executor (replies with totals)",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--side", default="ours", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.side, args.child, args.model)
        return
    sizes = [args.turns * 2**i for i in range(args.doublings + 1)]
    print(f"{'side':>6} {'turns':>6} {'.eval B':>10} {'x':>5} {'JSON B':>11} {'x':>5} "
          f"{'wide B':>10} {'x':>5} {'peak MiB':>9} {'x':>5}  our parts B     x")  # fmt: skip
    for side in SIDES:
        previous: dict[str, float] | None = None
        for turns in sizes:
            now = in_child(side, turns, args.model)
            own = f"{now['ours']:>12,.0f} {ratio(now, previous, 'ours')}" if side == "ours" else ""
            print(
                f"{side:>6} {turns:>6,} {now['bytes']:>10,.0f} {ratio(now, previous, 'bytes')} "
                f"{now['json']:>11,.0f} {ratio(now, previous, 'json')} "
                f"{now['wide']:>10,.0f} {ratio(now, previous, 'wide')} "
                f"{now['peak_mib']:>9.1f} {ratio(now, previous, 'peak_mib')}  {own}".rstrip(),
                flush=True,
            )
            previous = now
    if args.memory_turns:
        measured = in_child("ours", args.memory_turns, args.model)
        print(
            f"one {args.memory_turns:,}-turn sample of ours: peak memory "
            f"{measured['peak_mib']:.1f} MiB, .eval {measured['bytes']:,.0f} B, "
            f"sample JSON {measured['json']:,.0f} B"
        )


if __name__ == "__main__":
    main()
