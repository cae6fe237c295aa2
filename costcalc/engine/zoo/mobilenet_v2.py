"""MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
arXiv 1801.04381), Table 2, as torchvision's ``mobilenetv2.py`` defines it.

A 3×3 stride-2 convolution stem (32 channels), seventeen inverted residual blocks
(:class:`~costcalc.engine.specs.InvertedResidual`: 1×1 expansion ×t → 3×3 depthwise → 1×1 linear
projection, ReLU6, an add when stride 1 and the width is kept), a 1×1 convolution to 1280
channels, global average pooling and a fully-connected classifier (with bias).

Width multiplier α scales every width through one rounding policy, :func:`make_divisible`
(torchvision's ``_make_divisible``: nearest multiple of 8, never below 90 % of the exact value);
the last convolution keeps 1280 channels for α < 1 (``1280·max(1, α)``). Resolution is ``res``.
Cost of a stride-1 block of width ``c`` on an ``h×w`` map: ``hw·(2·t·c² + 9·t·c)``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from costcalc.engine.specs import Conv2d, InvertedResidual, Network, Shape, conv_bn_act, sequence
from costcalc.engine.zoo import Accuracy, ModelEntry, Published, imagenet, register
from costcalc.engine.zoo.checks import check_alpha, check_classes, check_res
from costcalc.engine.zoo.heads import classifier
from costcalc.engine.zoo.mobilenet_v1 import alpha_text

DIVISOR = 8
STEM_CHANNELS = 32
LAST_CHANNELS = 1280
ROUNDING = ("_make_divisible(c·α, 8): nearest multiple of 8, at least 8 and ≥ 90 % of c·α (torchvision); "
            "last conv 1280·max(1, α)")

# Table 2 bottleneck rows: t (expansion), c (output channels), n (repeats), s (stride of the first repeat).
TABLE_2: tuple[tuple[int, int, int, int], ...] = (
    # t, c, n, s
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def make_divisible(value: float | Fraction, divisor: int = DIVISOR, minimum: int | None = None) -> int:
    """torchvision's ``_make_divisible`` (from the TF reference): ``value`` rounded to the nearest
    multiple of ``divisor`` (halves up), at least ``minimum`` (default ``divisor``), raised by one
    ``divisor`` when rounding down lost more than 10 %. Exact arithmetic on ``Fraction`` values."""
    value = Fraction(value)
    minimum = divisor if minimum is None else minimum
    rounded = max(minimum, int(value + Fraction(divisor, 2)) // divisor * divisor)
    return rounded + divisor if rounded < Fraction(9, 10) * value else rounded


def width(channels: int, alpha: float) -> int:
    """A layer's width at multiplier α: ``make_divisible(c·α, 8)`` with α at its decimal value."""
    return make_divisible(channels * Fraction(str(alpha)))


def mobilenet_v2(alpha: float = 1.0, res: int = 224, classes: int = 1000) -> Network:
    """MobileNetV2 at width α on a ``3×res×res`` input with ``classes`` outputs (Table 2)."""
    alpha = check_alpha(alpha)
    res = check_res(res)
    classes = check_classes(classes)
    channels = width(STEM_CHANNELS, alpha)
    layers: list[tuple[str, Any]] = [*conv_bn_act("conv1", Conv2d(3, channels, 3, 2), "relu6")]
    index = 0
    for t, c, n, s in TABLE_2:
        out_channels = width(c, alpha)
        for repeat in range(n):
            index += 1
            layers.append((f"block{index}", InvertedResidual(channels, out_channels, t, 3, s if repeat == 0 else 1)))
            channels = out_channels
    last = make_divisible(LAST_CHANNELS * max(Fraction(1), Fraction(str(alpha))))
    layers += classifier(channels, classes, conv=last, activation="relu6")
    return Network(f"MobileNetV2 {alpha_text(alpha)}-{res}", Shape(3, res, res), sequence(*layers),
                   {"alpha": alpha, "res": res, "classes": classes}, ROUNDING)


TORCHVISION_PARAMS = {1.0: "3,504,872"}
# Sandler et al. 2018, Table 4 (and its text for 1.4): alpha → (M MAdds, M params, top-1).
PAPER = {1.0: ("300", "3.4", "72.0"), 1.4: ("585", "6.9", "74.7")}
PAPER_NOTES = {1.0: ("the count is 300.77 M MACs and 3.50 M params (torchvision's own docs: 0.30 GFLOPS); the paper "
                     "truncates the MACs to 300 and prints 3.4 M params"),
               1.4: ("the paper prints 585 M / 6.9 M for 1.4-224; this architecture counts ≈ 582 M / 6.1 M, as "
                     "TF-slim's released 1.4 model (582 M, 6.06 M): the paper's figures do not follow from its table")}
TF_SLIM_14 = "TF-slim mobilenet/README.md (mobilenet_v2_1.4_224, 1001 classes)"


def published(options: dict[str, Any]) -> list[Published]:
    """torchvision's exact parameter count and the paper's Table 4 figures (224, 1000 classes)."""
    alpha = options["alpha"]
    if not imagenet(options):
        return []
    rows = []
    if alpha in TORCHVISION_PARAMS:
        rows.append(Published("params", TORCHVISION_PARAMS[alpha], "torchvision mobilenet_v2", scale=1))
    if alpha in PAPER:
        macs, params, _ = PAPER[alpha]
        note = PAPER_NOTES.get(alpha, "")
        rows += [Published("macs", macs, "Sandler et al. 2018, Table 4", note=note),
                 Published("params", params, "Sandler et al. 2018, Table 4", note=note)]
    if alpha == 1.4:
        rows += [Published("macs", "582", TF_SLIM_14, note="1001 classes: +1,792 MACs over this count"),
                 Published("weights", "6.06", TF_SLIM_14,
                           note="conv + FC weights only (no biases, no BN); 1001 classes: +1,792 over this count")]
    return rows


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet top-1 (224, 1000 classes): the paper's Table 4, then TF-slim's 1.4 model."""
    alpha = options["alpha"]
    if not imagenet(options, background=True) or alpha not in PAPER:
        return []
    rows = [Accuracy(PAPER[alpha][2], "Sandler et al. 2018, Table 4")]
    if alpha == 1.4:
        rows.append(Accuracy("75.0", TF_SLIM_14))
    return rows


def notes(options: dict[str, Any]) -> list[str]:
    return ["blocks with stride 1 and equal widths add their input; the first block (t = 1) has no expansion layer",
            "baseline: each inverted residual → one 3×3 conv c → c' at its stride (the layer it stands for, as "
            "MobileNet v1's Conv MobileNet); the thin bottlenecks make that baseline cheap, so the ratio shows "
            "what the expansion costs rather than a saving"]


register(ModelEntry(
    "mobilenet_v2", (),
    "MobileNetV2 (Sandler et al. 2018): 3×3 stem + 17 inverted residuals + 1×1 to 1280; --alpha --res --classes",
    mobilenet_v2, ("alpha", "res", "classes"), {"alpha": 1.0, "res": 224, "classes": 1000},
    published, notes, accuracy,
))
