"""A costed sweep: rows with ratios to a reference, Pareto flags, cross-network pairs and ``--near``.

:func:`compute` turns plans into a :class:`Sweep` the views, the JSON payload and the plot read.
Pareto fronts: ``pareto`` over (MACs, params), both minimised; ``pareto_top1`` over (MACs,
published top-1), MACs minimised and accuracy maximised, for the rows that have a published
top-1 (``None`` for the others — an accuracy is never interpolated). Pure Python; every pass is
``O(n log n)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from costcalc.formatting import in_unit
from costcalc.sweep import frontier, grid
from costcalc.sweep.grid import Config, Plan, Row, SweepError


@dataclass
class Sweep:
    """A costed sweep: rows annotated (``ratio``, ``pareto``, ``pareto_top1``, ``nearest_other``,
    ``closest``) for the views."""

    settings: dict[str, Any]
    plans: list[Plan]
    where: dict[str, list[str]]
    rows: list[Row]
    reference: Row
    in_grid: bool
    target: int | None = None
    near_text: str = ""
    closest: dict[str, Row] = field(default_factory=dict)
    closest_rows: set[int] = field(default_factory=set)
    accuracy_file: str | None = None
    unmatched: list[Any] = field(default_factory=list)
    """``--accuracy``'s lines that named no configuration (:class:`costcalc.sweep.accuracy_file.Unmatched`)."""

    @property
    def entries(self) -> dict[str, Any]:
        return {plan.entry.name: plan.entry for plan in self.plans}

    @property
    def multi(self) -> bool:
        return len(self.entries) > 1

    @property
    def varying(self) -> dict[str, tuple[str, ...]]:
        """Per network, the options its labels show (:attr:`Plan.labelled`)."""
        return {plan.entry.name: plan.labelled for plan in self.plans}

    @property
    def title(self) -> str:
        title = self.settings.get("title") or (", ".join(self.entries) + " sweep" if self.multi
                                               else f"{self.plans[0].entry.name} sweep")
        fixed = sorted({f"{key}={values[0]}" for plan in self.plans for key, values in plan.axes.items()
                        if len(values) == 1})
        return title + (f" ({', '.join(fixed)})" if fixed else "")

    @property
    def has_top1(self) -> bool:
        return any(row.top1 is not None for row in self.rows)


def reference_row(config: Config, rows: list[Row], entries: dict[str, Any]) -> tuple[Row, bool]:
    """The reference's row, and whether it is in the grid (else it is costed on its own)."""
    row = next((row for row in rows if row.config == config), None)
    in_grid = row is not None
    if row is None:
        (row,) = grid.run([Plan(entries[config.model], {key: (value,) for key, value in config.options})])
    if not row.valid:
        raise SweepError(f"--reference {config.label()}: {row.note}")
    return row, in_grid


def accuracy(row: Row) -> Decimal | None:
    """The published top-1 as an exact decimal (``None`` where nothing is published)."""
    return None if row.top1 is None else Decimal(row.top1.top1)


def top1_per_gmac(row: Row) -> Decimal | None:
    """Top-1 points per billion MACs, ``top1 · 10⁹ / macs`` (a Decimal); ``None`` without a top-1."""
    return None if row.top1 is None or not row.macs else Decimal(row.top1.top1) * 10**9 / row.macs


def mark_fronts(rows: list[Row]) -> None:
    """``pareto`` over (MACs, params) for every valid row; ``pareto_top1`` over (MACs, −top-1) for
    the rows with a published top-1, ``None`` for the others."""
    valid = [row for row in rows if row.valid]
    for row, flag in zip(valid, frontier.pareto([(row.macs, row.params) for row in valid])):
        row.extra["pareto"] = flag
    known = [(row, top1) for row in valid if (top1 := accuracy(row)) is not None]
    for row in valid:
        row.extra["pareto_top1"] = None
    for (row, _), flag in zip(known, frontier.pareto([(row.macs, -top1) for row, top1 in known])):
        row.extra["pareto_top1"] = flag


def compute(settings: dict[str, Any], plans: list[Plan], where: dict[str, list[str]], reference: str | None,
            near: str | None, unit: str, accuracy_path: str | None = None) -> Sweep:
    """Cost every configuration; the user's accuracies (``accuracy_path``, :mod:`costcalc.sweep.accuracy_file`);
    ratios to the reference, Pareto flags, cross-network pairs, ``--near``.

    A listed value no configuration can use is an error (:func:`costcalc.sweep.grid.unusable_values`).
    """
    near_text = near if near is not None else settings.get("near")
    target = None if near_text is None else grid.parse_quantity(str(near_text))
    rows = grid.run(plans)
    for plan in plans:
        error = grid.unusable_values(plan, rows)
        if error:
            raise error
    if not any(row.valid for row in rows):
        raise SweepError(f"no configuration of the sweep is valid: {rows[0].note}")
    config = grid.reference_config(reference if reference is not None else settings.get("reference"), plans, rows)
    ref_row, in_grid = reference_row(config, rows, {plan.entry.name: plan.entry for plan in plans})
    result = Sweep(settings, plans, where, rows, ref_row, in_grid, target, str(near_text or "").strip())
    if accuracy_path is not None:
        from costcalc.sweep import accuracy_file

        result.accuracy_file = accuracy_path
        result.unmatched = accuracy_file.load(accuracy_path, plans, rows)
    for row in rows:
        if row.valid:
            row.extra.update(ratio=frontier.ratio(row.macs, ref_row.macs),
                             params_ratio=frontier.ratio(row.params, ref_row.params))
    mark_fronts(rows)
    if result.multi:
        rows.sort(key=lambda row: (not row.valid, row.macs or 0, row.params or 0))
        costed = [(row, row.macs) for row in rows if row.macs is not None]  # the valid rows
        valid = [row for row, _ in costed]
        for row, index in zip(valid, frontier.nearest_other([(row.config.model, macs) for row, macs in costed])):
            row.extra["nearest_other"] = None if index is None else valid[index]
        for row in rows[len(valid):]:
            row.extra["nearest_other"] = None
    if target is not None:
        costed = [(row, row.macs) for row in rows if row.macs is not None]  # the valid rows
        valid = [row for row, _ in costed]
        best = frontier.closest_per_group([(row.config.model, macs) for row, macs in costed], target,
                                          lambda macs: in_unit(macs, unit))
        result.closest = {model: valid[index] for model, index in best.items()}
        chosen = {id(row) for row in result.closest.values()}
        result.closest_rows = {index for index, row in enumerate(rows) if id(row) in chosen}
        for index in result.closest_rows:
            rows[index].extra["closest"] = True
    return result


def verify_rows(plans: list[Plan], rows: list[Row], reconcile: Callable[..., Any],
                track: Callable[..., Iterable[Row]]) -> None:
    """Reconcile every valid configuration with fvcore, in place: ``reconcile(network, shape, target)`` is
    :func:`costcalc.measure.reconcile.reconcile`; ``track(rows, label, verb, detailed=True)`` yields the
    rows as it reports progress (a bar on a terminal)."""

    def target(row: Row) -> str:
        return f"{row.config.model} {row.config.label()}"

    entries = {plan.entry.name: plan.entry for plan in plans}
    for row in track([row for row in rows if row.valid], target, "verifying", detailed=True):
        network = entries[row.config.model].build(**row.config.kwargs)
        result = reconcile(network, network.input_shape, target(row))
        analytic = (result.macs.analytic, result.params.analytic)
        row.extra["verified"] = bool(result.match) and analytic == (row.macs, row.params)
        row.extra["mismatches"] = result.mismatches()
