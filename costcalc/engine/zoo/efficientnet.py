"""EfficientNet (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks", arXiv 1905.11946), Table 1 and the compound-scaling coefficients of B0…B7, as
torchvision's ``efficientnet.py`` defines them.

A 3×3 stride-2 convolution stem (32 channels, swish), seven stages of MBConv blocks
(:class:`~costcalc.engine.specs.InvertedResidual` with swish, 3×3 or 5×5 depthwise and squeeze-excitation
to a quarter of the *block input* width, ``max(1, c_in // 4)``), a 1×1 convolution to four times the
last width (1280 at B0), global average pooling and a fully-connected classifier (with bias).

Compound scaling (§3.3): variant ``bN`` multiplies every width by ``w`` (rounded by
:func:`~costcalc.engine.zoo.mobilenet_v2.make_divisible`), every stage's repeats by ``d`` (rounded up,
``⌈n·d⌉``) and takes its native resolution (:data:`VARIANTS`); ``--res`` overrides the resolution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from costcalc.engine.specs import Conv2d, InvertedResidual, Network, Shape, conv_bn_act, sequence
from costcalc.engine.zoo import Accuracy, ModelEntry, Published, imagenet, register
from costcalc.engine.zoo.checks import check_choice, check_classes, check_res
from costcalc.engine.zoo.heads import classifier
from costcalc.engine.zoo.mobilenet_v2 import make_divisible

STEM_CHANNELS = 32
ROUNDING = ("widths _make_divisible(c·w, 8); repeats ⌈n·d⌉; SE squeeze max(1, c_in // 4); "
            "last conv 4 × the last width")

# Table 1 stages after the stem: expansion t, kernel k, stride s of the first repeat, channels c, repeats n.
TABLE_1: tuple[tuple[int, int, int, int, int], ...] = (
    # t, k, s, c, n
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
# Compound scaling: variant → (width w, depth d, native resolution).
VARIANTS: dict[str, tuple[str, str, int]] = {
    "b0": ("1.0", "1.0", 224),
    "b1": ("1.0", "1.1", 240),
    "b2": ("1.1", "1.2", 260),
    "b3": ("1.2", "1.4", 300),
    "b4": ("1.4", "1.8", 380),
    "b5": ("1.6", "2.2", 456),
    "b6": ("1.8", "2.6", 528),
    "b7": ("2.0", "3.1", 600),
}


def native_res(options: Mapping[str, Any]) -> int:
    """The native resolution of ``options["variant"]`` (:data:`VARIANTS`), the default ``res``."""
    return VARIANTS[check_choice("variant", options["variant"], VARIANTS, ignore_case=True)][2]


def repeats(count: int, depth: Fraction) -> int:
    """A stage's repeats at depth coefficient ``d``: ``⌈n·d⌉`` (torchvision's ``adjust_depth``)."""
    return math.ceil(count * depth)


def efficientnet(variant: str = "b0", res: int | None = None, classes: int = 1000) -> Network:
    """EfficientNet-``variant`` on a ``3×res×res`` input (native resolution by default)."""
    variant = check_choice("variant", variant, VARIANTS, ignore_case=True)
    width_text, depth_text, native = VARIANTS[variant]
    res = check_res(native if res is None else res)
    classes = check_classes(classes)
    width, depth = Fraction(width_text), Fraction(depth_text)
    channels = make_divisible(STEM_CHANNELS * width)
    layers: list[tuple[str, Any]] = [*conv_bn_act("conv1", Conv2d(3, channels, 3, 2), "swish")]
    for stage, (t, k, s, c, n) in enumerate(TABLE_1, start=1):
        out_channels = make_divisible(c * width)
        for index in range(repeats(n, depth)):
            layers.append((f"stage{stage}_{index + 1}", InvertedResidual(
                channels, out_channels, t, k, s if index == 0 else 1, activation="swish",
                se_channels=max(1, channels // 4), se_activation="swish", se_gate="sigmoid",
                expanded_channels=make_divisible(channels * t))))
            channels = out_channels
    layers += classifier(channels, classes, conv=4 * channels, activation="swish")
    return Network(f"EfficientNet-{variant.upper()} at {res}", Shape(3, res, res), sequence(*layers),
                   {"variant": variant, "res": res, "classes": classes}, ROUNDING)


TORCHVISION_PARAMS = {"b0": "5,288,548", "b1": "7,794,184", "b2": "9,109,994", "b3": "12,233,232",
                      "b4": "19,341,616", "b5": "30,389,784", "b6": "43,040,704", "b7": "66,347,960"}
# Tan & Le, Table 2: variant → (B FLOPs = billion multiply-adds, top-1 of arXiv v5 (2020), top-1 of ICML 2019).
TABLE_2 = {"b0": ("0.39", "77.1", "76.3"), "b1": ("0.70", "79.1", "78.8"), "b2": ("1.0", "80.1", "79.8"),
           "b3": ("1.8", "81.6", "81.1"), "b4": ("4.2", "82.9", "82.6"), "b5": ("9.9", "83.6", "83.3"),
           "b6": ("19", "84.0", "84.0"), "b7": ("37", "84.3", "84.4")}
TABLE_2_SOURCE = "Tan & Le, arXiv v5 (2020), Table 2"
TABLE_2_OFF = ("Table 2 departs from this count for B1, B4 and B5 (by 2–5 %) although the widths, repeats and "
               "resolution follow the paper's scaling rules; torchvision's documentation gives the count here "
               "(B4: 4.39 GFLOPS)")


def published(options: dict[str, Any]) -> list[Published]:
    """torchvision's exact parameter count (any resolution, 1000 classes) and Table 2's FLOPs (native resolution)."""
    variant = options["variant"]
    rows = []
    if options["classes"] == 1000:
        rows.append(Published("params", TORCHVISION_PARAMS[variant], f"torchvision efficientnet_{variant}", scale=1))
    if imagenet(options, native_res(options)):
        note = "; ".join(["the paper's FLOPs are multiply-adds"] + ([TABLE_2_OFF] if variant in ("b1", "b4", "b5")
                                                                  else []))
        rows.append(Published("macs", TABLE_2[variant][0], TABLE_2_SOURCE, scale=10**9, note=note))
    return rows


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet top-1 at the native resolution: arXiv v5's Table 2, then the ICML 2019 version's."""
    if not imagenet(options, native_res(options)):
        return []
    _, latest, icml = TABLE_2[options["variant"]]
    return [Accuracy(latest, TABLE_2_SOURCE), Accuracy(icml, "Tan & Le, ICML 2019, Table 2")]


def notes(options: dict[str, Any]) -> list[str]:
    width_text, depth_text, native = VARIANTS[options["variant"]]
    return [f"compound scaling {options['variant']}: width ×{width_text}, depth ×{depth_text}, native resolution "
            f"{native}" + ("" if options["res"] == native else f" (overridden: {options['res']})"),
            "squeeze-excitation's two 1×1 convs count in MACs; its channel-wise multiply is an other op (scale)",
            "baseline: each MBConv → one k×k conv c → c' at its stride (SE and expansion dropped)"]


register(ModelEntry(
    "efficientnet", (),
    "EfficientNet (Tan & Le 2019): MBConv stages with SE and swish, compound-scaled; --variant --res --classes",
    efficientnet, ("variant", "res", "classes"), {"variant": "b0", "res": None, "classes": 1000},
    published, notes, accuracy, derived={"res": native_res},
))
