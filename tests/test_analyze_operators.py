"""The operator registry (:mod:`costcalc.measure.operators`), one family at a time, against hand formulas."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

import torch.nn.functional as F  # noqa: E402
from analyze_models.structure import Lambda  # noqa: E402
from torch import nn  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure.operators import MAC_FAMILIES, RULES, rule_for  # noqa: E402

Z = torch.zeros
MHA_KDIM_VDIM = nn.MultiheadAttention(16, 4, kdim=8, vdim=12, batch_first=True)  # called by a Lambda, not its child

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
    "addbmm": (Lambda(lambda c, a, b: torch.addbmm(c, a, b)), (Z(3, 5), Z(2, 3, 4), Z(2, 4, 5)), 2 * 3 * 4 * 5),
    # bilinear (aten._trilinear): B·O·I₁·I₂; cdist: B·P·R·M
    "bilinear": (nn.Bilinear(3, 4, 5), (Z(2, 3), Z(2, 4)), 2 * 5 * 3 * 4),
    "cdist": (Lambda(torch.cdist), (Z(2, 5, 3), Z(2, 6, 3)), 2 * 5 * 6 * 3),
    "pdist": (Lambda(F.pdist), Z(5, 8), 5 * 4 // 2 * 8),
    # a max_norm embedding renormalizes the rows it looks up (normalization): a lookup, no MACs
    "embedding max_norm": (nn.Embedding(10, 4, max_norm=1.0), torch.tensor([[1, 2, 3]]), 0),
    # MultiheadAttention's fast path, kdim ≠ vdim ≠ E (unfused): q E², k kdim·E, v vdim·E, out E², 2·B·L·S·E
    "mha kdim vdim": (Lambda(lambda q, k, v: MHA_KDIM_VDIM(q, k, v)[0]), (Z(2, 5, 16), Z(2, 7, 8), Z(2, 7, 12)),
                      2 * 5 * 256 + 2 * 7 * 8 * 16 + 2 * 7 * 12 * 16 + 2 * 5 * 256 + 2 * 2 * 5 * 7 * 16),
    # grouped-query attention: 8 query heads share 2 key/value heads; each query head still sees S keys
    "sdpa gqa": (Lambda(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True)),
                 (Z(2, 8, 5, 16), Z(2, 2, 7, 16), Z(2, 2, 7, 16)), 2 * 8 * 5 * 7 * (16 + 16)),
    # TransformerEncoderLayer's fast path (aten._transformer_encoder_layer_fwd), B=2, L=5, E=16, F=32:
    # 3·T·E² + 2·B·L²·E + T·E² + 2·T·E·F with T = B·L = 10
    "transformer encoder fast path": (nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), Z(2, 5, 16),
                                      3 * 10 * 256 + 2 * 2 * 25 * 16 + 10 * 256 + 2 * 10 * 16 * 32),
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


@pytest.mark.parametrize("name", list(CASES))
def test_family_rule_holds_under_inference_mode(name):
    """Under ``torch.inference_mode()`` torch hands the recorder composite operators whole (``conv2d``,
    ``linear``, ``matmul``, …): the recorder decomposes them as a normal run does, so every count holds."""
    module, inputs, macs = CASES[name]
    with torch.inference_mode():
        analysis = costcalc.analyze(module, inputs)
    assert analysis.macs == macs
    assert analysis.to_dict()["uncounted"] == []


def test_every_mac_rule_has_a_family_and_closed_form():
    for rule in RULES.values():
        assert rule.formula
        assert (rule.macs is not None) == (rule.family in MAC_FAMILIES)


def test_pointwise_tag_makes_unlisted_elementwise_ops_other_ops():
    assert rule_for(torch.ops.aten.atan2.default).family == "elementwise"
    assert rule_for(torch.ops.aten._fft_r2c.default) is None


def _padding_mask() -> torch.Tensor:
    mask = torch.zeros(2, 5, dtype=torch.bool)
    mask[1, 3:] = True  # the second sequence has 3 tokens
    return mask


@pytest.mark.parametrize("norm_first, activation", [(False, "relu"), (True, "gelu")])
def test_transformer_fast_path_costs_what_the_unfused_layer_runs(norm_first, activation):
    layer = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True, norm_first=norm_first, activation=activation)
    x = torch.randn(2, 5, 16)
    fused = costcalc.analyze(layer, x)
    assert {op.name for op in fused.recording.operators if op.macs} == {"_transformer_encoder_layer_fwd"}
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        unfused = costcalc.analyze(layer, x)
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
    assert "_transformer_encoder_layer_fwd" not in {op.name for op in unfused.recording.operators}
    assert fused.macs == unfused.macs == 3 * 10 * 256 + 2 * 2 * 25 * 16 + 10 * 256 + 2 * 10 * 16 * 32


def test_padded_batch_as_nested_tensor_costs_the_real_tokens():
    """``TransformerEncoder`` with a padding mask packs the batch into a nested tensor of 5 + 3 tokens:
    each of 3 layers costs T·(4E² + 2EF) + 2·(5² + 3²)·E with T = 8."""
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 3)
    analysis = costcalc.analyze(encoder, (torch.randn(2, 5, 16), None, _padding_mask()))
    payload = analysis.to_dict()
    assert analysis.macs == 3 * (8 * (4 * 256 + 2 * 16 * 32) + 2 * (25 + 9) * 16)
    assert payload["uncounted"] == [] and payload["output"] == [2, 5, 16]
    assert {"layers.0", "layers.2"} <= {row["name"] for row in payload["modules"] if row["calls"]}


@pytest.mark.parametrize("operator, family", [
    ("view_as_real", "data_movement"), ("_pack_padded_sequence", "data_movement"),
    ("_embedding_bag", "pooling"), ("addr", "elementwise"), ("_nested_tensor_from_mask", "data_movement")])
def test_views_packing_and_bags_are_not_uncosted(operator, family):
    assert rule_for(getattr(torch.ops.aten, operator).default).family == family


def test_rule_that_cannot_read_a_call_lists_it_uncosted():
    """A rule raising on an unusual call must not crash the analysis nor count 0 silently."""
    from costcalc.measure import operators

    broken = operators.Rule("matmul", "M·K·N", lambda named, out: named["no such argument"])
    original = operators.RULES["mm"]
    operators.RULES["mm"] = broken
    try:
        payload = costcalc.analyze(Lambda(torch.mm), (Z(2, 3), Z(3, 4))).to_dict()
    finally:
        operators.RULES["mm"] = original
    assert [entry["operator"] for entry in payload["uncounted"]] == ["mm"]
    assert payload["totals"]["macs"] == 0 and payload["totals"]["costed_share"] == 0.0


@pytest.mark.parametrize("function, inputs, macs, cause", [
    # fvcore's matmul handle ignores the broadcast batch: 2·1·3·4·6 = 144 instead of 2·5·3·4·6 = 720
    (lambda a, b: a @ b, (Z(2, 1, 3, 4), Z(5, 4, 6)), 2 * 5 * 3 * 4 * 6, "fvcore's matmul handle miscounts"),
    (lambda a, b: a @ b, (Z(4), Z(3, 4, 5)), 3 * 4 * 5, "fvcore's matmul handle miscounts"),
    (lambda a, b: torch.tensordot(a, b, dims=([1, 2], [0, 1])), (Z(3, 4, 5), Z(4, 5, 6)), 3 * 4 * 5 * 6,
     "fvcore has no handle for aten::tensordot"),
    (lambda a, b, c: torch.linalg.multi_dot([a, b, c]), (Z(3, 4), Z(4, 5), Z(5, 6)), 3 * 4 * 5 + 3 * 5 * 6,
     "fvcore has no handle for aten::linalg_multi_dot"),
])
def test_fvcore_difference_confirmed_by_flop_counter_is_explained(function, inputs, macs, cause):
    """Where FlopCounterMode measures exactly 2 × the analytic MACs, fvcore is the counter that is wrong."""
    analysis = costcalc.analyze(Lambda(function), inputs, reconcile=True)
    assert analysis.macs == macs and analysis.reconciliation["flop_counter"]["match"]
    (entry,) = analysis.reconciliation["fvcore"]["disagreements"]
    assert entry["analytic"] == macs and entry["measured"] != macs
    assert entry["explained"] and entry["wrong"] == "fvcore" and entry["cause"].startswith(cause)


@pytest.mark.parametrize("module, inputs, macs", [
    # LSTM with projections (no oneDNN kernel: runs as mm/addmm): fvcore skips aten::lstm
    (nn.LSTM(8, 6, proj_size=3), Z(5, 1, 8), 5 * (4 * 6 * (8 + 3) + 6 * 3)),
    (nn.GRU(8, 6, batch_first=True), Z(3, 5, 8), 5 * 3 * 3 * 6 * (8 + 6)),
])
def test_recurrent_layers_pass_strict_whichever_kernel_runs(module, inputs, macs):
    analysis = costcalc.analyze(module, inputs, reconcile=True)
    assert analysis.macs == macs
    assert analysis.reconciliation["fvcore"]["explained"] and analysis.reconciliation["flop_counter"]["explained"]


class SelfAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x):
        return self.attention(x, x, x)[0]


@pytest.mark.parametrize("module, family, params", [
    # in_proj 3E² + 3E, out_proj E² + E, norms 4E, linear1 EF + F, linear2 FE + E (E = 16, F = 32)
    (nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), "transformer_fused", 4 * 256 + 4 * 16 + 4 * 16 + 2 * 512
     + 32 + 16),
    (SelfAttention(), "attention_fused", 4 * 256 + 4 * 16),
])
def test_fused_kernel_row_owns_the_weights_it_reads(module, family, params):
    """A fused kernel reads the weights of submodules that never ran (linear1/2, self_attn, out_proj):
    its layer row — and so --memory's weight traffic — carries them all."""
    (row,) = costcalc.analyze(module, Z(2, 5, 16)).layers()
    assert row["family"] == family and row["params"] == params == sum(p.numel() for p in module.parameters())


def test_transformer_encoder_counter_differences_are_explained():
    """fvcore traces each layer unfused but its attention through the fused MHA kernel it has no handle
    for: it measures the feed-forward 2·T·E·F = 2·10·16·32 and skips the rest; FlopCounterMode has no
    rule for the fused layer. Both are named wrong, so --strict passes on the exact count."""
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 2,
                                    enable_nested_tensor=False)
    analysis = costcalc.analyze(encoder, Z(2, 5, 16), reconcile=True)
    per_layer = 3 * 10 * 256 + 2 * 2 * 25 * 16 + 10 * 256 + 2 * 10 * 16 * 32
    assert analysis.macs == 2 * per_layer
    fvcore = analysis.reconciliation["fvcore"]
    rows = [(entry["layer"], entry["analytic"], entry["measured"], entry["wrong"]) for entry in fvcore["disagreements"]]
    assert rows == [(f"layers.{index}", per_layer, 2 * 10 * 16 * 32, "fvcore") for index in range(2)]
    assert fvcore["explained"] and analysis.reconciliation["flop_counter"]["explained"]


class ClassifierWithLoss(nn.Module):
    """A forward that also scatters, sorts, compares and computes its losses, as training code does."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x, target):
        logits = self.fc(x)
        counts = torch.zeros(4).index_add(0, target, torch.ones(len(target)))
        ranked = logits.argsort(dim=1)
        correct = (logits.argmax(dim=1) == target).float().mean()
        loss = F.cross_entropy(logits, target) + F.mse_loss(logits, torch.zeros_like(logits)) \
            + F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)) + F.smooth_l1_loss(logits, logits)
        return loss, counts, ranked, correct, torch.eye(4)[target], logits.median()


def test_losses_reductions_and_scatters_are_other_ops_not_uncosted():
    payload = costcalc.analyze(ClassifierWithLoss(), (Z(3, 8), torch.tensor([0, 2, 1]))).to_dict()
    assert payload["uncounted"] == [] and payload["totals"]["macs"] == 3 * 8 * 4
    assert payload["totals"]["other_ops"]["loss"] == 4  # four scalar losses


class MaskedEncoder(nn.Module):
    """A forward with a required keyword-only argument."""

    def __init__(self) -> None:
        super().__init__()
        self.project = nn.Linear(8, 8)

    def forward(self, x, *, mask):
        return F.scaled_dot_product_attention(self.project(x), x, x, attn_mask=mask)


def test_keyword_only_arguments_are_passed_to_forward():
    x, mask = Z(2, 5, 8), torch.ones(5, 5, dtype=torch.bool)
    analysis = costcalc.analyze(MaskedEncoder(), x, kwargs={"mask": mask}, reconcile=True)
    # projection 2·5·8·8, QKᵀ + AV 2·5·5·(8 + 8)
    assert analysis.macs == 2 * 5 * 64 + 2 * 5 * 5 * 16 and analysis.inputs == [[2, 5, 8], [5, 5]]
    assert analysis.reconciliation["flop_counter"]["explained"]
    assert analysis.reconciliation["fvcore"]["error"] == "fvcore traces positional inputs only, not the keyword " \
                                                         "arguments mask"


def test_bilinear_passes_strict(run, tmp_path):
    """fvcore skips aten::bilinear; that gap is explained (matmul), so --strict accepts a Bilinear model."""
    path = tmp_path / "bilinear.py"
    path.write_text("from torch import nn\n"
                    "class B(nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n        self.b = nn.Bilinear(4, 5, 6)\n"
                    "    def forward(self, x):\n        return self.b(x[:, :4], x[:, :5])\n")
    data = run.json("analyze", f"{path}:B", "--input", "2,8", "--strict")
    assert data["totals"]["macs"] == 2 * 4 * 5 * 6  # N·I1·I2·O
