"""Statistics of a bench run: each item's speed-up over its reference (predicted by MACs and by the
roofline, and measured), and how well MACs or the roofline rank items by measured time (Spearman)."""

from __future__ import annotations

from typing import Any

from costcalc.bench.plan import BenchPlan, Item


def speedups(item: Item, by_name: dict[str, Item]) -> tuple[float | None, float | None, float | None]:
    """Speed-up of ``item`` over its reference: predicted by MACs, by the roofline, and measured."""
    reference = by_name.get(item.reference or "")
    if reference is None or not item.applicable:
        return None, None, None
    macs, reference_macs = item.macs, reference.macs
    by_macs = reference_macs / macs if macs and reference_macs is not None else None
    roofline, reference_roofline = item.roofline, reference.roofline
    by_roofline = (reference_roofline.seconds / roofline.seconds
                   if roofline is not None and reference_roofline is not None and roofline.seconds else None)
    measured = None
    if item.timing is not None and reference.timing is not None and item.timing.median > 0:
        measured = reference.timing.median / item.timing.median
    return by_macs, by_roofline, measured


def correlations(plan: BenchPlan) -> dict[str, Any]:
    """Spearman of measured median latency against MACs and against the roofline, over timed items."""
    timed = [(item.timing.median, item.macs, item.roofline) for item in plan.items
             if item.role != "network" and item.timing is not None]
    times = [time for time, _, _ in timed]
    return {"n": len(timed), "macs": spearman([macs or 0 for _, macs, _ in timed], times),
            "roofline": spearman([roofline.seconds if roofline else 0.0 for _, _, roofline in timed], times)}


def ranks(values: list[float]) -> list[float]:
    """1-based ranks of ``values``, ties sharing the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman's rank correlation: Pearson's correlation of the average ranks (handles ties).

    ``None`` when fewer than two pairs or when either side is constant.
    """
    if len(x) != len(y):
        raise ValueError(f"spearman needs equal lengths, got {len(x)} and {len(y)}")
    if len(x) < 2:
        return None
    rx, ry = ranks(list(x)), ranks(list(y))
    mean_x, mean_y = sum(rx) / len(rx), sum(ry) / len(ry)
    covariance = sum((a - mean_x) * (b - mean_y) for a, b in zip(rx, ry))
    spread_x = sum((a - mean_x) ** 2 for a in rx)
    spread_y = sum((b - mean_y) ** 2 for b in ry)
    if not spread_x or not spread_y:
        return None
    return covariance / (spread_x * spread_y) ** 0.5
