"""``costcalc.register_operator``: a user's rule costs their operator in analyze and in both counters."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from torch import nn  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure.custom_operators import unregister_operator  # noqa: E402


@torch.library.custom_op("costcalc_test::fused_mm", mutates_args=())
def fused_mm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A "fused" matmul torch cannot see into: one operator, ``a @ b``."""
    return a @ b


@fused_mm.register_fake
def _(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return a.new_empty(a.shape[0], b.shape[1])


class FusedLinear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(8, 5))
        self.head = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.ops.costcalc_test.fused_mm(x, self.weight))


def mm_macs(args, kwargs, out) -> int:
    (rows, inner), (_, columns) = args[0].shape, args[1].shape
    return rows * inner * columns


@pytest.fixture
def registered():
    costcalc.register_operator("costcalc_test::fused_mm", mm_macs)
    yield
    unregister_operator("costcalc_test::fused_mm")


def test_unregistered_operator_is_listed_uncosted_and_its_share_unknown():
    analysis = costcalc.analyze(FusedLinear(), torch.randn(3, 8), reconcile=True)
    assert analysis.macs == 3 * 5 * 2  # the head only: fused_mm has no rule
    [entry] = analysis.uncosted()
    assert entry["operator"] == "costcalc_test::fused_mm" and entry["calls"] == 1
    assert "no analytic rule for costcalc_test::fused_mm" in entry["reason"]
    assert "register_operator" in entry["reason"]
    assert analysis.totals()["costed_share"] is None  # no counter measures it: a lower bound, said so


def test_registered_operator_is_costed_and_both_counters_agree(registered):
    analysis = costcalc.analyze(FusedLinear(), torch.randn(3, 8), reconcile=True)
    # fused_mm 3×8 @ 8×5: 3·8·5 = 120; head 3×5 @ 5×2: 30
    assert analysis.macs == 150 and analysis.uncosted() == []
    totals = analysis.totals()
    assert totals["by_operator"] == {"costcalc_test::fused_mm": 120, "addmm": 30}
    assert totals["by_family"] == {"matmul": 150} and totals["costed_share"] == 1.0
    flop_counter, fvcore = analysis.reconciliation["flop_counter"], analysis.reconciliation["fvcore"]
    assert (flop_counter["measured"], flop_counter["match"]) == (300, True)  # custom_mapping: 2 per MAC
    assert (fvcore["measured"], fvcore["match"], fvcore["unsupported"]) == (150, True, {})  # set_op_handle


def test_a_rule_may_replace_an_aten_rule_and_its_family():
    class Mm(nn.Module):
        def forward(self, a, b):
            return torch.mm(a, b)

    costcalc.register_operator("aten::mm", lambda args, kwargs, out: 7, family="attention")
    try:
        totals = costcalc.analyze(Mm(), (torch.zeros(2, 3), torch.zeros(3, 4))).totals()
    finally:
        unregister_operator("aten::mm")
    assert (totals["macs"], totals["by_family"], totals["by_operator"]) == (7, {"attention": 7}, {"mm": 7})
    assert costcalc.analyze(Mm(), (torch.zeros(2, 3), torch.zeros(3, 4))).macs == 2 * 3 * 4  # built-in again


@pytest.mark.parametrize("name, family, message", [
    ("fused_mm", "matmul", "qualified name 'namespace::name'"),
    ("costcalc_test::fused_mm.default", "matmul", "qualified name"),
    ("costcalc_test::no_such_op", "matmul", "torch has no operator 'costcalc_test::no_such_op'"),
    ("nolib::fused_mm", "matmul", "torch has no operator"),
    ("costcalc_test::fused_mm", "elementwise", "family must be one of convolution, matmul, attention"),
])
def test_bad_registrations_name_the_value_and_what_is_valid(name, family, message):
    with pytest.raises(ValueError, match=message):
        costcalc.register_operator(name, mm_macs, family=family)


def test_a_rule_returning_a_float_is_refused_not_rounded():
    costcalc.register_operator("costcalc_test::fused_mm", lambda args, kwargs, out: 1.5)
    try:
        with pytest.raises(costcalc.measure.analyze.UserCodeError, match="must return the exact MACs"):
            costcalc.analyze(FusedLinear(), torch.randn(3, 8))
    finally:
        unregister_operator("costcalc_test::fused_mm")
