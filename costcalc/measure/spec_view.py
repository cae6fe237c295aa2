"""The papers' view of a ``Conv2d`` module: its :mod:`costcalc.specs` spec (kind conv, depthwise, …).

Operators are costed by :mod:`costcalc.measure.operators`; a ``Conv2d`` module that maps to a spec
is also shown the way the papers write it (MobileNet eq. 2/4, ShuffleNet §3.1) and priced by
``--suggest``.
"""

from __future__ import annotations

from torch import nn

from costcalc import specs
from costcalc.specs import Shape, SpecError


def _conv_padding(module: nn.Conv2d) -> tuple[int, int, int, int]:
    """(top, bottom, left, right); for 'same'/'valid' the padding torch will apply."""
    if isinstance(module.padding, str):
        left, right, top, bottom = module._reversed_padding_repeated_twice
        return (top, bottom, left, right)
    return (module.padding[0], module.padding[0], module.padding[1], module.padding[1])


def conv_spec(module: nn.Module, input_shape: tuple[int, ...]) -> specs.Conv2d | None:
    """The spec of a zero-padded ``nn.Conv2d`` run on an ``N×C×H×W`` input, else ``None``."""
    if not isinstance(module, nn.Conv2d) or len(input_shape) != 4 or module.padding_mode != "zeros":
        return None
    try:
        return specs.Conv2d(module.in_channels, module.out_channels, module.kernel_size, module.stride,
                            _conv_padding(module), module.dilation, module.groups, module.bias is not None)
    except SpecError:
        return None


def conv_input(input_shape: tuple[int, ...]) -> Shape:
    """An ``N×C×H×W`` input as the engine's per-image ``C×H×W``."""
    return Shape(*input_shape[1:])


def layer_spec(module: nn.Module, input_shape: tuple[int, ...]) -> tuple[specs.Conv2d | specs.Linear, Shape] | None:
    """The engine's spec and per-sample input of a module call the papers' formulas cover: a
    zero-padded ``Conv2d`` on ``N×C×H×W`` (:func:`conv_spec`) or a ``Linear`` on ``N×C``; else ``None``."""
    conv = conv_spec(module, input_shape)
    if conv is not None:
        return conv, conv_input(input_shape)
    if isinstance(module, nn.Linear) and len(input_shape) == 2:
        return specs.Linear(module.in_features, module.out_features, module.bias is not None), Shape(input_shape[1], 1, 1)
    return None
