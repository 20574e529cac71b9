"""What the benchmarks share: repeated timing with medians, peak memory, the JSON last line."""

from __future__ import annotations

import json
import resource
import statistics
import time
from collections.abc import Callable


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def report(figures: dict) -> None:
    """Figures as one JSON object on the last line, for scripts to read."""
    print(json.dumps(figures, ensure_ascii=False))
