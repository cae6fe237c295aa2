"""What factorizing a model's standard convolutions would save (pure Python, no torch).

For every standard convolution of a model (one group, a kernel larger than 1×1) the what-if report
prices the papers' replacements with :func:`costcalc.engine.compare.compare_layer` — the same exact rows
``costcalc compare`` prints — and sets them beside the layer's own cost:

* ``depthwise_separable`` — MobileNet (Howard et al. 2017, eq. 5): ``Df²·M·Dk² + M·N·Df²``,
  ratio ``1/N + 1/Dk²`` against the standard ``Df²·M·N·Dk²`` (eq. 2);
* ``depthwise_grouped_pointwise`` with ``g`` groups — MobileNet's depthwise followed by ShuffleNet's
  1×1 group convolution (Zhang et al. 2018, §3.1) and a channel shuffle (a permutation, no MACs):
  ``Df²·M·Dk² + M·N·Df²/g``, ratio ``1/N + 1/(g·Dk²)``; only for ``g`` dividing ``M`` and ``N``;
* ``spatial_separable`` — the EffNet / Inception-v3 spatial factorization, ``Kh×1`` conv ``M→N``
  then ``1×Kw`` conv ``N→N``: ``Df²·M·N·Kh + Df²·N·N·Kw``, ratio ``1/Kw + N/(M·Kh)``; not offered
  for a kernel that is already one row or one column (``1×7``).

Where a network spends most of its MACs in 1×1 convolutions (MobileNetV2-like), every pointwise
layer is also priced as ShuffleNet's ``grouped_pointwise`` with ``g`` groups and a channel
shuffle: ``M·N·Df²/g``, ratio ``1/g``.

A replacement that would cost *more* MACs than the layer (a spatial factorization with N ≫ M) is
listed as not worth it and never counted as a saving. A module run several times costs its MACs
on every call, but its weights — and so the params a replacement saves — once.

MACs are conv multiply-accumulates (FLOPs = 2 × MACs); params are the convolution weights (biases
are left out on both sides, as in ``compare``). The closed forms assume stride 1 and 'same'
padding; the exact counts use the real output map, and ``compare``'s note says why they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

from costcalc.engine.compare import CompareRow, LayerQuery, compare_layer
from costcalc.engine.cost import CostReport, cost
from costcalc.engine.specs import Conv2d, Shape, SpecError
from costcalc.formatting import number

DEFAULT_GROUPS = (2, 3, 4, 8)


@dataclass(frozen=True)
class ConvLayer:
    """One convolution module of the model: its name, spec, the (one-image) input it is run on, and
    how many times it runs on such an input (calls × batch)."""

    name: str
    spec: Conv2d
    input: Shape
    calls: int = 1

    @cached_property
    def report(self) -> CostReport:
        """The layer's own exact cost on one input, computed once: the pointwise-heavy test and
        the replacements' savings both read it."""
        return cost(self.spec, self.input)


POINTWISE_HEAVY = Fraction(1, 2)  # share of the model's MACs in 1×1 layers above which grouped 1×1s are proposed


def candidate(spec: Conv2d, pointwise: bool = False) -> bool:
    """Whether the report offers replacements for ``spec``'s kind: standard k×k convolutions always;
    ungrouped 1×1 convolutions when ``pointwise`` (the model is pointwise-heavy)."""
    return spec.kind == "conv" or spec.kind == "pointwise" and pointwise


def eligible(spec: Conv2d, pointwise: bool = False) -> str:
    """'' when ``spec`` is a convolution the report can price (a :func:`candidate` the papers' rows
    fit: no dilation gaps in the kernel, symmetric padding), else the reason it is left out."""
    if not candidate(spec, pointwise):
        return f"a {spec.kind} convolution is already factorized"
    if spec.dilation != (1, 1) and spec.kernel_size != (1, 1):  # a 1×1 kernel has no gaps to dilate
        return f"dilation {spec.dilation[0]}×{spec.dilation[1]} (the papers' rows assume 1)"
    if spec.symmetric_padding is None:
        return "asymmetric padding"
    return ""


def _query(layer: ConvLayer, groups: int) -> LayerQuery:
    spec = layer.spec
    padding = spec.symmetric_padding
    if padding is None:  # a query's padding pads both sides alike: never price this layer as 'same'-padded
        raise SpecError(f"asymmetric padding {list(spec.padding)} (top, bottom, left, right); "
                        "the papers' rows pad both sides alike")
    return LayerQuery(spec.in_channels, spec.out_channels, spec.kernel_size,
                      (layer.input.height, layer.input.width), spec.stride, padding, groups)


def _option(row: CompareRow, replacement: CostReport, layer: ConvLayer, groups: int | None) -> dict[str, Any]:
    """One replacement (``row``, its cost ``replacement``) over every call: exact MACs, savings (params
    once), exact and paper's ratio."""
    macs, weights = layer.report.macs, layer.report.weights
    return {"name": row.name if groups is None else f"{row.name} g={groups}", "replacement": row.name,
            "groups": groups, "description": row.definition.description, "macs": replacement.macs * layer.calls,
            "params": replacement.params, "saved_macs": (macs - replacement.macs) * layer.calls,
            "saved_params": weights - replacement.params, "ratio": number(Fraction(replacement.macs, macs)),
            "formula": row.formula_text, "formula_source": row.definition.formula.source,
            "formula_ratio_text": row.formula_ratio_text,
            "formula_ratio": number(row.formula_ratio), "note": row.note or None}


def _replacements(spec: Conv2d) -> tuple[str, ...]:
    if spec.kind == "pointwise":
        return ()
    if 1 in spec.kernel_size:
        return ("depthwise_separable",)
    return ("depthwise_separable", "spatial_separable")


def suggest_layer(layer: ConvLayer, groups: tuple[int, ...] = DEFAULT_GROUPS) -> dict[str, Any]:
    """The replacements of one convolution, best first; those that would cost more apart, as not worth it.

    The layer's own MACs and weights (biases left out, as in ``compare``) are its :attr:`ConvLayer.report`."""
    spec = layer.spec
    candidates = [g for g in groups if spec.in_channels % g == 0 and spec.out_channels % g == 0]
    rows_by_group = {g: {row.name: row for row in compare_layer(_query(layer, g))} for g in candidates or [1]}
    first = rows_by_group[next(iter(rows_by_group))]
    options: list[dict[str, Any]] = []
    for name in _replacements(spec):
        report = first[name].report
        if report is not None:
            options.append(_option(first[name], report, layer, None))
    grouped = "grouped_pointwise" if spec.kind == "pointwise" else "depthwise_grouped_pointwise"
    for g in candidates:
        row = rows_by_group[g][grouped]
        if row.report is not None and g > 1:
            options.append(_option(row, row.report, layer, g))
    options.sort(key=lambda option: (-option["saved_macs"], option["name"]))
    worth = [option for option in options if option["saved_macs"] > 0]
    return {"layer": layer.name, "kind": spec.kind, "in_channels": spec.in_channels,
            "out_channels": spec.out_channels, "kernel_size": list(spec.kernel_size), "stride": list(spec.stride),
            "input": list(layer.input), "output": list(layer.report.output), "calls": layer.calls,
            "macs": layer.report.macs * layer.calls, "params": layer.report.weights,
            "best_saved_macs": worth[0]["saved_macs"] if worth else 0, "options": worth,
            "not_worth_it": [option for option in options if option["saved_macs"] <= 0],
            "groups_not_dividing": [g for g in groups if g not in candidates]}


def pointwise_heavy(layers: list[ConvLayer], model_macs: int) -> bool:
    """Whether the model's ungrouped 1×1 convolutions hold at least :data:`POINTWISE_HEAVY` of its MACs."""
    pointwise = sum(layer.report.macs * layer.calls for layer in layers if layer.spec.kind == "pointwise")
    return bool(model_macs) and Fraction(pointwise, model_macs) >= POINTWISE_HEAVY


def suggest(layers: list[ConvLayer], model_macs: int,
            groups: tuple[int, ...] = DEFAULT_GROUPS) -> dict[str, Any]:
    """Per-layer replacements (sorted by saving) and, per replacement, the whole model re-costed.

    ``model_macs`` is the model's MACs; a replacement applied to every layer where it saves gives
    ``model_macs − Σ saved_macs``; the layers where it would cost more are counted apart.
    """
    per_layer, left_out = [], []
    pointwise = pointwise_heavy(layers, model_macs)
    for layer in layers:
        reason = eligible(layer.spec, pointwise)
        if reason:
            if candidate(layer.spec, pointwise):
                left_out.append({"layer": layer.name, "reason": reason})
            continue
        try:
            per_layer.append(suggest_layer(layer, groups))
        except SpecError as error:
            left_out.append({"layer": layer.name, "reason": str(error)})
    per_layer.sort(key=lambda entry: (-entry["best_saved_macs"], entry["layer"]))
    totals: dict[str, dict[str, Any]] = {}
    for entry in per_layer:
        for option in entry["options"] + entry["not_worth_it"]:
            total = totals.setdefault(option["name"], {
                "name": option["name"], "replacement": option["replacement"], "groups": option["groups"],
                "layers": 0, "not_worth_it": 0, "replaced_macs": 0, "macs": 0, "saved_macs": 0,
                "saved_params": 0, "formula_ratio_text": option["formula_ratio_text"]})
            if option["saved_macs"] <= 0:
                total["not_worth_it"] += 1
                continue
            total["layers"] += 1
            total["replaced_macs"] += entry["macs"]
            total["macs"] += option["macs"]
            total["saved_macs"] += option["saved_macs"]
            total["saved_params"] += option["saved_params"]
    for total in totals.values():
        total["model_macs"] = model_macs - total["saved_macs"]
        total["ratio"] = number(Fraction(total["macs"], total["replaced_macs"])) if total["replaced_macs"] else None
        total["model_ratio"] = number(Fraction(total["model_macs"], model_macs)) if model_macs else None
    ordered = sorted((total for total in totals.values() if total["layers"]),
                     key=lambda total: (-total["saved_macs"], total["name"]))
    return {"groups": list(groups), "pointwise_heavy": pointwise, "layers": per_layer, "totals": ordered,
            "left_out": left_out}
