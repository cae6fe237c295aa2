"""What one recorded convolution call was, read from its arguments by the operator's schema names.

A module's attributes say what its author meant; the call says what ran. timm's ``Conv2dSame`` keeps
``padding=0`` and pads in ``forward`` (``F.pad``, then the convolution on the padded tensor), a
``padding_mode='reflect'`` conv does the same, and a functional ``F.conv2d`` has no module attributes
at all: the layer the papers' formulas should price is the convolution operator's own input, stride,
padding, dilation and groups. Every convolution overload names them alike (``convolution``,
``conv2d``, ``_convolution_mode``, ``mkldnn_convolution``, …), only in different positions, so
they are read by name (:func:`costcalc.measure.operators.bind`), never by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


def _ints(value: Any, rank: int) -> tuple[int, ...]:
    """An int or int list argument as ``rank`` ints (torch broadcasts a single value)."""
    values = tuple(int(item) for item in value) if isinstance(value, (list, tuple)) else (int(value),)
    return values * rank if len(values) == 1 else values


@dataclass(frozen=True)
class ConvCall:
    """One convolution as it ran: shapes of its input, weight and output, and its arguments.

    ``padding`` is a tuple of ints per spatial dimension, or the string torch was given (``'same'``,
    ``'valid'``: ``_convolution_mode``).
    """

    input: tuple[int, ...]
    weight: tuple[int, ...]
    output: tuple[int, ...]
    bias: bool
    stride: tuple[int, ...]
    padding: tuple[int, ...] | str
    dilation: tuple[int, ...]
    groups: int
    transposed: bool


def conv_call(named: dict[str, Any], out: Any) -> ConvCall | None:
    """The :class:`ConvCall` of a convolution operator's call (its arguments ``named`` by schema), ``None``
    when the schema lacks the convolution's (``input``/``self``, ``weight``, ``stride``, ``padding``,
    ``dilation``, ``groups``)."""
    source = named.get("input", named.get("self"))
    weight = named.get("weight")
    if not (isinstance(source, torch.Tensor) and isinstance(weight, torch.Tensor) and isinstance(out, torch.Tensor)):
        return None
    if not {"stride", "padding", "dilation", "groups"} <= named.keys():
        return None
    rank = weight.dim() - 2
    padding = named["padding"]
    return ConvCall(tuple(source.shape), tuple(weight.shape), tuple(out.shape), named.get("bias") is not None,
                    _ints(named["stride"], rank), padding if isinstance(padding, str) else _ints(padding, rank),
                    _ints(named["dilation"], rank), int(named["groups"]), bool(named.get("transposed", False)))
