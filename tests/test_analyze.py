"""``costcalc analyze``: the example models' exact counts, reconciliation, uncounted modules, errors.

Every count is an exact int; each model has at least one layer derived by hand in a comment.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.commands.targets import parse_argument  # noqa: E402
from costcalc.measure import analyze as torch_side  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
VGG = f"{EXAMPLES / 'vgg_cifar.py'}:VGGCifar"
RESNET = f"{EXAMPLES / 'resnet_cifar.py'}:resnet_cifar"
MOBILENET = f"{EXAMPLES / 'mobilenet_cifar.py'}:MobileNetCifar"
CIFAR = ("--input", "1,3,32,32")


def layer(payload: dict, name: str) -> dict:
    return next(row for row in payload["layers"] if row["name"] == name)


def module(payload: dict, name: str) -> dict:
    return next(row for row in payload["modules"] if row["name"] == name)


def assert_reconciled(payload: dict) -> None:
    """Both counters agree with the analytic count in their conventions; nothing uncosted."""
    reconciliation = payload["reconciliation"]
    assert reconciliation["run"] and reconciliation["flop_counter"]["match"] and reconciliation["fvcore"]["match"]
    assert payload["uncounted"] == [] and payload["totals"]["costed_share"] == 1.0


def test_vgg_totals_and_layers(run):
    payload = run.json("analyze", VGG, *CIFAR)
    assert set(payload) >= {"target", "input", "totals", "layers", "uncounted", "suggestions", "reconciliation",
                            "modules"}
    assert payload["input"] == [1, 3, 32, 32] and payload["inputs"] == [[1, 3, 32, 32]] and payload["output"] == [1, 10]
    # features.0: 3→16 3×3 'same' on 32×32: 32·32 · 16 · 3 · 9 = 442,368 MACs, 16·3·9 = 432 weights.
    first = layer(payload, "features.0")
    assert (first["kind"], first["macs"], first["params"], first["flop_counter"]) == ("conv", 442_368, 432, 884_736)
    # features.14: 32→64 3×3 on the 8×8 map: 8·8 · 64 · 32 · 9 = 1,179,648.
    assert layer(payload, "features.14")["macs"] == 1_179_648
    # classifier.1: 1024 → 10 = 10,240 MACs, 10,250 params.
    assert layer(payload, "classifier.1")["params"] == 10_250
    # 442,368 + 2,359,296 + 1,179,648 + 2,359,296 + 1,179,648 + 10,240
    assert payload["totals"]["macs"] == 7_530_496 and payload["totals"]["flops"] == 15_060_992
    # conv 34,992 + BN 2·(16+16+32+32+64) = 320 + linear 10,250
    assert payload["totals"]["params"] == 45_562
    assert payload["reconciliation"]["fvcore"]["measured"] == 7_530_496
    # fvcore's own convention, apart: batch norm 2 per element, (16+16)·32² + (32+32)·16² + 64·8² = 53,248
    assert payload["reconciliation"]["fvcore"]["other"] == {"batch_norm": 2 * 53_248}
    assert payload["reconciliation"]["flop_counter"]["measured"] == 15_060_992
    assert payload["totals"]["other_ops"] == {"normalization": 53_248, "activation": 53_248,
                                              "pooling": 16 * 16 * 16 + 32 * 8 * 8 + 64 * 4 * 4}
    assert module(payload, "features")["macs"] == 7_530_496 - 10_240
    assert payload["suggestions"] == []
    assert_reconciled(payload)


def test_resnet_totals_residual_adds_and_resolutions(run):
    payload = run.json("analyze", RESNET, *CIFAR, "--res-list", "64")
    # layer2.conv1: 16→32 3×3 stride 2 on 32×32 → 16×16: 16·16 · 32 · 16 · 9 = 1,179,648;
    # its 1×1 stride-2 projection: 16·16 · 32 · 16 = 131,072.
    assert layer(payload, "layer2.conv1")["macs"] == 1_179_648
    assert layer(payload, "layer2.shortcut.0")["macs"] == 131_072
    assert payload["totals"]["macs"] == 12_501_632 and payload["totals"]["params"] == 78_042
    assert_reconciled(payload)
    # the residual adds are element-wise other ops: 16·32² + 32·16² + 64·8² = 28,672 elements
    assert payload["totals"]["other_ops"]["elementwise"] == 28_672
    assert module(payload, "layer2")["macs"] == 1_179_648 + 2_359_296 + 131_072
    # 64×64: every conv map has 4× the positions; the classifier (640 MACs) does not grow.
    (at64,) = payload["resolutions"]
    assert at64 == {"resolution": 64, "input": [1, 3, 64, 64], "macs": 50_004_608, "flops": 100_009_216,
                    "uncosted_operators": 0, "unseen_calls": 0, "reason": None}
    assert 50_004_608 == 4 * (12_501_632 - 640) + 640


def test_resolutions_the_model_refuses_are_rows(run):
    payload = run.json("analyze", VGG, *CIFAR, "--res-list", "64,32")
    refused, same = payload["resolutions"]
    assert refused["macs"] is None and refused["reason"].startswith(
        "the model rejects input 1,3,64,64: mat1 and mat2 shapes cannot be multiplied")
    assert same["macs"] == payload["totals"]["macs"] == 7_530_496


def test_mobilenet_factory_args_and_kinds(run):
    payload = run.json("analyze", MOBILENET, *CIFAR)
    # blocks.1.0: 3×3 depthwise on 32 channels, stride 2 → 16×16: 16·16 · 32 · 9 = 73,728 MACs, 288 weights.
    dw = layer(payload, "blocks.1.0")
    assert (dw["kind"], dw["macs"], dw["params"]) == ("depthwise", 73_728, 288)
    assert payload["totals"]["macs"] == 3_470_592 and payload["totals"]["params"] == 19_114
    # Hardswish is an activation (torch's pointwise tag); fvcore has no handle for it and says so
    assert payload["reconciliation"]["fvcore"]["unsupported"] == {"aten::hardswish": 1}
    assert_reconciled(payload)


def test_factory_arguments(run):
    payload = run.json("analyze", RESNET, *CIFAR, "--arg", "width=8", "--arg", "classes=4")
    assert layer(payload, "fc")["params"] == 32 * 4 + 4
    # stem.0: 3→8 3×3 on 32×32 = 32·32 · 8 · 27 = 221,184
    assert layer(payload, "stem.0")["macs"] == 221_184
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
    # features.0 (3→16): spatial separable is 16·32²·(3·3 + 16·3) = 933,888 > 442,368: not worth it, no saving
    (dearer,) = suggestions["features.0"]["not_worth_it"]
    assert (dearer["name"], dearer["macs"], dearer["saved_macs"]) == ("spatial_separable", 933_888, -491_520)
    # 3 input channels: g ∈ {2, 4, 8} do not divide 3, and 3 does not divide 16.
    assert suggestions["features.0"]["groups_not_dividing"] == [2, 3, 4, 8]
    totals = {total["name"]: total for total in payload["suggestion_totals"]}
    assert totals["depthwise_separable"]["layers"] == 5
    assert totals["depthwise_separable"]["model_macs"] == 1_149_952
    assert totals["depthwise_grouped_pointwise g=8"]["model_macs"] == 827_392
    # only features.3 and features.10 (M = N) gain from the spatial factorization: 2 · 786,432
    spatial = totals["spatial_separable"]
    assert (spatial["layers"], spatial["not_worth_it"], spatial["saved_macs"]) == (2, 3, 2 * 786_432)


def test_vgg_suggest_table(run, golden, monkeypatch):
    monkeypatch.chdir(EXAMPLES.parents[1])  # a relative target keeps the golden file machine-independent
    text = run("analyze", "configs/examples/vgg_cifar.py:VGGCifar", *CIFAR, "--suggest", "--format", "markdown").stdout
    golden("analyze_vgg_suggest.md", text)


def test_resnet_tree_table(run, golden, monkeypatch):
    monkeypatch.chdir(EXAMPLES.parents[1])
    text = run("analyze", "configs/examples/resnet_cifar.py:resnet_cifar", *CIFAR, "--depth", "1",
               "--reconcile").stdout
    golden("analyze_resnet_tree.txt", text)


@pytest.mark.slow
def test_table_summary_with_resolutions(run):
    text = run("analyze", RESNET, *CIFAR, "--res-list", "64", "--unit", "flops").stdout
    assert "FLOPs (2×MACs)" in text and "25,003,264" in text and "100,009,216" in text
    refused = run("analyze", VGG, *CIFAR, "--res-list", "64").stdout
    assert "n/a" in refused and "the model rejects input 1,3,64,64" in refused
    summary = run("analyze", RESNET, *CIFAR, "--summary").stdout
    assert "12,501,632" in summary and "layer1" not in summary


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
    hooks = {name: (len(module._forward_hooks), len(module._forward_pre_hooks))
             for name, module in model.named_modules()}
    torch_side.analyze(model, torch.zeros(1, 3, 32, 32), reconcile=True)
    torch_side.at_resolutions(model, [(1, 3, 32, 32)], [48])
    after = model.state_dict()
    assert list(after) == list(before)
    assert all(torch.equal(after[key], before[key]) for key in before)
    assert {name: module.training for name, module in model.named_modules()} == modes
    assert {name: set(vars(module)) for name, module in model.named_modules()} == attributes
    assert {name: (len(m._forward_hooks), len(m._forward_pre_hooks)) for name, m in model.named_modules()} == hooks


# -- the user's code stays the user's --------------------------------------------------------------------

USER = """
import sys
import torch
from torch import nn

class Chatty(nn.Module):
    def __init__(self):
        super().__init__()
        print("building Chatty")
        self.conv = nn.Conv2d(3, 4, 1, bias=False)
    def forward(self, x):
        print("forward on", tuple(x.shape))
        return self.conv(x)

class Exits(nn.Module):
    def forward(self, x):
        sys.exit(3)

class Interrupts(nn.Module):
    def forward(self, x):
        raise GeneratorExit("stop")

class Buggy(nn.Module):
    def forward(self, x):
        return x * undefined_name

class Spectral(nn.Module):
    def forward(self, x):
        return torch.fft.rfft(x).abs()

def broken():
    raise ValueError("boom in the constructor")

NOT_A_MODEL = 42
"""


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user_model.py"
    path.write_text(textwrap.dedent(USER))
    return path


def test_user_prints_go_to_stderr(run, user_file):
    result = run("analyze", f"{user_file}:Chatty", "--input", "1,3,4,4", "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["totals"]["macs"] == 16 * 4 * 3  # 1×1 conv 3→4 on 4×4
    assert "building Chatty" in result.stderr and "forward on (1, 3, 4, 4)" in result.stderr


@pytest.mark.parametrize("name, expected", [
    ("Exits", "the model's forward called sys.exit(3); costcalc stopped there"),
    ("Interrupts", "the model's forward raised GeneratorExit: stop"),
])
def test_exit_and_base_exceptions_become_one_line(run, user_file, name, expected):
    assert run.error("analyze", f"{user_file}:{name}", *CIFAR) == f"Error: {expected}"


def test_bug_in_forward_is_a_bug_not_a_rejected_input(run, user_file):
    result = run("analyze", f"{user_file}:Buggy", *CIFAR, exit_code=2)
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Error: the model's forward raised NameError: name 'undefined_name' is not defined"
    assert lines[-1] == "NameError: name 'undefined_name' is not defined" and result.stdout == ""


def test_uncosted_operator_is_listed_and_strict_fails(run, user_file):
    payload = run.json("analyze", f"{user_file}:Spectral", "--input", "1,8")
    (entry,) = payload["uncounted"]
    assert (entry["operator"], entry["module"], entry["calls"]) == ("_fft_r2c", "(model)", 1)
    assert payload["reconciliation"]["run"]  # the counters ran so the entry carries their measurement
    # FlopCounterMode has no rule for the FFT either (measures 0): the costed share is unknown, not 100 %
    assert entry["flop_counter"] == 0 and payload["totals"]["costed_share"] is None
    assert payload["totals"]["unmeasured_operators"] == ["_fft_r2c"]
    text = run("analyze", f"{user_file}:Spectral", "--input", "1,8").stdout
    title = " ".join(" ".join(text.split("┏")[0].split()).split())  # the headline, unwrapped
    assert "MACs are a LOWER BOUND: 1 operator calls uncosted, and no counter measures aten._fft_r2c" in title
    assert "100.00 %" not in title
    run("analyze", f"{user_file}:Spectral", "--input", "1,8", "--strict", exit_code=1)


def test_strict_passes_when_every_difference_is_explained(run, tmp_path):
    path = tmp_path / "same.py"
    path.write_text("from torch import nn\n"
                    "def same():\n    return nn.Conv1d(2, 4, 3, padding='same')\n")
    payload = run.json("analyze", f"{path}:same", "--input", "1,2,10", "--strict")
    (entry,) = payload["reconciliation"]["fvcore"]["disagreements"]
    # fvcore skips padding='same' (aten::_convolution_mode): 0 instead of 10·4·2·3 = 240
    assert (entry["analytic"], entry["measured"], entry["wrong"]) == (240, 0, "fvcore")
    text = run("analyze", f"{path}:same", "--input", "1,2,10", "--reconcile").stdout
    assert text.count("fvcore has no handle for aten::_convolution_mode") == 1


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
    ("1,3,a,32", "--input must be comma-separated positive integers"),
    ("1,0,32,32", "--input must be comma-separated positive integers"),
])
def test_input_errors(run, shape, expected):
    assert expected in run.error("analyze", VGG, "--input", shape)


def test_batch_and_several_inputs(run, tmp_path):
    path = tmp_path / "pair.py"
    path.write_text("import torch\nfrom torch import nn\n"
                    "class Pair(nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n"
                    "        self.fc = nn.Linear(6, 2, bias=False)\n"
                    "    def forward(self, a, b):\n        return self.fc(torch.cat([a, b], -1))\n")
    payload = run.json("analyze", f"{path}:Pair", "--input", "4,5,2", "--input", "4,5,4")
    # Linear 6→2 on 4·5 rows: 20·6·2 = 240 MACs; per sample 60
    assert payload["inputs"] == [[4, 5, 2], [4, 5, 4]] and payload["totals"]["macs"] == 240
    assert payload["totals"]["per_sample"] == {"batch": 4, "macs": 60, "flops": 120}


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


def test_sys_exit_at_import_is_one_line(run, tmp_path):
    path = tmp_path / "quits.py"
    path.write_text("import sys\nprint('hello')\nsys.exit(0)\n")
    result = run("analyze", f"{path}:Net", "--format", "json", exit_code=2)
    assert result.stdout == "" and "hello" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (f"Error: importing {path}:Net called sys.exit(0); "
                                                      f"costcalc stopped there")


def test_command_module_does_not_import_torch():
    code = ("import sys, costcalc, costcalc.commands.analyze, costcalc.engine.suggest; "
            "assert 'torch' not in sys.modules and 'fvcore' not in sys.modules; "
            "assert 'analyze' in costcalc.__all__")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_names_the_extra(run, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fvcore" else real(name, *a))
    assert "pip install 'costcalc[measure]'" in run.error("analyze", VGG, *CIFAR)


def test_api_to_dict_equals_cli_json(run):
    import costcalc

    model = torch_side.build_model(torch_side.load_target(VGG), {}, VGG)
    analysis = costcalc.analyze(model, torch.zeros(1, 3, 32, 32), reconcile=True, target=VGG)
    payload = run.json("analyze", VGG, *CIFAR)
    assert json.loads(json.dumps(analysis.to_dict())) == payload
    assert (analysis.macs, analysis.flops, analysis.params) == (7_530_496, 15_060_992, 45_562)
    assert [row["name"] for row in analysis.by_module(depth=1)] == ["(model)", "features", "classifier"]
    from rich.console import Console

    console = Console(width=120, color_system=None, record=True, file=io.StringIO())
    console.print(analysis.table(depth=1))
    printed = console.export_text()
    from costcalc.views.analyze import tree_view
    from costcalc.views.render import draw_table

    assert printed == draw_table(tree_view(analysis.to_dict(), 1, "macs"), 120, terminal=True)


def test_memory_per_layer(run):
    payload = run.json("analyze", VGG, *CIFAR, "--memory")
    first = layer(payload, "features.0")["memory"]
    # reads the 3×32×32 input, writes 16×32×32, reads 432 weights; 442,368 MACs over 4·(3,072 + 16,384 + 432) bytes
    assert (first["read"], first["written"], first["weights"], first["total"]) == (3_072, 16_384, 432, 19_888)
    assert first["bytes"] == 4 * 19_888 and first["intensity"] == pytest.approx(442_368 / (4 * 19_888), abs=1e-6)
    assert payload["totals"]["memory"]["total"] == sum(row["memory"]["total"] for row in payload["layers"])
    title = " ".join(run("analyze", VGG, *CIFAR, "--memory").stdout.split())  # the title wraps with a long path
    assert "memory traffic per layer" in title


def test_suggest_counts_calls_and_batch_and_skips_subclassed_convs(run, tmp_path):
    path = tmp_path / "reuse.py"
    path.write_text("from torch import nn\n"
                    "class Twice(nn.Conv2d):\n"
                    "    def forward(self, x):\n        return super().forward(super().forward(x))\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n"
                    "        self.conv = nn.Conv2d(8, 8, 3, padding=1, bias=False)\n"
                    "        self.twice = Twice(8, 8, 3, padding=1, bias=False)\n"
                    "    def forward(self, x):\n        return self.twice(self.conv(self.conv(x)))\n")
    payload = run.json("analyze", f"{path}:Net", "--input", "2,8,8,8", "--suggest")
    (entry,) = payload["suggestions"]  # the subclass convolving twice is not a single spec: not priced
    # conv: 8→8 3×3 on 8×8, 2 calls × batch 2: 4 · 8·8·8·8·9 = 147,456; weights 576 once
    assert (entry["layer"], entry["calls"], entry["macs"], entry["params"]) == ("conv", 4, 147_456, 576)
    separable = next(option for option in entry["options"] if option["name"] == "depthwise_separable")
    assert separable["macs"] == 4 * (8 * 8 * 8 * 9 + 8 * 8 * 8 * 8) and separable["saved_params"] == 576 - 72 - 64
    assert payload["totals"]["macs"] == 147_456 * 2  # the subclass: 2 convolutions × batch 2 on the same map


def test_narrow_terminal_keeps_macs_and_params(run):
    """At 80 columns every column stays: the text column (type) gives way first, shortened with an
    ellipsis and named; numbers are never cut."""
    from costcalc.views.analyze import tree_view
    from costcalc.views.render import draw_table

    payload = run.json("analyze", RESNET, *CIFAR)
    view = tree_view(payload, 2, "macs")
    assert [column.header for column in view.columns] == ["module", "MACs", "params", "share", "output", "type"]
    text = draw_table(view, 80, terminal=True)
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [column.header for column in view.columns]
    assert "not shown" not in text and "│ BatchNorm… │" in text and "(… = shortened at 80 columns: type" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_csv_is_the_layer_records(run):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(run("analyze", RESNET, *CIFAR, "--format", "csv").stdout)))
    first = rows[0]
    assert (first["name"], first["kind"], first["macs"], first["macs_per_call"]) == (
        "stem.0", "conv", "442368", "442368")
    assert first["flop_counter"] == ""  # the counters did not run: no measurement, not 0
    assert sum(int(row["macs"]) for row in rows) == 12_501_632
