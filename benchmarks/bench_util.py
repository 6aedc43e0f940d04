"""What every side-by-side benchmark needs: the CPU it ran on and a robust per-call time."""

from __future__ import annotations

import platform
import statistics
import time


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def median_seconds(fn, reps: int, warmup: int) -> float:
    """Median of `reps` single calls: robust to the odd descheduled call, which a mean is not."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
