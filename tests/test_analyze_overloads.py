"""Operators in every form torch may hand the recorder: each overload read by its schema's argument names.

CUDA, cuDNN, MIOpen, MKL-DNN and MPS variants of the operators the rules know are exercised on CPU with
meta tensors and the operators' real schemas: through the recorder where torch has a meta kernel for
them, else by binding the call to the schema (:func:`costcalc.measure.operators.bind`) and costing it.
"""

from __future__ import annotations

import contextlib
import re

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

import torch.nn.functional as F  # noqa: E402
from analyze_models.structure import Lambda  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure.disagreements import flop_counter_check  # noqa: E402
from costcalc.measure.operators import NOT_COSTED, bind, is_composite, rule_for  # noqa: E402
from costcalc.measure.recorder import record  # noqa: E402

aten = torch.ops.aten


def meta(*shape: int) -> torch.Tensor:
    return torch.zeros(*shape, device="meta")


def costed(op, args: tuple, out_shape: tuple[int, ...]) -> tuple[str | None, int]:
    """The family and MACs the registry gives ``op(*args)`` producing an output of ``out_shape``."""
    rule = rule_for(op)
    if rule is None:
        return None, 0
    named = bind(op, args, {})
    rule = (rule.refine(named) if rule.refine else None) or rule
    return rule.family, rule.macs(named, meta(*out_shape)) if rule.macs else 0


# A depthwise 3×3 conv, 32 channels, stride 2, padding 1 on 8×8: 32·4·4 outputs × (1·3·3) = 4,608 MACs.
# The same at stride 1 ('same'): 32·8·8·9 = 18,432. Argument 6 is ``groups`` (32) in every overload
# but aten.convolution/_convolution, where it is ``transposed``: read by position, the input's 32·8·8
# positions would be costed (18,432 at stride 2, 4×).
X, W = meta(1, 32, 8, 8), meta(32, 1, 3, 3)
S2, P1, D1 = [2, 2], [1, 1], [1, 1]
DEPTHWISE = 32 * 4 * 4 * 9
# conv_transpose 4 → 3 channels, k 2, stride 2 on 5×5: each of 4·25 inputs scatters 3·2·2: 1,200 MACs.
XT, WT = meta(1, 4, 5, 5), meta(4, 3, 2, 2)
TRANSPOSED = 4 * 25 * 3 * 4
Q, K, V = meta(2, 3, 5, 8), meta(2, 3, 7, 8), meta(2, 3, 7, 8)
ATTENTION = 2 * 3 * 5 * 7 * (8 + 8)  # B·heads·L·S·(E + Ev)
QL, KL, VL = meta(2, 5, 3, 8), meta(2, 7, 3, 8), meta(2, 7, 3, 8)  # the kernels' own (B, L, heads, E)

CONVOLUTIONS = [
    (aten.convolution.default, (X, W, None, S2, P1, D1, False, [0, 0], 32), DEPTHWISE),
    (aten._convolution.default, (X, W, None, S2, P1, D1, False, [0, 0], 32, False, False, True, True), DEPTHWISE),
    (aten.convolution_overrideable.default, (X, W, None, S2, P1, D1, False, [0, 0], 32), DEPTHWISE),
    (aten.conv2d.default, (X, W, None, S2, P1, D1, 32), DEPTHWISE),
    (aten.conv2d.padding, (X, W, None, [1, 1], "same", D1, 32), 32 * 64 * 9),
    (aten._convolution_mode.default, (X, W, None, [1, 1], "same", D1, 32), 32 * 64 * 9),
    (aten.mkldnn_convolution.default, (X, W, None, P1, S2, D1, 32), DEPTHWISE),
    (aten.cudnn_convolution.default, (X, W, P1, S2, D1, 32, False, False, True), DEPTHWISE),
    (aten.cudnn_convolution_relu.default, (X, W, None, S2, P1, D1, 32), DEPTHWISE),
    (aten.miopen_convolution.default, (X, W, None, P1, S2, D1, 32, False, False), DEPTHWISE),
    (aten.miopen_depthwise_convolution.default, (X, W, None, P1, S2, D1, 32, False, False), DEPTHWISE),
    (aten._mps_convolution.default, (X, W, None, P1, S2, D1, 32), DEPTHWISE),
    (aten.conv_transpose2d.input, (XT, WT, None, [2, 2], [0, 0], [0, 0], 1, [1, 1]), TRANSPOSED),
    (aten.convolution.default, (XT, WT, None, [2, 2], [0, 0], [1, 1], True, [0, 0], 1), TRANSPOSED),
    (aten.cudnn_convolution_transpose.default, (XT, WT, [0, 0], [0, 0], [2, 2], [1, 1], 1, False, False, True),
     TRANSPOSED),
    (aten.miopen_convolution_transpose.default, (XT, WT, None, [0, 0], [0, 0], [2, 2], [1, 1], 1, False, False),
     TRANSPOSED),
]


@pytest.mark.parametrize("op, args, macs", CONVOLUTIONS, ids=lambda value: getattr(value, "__name__", None))
def test_every_convolution_overload_by_schema_names(op, args, macs):
    transposed = macs == TRANSPOSED
    out = (1, 3, 10, 10) if transposed else (1, 32, 4, 4) if macs == DEPTHWISE else (1, 32, 8, 8)
    assert costed(op, args, out) == ("convolution", macs)


@pytest.mark.parametrize("op, args, out, macs", [
    # linear on (2, 7, 6) × weight (5, 6): 14 rows · 6 · 5
    (aten.linear.default, (meta(2, 7, 6), meta(5, 6)), (2, 7, 5), 14 * 6 * 5),
    (aten.mkldnn_linear.default, (meta(14, 6), meta(5, 6), None), (14, 5), 14 * 6 * 5),
    # matmul with a broadcast batch: (3, 4, 6) @ (6, 2) = 3·4·6·2
    (aten.matmul.default, (meta(3, 4, 6), meta(6, 2)), (3, 4, 2), 3 * 4 * 6 * 2),
    (aten.addmm.default, (meta(5), meta(3, 4), meta(4, 5)), (3, 5), 3 * 4 * 5),
    (aten.addmv.default, (meta(3), meta(3, 4), meta(4)), (3,), 3 * 4),
    (aten._int_mm.default, (meta(16, 32), meta(32, 8)), (16, 8), 16 * 32 * 8),
])
def test_linear_and_matmul_forms(op, args, out, macs):
    assert costed(op, args, out) == ("matmul", macs)


@pytest.mark.parametrize("op, args, macs", [
    (aten._scaled_dot_product_flash_attention.default, (Q, K, V), ATTENTION),
    (aten._scaled_dot_product_efficient_attention.default, (Q, K, V, None, False), ATTENTION),
    (aten._scaled_dot_product_cudnn_attention.default, (Q, K, V, None, False), ATTENTION),
    (aten._scaled_dot_product_flash_attention_for_cpu.default, (Q, K, V), ATTENTION),
    (aten._scaled_dot_product_fused_attention_overrideable.default, (Q, K, V), ATTENTION),
    (aten._flash_attention_forward.default, (QL, KL, VL, None, None, 5, 7, 0.0, False, False), ATTENTION),
    (aten._efficient_attention_forward.default, (QL, KL, VL, None, None, None, None, None, 0.0, 0, False), ATTENTION),
    # grouped-query attention: 8 query heads over 2 key/value heads, each query head sees S = 7 keys
    (aten._scaled_dot_product_flash_attention.default, (meta(1, 8, 5, 16), meta(1, 2, 7, 16), meta(1, 2, 7, 16)),
     8 * 5 * 7 * 32),
])
def test_attention_kernels_through_the_recorder_on_meta(op, args, macs):
    """The CUDA kernels' meta implementations run under the recorder: one attention operator, its MACs."""
    recording = record(Lambda(lambda *tensors: op(*tensors)[0]), args)
    (operator,) = [op_ for op_ in recording.operators if op_.macs]
    assert (operator.family, operator.macs, operator.attention) == ("attention", macs, macs)


@pytest.mark.parametrize("op, args", [
    (aten.cudnn_batch_norm.default, (meta(2, 4, 3, 3), meta(4), meta(4), meta(4), meta(4), False, 0.1, 1e-5)),
    (aten.miopen_batch_norm.default, (meta(2, 4, 3, 3), meta(4), meta(4), meta(4), meta(4), False, 0.1, 1e-5)),
    (aten.native_batch_norm.default, (meta(2, 4, 3, 3), meta(4), meta(4), meta(4), meta(4), False, 0.1, 1e-5)),
    (aten._native_batch_norm_legit_no_training.default, (meta(2, 4, 3, 3), meta(4), meta(4), meta(4), meta(4),
                                                         0.1, 1e-5)),
])
def test_batch_norm_on_every_backend_is_an_other_op(op, args):
    """Issue 22: cudnn_batch_norm (fp32 on CUDA) was uncosted and made every CNN a LOWER BOUND."""
    recording = record(Lambda(lambda *tensors: op(*tensors)[0]), args)
    (operator,) = recording.operators
    assert (operator.family, operator.macs, operator.elements) == ("normalization", 0, 2 * 4 * 9)


@pytest.mark.parametrize("op, args, out, family, macs", [
    # input and weight gradients of the stride-2 depthwise conv: each the forward's 4,608
    (aten.convolution_backward.default, (meta(1, 32, 4, 4), X, W, [32], S2, P1, D1, False, [0, 0], 32,
                                         [True, True, False]), (1, 32, 8, 8), "convolution", 2 * DEPTHWISE),
    (aten.convolution_backward.default, (meta(1, 32, 4, 4), X, W, [32], S2, P1, D1, False, [0, 0], 32,
                                         [False, True, False]), (1, 32, 8, 8), "convolution", DEPTHWISE),
    (aten._scaled_dot_product_flash_attention_backward.default,
     (meta(2, 3, 5, 8), Q, K, V, meta(2, 3, 5, 8), meta(2, 3, 5), None, None, 5, 7, 0.0, False, meta(2), meta(2)),
     (2, 3, 5, 8), "attention", 2 * ATTENTION),
    (aten.cudnn_batch_norm_backward.default, (meta(2, 4, 3, 3), meta(2, 4, 3, 3), meta(4), meta(4), meta(4),
                                              meta(4), meta(4), 1e-5, meta(0)), (2, 4, 3, 3), "normalization", 0),
    (aten.native_batch_norm_backward.default, (meta(2, 4, 3, 3), meta(2, 4, 3, 3), meta(4), meta(4), meta(4),
                                               meta(4), meta(4), False, 1e-5, [True, True, True]),
     (2, 4, 3, 3), "normalization", 0),
])
def test_backward_twins_are_classified(op, args, out, family, macs):
    assert costed(op, args, out) == (family, macs)


MAC_LIKE = re.compile(r"conv|linear|matmul|(^|_)(mm|bmm|addmm|addbmm|baddbmm|mv|addmv|dot|vdot)($|_)|attention|"
                      r"batch_norm")


def test_every_mac_like_aten_overload_has_a_rule_or_a_classification():
    """Walk every aten overload whose name says convolution, linear, matmul, attention or batch norm: each
    has a rule, is decomposed by the recorder (CompositeImplicitAutograd), or is deliberately listed
    uncosted with its reason (:data:`NOT_COSTED`). A new variant cannot silently go uncosted."""
    missing = []
    walked = 0
    for qualified in torch._C._dispatch_get_all_op_names():  # every operator the dispatcher knows
        namespace, _, full = qualified.partition("::")
        name, _, overload = full.partition(".")
        if namespace != "aten" or not MAC_LIKE.search(name) or overload.startswith("out") or name.endswith("_out"):
            continue
        op = getattr(getattr(aten, name), overload or "default")
        walked += 1
        if rule_for(op) is not None or name.rstrip("_") in NOT_COSTED or is_composite(op):
            continue
        missing.append(full)
    assert missing == [] and walked > 150


class DepthwiseInInferenceMode(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32, bias=False)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        with torch.inference_mode():
            return self.fc(self.conv(x).mean((2, 3)))


def test_inference_mode_inside_forward_counts_as_a_normal_run():
    """Issue 19 class 1: conv2d reached the recorder whole and its ``groups`` was read as ``transposed``
    (4× the MACs), aten.linear reached it uncosted. 4,608 (conv) + 32·10 (linear) = 4,928."""
    analysis = costcalc.analyze(DepthwiseInInferenceMode(), torch.zeros(1, 32, 8, 8))
    payload = analysis.to_dict()
    assert analysis.macs == DEPTHWISE + 32 * 10
    assert payload["uncounted"] == [] and payload["totals"]["costed_share"] == 1.0


def test_inference_mode_around_the_api_call():
    model = nn.Sequential(nn.Conv2d(32, 32, 3, stride=2, padding=1, groups=32, bias=False), nn.Flatten(),
                          nn.Linear(512, 10))
    normal = costcalc.analyze(model, torch.zeros(1, 32, 8, 8))
    with torch.inference_mode():
        inference = costcalc.analyze(model, torch.zeros(1, 32, 8, 8), reconcile=True)
    assert inference.macs == normal.macs == DEPTHWISE + 512 * 10
    assert inference.to_dict()["totals"] == normal.to_dict()["totals"]
    assert inference.reconciliation["flop_counter"]["match"]


def test_mkldnn_models_are_counted_right():
    """``torch.utils.mkldnn.to_mkldnn`` runs aten.mkldnn_convolution (argument 6 is ``groups``) between layout
    conversions: 16 outputs × 4·4 positions × 8·3·3 = 18,432 MACs, the conversions data movement."""
    from torch.utils import mkldnn

    converted = mkldnn.to_mkldnn(nn.Sequential(nn.Conv2d(8, 16, 3, padding=1)).eval())
    model = Lambda(lambda x: converted(x.to_mkldnn()).to_dense())
    payload = costcalc.analyze(model, torch.zeros(1, 8, 4, 4)).to_dict()
    assert payload["totals"]["macs"] == 16 * 16 * 8 * 9 == 18_432
    assert payload["uncounted"] == []
    direct = costcalc.analyze(Lambda(lambda x, w: torch.mkldnn_convolution(x, w, None, [1, 1], [1, 1], [1, 1], 1)),
                              (torch.zeros(1, 8, 4, 4), torch.zeros(16, 8, 3, 3)))
    assert direct.macs == 18_432


# -- one meaning for a product with an inner size of 1 (issue 22 point 4) ---------------------------------

@pytest.mark.parametrize("function, inputs", [
    (lambda a, b: a @ b, (torch.zeros(1, 32, 1), torch.zeros(1, 1, 128))),   # bmm (how CUDA runs it)
    (lambda a, b: a @ b, (torch.zeros(32, 1), torch.zeros(1, 128))),         # mm
    (lambda a, b: a * b, (torch.zeros(1, 32, 1), torch.zeros(1, 1, 128))),   # mul (how the CPU ran it)
    (torch.outer, (torch.zeros(32), torch.zeros(128))),
    (lambda a, b: torch.einsum("i,j->ij", a, b), (torch.zeros(32), torch.zeros(128))),
])
def test_outer_product_has_one_meaning_on_every_path(function, inputs):
    """The small Llama's rotary (32 × 1) @ (1 × 128) counted 4,096 MACs more on CUDA (bmm) than on the CPU
    (mul). Nothing accumulates: 32·128 = 4,096 element-wise multiplies and 0 MACs on every path, and both
    counters' products are named differences."""
    analysis = costcalc.analyze(Lambda(function), inputs, reconcile=True)
    totals = analysis.to_dict()["totals"]
    assert analysis.macs == 0 and totals["other_ops"] == {"elementwise": 32 * 128}
    assert totals["costed_share"] == 1.0
    for counter in ("flop_counter", "fvcore"):
        check = analysis.reconciliation[counter]
        assert check["explained"], check
        assert all("inner size of 1" in entry["cause"] or "fvcore's einsum handle miscounts" in entry["cause"]
                   for entry in check["disagreements"])


def test_inner_size_two_is_still_a_matmul():
    analysis = costcalc.analyze(Lambda(lambda a, b: a @ b), (torch.zeros(1, 32, 2), torch.zeros(1, 2, 128)))
    assert analysis.macs == 32 * 2 * 128


# -- attention on the model's own head dimensions (issue 22 point 3) ---------------------------------------

def _padded_flash(q, k, v):
    """What ``scaled_dot_product_attention`` does on CUDA for the flash kernel: zero-pad the head dimension
    to a multiple of 8 (36 → 40), run the kernel at the original scale, slice the output back."""
    scale = q.shape[-1] ** -0.5
    padded = [F.pad(t, (0, 40 - t.shape[-1])) for t in (q, k, v)]
    return aten._scaled_dot_product_flash_attention(*padded, scale=scale)[0][..., :36]


def test_attention_padded_by_the_kernel_is_costed_on_the_model_sizes():
    """MobileViT-S on CUDA in bf16: the padded kernel was costed (36 → 40). B·heads·L·S·(E + Ev) on the
    model's 36: 2·4·10·10·72 = 57,600, not 2·4·10·10·80 = 64,000; the padding named in a note."""
    q = k = v = meta(2, 4, 10, 36)
    analysis = costcalc.analyze(Lambda(_padded_flash), (q, k, v))
    totals = analysis.to_dict()["totals"]
    assert analysis.macs == 2 * 4 * 10 * 10 * 72 == costcalc.analyze(
        Lambda(lambda *t: aten._scaled_dot_product_flash_attention(*t)[0]), (q, k, v)).macs
    (note,) = totals["notes"]
    assert "padded" in note and "query 36 → 40" in note and "value 36 → 40" in note
    from costcalc.views.analyze import notes
    assert f"Note: {note}." in notes(analysis.to_dict())


# -- counters beneath the recording isolated (issue 22 point 2, issue 19 class 7) --------------------------

def test_flop_counter_failure_is_a_note_not_a_traceback(monkeypatch):
    """FlopCounterMode's own assertion (torch 2.11: ``sdpa_flop_count: query/key/value shapes are
    incompatible`` on grouped-query attention) must not take the analysis down."""
    from torch.utils import flop_counter

    def broken(*args, **kwargs):
        raise AssertionError("sdpa_flop_count: query/key/value shapes are incompatible")

    monkeypatch.setitem(flop_counter._FLOP_REGISTRY if hasattr(flop_counter, "_FLOP_REGISTRY")
                        else flop_counter.flop_registry, aten.mm, broken)
    analysis = costcalc.analyze(Lambda(torch.mm), (torch.zeros(3, 4), torch.zeros(4, 5)), reconcile=True)
    check = analysis.reconciliation["flop_counter"]
    assert analysis.macs == 3 * 4 * 5
    assert check["failures"] == ["FlopCounterMode failed on aten.mm in (model): AssertionError: sdpa_flop_count: "
                                 "query/key/value shapes are incompatible"]
    (entry,) = check["disagreements"]
    assert entry["explained"] and entry["wrong"] == "FlopCounterMode" and entry["cause"].startswith(
        "FlopCounterMode failed on aten.mm (AssertionError")
    from costcalc.views.analyze import counters_line
    assert "FlopCounterMode failed on aten.mm" in counters_line(analysis.reconciliation)


def test_flop_counter_real_assertion_on_grouped_query_attention():
    """The real counting function on the CUDA kernel's GQA shapes (8 query heads, 2 key/value heads), on
    meta tensors: torch 2.11 asserted there, torch 2.13 counts it; either way the analysis counts 8·5·7·32
    and goes on, and the counter either agrees or its failure is named."""
    q, k, v = meta(1, 8, 5, 16), meta(1, 2, 7, 16), meta(1, 2, 7, 16)
    recording = record(Lambda(lambda *t: aten._scaled_dot_product_efficient_attention(*t, None, False)[0]),
                       (q, k, v))
    (operator,) = [op for op in recording.operators if op.macs]
    assert operator.macs == 8 * 5 * 7 * 32
    check = flop_counter_check(recording.operators)
    assert check["explained"] and (check["match"] or check["failures"])


class CatchesASubmodule(nn.Module):
    """A forward that catches its submodule's exception: fvcore's jit trace then trips a torch internal
    assertion and aborts the process (SIGABRT) — issue 19 class 7."""

    class Refuses(nn.Module):
        def forward(self, x):
            raise ValueError("refused")

    def __init__(self) -> None:
        super().__init__()
        self.refuses = self.Refuses()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        with contextlib.suppress(ValueError):
            self.refuses(x)
        return self.conv(x)


def test_fvcore_trace_that_aborts_leaves_the_analysis_standing():
    analysis = costcalc.analyze(CatchesASubmodule(), torch.zeros(1, 3, 8, 8), reconcile=True)
    assert analysis.macs == 4 * 6 * 6 * 3 * 9
    fvcore = analysis.reconciliation["fvcore"]
    assert fvcore["error"].startswith("fvcore's trace died in its own process (SIGABRT")
    assert fvcore["error"].endswith("the analytic count stands") and fvcore["explained"]


def test_fvcore_raising_is_a_note(monkeypatch):
    from costcalc.measure import count

    def broken(model, inputs, names=None):
        raise RuntimeError("tracer refuses dict outputs")

    monkeypatch.setattr(count, "fvcore_counts", broken)
    analysis = costcalc.analyze(nn.Linear(4, 3), torch.zeros(2, 4), reconcile=True)
    assert analysis.reconciliation["fvcore"] == {
        "error": "fvcore could not trace the model: RuntimeError: tracer refuses dict outputs", "explained": True}


# -- operators outside aten named by their namespace (issue 19 class 8) ------------------------------------

@pytest.fixture(scope="module")
def custom_operator():
    library = torch.library.Library("costcalc_test", "DEF")
    library.define("twice(Tensor x) -> Tensor")
    library.impl("twice", lambda x: x * 2, "CompositeExplicitAutograd")
    yield torch.ops.costcalc_test.twice
    library._destroy()


def test_non_aten_operator_is_named_by_its_namespace(custom_operator):
    """``torchvision::nms`` was printed ``aten.torchvision.nms``."""
    payload = costcalc.analyze(Lambda(custom_operator), torch.zeros(2, 3)).to_dict()
    (entry,) = payload["uncounted"]
    assert entry["operator"] == "costcalc_test::twice"
    assert entry["reason"] == "no analytic rule for costcalc_test::twice (costcalc.register_operator gives it one)"
    from costcalc.views.analyze import headline
    assert "costcalc_test::twice" in headline(payload) and "aten.costcalc_test" not in headline(payload)


def test_deliberately_uncosted_operator_says_why():
    assert "packed" in NOT_COSTED["_weight_int4pack_mm"]


ABORTING = '''
from torch import nn


class Refuses(nn.Module):
    def forward(self, x):
        raise ValueError("refused")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.refuses = Refuses()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        try:
            self.refuses(x)
        except ValueError:
            pass
        return self.conv(x)
'''


def test_cli_json_survives_a_tracer_abort(tmp_path):
    """``--format json`` runs fvcore's trace: before, the process died with SIGABRT and printed nothing."""
    import json
    import subprocess
    import sys

    path = tmp_path / "aborting.py"
    path.write_text(ABORTING)
    result = subprocess.run([sys.executable, "-m", "costcalc", "analyze", f"{path}:Net", "--input", "1,3,8,8",
                             "--format", "json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    payload = json.loads(result.stdout)
    assert payload["totals"]["macs"] == 4 * 6 * 6 * 3 * 9
    assert "fvcore's trace died in its own process (SIGABRT" in payload["reconciliation"]["fvcore"]["error"]
    assert "INTERNAL ASSERT" not in result.stderr  # the child's C++ trace stays out of the user's stderr


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 3), groups=st.integers(1, 4), per_group_in=st.integers(1, 3),
       per_group_out=st.integers(1, 3), kernel=st.integers(1, 3), stride=st.integers(1, 2), size=st.integers(3, 9))
def test_every_convolution_overload_agrees_with_the_closed_form(batch, groups, per_group_in, per_group_out, kernel,
                                                                 stride, size):
    """N·C_out·H_out·W_out·(C_in/g)·k², whichever overload — CPU, cuDNN, MIOpen, MKL-DNN, MPS — carries it."""
    c_in, c_out = groups * per_group_in, groups * per_group_out
    x, w = meta(batch, c_in, size, size), meta(c_out, per_group_in, kernel, kernel)
    side = (size - kernel) // stride + 1
    expected = batch * c_out * side * side * per_group_in * kernel * kernel
    s, p, d = [stride, stride], [0, 0], [1, 1]
    calls = [(aten.convolution.default, (x, w, None, s, p, d, False, [0, 0], groups)),
             (aten.conv2d.default, (x, w, None, s, p, d, groups)),
             (aten.mkldnn_convolution.default, (x, w, None, p, s, d, groups)),
             (aten.cudnn_convolution.default, (x, w, p, s, d, groups, False, False, True)),
             (aten.miopen_convolution.default, (x, w, None, p, s, d, groups, False, False)),
             (aten._mps_convolution.default, (x, w, None, p, s, d, groups))]
    for op, args in calls:
        assert costed(op, args, (batch, c_out, side, side)) == ("convolution", expected), op
