"""``analyze --training``: a training step's forward + backward MACs, exact on hand-derived cases, and
FlopCounterMode running a real backward on the same model — equal where it is right, its errors named.

Notation: F = a layer's forward MACs. Autograd computes ``grad_input`` only where the input needs a
gradient and ``grad_weight`` only where the weight requires grad; each costs F for a convolution or a
matmul operand (FLOPs = 2 × MACs; FlopCounterMode counts FLOPs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from analyze_models.cannot_train import IntegerOutput, NoGradForward, frozen  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional  # noqa: E402
from torch.utils.checkpoint import checkpoint  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure.user_code import TargetError  # noqa: E402

CANNOT_TRAIN = Path(__file__).resolve().parent / "analyze_models" / "cannot_train.py"

EXAMPLE = f"{Path(__file__).resolve().parents[1] / 'configs' / 'examples' / 'frozen_stem_cnn.py'}:FrozenStemCNN"


def step(model: nn.Module, *inputs, **options) -> dict:
    """``totals.training`` of a reconciled training analysis."""
    analysis = costcalc.analyze(model, inputs if len(inputs) > 1 else inputs[0], training=True, reconcile=True,
                                **options)
    return analysis.to_dict()["totals"]["training"]


def counted(training: dict) -> tuple[int, int, int]:
    return training["forward_macs"], training["backward_macs"], training["flop_counter"]["measured_flops"]


def assert_flop_counter_agrees(training: dict) -> None:
    check = training["flop_counter"]
    assert check["measured_flops"] == check["analytic_flops"] == 2 * training["backward_macs"]
    assert check["disagreements"] == [] and check["explained"]


# -- hand-derived convolutions ------------------------------------------------------------------------------


def test_depthwise_weight_gradient_is_its_forward_and_flop_counter_counts_it_32_times():
    # 32-channel depthwise 3×3, pad 1, on 1×32×56×56 (input needs grad):
    # F = N·C_out·H·W·(C_in/g)·k² = 1·32·56·56·1·9 = 903,168 MACs.
    # backward = grad_input F + grad_weight F = 1,806,336 MACs = 3,612,672 FLOPs.
    # FlopCounterMode (torch 2.13): grad_input 2F = 1,806,336 + grad_weight g·2F = 32·1,806,336 = 57,802,752
    # → 59,609,088 FLOPs, 16.5× the exact figure.
    conv = nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False)
    training = step(conv, torch.zeros(1, 32, 56, 56, requires_grad=True))
    assert counted(training) == (903_168, 1_806_336, 59_609_088)
    check = training["flop_counter"]
    assert check["analytic_flops"] == 3_612_672 and check["expected_flops"] == 59_609_088 and check["explained"]
    [entry] = check["disagreements"]
    assert "weight gradient 32×" in entry["cause"] and (entry["analytic"], entry["measured"]) == (3_612_672, 59_609_088)


def test_grouped_conv_weight_gradient_is_not_g_times():
    # Conv2d 16→32 3×3, groups 4, pad 1 on 2×16×8×8: F = 2·32·64·(16/4)·9 = 147,456.
    # backward = grad_input F + grad_weight F = 294,912; FlopCounterMode 2·(F + 4F) = 10F = 1,474,560 FLOPs.
    conv = nn.Conv2d(16, 32, 3, padding=1, groups=4)
    training = step(conv, torch.zeros(2, 16, 8, 8, requires_grad=True))
    assert counted(training) == (147_456, 294_912, 1_474_560) and training["flop_counter"]["explained"]


def test_transposed_conv_fed_plain_data_costs_its_weight_gradient_only():
    # ConvTranspose2d 8→4 3×3 /2 on 1×8×5×5: each input position scatters one kernel,
    # F = N·C_in·∏in·(C_out/g)·k² = 1·8·25·4·9 = 7,200; the input needs no grad: backward = grad_weight = 7,200.
    conv = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
    training = step(conv, torch.zeros(1, 8, 5, 5))
    assert counted(training)[:2] == (7_200, 7_200)
    assert_flop_counter_agrees(training)


def test_dilated_conv():
    # Conv2d 4→6 3×3 dilation 2 pad 2 on 1×4×10×10 keeps 10×10: F = 1·6·100·4·9 = 21,600; input needs grad: 2F.
    conv = nn.Conv2d(4, 6, 3, dilation=2, padding=2)
    training = step(conv, torch.zeros(1, 4, 10, 10, requires_grad=True))
    assert counted(training)[:2] == (21_600, 43_200)
    assert_flop_counter_agrees(training)


def test_frozen_stem_example_by_module(run):
    # FrozenStemCNN on 8×3×32×32 (every conv pad 1, no bias):
    #   stem 3→16 3×3 frozen: F = 8·16·32·32·27 = 3,538,944, backward 0 (frozen, fed plain data)
    #   conv 16→32 3×3 /2: F = 8·32·16·16·144 = 9,437,184; its input (the frozen stem's) needs no grad:
    #     grad_weight only = 9,437,184
    #   depthwise 32 3×3: F = 8·32·256·9 = 589,824, backward 2F = 1,179,648
    #   pointwise 32→64: F = 8·64·256·32 = 4,194,304, backward 2F = 8,388,608
    #   fc 64→10: F = 8·64·10 = 5,120, backward 2F = 10,240
    # forward 17,765,376, backward 19,015,680. FlopCounterMode adds (32 − 1)·2·589,824 = 36,569,088 FLOPs on the
    # depthwise weight gradient: 2·19,015,680 + 36,569,088 = 74,600,448.
    payload = run.json("analyze", EXAMPLE, "--input", "8,3,32,32", "--training")
    training = payload["totals"]["training"]
    assert (training["forward_macs"], training["backward_macs"], training["macs"]) == (17_765_376, 19_015_680,
                                                                                     36_781_056)
    rows = {row["name"]: row for row in payload["modules"]}
    assert rows["stem"]["training"] == {"forward_macs": 3_538_944, "backward_macs": 0, "macs": 3_538_944}
    assert rows["conv"]["training"]["backward_macs"] == 9_437_184
    assert rows["depthwise"]["training"]["backward_macs"] == 1_179_648
    assert rows["(model)"]["training"] == {key: training[key] for key in ("forward_macs", "backward_macs", "macs")}
    assert (rows["stem"]["trainable_params"], rows["stem"]["params"]) == (0, 464)
    assert payload["totals"]["trainable_params"] == 7_850 and payload["totals"]["frozen_params"] == 464
    assert training["flop_counter"]["measured_flops"] == 74_600_448 and training["flop_counter"]["explained"]
    assert training["by_operator"] == {"convolution": {"forward_macs": 17_760_256, "backward_macs": 19_005_440},
                                       "addmm": {"forward_macs": 5_120, "backward_macs": 10_240}}


# -- matmul, attention, recurrent -----------------------------------------------------------------------------


def test_linear_with_frozen_weight_costs_the_input_gradient_only():
    # Linear 6→3 on 5×6, weight frozen (bias trainable), input needs grad: F = 5·6·3 = 90; backward = grad_input 90
    # (the bias gradient is a sum, not a MAC).
    linear = nn.Linear(6, 3)
    linear.weight.requires_grad_(False)
    training = step(linear, torch.zeros(5, 6, requires_grad=True))
    assert counted(training)[:2] == (90, 90)
    assert_flop_counter_agrees(training)


class Batched(nn.Module):
    def __init__(self):
        super().__init__()
        self.right = nn.Parameter(torch.zeros(2, 4, 5))

    def forward(self, x):
        return torch.bmm(x, self.right)


def test_bmm_each_operand_gradient_where_needed():
    # bmm (2×3×4)·(2×4×5): F = 2·3·4·5 = 120. Input plain, parameter trainable: grad of the parameter only, 120;
    # input needing grad too: 240.
    assert counted(step(Batched(), torch.zeros(2, 3, 4)))[:2] == (120, 120)
    training = step(Batched(), torch.zeros(2, 3, 4, requires_grad=True))
    assert counted(training)[:2] == (120, 240)
    assert_flop_counter_agrees(training)


class Attention(nn.Module):
    """Scaled dot-product attention of learned q, k, v: batch 1, 2 heads, L = S = 5, E = Ev = 8."""

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = (nn.Parameter(torch.randn(1, 2, 5, 8)) for _ in range(3))

    def forward(self, x):
        return functional.scaled_dot_product_attention(self.q + x, self.k, self.v)


def test_fused_attention_backward_recomputes_scores():
    # Forward QKᵀ + AV = B·h·L·S·(E + Ev) = 1·2·5·5·16 = 800. The fused backward kernel recomputes QKᵀ (L·S·E),
    # then dA and dV (L·S·Ev each), dQ and dK (L·S·E each): 1·2·5·5·(3·8 + 2·8) = 2,000.
    # FlopCounterMode has no rule for the CPU flash kernel, forward or backward: it counts 0, named.
    training = step(Attention(), torch.zeros(1, 2, 5, 8))
    assert counted(training) == (800, 2_000, 0)
    check = training["flop_counter"]
    assert check["explained"] and "no rule for the backward of aten._scaled_dot_product_flash_attention_for_cpu" in \
        check["disagreements"][0]["cause"]


def test_math_attention_is_bmm_and_flop_counter_agrees():
    # The math backend runs QKᵀ and AV as two bmm of 2·5·8·5 = 400 each (forward 800); backward: dQ, dK
    # (QKᵀ's operands) and dA, dV (AV's) = 4·400 = 1,600, no recomputation. FlopCounterMode counts the same.
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(SDPBackend.MATH):
        training = step(Attention(), torch.zeros(1, 2, 5, 8))
    assert counted(training)[:2] == (800, 1_600)
    assert_flop_counter_agrees(training)


def test_lstm_backward_kernel_computes_every_gradient():
    # LSTM 8→16 on T=5, B=2: F = T·B·4H·(I + H) = 5·2·64·24 = 15,360; mkldnn_rnn_layer_backward computes the input,
    # hidden and both weight gradients in one kernel: 2F = 30,720. FlopCounterMode has no rule for it (0), named.
    training = step(nn.LSTM(8, 16), torch.zeros(5, 2, 8))
    assert counted(training) == (15_360, 30_720, 0) and training["flop_counter"]["explained"]


# -- recomputation ----------------------------------------------------------------------------------------------


class Checkpointed(nn.Module):
    """Three Linear 8→8; a and b inside one checkpointed region (``use_reentrant`` as given) or b alone."""

    def __init__(self, reentrant: bool):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8)
        self.reentrant = reentrant

    def forward(self, x):
        if self.reentrant:  # the reentrant variant needs a region input that requires grad
            return self.c(checkpoint(self.b, self.a(x), use_reentrant=True))
        return self.c(checkpoint(lambda t: self.b(torch.relu(self.a(t))), x, use_reentrant=False))


@pytest.mark.parametrize("reentrant", [False, True])
def test_checkpointed_region_counts_the_forward_it_reruns(reentrant):
    # Each Linear on 3×8: F = 3·8·8 = 192; forward 3F = 576. Gradients: a is fed plain data (grad_weight F),
    # b and c need both (2F each): 5F = 960. Recomputation: non-reentrant reruns the region only until it has
    # what backward needs — a's output, saved for b — so a alone (F = 192); reentrant reruns the region (b, F).
    # backward = 960 + 192 = 1,152 either way; FlopCounterMode sees the same rerun and agrees.
    training = step(Checkpointed(reentrant), torch.zeros(3, 8))
    assert counted(training)[:2] == (576, 1_152) and training["recomputed_macs"] == 192
    assert_flop_counter_agrees(training)


# -- FlopCounterMode agrees wherever it is right ------------------------------------------------------------


class BasicBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
        self.conv2, self.bn2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.stem.requires_grad_(False)
        self.blocks = nn.Sequential(BasicBlock(16), BasicBlock(16))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


def test_resnet_with_frozen_stem_agrees_with_flop_counter():
    # 2×3×16×16: stem F = 2·16·256·27 = 221,184 (backward 0); four 16→16 3×3 convs F = 2·16·256·144 = 1,179,648 each,
    # the first fed the frozen stem's output: grad_weight only; the other three 2F; fc 16→10: F = 320, 2F.
    # backward = 1,179,648 + 3·2,359,296 + 640 = 8,258,176.
    training = step(SmallResNet(), torch.zeros(2, 3, 16, 16))
    assert counted(training)[:2] == (221_184 + 4 * 1_179_648 + 320, 8_258_176)
    assert_flop_counter_agrees(training)


def test_mlp_agrees_with_flop_counter():
    # 4×20 → 30 → 5: F = 2,400 + 600; the first layer is fed plain data (grad_weight 2,400), the second 2·600.
    training = step(nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 5)), torch.zeros(4, 20))
    assert counted(training)[:2] == (3_000, 3_600)
    assert_flop_counter_agrees(training)


def test_small_transformer_agrees_with_flop_counter_on_the_math_path():
    from torch.nn.attention import SDPBackend, sdpa_kernel

    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), 2)
    with sdpa_kernel(SDPBackend.MATH):
        training = step(encoder, torch.zeros(2, 7, 32))
    # forward per layer on T = 14 tokens: in-proj 14·32·96 + QKᵀ, AV 2·2·4·7·7·8 + out-proj 14·32·32
    # + FFN 2·14·32·64 = 43,008 + 6,272 + 14,336 + 57,344 = 120,960; two layers 241,920.
    assert training["forward_macs"] == 241_920
    assert_flop_counter_agrees(training)


@settings(max_examples=12, deadline=None)
@given(groups=st.sampled_from([1, 2, 4]), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       kernel=st.sampled_from([1, 3]), input_grad=st.booleans())
def test_conv_backward_is_flop_counter_less_its_grouped_weight_error(groups, stride, dilation, kernel, input_grad):
    conv = nn.Conv2d(8, 8, kernel, stride=stride, dilation=dilation, padding=dilation * (kernel // 2), groups=groups)
    forward, backward, measured = counted(step(conv, torch.zeros(1, 8, 9, 9, requires_grad=input_grad)))
    assert backward == forward * (1 + input_grad)
    assert measured == 2 * backward + 2 * (groups - 1) * forward


# -- the Analysis object and bad input ---------------------------------------------------------------------


def test_training_attribute_is_none_unless_asked():
    model = nn.Linear(4, 2)
    assert costcalc.analyze(model, torch.zeros(1, 4)).training is None
    training = costcalc.analyze(model, torch.zeros(1, 4), training=True).training
    assert (training.forward_macs, training.backward_macs, training.macs) == (8, 8, 16)
    assert training.to_dict()["flop_counter"] is None  # not reconciled unless asked


def test_training_leaves_grads_and_modes_as_they_were():
    model = nn.Sequential(nn.Linear(4, 2), nn.Dropout())
    model.train()
    costcalc.analyze(model, torch.zeros(1, 4), training=True)
    assert all(parameter.grad is None for parameter in model.parameters()) and model[1].training


@pytest.mark.parametrize("make, reason", [
    (IntegerOutput, "the model's output has no floating-point tensor to differentiate (got int64)"),
    (frozen, "no parameter requires grad (every parameter is frozen) and no input requires grad"),
    (NoGradForward, "the model's output does not require grad: its forward runs under torch.no_grad()"),
])
def test_a_model_that_cannot_run_backward_is_refused(make, reason):
    with pytest.raises(TargetError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        costcalc.analyze(make(), torch.zeros(2, 4), training=True)


@pytest.mark.parametrize("name, reason", [
    ("IntegerOutput", "no floating-point tensor to differentiate (got int64)"),
    ("frozen", "no parameter requires grad (every parameter is frozen)"),
    ("NoGradForward", "its forward runs under torch.no_grad() or detaches"),
])
def test_cli_refuses_a_model_that_cannot_run_backward(run, name, reason):
    line = run.error("analyze", f"{CANNOT_TRAIN}:{name}", "--input", "2,4", "--training")
    assert line.startswith("Error: ") and reason in line and "--training" in line


def test_cli_unknown_optimizer_lists_the_valid_ones(run):
    line = run.error("analyze", EXAMPLE, "--input", "1,3,32,32", "--optimizer", "lion")
    assert "'lion' is not one of 'sgd', 'momentum', 'adam', 'adamw'" in line


def test_api_unknown_optimizer_lists_the_valid_ones():
    with pytest.raises(TargetError, match="optimizer must be one of sgd, momentum, adam, adamw, got 'lion'"):
        costcalc.analyze(nn.Linear(2, 2), torch.zeros(1, 2), optimizer="lion")


def test_cli_training_table_names_flop_counter_error(run):
    result = run("analyze", EXAMPLE, "--input", "8,3,32,32", "--training", "--reconcile", "--depth", "1")
    text = " ".join(result.stdout.split())  # titles wrap to the table's width
    assert "training step, 36,781,056 MACs (17,765,376 forward + 19,015,680 backward, 1.070x the forward)" in text
    assert "FlopCounterMode, real backward: 74,600,448 FLOPs vs 38,031,360 analytic" in text
    assert "weight gradient 32× (torch 2.13 conv_backward_flop ignores groups)" in text
    json.loads(run("analyze", EXAMPLE, "--input", "1,3,32,32", "--training", "--format", "json").stdout)


def test_strict_passes_when_flop_counter_backward_errors_are_named(run):
    # the depthwise weight gradient FlopCounterMode counts 32× is named, so --strict still exits 0
    payload = run.json("analyze", EXAMPLE, "--input", "1,3,32,32", "--training", "--strict")
    assert payload["totals"]["training"]["flop_counter"]["explained"]


def test_strict_fails_on_an_unexplained_backward_difference():
    from costcalc.commands.analyze import strict_ok

    payload = {"reconciliation": {}, "uncounted": [], "unseen": [],
               "totals": {"training": {"flop_counter": {"explained": False}}}}
    assert not strict_ok(payload)
    payload["totals"]["training"]["flop_counter"]["explained"] = True
    assert strict_ok(payload)


def test_training_step_runs_in_training_mode_and_puts_every_buffer_back():
    # Batch norm in training mode moves its running statistics and counts the batch; analyze puts them back.
    # Dropout in training mode keeps a mask for backward: on CPU it draws a float32 mask and multiplies by it, so the
    # 4×8 mask (128 B) is saved besides the product (which the last Linear saves instead of batch norm's output).
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2)).eval()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    with_dropout = costcalc.analyze(model, torch.ones(4, 4), training=True).footprint.activations_bytes
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    assert not model.training
    model[2].p = 0.0  # dropout with p = 0 returns its input as it is, keeping no mask
    assert with_dropout - costcalc.analyze(model, torch.ones(4, 4), training=True).footprint.activations_bytes == 128
