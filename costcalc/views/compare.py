"""The views of ``costcalc compare``: each row's JSON record and the table of rows with their ratios
and the papers' closed forms, plus the ``--memory`` and ``--verify`` columns."""

from __future__ import annotations

from typing import Any

from costcalc.engine.compare import CompareRow, LayerQuery
from costcalc.formatting import UNIT_LABELS, dims, exact, fewer_text, in_unit, number, ratio_text
from costcalc.views.render import DETAIL, Column, View


def row_payload(row: CompareRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "macs": row.macs,
        "flops": in_unit(row.macs, "flops"),
        "params": row.params,
        "output": None if row.report is None else list(row.report.output),
        "reference": row.definition.reference,
        "ratio": number(row.ratio),
        "formula": row.formula_text,
        "formula_source": row.definition.formula.source,
        "formula_macs": number(row.formula_macs),
        "formula_ratio": number(row.formula_ratio),
        "formula_ratio_text": row.formula_ratio_text,
        "other_ops": None if row.report is None else row.report.other_ops,
        "note": row.note or None,
    }


def build_view(query: LayerQuery, rows: list[CompareRow], unit: str, title: str) -> View:
    label = UNIT_LABELS[unit]
    view = View(title, [Column("row", kind="text"), Column("output", "right", priority=DETAIL), Column(label, "right"),
                        Column("params", "right"), Column("vs", kind="text"), Column("ratio", "right", "bold"),
                        Column("reduction", "right", "green"), Column("formula", kind="text", priority=DETAIL),
                        Column(f"formula {label}", "right", priority=DETAIL),
                        Column("formula ratio", kind="text", priority=DETAIL)])
    note_numbers: dict[str, int] = {}
    for row in rows:
        marker = ""
        if row.note:
            number_of_note = note_numbers.setdefault(row.note, len(note_numbers) + 1)
            marker = f" [{number_of_note}]"
        report = row.report
        if report is None:  # the row has no exact count (its note says why)
            view.add(row.name + marker, "—", "n/a", "—", row.definition.reference, "—", "—",
                     row.formula_text, "—", "—", style="dim")
            continue
        formula_value = in_unit(number(row.formula_macs), unit)
        view.add(row.name + marker, dims(report.output), exact(in_unit(report.macs, unit)),
                 exact(report.params), row.definition.reference, ratio_text(row.ratio), fewer_text(row.ratio),
                 row.formula_text,
                 exact(formula_value) if isinstance(formula_value, int) else f"{formula_value:,.1f}",
                 f"{row.formula_ratio_text} = {ratio_text(row.formula_ratio)}")
    view.notes.extend(f"[{index}] {note}" for note, index in note_numbers.items())
    view.notes.append(f"Counts: {label} of convolutions only (bias, batch norm and activations excluded); "
                      "params = conv weights, plus batch-norm γ, β in the unit and block rows "
                      "(as PyTorch counts them). "
                      f"Df = {query.size[0]}×{query.size[1]} input, {_kernel_symbols(query)}, "
                      f"M = {query.in_channels}, N = {query.out_channels}, g = {query.groups}.")
    view.notes.append(f"Unit rows: bottleneck m = N/{query.bottleneck_ratio} = {query.bottleneck} "
                      f"(--bottleneck-ratio), expansion t = {query.expansion} (--expansion).")
    return view


def _kernel_symbols(query: LayerQuery) -> str:
    """``Dk = 3×3`` for a square kernel; ``Kh = 1, Kw = 7`` for a rectangular one (as its formulas are written)."""
    kh, kw = query.kernel_size
    return f"Dk = {kh}×{kw}" if kh == kw else f"Kh = {kh}, Kw = {kw}"


def add_memory(rows: list[CompareRow], payload: dict[str, Any], view: View, unit: str, dtype: str) -> None:
    """``--memory``: add ``memory`` (elements, bytes, intensity) to each row and three columns."""
    from costcalc.engine.memory import report_payload

    view.columns += [Column("traffic (elements)", "right"), Column(f"bytes ({dtype})", "right"),
                     Column(f"{UNIT_LABELS[unit]}/byte", "right")]
    for row, data, cells in zip(rows, payload["rows"], view.rows):
        memory = data["memory"] = None if row.report is None else report_payload(row.report, dtype)
        if memory is None:
            cells += ["—", "—", "—"]
            continue
        intensity = memory["intensity"]
        cells += [exact(memory["total"]), exact(memory["bytes"]),
                  "—" if intensity is None else f"{in_unit(intensity, unit):.2f}"]
    view.notes.append("Traffic = activations read + written + weights read, each layer unfused, batch 1; "
                      "for a 1×1 conv it is ShuffleNet V2's MAC hw(c1 + c2) + c1·c2.")


def add_measured(measured: list[dict[str, Any]], payload: dict[str, Any], view: View, unit: str) -> None:
    """``--verify``: add ``measured_macs``, ``measured_params`` and ``match`` to each row and column."""
    view.columns += [Column(f"measured {UNIT_LABELS[unit]}", "right"), Column("measured params", "right"),
                     Column("match", kind="verdict")]
    for fields, data, cells in zip(measured, payload["rows"], view.rows):
        data.update(fields)
        cells += [exact(in_unit(fields["measured_macs"], unit)), exact(fields["measured_params"]),
                  {True: "✓", False: "✗", None: "—"}[fields["match"]]]

