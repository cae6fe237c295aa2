"""costcalc: exact MACs, FLOPs and parameters of convolutions, blocks and efficient CNNs.

The public API is pure Python and never imports torch::

    from costcalc import Conv2d, Shape, cost, compare_layer, LayerQuery
    cost(Conv2d(3, 32, 3, stride=2), Shape(3, 224, 224)).macs   # 10,838,016

Counts follow the MobileNet / ShuffleNet / EffNet papers: ``macs`` are convolution and
fully-connected multiply-accumulates (FLOPs = 2 × MACs); batch norm, activations, pooling,
shuffles, adds and biases are reported separately as ``other_ops``. Torch modules built from the
same specs, and fvcore counts of them, live in :mod:`costcalc.measure` (the ``measure`` extra).
"""

from importlib import import_module
from typing import Any

# ``cost`` (the function) is bound eagerly: it shadows the ``costcalc.cost`` submodule attribute, which
# a lazy lookup would not (the import system sets that attribute when any module imports costcalc.cost).
from costcalc.cost import CostReport, LayerCost, cost
from costcalc.specs import (
    Activation, BatchNorm2d, Bottleneck, Branches, ChannelShuffle, Conv2d, DepthwiseSeparable, EffNetBlock, Flatten,
    GlobalAvgPool, Linear, Network, Pool2d, Sequential, Shape, ShuffleUnit, SpecError, depthwise, pointwise, sequence,
)

_LAZY = {"LayerQuery": "costcalc.compare", "compare_layer": "costcalc.compare"}

__all__ = [
    "Activation", "BatchNorm2d", "Bottleneck", "Branches", "ChannelShuffle", "Conv2d", "CostReport",
    "DepthwiseSeparable", "EffNetBlock", "Flatten", "GlobalAvgPool", "LayerCost", "LayerQuery", "Linear", "Network",
    "Pool2d", "Sequential", "Shape", "ShuffleUnit", "SpecError", "compare_layer", "cost", "depthwise", "pointwise",
    "sequence",
]


def __getattr__(name: str) -> Any:
    """Load the compare API on first use (PEP 562): ``costcalc model`` need not import it."""
    if name not in _LAZY:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
