"""Log growth and memory: log bytes of one ``horizon`` sample at N and 2N turns next to a
bare Inspect loop's (nothing we add grows with the square of the turns), and the peak memory
of one sample, each size run in a fresh process on an instant model.

Inspect stores each request as ranges of a pool of distinct messages; a user turn that
repeats an earlier one (with K = 1 and 100 words, most do) starts a new range, so the bare
loop's log already grows faster than linearly. The bytes we add (turn spans, the turn
records, state changes) are reported apart.

    python benchmarks/log_growth.py                        # 250 and 500 turns
    python benchmarks/log_growth.py --turns 1000 --memory-turns 10000   # the full claim (slow)

Peak memory is the process's maximum resident set minus what it held after importing and
a warm-up run, so it is the sample's own footprint (messages, events, turn records).
Without ``--memory-turns`` the 10,000-turn figure is extrapolated linearly from the two
measured sizes and labelled so.
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

SCALED_TURNS = 10_000


def in_child(side: str, turns: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(turns), "--side", side],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child(side: str, turns: int) -> None:
    from inspect_ai import eval

    sys.path.insert(0, str(Path(__file__).parent))
    from harness_overhead import build

    def one(turn_count: int, log_dir: str) -> tuple[int, int]:
        log = eval(
            build(side, 1, turn_count),
            model="instant/model",
            display="none",
            log_dir=log_dir,
            log_realtime=False,
        )[0]
        assert log.status == "success"
        with zipfile.ZipFile(log.location) as archive:
            sample = sum(
                i.file_size for i in archive.infolist() if i.filename.startswith("samples/")
            )
        return Path(log.location).stat().st_size, sample

    with tempfile.TemporaryDirectory() as warm:
        one(3, warm)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as log_dir:
        size, sample = one(turns, log_dir)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"bytes": size, "json": sample, "peak_mib": max(peak - before, 0) / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=250, help="N: logs at N and 2N turns")
    parser.add_argument("--memory-turns", type=int, help="measure this size directly too")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--side", default="ours", choices=["bare", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.side, args.child)
        return
    small, large = args.turns, 2 * args.turns
    runs = {(side, n): in_child(side, n) for side in ("bare", "ours") for n in (small, large)}
    for side in ("bare", "ours"):
        first, second = runs[side, small], runs[side, large]
        print(
            f"{side:>4}: .eval {small} turns {first['bytes']:>10,} B, {large} turns "
            f"{second['bytes']:>10,} B, ratio {second['bytes'] / first['bytes']:.3f}   "
            f"sample JSON ratio {second['json'] / first['json']:.3f}"
        )
    added = [runs["ours", n]["json"] - runs["bare", n]["json"] for n in (small, large)]
    print(
        f"sample JSON bytes we add (spans, turn records, state): {added[0]:,} then "
        f"{added[1]:,}, ratio {added[1] / added[0]:.3f}"
    )
    first, second = runs["ours", small], runs["ours", large]
    per_turn = (second["peak_mib"] - first["peak_mib"]) / (large - small)
    scaled = second["peak_mib"] + per_turn * (SCALED_TURNS - large)
    print(
        f"peak memory of one sample: {small} turns {first['peak_mib']:.1f} MiB, "
        f"{large} turns {second['peak_mib']:.1f} MiB; {SCALED_TURNS:,} turns "
        f"~{scaled:.0f} MiB (extrapolated linearly, {per_turn * 1024:.1f} KiB per turn)"
    )
    if args.memory_turns:
        measured = in_child("ours", args.memory_turns)
        print(
            f"peak memory of one {args.memory_turns:,}-turn sample: {measured['peak_mib']:.1f} MiB"
        )


if __name__ == "__main__":
    main()
