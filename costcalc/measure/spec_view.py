"""The papers' view of a recorded module: its :mod:`costcalc.engine.specs` spec (kind conv, depthwise, …, or linear).

Operators are costed by :mod:`costcalc.measure.operators`; a module that maps to a spec
(:func:`mapped_layer`) is also shown the way the papers write it (MobileNet eq. 2/4, ShuffleNet
§3.1), priced by ``analyze --suggest`` and given memory traffic and a roofline bound by ``bench``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from costcalc.engine import specs
from costcalc.engine.specs import Shape, SpecError


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


def _spec_and_input(module: nn.Module | None, input_shape: tuple[int, ...]) -> tuple[Any, Shape] | None:
    """The spec and per-sample input of one call: a zero-padded ``Conv2d`` on ``N×C×H×W``
    (:func:`conv_spec`, input ``C×H×W``) or a ``Linear`` on ``N×C`` (input ``C×1×1``); else ``None``."""
    conv = conv_spec(module, input_shape)
    if conv is not None:
        return conv, Shape(*input_shape[1:])
    if isinstance(module, nn.Linear) and len(input_shape) == 2:
        return specs.Linear(module.in_features, module.out_features, module.bias is not None), Shape(input_shape[1], 1, 1)
    return None


@dataclass(frozen=True)
class MappedLayer:
    """A recorded module as one spec: the spec, the per-sample input it ran on, and ``runs`` —
    how many times it ran on such an input in the recorded forward (calls × the calls' batch)."""

    spec: specs.Conv2d | specs.Linear
    input: Shape
    runs: int


def mapped_layer(analysis: Any, row: dict[str, Any]) -> MappedLayer | None:
    """The spec of one row of ``analysis.layers()`` (one module's MAC operators), else ``None``.

    The one rule, for ``analyze --suggest`` and ``bench``: a module maps to a spec when

    * it is a zero-padded ``Conv2d`` on ``N×C×H×W`` or a ``Linear`` on ``N×C`` (the layers the
      papers' formulas cover);
    * every call had the same input shape;
    * every call ran exactly one MAC operator (a subclass whose ``forward`` convolves twice is not
      its spec).

    A module called several times on the same input is the same layer each time: its spec is
    well defined and each call costs that spec's MACs, so it maps with ``runs = calls × N`` (each of
    the ``N`` samples of a call is one run). Callers multiply the spec's per-sample cost by
    ``runs``: ``--suggest`` prices every run, ``bench`` repeats the layer per timed sample.
    """
    name = "" if row["name"] == "(model)" else row["name"]
    calls = analysis.recording.calls.get(name, [])
    if not calls or any(call[0] != calls[0][0] for call in calls):
        return None
    if sum(row["operators"].values()) != len(calls) or len(row["macs_per_call"]) != len(calls):
        return None
    mapped = _spec_and_input(analysis.modules.get(name), calls[0][0])
    return None if mapped is None else MappedLayer(*mapped, len(calls) * calls[0][0][0])
