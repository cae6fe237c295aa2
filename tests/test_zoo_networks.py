"""The networks as PyTorch modules: forward shapes, trainability and fvcore parity."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.engine.cost import cost  # noqa: E402
from costcalc.measure import (  # noqa: E402
    EfficientNet,
    EffNet,
    MobileNetV1,
    MobileNetV2,
    MobileNetV3,
    ShuffleNetV1,
    ShuffleNetV2,
)
from costcalc.measure.reconcile import reconcile  # noqa: E402


@pytest.mark.parametrize("module, res, classes", [
    (lambda: MobileNetV1(0.25, 64, 10), 64, 10), (lambda: MobileNetV1(0.5, 97, 7), 97, 7),
    (lambda: ShuffleNetV1(3, 0.5, 64, 10), 64, 10), (lambda: ShuffleNetV1(1, 0.25, 48, 5), 48, 5),
    (lambda: ShuffleNetV1(8, 0.5, 96, 3), 96, 3), (lambda: EffNet(32, 10), 32, 10), (lambda: EffNet(40, 4), 40, 4),
    (lambda: MobileNetV2(0.35, 33, 5), 33, 5), (lambda: MobileNetV3("small", 0.5, 32, 4), 32, 4),
    (lambda: ShuffleNetV2(0.5, 40, 6), 40, 6), (lambda: EfficientNet("b0", 32, 3), 32, 3),
])
def test_forward_and_train_step(module, res, classes):
    torch.manual_seed(0)
    model = module()
    x = torch.randn(2, 3, res, res)
    out = model(x)
    assert out.shape == (2, classes)
    params = sum(p.numel() for p in model.parameters())
    spec = model.network
    assert params == cost(spec.body, spec.input_shape).params
    loss = torch.nn.functional.cross_entropy(out, torch.tensor([0, 1]))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_submodule_names_are_layer_names():
    names = {name for name, _ in MobileNetV1(0.25, 64).named_modules()}
    assert {"conv1", "block2.dw", "block14.pw", "fc"} <= names
    v3 = {name for name, _ in MobileNetV3("small", 1.0, 32).named_modules()}
    assert {"block1.dw", "block1.se.branches.excite.fc1", "block5.branches.main.expand", "fc2"} <= v3


def test_successor_modules_use_the_papers_activations():
    kinds = {type(module).__name__ for module in MobileNetV3("large", 1.0, 32).modules()}
    assert {"Hardswish", "Hardsigmoid", "ReLU"} <= kinds
    assert "SiLU" in {type(module).__name__ for module in EfficientNet("b0", 32).modules()}


@pytest.mark.parametrize("spec", [
    MobileNetV1(0.25, 96).network, ShuffleNetV1(8, 0.25, 64).network, ShuffleNetV1(2, 1.0, 64).network,
    EffNet(32).network, MobileNetV2(1.4, 64).network, MobileNetV3("large", 0.75, 48).network,
    ShuffleNetV2(2.0, 33).network, EfficientNet("b1", 40).network,
], ids=["mobilenet-0.25-96", "shufflenet-g8-0.25-64", "shufflenet-g2-1.0-64", "effnet-32", "mobilenet-v2-1.4-64",
        "mobilenet-v3-large-0.75-48", "shufflenet-v2-2.0-33", "efficientnet-b1-40"])
def test_fvcore_parity(spec):
    result = reconcile(spec, spec.input_shape, spec.name)
    assert result.match, result.mismatches()
