"""Published ImageNet accuracy carried beside cost (REFERENCE.md, "Accuracy"): published only."""

import pytest

from costcalc import zoo
from costcalc.zoo import Accuracy

MOBILENET = zoo.find("mobilenet")
SHUFFLENET = zoo.find("shufflenet")


def mobilenet(alpha: float, res: int, classes: int = 1000, **extra) -> dict:
    return {"alpha": alpha, "res": res, "classes": classes, **extra}


def shufflenet(groups: int, scale: float, res: int = 224, classes: int = 1000) -> dict:
    return {"groups": groups, "scale": scale, "res": res, "classes": classes}


@pytest.mark.parametrize(("alpha", "res", "top1", "top5"), [
    (1.0, 224, "70.9", "89.9"), (0.75, 192, "67.2", "87.3"), (0.5, 128, "56.3", "79.4"), (0.25, 128, "41.5", "66.3"),
])
def test_mobilenet_prefers_tf_slim_for_the_whole_grid(alpha, res, top1, top5):
    found = zoo.top1(MOBILENET, mobilenet(alpha, res))
    assert (found.top1, found.top5) == (top1, top5)
    assert found.source.startswith("TF-slim")


def test_mobilenet_paper_rows_follow_tf_slim():
    rows = MOBILENET.accuracy(mobilenet(1.0, 224))
    assert [row.top1 for row in rows] == ["70.9", "70.6"]
    assert MOBILENET.accuracy(mobilenet(0.5, 160))[1] == Accuracy("60.2", "Howard et al. 2017, Table 9")
    assert zoo.top1(MOBILENET, mobilenet(1.0, 224, shallow=True)).top1 == "65.3"


@pytest.mark.parametrize("options", [mobilenet(1.0, 200), mobilenet(0.6, 224), mobilenet(1.0, 224, classes=10),
                                     shufflenet(3, 0.75), shufflenet(3, 1.0, res=160), shufflenet(3, 1.0, classes=10)])
def test_nothing_is_interpolated(options):
    entry = MOBILENET if "alpha" in options else SHUFFLENET
    assert entry.accuracy(options) == [] and zoo.top1(entry, options) is None


def test_shufflenet_errors_become_accuracies_at_printed_precision():
    rows = SHUFFLENET.accuracy(shufflenet(8, 1.0))
    assert [(row.top1, row.source) for row in rows] == [
        ("67.6", "Zhang et al. 2018, Table 2"), ("67.6", "Zhang et al. 2018, Table 5"),
        ("68.0", "megvii ShuffleNet-Series README")]
    assert rows[0].note == "top-1 error 32.4 %"
    assert zoo.top1(SHUFFLENET, shufflenet(3, 2.0)).top1 == "73.7"
    assert zoo.top1(SHUFFLENET, shufflenet(4, 0.25)).top1 == "45.8"
