"""EffNet (Freeman, Roese-Koerner and Kummert 2018, "EffNet: An Efficient Structure for
Convolutional Neural Networks", arXiv 1801.06434), as its reference implementation
arthurdouillard/keras-effnet (``effnet.py``) builds it for 32×32 inputs.

Three :class:`~costcalc.engine.specs.EffNetBlock` s — 1×1 conv → ``mid``; 1×3 depthwise; 2×1 max pool
(stride 2×1, "separable pooling"); 3×1 depthwise; 2×1 conv → ``out`` with stride 1×2 — then
flatten and a dense classifier (with bias). Each block halves both sides of the map.

The article's two cost claims, shown on this network by :func:`depthwise_claim` and
:func:`first_layer_claim`:

* the 1×3 / pool / 3×1 depthwise pair costs ``3·Df²·M + 3·(Df²/2)·M = 1.5·(3·Df²·M)`` against
  ``9·Df²·M`` for a 3×3 depthwise on the same map — exactly one half;
* using an EffNet block as the *first* layer saves computation in that layer.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from costcalc.engine.cost import cost
from costcalc.engine.specs import (
    Conv2d,
    EffNetBlock,
    Flatten,
    Linear,
    Network,
    Pool2d,
    Shape,
    conv_bn_act,
    depthwise,
    sequence,
)
from costcalc.engine.zoo import ModelEntry, register
from costcalc.engine.zoo.checks import check_classes, check_res
from costcalc.formatting import dims

MIN_RES = 8

# keras-effnet Effnet(): get_block(x, ch_in, ch_out) — columns: mid_channels (the code's ch_in), out_channels.
BLOCKS: tuple[tuple[int, int], ...] = (
    (32, 64),
    (64, 128),
    (128, 256),
)


def effnet(res: int = 32, classes: int = 10) -> Network:
    """The reference EffNet on a ``3×res×res`` input with ``classes`` outputs (CIFAR-10 by default)."""
    res = check_res(res, MIN_RES, "each of the three blocks halves the height with a 2×1 pool")
    classes = check_classes(classes)
    channels, layers = 3, []
    for index, (mid, out) in enumerate(BLOCKS, start=1):
        layers.append((f"block{index}", EffNetBlock(channels, out, mid_channels=mid)))
        channels = out
    body = sequence(*layers)
    features = cost(body, Shape(3, res, res)).output
    body = sequence(*layers, ("flatten", Flatten()), ("fc", Linear(features.numel, classes)))
    return Network(f"EffNet-{res}", Shape(3, res, res), body, {"res": res, "classes": classes},
                   "channels as keras-effnet (no width rounding)")


def _blocks(network: Network) -> list[tuple[str, EffNetBlock, Shape]]:
    shape, found = network.input_shape, []
    for name, child in network.body.children:
        if isinstance(child, EffNetBlock):
            found.append((name, child, shape))
        shape = cost(child, shape).output
    return found


def depthwise_claim(network: Network) -> list[dict[str, Any]]:
    """Per block: MACs of the 1×3 dw + 3×1 dw pair against a 3×3 depthwise on the same map.

    The pair costs ``3·H·W·M + 3·(H/2)·W·M``; the 3×3 depthwise ``9·H·W·M`` (``M`` the block's
    middle channels, ``H×W`` its input map): ratio 1/2 for even ``H``.
    """
    rows = []
    for name, block, shape in _blocks(network):
        report = cost(block, shape, name)
        pair = sum(layer.macs for layer in report.layers if layer.kind == "depthwise")
        mid_map = Shape(block.mid_channels, shape.height, shape.width)
        full = cost(depthwise(block.mid_channels, block.kernel), mid_map).macs
        rows.append({"block": name, "separable_depthwise_macs": pair, "depthwise_3x3_macs": full,
                     "ratio": Fraction(pair, full)})
    return rows


def first_layer_claim(network: Network) -> dict[str, Any]:
    """The first EffNet block against the usual first layer giving the same output.

    Compared with: a 3×3 convolution ``3 → out`` at stride 1 on the full input, then a 2×2 max
    pool (the first layer of the article's CIFAR baseline, conv + pool), which also yields
    ``out × H/2 × W/2``. Also reported: the stride-2 3×3 convolution the block stands for
    (:meth:`EffNetBlock.standard`) — with only 3 input channels that one is *cheaper* than the block.
    """
    name, block, shape = _blocks(network)[0]
    ours = cost(block, shape, name)
    conv_pool = sequence(*conv_bn_act("conv", Conv2d(shape.channels, block.out_channels, block.kernel),
                                      "leaky_relu", act_first=True), ("pool", Pool2d("max", 2, 2)))
    reference = cost(conv_pool, shape)
    standard = cost(block.standard(), shape)
    return {"block": name, "output": list(ours.output), "block_macs": ours.macs,
            "conv_pool_macs": reference.macs, "conv_pool_output": list(reference.output),
            "saving": 1 - Fraction(ours.macs, reference.macs),
            "stride2_conv_macs": standard.macs, "vs_stride2_conv": Fraction(ours.macs, standard.macs)}


def notes(options: dict[str, Any]) -> list[str]:
    network = effnet(**options)
    lines = []
    for row in depthwise_claim(network):
        lines.append(f"{row['block']}: 1×3 + 3×1 depthwise = {row['separable_depthwise_macs']:,} MACs vs "
                     f"3×3 depthwise {row['depthwise_3x3_macs']:,} (ratio {float(row['ratio']):.4g}; "
                     f"paper: 1.5·(3·Df²·M) vs 9·Df²·M = 1/2)")
    first = first_layer_claim(network)
    lines.append(f"first layer: {first['block']} = {first['block_macs']:,} MACs vs 3×3 conv stride 1 + 2×2 max pool "
                 f"(same {dims(first['output'])} output) {first['conv_pool_macs']:,}: saves "
                 f"{float(first['saving']) * 100:.1f} % (paper: ~30 %); vs a stride-2 3×3 conv "
                 f"{first['stride2_conv_macs']:,}: {float(first['vs_stride2_conv']):.2f}×")
    return lines


register(ModelEntry(
    "effnet", (), "EffNet (Freeman et al. 2018), keras-effnet reference: three EffNet blocks + dense; --res --classes",
    effnet, ("res", "classes"), {"res": 32, "classes": 10}, notes=notes,
))
