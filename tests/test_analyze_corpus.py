"""``costcalc.analyze`` on a corpus of realistic models: exact totals written out by hand formula,
compared with fvcore and FlopCounterMode, every difference explained.

Notation: a convolution costs ``N·C_out·∏out·(C_in/g)·∏k`` MACs (transposed: ``N·C_in·∏in·(C_out/g)·∏k``),
a linear ``rows·in·out``, attention ``B·heads·L·S·d`` for each of QKᵀ and AV, an LSTM ``T·B·4H·(I + H)``.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from analyze_models import sequence, structure, vision  # noqa: E402

import costcalc  # noqa: E402


def resnet18_macs() -> int:
    stem = 112 * 112 * 64 * 3 * 7 * 7
    stage1 = 4 * (56 * 56 * 64 * 64 * 9)
    later = 0
    for size, width in ((28, 128), (14, 256), (7, 512)):
        # first 3×3 (stride 2, from width/2), three 3×3 at width, the 1×1 stride-2 projection
        later += size * size * width * (width // 2) * 9 + 3 * size * size * width * width * 9 \
            + size * size * width * (width // 2)
    return stem + stage1 + later + 512 * 1000


def mobilenet_v2_macs() -> int:
    """Sandler et al. Table 2: per block 1×1 expansion Df²·M·tM, 3×3 depthwise Df'²·tM·9, 1×1 projection Df'²·tM·N."""
    size, cin = 112, 32
    macs = 112 * 112 * 32 * 3 * 9
    for t, c, n, s in vision.MobileNetV2.SETTINGS:
        for index in range(n):
            stride = s if index == 0 else 1
            hidden, out = cin * t, size // stride
            macs += (size * size * cin * hidden if t != 1 else 0) + out * out * hidden * 9 + out * out * hidden * c
            size, cin = out, c
    return macs + 7 * 7 * 320 * 1280 + 1280 * 1000


def counters_explained(analysis) -> None:
    """Both counters either agree with the analytic count (in their convention) or every layer that
    differs is explained, naming the counter that is wrong."""
    for key in ("flop_counter", "fvcore"):
        check = analysis.reconciliation[key]
        assert check["explained"], check["disagreements"]
        for entry in check["disagreements"]:
            assert entry["wrong"] in ("FlopCounterMode", "fvcore")


CASES = {
    # name: (model factory, inputs, hand MACs, params)
    "resnet18": (vision.ResNet18, lambda: torch.zeros(1, 3, 224, 224), resnet18_macs(), 11_689_512),
    "mobilenet_v2": (vision.MobileNetV2, lambda: torch.zeros(1, 3, 224, 224), mobilenet_v2_macs(), 3_504_872),
    # enc1 32²·8·3·9, enc2 16²·16·8·9, bottom 8²·32·16·9, up1 (transposed 32→16, 2×2 on 8×8) 32·8²·16·4,
    # dec1 16²·16·32·9, dec2 32²·8·24·9, head 32²·1·8
    "unet": (vision.UNet, lambda: torch.zeros(1, 3, 32, 32),
             32**2 * 8 * 27 + 16**2 * 16 * 72 + 8**2 * 32 * 144 + 32 * 8**2 * 16 * 4 + 16**2 * 16 * 288
             + 32**2 * 8 * 216 + 32**2 * 8, 14_465),
    # conv1 (8·32·32 positions)·8·3·27; conv2 (4·8·8)·16·8·27; fc 16·5
    "video": (sequence.VideoNet, lambda: torch.zeros(1, 3, 8, 32, 32),
              8 * 32 * 32 * 8 * 81 + 4 * 8 * 8 * 16 * 216 + 80, 4_229),
    # conv L=100: 100·16·9; conv2 'same' dilated: 100·32·16·3; LSTM 100·4·24·(32+24); head 100·24·8
    "audio": (sequence.AudioNet, lambda: torch.zeros(1, 1, 400),
              100 * 16 * 9 + 100 * 32 * 48 + 100 * 96 * 56 + 100 * 24 * 8, 7_496),
    # the same 3×3 conv twice (two names, one module) on 16×16: 2·256·8·72; three 8↔16 linears, one weight tied
    "shared": (structure.Shared, lambda: torch.zeros(1, 8, 16, 16), 2 * 256 * 8 * 72 + 3 * 128, 576 + 128 + 128),
    # issue row 2: a Conv2d subclass convolving twice, 8→8 3×3 on 16×16: 2 · 147,456
    "subclass": (lambda: structure.DoubleConv(8, 8, 3, padding=1, bias=False), lambda: torch.zeros(1, 8, 16, 16),
                 294_912, 576),
    # two 16→16 3×3 on 16×16, Linear 16→32 and 32→10; spectral norm's σ = uᵀ(W v): mv 16·144 + dot 16,
    # mv 10·32 + dot 10. params: weight norm g + v + bias, spectral norm original + bias
    "parametrized": (structure.Parametrized, lambda: torch.zeros(1, 16, 16, 16),
                     2 * 256 * 16 * 144 + 16 * 32 + 32 * 10 + 16 * 144 + 16 + 10 * 32 + 10,
                     (16 + 2304 + 16) + (2304 + 16) + (32 + 512 + 32) + (320 + 10)),
    # issue row 4: the input and its flip stacked into a batch of 2: 2·32²·8·27 + 2·32·10
    "stacked": (structure.StackedViews, lambda: torch.zeros(1, 3, 32, 32), 443_008, 224 + 330),
    # issue row 5: Linear 16→32 over the last dimension of a 1×4×4×16 map: 16 rows · 16 · 32
    "linear_nchw": (structure.LinearOverNCHW, lambda: torch.zeros(1, 4, 4, 16), 8_192, 512),
    # issue row 1: Conv1d 32·64·16·5; ConvTranspose2d 32→16 4×4 on 8×8: 32·64·16·16; F.conv2d 256·32·16·9;
    # MHA fast path (E 32, L = S = 256): projections 4·256·32², QKᵀ + AV 2·256·256·32; Linear 256·32·64
    "mixed": (structure.Mixed, lambda: torch.zeros(1, 16, 64),
              32 * 64 * 80 + 32 * 64 * 256 + 256 * 32 * 144 + 4 * 256 * 32**2 + 2 * 256 * 256 * 32 + 256 * 32 * 64,
              (16 * 32 * 5 + 32) + (32 * 16 * 16 + 16) + 32 * 16 * 9 + (3 * 32 * 32 + 96 + 32 * 32 + 32)
              + (32 * 64 + 64)),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_exact_totals_and_counters_explained(name):
    factory, inputs, macs, params = CASES[name]
    analysis = costcalc.analyze(factory(), inputs(), reconcile=True)
    assert (analysis.macs, analysis.params, analysis.flops) == (macs, params, 2 * macs)
    totals = analysis.to_dict()["totals"]
    assert totals["uncosted_operators"] == 0 and totals["costed_share"] == 1.0
    counters_explained(analysis)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_inference_mode_counts_equal_the_normal_run(name):
    """Issue 19 class 1: under ``torch.inference_mode()`` torch hands composite operators over whole."""
    factory, inputs, macs, params = CASES[name]
    with torch.inference_mode():
        analysis = costcalc.analyze(factory(), inputs())
    totals = analysis.to_dict()["totals"]
    assert (analysis.macs, analysis.params, totals["uncosted_operators"]) == (macs, params, 0)


@pytest.mark.slow
def test_resnet18_matches_both_counters_exactly():
    analysis = costcalc.analyze(vision.ResNet18(), torch.zeros(1, 3, 224, 224), reconcile=True)
    fvcore, counter = analysis.reconciliation["fvcore"], analysis.reconciliation["flop_counter"]
    assert fvcore["measured"] == 1_814_073_344 and counter["measured"] == 2 * 1_814_073_344
    # fvcore's conventions, reported apart: batch norm 2 per element, adaptive pool 1 per input element
    bn_elements = 112**2 * 64 + 4 * 56**2 * 64 + 5 * 28**2 * 128 + 5 * 14**2 * 256 + 5 * 7**2 * 512
    assert fvcore["other"] == {"batch_norm": 2 * bn_elements, "adaptive_avg_pool2d": 7 * 7 * 512}
    stage = {row["name"]: row for row in analysis.by_module(depth=1)}
    assert stage["layer1"]["macs"] == 4 * 56 * 56 * 64 * 64 * 9 and stage["fc"]["params"] == 513_000
    assert stage["(model)"]["share"] == 1.0


def test_vit_attention_by_hand_and_with_sdpa():
    # batch 2, 17 tokens, dim 64, 4 heads of 16. Per block: qkv 2·17·64·192, QKᵀ and AV 2·4·17·17·16 each,
    # proj 2·17·64·64, MLP 2·2·17·64·256. Patch conv 2·16·64·192, head 2·64·10.
    block = 2 * 17 * 64 * 192 + 2 * (2 * 4 * 17 * 17 * 16) + 2 * 17 * 64 * 64 + 2 * 2 * 17 * 64 * 256
    macs = 2 * 16 * 64 * 192 + 2 * block + 2 * 64 * 10
    hand = costcalc.analyze(sequence.ViT(), torch.zeros(2, 3, 32, 32), reconcile=True)
    sdpa = costcalc.analyze(sequence.vit_sdpa(), torch.zeros(2, 3, 32, 32), reconcile=True)
    assert hand.macs == sdpa.macs == macs == 3_884_800 and hand.params == sdpa.params == 114_250
    assert hand.to_dict()["totals"]["per_sample"] == {"batch": 2, "macs": macs // 2, "flops": macs}
    assert sdpa.to_dict()["totals"]["by_family"]["attention"] == 2 * 2 * (2 * 4 * 17 * 17 * 16)
    # hand-written attention is bmm: both counters agree; SDPA on CPU: neither counter has a rule
    assert hand.reconciliation["fvcore"]["match"] and hand.reconciliation["flop_counter"]["match"]
    causes = {entry["cause"] for entry in sdpa.reconciliation["fvcore"]["disagreements"]}
    assert causes == {"fvcore has no handle for aten::scaled_dot_product_attention and counts it as 0"}
    missing = sdpa.reconciliation["flop_counter"]["analytic"] - sdpa.reconciliation["flop_counter"]["measured"]
    assert missing == 2 * 2 * 2 * (2 * 4 * 17 * 17 * 16)


@pytest.mark.slow
def test_audio_counter_gaps_named_per_layer():
    analysis = costcalc.analyze(sequence.AudioNet(), torch.zeros(1, 1, 400), reconcile=True)
    fvcore = {entry["layer"]: entry for entry in analysis.reconciliation["fvcore"]["disagreements"]}
    assert fvcore["conv2"]["cause"] == "fvcore has no handle for aten::_convolution_mode and counts it as 0"
    assert fvcore["conv2"]["measured"] == 0 and fvcore["conv2"]["analytic"] == 100 * 32 * 48
    assert fvcore["lstm"]["wrong"] == "fvcore"
    (lstm,) = analysis.reconciliation["flop_counter"]["disagreements"]
    assert lstm["layer"] == "lstm" and lstm["wrong"] == "FlopCounterMode" and lstm["measured"] == 0


def test_mha_fast_path_both_counters_zero():
    analysis = costcalc.analyze(structure.Mixed(), torch.zeros(1, 16, 64), reconcile=True)
    (counter,) = analysis.reconciliation["flop_counter"]["disagreements"]
    assert counter["layer"] == "attn" and counter["measured"] == 0
    assert "aten._native_multi_head_attention" in counter["cause"]
    (fvcore,) = analysis.reconciliation["fvcore"]["disagreements"]
    # in eval mode (as analyzed) the jit trace takes the fused path too, which fvcore has no handle for
    assert fvcore["measured"] == 0 and fvcore["wrong"] == "fvcore"
    assert fvcore["cause"] == "fvcore has no handle for aten::_native_multi_head_attention and counts it as 0"
    kinds = {row["name"]: row["kind"] for row in analysis.to_dict()["layers"]}
    # the functional F.conv2d is a 2-D convolution as it ran (kind from its call, not from a module): conv
    assert kinds == {"conv1d": "convolution", "up": "convolution", "(model)": "conv",
                     "attn": "attention_fused", "fc": "linear"}


def test_tuple_and_dict_inputs():
    pair = (torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8))
    analysis = costcalc.analyze(structure.TwoInputs(), (pair, {"meta": torch.zeros(1, 6)}))
    # one conv 3→4 3×3 on each 8×8 image: 2·64·4·27, then Linear 14→2
    assert analysis.macs == 2 * 64 * 4 * 27 + 14 * 2 and analysis.params == 108 + 30
    assert analysis.inputs == [[1, 3, 8, 8], [1, 3, 8, 8], [1, 6]]
    conv = next(row for row in analysis.by_module() if row["name"] == "conv")
    assert conv["calls"] == 2 and conv["macs"] == 2 * 64 * 4 * 27
    (layer,) = [row for row in analysis.layers() if row["name"] == "conv"]
    assert layer["macs_per_call"] == [64 * 4 * 27, 64 * 4 * 27] and layer["params"] == 108
    batch = costcalc.analyze(structure.DictInput(), ({"image": torch.zeros(2, 3, 8, 8)},))
    assert batch.macs == 2 * 64 * 8 * 3
    assert batch.to_dict()["totals"]["per_sample"] == {"batch": 2, "macs": 64 * 8 * 3, "flops": 2 * 64 * 8 * 3}


def test_conv2d_modules_keep_the_papers_kinds():
    rows = {row["name"]: row for row in costcalc.analyze(vision.MobileNetV2(), torch.zeros(1, 3, 64, 64)).layers()}
    assert rows["features.0.0"]["kind"] == "conv"
    assert rows["features.1.conv.0.0"]["kind"] == "depthwise"
    assert rows["features.1.conv.1.0"]["kind"] == "pointwise"
    assert rows["features.1.conv.1.0"]["formula"] == "M·N·Df² (MobileNet §3.1)"
    assert rows["classifier.1"]["kind"] == "linear"


@pytest.mark.slow
def test_model_state_is_left_alone():
    model = vision.ResNet18()
    model.train()
    state = {key: value.clone() for key, value in model.state_dict().items()}
    costcalc.analyze(model, torch.zeros(1, 3, 32, 32), reconcile=True)
    assert model.training and all(module.training for module in model.modules())
    assert all(torch.equal(state[key], value) for key, value in model.state_dict().items())
    assert not model._forward_hooks and not model._forward_pre_hooks
