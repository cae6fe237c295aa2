"""Exact analytic cost of a spec: output shapes, MACs, parameters and the "other ops".

Pure Python and exact integers; never imports torch. Each leaf kind has one cost rule (a small
function registered for its spec class, in the manner of fvcore's ``jit_handles``); composite
specs are walked (:data:`WALKS`): :class:`~costcalc.engine.specs.Sequential` folds its children,
:class:`~costcalc.engine.specs.Branches` feeds every path the same input and adds a merge row (its
:class:`~costcalc.engine.specs.Merge` gives the shape and ops), and the paper blocks are costed through
their :meth:`expand`. Shapes are the specs' own (``output_shape``), met once on the walk.

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
    BLOCKS,
    SPEC_TYPES,
    Activation,
    BatchNorm2d,
    Branches,
    ChannelShuffle,
    ChannelSplit,
    Conv2d,
    Flatten,
    GlobalAvgPool,
    Linear,
    Pool2d,
    Sequential,
    Shape,
    SpecError,
    join_name,
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
    layers: list[LayerCost] = []
    output, _ = _walk(spec, shape, name, source, layers)
    return CostReport(tuple(layers), shape, output)


def output_shape(spec: Any, shape: Shape, name: str = "") -> Shape:
    """The shape ``spec`` produces from ``shape``: the spec's own ``output_shape``, whose checks and
    error messages :func:`cost` meets on its walk, without the costing."""
    if type(spec) not in SPEC_TYPES:
        raise SpecError(f"no cost rule for {type(spec).__name__}")
    return spec.output_shape(shape, name)


Walk = Callable[[Any, Shape, str, str, list[LayerCost]], tuple[Shape, str]]


def _walk(spec: Any, shape: Shape, name: str, source: str, layers: list[LayerCost]) -> tuple[Shape, str]:
    """Append the layers of ``spec`` fed ``shape`` from ``source`` to ``layers``; return its output shape
    and the layer that produced it (``source`` when ``spec`` adds no layer)."""
    rule = COST_RULES.get(type(spec))
    if rule is not None:
        layer = _leaf(spec, shape, name, source, rule)
        layers.append(layer)
        return layer.output, layer.name
    walk = WALKS.get(type(spec))
    if walk is None:
        raise SpecError(f"no cost rule for {type(spec).__name__}")
    return walk(spec, shape, name, source, layers)


@lru_cache(maxsize=4096)
def _leaf_terms(spec: Any, shape: Shape, rule: CostRule) -> tuple[str, Shape, dict[str, Any]]:
    """A leaf's kind, output shape and ``rule``'s fields on ``shape``: specs are immutable, so a layer a
    network repeats (a generated 100,000-layer file, a stage's identical blocks) is costed once. The
    fields (``other_ops`` among them) are shared by the layers that repeat it and never modified."""
    output = spec.output_shape(shape)
    return spec.kind, output, rule(spec, shape, output)


def _leaf(spec: Any, shape: Shape, name: str, source: str, rule: CostRule) -> LayerCost:
    kind, output, terms = _leaf_terms(spec, shape, rule)
    return LayerCost(name=name or kind, kind=kind, input=shape, output=output, spec=spec, sources=(source,), **terms)


def _walk_block(spec: Any, shape: Shape, name: str, source: str, layers: list[LayerCost]) -> tuple[Shape, str]:
    return _walk(spec.expand(), shape, name, source, layers)


def _walk_sequential(spec: Sequential, shape: Shape, name: str, source: str,
                     layers: list[LayerCost]) -> tuple[Shape, str]:
    for child_name, child in spec.children:
        shape, source = _walk(child, shape, join_name(name, child_name), source, layers)
    return shape, source


def _walk_branches(spec: Branches, shape: Shape, name: str, source: str,
                   layers: list[LayerCost]) -> tuple[Shape, str]:
    """Every path fed the same input, then one merge row: its shape and ops are the :class:`Merge`'s."""
    outputs: list[Shape] = []
    producers: list[str] = []
    for path_name, path in spec.paths:
        output, producer = (shape, source) if path is None else _walk(
            path, shape, join_name(name, path_name), source, layers)
        outputs.append(output)
        producers.append(producer)
    merge = spec.merge_rule
    merged = merge.output_shape(outputs, name)
    layer = LayerCost(name=join_name(name, merge.name), kind=merge.name, input=shape, output=merged,
                      other_ops={merge.name: merge.ops(merged, len(outputs))}, spec=spec, sources=tuple(producers))
    layers.append(layer)
    return merged, layer.name


WALKS: dict[type, Walk] = {Sequential: _walk_sequential, Branches: _walk_branches,
                           **{block: _walk_block for block in BLOCKS}}
"""How :func:`cost` walks each composite spec type (the leaves have their :data:`COST_RULES`)."""
