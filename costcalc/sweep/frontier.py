"""Comparisons across a sweep's configurations: Pareto fronts and nearest neighbours in cost.

Each is ``O(n log n)`` (a sort, then a sweep or binary searches), so a sweep of ten thousand
configurations across several networks stays fast. Pure Python; values are compared exactly.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any


def ratio(value: int | None, reference: int | None) -> int | float | None:
    """``value / reference``: an int when whole, else the correctly rounded float (what
    ``float(Fraction(value, reference))`` gives, without building the fraction); ``None`` without both."""
    if value is None or not reference:
        return None
    return value // reference if value % reference == 0 else value / reference


def pareto(points: Sequence[tuple[Any, Any]]) -> list[bool]:
    """Which points are Pareto-optimal, both coordinates minimised (negate one to maximise it).

    A point is dominated when another is no worse in both and differs in one. Sorted sweep,
    ``O(n log n)``: a point survives when its second coordinate is below every point with a smaller
    first one and the least among the points sharing its first (identical points survive together).
    """
    flags = [False] * len(points)
    order = sorted(range(len(points)), key=lambda index: points[index])
    best_before: Any = math.inf
    start = 0
    while start < len(order):
        first = points[order[start]][0]
        end = start
        while end < len(order) and points[order[end]][0] == first:
            end += 1
        least = points[order[start]][1]
        for index in order[start:end]:
            flags[index] = points[index][1] == least and least < best_before
        best_before = min(best_before, least)
        start = end
    return flags


def log_distance(value: int | float, target: int | float) -> float:
    """``|ln(value / target)|``: 10 % above and 1/1.1 below the target are equally near."""
    return abs(math.log(value / target))


def nearest(values: Sequence[int], target: int) -> int | None:
    """Index of the value of the sorted ``values`` nearest ``target`` in :func:`log_distance` (first on ties)."""
    if not values:
        return None
    at = bisect.bisect_left(values, target)
    candidates = [index for index in (at - 1, at) if 0 <= index < len(values)]
    return min(candidates, key=lambda index: (log_distance(values[index], target), index))


def nearest_other(items: Sequence[tuple[str, int]]) -> list[int | None]:
    """For each ``(group, count)``, the index of the item of *another* group nearest in count (``None``
    when no other group has one): ShuffleNet Table 5's pairs of networks of equal complexity.

    Each group's counts are sorted once; each item binary-searches the other groups, so ``n`` items in
    ``k`` groups take ``O(k·n log n)``.
    """
    groups: dict[str, list[tuple[int, int]]] = {}
    for index, (group, count) in enumerate(items):
        groups.setdefault(group, []).append((count, index))
    for members in groups.values():
        members.sort()
    counts = {group: [count for count, _ in members] for group, members in groups.items()}
    found: list[int | None] = []
    for group, count in items:
        best: tuple[float, int] | None = None
        for other, members in groups.items():
            if other == group:
                continue
            position = nearest(counts[other], count)
            if position is None:
                continue
            candidate = members[position][1]
            distance = log_distance(members[position][0], count)
            if best is None or (distance, candidate) < best:
                best = (distance, candidate)
        found.append(None if best is None else best[1])
    return found


def closest_per_group(items: Sequence[tuple[str, int]], target: int,
                      count: Callable[[int], int | float] = lambda value: value) -> dict[str, int]:
    """For each group, the index of its item whose ``count(value)`` is nearest ``target`` (first on ties)."""
    best: dict[str, tuple[float, int]] = {}
    for index, (group, value) in enumerate(items):
        distance = log_distance(count(value), target)
        if group not in best or distance < best[group][0]:
            best[group] = (distance, index)
    return {group: index for group, (_, index) in best.items()}
