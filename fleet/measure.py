#!/usr/bin/env python3
"""Wall time and peak memory of a command and all its children (the Dask driver
starts a scheduler, workers and one podmortem per unit): the process tree's resident
memory is summed every 20 ms and the peak kept.

    .venv-fleet/bin/python fleet/measure.py -- COMMAND ARGS...
"""

from __future__ import annotations

import sys
import time

import psutil


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def main() -> int:
    argv = sys.argv[1:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    start = time.monotonic()
    proc = psutil.Popen(argv)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(proc))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    elapsed = time.monotonic() - start
    print(f"measure: {elapsed:.2f} s wall, peak RSS of the process tree {peak / 2**20:.1f} MiB, exit {proc.returncode}", file=sys.stderr)
    return proc.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
