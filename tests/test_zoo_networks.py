"""The networks as PyTorch modules: forward shapes, trainability and fvcore parity."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.cost import cost  # noqa: E402
from costcalc.measure import EffNet, MobileNetV1, ShuffleNetV1  # noqa: E402
from costcalc.measure.reconcile import reconcile  # noqa: E402


@pytest.mark.parametrize("module, res, classes", [
    (lambda: MobileNetV1(0.25, 64, 10), 64, 10), (lambda: MobileNetV1(0.5, 97, 7), 97, 7),
    (lambda: ShuffleNetV1(3, 0.5, 64, 10), 64, 10), (lambda: ShuffleNetV1(1, 0.25, 48, 5), 48, 5),
    (lambda: ShuffleNetV1(8, 0.5, 96, 3), 96, 3), (lambda: EffNet(32, 10), 32, 10), (lambda: EffNet(40, 4), 40, 4),
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


@pytest.mark.parametrize("spec", [
    MobileNetV1(0.25, 96).network, ShuffleNetV1(8, 0.25, 64).network, ShuffleNetV1(2, 1.0, 64).network,
    EffNet(32).network,
], ids=["mobilenet-0.25-96", "shufflenet-g8-0.25-64", "shufflenet-g2-1.0-64", "effnet-32"])
def test_fvcore_parity(spec):
    result = reconcile(spec, spec.input_shape, spec.name)
    assert result.match, result.mismatches()
