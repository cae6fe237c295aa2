"""``costcalc verify`` and ``costcalc compare --verify`` end to end."""

import importlib.util

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.config.config_file import ConfigError  # noqa: E402
from costcalc.engine import specs as S  # noqa: E402


@pytest.mark.slow
def test_default_suite_matches(run):
    data = run.json("verify")
    assert set(data) == {"items", "matched", "total"}
    assert data["matched"] == data["total"] >= 60
    item = data["items"][0]
    assert {"target", "analytic_macs", "measured_macs", "analytic_params", "measured_params", "match"} <= set(item)
    assert all(isinstance(item[key], int) for key in ("analytic_macs", "measured_macs", "analytic_params"))


def test_targets_are_selected_by_name_and_compare_group(run):
    data = run.json("verify", "conv-3x3", "compare-512-14")
    names = [item["target"] for item in data["items"]]
    assert names[0] == "conv-3x3" and "compare-512-14/shufflenet_unit" in names
    conv = data["items"][0]
    assert conv["analytic_macs"] == conv["measured_macs"] == 32 * 32 * 16 * 3 * 9
    assert conv["flop_counter"]["measured"] == 2 * conv["analytic_macs"]


def test_unknown_target_suggests_the_closest(run):
    assert "did you mean 'conv-3x3'" in run.error("verify", "conv-3x4")


def test_random_is_reproducible_and_matches(run):
    first = run.json("verify", "relu", "--random", "5", "--seed", "7")
    second = run.json("verify", "relu", "--random", "5", "--seed", "7")
    assert first["total"] == 6 and first["matched"] == 6
    assert [item["target"] for item in first["items"]] == [item["target"] for item in second["items"]]
    assert first["items"][1]["target"].startswith("random-7-0-")


def test_a_wrong_formula_fails_with_exit_1_and_a_cross(run, wrong_grouped_conv_macs):
    # The fixture adds one MAC to every grouped or depthwise conv: 14·14·32·9 = 56,448 becomes 56,449.
    table = run("verify", "conv-3x3", "depthwise-3x3", exit_code=1).stdout
    marks = {line.split("│")[2].strip(): line.split("│")[1].strip() for line in table.splitlines()
             if line.count("│") > 3}
    assert marks["depthwise-3x3"] == "✗" and marks["conv-3x3"] == "✓"
    assert "depthwise: MACs analytic 56,449 ≠ measured 56,448" in table
    data = run.json("verify", "depthwise-3x3", exit_code=1)
    assert data["matched"] == 0 and data["items"][0]["match"] is False
    rows = run.json("compare", "--in", "16", "--out", "16", "--kernel", "3", "--size", "8", "--verify",
                    exit_code=1)["rows"]
    assert {row["name"]: row["match"] for row in rows}["depthwise"] is False


def test_compare_verify_adds_measured_fields(run):
    rows = run.json("compare", "--in", "16", "--out", "32", "--kernel", "3", "--size", "8", "--stride", "2",
                    "--verify")["rows"]
    applicable = [row for row in rows if row["macs"] is not None]
    assert applicable and all(row["match"] is True and row["measured_macs"] == row["macs"]
                              and row["measured_params"] == row["params"] for row in applicable)
    assert all(row["match"] is None for row in rows if row["macs"] is None)
    assert "measured MACs" in run("compare", "--in", "16", "--out", "32", "--kernel", "3", "--size", "8",
                                  "--verify").stdout


def test_missing_torch_names_the_extra(run, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "fvcore" else find_spec(name, *a))
    assert "pip install 'costcalc[measure]'" in run.error("verify")


def test_model_entries_resolve_through_the_zoo(run, tmp_path, monkeypatch):
    from costcalc.engine import zoo

    def tiny(width=4):
        body = S.sequence(("conv", S.Conv2d(3, width, 3, 2)), ("bn", S.BatchNorm2d(width)),
                          ("pool", S.GlobalAvgPool()), ("flatten", S.Flatten()), ("fc", S.Linear(width, 2)))
        return S.Network("tiny", S.Shape(3, 8, 8), body)

    monkeypatch.setitem(zoo.MODELS, "tiny", zoo.ModelEntry("tiny", ("tiny_net",), "a tiny test net", tiny, ("width",)))
    suite = tmp_path / "suite.yaml"
    suite.write_text("items:\n  - {name: tiny-8, model: tiny_net, options: {width: 8}}\n")
    item = run.json("verify", "--suite", str(suite))["items"][0]
    assert item["match"] and item["analytic_macs"] == 4 * 4 * 8 * 27 + 16
    assert item["fvcore"]["causes"] == {
        "batch norm: fvcore counts 2 per element (eval mode)": 2 * 8 * 16,
        "pooling: fvcore counts adaptive avg pool, 1 per input element": 8 * 16}


def test_bad_suite_entries_name_file_and_line(run, tmp_path):
    suite = tmp_path / "suite.yaml"
    suite.write_text("items:\n  - {name: a, kind: conv, args: {in_channels: 3, out_channels: 4}, input: [3, 8, 8]}\n"
                     "  - {name: b, kind: cnov, input: [3, 8, 8]}\n")
    error = run.error("verify", "--suite", str(suite))
    assert f"{suite}:3" in error and "did you mean 'conv'" in error
    suite.write_text("items:\n  - {name: m, model: mobilenett}\n")
    assert "unknown model 'mobilenett'" in run.error("verify", "--suite", str(suite))


def test_unknown_target_names_the_suite_file(run, tmp_path):
    suite = tmp_path / "suite.yaml"
    suite.write_text("items:\n  - {name: flat, kind: flatten, input: [4, 2, 2]}\n")
    assert run.error("verify", "--suite", str(suite), "flatt") == (
        f"Error: unknown verify target 'flatt'; did you mean 'flat'? (see {suite})")


def test_suite_module_raises_domain_errors_not_click_ones():
    from costcalc.config import verify_suite as suite

    assert not hasattr(suite, "click")
    with pytest.raises(ConfigError, match="unknown verify target 'conv-3x4'; did you mean 'conv-3x3'"):
        suite.select(suite.load_suite(), ("conv-3x4",))


@pytest.mark.parametrize("entry, fragment", [
    ("{name: m, model: [mobilenet]}", "m: unknown model ['mobilenet']; valid: mobilenet, "),
    ("{name: m, model: {mobilenet: 1}}", "m: unknown model {'mobilenet': 1}; valid: mobilenet, "),
    ("{name: m, model: 3}", "m: unknown model 3; valid: mobilenet, "),
    ("{name: m, model: mobilenet, options: {alpha: 0.5, colour: red}}",
     "m: unknown option 'colour' for mobilenet under options; expected one of alpha, res, classes"),
    ("{name: m, model: mobilenet_v1, options: {alph: 0.5}}", "did you mean 'alpha'?"),
    ("{name: m, model: mobilenet, options: [alpha]}", "options must be a mapping, got ['alpha']"),
    ("{name: m, model: shufflenet, options: {groups: [3]}}", "groups must be one of 1, 2, 3, 4, 8"),
    ("{name: k, kind: [conv], input: [3, 8, 8]}", "k: unknown kind ['conv']; expected one of conv, "),
    ("{name: k, kind: {conv: 1}, input: [3, 8, 8]}", "k: unknown kind {'conv': 1}"),
    # arguments named as the constructor takes them, never as a Python TypeError
    ("{name: k, kind: bottleneck, args: {in_channels: 8, out_channels: 8}, input: [8, 4, 4]}",
     "k: bad arguments: bottleneck needs bottleneck"),
    ("{name: k, kind: squeeze_excite, args: {channels: 8, squeeze: 2}, input: [8, 4, 4]}",
     "k: bad arguments: unknown argument 'squeeze' for squeeze_excite; its arguments: channels, squeeze_channels, "
     "activation, gate"),
    ("{name: k, kind: maxpool, args: {}, input: [8, 4, 4]}", "k: bad arguments: maxpool needs kernel_size"),
])
def test_bad_model_and_kind_entries_are_one_line_errors(run, tmp_path, entry, fragment):
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"items:\n  - {{name: ok, kind: flatten, input: [4, 2, 2]}}\n  - {entry}\n")
    error = run.error("verify", "--suite", str(suite))
    assert error.startswith(f"Error: {suite}:3: ") and fragment in error, error


@pytest.mark.parametrize("text, fragment", [
    ("items: []\n", ":1: items must be a non-empty list of entries, got []"),
    ("items:\n", ":1: items must be a non-empty list of entries, got None"),
    ("# nothing yet\n", "the file is empty; a verify suite needs keys items"),
])
def test_an_empty_suite_fails_instead_of_passing_0_of_0(run, tmp_path, text, fragment):
    suite = tmp_path / "suite.yaml"
    suite.write_text(text)
    assert fragment in run.error("verify", "--suite", str(suite))
    assert fragment in run.error("verify", "--suite", str(suite), "--random", "2")


@pytest.mark.slow
def test_worker_processes_give_the_in_process_result(run):
    """A fresh ``costcalc verify`` (torch not yet imported) spreads its targets over worker processes
    (here two, whatever the machine has); its document is the one reconciled in-process, in order."""
    import json
    import subprocess
    import sys

    targets = ("conv-3x3", "depthwise-3x3", "compare-512-14")
    child_code = ("import sys; import costcalc.commands.verify as v; v.usable_cores = lambda: 2; "
                  "get = v.multiprocessing.get_context; "
                  "v.multiprocessing.get_context = lambda name: (print('pool', file=sys.stderr), get(name))[1]; "
                  "from costcalc.cli import cli; cli(sys.argv[1:])")
    child = subprocess.run([sys.executable, "-c", child_code, "verify", *targets, "--format", "json"],
                           capture_output=True, text=True)
    assert child.returncode == 0 and child.stderr == "pool\n", child.stderr
    assert "torch" in sys.modules  # this process has imported torch, so it reconciles in-process
    assert json.loads(child.stdout) == run.json("verify", *targets)
