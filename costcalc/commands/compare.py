"""``costcalc compare``: one convolution layer against the papers' factorizations."""

from __future__ import annotations

from typing import Any

import click

from costcalc.engine.compare import LAYER_KEYS, PAIR_KEYS, CompareRow, LayerQuery, compare_layer
from costcalc.commands.options import dtype_option, format_option, layer_options, unit_option
from costcalc.engine.specs import as_pair, parse_pair
from costcalc.formatting import UNIT_LABELS, dims, exact, fewer_text, in_unit, number, ratio_text
from costcalc.views.render import Column, View, emit

FILE_KEYS = ("name", "description", *LAYER_KEYS)
LAYER_OPTION_KEYS = {"in_channels": "in", "out_channels": "out", "kernel": "kernel", "size": "size",
                     "stride": "stride", "padding": "padding", "groups": "groups"}
"""click parameter names of the layer options → layer keys."""


def load_layer_file(path: str) -> dict[str, Any]:
    """Read a layer spec (``configs/layers/*.yaml``): its name and its layer keys, checked in place."""
    from costcalc.config.config_file import ConfigFile

    config = ConfigFile(path)
    data = config.mapping((), config.data, FILE_KEYS, "a layer spec")
    values: dict[str, Any] = {"name": str(data.get("name", config.path.stem))}
    for key in LAYER_KEYS:
        if key not in data:
            continue
        value = data[key]
        try:
            if key in PAIR_KEYS:
                value = as_pair(parse_pair(value, key), key, minimum=0 if key == "padding" else 1)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
        except ValueError as error:
            raise config.error((key,), str(error)) from None
        values[key] = value
    return values


def layer_query(config_path: str | None, options: dict[str, Any]) -> tuple[str, LayerQuery]:
    """The layer asked for: ``--config FILE`` overridden by the options given (``--in`` …)."""
    values = load_layer_file(config_path) if config_path else {"name": "layer"}
    values.update({LAYER_OPTION_KEYS[key]: value for key, value in options.items() if value is not None})
    name = values.pop("name")
    return name, LayerQuery.from_mapping(values)


def row_payload(row: CompareRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.definition.description,
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
    view = View(title, [Column("row"), Column("output", "right"), Column(label, "right"), Column("params", "right"),
                        Column("vs"), Column("ratio", "right", "bold"), Column("reduction", "right", "green"),
                        Column("formula"), Column(f"formula {label}", "right"), Column("formula ratio")])
    note_numbers: dict[str, int] = {}
    for row in rows:
        marker = ""
        if row.note:
            number_of_note = note_numbers.setdefault(row.note, len(note_numbers) + 1)
            marker = f" [{number_of_note}]"
        if row.macs is None:
            view.add(row.name + marker, "—", "n/a", "—", row.definition.reference, "—", "—",
                     row.formula_text, "—", "—", style="dim")
            continue
        formula_value = in_unit(number(row.formula_macs), unit)
        view.add(row.name + marker, dims(row.report.output), exact(in_unit(row.macs, unit)),
                 exact(row.params), row.definition.reference, ratio_text(row.ratio), fewer_text(row.ratio),
                 row.formula_text,
                 exact(formula_value) if isinstance(formula_value, int) else f"{formula_value:,.1f}",
                 f"{row.formula_ratio_text} = {ratio_text(row.formula_ratio)}")
    view.notes.extend(f"[{index}] {note}" for note, index in note_numbers.items())
    view.notes.append(f"Counts: {label} of convolutions only (bias, batch norm and activations excluded); "
                      "params = conv weights, plus batch-norm γ, β in the residual-unit rows (as PyTorch counts them). "
                      f"Df = {query.size[0]}×{query.size[1]} input, {_kernel_symbols(query)}, "
                      f"M = {query.in_channels}, N = {query.out_channels}, g = {query.groups}.")
    return view


def _kernel_symbols(query: LayerQuery) -> str:
    """``Dk = 3×3`` for a square kernel; ``Kh = 1, Kw = 7`` for a rectangular one (as its formulas are written)."""
    kh, kw = query.kernel_size
    return f"Dk = {kh}×{kw}" if kh == kw else f"Kh = {kh}, Kw = {kw}"


@click.command("compare")
@layer_options
@click.option("--groups", type=int, help="Groups g for the grouped rows (default 8).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A YAML layer spec (configs/layers/*.yaml); options given on the command line override it.")
@click.option("--verify", is_flag=True, help="Also count every row on its PyTorch module with fvcore (needs torch).")
@click.option("--memory", is_flag=True, help="Add memory traffic: read, written, weights, bytes, MACs per byte.")
@dtype_option("Element type of the --memory bytes.")
@unit_option
@format_option
def command(config_path: str | None, verify: bool, memory: bool, dtype: str, unit: str, fmt: str,
            **options: Any) -> None:
    """Compare a convolution layer with its factorized alternatives.

    Rows: standard, depthwise, pointwise, depthwise_separable, grouped, grouped_pointwise,
    depthwise_grouped_pointwise, spatial_separable, effnet_depthwise and, for a residual layer
    (3×3, stride 1, M = N), the ResNet / ResNeXt bottleneck and the ShuffleNet unit. Each row shows
    the exact count, its ratio to its reference row and the paper's closed form beside it.

    Example: costcalc compare --in 512 --out 512 --kernel 3 --size 14
    """
    name, query = layer_query(config_path, options)
    rows = compare_layer(query)
    payload = {"layer": {"name": name, **query.as_dict()}, "unit": "macs", "rows": [row_payload(row) for row in rows]}
    title = f"{name}: {query.description}"
    view = build_view(query, rows, unit, title)
    if memory:
        _add_memory(rows, payload, view, unit, dtype)
    if verify:
        _add_measured(rows, payload, view, unit)
    emit(fmt, payload, [view], payload["rows"])
    if verify and any(row["match"] is False for row in payload["rows"]):
        click.get_current_context().exit(1)


def _add_memory(rows: list[CompareRow], payload: dict[str, Any], view: View, unit: str, dtype: str) -> None:
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


def _add_measured(rows: list[CompareRow], payload: dict[str, Any], view: View, unit: str) -> None:
    """``--verify``: add ``measured_macs``, ``measured_params`` and ``match`` to each row and column."""
    from costcalc.commands.options import require_measure

    require_measure()
    from costcalc.measure.compare_verify import measured_fields

    view.columns += [Column(f"measured {UNIT_LABELS[unit]}", "right"), Column("measured params", "right"),
                     Column("match")]
    for fields, data, cells in zip(measured_fields(rows), payload["rows"], view.rows):
        data.update(fields)
        cells += [exact(in_unit(fields["measured_macs"], unit)), exact(fields["measured_params"]),
                  {True: "✓", False: "✗", None: "—"}[fields["match"]]]

