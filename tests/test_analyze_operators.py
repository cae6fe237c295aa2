"""The operator registry (:mod:`costcalc.measure.operators`), one family at a time, against hand formulas."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure.operators import MAC_FAMILIES, RULES, rule_for  # noqa: E402


class Lambda(nn.Module):
    def __init__(self, function) -> None:
        super().__init__()
        self.function = function

    def forward(self, *args):
        return self.function(*args)


Z = torch.zeros

CASES = {
    # convolution: N·C_out·∏out·(C_in/g)·∏k
    "conv1d": (nn.Conv1d(4, 8, 3), Z(2, 4, 10), 2 * 8 * 8 * 4 * 3),
    "conv2d grouped dilated": (nn.Conv2d(8, 16, 3, dilation=2, groups=4), Z(1, 8, 9, 9), 16 * 5 * 5 * 2 * 9),
    "conv2d reflect": (nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), Z(1, 3, 6, 6), 4 * 36 * 3 * 9),
    "conv2d same rectangular": (nn.Conv2d(3, 4, (1, 5), padding="same"), Z(1, 3, 6, 7), 4 * 42 * 3 * 5),
    "conv3d": (nn.Conv3d(2, 4, (3, 1, 1)), Z(1, 2, 5, 4, 4), 4 * 3 * 16 * 2 * 3),
    # transposed: N·C_in·∏in·(C_out/g)·∏k
    "conv_transpose1d grouped": (nn.ConvTranspose1d(4, 8, 4, stride=2, groups=2), Z(1, 4, 10), 4 * 10 * 4 * 4),
    "conv_transpose3d": (nn.ConvTranspose3d(2, 3, 2, stride=2), Z(1, 2, 2, 3, 3), 2 * 18 * 3 * 8),
    "functional conv2d": (Lambda(lambda x: F.conv2d(x, torch.ones(5, 3, 3, 3))), Z(1, 3, 5, 5), 5 * 9 * 27),
    # matmul: M·K·N, B·M·K·N
    "linear 3-D": (nn.Linear(6, 5), Z(2, 7, 6), 14 * 6 * 5),
    "matmul broadcast": (Lambda(lambda a, b: a @ b), (Z(3, 4, 6), Z(6, 2)), 12 * 6 * 2),
    "einsum": (Lambda(lambda a, b: torch.einsum("bik,bkj->bij", a, b)), (Z(2, 3, 4), Z(2, 4, 5)), 2 * 3 * 4 * 5),
    "baddbmm": (Lambda(lambda c, a, b: torch.baddbmm(c, a, b)), (Z(2, 3, 5), Z(2, 3, 4), Z(2, 4, 5)), 2 * 60),
    # attention: B·heads·L·S·E + B·heads·L·S·Ev (cross-attention: L ≠ S, E ≠ Ev)
    "sdpa cross": (Lambda(F.scaled_dot_product_attention), (Z(2, 3, 5, 8), Z(2, 3, 7, 8), Z(2, 3, 7, 4)),
                   2 * 3 * 5 * 7 * (8 + 4)),
    # recurrent: T·B·G·H·(I + H)
    "gru": (nn.GRU(8, 6), Z(5, 2, 8), 5 * 2 * 3 * 6 * (8 + 6)),
    "rnn tanh": (nn.RNN(8, 6, batch_first=True), Z(2, 5, 8), 5 * 2 * 6 * (8 + 6)),
    "lstm two layers bidirectional": (nn.LSTM(8, 6, num_layers=2, bidirectional=True), Z(5, 1, 8),
                                      2 * 5 * 4 * 6 * (8 + 6) + 2 * 5 * 4 * 6 * (12 + 6)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_family_rule_by_hand(name):
    module, inputs, macs = CASES[name]
    analysis = costcalc.analyze(module, inputs, reconcile=True)
    assert analysis.macs == macs
    assert analysis.to_dict()["uncounted"] == []
    counter = analysis.reconciliation["flop_counter"]
    assert counter["explained"] and all(entry["wrong"] == "FlopCounterMode" for entry in counter["disagreements"])


def test_every_mac_rule_has_a_family_and_closed_form():
    for rule in RULES.values():
        assert rule.formula
        assert (rule.macs is not None) == (rule.family in MAC_FAMILIES)


def test_pointwise_tag_makes_unlisted_elementwise_ops_other_ops():
    assert rule_for(torch.ops.aten.atan2.default).family == "elementwise"
    assert rule_for(torch.ops.aten._fft_r2c.default) is None
