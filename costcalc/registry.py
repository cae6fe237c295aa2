"""The one registry of layer and block kinds.

Each :class:`Kind` names a spec constructor, its one-line summary and the paper it comes from.
Parsing (YAML networks and layers), ``costcalc list``, the torch module builder and the tests all
iterate :data:`KINDS`, so adding a kind is one entry here plus its cost rule
(:mod:`costcalc.cost`) and its module (:mod:`costcalc.measure.modules`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from costcalc import specs as S


@dataclass(frozen=True)
class Kind:
    """A layer or block kind users can name in a spec file."""

    name: str
    category: str  # "layer" or "block"
    summary: str
    build: Callable[..., Any]
    spec_type: type


def _conv(**fields: Any) -> S.Conv2d:
    return S.Conv2d(**fields)


KINDS: tuple[Kind, ...] = (
    Kind("conv", "layer", "standard convolution, cost Df²·M·N·Dk² (MobileNet eq. 2)", _conv, S.Conv2d),
    Kind("depthwise", "layer", "depthwise convolution, one filter per channel, Df²·M·Dk² (MobileNet eq. 4)",
         S.depthwise, S.Conv2d),
    Kind("pointwise", "layer", "1×1 convolution, M·N·Df² (MobileNet §3.1)", S.pointwise, S.Conv2d),
    Kind("grouped", "layer", "group convolution, cost divided by g (ShuffleNet §3.1)", _conv, S.Conv2d),
    Kind("grouped_pointwise", "layer", "1×1 group convolution, M·N·Df²/g (ShuffleNet §3.1)", S.pointwise,
         S.Conv2d),
    Kind("shuffle", "layer", "channel shuffle across g groups, no arithmetic (ShuffleNet §3.1)",
         S.ChannelShuffle, S.ChannelShuffle),
    Kind("maxpool", "layer", "max pooling over a window", lambda **f: S.Pool2d("max", **f), S.Pool2d),
    Kind("avgpool", "layer", "average pooling over a window", lambda **f: S.Pool2d("avg", **f), S.Pool2d),
    Kind("global_avgpool", "layer", "global average pooling C×H×W → C×1×1 (MobileNet Table 1)",
         S.GlobalAvgPool, S.GlobalAvgPool),
    Kind("batchnorm", "layer", "batch normalisation, 2·C parameters (γ, β)", S.BatchNorm2d, S.BatchNorm2d),
    Kind("activation", "layer", "element-wise relu, relu6 or leaky_relu", S.Activation, S.Activation),
    Kind("flatten", "layer", "flatten C×H×W to a vector (a view)", S.Flatten, S.Flatten),
    Kind("linear", "layer", "fully-connected layer, in·out MACs", S.Linear, S.Linear),
    Kind("add", "layer", "element-wise sum of parallel paths (residual shortcut)", S.Branches, S.Branches),
    Kind("concat", "layer", "channel concatenation of parallel paths", S.Branches, S.Branches),
    Kind("separable", "block", "depthwise + pointwise, ratio 1/N + 1/Dk² (MobileNet)",
         S.DepthwiseSeparable, S.DepthwiseSeparable),
    Kind("shuffle_unit", "block", "ShuffleNet unit hw(2cm/g + 9m): group 1×1, shuffle, 3×3 dw, group 1×1",
         S.ShuffleUnit, S.ShuffleUnit),
    Kind("effnet_block", "block", "EffNet block: 1×1, 1×3 dw, 2×1 pool, 3×1 dw, 2×1 conv (stride 1×2)",
         S.EffNetBlock, S.EffNetBlock),
    Kind("bottleneck", "block", "ResNet bottleneck hw(2cm + 9m²), ResNeXt hw(2cm + 9m²/g) when groups > 1",
         S.Bottleneck, S.Bottleneck),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
