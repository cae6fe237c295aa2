"""Models too big to build: ``--meta``, the refusal before building, metadata-only operators, T and P units."""

from __future__ import annotations

import pytest

from costcalc import formatting


def test_units_go_on_past_g():
    assert formatting.human(14_630_806_093_824) == "14.631 T"
    assert formatting.human(29_261_612_187_648) == "29.262 T"
    assert formatting.human(2 * 10**15) == "2.000 P"
    assert formatting.human(999 * 10**15) == "999.000 P"
    assert formatting.human(10**18) == "1.000e+18"  # scientific only from 10¹⁸


torch = pytest.importorskip("torch")

from analyze_models.llama import Llama, TinyLlama  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure import meta  # noqa: E402
from costcalc.measure.operators import ELEMENTWISE, METADATA, rule_for  # noqa: E402

LLAMA = "tests/analyze_models/llama.py"
UNSAFE = "tests/analyze_models/not_meta_safe.py"


def test_llama_7b_shape_on_meta_is_counted_exactly():
    # tests/analyze_models/llama.py derives both by hand: per layer 4·L·d² + 3·L·d·f + 2·L²·d MACs at L = 2048,
    # d = 4096, f = 11008 (448,824,082,432), × 32 layers, + the head L·d·V (268,435,456,000)
    with torch.device("meta"):
        model = Llama()
    analysis = costcalc.analyze(model, torch.zeros(1, 2048, dtype=torch.int64, device="meta"))
    assert analysis.macs == 32 * 448_824_082_432 + 268_435_456_000 == 14_630_806_093_824
    assert analysis.params == 6_738_415_616
    totals = analysis.totals()
    assert totals["costed_share"] == 1.0 and analysis.uncosted() == []
    assert sum(totals["by_operator"].values()) == analysis.macs


def test_meta_counts_equal_the_real_ones(run):
    args = (f"{LLAMA}:TinyLlama", "--input", "2,16:int64", "--summary", "--format", "json")
    real, on_meta = run.json("analyze", *args[:-2]), run.json("analyze", *args[:-2], "--meta")
    # TinyLlama (2 layers, d 64, f 176, V 1000) at L = 16, batch 2: per layer 4·32·64² + 3·32·64·176 + 2·2·16²·64
    # = 524,288 + 1,081,344 + 65,536 = 1,671,168; × 2 layers + head 32·64·1000 = 2,048,000 → 5,390,336
    assert real["totals"]["macs"] == on_meta["totals"]["macs"] == 5_390_336
    assert (real["device"], on_meta["device"]) == ("cpu", "meta")
    # the one difference: on meta, torch runs scaled_dot_product_attention by its math path (bmm + softmax),
    # on the CPU by its fused kernel; the same QKᵀ + AV MACs (2·2·16²·64 = 65,536 per layer), filed otherwise
    assert real["totals"]["by_operator"] == {"mm": 5_259_264, "_scaled_dot_product_flash_attention_for_cpu": 131_072}
    assert on_meta["totals"]["by_operator"] == {"mm": 5_259_264, "bmm": 131_072}
    for key in ("params", "trainable_params", "flops", "uncosted_operators", "costed_share"):
        assert real["totals"][key] == on_meta["totals"][key]
    assert [(row["name"], row["input"], row["output"], row["macs"], row["params"]) for row in real["modules"]] == \
        [(row["name"], row["input"], row["output"], row["macs"], row["params"]) for row in on_meta["modules"]]


def test_meta_with_res_list(run):
    args = ("analyze", "configs/examples/resnet_cifar.py:ResNetCifar", "--input", "1,3,32,32", "--res-list", "32,64")
    on_meta, real = run.json(*args, "--meta"), run.json(*args)
    assert [row["macs"] for row in on_meta["resolutions"]] == [row["macs"] for row in real["resolutions"]]
    assert real["resolutions"][1]["macs"] > real["resolutions"][0]["macs"] > 0


def test_fake_tensors_never_make_metadata_queries_uncosted():
    from torch._subclasses.fake_tensor import FakeTensorMode

    with FakeTensorMode():
        model = TinyLlama()
        analysis = costcalc.analyze(model, torch.zeros(1, 16, dtype=torch.int64))
    # prim.device is dispatched 73 times here: metadata, no work — not a false "LOWER BOUND"
    assert analysis.uncosted() == [] and analysis.totals()["costed_share"] == 1.0
    assert analysis.macs == costcalc.analyze(TinyLlama(), torch.zeros(1, 16, dtype=torch.int64)).macs == 2_695_168


@pytest.mark.parametrize("operator, rule", [
    (torch.ops.prim.device.default, METADATA),
    (torch.ops.aten.sym_size.int, METADATA),
    (torch.ops.aten.sym_numel.default, METADATA),
    (torch.ops.aten.is_same_size.default, METADATA),
    (torch.ops.aten._has_compatible_shallow_copy_type.default, METADATA),
    (torch.ops.aten.equal.default, ELEMENTWISE),  # returns a bool but reads every element (tagged data-dependent)
])
def test_metadata_only_by_schema(operator, rule):
    assert rule_for(operator) is rule


def test_too_big_is_refused_before_it_is_built(run, monkeypatch):
    monkeypatch.setattr(meta, "available_bytes", lambda: 10**9)
    built, build = [], meta.build_model
    monkeypatch.setattr(meta, "build_model",
                        lambda *args: built.append(torch.get_default_device().type) or build(*args))
    line = run.error("analyze", f"{LLAMA}:Llama", "--input", "1,2048:int64")
    # 6,738,415,616 float32 parameters: 26,953,662,464 bytes
    assert line == (f"Error: building {LLAMA}:Llama needs 26.954 GB for its 6,738,415,616 parameter and buffer "
                    f"elements, more than the 1.000 GB of memory available; count it without building it: costcalc "
                    f"analyze --meta (or costcalc.analyze on a model built under torch.device('meta'))")
    assert built == ["meta"]  # sized on meta, never built for real


def test_a_model_that_fits_is_built_for_real(run, monkeypatch):
    monkeypatch.setattr(meta, "available_bytes", lambda: 10**9)
    assert run.json("analyze", f"{LLAMA}:TinyLlama", "--input", "1,16:int64")["totals"]["macs"] == 2_695_168


@pytest.mark.parametrize("target, message", [
    ("ItemInConstructor", f"Error: building {UNSAFE}:ItemInConstructor is not meta-safe: under --meta it failed at "
                          f"aten._local_scalar_dense: Tensor.item() cannot be called on meta tensors; it needs real "
                          f"tensor values there — run without --meta, or keep that code off the meta path"),
    ("BranchOnValue", "Error: the model's forward is not meta-safe: under --meta it failed at "
                      "aten._local_scalar_dense: Tensor.item() cannot be called on meta tensors;"),
    ("PinnedBuffer", f"Error: building {UNSAFE}:PinnedBuffer is not meta-safe: under --meta its constructor put "
                     f"tensors on cpu explicitly; create them without a device (or device='meta')"),
])
def test_not_meta_safe_names_the_operator(run, target, message):
    assert run.error("analyze", f"{UNSAFE}:{target}", "--input", "2,4", "--meta").startswith(message)


def test_not_meta_safe_models_still_run_without_meta(run):
    assert run.json("analyze", f"{UNSAFE}:ItemInConstructor", "--input", "2,4")["totals"]["macs"] == 2 * 4 * 4


def test_a_shape_the_model_rejects_is_not_called_unsafe(run):
    line = run.error("analyze", f"{LLAMA}:TinyLlama", "--input", "1,16", "--meta")
    assert line.startswith("Error: the model rejects input 1,16:") and "meta-safe" not in line


def test_llama_7b_from_the_cli_with_meta_shows_t(run):
    text = run("analyze", f"{LLAMA}:Llama", "--input", "1,2048:int64", "--meta", "--summary").stdout
    assert "14,630,806,093,824 MACs (14.631 T)" in " ".join(text.split())
    assert "6,738,415,616" in text and "14630.806 G" not in text


def test_meta_never_imports_dynamo():
    """torch's meta kernels would import torch._dynamo (≈1.7 s) on their first call; the CLI's --meta skips it."""
    import subprocess
    import sys

    code = ("import sys, torch; sys.path.insert(0, 'tests')\n"
            "from costcalc.measure import meta, analyze as torch_side\n"
            "from analyze_models.llama import TinyLlama\n"
            "model = meta.build_on_meta(TinyLlama, {}, 'TinyLlama')\n"
            "macs = torch_side.analyze(model, torch_side.zeros([(1, 16)], ['int64'], 'meta')).macs\n"
            "print(macs, 'torch._dynamo' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["2695168", "False"]


def test_bench_refuses_too_big_before_building(run, monkeypatch):
    monkeypatch.setattr(meta, "available_bytes", lambda: 10**9)
    line = run.error("bench", f"{LLAMA}:Llama", "--input", "1,3,8,8", "--device", "laptop-i5-8250u")
    assert line.startswith(f"Error: building {LLAMA}:Llama needs 26.954 GB") and line.endswith(
        "count it without building it: costcalc analyze --meta (or costcalc.analyze on a model built under "
        "torch.device('meta'))")
