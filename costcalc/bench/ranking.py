"""Rank correlation: how well MACs or the roofline order layers by their measured time."""

from __future__ import annotations


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
