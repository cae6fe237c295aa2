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
    # MobileNetV2: TF-slim's released models first (one source for the whole α × res grid), as MobileNet v1
    ("mobilenet_v2", {"alpha": 1.0, "res": 224, "classes": 1000}, "71.8",
     "TF-slim mobilenet/README.md (released mobilenet_v2 models, 1001 classes)"),
    ("mobilenet_v2", {"alpha": 1.4, "res": 224, "classes": 1000}, "75.0",
     "TF-slim mobilenet/README.md (mobilenet_v2_1.4_224, 1001 classes)"),
    ("mobilenet_v3", {"size": "large", "alpha": 1.0, "res": 224, "classes": 1000}, "75.2",
     "Howard et al. 2019, Table 3"),
    ("mobilenet_v3", {"size": "small", "alpha": 0.75, "res": 224, "classes": 1000}, "65.4",
     "Howard et al. 2019, Table 3"),
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
    assert [(row.top1, row.source.split()[0]) for row in rows] == [("75.0", "TF-slim"), ("74.7", "Sandler")]
    shufflenet_v2 = zoo.find("shufflenet_v2").accuracy({"scale": 1.0, "res": 224, "classes": 1000})
    assert shufflenet_v2[0].note == "top-1 error 30.6 %"


@pytest.mark.parametrize(("model", "options"), [
    ("mobilenet_v2", {"alpha": 0.75, "res": 112, "classes": 1000}),  # between TF-slim's 128 and 96
    ("mobilenet_v2", {"alpha": 1.3, "res": 192, "classes": 1000}),  # 1.3 is released at 224 only
    ("mobilenet_v2", {"alpha": 1.0, "res": 224, "classes": 10}),
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
        300_774_272, 3_504_872, "71.8")
    assert models["efficientnet"]["default"] == "EfficientNet-B0 at 224" and models["efficientnet"]["top1"] == "77.1"
    assert models["effnet"]["top1"] is None and models["mobilenet"]["top1_source"].startswith("TF-slim")
    table = run("list").stdout
    assert "5,483,032" in table and "75.2" in table


# TF-slim's 22 released MobileNetV2 models (research/slim/nets/mobilenet/README.md, 1001 classes):
# (alpha, res) → (Million MACs, Million params, top-1, top-5), as ../shared/REFERENCE.md copies them.
TF_SLIM_V2 = {
    (1.4, 224): ("582", "6.06", "75.0", "92.5"), (1.3, 224): ("509", "5.34", "74.4", "92.1"),
    (1.0, 224): ("300", "3.47", "71.8", "91.0"), (1.0, 192): ("221", "3.47", "70.7", "90.1"),
    (1.0, 160): ("154", "3.47", "68.8", "89.0"), (1.0, 128): ("99", "3.47", "65.3", "86.9"),
    (1.0, 96): ("56", "3.47", "60.3", "83.2"), (0.75, 224): ("209", "2.61", "69.8", "89.6"),
    (0.75, 192): ("153", "2.61", "68.7", "88.9"), (0.75, 160): ("107", "2.61", "66.4", "87.3"),
    (0.75, 128): ("69", "2.61", "63.2", "85.3"), (0.75, 96): ("39", "2.61", "58.8", "81.6"),
    (0.5, 224): ("97", "1.95", "65.4", "86.4"), (0.5, 192): ("71", "1.95", "63.9", "85.4"),
    (0.5, 160): ("50", "1.95", "61.0", "83.2"), (0.5, 128): ("32", "1.95", "57.7", "80.8"),
    (0.5, 96): ("18", "1.95", "51.2", "75.8"), (0.35, 224): ("59", "1.66", "60.3", "82.9"),
    (0.35, 192): ("43", "1.66", "58.2", "81.2"), (0.35, 160): ("30", "1.66", "55.7", "79.1"),
    (0.35, 128): ("20", "1.66", "50.8", "75.0"), (0.35, 96): ("11", "1.66", "45.5", "70.4"),
}


@pytest.mark.parametrize(("alpha", "res"), list(TF_SLIM_V2))
def test_mobilenet_v2_carries_tf_slims_22_models(alpha, res):
    """Each released model's top-1 / top-5 as printed, its source named; its MACs are our count at 1001
    classes truncated to whole millions (0.35-96: 11.94 M printed 11) and its params our conv + FC weights
    rounded to two decimals — so the table is this architecture, and nothing is interpolated."""
    from costcalc.engine.cost import cost

    macs, params, top1, top5 = TF_SLIM_V2[(alpha, res)]
    options = {"alpha": alpha, "res": res, "classes": 1001}
    entry = zoo.find("mobilenet_v2")
    (first, *_) = entry.accuracy(options)
    assert (first.top1, first.top5, first.source.startswith("TF-slim mobilenet/README.md")) == (top1, top5, True)
    network = entry.build(**options)
    ours = zoo.quantities(cost(network.body, network.input_shape))
    assert ours["macs"] // 10**6 == int(macs)
    assert f"{ours['weights'] / 1e6:.2f}" == params
    published = {(row.quantity, row.value) for row in entry.published(options)}
    assert {("macs", macs), ("weights", params)} <= published


def test_model_shows_a_released_v2_models_accuracy(run):
    rows = run.json("model", "mobilenet_v2", "--alpha", "0.35", "--res", "96", "--summary")["published"]
    assert [(row["quantity"], row["published"]) for row in rows if row["scale"] == "%"] == [
        ("top1", "45.5"), ("top5", "70.4")]
    assert all(row["source"].startswith("TF-slim") for row in rows)


def test_mobilenet_v3_carries_tf_slims_released_models():
    """The paper's Table 3 first (it is torchvision's architecture), then TF-slim's model (1001 classes;
    TF-slim prints no top-5 for V3, and the two minimalistic models are other architectures)."""
    entry = zoo.find("mobilenet_v3")
    found = {size_alpha: [(row.top1, row.source.split(",")[0].split(" (")[0])
                          for row in entry.accuracy({"size": size_alpha[0], "alpha": size_alpha[1], "res": 224,
                                                     "classes": 1000})]
             for size_alpha in (("large", 1.0), ("large", 0.75), ("small", 1.0), ("small", 0.75))}
    tf = "TF-slim mobilenet/README.md"
    assert found == {("large", 1.0): [("75.2", "Howard et al. 2019"), ("75.2", tf)],
                     ("large", 0.75): [("73.3", "Howard et al. 2019"), ("73.3", tf)],
                     ("small", 1.0): [("67.4", "Howard et al. 2019"), ("67.5", tf)],
                     ("small", 0.75): [("65.4", "Howard et al. 2019"), ("65.4", tf)]}
