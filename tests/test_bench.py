"""``costcalc bench`` end to end on tiny configurations, with timings faked where values matter.

No assertion here depends on how fast anything runs: real timings only have to exist and be
positive; Spearman and Ctrl-C are checked with a fake timer.
"""

import json

import pytest

pytest.importorskip("torch")

from costcalc.config.device_profiles import load_profile
from costcalc.engine.roofline import DeviceProfile  # noqa: E402
from costcalc.measure import bench  # noqa: E402

FAST = ("--repeats", "1", "--warmup", "0", "--min-time", "0.001")


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text("name: toy\npeak_macs: 1.0e+9\nbandwidth: 1.0e+9\n", encoding="utf-8")
    return str(path)


def fake_timer(times=None, interrupt_at=None):
    """A stand-in for ``bench.time_spec``: median = 1 ms per million MACs + 1 µs, or raises Ctrl-C."""
    calls = []

    def time_spec(spec, shape, settings):
        calls.append(spec)
        if interrupt_at is not None and len(calls) == interrupt_at:
            raise KeyboardInterrupt
        from costcalc.engine.cost import cost

        median = cost(spec, shape).macs * 1e-9 + 1e-6 if times is None else times[len(calls) - 1]
        return bench.Timing(median, median / 10, settings.repeats, 1, median)

    return time_spec, calls


def test_layer_bench_end_to_end(run, device):
    data = run.json("bench", "--in", "8", "--out", "16", "--kernel", "3", "--size", "8", "--groups", "4",
                    "--device", device, "--threads", "1", *FAST)
    environment = data["environment"]
    assert {"torch", "threads", "cpu", "dtype", "batch"} <= set(environment)
    assert (environment["threads"], environment["dtype"], environment["batch"]) == (1, "float32", 1)
    rows = {row["name"]: row for row in data["rows"]}
    assert {"standard", "depthwise", "pointwise", "depthwise_separable"} <= set(rows)
    standard = rows["standard"]
    # 3×3 conv 8→16 on 8×8: 8²·16·8·9 = 73,728 MACs; reads 512, writes 1,024, weights 1,152:
    # 2,688 elements = 10,752 bytes; roofline max(73,728 / 1e9, 10,752 / 1e9) s.
    assert (standard["macs"], standard["bytes"]) == (73_728, 10_752)
    assert standard["memory"]["total"] == 2_688
    assert standard["roofline_s"] == pytest.approx(73_728e-9)
    assert standard["bound"] == "compute"
    assert standard["measured_s"]["median"] > 0 and standard["measured_s"]["iqr"] >= 0
    separable = rows["depthwise_separable"]
    assert separable["reference"] == "standard"
    assert separable["predicted_speedup"] == pytest.approx(73_728 / (8 * 8 * 8 * 9 + 8 * 8 * 8 * 16))
    assert separable["measured_speedup"] > 0
    # roofline speed-up: both rows compute-bound on this 1 GMAC/s, 1 GB/s device → the MACs ratio.
    assert separable["roofline_speedup"] == pytest.approx(separable["predicted_speedup"])
    assert rows["grouped"]["macs"] == 73_728 // 4  # --groups 4 reaches the compare rows
    assert data["interrupted"] is False


def test_model_bench_times_blocks_and_their_standard_convs(run, device):
    data = run.json("bench", "mobilenet", "--alpha", "0.25", "--res", "32", "--classes", "10", "--device", device,
                    "--batch", "2", *FAST)
    names = [row["name"] for row in data["rows"]]
    assert names[:3] == ["conv1", "block2", "block2 standard"]
    assert names[-4:] == ["pool", "fc", "network", "network standard"]
    rows = {row["name"]: row for row in data["rows"]}
    assert rows["block2"]["reference"] == "block2 standard"
    # batch 2: MACs double. Network of MobileNet 0.25-32: the per-sample count of `costcalc model`.
    from costcalc.engine.cost import cost
    from costcalc.engine.zoo import MODELS

    network = MODELS["mobilenet"].build(alpha=0.25, res=32, classes=10)
    assert rows["network"]["macs"] == 2 * cost(network.body, network.input_shape).macs
    assert data["environment"]["batch"] == 2
    # peak of MobileNet 0.25-32 (8 channels at 16², 16 at 16²): block2.pw_bn holds 16·16² + 16·16² = 8,192
    # elements per sample; batch 2 → 16,384 elements, 65,536 bytes.
    assert data["peak_activations"]["elements"] == 16_384 and data["peak_activations"]["bytes"] == 65_536
    assert all(row["measured_s"]["median"] > 0 for row in data["rows"])


def test_model_bench_without_baseline(run, device):
    data = run.json("bench", "effnet", "--device", device, "--no-baseline", *FAST)
    assert not any(row["name"].endswith("standard") for row in data["rows"])
    assert data["rows"][-1]["name"] == "network"


def test_rows_that_cannot_apply_stay_untimed_with_the_reason(run, device, monkeypatch):
    # 8→8: the residual units' bottleneck m = 2 is not divisible by the default g = 8.
    time_spec, calls = fake_timer()
    monkeypatch.setattr(bench, "time_spec", time_spec)
    data = run.json("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--device", device)
    rows = {row["name"]: row for row in data["rows"]}
    from costcalc.engine.compare import ROWS

    assert list(rows) == [row.name for row in ROWS]
    for name in ("resnext_bottleneck", "shufflenet_unit"):
        row = rows[name]
        assert (row["macs"], row["bytes"], row["roofline_s"], row["measured_s"]) == (None, None, None, None)
        assert row["note"].startswith("not applicable: groups=8 does not divide")
    # the four down-sampling rows (stride-2 units, EffNet block) do not apply to a stride-1 layer either
    assert all(rows[name]["macs"] is None for name in ("shufflenet_unit_stride2", "inverted_residual_no_shortcut",
                                                       "shufflenet_v2_down", "effnet_block"))
    assert len(calls) == len(rows) - 2 - 4 == data["spearman"]["n"]
    assert rows["resnet_bottleneck"]["note"] is None
    table = run("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--device", device).stdout
    assert "shufflenet_unit [2]" in table and "[2] not applicable: groups=8 does not divide" in table


def test_network_file_is_timed_like_a_zoo_model(run, device, monkeypatch):
    time_spec, calls = fake_timer()
    monkeypatch.setattr(bench, "time_spec", time_spec)
    data = run.json("bench", "--config", "configs/models/tiny_mobilenet.yaml", "--device", device)
    names = [row["name"] for row in data["rows"]]
    assert names[:3] == ["stem", "ds1", "ds1 standard"] and names[-2:] == ["network", "network standard"]
    from costcalc.config.network_file import load_network
    from costcalc.engine.cost import cost

    network = load_network("configs/models/tiny_mobilenet.yaml")
    assert data["rows"][-2]["macs"] == cost(network.body, network.input_shape).macs
    assert data["peak_activations"]["bytes"] > 0 and len(calls) == len(names)
    assert "a network file sets its own layers" in run.error(
        "bench", "--config", "configs/models/tiny_mobilenet.yaml", "--size", "8", "--device", device)


def test_pytorch_target_is_timed_with_analyze_counts(run, device):
    data = run.json("bench", "configs/examples/vgg_cifar.py:VGGCifar", "--input", "1,3,32,32", "--batch", "2",
                    "--device", device, *FAST)
    [row] = data["rows"]
    # VGG-CIFAR: 7,530,496 MACs per image (costcalc analyze), batch 2.
    assert (row["name"], row["role"], row["input"], row["macs"]) == ("network", "network", [3, 32, 32], 2 * 7_530_496)
    assert row["measured_s"]["median"] > 0 and row["roofline_s"] > 0 and row["note"] is None
    mobilenet = run.json("bench", "configs/examples/mobilenet_cifar.py:MobileNetCifar", "--input", "1,3,32,32",
                         "--device", device, *FAST)["rows"][0]
    # Hardswish is an activation (analyze's other ops), so every MAC layer maps to a spec: no note.
    assert mobilenet["macs"] == 3_470_592 and mobilenet["note"] is None


def test_pytorch_target_names_layers_without_a_formula(run, device, tmp_path):
    model = tmp_path / "reflect.py"
    model.write_text("from torch import nn\n\n"
                     "class Reflect(nn.Sequential):\n"
                     "    def __init__(self):\n"
                     "        super().__init__(nn.Conv2d(3, 8, 3, padding=1, padding_mode='reflect', bias=False),\n"
                     "                         nn.Conv2d(8, 8, 1, bias=False), nn.Conv1d(8, 8, 3, bias=False))\n"
                     "    def forward(self, x):\n"
                     "        return self[2](self[1](self[0](x)).flatten(2))\n")
    [row] = run.json("bench", f"{model}:Reflect", "--input", "1,3,8,8", "--device", device, *FAST)["rows"]
    # The reflect-padded 3×3 is the convolution that ran, with padding 0 on the 10×10 padded input:
    # 8·8·8·3·9 = 13,824; the 1×1: 8·8·8·8 = 4,096. The Conv1d (8→8, k 3 on 64: 62·8·8·3 = 11,904) has no
    # layer formula and is named.
    assert row["macs"] == 13_824 + 4_096
    assert row["note"].endswith("2 (Conv1d); analyze counts 11,904 MACs in them")


CHATTY = ("from torch import nn\n"
          "class Chatty(nn.Conv2d):\n"
          "    def __init__(self):\n        super().__init__(3, 8, 1, bias=False)\n"
          "    def forward(self, x):\n        print('hello')\n        return super().forward(x).view(1, 8, 8, 8)\n")


def test_pytorch_target_runs_as_analyze_runs_it(run, device, tmp_path):
    """The timed forwards are the user's code too: their prints go to stderr (JSON stays pure), and a model
    that fails on the timing batch is reported as analyze reports it: our one-line summary, then their
    traceback (not costcalc's), exit 2."""
    model = tmp_path / "chatty.py"
    model.write_text(CHATTY)
    result = run("bench", f"{model}:Chatty", "--input", "1,3,8,8", "--device", device, "--format", "json", *FAST)
    [row] = json.loads(result.stdout)["rows"]
    assert row["macs"] == 8 * 8 * 8 * 3 and "hello" in result.stderr
    failed = run("bench", f"{model}:Chatty", "--input", "1,3,8,8", "--batch", "2", "--device", device, *FAST,
                 exit_code=2)
    summary = failed.stderr[failed.stderr.index("Error:"):].splitlines()
    assert summary[0] == "Error: the model's forward raised RuntimeError: shape '[1, 8, 8, 8]' is invalid for input " \
                         "of size 1024" and "chatty.py" in summary[2] \
        and "costcalc" not in failed.stderr.split("Error:")[1]


MAPPING_RULE = ("from torch import nn\n"
                "class Twice(nn.Conv2d):\n"
                "    def forward(self, x):\n        return super().forward(super().forward(x))\n"
                "class Net(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n"
                "        self.shared = nn.Conv2d(8, 8, 3, padding=1, bias=False)\n"
                "        self.twice = Twice(8, 8, 3, padding=1, bias=False)\n"
                "        self.shapes = nn.Conv2d(8, 8, 3, padding=1, bias=False)\n"
                "        self.pool = nn.MaxPool2d(2)\n"
                "    def forward(self, x):\n"
                "        x = self.twice(self.shared(self.shared(x)))\n"
                "        return self.shapes(self.pool(self.shapes(x)))\n"
                "def bare():\n    return nn.Conv2d(8, 8, 3, padding=1, bias=False)\n")


def test_suggest_and_bench_map_modules_by_one_rule(run, device, tmp_path):
    """spec_view.mapped_layer: same input every call and one convolution per call, however many calls."""
    path = tmp_path / "rule.py"
    path.write_text(MAPPING_RULE)
    per_call = 8 * 8 * 8 * 8 * 9  # 3×3 conv 8→8 on 8×8: 36,864 MACs
    suggested = run.json("analyze", f"{path}:Net", "--input", "1,8,8,8", "--suggest")
    # shared: called twice on 8×8, the same layer each time: priced over both calls
    assert [(entry["layer"], entry["calls"], entry["macs"]) for entry in suggested["suggestions"]] == [
        ("shared", 2, 2 * per_call)]
    # twice: one call, two convolutions; shapes: 8×8 then 4×4 (two layers, one module): no single spec
    assert [entry["layer"] for entry in suggested["suggestions_left_out"]] == ["twice", "shapes"]
    [row] = run.json("bench", f"{path}:Net", "--input", "1,8,8,8", "--device", device, *FAST)["rows"]
    assert row["macs"] == 2 * per_call
    assert row["note"].endswith("twice (Twice), shapes (Conv2d); analyze counts "
                                f"{2 * per_call + per_call + 4 * 4 * 8 * 8 * 9:,} MACs in them")
    # a model that is one Conv2d maps too (its row is the model itself)
    [bare] = run.json("analyze", f"{path}:bare", "--input", "1,8,8,8", "--suggest")["suggestions"]
    assert (bare["layer"], bare["calls"], bare["macs"]) == ("(model)", 1, per_call)
    [row] = run.json("bench", f"{path}:bare", "--input", "1,8,8,8", "--device", device, *FAST)["rows"]
    assert row["macs"] == per_call and row["note"] is None


def test_pytorch_target_counts_each_layer_per_input_sample(run, device, tmp_path):
    path = tmp_path / "batches.py"
    path.write_text("import torch\nfrom torch import nn\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n        super().__init__()\n"
                    "        self.both = nn.Conv2d(4, 4, 3, padding=1, bias=False)\n"
                    "        self.first = nn.Conv2d(4, 4, 3, padding=1, bias=False)\n"
                    "    def forward(self, x):\n"
                    "        return self.both(torch.cat([x, x.flip(-1)])) + self.first(x[:1]).sum()\n")
    per_call = 8 * 8 * 4 * 4 * 9  # 3×3 conv 4→4 on 8×8: 9,216 MACs per image
    [row] = run.json("bench", f"{path}:Net", "--input", "2,4,8,8", "--device", device, *FAST)["rows"]
    # both: 4 images for an input of 2 = twice per input sample; first: 1 image for 2, not a whole layer per sample
    assert row["macs"] == 2 * per_call
    assert row["note"].endswith(f"first (Conv2d); analyze counts {per_call:,} MACs in them")


def test_suite_reports_spearman(run, device, monkeypatch):
    from costcalc.bench import plan as bench_plan

    monkeypatch.setattr(bench_plan, "PAPER_LAYERS",
                        (("tiny", {"in": 8, "out": 8, "kernel": 3, "size": 8, "groups": 2}),))
    time_spec, calls = fake_timer()
    monkeypatch.setattr(bench, "time_spec", time_spec)
    data = run.json("bench", "--suite", "--device", device)
    # fake latency is increasing in MACs, so MACs rank it perfectly.
    assert data["spearman"]["n"] == len(calls) == len([row for row in data["rows"] if row["macs"] is not None])
    assert data["spearman"]["macs"] == pytest.approx(1.0)
    assert -1 <= data["spearman"]["roofline"] <= 1
    assert all(row["name"].startswith("tiny/") for row in data["rows"])
    table = run("bench", "--suite", "--device", device).stdout
    assert "Spearman rank correlation with measured latency" in table


def test_ctrl_c_prints_what_was_measured(run, device, monkeypatch):
    time_spec, calls = fake_timer(interrupt_at=3)
    monkeypatch.setattr(bench, "time_spec", time_spec)
    result = run("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--device", device,
                 "--format", "json", exit_code=130)
    data = json.loads(result.stdout)
    measured = [row for row in data["rows"] if row["measured_s"] is not None]
    assert data["interrupted"] is True and len(measured) == 2 and len(calls) == 3
    assert [row["name"] for row in measured] == ["standard", "depthwise"]
    assert "Interrupted" in result.stderr and "Traceback" not in result.stderr


def test_calibrate_save_round_trips(run, tmp_path, monkeypatch):
    profile = DeviceProfile("local", 2.5e10, 1.25e10, "fake CPU", "test", threads=1, dtype="float32")
    monkeypatch.setattr(bench, "calibrate", lambda threads, kernels: profile)
    path = tmp_path / "me.yaml"
    data = run.json("bench", "--calibrate", "--save", str(path))
    assert data["device"]["peak_macs"] == 2.5e10
    assert load_profile(path) == profile
    assert "saved device profile" in run("bench", "--calibrate", "--save", str(path)).stderr


@pytest.fixture
def no_calibration(monkeypatch):
    """Calibrating is a test failure: the error must come before the (slow) measurement."""
    monkeypatch.setattr(bench, "calibrate", lambda *a, **k: pytest.fail("calibrated before checking the options"))


@pytest.mark.parametrize("where", ["missing/me.yaml", "folder"])
def test_calibrate_save_to_bad_path_fails_before_calibrating(run, tmp_path, no_calibration, where):
    (tmp_path / "folder").mkdir()
    path = tmp_path / where
    line = run.error("bench", "--calibrate", "--save", str(path))
    assert "--save" in line and ("does not exist" in line or "is a directory" in line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_calibrate_save_into_unwritable_directory(run, tmp_path, no_calibration, monkeypatch):
    import os

    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: path != str(tmp_path) and real(path, mode, **kw))
    assert "is not writable" in run.error("bench", "--calibrate", "--save", str(tmp_path / "me.yaml"))


def test_calibrate_save_failing_mid_write_keeps_the_old_file(run, tmp_path, monkeypatch):
    """The profile is written to a temporary file and renamed: a write failing half way (disk full)
    leaves the previous profile intact and no temporary behind, as a one-line error."""
    import errno

    from costcalc.commands import bench as bench_command

    profile = DeviceProfile("local", 2.5e10, 1.25e10, "fake CPU", "test", threads=1, dtype="float32")
    monkeypatch.setattr(bench, "calibrate", lambda threads, kernels: profile)

    class Full:
        def __init__(self, path, *args, **kwargs):
            self.handle = open(path, *args, **kwargs)  # noqa: SIM115 - closed by __exit__, as open()'s own

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bench_command, "open", Full, raising=False)
    path = tmp_path / "me.yaml"
    path.write_text("name: old\npeak_macs: 1.0e+9\nbandwidth: 1.0e+9\n", encoding="utf-8")
    line = run.error("bench", "--calibrate", "--save", str(path))
    assert "--save" in line and "No space left on device" in line
    assert path.read_text(encoding="utf-8").startswith("name: old") and list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("args, named", [
    (("--device", "laptop-i5-8250u"), "--device"),
    (("--dtype", "float16"), "--dtype"),
    (("--dtype", "float32", "--repeats", "3"), "--dtype, --repeats apply"),
    (("--no-baseline",), "--baseline/--no-baseline"),
    (("--alpha", "0.5"), "--alpha applies to a model NAME, not to --calibrate"),
])
def test_calibrate_rejects_options_it_would_ignore(run, no_calibration, args, named):
    line = run.error("bench", "--calibrate", *args)
    assert named in line


def test_suite_rejects_model_options(run):
    assert "--res applies to a model NAME, not to --suite" in run.error("bench", "--suite", "--res", "32")


def test_cli_defaults_are_the_settings(run, device, monkeypatch):
    """bench.Settings has no defaults of its own: the CLI's reach it unchanged."""
    from costcalc.commands import bench as bench_cmd

    time_spec, calls = fake_timer()
    seen = []
    monkeypatch.setattr(bench, "time_spec", lambda spec, shape, settings: seen.append(settings) or
                        time_spec(spec, shape, settings))
    run.json("bench", "--in", "8", "--out", "8", "--kernel", "1", "--size", "4", "--device", device)
    defaults = {param.name: param.default for param in bench_cmd.command.params}
    assert {(s.repeats, s.min_time, s.warmup, s.threads, s.batch, s.dtype) for s in seen} == {
        (defaults["repeats"], defaults["min_time"], defaults["warmup"], defaults["threads"], defaults["batch"],
         defaults["dtype"])}
    with pytest.raises(TypeError):
        bench.Settings()


def test_network_groups_join_macless_leaves():
    from costcalc.bench.plan import group_children
    from costcalc.engine.zoo import MODELS

    groups = group_children(MODELS["mobilenet"].build(alpha=0.25, res=32, classes=10))
    assert [group.name for group in groups][:2] == ["conv1", "block2"]
    assert len(groups[0].children) > 1  # the stem conv with its BN and activation
    assert len(groups[1].children) == 1  # a block carries its own


def test_real_calibration_runs_on_tiny_sizes():
    from costcalc.engine.specs import Conv2d, Shape

    kernels = (("3×3 conv 4→4 on 8²", Conv2d(4, 4, 3), Shape(4, 8, 8)),)
    profile = bench.calibrate(1, matmul_size=32, copy_elements=1 << 10, min_time=0.001, repeats=1, kernels=kernels)
    assert profile.peak_macs > 0 and profile.bandwidth > 0 and profile.threads == 1
    assert "32² matmul" in profile.source and "3×3 conv 4→4 on 8²" in profile.source


@pytest.mark.parametrize("args, message", [
    (("--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--dtype", "float64"), "'--dtype'"),
    ((), "give a model NAME"),
    (("mobilenet", "--suite"), "choose one of NAME, --suite"),
    (("mobilnet",), "unknown model 'mobilnet'"),
    (("effnet", "--alpha", "0.5"), "--alpha does not apply to effnet"),
    (("mobilenet", "--in", "8"), "choose one of NAME, --in/--out/--kernel/--size"),
    (("--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--res", "32"), "--res applies to a model NAME"),
    (("--in", "8", "--out", "8"), "missing --kernel, --size"),
    (("--in", "8", "--out", "8", "--kernel", "3", "--size", "2x"), "size must be N or HxW"),
    (("--in", "0", "--out", "8", "--kernel", "3", "--size", "8"), "in_channels must be an integer ≥ 1, got 0"),
    (("--suite", "--threads", "0"), "'--threads'"),
    (("--suite", "--batch", "-1"), "'--batch'"),
    (("--suite", "--min-time", "0"), "'--min-time'"),
    (("--suite", "--dtype", "int8"), "int8 is analytic only"),
    (("--suite", "--dtype", "bfloat8"), "'--dtype'"),
    (("--suite", "--device", "nowhere.yaml"), "unknown device file 'nowhere.yaml'"),
    (("--suite", "--device", "laptop"), "unknown device 'laptop'"),
    (("--suite", "--save", "x.yaml"), "--save applies to --calibrate only"),
    (("mobilenet", "--alpha", "-1", "--device", "laptop-i5-8250u"), "alpha must be a number"),
    (("--in", "8", "--out", "8", "--kernel", "9", "--size", "3", "--padding", "0"), "height"),
    (("--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--padding", "-1"), "'--padding'"),
    # nan and inf meet the one number policy of every float option (costcalc.commands.options) first.
    (("--suite", "--min-time", "nan"), "Invalid value for '--min-time': 'nan' is not a finite number"),
    (("--suite", "--min-time", "inf"), "'inf' is not a finite number"),
    (("--suite", "--min-time", "-1e-3"), "got -0.001"),
    (("--suite", "--input", "1,3,8,8"), "--input applies to a TARGET file.py:Model"),
    (("configs/examples/vgg_cifar.py:VGGCifar", "--input", "1,3"), "--input for bench is an image batch N,C,H,W"),
    (("configs/examples/vgg_cifar.py:VGGCifar", "--alpha", "0.5"), "--alpha applies to a zoo model NAME"),
    (("configs/examples/nowhere.py:Net",), "no such file 'configs/examples/nowhere.py'"),
    (("configs/examples/vgg_cifar.py:VGG",), "has no 'VGG'"),
])
def test_bad_input_is_one_error_line(run, args, message):
    assert message in run.error("bench", *args)


def test_bad_device_file_is_located(run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("peak_macs: 1e9\nbandwidth: zero\n", encoding="utf-8")
    line = run.error("bench", "--suite", "--device", str(path))
    assert f"{path}:2: bandwidth must be a number of bytes/s from 1e3 to 1e16" in line


def test_tiny_peak_is_refused_so_json_stays_valid(run, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text("name: tiny\npeak_macs: 1e-320\nbandwidth: 1e9\n", encoding="utf-8")
    line = run.error("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--device", str(path))
    assert f"{path}:2: peak_macs must be a number of MAC/s from 1e3 to 1e18" in line and "got 1e-320" in line


BOUND_TOLERANCE = 0.8
"""A roofline row may measure down to 80 % of its bound before the test calls it beaten: calibration and
rows are separate medians of a few blocks on a shared machine, so ±20 % is timer and load noise."""


@pytest.mark.timing  # a speed ratio: flaky under load, so only run with -m timing
@pytest.mark.slow
def test_no_suite_row_beats_its_roofline(run, tmp_path, monkeypatch):
    """A roofline is a lower bound on time: with the calibrated profile, measured ≥ roofline on every row.

    Reduced suite: MobileNet's Table 3 layer (its twelve compare rows include the standard 3×3 and 1×1
    convolutions that run fastest per MAC) and the ShuffleNet stage layer; short timings.
    """
    from costcalc.bench import plan as bench_plan

    monkeypatch.setattr(bench_plan, "PAPER_LAYERS", bench_plan.PAPER_LAYERS[:1] + bench_plan.PAPER_LAYERS[-1:])
    # best of 7: robust to bursts of load
    profile = bench.calibrate(1, min_time=0.05, repeats=7, kernels=bench_plan.calibration_kernels())
    device = tmp_path / "local.yaml"
    device.write_text(profile.to_yaml(), encoding="utf-8")
    data = run.json("bench", "--suite", "--device", str(device), "--repeats", "3", "--warmup", "1",
                    "--min-time", "0.05")
    timed = [row for row in data["rows"] if row["measured_s"] is not None]
    assert len(timed) == 2 * 14  # two layers × fourteen compare rows, each applicable to both
    beaten = {row["name"]: round(row["measured_s"]["median"] / row["roofline_s"], 2) for row in timed
              if row["measured_s"]["median"] < BOUND_TOLERANCE * row["roofline_s"]}
    assert not beaten, f"measured / roofline below {BOUND_TOLERANCE}: {beaten} ({profile.source})"


def test_calibration_kernels_are_the_densest_rows_of_the_paper_layers():
    """The calibration times the paper layers' own standard, grouped and 1×1 rows (no hand-copied list):
    the seven with the most MACs per byte of float32 traffic, distinct, densest first."""
    from costcalc.bench import plan as bench_plan
    from costcalc.engine.cost import cost
    from costcalc.engine.memory import layer_memory, memory_sum

    items = {item.name: item for item in bench_plan.paper_layers_plan().items}
    kernels = bench_plan.calibration_kernels()
    assert len(kernels) == 7 and len({(spec, shape) for _, spec, shape in kernels}) == 7

    def intensity(spec, shape):
        report = cost(spec, shape)
        return report.macs / memory_sum([layer_memory(layer, "float32") for layer in report.layers], "float32").bytes

    for name, spec, shape in kernels:
        assert name.rpartition("/")[2] in bench_plan.CALIBRATION_ROWS
        assert (items[name].spec, items[name].shape) == (spec, shape)
    ranked = [intensity(spec, shape) for _, spec, shape in kernels]
    assert ranked == sorted(ranked, reverse=True)
    chosen = {name for name, _, _ in kernels}
    left_out = [intensity(item.spec, item.shape) for name, item in items.items() if item.applicable
                and name.rpartition("/")[2] in bench_plan.CALIBRATION_ROWS and name not in chosen]
    assert max(left_out) <= ranked[-1]
    # MobileNet's Table 3 standard 3×3 (512→512 on 14²) is among them: 462,422,016 MACs
    (table3,) = [(spec, shape) for name, spec, shape in kernels if name == "mnv1-table3/standard"]
    assert cost(*table3).macs == 462_422_016


def test_model_size_selects_mobilenet_v3_small(run, device, monkeypatch):
    """bench's --size is a layer's map, so MobileNetV3's size is --model-size (costcalc model's --size)."""
    time_spec, calls = fake_timer()
    monkeypatch.setattr(bench, "time_spec", time_spec)
    data = run.json("bench", "mobilenet_v3", "--model-size", "small", "--no-baseline", "--device", device)
    network = next(row for row in data["rows"] if row["name"] == "network")
    # MobileNetV3-Small 1.0-224: 56,510,400 MACs, as `costcalc model mobilenet_v3 --size small` counts it.
    assert network["macs"] == 56_510_400 == run.json("model", "mobilenet_v3", "--size", "small")["totals"]["macs"]
    large = run.json("bench", "mobilenet_v3", "--no-baseline", "--device", device)
    assert next(row for row in large["rows"] if row["name"] == "network")["macs"] == 216_589_760


@pytest.mark.parametrize("args, message", [
    (("mobilenet", "--model-size", "small"), "Error: --model-size does not apply to mobilenet; it applies to "
                                             "mobilenet_v3"),
    (("--suite", "--model-size", "small"), "Error: --model-size applies to a model NAME, not to --suite"),
    (("mobilenet_v3", "--model-size", "tiny"), "tiny"),
])
def test_model_size_errors(run, device, args, message):
    assert message in run.error("bench", *args, "--device", device)


def test_headers_name_each_column_once(run, device, monkeypatch):
    time_spec, _ = fake_timer()
    monkeypatch.setattr(bench, "time_spec", time_spec)
    table = run("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--device", device).stdout
    header = next(line for line in table.splitlines() if line.startswith("┃"))
    cells = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert cells == ["item", "MACs", "bytes", "MAC/B", "bound", "roofline", "measured", "± IQR", "meas/roof", "vs",
                     "speed-up MACs", "speed-up roofline", "speed-up measured"]
