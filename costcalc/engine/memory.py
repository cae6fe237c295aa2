"""Analytic memory traffic: what each layer reads and writes, and the peak of live activations.

Pure Python and exact integers; never imports torch. The model is the *unfused, ideal-cache*
one of ShuffleNet V2 (Ma et al. 2018, §2, guideline G1): every layer reads each of its input
activations once, writes each output activation once, and reads each of its parameters once.
Counts are **elements** for batch 1; :meth:`Memory.bytes` multiplies by the dtype's size.

Per leaf kind (``read`` / ``written`` / ``weights``):

* convolution, linear — input / output / weights + biases. For a 1×1 convolution at stride 1
  without bias this is ShuffleNet V2's memory access cost ``MAC = hw(c1 + c2) + c1·c2``
  (``c1·c2/g`` when grouped, guideline G2); :func:`shufflenet_v2_mac` gives the closed form.
* batch norm — input / output / ``4·C``: γ and β plus the running mean and variance that
  inference reads (``2·C`` more than the trainable parameters).
* activation, pool, global pool, channel shuffle — input / output / 0 (pools read each input
  element once: an ideal cache keeps overlapping windows).
* flatten, channel split — 0 / 0 / 0 (views).
* ``add`` merge — ``k`` inputs of the output's size / output / 0 for ``k`` paths;
  ``concat`` — the output's size / output / 0 (copies each input once); ``scale``
  (squeeze-excitation) — the map plus one value per channel and gate / output / 0
  (:meth:`costcalc.engine.specs.Merge.reads`).

:func:`peak_activations` gives the peak activation memory of a spec — see its docstring for
the liveness model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from costcalc.engine.cost import CostReport, LayerCost, cost
from costcalc.engine.dtypes import BY_NAME, MEMORY_DTYPES
from costcalc.engine.specs import Branches, ChannelSplit, Conv2d, Flatten, Network, Shape, SpecError

VIEWS = (Flatten, ChannelSplit)
"""Layers that are views of their input (no copy): no traffic, and no tensor of their own."""

DTYPES: dict[str, int] = {name: BY_NAME[name].bytes for name in MEMORY_DTYPES}
"""Bytes per element of each supported ``--dtype`` (the memory dtypes of :mod:`costcalc.engine.dtypes`)."""


def dtype_size(dtype: str) -> int:
    """Bytes per element of ``dtype``; raises :class:`SpecError` naming the valid choices."""
    try:
        return DTYPES[dtype]
    except KeyError:
        raise SpecError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}") from None


@dataclass(frozen=True)
class Memory:
    """Memory traffic of a layer (or a sum of layers), in elements, with its MACs and dtype size."""

    read: int
    written: int
    weights: int
    macs: int = 0
    itemsize: int = 4

    @property
    def total(self) -> int:
        """``read + written + weights`` (elements)."""
        return self.read + self.written + self.weights

    @property
    def bytes(self) -> int:
        """``total × itemsize``."""
        return self.total * self.itemsize

    @property
    def intensity(self) -> Fraction | None:
        """Arithmetic intensity: MACs per byte moved (``None`` when nothing moves)."""
        return Fraction(self.macs, self.bytes) if self.bytes else None

    def __add__(self, other: Memory) -> Memory:
        if self.itemsize != other.itemsize:
            raise ValueError("cannot add memory traffic of different dtypes")
        return Memory(self.read + other.read, self.written + other.written, self.weights + other.weights,
                      self.macs + other.macs, self.itemsize)

    def batched(self, batch: int) -> Memory:
        """Traffic for ``batch`` samples: activations and MACs scale, weights are read once."""
        return Memory(self.read * batch, self.written * batch, self.weights, self.macs * batch, self.itemsize)


def _weights_read(layer: LayerCost) -> int:
    running_statistics = layer.norm_params if layer.kind == "batchnorm" else 0
    return layer.weights + layer.biases + layer.norm_params + running_statistics


def layer_memory(layer: LayerCost, dtype: str = "float32") -> Memory:
    """The traffic of one leaf layer (see the module docstring for the rule of each kind)."""
    itemsize = dtype_size(dtype)
    spec = layer.spec
    if isinstance(spec, VIEWS):
        read = written = 0
    elif isinstance(spec, Branches):
        read, written = spec.merge_rule.reads(layer.output, len(spec.paths)), layer.output.numel
    else:
        read, written = layer.input.numel, layer.output.numel
    return Memory(read, written, _weights_read(layer), layer.macs, itemsize)


def memory_sum(memories: Iterable[Memory], dtype: str = "float32") -> Memory:
    """The traffic of layers run one after another, each on its own (unfused): every field summed —
    read, written, weights and MACs; no layers move nothing."""
    return sum(memories, Memory(0, 0, 0, 0, dtype_size(dtype)))


def report_memory(report: CostReport, dtype: str = "float32") -> Memory:
    """The summed traffic of every leaf layer of ``report`` (each layer run on its own, unfused)."""
    return memory_sum((layer_memory(layer, dtype) for layer in report.layers), dtype)


def shufflenet_v2_mac(layer: LayerCost) -> int | None:
    """ShuffleNet V2's memory access cost ``hw(c1 + c2) + c1·c2/g`` of a 1×1 convolution.

    Ma et al. 2018, §2 (G1, and G2 for groups): ``h·w`` the feature map, ``c1`` input and ``c2``
    output channels. Applies to 1×1 convolutions at stride 1 (input and output maps equal);
    ``None`` for any other layer. Without bias it equals ``read + written + weights``.
    """
    spec = layer.spec
    if not isinstance(spec, Conv2d) or spec.kernel_size != (1, 1) or layer.input[1:] != layer.output[1:]:
        return None
    c1, c2, area = spec.in_channels, spec.out_channels, layer.input.height * layer.input.width
    return area * (c1 + c2) + c1 * c2 // spec.groups


def memory_payload(memory: Memory, layer: LayerCost | None = None) -> dict[str, Any]:
    """The JSON ``"memory"`` object: ``read``, ``written``, ``weights``, ``total`` (elements),
    ``bytes`` and ``intensity`` (MACs per byte); plus ``shufflenet_v2_mac`` when ``layer`` is a
    1×1 convolution it applies to."""
    intensity = memory.intensity
    payload: dict[str, Any] = {"read": memory.read, "written": memory.written, "weights": memory.weights,
                               "total": memory.total, "bytes": memory.bytes,
                               "intensity": None if intensity is None else round(float(intensity), 6)}
    mac = shufflenet_v2_mac(layer) if layer is not None else None
    if mac is not None:
        payload["shufflenet_v2_mac"] = mac
    return payload


# --- peak activation memory -------------------------------------------------------------------


@dataclass(frozen=True)
class Peak:
    """Peak live activations (elements, batch 1): where it happens and which tensors are live."""

    elements: int
    layer: str
    live: tuple[str, ...]
    itemsize: int = 4

    @property
    def bytes(self) -> int:
        return self.elements * self.itemsize


def peak_activations(spec: Any, shape: Shape | None = None, dtype: str = "float32") -> Peak:
    """Peak activation memory of running ``spec`` (or a :class:`Network`) on one sample.

    The model: ops run one at a time in definition order; no op works in place. While an op
    runs, the live tensors are its inputs, its output, and every tensor produced earlier that a
    later op still reads — the shortcut a residual block holds across its main path, the finished
    paths of a concatenation waiting for the others — plus the network input until its last use.
    The network's final output stays live to the end. Peak = the maximum over ops of the summed
    sizes of live tensors. Weights are not included (they are read, not held as activations).
    The dataflow is the one :func:`costcalc.engine.cost.cost` records (``LayerCost.sources``); a flatten
    is a view of its input, not a new tensor.
    """
    if isinstance(spec, Network):
        shape, spec = spec.input_shape, spec.body
    if shape is None:
        raise SpecError("peak_activations needs an input shape")
    report = cost(spec, shape)
    tensor_of = {"": ""}  # layer name → the tensor holding its output ("" = the input)
    sizes, labels = {"": shape.numel}, {"": "input"}
    ops: list[tuple[str, tuple[str, ...], str]] = []  # (layer, tensors read, tensor written)
    for layer in report.layers:
        inputs = tuple(tensor_of[source] for source in layer.sources)
        if isinstance(layer.spec, VIEWS):
            tensor_of[layer.name] = inputs[0]
            continue
        tensor_of[layer.name] = layer.name
        sizes[layer.name], labels[layer.name] = layer.output.numel, layer.name
        ops.append((layer.name, inputs, layer.name))
    last_use = {"": -1}
    for index, (_, inputs, _) in enumerate(ops):
        for tensor in inputs:
            last_use[tensor] = index
    last_use[tensor_of[_last_name(report)]] = len(ops)
    dies: dict[int, list[str]] = {}  # op index → tensors live for the last time there (one pass, not one per op)
    for index, (_, _, output) in enumerate(ops):
        dies.setdefault(max(last_use.get(output, index), index), []).append(output)
    live = {"": None} if last_use[""] >= 0 else {}  # in the order the tensors were made
    dies.setdefault(last_use[""], []).append("")
    elements = shape.numel if live else 0
    best = Peak(shape.numel, "input", ("input",), dtype_size(dtype))
    for index, (name, _, output) in enumerate(ops):
        live[output] = None
        elements += sizes[output]
        if elements > best.elements:
            best = Peak(elements, name, tuple(labels[tensor] for tensor in live), best.itemsize)
        for tensor in dies.get(index, ()):
            elements -= sizes[tensor]
            del live[tensor]
    return best


def _last_name(report: CostReport) -> str:
    return report.layers[-1].name if report.layers else ""


def report_payload(report: CostReport, dtype: str = "float32") -> dict[str, Any]:
    """:func:`memory_payload` of a whole report (a compare row or a network's totals).

    A one-layer report also carries that layer's ``shufflenet_v2_mac`` where it applies.
    """
    layer = report.layers[0] if len(report.layers) == 1 else None
    return memory_payload(report_memory(report, dtype), layer)


def peak_payload(peak: Peak) -> dict[str, Any]:
    """The JSON ``"peak_activations"`` object: elements, bytes, the op where it happens, live tensors."""
    return {"elements": peak.elements, "bytes": peak.bytes, "layer": peak.layer, "live": list(peak.live)}
