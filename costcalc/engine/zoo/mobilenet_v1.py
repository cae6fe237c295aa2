"""MobileNet v1 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
Mobile Vision Applications", arXiv 1704.04861), Table 1.

A 3×3 stride-2 convolution stem, thirteen depthwise separable blocks (3×3 depthwise → BN → ReLU →
1×1 pointwise → BN → ReLU, Fig. 3), global average pooling and a fully-connected classifier.
The paper prints the last depthwise layer as stride 2; its own input sizes (7×7 in and out) and
the TF-slim definition show it is stride 1, which is what :data:`TABLE_1` uses.

Width multiplier α (§3.3) thins every layer to ``α·N`` channels with TF-slim's rounding,
:func:`depth` = ``max(int(d·α), 8)``; resolution multiplier ρ (§3.4) is the input size ``res``.
Cost (§3.3–3.4): ``Dk·Dk·αM·ρDf·ρDf + αM·αN·ρDf·ρDf`` per separable layer.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from costcalc.engine.specs import Conv2d, DepthwiseSeparable, Network, Shape, SpecError, conv_bn_act, sequence
from costcalc.engine.zoo import Accuracy, ModelEntry, Published, imagenet, register
from costcalc.engine.zoo.checks import check_alpha, check_classes, check_res
from costcalc.engine.zoo.heads import classifier

STEM_CHANNELS = 32
MIN_DEPTH = 8
ROUNDING = "max(int(d·α), 8) (TF-slim mobilenet_v1 depth())"

# Table 1 body after the stem: out_channels, stride of the 3×3 depthwise (last row at stride 1).
TABLE_1: tuple[tuple[int, int], ...] = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)


def depth(channels: int, alpha: float | Fraction) -> int:
    """TF-slim's channel rounding for width multiplier α: ``max(int(d·α), 8)``.

    α is taken at its decimal value (``Fraction(str(α))``) so ``0.75`` scales exactly.
    """
    return max(int(channels * Fraction(str(alpha))), MIN_DEPTH)


def alpha_text(alpha: float) -> str:
    """α as the papers print it: ``1.0``, ``0.75``, ``0.5``."""
    return f"{alpha:.1f}" if alpha == round(alpha, 1) else f"{alpha:g}"


SHALLOW_REMOVED = frozenset(range(8, 13))
"""Table 5's "Shallow MobileNet": the five stride-1 512-channel blocks at 14×14 (block8–block12) removed."""


def mobilenet_v1(alpha: float = 1.0, res: int = 224, classes: int = 1000, shallow: bool = False) -> Network:
    """MobileNet v1 at width α, input ``3×res×res`` and ``classes`` outputs (Table 1); ``shallow``
    drops the five 14×14×512 separable blocks (Table 5)."""
    alpha = check_alpha(alpha)
    res = check_res(res)
    classes = check_classes(classes)
    if not isinstance(shallow, bool):
        raise SpecError(f"shallow must be true or false, got {shallow!r}")
    channels = depth(STEM_CHANNELS, alpha)
    layers = [*conv_bn_act("conv1", Conv2d(3, channels, 3, 2))]
    for index, (out_channels, stride) in enumerate(TABLE_1, start=2):
        if shallow and index in SHALLOW_REMOVED:
            continue
        out_channels = depth(out_channels, alpha)
        layers.append((f"block{index}", DepthwiseSeparable(channels, out_channels, 3, stride)))
        channels = out_channels
    layers += classifier(channels, classes)
    options = {"alpha": alpha, "res": res, "classes": classes, **({"shallow": True} if shallow else {})}
    title = f"{'Shallow ' if shallow else ''}MobileNet v1 {alpha_text(alpha)}-{res}"
    return Network(title, Shape(3, res, res), sequence(*layers), options, ROUNDING)


# Million Mult-Adds (incl. FC) / million params of the paper (Tables 4, 6, 7) and TF-slim's
# model table (mobilenet_v1.md, 1001 classes): (alpha, res) → (MACs, params).
PAPER = {
    (1.0, 224): ("569", "4.2"), (0.75, 224): ("325", "2.6"), (0.5, 224): ("149", "1.3"),
    (0.25, 224): ("41", "0.5"), (1.0, 192): ("418", "4.2"), (1.0, 160): ("290", "4.2"),
    (1.0, 128): ("186", "4.2"),
}
PAPER_SOURCE = {224: "Howard et al. 2017, Tables 4/6", 192: "Howard et al. 2017, Table 7",
                160: "Howard et al. 2017, Table 7", 128: "Howard et al. 2017, Table 7"}
TF_SLIM_PARAMS = {1.0: "4.24", 0.75: "2.59", 0.5: "1.34", 0.25: "0.47"}
TF_SLIM_MACS = {
    1.0: {224: "569", 192: "418", 160: "291", 128: "186"},
    0.75: {224: "317", 192: "233", 160: "162", 128: "104"},
    0.5: {224: "150", 192: "110", 160: "77", 128: "49"},
    0.25: {224: "41", 192: "34", 160: "21", 128: "14"},
}
TF_SLIM = "TF-slim mobilenet_v1.md (1001 classes)"
TF_SLIM_ODDITY = ("TF-slim's 0.75 rows sit ~2.5 % below this architecture's count and its 0.25-192 "
                  "entry (34) is far from it; the table is known to be inconsistent there")
NOTES = {
    ("paper", 1.0, 160): "the paper truncates here (290.675 → 290) but rounds 568.74 → 569 for 224",
    ("tf", 0.5, 224): "149.4976 M: TF-slim's 150 looks double-rounded (→ 149.5 → 150)",
}
OSMR_PARAMS = {1.0: "4,231,976", 0.75: "2,585,560", 0.5: "1,331,592", 0.25: "470,072"}


def published(options: dict[str, Any]) -> list[Published]:
    """Published numbers for ``options`` (paper, TF-slim, osmr/imgclsmob, TF-slim docstring)."""
    alpha, res, classes = options["alpha"], options["res"], options["classes"]
    if options.get("shallow"):
        if alpha == 1.0 and imagenet(options):
            return [Published("macs", "307", "Howard et al. 2017, Table 5 (Shallow MobileNet)"),
                    Published("weights", "2.9", "Howard et al. 2017, Table 5 (Shallow MobileNet)",
                              note="weights only (conv + FC; no BN, no FC bias)")]
        return []
    rows: list[Published] = []
    if classes == 1000 and (alpha, res) in PAPER:
        macs, params = PAPER[(alpha, res)]
        rows.append(Published("macs", macs, PAPER_SOURCE[res], note=NOTES.get(("paper", alpha, res), "")))
        rows.append(Published("weights", params, PAPER_SOURCE[res],
                              note="weights only (conv + FC; no BN, no FC bias)"))
    if alpha == 1.0 and imagenet(options):
        rows.append(Published("conv_macs", "567,716,352", "TF-slim mobilenet_v1.py docstring", scale=1,
                              note="body without the classifier"))
    if classes == 1000 and alpha in OSMR_PARAMS:
        rows.append(Published("params", OSMR_PARAMS[alpha], "osmr/imgclsmob (PyTorch)", scale=1))
    if classes in (1000, 1001) and alpha in TF_SLIM_MACS and res in TF_SLIM_MACS[alpha]:
        odd = alpha == 0.75 or (alpha, res) == (0.25, 192)
        note = TF_SLIM_ODDITY if odd else NOTES.get(("tf", alpha, res), "")
        if classes == 1000:
            extra = depth(1024, alpha)
            note = "; ".join(filter(None, [f"TF-slim's model has 1001 classes: +{extra:,} MACs, "
                                           f"+{extra + 1:,} variables over this count", note]))
        rows.append(Published("macs", TF_SLIM_MACS[alpha][res], TF_SLIM, note=note))
        rows.append(Published("tf_variables", TF_SLIM_PARAMS[alpha], TF_SLIM,
                              note="TF variables: BN β + moving mean/variance (no γ)"))
    return rows


TABLE_2_NOTE = ("Table 2 (1.0-224) prints the first 3×3 conv at 1.19 % of Mult-Adds; the count is "
                "10,838,016 / 568,740,352 = 1.91 % (digits swapped: with 1.91 the four shares sum to 100.01 %, "
                "with 1.19 to 99.29 %); the other shares (1×1 94.86 %, depthwise 3.06 %, FC 0.18 %; "
                "params: % weights) match")


def notes(options: dict[str, Any]) -> list[str]:
    stride_note = "last depthwise at stride 1 (paper Table 1 prints s2; its 7×7 sizes and TF-slim say s1)"
    if options["alpha"] == 1.0 and imagenet(options) and not options.get("shallow"):
        return [stride_note, TABLE_2_NOTE]
    return [stride_note]


# ImageNet top-1 / top-5 of TF-slim's 16 released models (mobilenet_v1.md, 2018 checkpoints, 1001
# classes): alpha → res → (top-1, top-5).
TF_SLIM_ACCURACY = {
    1.0: {224: ("70.9", "89.9"), 192: ("70.0", "89.2"), 160: ("68.0", "87.7"), 128: ("65.2", "85.8")},
    0.75: {224: ("68.4", "88.2"), 192: ("67.2", "87.3"), 160: ("65.3", "86.0"), 128: ("62.1", "83.9")},
    0.5: {224: ("63.3", "84.9"), 192: ("61.7", "83.6"), 160: ("59.1", "81.9"), 128: ("56.3", "79.4")},
    0.25: {224: ("49.8", "74.2"), 192: ("47.7", "72.3"), 160: ("45.5", "70.3"), 128: ("41.5", "66.3")},
}
# The paper's ImageNet top-1 (Tables 4, 6, 7, 9): (alpha, res) → (top-1, table).
PAPER_ACCURACY = {
    (1.0, 224): ("70.6", "Tables 4, 6, 7"), (0.75, 224): ("68.4", "Tables 5, 6"), (0.5, 224): ("63.7", "Table 6"),
    (0.25, 224): ("50.6", "Table 6"), (1.0, 192): ("69.1", "Table 7"), (1.0, 160): ("67.2", "Table 7"),
    (1.0, 128): ("64.4", "Table 7"), (0.5, 160): ("60.2", "Table 9"),
}


def accuracy(options: dict[str, Any]) -> list[Accuracy]:
    """Published ImageNet accuracy: TF-slim's released models first (one source for all 16 of the
    paper's Fig. 4/5 grid), then the paper's tables; none for other class counts."""
    alpha, res, classes = options["alpha"], options["res"], options["classes"]
    if classes not in (1000, 1001):
        return []
    if options.get("shallow"):
        table_5 = alpha == 1.0 and imagenet(options, background=True)
        return [Accuracy("65.3", "Howard et al. 2017, Table 5 (Shallow MobileNet)")] if table_5 else []
    rows = []
    if res in TF_SLIM_ACCURACY.get(alpha, {}):
        top1, top5 = TF_SLIM_ACCURACY[alpha][res]
        rows.append(Accuracy(top1, "TF-slim mobilenet_v1.md (2018 checkpoints, 1001 classes)", top5))
    if (alpha, res) in PAPER_ACCURACY:
        top1, tables = PAPER_ACCURACY[(alpha, res)]
        rows.append(Accuracy(top1, f"Howard et al. 2017, {tables}"))
    return rows


register(ModelEntry(
    "mobilenet", ("mobilenet_v1",),
    "MobileNet v1 (Howard et al. 2017): 3×3 stem + 13 depthwise separable blocks; --alpha --res --classes --shallow",
    mobilenet_v1, ("alpha", "res", "classes", "shallow"), {"alpha": 1.0, "res": 224, "classes": 1000},
    published, notes, accuracy,
))
