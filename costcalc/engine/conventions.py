"""What each counter counts, as analytic rules over :class:`costcalc.engine.cost.LayerCost` (pure Python, no torch).

The papers count conv + linear MACs only (:attr:`LayerCost.macs`). The two counters differ:

* **fvcore** ``FlopCountAnalysis`` (modules in eval mode) counts one "flop" per conv/linear MAC
  (bias excluded), batch norm as ``2·numel`` (scale and shift with running statistics),
  adaptive average pooling as one per input element, and skips everything else: ReLU,
  LeakyReLU, max and average ``pool2d``, add, cat, the shuffle's view/transpose, pad, flatten.
* ``torch.utils.flop_counter.FlopCounterMode`` counts ``2`` per conv/linear MAC (bias excluded)
  and nothing else.

Each counted kind is one :class:`Rule`: the analytic count and the named cause of its difference
from the papers' MACs. What a rule does not cover (its ``other_ops`` categories, and the explicit
pad of an asymmetrically padded conv) is reported by :func:`skipped` with the analytic estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from costcalc.engine.cost import LayerCost
from costcalc.engine.specs import BatchNorm2d, Conv2d, GlobalAvgPool, Linear

FVCORE_MAC_OPERATORS = frozenset({"conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum", "baddbmm"})
"""fvcore's operator names whose counts are multiply-accumulates (convolutions, fully-connected layers,
matrix products): one per MAC, as the papers' Mult-Adds."""


@dataclass(frozen=True)
class Rule:
    """One counted kind: ``count(layer)`` and the ``other_ops`` categories that count accounts for."""

    count: Callable[[LayerCost], int]
    cause: str = ""
    covers: tuple[str, ...] = ()


def _macs(layer: LayerCost) -> int:
    return layer.macs


def _twice_macs(layer: LayerCost) -> int:
    return 2 * layer.macs


def _batchnorm(layer: LayerCost) -> int:
    """fvcore ``batchnorm_flop_jit`` in eval mode with affine γ, β: ``2·N·C·H·W``."""
    return 2 * layer.input.numel


def _adaptive_pool(layer: LayerCost) -> int:
    """fvcore ``adaptive_avg_pool2d``: one per input element, ``N·C·H·W``."""
    return layer.input.numel


FVCORE: dict[type, Rule] = {
    Conv2d: Rule(_macs),
    Linear: Rule(_macs),
    BatchNorm2d: Rule(_batchnorm, "batch norm: fvcore counts 2 per element (eval mode)", ("batchnorm",)),
    GlobalAvgPool: Rule(_adaptive_pool, "pooling: fvcore counts adaptive avg pool, 1 per input element", ("pool",)),
}
FLOP_COUNTER: dict[type, Rule] = {
    Conv2d: Rule(_twice_macs, "×2 convention: FlopCounterMode counts 2 FLOPs per MAC"),
    Linear: Rule(_twice_macs, "×2 convention: FlopCounterMode counts 2 FLOPs per MAC"),
}


def count(convention: dict[type, Rule], layer: LayerCost) -> int:
    """The count ``convention`` gives ``layer``; ``0`` for a kind it skips (see :func:`skipped`)."""
    rule = convention.get(type(layer.spec))
    return rule.count(layer) if rule else 0


def cause(convention: dict[type, Rule], layer: LayerCost) -> str:
    """The named cause of ``count − macs`` for ``layer`` ('' when they agree)."""
    rule = convention.get(type(layer.spec))
    return rule.cause if rule and rule.count(layer) != layer.macs else ""


def pad_elements(layer: LayerCost) -> int:
    """Elements written by the explicit pad of an asymmetrically padded conv: ``C·(H + t + b)·(W + l + r)``."""
    spec = layer.spec
    if not isinstance(spec, Conv2d) or spec.symmetric_padding is not None:
        return 0
    top, bottom, left, right = spec.padding
    return layer.input.channels * (layer.input.height + top + bottom) * (layer.input.width + left + right)


def skipped(convention: dict[type, Rule], layer: LayerCost) -> dict[str, int]:
    """The ``layer``'s other ops the convention does not count, by category, with the analytic estimate."""
    rule = convention.get(type(layer.spec))
    covered = rule.covers if rule else ()
    ops = {category: ops for category, ops in layer.other_ops.items() if category not in covered}
    pad = pad_elements(layer)
    if pad:
        ops["pad"] = pad
    return ops
