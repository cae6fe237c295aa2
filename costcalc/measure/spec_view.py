"""The papers' view of a recorded module: its :mod:`costcalc.engine.specs` spec (kind conv, depthwise, …, or linear).

Operators are costed by :mod:`costcalc.measure.operators`; a module that maps to a spec
(:func:`mapped_layer`) is also shown the way the papers write it (MobileNet eq. 2/4, ShuffleNet
§3.1), priced by ``analyze --suggest`` and given memory traffic and a roofline bound by ``bench``.
The spec is derived from the call that ran (the convolution operator's arguments), never rebuilt
from the module's attributes, so analyze, ``--suggest`` and ``bench`` price the same layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import nn

from costcalc.engine import specs
from costcalc.engine.cost import cost
from costcalc.engine.specs import Shape, SpecError, as_pair
from costcalc.measure.calls import ConvCall


def _padding(call: ConvCall) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) the convolution applied: its own ints, or for ``'same'`` torch's split
    (``dilation·(k − 1)`` per dimension, the odd one on the bottom/right) and 0 for ``'valid'``."""
    padding = call.padding
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        (top, left) = (d * (k - 1) // 2 for d, k in zip(call.dilation, call.weight[2:]))
        (height, width) = (d * (k - 1) for d, k in zip(call.dilation, call.weight[2:]))
        return (top, height - top, left, width - left)
    if isinstance(padding, str):
        raise SpecError(f"padding must be 'same', 'valid' or ints, got {padding!r}")
    return (padding[0], padding[0], padding[1], padding[1])


def call_spec(call: ConvCall | None) -> specs.Conv2d | None:
    """The spec of one recorded 2-D convolution call, built from what ran — the operator's own input,
    weight, stride, padding, dilation and groups (:mod:`costcalc.measure.calls`), never its module's
    attributes — and only when the spec's output is the output that ran; else ``None``."""
    if call is None or call.transposed or len(call.input) != 4 or len(call.weight) != 4:
        return None
    try:
        spec = specs.Conv2d(call.input[1], call.weight[0], as_pair(call.weight[2:], "kernel_size"),
                            as_pair(call.stride, "stride"), _padding(call), as_pair(call.dilation, "dilation"),
                            call.groups, call.bias)
        output = cost(spec, Shape(*call.input[1:])).output
    except SpecError:
        return None
    return spec if tuple(output) == call.output[1:] else None


def _one_call(analysis: Any, name: str, family: str) -> tuple[Any, Shape, int] | None:
    """The spec, per-sample input and samples per call of module ``name``'s ``family`` operators when every
    call ran the same one: a 2-D convolution (:func:`call_spec`; input ``C×H×W``, the call's own batch) or
    an ``nn.Linear`` on ``N×C`` (input ``C×1×1``); else ``None``."""
    calls = analysis.recording.calls.get(name, [])
    if family == "convolution":
        convs = {op.conv for op in analysis.recording.operators if op.module == name and op.family == family}
        call = convs.pop() if len(convs) == 1 else None
        spec = call_spec(call)
        return None if call is None or spec is None else (spec, Shape(*call.input[1:]), call.input[0])
    module = analysis.modules.get(name)
    if family == "matmul" and isinstance(module, nn.Linear) and calls and all(len(call[0]) == 2 for call in calls):
        linear = specs.Linear(module.in_features, module.out_features, module.bias is not None)
        return linear, Shape(calls[0][0][1], 1, 1), calls[0][0][0]
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

    The one rule, for ``analyze --suggest`` and ``bench``: a row maps to a spec when

    * every call of the module ran exactly one MAC operator (a subclass whose ``forward`` convolves
      twice is not its spec), the same each time: for a convolution, the same recorded call — input
      shape, weight, stride, padding, dilation, groups as the operator received them, so a layer that
      pads in ``forward`` (timm's ``Conv2dSame``, ``padding_mode='reflect'``) is the convolution that ran
      on the padded input; for a ``Linear``, the same ``N×C`` input;
    * the spec's exact cost over its runs is the MACs analyze recorded for the row (a check, so a
      mapping never prices another layer than the one that ran).

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
    mapped = _one_call(analysis, name, row["family"])
    if mapped is None:
        return None
    spec, shape, batch = mapped
    layer = MappedLayer(spec, shape, len(calls) * batch)
    return layer if cost(spec, shape).macs * layer.runs == row["macs"] else None
