"""PyTorch modules built from specs: the same definition the analytic engine costs.

:func:`build_module` turns any spec into an ordinary, trainable ``nn.Module`` whose submodule
names are the analytic engine's layer names (``features.3.dw``), so a counter's per-module
numbers line up with :func:`costcalc.engine.cost.cost`'s per-layer rows one to one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import reduce
from typing import Any

import torch
import torch.nn.functional as functional
from torch import nn

from costcalc.engine import specs as S


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle: ``(N, g·n, H, W) → view (N, g, n, H, W) → transpose → flatten``."""
    batch, channels, height, width = x.shape
    return x.view(batch, groups, channels // groups, height, width).transpose(1, 2).reshape(
        batch, channels, height, width)


class ChannelShuffle(nn.Module):
    """Module wrapper of :func:`channel_shuffle`."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class PaddedConv2d(nn.Conv2d):
    """A convolution with asymmetric zero padding ``(top, bottom, left, right)`` (Keras 'same' for even kernels)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple[int, int], stride: tuple[int, int],
                 dilation: tuple[int, int], groups: int, bias: bool, sides: tuple[int, int, int, int]) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding=0, dilation=dilation, groups=groups,
                         bias=bias)
        self.sides = sides

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom, left, right = self.sides
        return super().forward(functional.pad(x, (left, right, top, bottom)))

    def extra_repr(self) -> str:
        # untyped_calls_exclude skips super() calls (mypy#16653)
        return super().extra_repr() + f", sides={self.sides}"  # type: ignore[no-untyped-call]


class ChannelSplit(nn.Module):
    """ShuffleNet V2's channel split: slice ``index`` of ``parts`` equal chunks (a view)."""

    def __init__(self, parts: int, index: int):
        super().__init__()
        self.parts, self.index = parts, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.chunk(self.parts, dim=1)[self.index]

    def extra_repr(self) -> str:
        return f"parts={self.parts}, index={self.index}"


class Branches(nn.Module):
    """Parallel named paths on the same input, merged as their :class:`costcalc.engine.specs.Merge` says:
    folded by its element-wise operator (``add``; ``scale``, the first path times the others broadcast
    over ``H×W``: squeeze-excitation) or concatenated along the channels (``concat``).

    Each path is a direct child (``branches.main``), so module names equal the analytic layer names.
    """

    def __init__(self, paths: dict[str, nn.Module], merge: str):
        super().__init__()
        for name, path in paths.items():
            self.add_module(name, path)
        self.merge = merge

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [path(x) for path in self.children()]
        combine = S.MERGES[self.merge].combine
        return torch.cat(outputs, dim=1) if combine is None else reduce(combine, outputs)

    def extra_repr(self) -> str:
        return f"merge={self.merge}"


class Block(nn.Sequential):
    """A block (separable, ShuffleNet unit, EffNet block, bottleneck, inverted residual, SE, …) built from its spec."""

    def __init__(self, spec: Any):
        super().__init__(_sequential_children(spec.expand()))
        self.spec = spec


class Network(nn.Sequential):
    """A whole network built from a :class:`costcalc.engine.specs.Network`; ``forward`` takes ``(N, C, H, W)``."""

    def __init__(self, network: S.Network):
        super().__init__(_sequential_children(network.body))
        self.network = network


def _activation(spec: S.Activation) -> nn.Module:
    return {"relu": nn.ReLU, "relu6": nn.ReLU6, "leaky_relu": nn.LeakyReLU, "hardswish": nn.Hardswish,
            "swish": nn.SiLU, "sigmoid": nn.Sigmoid, "hardsigmoid": nn.Hardsigmoid}[spec.function]()


def _conv(spec: S.Conv2d) -> nn.Module:
    if spec.symmetric_padding is not None:
        return nn.Conv2d(spec.in_channels, spec.out_channels, spec.kernel_size, spec.stride, spec.symmetric_padding,
                         spec.dilation, spec.groups, spec.bias)
    return PaddedConv2d(spec.in_channels, spec.out_channels, spec.kernel_size, spec.stride, spec.dilation, spec.groups,
                        spec.bias, sides=spec.padding)


def _pool(spec: S.Pool2d) -> nn.Module:
    pool = nn.MaxPool2d if spec.mode == "max" else nn.AvgPool2d
    return pool(spec.kernel_size, spec.stride, spec.padding)


def _sequential_children(spec: S.Sequential) -> OrderedDict:
    return OrderedDict((name, build_module(child)) for name, child in spec.children)


def _branches(spec: S.Branches) -> nn.Module:
    return Branches({name: nn.Identity() if path is None else build_module(path) for name, path in spec.paths},
                    spec.merge)


BUILDERS: dict[type, Callable[[Any], nn.Module]] = {
    S.Conv2d: _conv,
    S.BatchNorm2d: lambda spec: nn.BatchNorm2d(spec.num_features),
    S.Activation: _activation,
    S.Pool2d: _pool,
    S.GlobalAvgPool: lambda spec: nn.AdaptiveAvgPool2d(1),
    S.ChannelShuffle: lambda spec: ChannelShuffle(spec.groups),
    S.ChannelSplit: lambda spec: ChannelSplit(spec.parts, spec.index),
    S.Flatten: lambda spec: nn.Flatten(),
    S.Linear: lambda spec: nn.Linear(spec.in_features, spec.out_features, bias=spec.bias),
    S.Sequential: lambda spec: nn.Sequential(_sequential_children(spec)),
    S.Branches: _branches,
    S.Network: Network,
    **{block: Block for block in S.BLOCKS},
}


def build_module(spec: Any) -> nn.Module:
    """The ``nn.Module`` for any spec, leaf, container, block or network."""
    try:
        builder = BUILDERS[type(spec)]
    except KeyError:
        raise TypeError(f"no torch module for {type(spec).__name__}") from None
    return builder(spec)
