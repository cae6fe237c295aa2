"""Exact analytic cost of a spec: output shapes, MACs, parameters and the "other ops".

Pure Python and exact integers; never imports torch. Each leaf kind has one cost rule (a small
function registered for its spec class, in the manner of fvcore's ``jit_handles``); composite
specs are walked: :class:`~costcalc.engine.specs.Sequential` folds its children,
:class:`~costcalc.engine.specs.Branches` feeds every path the same input and adds a merge row, and the
paper blocks are costed through their :meth:`expand`.

Counting conventions (the papers'):

* ``macs`` — multiply-accumulates of convolutions and fully-connected layers only, bias excluded:
  a convolution costs ``H_out·W_out · C_out · (C_in / groups) · Kh·Kw`` (MobileNet eq. 2 with
  groups; fvcore's and ``FlopCounterMode``'s rule too, the latter counting 2 per MAC).
* ``params`` — what ``sum(p.numel())`` gives in PyTorch: weights, biases, batch-norm γ and β.
* ``other_ops`` — element operations reported apart from ``macs``: ``batchnorm`` (one
  scale-and-shift per element), ``activation`` (one per element), ``pool`` (one per window
  element read), ``add`` (one per output element and extra path), ``bias`` (one per output
  element), ``scale`` (squeeze-excitation's channel-wise multiply, one per output element), and
  the pure data movements ``shuffle`` and ``concat`` (elements moved, no arithmetic). Flatten and
  channel split are views: no ops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from costcalc.engine.kinds import CONV_KINDS
from costcalc.engine.specs import (
    BLOCKS, Activation, BatchNorm2d, Branches, ChannelShuffle, ChannelSplit, Conv2d, Flatten, GlobalAvgPool, Linear,
    Pool2d, Sequential, Shape, SpecError,
)



@dataclass(frozen=True)
class LayerCost:
    """The exact cost of one leaf layer at one input shape."""

    name: str
    kind: str
    input: Shape
    output: Shape
    macs: int = 0
    weights: int = 0
    biases: int = 0
    norm_params: int = 0
    other_ops: dict[str, int] = field(default_factory=dict)
    spec: Any = None
    sources: tuple[str, ...] = ("",)
    """Names of the layers whose outputs this layer reads (``""``: the costed spec's input) — the
    dataflow :func:`costcalc.engine.memory.peak_activations` follows."""

    @property
    def params(self) -> int:
        """Trainable parameters: weights + biases + batch-norm γ and β."""
        return self.weights + self.biases + self.norm_params


@dataclass(frozen=True)
class CostReport:
    """The leaf layers of a spec, in execution order, with totals (each summed once, when first asked for)."""

    layers: tuple[LayerCost, ...]
    input: Shape
    output: Shape

    @cached_property
    def macs(self) -> int:
        """Convolution + fully-connected MACs (the papers' "Mult-Adds")."""
        return sum(layer.macs for layer in self.layers)

    @cached_property
    def conv_macs(self) -> int:
        """MACs of the convolutions alone (the papers' "conv layers only")."""
        return sum(layer.macs for layer in self.layers if layer.kind in CONV_KINDS)

    @cached_property
    def linear_macs(self) -> int:
        """MACs of the fully-connected layers."""
        return sum(layer.macs for layer in self.layers if layer.kind == "linear")

    @cached_property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @cached_property
    def weights(self) -> int:
        """Conv and FC weights alone (no biases, no batch norm): the MobileNet paper's parameter count."""
        return sum(layer.weights for layer in self.layers)

    @property
    def flops(self) -> int:
        """FLOPs = 2 × MACs."""
        return 2 * self.macs

    @property
    def other_ops(self) -> dict[str, int]:
        """The other ops summed over layers, by category."""
        totals: dict[str, int] = {}
        for layer in self.layers:
            for category, count in layer.other_ops.items():
                totals[category] = totals.get(category, 0) + count
        return totals

    def by_kind(self) -> dict[str, dict[str, int]]:
        """Layer count, MACs, params and weights per kind, in first-seen order (MobileNet Table 2)."""
        table: dict[str, dict[str, int]] = {}
        for layer in self.layers:
            entry = table.get(layer.kind)
            if entry is None:
                entry = table[layer.kind] = {"layers": 0, "macs": 0, "params": 0, "weights": 0}
            entry["layers"] += 1
            entry["macs"] += layer.macs
            entry["params"] += layer.params
            entry["weights"] += layer.weights
        return table


CostRule = Callable[[Any, Shape, Shape], dict[str, Any]]
COST_RULES: dict[type, CostRule] = {}


def cost_rule(spec_type: type) -> Callable[[CostRule], CostRule]:
    """Register the cost rule of one leaf spec type."""

    def register(rule: CostRule) -> CostRule:
        COST_RULES[spec_type] = rule
        return rule

    return register


def conv_weights(spec: Conv2d) -> int:
    """``C_out · (C_in/g) · Kh·Kw``: one ``Kh×Kw`` filter over ``C_in/g`` channels per output channel."""
    kernel_h, kernel_w = spec.kernel_size
    return spec.out_channels * (spec.in_channels // spec.groups) * kernel_h * kernel_w


def conv_macs(spec: Conv2d, output: Shape) -> int:
    """``H_out·W_out · C_out · (C_in/g) · Kh·Kw`` — MobileNet eq. 2 generalised to groups: every
    weight is used once per output position."""
    return output.height * output.width * conv_weights(spec)


@cost_rule(Conv2d)
def _conv(spec: Conv2d, shape: Shape, output: Shape) -> dict[str, Any]:
    weights = conv_weights(spec)
    biases = spec.out_channels if spec.bias else 0
    other = {"bias": output.numel} if spec.bias else {}
    return {"macs": conv_macs(spec, output), "weights": weights, "biases": biases, "other_ops": other}


@cost_rule(Linear)
def _linear(spec: Linear, shape: Shape, output: Shape) -> dict[str, Any]:
    biases = spec.out_features if spec.bias else 0
    return {"macs": spec.in_features * spec.out_features, "weights": spec.in_features * spec.out_features,
            "biases": biases, "other_ops": {"bias": biases} if biases else {}}


@cost_rule(BatchNorm2d)
def _batchnorm(spec: BatchNorm2d, shape: Shape, output: Shape) -> dict[str, Any]:
    return {"norm_params": 2 * spec.num_features, "other_ops": {"batchnorm": shape.numel}}


@cost_rule(Activation)
def _activation(spec: Activation, shape: Shape, output: Shape) -> dict[str, Any]:
    return {"other_ops": {"activation": shape.numel}}


@cost_rule(Pool2d)
def _pool(spec: Pool2d, shape: Shape, output: Shape) -> dict[str, Any]:
    window = spec.kernel_size[0] * spec.kernel_size[1]
    return {"other_ops": {"pool": output.numel * window}}


@cost_rule(GlobalAvgPool)
def _global_pool(spec: GlobalAvgPool, shape: Shape, output: Shape) -> dict[str, Any]:
    return {"other_ops": {"pool": shape.numel}}


@cost_rule(ChannelShuffle)
def _shuffle(spec: ChannelShuffle, shape: Shape, output: Shape) -> dict[str, Any]:
    return {"other_ops": {"shuffle": shape.numel}}


@cost_rule(Flatten)
@cost_rule(ChannelSplit)
def _view(spec: Flatten | ChannelSplit, shape: Shape, output: Shape) -> dict[str, Any]:
    return {}


def cost(spec: Any, shape: Shape, name: str = "", source: str = "") -> CostReport:
    """Cost ``spec`` on an input of ``shape``; leaf layer names are dotted paths below ``name``.

    ``source`` names the layer that produced the input (``""`` for the spec's own input); every
    layer records its sources, so the report is also the spec's dataflow graph.
    """
    if type(spec) in COST_RULES:
        layer = _leaf(spec, shape, name, source)
        return CostReport((layer,), shape, layer.output)
    if isinstance(spec, BLOCKS):
        return cost(spec.expand(), shape, name, source)
    if isinstance(spec, Sequential):
        return _cost_sequential(spec, shape, name, source)
    if isinstance(spec, Branches):
        return _cost_branches(spec, shape, name, source)
    raise SpecError(f"no cost rule for {type(spec).__name__}")


def output_shape(spec: Any, shape: Shape, name: str = "") -> Shape:
    """The shape ``spec`` produces from ``shape``: :func:`cost`'s walk and checks (and error messages)
    without the costing."""
    if type(spec) in COST_RULES:
        return spec.output_shape(shape)
    if isinstance(spec, BLOCKS):
        return output_shape(spec.expand(), shape, name)
    if isinstance(spec, Sequential):
        for child_name, child in spec.children:
            shape = output_shape(child, shape, _join(name, child_name))
        return shape
    if isinstance(spec, Branches):
        outputs = [shape if path is None else output_shape(path, shape, _join(name, path_name))
                   for path_name, path in spec.paths]
        return merge_shape(spec.merge, outputs, name)
    raise SpecError(f"no cost rule for {type(spec).__name__}")


def _producer(report: CostReport, source: str) -> str:
    """The layer whose output is ``report``'s output: its last layer, or ``source`` when empty."""
    return report.layers[-1].name if report.layers else source


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@lru_cache(maxsize=4096)
def _leaf_terms(spec: Any, shape: Shape, rule: CostRule) -> tuple[str, Shape, dict[str, Any]]:
    """A leaf's kind, output shape and ``rule``'s fields on ``shape``: specs are immutable, so a layer a
    network repeats (a generated 100,000-layer file, a stage's identical blocks) is costed once. The
    fields (``other_ops`` among them) are shared by the layers that repeat it and never modified."""
    output = spec.output_shape(shape)
    return spec.kind, output, rule(spec, shape, output)


def _leaf(spec: Any, shape: Shape, name: str, source: str) -> LayerCost:
    kind, output, terms = _leaf_terms(spec, shape, COST_RULES[type(spec)])
    return LayerCost(name=name or kind, kind=kind, input=shape, output=output, spec=spec, sources=(source,), **terms)


def _cost_sequential(spec: Sequential, shape: Shape, name: str, source: str) -> CostReport:
    layers: list[LayerCost] = []
    current = shape
    for child_name, child in spec.children:
        path = _join(name, child_name)
        if type(child) in COST_RULES:  # a leaf: no report of its own
            layer = _leaf(child, current, path, source)
            layers.append(layer)
            current, source = layer.output, layer.name
            continue
        report = cost(child, current, path, source)
        layers.extend(report.layers)
        current, source = report.output, _producer(report, source)
    return CostReport(tuple(layers), shape, current)


def _cost_branches(spec: Branches, shape: Shape, name: str, source: str) -> CostReport:
    layers: list[LayerCost] = []
    outputs: list[Shape] = []
    producers: list[str] = []
    for path_name, path in spec.paths:
        if path is None:
            outputs.append(shape)
            producers.append(source)
            continue
        report = cost(path, shape, _join(name, path_name), source)
        layers.extend(report.layers)
        outputs.append(report.output)
        producers.append(_producer(report, source))
    merged = merge_shape(spec.merge, outputs, name)
    extra_paths = len(outputs) - 1
    ops = {"add": {"add": merged.numel * extra_paths}, "concat": {"concat": merged.numel},
           "scale": {"scale": merged.numel * extra_paths}}[spec.merge]
    layers.append(LayerCost(name=_join(name, spec.merge), kind=spec.merge, input=shape, output=merged,
                            other_ops=ops, spec=spec, sources=tuple(producers)))
    return CostReport(tuple(layers), shape, merged)


def merge_shape(merge: str, outputs: list[Shape], name: str) -> Shape:
    """Shape after an element-wise add (all equal), a channel concatenation (equal H×W) or a
    channel-wise scale (the first path's shape; the others ``C×1×1`` with its ``C``)."""
    first = outputs[0]
    if merge == "scale":
        if any(output != Shape(first.channels, 1, 1) for output in outputs[1:]):
            raise SpecError(f"{name or 'branches'}: cannot scale a {first} map by paths of shapes "
                            f"{', '.join(map(str, outputs[1:]))} (each must be {first.channels}×1×1)")
        return first
    if merge == "add":
        if any(output != first for output in outputs):
            raise SpecError(f"{name or 'branches'}: cannot add paths of shapes {', '.join(map(str, outputs))}")
        return first
    if any(output[1:] != first[1:] for output in outputs):
        raise SpecError(f"{name or 'branches'}: cannot concatenate paths of shapes {', '.join(map(str, outputs))}")
    return Shape(sum(output.channels for output in outputs), first.height, first.width)
