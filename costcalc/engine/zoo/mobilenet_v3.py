"""MobileNetV3 (Howard et al. 2019, "Searching for MobileNetV3", arXiv 1905.02244), Tables 1 and 2,
as torchvision's ``mobilenetv3.py`` defines it.

A 3×3 stride-2 convolution stem (16 channels, hard-swish), a column of inverted residual blocks
(:class:`~costcalc.engine.specs.InvertedResidual` with the row's kernel, expansion width, optional
squeeze-excitation and non-linearity — ReLU or hard-swish), a 1×1 convolution to six times the
last width (hard-swish), global average pooling, then the classifier: a fully-connected layer to
1280 (large) or 1024 (small) features, hard-swish, and the final fully-connected layer.

Squeeze-excitation (§5.3): global pool → 1×1 conv to ``make_divisible(exp/4, 8)`` → ReLU → 1×1
conv back → hard-sigmoid → channel-wise scale. Every width, expansion and the classifier's hidden
layer go through :func:`~costcalc.engine.zoo.mobilenet_v2.make_divisible` at multiplier α, as torchvision
does (so at α = 0.75 torchvision's hidden layer is 960, where the paper keeps 1280).
"""

from __future__ import annotations

from typing import Any

from costcalc.engine.specs import Conv2d, InvertedResidual, Network, Shape, conv_bn_act, sequence
from costcalc.engine.zoo import Accuracy, ModelEntry, Published, imagenet, register
from costcalc.engine.zoo.checks import check_alpha, check_choice, check_classes, check_res
from costcalc.engine.zoo.heads import classifier
from costcalc.engine.zoo.mobilenet_v1 import alpha_text
from costcalc.engine.zoo.mobilenet_v2 import make_divisible, width

STEM_CHANNELS = 16
ACTIVATIONS = {"RE": "relu", "HS": "hardswish"}
ROUNDING = ("_make_divisible(c·α, 8) for every width, expansion and the classifier's hidden layer; "
            "SE squeeze _make_divisible(exp/4, 8); last conv 6 × the last width (torchvision)")

# Table 1 (large) and Table 2 (small), one row per bneck after the stem:
# kernel, exp size, #out, SE, NL (RE = ReLU, HS = hard-swish), s.
LARGE: tuple[tuple[int, int, int, bool, str, int], ...] = (
    # k, exp, out, SE, NL, s
    (3, 16, 16, False, "RE", 1),
    (3, 64, 24, False, "RE", 2),
    (3, 72, 24, False, "RE", 1),
    (5, 72, 40, True, "RE", 2),
    (5, 120, 40, True, "RE", 1),
    (5, 120, 40, True, "RE", 1),
    (3, 240, 80, False, "HS", 2),
    (3, 200, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 184, 80, False, "HS", 1),
    (3, 480, 112, True, "HS", 1),
    (3, 672, 112, True, "HS", 1),
    (5, 672, 160, True, "HS", 2),
    (5, 960, 160, True, "HS", 1),
    (5, 960, 160, True, "HS", 1),
)
SMALL: tuple[tuple[int, int, int, bool, str, int], ...] = (
    # k, exp, out, SE, NL, s
    (3, 16, 16, True, "RE", 2),
    (3, 72, 24, False, "RE", 2),
    (3, 88, 24, False, "RE", 1),
    (5, 96, 40, True, "HS", 2),
    (5, 240, 40, True, "HS", 1),
    (5, 240, 40, True, "HS", 1),
    (5, 120, 48, True, "HS", 1),
    (5, 144, 48, True, "HS", 1),
    (5, 288, 96, True, "HS", 2),
    (5, 576, 96, True, "HS", 1),
    (5, 576, 96, True, "HS", 1),
)
TABLES = {"large": LARGE, "small": SMALL}
HIDDEN = {"large": 1280, "small": 1024}
"""The classifier's hidden layer ("NBN" conv 1×1 after the pool in Tables 1, 2)."""


def mobilenet_v3(size: str = "large", alpha: float = 1.0, res: int = 224, classes: int = 1000) -> Network:
    """MobileNetV3-``size`` at width α on a ``3×res×res`` input with ``classes`` outputs (Tables 1, 2)."""
    size = check_choice("size", size, TABLES)
    alpha = check_alpha(alpha)
    res = check_res(res)
    classes = check_classes(classes)
    channels = width(STEM_CHANNELS, alpha)
    layers: list[tuple[str, Any]] = [*conv_bn_act("conv1", Conv2d(3, channels, 3, 2), "hardswish")]
    for index, (kernel, expanded, out, se, nl, stride) in enumerate(TABLES[size], start=1):
        expanded, out = width(expanded, alpha), width(out, alpha)
        squeeze = make_divisible(expanded // 4) if se else 0
        layers.append((f"block{index}", InvertedResidual(
            channels, out, kernel_size=kernel, stride=stride, activation=ACTIVATIONS[nl], se_channels=squeeze,
            se_activation="relu", se_gate="hardsigmoid", expanded_channels=expanded)))
        channels = out
    last, hidden = 6 * channels, width(HIDDEN[size], alpha)
    layers += classifier(channels, classes, conv=last, activation="hardswish", hidden=hidden)
    return Network(f"MobileNetV3-{size.capitalize()} {alpha_text(alpha)}-{res}", Shape(3, res, res),
                   sequence(*layers), {"size": size, "alpha": alpha, "res": res, "classes": classes}, ROUNDING)


TORCHVISION_PARAMS = {"large": "5,483,032", "small": "2,542,856"}
# Howard et al. 2019, Table 3: (size, alpha) → (M MAdds, M params, top-1).
PAPER = {("large", 1.0): ("219", "5.4", "75.2"), ("large", 0.75): ("155", "4.0", "73.3"),
         ("small", 1.0): ("56", "2.5", "67.4"), ("small", 0.75): ("44", "2.0", "65.4")}
PAPER_SOURCE = "Howard et al. 2019, Table 3"
CLASSIFIER_NOTE = ("torchvision's 0.75 thins every layer through _make_divisible, the classifier's hidden layer "
                   "too (1280 → 960 for large, 1024 → 768 for small); the paper's 0.75 keeps the hidden layer and "
                   "counts more MACs and params than this definition")
LARGE_NOTE = ("the count is 216.59 M / 5.48 M (torchvision's docs: 0.22 GFLOPS); the paper's 219 M is 1.1 % higher "
              "and its 5.4 M truncates")
SMALL_NOTE = "the count is 56.51 M / 2.54 M (torchvision's docs: 0.06 GFLOPS); the paper truncates to 56 M / 2.5 M"
TF_SLIM_SMALL = ("TF-slim's model table prints 66 M / 2.9 M / 67.5 for small 1.0; the paper's Table 3 "
                 "(56 M / 2.5 M / 67.4) is shown")


TF_SLIM = "TF-slim mobilenet/README.md (released mobilenet_v3 models, 1001 classes)"
# TF-slim's released MobileNetV3 models at 224 (research/slim/nets/mobilenet/README.md, 1001 classes):
# (size, alpha) → (Million MACs, Million params, top-1). The two "minimalistic" models (no SE, no
# hard-swish, no 5×5: large 209 / 3.9 / 72.3, small 65 / 2.0 / 61.9) are other architectures, not kept.
TF_SLIM_TABLE = {("large", 1.0): ("217", "5.4", "75.2"), ("large", 0.75): ("155", "4.0", "73.3"),
                 ("small", 1.0): ("66", "2.9", "67.5"), ("small", 0.75): ("44", "2.4", "65.4")}


def published(options: dict[str, Any]) -> list[Published]:
    """torchvision's exact parameter counts (1.0) and the paper's Table 3 (224, 1000 classes)."""
    key = (options["size"], options["alpha"])
    if not imagenet(options):
        return []
    rows = []
    if key[1] == 1.0:
        rows.append(Published("params", TORCHVISION_PARAMS[key[0]], f"torchvision mobilenet_v3_{key[0]}", scale=1))
    if key in PAPER:
        macs, params, _ = PAPER[key]
        note = {("large", 1.0): LARGE_NOTE, ("small", 1.0): SMALL_NOTE}.get(key, CLASSIFIER_NOTE)
        rows += [Published("macs", macs, PAPER_SOURCE, note=note), Published("params", params, PAPER_SOURCE, note=note)]
    if key in TF_SLIM_TABLE:
        rows.append(Published("macs", TF_SLIM_TABLE[key][0], TF_SLIM, note="TF's definition, 1001 classes"))
    return rows


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet top-1 at 224: the paper's Table 3 first, then TF-slim's released model (TF-slim
    prints no top-5 for MobileNetV3)."""
    key = (options["size"], options["alpha"])
    if not imagenet(options) or key not in PAPER:
        return []
    note = TF_SLIM_SMALL if key == ("small", 1.0) else ""
    return [Accuracy(PAPER[key][2], PAPER_SOURCE, note=note),
            Accuracy(TF_SLIM_TABLE[key][2], TF_SLIM, note="TF's definition, 1001 classes")]


def notes(options: dict[str, Any]) -> list[str]:
    return ["squeeze-excitation's two 1×1 convs count in MACs; its channel-wise multiply is an other op (scale)",
            "baseline: each bneck → one k×k conv c → c' at its stride (SE and expansion dropped)"]


register(ModelEntry(
    "mobilenet_v3", (),
    "MobileNetV3 (Howard et al. 2019): inverted residuals with SE and hard-swish; --size --alpha --res --classes",
    mobilenet_v3, ("size", "alpha", "res", "classes"), {"size": "large", "alpha": 1.0, "res": 224, "classes": 1000},
    published, notes, accuracy,
))
