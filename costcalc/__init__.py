"""costcalc: exact MACs, FLOPs and parameters of convolutions, blocks and efficient CNNs.

The public API is pure Python and never imports torch::

    from costcalc import Conv2d, Shape, compare_layer, LayerQuery
    from costcalc.engine import cost
    cost(Conv2d(3, 32, 3, stride=2), Shape(3, 224, 224)).macs   # 10,838,016

Counts follow the MobileNet / ShuffleNet / EffNet papers: ``macs`` are convolution and
fully-connected multiply-accumulates (FLOPs = 2 × MACs); batch norm, activations, pooling,
shuffles, adds and biases are reported separately as ``other_ops``. Torch modules built from the
same specs, and fvcore counts of them, live in :mod:`costcalc.measure` (the ``measure`` extra).

Any PyTorch model, operator by operator (needs torch; imported on first use)::

    analysis = costcalc.analyze(model, torch.zeros(1, 3, 224, 224))   # or a tuple of positional inputs
    analysis.macs, analysis.flops, analysis.params, analysis.by_module(depth=1), analysis.to_dict()
    step = costcalc.analyze(model, x, training=True, optimizer="adam")   # a training step
    step.training.forward_macs, step.training.backward_macs, step.footprint.optimizer_bytes
    costcalc.register_operator("mylib::fused_mm", lambda args, kwargs, out: ..., family="matmul")  # your own ops
"""

from importlib import import_module
from typing import Any

from costcalc.engine.cost import CostReport, LayerCost, cost
from costcalc.engine.specs import (
    Activation,
    BatchNorm2d,
    Bottleneck,
    Branches,
    ChannelShuffle,
    Conv2d,
    DepthwiseSeparable,
    EffNetBlock,
    Flatten,
    GlobalAvgPool,
    Linear,
    Network,
    Pool2d,
    Sequential,
    Shape,
    ShuffleUnit,
    SpecError,
    depthwise,
    pointwise,
    sequence,
)

_LAZY = {"LayerQuery": "costcalc.engine.compare", "compare_layer": "costcalc.engine.compare",
         "analyze": "costcalc.measure.analyze", "Analysis": "costcalc.measure.analyze",
         "register_operator": "costcalc.measure.custom_operators"}

__all__ = [
    "Activation", "Analysis", "BatchNorm2d", "Bottleneck", "Branches", "ChannelShuffle", "Conv2d", "CostReport",
    "DepthwiseSeparable", "EffNetBlock", "Flatten", "GlobalAvgPool", "LayerCost", "LayerQuery", "Linear", "Network",
    "Pool2d", "Sequential", "Shape", "ShuffleUnit", "SpecError", "analyze", "compare_layer", "cost", "depthwise",
    "pointwise", "register_operator", "sequence",
]


def __getattr__(name: str) -> Any:
    """Load the compare API and the torch-side ``analyze`` on first use (PEP 562): ``import costcalc``
    stays torch-free and ``costcalc model`` need not import compare."""
    if name not in _LAZY:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, the lazily loaded ones included (``analyze``, ``Analysis``, ``compare_layer``)."""
    return sorted(set(globals()) | set(__all__))

