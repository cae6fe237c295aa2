"""Time per module, the analytic side: each timed leaf module's traffic, roofline bound and achieved rate,
and how well MACs and the roofline rank the leaves by measured time (Spearman). Pure Python.

A leaf's bytes follow the bench convention (:mod:`costcalc.engine.memory`: each layer unfused): per call,
its input read, its output written and its weights read — ``(∏input + ∏output + params) × itemsize``, from
the shapes of the first tensor in and out that analyze recorded for each call. Its roofline bound is
``max(MACs / peak, bytes / bandwidth)`` (:func:`costcalc.engine.roofline.estimate`), bound by ``compute``
or ``memory``; achieved MAC/s = MACs / measured median (``None`` for a leaf with no MACs).
"""

from __future__ import annotations

from math import prod
from typing import Any

from costcalc.bench.statistics import spearman
from costcalc.engine.memory import dtype_size
from costcalc.engine.roofline import DeviceProfile, estimate


def leaf_bytes(calls: tuple, params: int, itemsize: int) -> int:
    """``Σ over calls (∏input + ∏output + params) × itemsize``."""
    return sum(prod(inputs) + prod(output) + params for inputs, output in calls) * itemsize


def module_rows(leaves: list[Any], profile: DeviceProfile, dtype: str) -> list[dict[str, Any]]:
    """One row per timed leaf (``LeafTiming``): the bench row fields plus ``type``, ``calls``, ``input``,
    ``output``, ``achieved_macs_per_s`` and ``bound``."""
    itemsize = dtype_size(dtype)
    rows = []
    for leaf in leaves:
        nbytes = leaf_bytes(leaf.calls, leaf.params, itemsize)
        bound = estimate(leaf.macs, nbytes, profile)
        median = leaf.timing.median
        first = leaf.calls[0] if leaf.calls else ((), ())
        rows.append({"name": leaf.name, "type": leaf.type, "calls": len(leaf.calls), "input": list(first[0]),
                     "output": list(first[1]), "macs": leaf.macs, "params": leaf.params, "bytes": nbytes,
                     "roofline_s": bound.seconds, "compute_s": bound.compute_s, "memory_s": bound.memory_s,
                     "bound": bound.bound, "measured_s": leaf.timing.as_dict(),
                     "achieved_macs_per_s": leaf.macs / median if leaf.macs and median > 0 else None})
    return rows


def module_correlations(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Spearman of measured median time against MACs and against the roofline bound, over the leaves."""
    times = [row["measured_s"]["median"] for row in rows]
    return {"n": len(rows), "macs": spearman([row["macs"] for row in rows], times),
            "roofline": spearman([row["roofline_s"] for row in rows], times)}
