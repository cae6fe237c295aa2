"""Wall-clock helpers shared by the benchmark scripts (imported as ``timing`` when a script runs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def timed(function: Callable[[], Any]) -> float:
    """Wall time of one call, in seconds."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def best(function: Callable[[], Any], repeats: int) -> float:
    """Best-of-``repeats`` wall time of one call, in seconds (load only ever slows a call down)."""
    return min(timed(function) for _ in range(repeats))
