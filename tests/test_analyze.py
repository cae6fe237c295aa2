"""``costcalc analyze``: the example models' exact counts, reconciliation, uncounted modules, errors.

Every count is an exact int; each model has at least one layer derived by hand in a comment.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.commands.analyze_cmd import parse_argument  # noqa: E402
from costcalc.measure import analyze as torch_side  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
VGG = f"{EXAMPLES / 'vgg_cifar.py'}:VGGCifar"
RESNET = f"{EXAMPLES / 'resnet_cifar.py'}:resnet_cifar"
MOBILENET = f"{EXAMPLES / 'mobilenet_cifar.py'}:MobileNetCifar"
CIFAR = ("--input", "1,3,32,32")


def layer(payload: dict, name: str) -> dict:
    return next(row for row in payload["layers"] if row["name"] == name)


def assert_reconciled(payload: dict) -> None:
    assert all(row["match"] for row in payload["layers"]), [r["name"] for r in payload["layers"] if not r["match"]]
    assert payload["totals"]["accounted"] == {"macs": True, "params": True, "fvcore": True, "flop_counter": True}
    assert payload["totals"]["match"] is True


def test_vgg_totals_and_layers(run):
    payload = run.json("analyze", VGG, *CIFAR)
    assert set(payload) >= {"target", "input", "totals", "layers", "uncounted", "suggestions"}
    assert payload["input"] == [1, 3, 32, 32] and payload["output"] == [1, 10]
    # features.0: 3→16 3×3 'same' on 32×32: 32·32 · 16 · 3 · 9 = 442,368 MACs, 16·3·9 = 432 weights.
    first = layer(payload, "features.0")
    assert (first["analytic_macs"], first["measured_macs"], first["analytic_params"]) == (442_368, 442_368, 432)
    # features.14: 32→64 3×3 on the 8×8 map: 8·8 · 64 · 32 · 9 = 1,179,648.
    assert layer(payload, "features.14")["analytic_macs"] == 1_179_648
    # classifier.1: 1024 → 10 = 10,240 MACs, 10,250 params.
    assert layer(payload, "classifier.1")["analytic_params"] == 10_250
    # 442,368 + 2,359,296 + 1,179,648 + 2,359,296 + 1,179,648 + 10,240
    assert payload["totals"]["macs"] == 7_530_496 and payload["totals"]["flops"] == 15_060_992
    # conv 34,992 + BN 2·(16+16+32+32+64) = 320 + linear 10,250
    assert payload["totals"]["params"] == 45_562
    assert payload["totals"]["measured_macs"] == 7_530_496
    assert payload["totals"]["fvcore"]["measured"] == 7_636_992  # + BN 2 per element: 106,496
    assert payload["totals"]["flop_counter"]["measured"] == 15_060_992
    assert payload["uncounted"] == [] and payload["suggestions"] == []
    assert_reconciled(payload)


def test_resnet_totals_residual_adds_and_resolutions(run):
    payload = run.json("analyze", RESNET, *CIFAR, "--res-list", "64")
    # layer2.conv1: 16→32 3×3 stride 2 on 32×32 → 16×16: 16·16 · 32 · 16 · 9 = 1,179,648;
    # its 1×1 stride-2 projection: 16·16 · 32 · 16 = 131,072.
    assert layer(payload, "layer2.conv1")["analytic_macs"] == 1_179_648
    assert layer(payload, "layer2.shortcut.0")["analytic_macs"] == 131_072
    assert payload["totals"]["macs"] == 12_501_632 and payload["totals"]["params"] == 78_042
    assert_reconciled(payload)
    blocks = {entry["module"]: entry for entry in payload["uncounted"]}
    for name in ("layer1", "layer2", "layer3"):
        assert blocks[name]["type"] == "BasicBlock"
        assert blocks[name]["operators"] == {"aten.add": 1, "aten.relu": 2}  # the residual add, F.relu twice
        assert blocks[name]["fvcore"] == 0 and blocks[name]["flop_counter"] == 0
    assert blocks["(model)"]["operators"] == {"aten.view": 1}  # .flatten(1)
    assert "identity" in blocks["layer1.shortcut"]["reason"]
    # 64×64: every conv map has 4× the positions; the classifier (640 MACs) does not grow.
    assert payload["resolutions"] == [{"resolution": 64, "input": [1, 3, 64, 64], "macs": 50_004_608,
                                       "flops": 100_009_216, "params": 78_042}]
    assert 50_004_608 == 4 * (12_501_632 - 640) + 640


def test_mobilenet_factory_args_and_unmapped_hardswish(run):
    payload = run.json("analyze", MOBILENET, *CIFAR)
    # blocks.1.0: 3×3 depthwise on 32 channels, stride 2 → 16×16: 16·16 · 32 · 9 = 73,728 MACs, 288 weights.
    dw = layer(payload, "blocks.1.0")
    assert (dw["kind"], dw["analytic_macs"], dw["analytic_params"]) == ("depthwise", 73_728, 288)
    assert payload["totals"]["macs"] == 3_470_592 and payload["totals"]["params"] == 19_114
    assert_reconciled(payload)
    (hardswish,) = payload["uncounted"]
    assert (hardswish["module"], hardswish["type"], hardswish["operators"]) == (
        "head.2", "Hardswish", {"aten.hardswish": 1})
    assert hardswish["fvcore_unsupported"] == {"aten::hardswish": 1}


def test_factory_arguments(run):
    payload = run.json("analyze", RESNET, *CIFAR, "--arg", "width=8", "--arg", "classes=4")
    assert layer(payload, "fc")["analytic_params"] == 32 * 4 + 4
    # stem.0: 3→8 3×3 on 32×32 = 32·32 · 8 · 27 = 221,184
    assert layer(payload, "stem.0")["analytic_macs"] == 221_184
    assert payload["totals"]["macs"] == 3_236_160 - 32 * 10 + 32 * 4  # width 8, 10 classes: 3,236,160
    assert_reconciled(payload)


def test_parse_argument_literals():
    assert parse_argument("width=8") == ("width", 8)
    assert parse_argument("alpha=0.5") == ("alpha", 0.5)
    assert parse_argument("pretrained=False") == ("pretrained", False)
    assert parse_argument("name=resnet") == ("name", "resnet")
    assert parse_argument("mode='x'") == ("mode", "x")
    assert parse_argument("code=__import__('os')") == ("code", "__import__('os')")  # never evaluated


def test_suggest_vgg(run):
    payload = run.json("analyze", VGG, *CIFAR, "--suggest")
    suggestions = {entry["layer"]: entry for entry in payload["suggestions"]}
    assert list(suggestions) == ["features.10", "features.3", "features.14", "features.7", "features.0"]
    options = {option["name"]: option for option in suggestions["features.10"]["options"]}
    # features.10: 32→32 3×3 on 16×16. Depthwise separable: 16·16·32·9 + 32·32·16·16 = 73,728 + 262,144;
    # ratio 1/N + 1/Dk² = 1/32 + 1/9 = 41/288.
    separable = options["depthwise_separable"]
    assert (separable["macs"], separable["saved_macs"]) == (335_872, 2_359_296 - 335_872)
    assert separable["ratio"] == pytest.approx(41 / 288) and separable["formula_ratio_text"] == "1/N + 1/Dk²"
    # g = 8: 73,728 + 262,144 / 8 = 106,496
    assert options["depthwise_grouped_pointwise g=8"]["macs"] == 106_496
    assert options["spatial_separable"]["macs"] == 1_572_864  # 2/3 of the standard conv
    assert [o["saved_macs"] for o in suggestions["features.10"]["options"]] == sorted(
        (o["saved_macs"] for o in suggestions["features.10"]["options"]), reverse=True)
    # 3 input channels: g ∈ {2, 4, 8} do not divide 3, and 3 does not divide 16.
    assert suggestions["features.0"]["groups_not_dividing"] == [2, 3, 4, 8]
    totals = {total["name"]: total for total in payload["suggestion_totals"]}
    assert totals["depthwise_separable"]["layers"] == 5
    assert totals["depthwise_separable"]["model_macs"] == 1_149_952
    assert totals["depthwise_grouped_pointwise g=8"]["model_macs"] == 827_392


def test_vgg_suggest_table(run, golden, monkeypatch):
    monkeypatch.chdir(EXAMPLES.parents[1])  # a relative target keeps the golden file machine-independent
    text = run("analyze", "configs/examples/vgg_cifar.py:VGGCifar", *CIFAR, "--suggest", "--format", "markdown").stdout
    golden("analyze_vgg_suggest.md", text)


def test_table_renders_resolutions_and_uncounted(run):
    text = run("analyze", RESNET, *CIFAR, "--res-list", "64", "--unit", "flops").stdout
    assert "FLOPs (2×MACs)" in text and "25,003,264" in text and "100,009,216" in text
    assert "BasicBlock" in text and "add×1" in text


# -- the user's model is left as it was --------------------------------------------------------------

@pytest.mark.parametrize("training", [True, False])
def test_model_untouched(training):
    model = torch_side.build_model(torch_side.load_target(RESNET), {}, RESNET)
    for parameter in model.parameters():  # non-trivial values so a silent write would show
        torch.nn.init.normal_(parameter)
    model.train(training)
    model.layer2.bn1.eval()  # a mixed mode must come back too
    modes = {name: module.training for name, module in model.named_modules()}
    before = {key: value.clone() for key, value in model.state_dict().items()}
    attributes = {name: set(vars(module)) for name, module in model.named_modules()}
    hooks = {name: (len(module._forward_hooks), len(module._forward_pre_hooks)) for name, module in model.named_modules()}
    torch_side.analyze(model, (1, 3, 32, 32), "resnet")
    torch_side.at_resolutions(model, (1, 3, 32, 32), [48])
    after = model.state_dict()
    assert list(after) == list(before)
    assert all(torch.equal(after[key], before[key]) for key in before)
    assert {name: module.training for name, module in model.named_modules()} == modes
    assert {name: set(vars(module)) for name, module in model.named_modules()} == attributes
    assert {name: (len(m._forward_hooks), len(m._forward_pre_hooks)) for name, m in model.named_modules()} == hooks


# -- modules without a formula are named, never dropped ----------------------------------------------

UNMAPPED = """
import torch
from torch import nn

class Scale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(1))
    def forward(self, x):
        return x * self.gain

class Mixed(nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)
        self.norm = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, 2, batch_first=True)
        self.scale = Scale()
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(channels, 2)

    def forward(self, x):
        x = self.up(self.conv(x))                 # 1×8×16×16
        tokens = self.norm(x.flatten(2).transpose(1, 2))  # 1×256×8
        tokens, _ = self.attn(tokens, tokens, tokens)
        pooled = self.scale(self.drop(tokens)).mean(1)
        return self.head(pooled)

def broken():
    raise ValueError("boom in the constructor")

NOT_A_MODEL = 42
"""


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user_model.py"
    path.write_text(textwrap.dedent(UNMAPPED))
    return path


def test_unmapped_modules_are_listed(run, user_file):
    payload = run.json("analyze", f"{user_file}:Mixed", "--input", "1,3,8,8")
    uncounted = {entry["module"]: entry for entry in payload["uncounted"]}
    assert {"up", "norm", "attn", "scale", "drop", "(model)"} <= set(uncounted)
    assert uncounted["norm"]["type"] == "LayerNorm" and uncounted["norm"]["params"] == 16
    # attention's own in-projection (3·8·8 + 3·8); its out_proj Linear is never called as a module
    # (F.multi_head_attention_forward uses its weight directly), so it is listed with its 8·8 + 8 params
    assert uncounted["attn"]["type"] == "MultiheadAttention" and uncounted["attn"]["params"] == 3 * 8 * 8 + 3 * 8
    assert uncounted["attn.out_proj"]["reason"] == "never called in forward"
    assert uncounted["attn.out_proj"]["params"] == 8 * 8 + 8
    # fvcore counts the attention's projections as MACs (256 tokens · 8 · 24 in, 256 · 8 · 8 out, + 2 bmm's)
    assert uncounted["attn"]["fvcore_macs"] > 256 * 8 * 32
    assert uncounted["up"]["operators"] and uncounted["scale"]["params"] == 1
    assert "aten.mean" in uncounted["(model)"]["operators"]
    # the conv (8·8 · 8 · 27 = 13,824) and the head (8 · 2 = 16) are mapped; the whole model still adds up
    assert layer(payload, "conv")["analytic_macs"] == 13_824 and layer(payload, "head")["analytic_macs"] == 16
    assert payload["totals"]["macs"] == 13_840
    assert payload["totals"]["accounted"] == {"macs": True, "params": True, "fvcore": True, "flop_counter": True}
    assert payload["totals"]["measured_macs"] == 13_840 + uncounted["attn"]["fvcore_macs"]


# -- errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, expected", [
    ("no/such/file.py:Net", "no such file 'no/such/file.py'"),
    ("no_such_package.models:Net", "no such file or module 'no_such_package.models'"),
    ("Net", "target must be path/to/file.py:name or package.module:name"),
    (f"{EXAMPLES / 'vgg_cifar.py'}:VGGCifer", "did you mean 'VGGCifar'?"),
    (f"{EXAMPLES / 'vgg_cifar.py'}:nn", "is a module, not an nn.Module class or a factory function"),
])
def test_target_errors(run, target, expected):
    assert expected in run.error("analyze", target, *CIFAR)


def test_not_a_model_and_bad_arguments(run, user_file):
    assert "is a int, not an nn.Module class" in run.error("analyze", f"{user_file}:NOT_A_MODEL")
    assert "unexpected keyword argument 'depth'" in run.error("analyze", RESNET, *CIFAR, "--arg", "depth=3")
    assert "--arg must be key=value" in run.error("analyze", RESNET, "--arg", "width")


@pytest.mark.parametrize("shape, expected", [
    ("1,3,64,64", "the model rejects input 1,3,64,64: mat1 and mat2 shapes cannot be multiplied"),
    ("1,1,32,32", "the model rejects input 1,1,32,32"),
    ("2,3,32,32", "--input batch must be 1"),
    ("1,3,32", "--input must be N,C,H,W or N,C"),
    ("1,3,a,32", "--input must be comma-separated positive integers"),
])
def test_input_errors(run, shape, expected):
    assert expected in run.error("analyze", VGG, "--input", shape)


def test_resolution_the_model_rejects(run):
    assert "the model rejects input 1,3,64,64" in run.error("analyze", VGG, *CIFAR, "--res-list", "64")


def test_exception_in_user_code_shows_their_traceback(run, user_file):
    result = run("analyze", f"{user_file}:broken", *CIFAR, exit_code=2)
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"Error: building {user_file}:broken raised ValueError: boom in the constructor"
    assert lines[1] == "Traceback (most recent call last):"
    assert str(user_file) in result.stderr and lines[-1] == "ValueError: boom in the constructor"
    assert "costcalc" not in "\n".join(lines[1:]).replace(str(user_file), "")  # only the user's frames
    assert result.stdout == ""


def test_import_error_in_user_file(run, tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("import torch\nraise RuntimeError('bad module')\n")
    result = run("analyze", f"{path}:Net", exit_code=2)
    first, *rest = result.stderr.strip().splitlines()
    assert first == f"Error: importing {path} raised RuntimeError: bad module"
    assert rest[-1] == "RuntimeError: bad module"


def test_command_module_does_not_import_torch():
    code = ("import sys, costcalc.commands.analyze_cmd, costcalc.suggest; "
            "assert 'torch' not in sys.modules and 'fvcore' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_names_the_extra(run, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fvcore" else real(name, *a))
    assert "pip install 'costcalc[measure]'" in run.error("analyze", VGG, *CIFAR)


SHARED = """
from torch import nn

class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.alias = self.conv          # the same module under a second name
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.alias(self.act(self.conv(x))))
"""


def test_reused_module_is_costed_per_call(run, tmp_path):
    path = tmp_path / "shared.py"
    path.write_text(textwrap.dedent(SHARED))
    payload = run.json("analyze", f"{path}:Shared", "--input", "1,4,8,8")
    conv = layer(payload, "conv")
    # called twice: 2 · (8·8 · 4 · 4 · 9) = 18,432 MACs; its 144 weights once
    assert (conv["calls"], conv["analytic_macs"], conv["measured_macs"], conv["analytic_params"]) == (2, 18_432, 18_432, 144)
    assert layer(payload, "act")["calls"] == 2
    assert payload["totals"]["macs"] == 18_432 and payload["totals"]["params"] == 144
    assert_reconciled(payload)
