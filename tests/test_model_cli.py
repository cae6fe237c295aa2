"""``costcalc model``: JSON contract, golden tables, bad options, --verify and the no-torch guarantee."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_json_contract_mobilenet(run):
    data = run.json("model", "mobilenet")
    assert set(data) >= {"model", "options", "input", "totals", "layers", "by_kind", "baseline"}
    assert data["model"] == "mobilenet" and data["input"] == [3, 224, 224]
    assert data["options"] == {"alpha": 1.0, "res": 224, "classes": 1000}
    assert data["totals"] == {"macs": 568_740_352, "flops": 1_137_480_704, "params": 4_231_976,
                              "conv_macs": 567_716_352, "linear_macs": 1_024_000}
    assert all(set(layer) == {"name", "kind", "input", "output", "macs", "params"} for layer in data["layers"])
    mac_kinds = ("conv", "depthwise", "pointwise", "grouped_pointwise", "grouped", "linear")
    assert sum(layer["macs"] for layer in data["layers"] if layer["kind"] in mac_kinds) == data["totals"]["macs"]
    assert sum(layer["params"] for layer in data["layers"]) == data["totals"]["params"]
    assert data["by_kind"]["pointwise"]["macs"] == 539_492_352
    assert data["baseline"]["conv_macs"] == 4_866_269_184 and data["baseline"]["params"] == 29_294_088
    assert data["baseline"]["ratio"] == pytest.approx(568_740_352 / 4_867_293_184)
    assert {"description", "macs", "params", "ratio"} <= set(data["baseline"])
    costs = [row for row in data["published"] if row["quantity"] not in ("top1", "top5")]
    assert costs and all(row["agrees"] for row in costs)
    accuracies = [(row["quantity"], row["published"], row["source"][:7], row["ours"], row["agrees"])
                  for row in data["published"] if row["quantity"] in ("top1", "top5")]
    assert accuracies == [("top1", "70.9", "TF-slim", None, None), ("top5", "89.9", "TF-slim", None, None),
                          ("top1", "70.6", "Howard ", None, None)]
    assert data["rounding"].startswith("max(int(d·α), 8)")


def test_alias_and_options(run):
    data = run.json("model", "mobilenet_v1", "--alpha", "0.5", "--res", "160")
    assert data["model"] == "mobilenet" and data["input"] == [3, 160, 160]
    assert data["totals"]["params"] == 1_331_592


def test_json_shufflenet(run):
    data = run.json("model", "shufflenet_v1", "--groups", "8", "--scale", "2.0")
    assert data["totals"]["macs"] == 521_942_016 and data["options"]["groups"] == 8
    kinds = {layer["kind"] for layer in data["layers"]}
    assert {"grouped_pointwise", "shuffle", "concat", "add", "depthwise", "pointwise"} <= kinds
    assert {row["source"] for row in data["published"]} >= {"megvii ShuffleNet-Series README"}


def test_json_effnet(run):
    data = run.json("model", "effnet", "--res", "64", "--classes", "100")
    assert data["input"] == [3, 64, 64] and data["output"] == [100, 1, 1]
    assert any("saves" in note for note in data["notes"])


def test_unit_flops_table(run):
    text = run("model", "effnet", "--summary", "--unit", "flops").stdout
    assert "FLOPs (2×MACs)" in text and "11,280,384" in text


def test_golden_mobilenet_summary(run, golden):
    golden("model_mobilenet_summary.txt", run("model", "mobilenet", "--summary").stdout)


def test_golden_effnet_table(run, golden):
    golden("model_effnet.txt", run("model", "effnet").stdout)


def test_golden_shufflenet_markdown(run, golden):
    golden("model_shufflenet_g3_summary.md", run("model", "shufflenet", "--summary", "--format", "markdown").stdout)


def test_csv_is_the_layer_records(run):
    lines = run("model", "effnet", "--format", "csv").stdout.splitlines()
    assert lines[0] == "name,kind,input,output,macs,params"
    # block1.pw: 1×1 conv 3 → 32 on 32×32: 1024·32·3 = 98,304 MACs, 96 weights.
    assert lines[1] == "block1.pw,pointwise,3×32×32,32×32×32,98304,96"


@pytest.mark.parametrize("args, fragment", [
    (("model", "mobilnet"), "unknown model 'mobilnet'"),
    (("model", "mobilnet"), "did you mean 'mobilenet'?"),
    (("model", "mobilenet", "--alpha", "0"), "alpha must be a number in (0, 2]"),
    (("model", "mobilenet", "--alpha", "2.5"), "got 2.5"),
    (("model", "mobilenet", "--res", "0"), "res must be an integer ≥ 1 ('same' padding rounds"),
    (("model", "mobilenet", "--groups", "3"), "--groups does not apply to mobilenet"),
    (("model", "effnet", "--alpha", "0.5"), "--alpha does not apply to effnet"),
    (("model", "shufflenet", "--groups", "5"), "groups must be one of 1, 2, 3, 4, 8"),
    (("model", "shufflenet", "--groups", "4", "--scale", "0.5"), "not a positive multiple of g=4"),
    (("model", "effnet", "--res", "4"), "res must be an integer ≥ 8"),
    (("model",), "missing model NAME"),
    (("model", "mobilenet", "--config", "x.yaml"), "not both"),
])
def test_bad_options(run, args, fragment):
    assert fragment in run.error(*args)


def test_model_never_imports_torch():
    code = ("import sys; from costcalc.cli import cli\n"
            "for args in (['model', 'mobilenet'], ['model', 'shufflenet', '--groups', '8'], ['model', 'effnet'],\n"
            "             ['model', '--config', 'configs/models/tiny_shufflenet.yaml', '--format', 'json']):\n"
            "    cli.main(args, standalone_mode=False)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'fvcore'))\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("args", [("model", "effnet"), ("model", "mobilenet", "--alpha", "0.25", "--res", "64"),
                                  ("model", "--config", str(ROOT / "configs/models/tiny_mobilenet.yaml"))])
def test_verify_matches(run, args):
    pytest.importorskip("fvcore")
    data = json.loads(run(*args, "--verify", "--format", "json").stdout)
    verified = data["verify"]
    assert verified["match"] and verified["analytic_macs"] == verified["measured_macs"] == data["totals"]["macs"]
    assert verified["analytic_params"] == verified["measured_params"] == data["totals"]["params"]


def test_verify_mismatch_exits_1(run, wrong_grouped_conv_macs):
    pytest.importorskip("fvcore")
    result = run("model", "effnet", "--verify", "--format", "json", exit_code=1)
    verified = json.loads(result.stdout)["verify"]
    assert verified["match"] is False and verified["analytic_macs"] == verified["measured_macs"] + 6  # 6 depthwise


def test_summary_omits_layer_table(run):
    assert "layers on a" not in run("model", "effnet", "--summary").stdout


@pytest.mark.parametrize("args, macs, params", [
    (("mobilenet_v2",), 300_774_272, 3_504_872),
    (("mobilenet_v3", "--size", "small"), 56_510_400, 2_542_856),
    (("shufflenet_v2", "--scale", "0.5"), 40_476_448, 1_366_792),
    (("efficientnet", "--variant", "b1"), 686_802_832, 7_794_184),
])
def test_json_successors(run, args, macs, params):
    data = run.json("model", *args, "--summary")
    assert (data["totals"]["macs"], data["totals"]["params"]) == (macs, params)
    assert sum(layer["macs"] for layer in data["layers"]) == macs
    assert any(row["quantity"] == "params" and row["scale"] == 1 and row["agrees"] for row in data["published"])
    assert any(row["quantity"] == "top1" for row in data["published"])


def test_successor_layers_name_their_kinds(run):
    data = run.json("model", "mobilenet_v3", "--summary")
    kinds = {layer["kind"] for layer in data["layers"]}
    assert {"depthwise", "pointwise", "activation", "scale", "add", "linear"} <= kinds
    assert data["other_ops"]["scale"] == 597_408  # SE's channel-wise multiplies: other ops, not MACs
    assert data["baseline"]["description"].count("inverted residual") == 1
    split = run.json("model", "shufflenet_v2", "--summary")["layers"]
    assert {"split", "concat", "shuffle"} <= {layer["kind"] for layer in split}


def test_csv_ends_with_a_total_row(run):
    lines = run("model", "mobilenet", "--alpha", "0.25", "--res", "32", "--format", "csv").stdout.splitlines()
    assert lines[0].startswith("name,kind,input,output,macs,params")
    assert lines[-1] == "total,total,3×32×32,1000×1×1,1088128,470072"
    rows = [line.split(",") for line in lines[1:-1]]
    assert sum(int(row[4]) for row in rows) == 1_088_128 and sum(int(row[5]) for row in rows) == 470_072


@pytest.mark.parametrize("args, fragment", [
    (("model", "resnet"), "for another network, describe it in YAML (costcalc model --config FILE"),
    (("model", "resnet"), "costcalc analyze FILE.py:Model"),
    (("model", "mobilenetv3"), "did you mean 'mobilenet_v3'?"),
    (("model", "mobilenet_v3", "--size", "medium"), "size must be one of large, small, got 'medium'"),
    (("model", "mobilenet", "--size", "large"), "--size does not apply to mobilenet"),
    (("model", "efficientnet", "--variant", "b8"), "variant must be one of b0, b1"),
    (("model", "efficientnet", "--alpha", "0.5"), "--alpha does not apply to efficientnet"),
    (("model", "shufflenet_v2", "--scale", "0.75"), "scale must be one of 0.5, 1, 1.5, 2"),
    (("model", "shufflenet_v2", "--groups", "3"), "--groups does not apply to shufflenet_v2"),
])
def test_successor_bad_options(run, args, fragment):
    error = run.error(*args)
    assert fragment in error and "did you mean 'effnet'" not in error


def test_a_network_without_factorized_blocks_is_its_own_baseline(run, tmp_path):
    from costcalc.config.network_file import load_network
    from costcalc.engine.zoo import baseline, lookup

    path = tmp_path / "plain.yaml"
    path.write_text("input: 3x8x8\nlayers:\n  - {kind: conv, out: 8, bn: true, act: relu}\n"
                    "  - {kind: residual, layers: [{kind: conv, out: 8}]}\n", encoding="utf-8")
    plain = load_network(str(path))
    assert baseline(plain).body is plain.body, "nothing to replace: the very same body, not a copy"
    mobilenet = lookup("mobilenet").build()
    assert baseline(mobilenet).body != mobilenet.body
    data = run.json("model", "--config", str(path))
    assert data["baseline"]["macs"] == data["totals"]["macs"] and data["baseline"]["ratio"] == 1


def test_a_command_runs_with_fewer_collections_and_restores_the_thresholds(run, monkeypatch):
    import gc

    from costcalc.commands import model as model_cmd

    during, costing = [], model_cmd.cost
    monkeypatch.setattr(model_cmd, "cost", lambda *args: (during.append(gc.get_threshold()[0]), costing(*args))[1])
    before = gc.get_threshold()
    run("model", "mobilenet", "--format", "json")
    assert during and set(during) == {100_000} and gc.get_threshold() == before
