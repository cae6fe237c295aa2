"""Timing a bench plan's items (torch only through the :mod:`costcalc.measure.bench` module it is given)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from typing import Any

from costcalc.bench.plan import BenchPlan

QUICK_CALIBRATION_S = 0.3
"""Timing budget of the calibration a run does first when no ``--device`` is given."""


def run_timings(plan: BenchPlan, settings: Any, bench: Any, track: Callable[..., Any]) -> bool:
    """Time every applicable item, ``track(items, label, verb, detailed=True)`` reporting progress (a bar
    on stderr); Ctrl-C stops and keeps what was measured.

    Returns whether the run was interrupted.
    """
    timed = [item for item in plan.items if item.applicable]
    with closing(track(timed, lambda item: f"timing {item.name}", "timing", detailed=True)) as items:
        try:
            for item in items:
                item.timing = bench.time_spec(item.spec, item.shape, settings)
        except KeyboardInterrupt:
            return True
    return False
