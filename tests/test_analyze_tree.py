"""The module tree of ``costcalc analyze``: input and output shapes, params and trainable params per module,
``by_operator`` totals that sum exactly to ``macs``."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from analyze_models.llama import TinyLlama  # noqa: E402
from analyze_models.sequence import vit_sdpa  # noqa: E402
from analyze_models.structure import Mixed, Shared  # noqa: E402
from analyze_models.vision import MobileNetV2, ResNet18  # noqa: E402
from torch import nn  # noqa: E402

import costcalc  # noqa: E402


class FrozenStem(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
        self.stem.requires_grad_(False)

    def forward(self, x):
        return self.head(self.stem(x))


def test_module_rows_carry_shapes_params_and_trainable_params():
    rows = {row["name"]: row for row in costcalc.analyze(FrozenStem(), torch.zeros(2, 3, 4, 4)).by_module()}
    # stem: 8·3·3·3 weights + 8 biases = 224, frozen; head.1: 128·10 + 10 = 1290, trainable
    assert (rows["stem"]["input"], rows["stem"]["output"]) == ([2, 3, 4, 4], [2, 8, 4, 4])
    assert (rows["stem"]["params"], rows["stem"]["trainable_params"]) == (224, 0)
    assert (rows["head"]["input"], rows["head"]["output"]) == ([2, 8, 4, 4], [2, 10])
    assert (rows["head.1"]["input"], rows["head.1"]["params"], rows["head.1"]["trainable_params"]) == \
        ([2, 128], 1290, 1290)
    assert (rows["(model)"]["params"], rows["(model)"]["trainable_params"]) == (1514, 1290)


def test_totals_carry_trainable_params_and_by_operator():
    totals = costcalc.analyze(FrozenStem(), torch.zeros(2, 3, 4, 4)).totals()
    # conv: 2·8·4·4 outputs × 3·3·3 = 6912; linear: 2·128·10 = 2560
    assert totals["by_operator"] == {"convolution": 6912, "addmm": 2560}
    assert (totals["macs"], totals["params"], totals["trainable_params"]) == (9472, 1514, 1290)


@pytest.mark.parametrize("build, inputs", [
    (ResNet18, lambda: torch.zeros(1, 3, 64, 64)),
    (MobileNetV2, lambda: torch.zeros(2, 3, 32, 32)),
    (vit_sdpa, lambda: torch.zeros(1, 3, 32, 32)),
    (Shared, lambda: torch.zeros(1, 8, 16, 16)),
    (Mixed, lambda: torch.zeros(1, 16, 64)),
    (TinyLlama, lambda: torch.zeros(1, 16, dtype=torch.int64)),
])
def test_by_operator_sums_exactly_to_macs(build, inputs):
    totals = costcalc.analyze(build(), inputs()).totals()
    assert sum(totals["by_operator"].values()) == totals["macs"] > 0
    assert list(totals["by_operator"].values()) == sorted(totals["by_operator"].values(), reverse=True)


def test_tree_fields_in_the_cli_json(run):
    result = run("analyze", "configs/examples/vgg_cifar.py:VGGCifar", "--input", "1,3,32,32", "--format", "json")
    payload = json.loads(result.output)
    totals = payload["totals"]
    assert sum(totals["by_operator"].values()) == totals["macs"]
    assert totals["trainable_params"] == totals["params"]
    root = payload["modules"][0]
    assert (root["name"], root["input"], root["trainable_params"]) == ("(model)", [1, 3, 32, 32], totals["params"])
    assert all({"input", "output", "params", "trainable_params"} <= set(row) for row in payload["modules"])


def test_the_table_names_frozen_params():
    analysis = costcalc.analyze(FrozenStem(), torch.zeros(2, 3, 4, 4))
    from costcalc.views.analyze import notes

    assert "Trainable params 1,290; frozen (requires_grad=False) 224." in notes(analysis.to_dict())
