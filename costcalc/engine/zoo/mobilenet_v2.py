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
TF_SLIM = "TF-slim mobilenet/README.md (released mobilenet_v2 models, 1001 classes)"
# TF-slim's 22 released MobileNetV2 models (research/slim/nets/mobilenet/README.md, 1001 classes):
# alpha → res → (Million MACs, top-1, top-5); TF_SLIM_PARAMS: alpha → Million params (any resolution).
TF_SLIM_TABLE = {
    1.4: {224: ("582", "75.0", "92.5")},
    1.3: {224: ("509", "74.4", "92.1")},
    1.0: {224: ("300", "71.8", "91.0"), 192: ("221", "70.7", "90.1"), 160: ("154", "68.8", "89.0"),
          128: ("99", "65.3", "86.9"), 96: ("56", "60.3", "83.2")},
    0.75: {224: ("209", "69.8", "89.6"), 192: ("153", "68.7", "88.9"), 160: ("107", "66.4", "87.3"),
           128: ("69", "63.2", "85.3"), 96: ("39", "58.8", "81.6")},
    0.5: {224: ("97", "65.4", "86.4"), 192: ("71", "63.9", "85.4"), 160: ("50", "61.0", "83.2"),
          128: ("32", "57.7", "80.8"), 96: ("18", "51.2", "75.8")},
    0.35: {224: ("59", "60.3", "82.9"), 192: ("43", "58.2", "81.2"), 160: ("30", "55.7", "79.1"),
           128: ("20", "50.8", "75.0"), 96: ("11", "45.5", "70.4")},
}
TF_SLIM_PARAMS = {1.4: "6.06", 1.3: "5.34", 1.0: "3.47", 0.75: "2.61", 0.5: "1.95", 0.35: "1.66"}
# All 22 MACs are this architecture's count at 1001 classes truncated to whole millions (0.35-96: 11.94 M
# printed 11), and the params its conv + FC weights (no biases, no batch norm): tests/test_accuracy.py.


def tf_slim_row(options: dict[str, Any]) -> tuple[str, str, str] | None:
    """TF-slim's (MACs, top-1, top-5) for this configuration at 1000 or 1001 classes, else ``None``."""
    if options["classes"] not in (1000, 1001):
        return None
    return TF_SLIM_TABLE.get(options["alpha"], {}).get(options["res"])


def published(options: dict[str, Any]) -> list[Published]:
    """torchvision's exact parameter count and the paper's Table 4 figures (224, 1000 classes), and
    TF-slim's released models' MACs (any resolution of its table)."""
    alpha = options["alpha"]
    rows = []
    if imagenet(options) and alpha in TORCHVISION_PARAMS:
        rows.append(Published("params", TORCHVISION_PARAMS[alpha], "torchvision mobilenet_v2", scale=1))
    if imagenet(options) and alpha in PAPER:
        macs, params, _ = PAPER[alpha]
        note = PAPER_NOTES.get(alpha, "")
        rows += [Published("macs", macs, "Sandler et al. 2018, Table 4", note=note),
                 Published("params", params, "Sandler et al. 2018, Table 4", note=note)]
    tf_slim = tf_slim_row(options)
    if tf_slim is not None:
        source = TF_SLIM_14 if alpha == 1.4 else TF_SLIM
        last = make_divisible(LAST_CHANNELS * max(Fraction(1), Fraction(str(alpha))))
        classes = "" if options["classes"] == 1001 else f"; 1001 classes: +{last:,} over this count"
        rows += [Published("macs", tf_slim[0], source, note=f"TF-slim truncates to whole millions{classes}"),
                 Published("weights", TF_SLIM_PARAMS[alpha], source,
                           note=f"conv + FC weights only (no biases, no BN){classes}")]
    return rows


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet top-1 / top-5: TF-slim's 22 released models first (one source for the whole
    α × resolution grid, as MobileNet v1's), then the paper's Table 4 (1.0 and 1.4 at 224)."""
    alpha = options["alpha"]
    rows = []
    tf_slim = tf_slim_row(options)
    if tf_slim is not None:
        rows.append(Accuracy(tf_slim[1], TF_SLIM_14 if alpha == 1.4 else TF_SLIM, tf_slim[2]))
    if imagenet(options, background=True) and alpha in PAPER:
        rows.append(Accuracy(PAPER[alpha][2], "Sandler et al. 2018, Table 4"))
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
