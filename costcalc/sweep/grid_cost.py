"""Cost a sweep's grid from what varies: every convolution's MACs = a spatial term × a channel term.

A convolution costs ``H_out·W_out · C_out·(C_in/g)·Kh·Kw`` (MobileNet eq. 2 with groups). The
spatial term ``H_out·W_out`` depends only on the input resolution and on the layers' kernels,
strides, paddings and dilations and how they connect (the network's *skeleton*); the channel term
``C_out·(C_in/g)·Kh·Kw`` (the layer's weights) depends only on the widths. MobileNet §3.4 writes
the same product: the resolution multiplier ρ scales every spatial term by ρ², the width
multiplier α every channel term by about α². A fully-connected layer has no spatial term, and
parameters have none at all.

So a width × resolution grid of ``n_w·n_r`` configurations builds ``n_w + n_r`` networks, costs
each width once (its channel terms and params, :class:`Terms`) and each resolution once per
skeleton (its spatial terms), and takes one dot product per configuration: no network is rebuilt
when only one term changes. The result is the exact integer :func:`costcalc.engine.cost.cost` gives.

This holds when the resolution only sets the input shape (the body is the same spec at every
resolution of the grid, checked for each one) and the builder's checks of the resolution and of
the other options are independent (each is checked on its own; a combination that fails is
costed network by network for its note). A network whose body depends on the resolution
(EffNet's classifier reads the flattened map) or that has MACs outside convolutions and
fully-connected layers is costed network by network through :class:`CostCache`.

Pure Python, exact integers; never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from operator import mul
from typing import Any

from costcalc.engine.cost import LayerCost, conv_weights, cost
from costcalc.engine.specs import Branches, Conv2d, Linear, Network, Sequential, Shape, SpecError

SPATIAL_OPTION = "res"
"""The option that sets the input resolution (the spatial term)."""
Costed = tuple[int | None, int | None, str]
"""One configuration costed: ``(macs, params, "")``, or ``(None, None, why)`` when it is invalid."""
CHANNEL_FIELDS = frozenset({"in_channels", "out_channels", "groups", "num_features", "in_features", "out_features"})
"""Spec fields that change channel counts but never an output's height or width."""


@dataclass(frozen=True)
class Terms:
    """One network body costed once: its skeleton, each convolution's channel term, FC MACs, params,
    and the costed layers (whose specs and dataflow give the spatial terms at another input)."""

    skeleton: tuple[Any, ...]
    channel: tuple[int, ...]
    flat_macs: int
    params: int
    layers: tuple[LayerCost, ...]

    def macs(self, spatial: tuple[int, ...]) -> int:
        """``Σ spatial·channel`` over the convolutions, plus the fully-connected MACs."""
        return sum(map(mul, spatial, self.channel)) + self.flat_macs


@cache
def spatial_fields(spec_type: type) -> tuple[str, ...]:
    """The fields of a spec type that may change an output's height or width (all but channel counts)."""
    return tuple(item.name for item in fields(spec_type) if item.name not in CHANNEL_FIELDS) \
        if is_dataclass(spec_type) else ()


def spatial_signature(layer: Any) -> tuple[Any, ...]:
    """What decides a layer's output height and width: its name, inputs, type and every field but channel counts."""
    spec = layer.spec
    if isinstance(spec, Branches):  # a merge row: its shape follows from its sources
        return (layer.name, layer.sources, "merge", spec.merge)
    spec_type: type = type(spec)
    return (layer.name, layer.sources, spec_type.__name__, *(getattr(spec, name) for name in spatial_fields(spec_type)))


def terms(body: Any, shape: Shape) -> Terms | None:
    """The :class:`Terms` of ``body`` costed on ``shape``; ``None`` when a layer with MACs is neither
    a :class:`~costcalc.engine.specs.Conv2d` nor a :class:`~costcalc.engine.specs.Linear` (no factorization known)."""
    report = cost(body, shape)
    channel, flat = [], 0
    for layer in report.layers:
        if isinstance(layer.spec, Conv2d):
            channel.append(conv_weights(layer.spec))
        elif isinstance(layer.spec, Linear):
            flat += layer.macs
        elif layer.macs:
            return None
    return Terms(tuple(spatial_signature(layer) for layer in report.layers), tuple(channel), flat, report.params,
                 report.layers)


def spatial_terms(layers: tuple[LayerCost, ...], shape: Shape) -> tuple[int, ...]:
    """``H_out·W_out`` of every convolution when the costed ``layers`` get the input ``shape``.

    Follows the layers' recorded dataflow (``sources``): each leaf's output is its spec's
    ``output_shape`` of its source's output, each merge's is its :class:`~costcalc.engine.specs.Merge`'s
    ``output_shape`` of its sources' — the shapes :func:`costcalc.engine.cost.cost` would find, with its
    errors (SpecError).
    """
    outputs = {"": shape}
    spatial = []
    for layer in layers:
        if isinstance(layer.spec, Branches):
            output = layer.spec.merge_rule.output_shape([outputs[source] for source in layer.sources], layer.name)
        else:
            output = layer.spec.output_shape(outputs[layer.sources[0]])
        outputs[layer.name] = output
        if isinstance(layer.spec, Conv2d):
            spatial.append(output.height * output.width)
    return tuple(spatial)


class CostCache:
    """Network totals through a cache of ``(child spec, input shape) → (MACs, params, output)``.

    The network-by-network path: each top-level child of a :class:`~costcalc.engine.specs.Sequential`
    body is costed once with :func:`costcalc.engine.cost.cost` per input shape, so blocks shared across
    configurations are costed once. Totals equal ``cost(network.body, network.input_shape)``.
    """

    def __init__(self) -> None:
        self.children: dict[tuple[Any, Shape], tuple[int, int, Shape]] = {}

    def child(self, spec: Any, shape: Shape) -> tuple[int, int, Shape]:
        key = (spec, shape)
        found = self.children.get(key)
        if found is None:
            report = cost(spec, shape)
            found = self.children[key] = (report.macs, report.params, report.output)
        return found

    def totals(self, network: Network) -> tuple[int, int]:
        """``(macs, params)`` of ``network`` (conv + FC MACs; ``sum(p.numel())`` params)."""
        body, shape = network.body, network.input_shape
        if not isinstance(body, Sequential):
            return self.child(body, shape)[:2]
        macs = params = 0
        for _, child in body.children:
            child_macs, child_params, shape = self.child(child, shape)
            macs += child_macs
            params += child_params
        return macs, params


def build(entry: Any, options: tuple[tuple[str, Any], ...]) -> Network | str:
    """``entry.build(**options)``, or the error's text when the configuration is invalid."""
    try:
        return entry.build(**dict(options))
    except SpecError as error:
        return str(error)


def network_by_network(entry: Any, configs: list[Any], cache: CostCache | None = None) -> list[Costed]:
    """``(macs, params, note)`` per configuration, each network built and costed (through ``cache``)."""
    cache = cache or CostCache()
    results: list[Costed] = []
    for config in configs:
        network = build(entry, config.options)
        if isinstance(network, str):
            results.append((None, None, network))
            continue
        try:
            results.append((*cache.totals(network), ""))
        except SpecError as error:
            results.append((None, None, str(error)))
    return results


def _inputs(entry: Any, base: Network, with_res: Any, resolutions: list[Any]) -> dict[Any, Shape | None] | None:
    """The input shape at each resolution (``None`` where the builder refuses it), building the base
    width at each; ``None`` when the body changes with the resolution (not factorable)."""
    inputs: dict[Any, Shape | None] = {}
    for res in resolutions:
        network = build(entry, with_res(res))
        if not isinstance(network, str) and network.body != base.body:
            return None
        inputs[res] = None if isinstance(network, str) else network.input_shape
    return inputs


def _width_terms(networks: dict[tuple, Network | str], base: Network) -> dict[tuple, Terms | None] | None:
    """Each width's :class:`Terms` (``None`` for a width its builder or the engine refuses); ``None``
    when the input shape depends on a width or a layer's MACs cannot be factored."""
    by_width: dict[tuple, Terms | None] = {}
    for width, network in networks.items():
        if isinstance(network, str):
            by_width[width] = None
            continue
        if network.input_shape != base.input_shape:
            return None
        try:
            found = terms(network.body, base.input_shape)
        except SpecError:
            by_width[width] = None
            continue
        if found is None:
            return None
        by_width[width] = found
    return by_width


def factored(entry: Any, configs: list[Any]) -> list[Costed] | None:
    """``(macs, params, note)`` per configuration from spatial and channel terms, or ``None`` when the
    grid cannot be factored (see the module docstring) and must be costed network by network.

    Builds each width at the first resolution and the first buildable width at each resolution;
    spatial terms are computed once per (skeleton, resolution); configurations the builder or the
    engine refuses are costed network by network for their exact note.
    """
    if SPATIAL_OPTION not in entry.grid_options or not configs:
        return None
    at = [key for key, _ in configs[0].options].index(SPATIAL_OPTION)
    split = [(config.options[:at] + config.options[at + 1:], config.options[at][1]) for config in configs]
    widths, resolutions = list(dict.fromkeys(key for key, _ in split)), list(dict.fromkeys(res for _, res in split))

    def options(width: tuple, res: Any) -> tuple:
        return width[:at] + ((SPATIAL_OPTION, res),) + width[at:]

    networks = {width: build(entry, options(width, resolutions[0])) for width in widths}
    buildable = [(width, network) for width, network in networks.items() if not isinstance(network, str)]
    if not buildable:
        return None
    base_width, base = buildable[0]
    inputs = _inputs(entry, base, lambda res: options(base_width, res), resolutions)
    if inputs is None:
        return None
    by_width = _width_terms(networks, base)
    if by_width is None:
        return None
    skeletons: dict[tuple, int] = {}  # skeleton → its number (hashed once per width, not per configuration)
    numbers = {width: skeletons.setdefault(found.skeleton, len(skeletons))
               for width, found in by_width.items() if found is not None}
    layers = {numbers[width]: found.layers for width, found in by_width.items() if found is not None}
    spatial: dict[tuple[int, Any], tuple[int, ...] | None] = {}
    results: list[Costed | None] = []
    for width, res in split:
        found, shape = by_width[width], inputs[res]
        if found is None or shape is None:
            results.append(None)
            continue
        key = (numbers[width], res)
        if key not in spatial:
            try:
                spatial[key] = spatial_terms(layers[key[0]], shape)
            except SpecError:
                spatial[key] = None
        here = spatial[key]
        results.append(None if here is None else (found.macs(here), found.params, ""))
    invalid = [index for index, result in enumerate(results) if result is None]
    remedied = dict(zip(invalid, network_by_network(entry, [configs[index] for index in invalid])))
    return [remedied[index] if result is None else result for index, result in enumerate(results)]


def cost_grid(entry: Any, configs: list[Any]) -> list[Costed]:
    """``(macs, params, note)`` for every configuration of one network: factored when possible."""
    return factored(entry, configs) or network_by_network(entry, configs)
