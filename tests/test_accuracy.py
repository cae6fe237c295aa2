"""Published ImageNet accuracy carried beside cost (REFERENCE.md, "Accuracy"): published only."""

import pytest

from costcalc.engine import zoo
from costcalc.engine.zoo import Accuracy

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


@pytest.mark.parametrize(("model", "options", "top1", "source"), [
    ("mobilenet_v2", {"alpha": 1.0, "res": 224, "classes": 1000}, "72.0", "Sandler et al. 2018, Table 4"),
    ("mobilenet_v2", {"alpha": 1.4, "res": 224, "classes": 1000}, "74.7", "Sandler et al. 2018, Table 4"),
    ("mobilenet_v3", {"size": "large", "alpha": 1.0, "res": 224, "classes": 1000}, "75.2", "Howard et al. 2019, Table 3"),
    ("mobilenet_v3", {"size": "small", "alpha": 0.75, "res": 224, "classes": 1000}, "65.4", "Howard et al. 2019, Table 3"),
    ("shufflenet_v2", {"scale": 0.5, "res": 224, "classes": 1000}, "60.3", "Ma et al. 2018, Table 8"),
    ("shufflenet_v2", {"scale": 2.0, "res": 224, "classes": 1000}, "74.9", "Ma et al. 2018, Table 8"),
    ("efficientnet", {"variant": "b0", "res": 224, "classes": 1000}, "77.1", "Tan & Le, arXiv v5 (2020), Table 2"),
    ("efficientnet", {"variant": "b7", "res": 600, "classes": 1000}, "84.3", "Tan & Le, arXiv v5 (2020), Table 2"),
])
def test_successors_carry_their_papers_top1(model, options, top1, source):
    found = zoo.top1(zoo.find(model), options)
    assert (found.top1, found.source) == (top1, source)


def test_successor_second_sources():
    assert [row.top1 for row in zoo.find("efficientnet").accuracy({"variant": "b7", "res": 600, "classes": 1000})] == [
        "84.3", "84.4"]  # arXiv v5, then ICML 2019
    rows = zoo.find("mobilenet_v2").accuracy({"alpha": 1.4, "res": 224, "classes": 1000})
    assert [(row.top1, row.source.split()[0]) for row in rows] == [("74.7", "Sandler"), ("75.0", "TF-slim")]
    assert zoo.find("shufflenet_v2").accuracy({"scale": 1.0, "res": 224, "classes": 1000})[0].note == "top-1 error 30.6 %"


@pytest.mark.parametrize(("model", "options"), [
    ("mobilenet_v2", {"alpha": 0.75, "res": 224, "classes": 1000}),
    ("mobilenet_v2", {"alpha": 1.0, "res": 192, "classes": 1000}),
    ("mobilenet_v3", {"size": "large", "alpha": 0.5, "res": 224, "classes": 1000}),
    ("shufflenet_v2", {"scale": 1.0, "res": 160, "classes": 1000}),
    ("efficientnet", {"variant": "b1", "res": 224, "classes": 1000}),
    ("efficientnet", {"variant": "b0", "res": 224, "classes": 10}),
])
def test_successors_interpolate_nothing(model, options):
    assert zoo.find(model).accuracy(options) == []


def test_model_json_carries_top1_and_top5_rows(run):
    rows = [row for row in run.json("model", "efficientnet", "--summary")["published"]
            if row["quantity"] in ("top1", "top5")]
    assert [(row["quantity"], row["published"], row["ours"], row["agrees"]) for row in rows] == [
        ("top1", "77.1", None, None), ("top1", "76.3", None, None)]
    shufflenet = run.json("model", "shufflenet", "--groups", "8", "--scale", "0.5", "--summary")["published"]
    assert [row["published"] for row in shufflenet if row["quantity"] == "top1"] == ["57.7", "58.8"]
    mobilenet = run.json("model", "mobilenet", "--alpha", "0.5", "--res", "160", "--summary")["published"]
    assert [(row["quantity"], row["published"]) for row in mobilenet if row["scale"] == "%"] == [
        ("top1", "59.1"), ("top5", "81.9"), ("top1", "60.2")]


def test_list_shows_default_cost_and_top1(run):
    models = {row["name"]: row for row in run.json("list")["models"]}
    assert list(models) == list(zoo.MODELS)
    assert (models["mobilenet_v2"]["macs"], models["mobilenet_v2"]["params"], models["mobilenet_v2"]["top1"]) == (
        300_774_272, 3_504_872, "72.0")
    assert models["efficientnet"]["default"] == "EfficientNet-B0 at 224" and models["efficientnet"]["top1"] == "77.1"
    assert models["effnet"]["top1"] is None and models["mobilenet"]["top1_source"].startswith("TF-slim")
    table = run("list").stdout
    assert "5,483,032" in table and "75.2" in table
