"""What factorizing a model's standard convolutions would save (pure Python, no torch).

For every standard convolution of a model (one group, a kernel larger than 1×1) the what-if report
prices the papers' replacements with :func:`costcalc.compare.compare_layer` — the same exact rows
``costcalc compare`` prints — and sets them beside the layer's own cost:

* ``depthwise_separable`` — MobileNet (Howard et al. 2017, eq. 5): ``Df²·M·Dk² + M·N·Df²``,
  ratio ``1/N + 1/Dk²`` against the standard ``Df²·M·N·Dk²`` (eq. 2);
* ``depthwise_grouped_pointwise`` with ``g`` groups — MobileNet's depthwise followed by ShuffleNet's
  1×1 group convolution (Zhang et al. 2018, §3.1) and a channel shuffle (a permutation, no MACs):
  ``Df²·M·Dk² + M·N·Df²/g``, ratio ``1/N + 1/(g·Dk²)``; only for ``g`` dividing ``M`` and ``N``;
* ``spatial_separable`` — the EffNet / Inception-v3 spatial factorization, ``Dk×1`` conv ``M→N``
  then ``1×Dk`` conv ``N→N``: ``Df²·M·N·Dk + Df²·N·N·Dk``, ratio ``1/Dk + N/(M·Dk)``.

MACs are conv multiply-accumulates (FLOPs = 2 × MACs); params are the convolution weights (biases
are left out on both sides, as in ``compare``). The closed forms assume stride 1 and 'same'
padding; the exact counts use the real output map, and ``compare``'s note says why they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from costcalc.compare import CompareRow, LayerQuery, compare_layer
from costcalc.render import number
from costcalc.specs import Conv2d, Shape, SpecError

DEFAULT_GROUPS = (2, 3, 4, 8)


@dataclass(frozen=True)
class ConvLayer:
    """One convolution of the model: its module name, spec and the input it is run on."""

    name: str
    spec: Conv2d
    input: Shape


def eligible(spec: Conv2d) -> str:
    """'' when ``spec`` is a standard convolution the report can price, else the reason it is left out."""
    if spec.kind != "conv":
        return f"a {spec.kind} convolution is already factorized"
    if spec.dilation != (1, 1):
        return f"dilation {spec.dilation[0]}×{spec.dilation[1]} (the papers' rows assume 1)"
    if spec.symmetric_padding is None:
        return "asymmetric padding"
    return ""


def _query(layer: ConvLayer, groups: int) -> LayerQuery:
    spec = layer.spec
    return LayerQuery(spec.in_channels, spec.out_channels, spec.kernel_size,
                      (layer.input.height, layer.input.width), spec.stride, spec.symmetric_padding, groups)


def _option(row: CompareRow, standard: CompareRow, groups: int | None) -> dict[str, Any]:
    """One replacement: exact MACs and params, savings, exact ratio and the paper's ratio beside it."""
    ratio = Fraction(row.macs, standard.macs)
    return {"name": row.name if groups is None else f"{row.name} g={groups}", "replacement": row.name,
            "groups": groups, "description": row.definition.description, "macs": row.macs,
            "params": row.params, "saved_macs": standard.macs - row.macs,
            "saved_params": standard.params - row.params, "ratio": number(ratio),
            "formula": row.definition.formula.text, "formula_source": row.definition.formula.source,
            "formula_ratio_text": row.definition.ratio.text if row.definition.ratio else "1",
            "formula_ratio": number(row.formula_ratio), "note": row.note or None}


def suggest_layer(layer: ConvLayer, groups: tuple[int, ...] = DEFAULT_GROUPS) -> dict[str, Any]:
    """The replacements of one standard convolution, best first (largest MAC saving)."""
    spec = layer.spec
    candidates = [g for g in groups if spec.in_channels % g == 0 and spec.out_channels % g == 0]
    options: list[dict[str, Any]] = []
    rows_by_group = {g: {row.name: row for row in compare_layer(_query(layer, g))} for g in candidates or [1]}
    first = rows_by_group[next(iter(rows_by_group))]
    standard = first["standard"]
    for name in ("depthwise_separable", "spatial_separable"):
        if first[name].macs is not None:
            options.append(_option(first[name], standard, None))
    for g in candidates:
        row = rows_by_group[g]["depthwise_grouped_pointwise"]
        if row.macs is not None:
            options.append(_option(row, standard, g))
    options.sort(key=lambda option: (-option["saved_macs"], option["name"]))
    skipped_groups = [g for g in groups if g not in candidates]
    return {"layer": layer.name, "in_channels": spec.in_channels, "out_channels": spec.out_channels,
            "kernel_size": list(spec.kernel_size), "stride": list(spec.stride), "input": list(layer.input),
            "output": list(standard.report.output), "macs": standard.macs, "params": standard.params,
            "best_saved_macs": options[0]["saved_macs"] if options else 0, "options": options,
            "groups_not_dividing": skipped_groups}


def suggest(layers: list[ConvLayer], model_macs: int,
            groups: tuple[int, ...] = DEFAULT_GROUPS) -> dict[str, Any]:
    """Per-layer replacements (sorted by saving) and, per replacement, the whole model re-costed.

    ``model_macs`` is the model's conv + linear MACs; a replacement applied to every layer it fits
    gives ``model_macs − Σ saved_macs``.
    """
    per_layer, left_out = [], []
    for layer in layers:
        reason = eligible(layer.spec)
        if reason:
            if layer.spec.kind == "conv":
                left_out.append({"layer": layer.name, "reason": reason})
            continue
        try:
            per_layer.append(suggest_layer(layer, groups))
        except SpecError as error:
            left_out.append({"layer": layer.name, "reason": str(error)})
    per_layer.sort(key=lambda entry: (-entry["best_saved_macs"], entry["layer"]))
    totals: dict[str, dict[str, Any]] = {}
    for entry in per_layer:
        for option in entry["options"]:
            total = totals.setdefault(option["name"], {
                "name": option["name"], "replacement": option["replacement"], "groups": option["groups"],
                "layers": 0, "replaced_macs": 0, "macs": 0, "saved_macs": 0, "saved_params": 0,
                "formula_ratio_text": option["formula_ratio_text"]})
            total["layers"] += 1
            total["replaced_macs"] += entry["macs"]
            total["macs"] += option["macs"]
            total["saved_macs"] += option["saved_macs"]
            total["saved_params"] += option["saved_params"]
    for total in totals.values():
        total["model_macs"] = model_macs - total["saved_macs"]
        total["ratio"] = number(Fraction(total["macs"], total["replaced_macs"])) if total["replaced_macs"] else None
        total["model_ratio"] = number(Fraction(total["model_macs"], model_macs)) if model_macs else None
    ordered = sorted(totals.values(), key=lambda total: (-total["saved_macs"], total["name"]))
    return {"groups": list(groups), "layers": per_layer, "totals": ordered, "left_out": left_out}
