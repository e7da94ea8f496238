"""How the bench cases time things: the best of some runs, or the median after a warm-up run.
One module, imported by scripts/bench.py and by each case kept in a module of its own."""

from __future__ import annotations

import statistics
import time


def best_of(repeat: int, fn) -> float:
    """The shortest of ``repeat`` timed runs of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def median_warm(runs: int, fn) -> float:
    """Median of ``runs`` timed runs after one untimed warm-up run, in seconds."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
