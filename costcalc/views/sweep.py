"""The views and the JSON payload of a costed sweep (:class:`costcalc.sweep.result.Sweep`).

One network with exactly two varying options is laid out like TF-slim's MobileNet table
(``research/slim/nets/mobilenet_v1.md``: rows α, columns resolution), with ``--verify``'s verdict
in each cell; otherwise, and across networks, one long table sorted by cost, each row with the
other network nearest in cost (ShuffleNet Table 5's pairs). Published top-1 is shown where it
exists, ``—`` elsewhere.
"""

from __future__ import annotations

from typing import Any

from costcalc.formatting import MARK, UNIT_LABELS, exact, fewer_text, human, in_unit, number, ratio_text
from costcalc.sweep.grid import Plan, Row
from costcalc.sweep.result import Sweep, top1_per_gmac
from costcalc.views.render import DETAIL, Column, View

COUNTS_NOTE = ("Counts: {label} of convolutions and fully-connected layers (the papers' Mult-Adds; FLOPs = 2 × MACs); "
               "params = sum(p.numel()) incl. batch-norm γ, β and biases.")
VERIFY_NOTE = ("fvcore ✓: fvcore, FlopCounterMode and sum(p.numel()) equal the analytic counts layer by layer; "
               "✗: a mismatch (see --format json, 'mismatches').")
TOP1_NOTE = ("top-1: ImageNet accuracy (%) of that configuration as published (or given with --accuracy), — where "
             "none is (never interpolated); ◆ = on the accuracy front (no other configuration has fewer-or-equal MACs "
             "and a higher-or-equal top-1); top-1/GMAC = top-1 points per 10⁹ MACs.")


def top1_text(row: Row, front: bool = False) -> str:
    if row.top1 is None:
        return "—"
    return row.top1.top1 + (" ◆" if front and row.extra.get("pareto_top1") else "")


def per_gmac_text(row: Row) -> str:
    value = top1_per_gmac(row)
    return "—" if value is None else f"{value:,.1f}"


def sources_note(rows: list[Row]) -> str:
    """Where the accuracies shown come from, each source once with how many configurations it gives."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.top1 is not None:
            counts[row.top1.source] = counts.get(row.top1.source, 0) + 1
    return "top-1 sources: " + "; ".join(f"{source} ({count})" for source, count in counts.items())


def note_markers(rows: list[Row]) -> tuple[dict[str, int], list[str]]:
    """Numbered notes for invalid rows: note text → marker number, and the printed note lines."""
    numbers: dict[str, int] = {}
    for row in rows:
        if row.note:
            numbers.setdefault(row.note, len(numbers) + 1)
    return numbers, [f"[{number}] {note}" for note, number in numbers.items()]


def pivot_views(plan: Plan, rows: list[Row], unit: str, title: str) -> list[View]:
    """TF-slim's layout: rows = first varying option, columns = second; cells MACs (with the
    ``--verify`` verdict), params, ratios and published top-1."""
    label = UNIT_LABELS[unit]
    first, second = plan.varying
    table = {(row.config.kwargs[first], row.config.kwargs[second]): row for row in rows}
    columns = plan.axes[second]
    valid = [row for row in rows if row.valid]
    by_first = all(len({r.params for r in valid if r.config.kwargs[first] == v}) <= 1 for v in plan.axes[first])
    by_second = all(len({r.params for r in valid if r.config.kwargs[second] == v}) <= 1 for v in columns)
    numbers, notes = note_markers(rows)

    def grid(heading: str) -> View:
        return View(heading, [Column(f"{first} \\ {second}"), *[Column(str(value), "right") for value in columns]])

    def marked(row: Row) -> str:
        if not row.valid:
            return f"n/a [{numbers[row.note]}]"
        verdict = row.extra.get("verified")
        return exact(in_unit(row.macs, unit)) + ("" if verdict is None else f" {MARK[verdict]}")

    macs = grid(f"{title}: {label}, {first} × {second}")
    if by_first:
        macs.columns.append(Column("params", "right"))
    for value in plan.axes[first]:
        line = [table[(value, column)] for column in columns]
        params = [row.params for row in line if row.valid]
        macs.add(str(value), *[marked(row) for row in line],
                 *([exact(params[0]) if params else "—"] if by_first else []))
    if by_second and not by_first:
        macs.add("params", *[exact(next((r.params for r in valid if r.config.kwargs[second] == c), None))
                             for c in columns])
    views = [macs]
    if not by_first and not by_second:
        params_view = grid(f"{title}: params, {first} × {second}")
        for value in plan.axes[first]:
            params_view.add(str(value), *[exact(table[(value, column)].params) for column in columns])
        views.append(params_view)
    ratios = grid(f"{label} ÷ reference {label}")
    for value in plan.axes[first]:
        ratios.add(str(value), *[ratio_text(table[(value, column)].extra.get("ratio")) for column in columns])
    views.append(ratios)
    if any(row.top1 is not None for row in rows):
        accuracy = grid("ImageNet top-1 (%), ◆ accuracy front")
        per_gmac = grid("top-1 per GMAC (top-1 points per 10⁹ MACs)")
        for value in plan.axes[first]:
            accuracy.add(str(value), *[top1_text(table[(value, column)], True) for column in columns])
            per_gmac.add(str(value), *[per_gmac_text(table[(value, column)]) for column in columns])
        views += [accuracy, per_gmac]
        notes += [TOP1_NOTE, sources_note(rows)]
    if any("verified" in row.extra for row in rows):
        notes.append(VERIFY_NOTE)
    views[-1].notes.extend(notes + [COUNTS_NOTE.format(label=label)])
    return views


def long_view(result: Sweep, unit: str) -> View:
    """One row per configuration: options (or network + configuration), counts, ratio, Pareto, top-1, pairs."""
    label, rows, multi, near = UNIT_LABELS[unit], result.rows, result.multi, result.target
    keys = tuple(dict.fromkeys(key for plan in result.plans for key in plan.varying)) if not multi else ()
    columns = ([Column("network", kind="text"), Column("configuration", kind="text", priority=1)] if multi
               else [Column(key, "right") for key in keys])
    columns += [Column(label, "right"), Column("≈", "right", priority=DETAIL), Column("params", "right"),
                Column("ratio", "right", priority=DETAIL), Column("vs reference", "right", "green", priority=DETAIL),
                Column("Pareto", "center", kind="verdict")]
    if result.has_top1:
        columns += [Column("top-1", "right"), Column("top-1/GMAC", "right", priority=DETAIL)]
    if multi:
        columns.append(Column("nearest other network", kind="text", priority=DETAIL))
    if near is not None:
        columns.append(Column(f"vs {result.near_text}", "right"))
    if any("verified" in row.extra for row in rows):
        columns.append(Column("fvcore", "center", kind="verdict"))
    view = View(result.title, columns)
    numbers, notes = note_markers(rows)
    varying = result.varying
    for index, row in enumerate(rows):
        config = row.config
        head = ([config.model, config.label(varying[config.model])] if multi
                else [str(config.kwargs[key]) for key in keys])
        if row.macs is None:  # an invalid configuration (its note says why)
            view.add(*head, f"n/a [{numbers[row.note]}]", *[""] * (len(columns) - len(head) - 1), style="dim")
            continue
        cells = [*head, exact(in_unit(row.macs, unit)), human(in_unit(row.macs, unit)), exact(row.params),
                 ratio_text(row.extra["ratio"]), fewer_text(row.extra["ratio"]), "●" if row.extra["pareto"] else ""]
        if result.has_top1:
            cells += [top1_text(row, True), per_gmac_text(row)]
        if multi:
            other = row.extra.get("nearest_other")
            cells.append("—" if other is None else
                         f"{other.config.model} {other.config.label(varying[other.config.model])} "
                         f"({human(in_unit(other.macs, unit))}, {other.macs / row.macs:.2f}×)")
        if near is not None:
            delta = (in_unit(row.macs, unit) - near) / near
            cells.append(f"{delta:+.1%}" + (" ◀" if index in result.closest_rows else ""))
        if "verified" in row.extra:
            cells.append(MARK[row.extra["verified"]])
        view.add(*cells, style="bold" if index in result.closest_rows else "")
    view.notes.extend(notes)
    if result.has_top1:
        view.notes += [TOP1_NOTE, sources_note(rows)]
    return view


def build_views(result: Sweep, unit: str, from_file: bool) -> list[View]:
    """The tables: TF-slim's pivot for one network × two options, else the long table, with notes."""
    label = UNIT_LABELS[unit]
    ref, plans = result.reference, result.plans
    pivot = not result.multi and len(plans[0].varying) == 2
    views = pivot_views(plans[0], result.rows, unit, result.title) if pivot else [long_view(result, unit)]
    notes = views[-1].notes
    notes.append(f"reference: {ref.config.model} {ref.config.label()} = {exact(in_unit(ref.macs, unit))} {label}, "
                 f"{exact(ref.params)} params{'' if result.in_grid else ' (not in the grid)'}")
    if result.multi or from_file:
        notes.append("options: " + "; ".join(f"--{key} → {', '.join(names)}" for key, names in result.where.items()))
    if result.target is not None:
        notes.append(f"nearest {human(result.target)} {label}: " + "; ".join(
            f"{model} {best.config.label(result.varying[model])} ({human(in_unit(best.macs, unit))})"
            for model, best in result.closest.items()))
    if not pivot:
        notes.append(COUNTS_NOTE.format(label=label) + " Pareto ● = no other configuration has "
                     "fewer-or-equal MACs and params.")
    if result.unmatched:
        notes.append(f"--accuracy {result.accuracy_file}: {len(result.unmatched)} line(s) match no configuration "
                     "of this sweep: " + "; ".join(f"line {item.line}: {item.text()}" for item in result.unmatched))
    if result.settings.get("description"):
        notes.append(result.settings["description"].strip())
    return views


def row_payload(row: Row, varying: dict[str, tuple[str, ...]], near: int | None, unit: str) -> dict[str, Any]:
    """One JSON row: exact counts, ratios, Pareto flags and the published top-1 (``null`` where none)."""
    accuracy = row.top1
    per_gmac = top1_per_gmac(row)
    payload = {"model": row.config.model, "options": row.config.kwargs, "label": row.config.label(
               varying[row.config.model]), "macs": row.macs, "flops": in_unit(row.macs, "flops"),
               "params": row.params, "ratio": number(row.extra.get("ratio")),
               "params_ratio": number(row.extra.get("params_ratio")), "pareto": row.extra.get("pareto", False),
               "top1": None if accuracy is None else float(accuracy.top1),
               "top5": None if accuracy is None or accuracy.top5 is None else float(accuracy.top5),
               "top1_source": None if accuracy is None else accuracy.source,
               "pareto_top1": row.extra.get("pareto_top1"),
               "top1_per_gmac": None if per_gmac is None else float(per_gmac),
               "note": row.note or None}
    if "nearest_other" in row.extra:
        other = row.extra["nearest_other"]
        payload["nearest_other"] = None if other is None else {"model": other.config.model,
                                                               "options": other.config.kwargs, "macs": other.macs}
    if near is not None and row.macs is not None:  # a valid row
        payload["near_delta"] = (in_unit(row.macs, unit) - near) / near
        payload["closest"] = row.extra.get("closest", False)
    if "verified" in row.extra:
        payload["verified"] = row.extra["verified"]
        payload["mismatches"] = row.extra["mismatches"]
    return payload


def build_payload(result: Sweep, unit: str) -> dict[str, Any]:
    """The JSON document: ``model`` is one string (``"mobilenet"`` or ``"mobilenet+shufflenet"``), the
    list is in ``models``; counts in MACs (``flops`` beside them), ``near`` in ``--unit``."""
    names = list(result.entries)
    ref, target, varying = result.reference, result.target, result.varying
    return {
        "model": "+".join(names),
        "models": names,
        "unit": "macs",
        "axes": {plan.entry.name: {key: list(values) for key, values in plan.axes.items()} for plan in result.plans},
        "assignments": result.where,
        "reference": {"model": ref.config.model, "options": ref.config.kwargs, "macs": ref.macs,
                      "flops": in_unit(ref.macs, "flops"), "params": ref.params, "in_grid": result.in_grid},
        "near": None if target is None else {"target": target, "unit": unit,
                                             "closest": {m: r.config.kwargs for m, r in result.closest.items()}},
        "rows": [row_payload(row, varying, target, unit) for row in result.rows],
        **({} if result.accuracy_file is None else {"accuracy_file": {
            "path": result.accuracy_file,
            "unmatched": [{"line": item.line, "model": item.model, "options": item.options}
                          for item in result.unmatched]}}),
    }
