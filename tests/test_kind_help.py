"""YAML help: ``costcalc list --kind KIND`` (keys, types, defaults, required-ness, an example, all derived from
the kinds table and the spec constructors) and the network file's errors that name the YAML key, never a
Python signature, with hints from common layer names (relu, bn, fc, dw, pw, ...)."""

from __future__ import annotations

import pytest

from costcalc.config.config_file import ConfigError
from costcalc.config.network_file import PARSED, load_network
from costcalc.engine import kind_keys
from costcalc.engine.cost import cost
from costcalc.engine.kinds import KINDS_BY_NAME


@pytest.mark.parametrize("name", sorted(PARSED))
def test_every_example_entry_parses_to_the_registry_example(name, tmp_path):
    """The example ``list --kind`` prints is a valid entry: on the registry example's input it builds a spec
    that costs what the registry example costs (residual: its own nested list, so only that it parses)."""
    kind = KINDS_BY_NAME[name]
    spec, shape = kind.example()
    path = tmp_path / "net.yaml"
    path.write_text(f"input: {shape.channels}x{shape.height}x{shape.width}\nlayers:\n  - {kind_keys.example(kind)}\n",
                    encoding="utf-8")
    network = load_network(str(path))
    ours = cost(network.body, network.input_shape)
    if name != "residual":
        assert ours.macs == cost(spec, shape).macs and ours.params == cost(spec, shape).params


@pytest.mark.parametrize("name, required", [
    ("conv", ["out"]), ("bottleneck", ["out", "bottleneck"]), ("squeeze_excite", ["squeeze"]),
    ("residual", ["layers"]), ("maxpool", ["kernel"]), ("shuffle", ["groups"]), ("activation", []),
    ("batchnorm", []), ("linear", ["out"]),
])
def test_required_keys_come_from_the_constructor(name, required):
    assert [key.key for key in kind_keys.required(KINDS_BY_NAME[name])] == required


def test_keys_types_and_defaults():
    keys = {key.key: key for key in kind_keys.keys(KINDS_BY_NAME["inverted_residual"])}
    assert list(keys) == ["out", "expansion", "expanded", "kernel", "stride", "activation", "se", "se_activation",
                          "se_gate"]
    assert (keys["expansion"].type, keys["expansion"].default) == ("number", 6)
    assert keys["kernel"].default == [3, 3] and keys["kernel"].type == "integer or [h, w]"
    assert keys["expanded"].default == "derived: round(expansion · input channels)"
    assert keys["activation"].type == "relu | relu6 | leaky_relu | hardswish | swish | sigmoid | hardsigmoid"
    assert keys["activation"].default == "relu6"
    shortcut = {key.key: key for key in kind_keys.keys(KINDS_BY_NAME["bottleneck"])}["shortcut"]
    assert (shortcut.type, shortcut.default) == ("identity | projection | avgpool", "identity")


def test_list_kind_table(run):
    text = run("list", "--kind", "squeeze_excite").stdout
    lines = text.splitlines()
    assert lines[0].startswith("kind: squeeze_excite (block): squeeze-excitation")
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    assert rows[0] == ["squeeze", "integer", "yes", "—", "squeeze_channels"]
    assert rows[1] == ["activation", "relu | relu6 | leaky_relu | hardswish | swish | sigmoid | hardsigmoid", "",
                       "relu", "activation"]
    assert [row[0] for row in rows] == ["squeeze", "activation", "gate", "name", "repeat"]
    assert "channels is taken from the running shape (the layer before); never written." in text
    assert "Example: - {kind: squeeze_excite, squeeze: 4, gate: hardsigmoid}" in text
    conv = [line.split("│")[1].strip() for line in run("list", "--kind", "conv").stdout.splitlines()
            if line.startswith("│")]
    assert conv[-2:] == ["bn", "act"]


def test_list_kind_json(run):
    data = run.json("list", "--kind", "bottleneck")
    assert (data["kind"], data["category"], data["inferred"]) == ("bottleneck", "block", "in_channels")
    assert data["keys"][:2] == [
        {"key": "out", "argument": "out_channels", "type": "integer", "required": True, "default": None},
        {"key": "bottleneck", "argument": "bottleneck", "type": "integer", "required": True, "default": None}]
    assert data["example"] == "{kind: bottleneck, out: 32, bottleneck: 8, groups: 2, stride: 2, shortcut: projection}"


@pytest.mark.parametrize("name, message", [
    ("relu", "Error: --kind 'relu' is not a kind; write {kind: activation, function: relu}; valid: conv, "),
    ("bn", "Error: --kind 'bn' is not a kind; write {kind: batchnorm}; valid: "),
    ("convv", "; did you mean 'conv'?"),
    ("add", "Error: --kind 'add' is not a kind; valid: "),  # merges are formed inside blocks
])
def test_list_kind_errors(run, name, message):
    assert message in run.error("list", "--kind", name)


def test_list_names_the_kind_option(run):
    assert "costcalc list --kind KIND: a kind's keys in a network file" in run("list").stdout


LINE = "input: 3x8x8\nlayers:\n  - {kind: conv, out: 16}\n  - "


@pytest.mark.parametrize("entry, message", [
    ("{kind: relu}", "net.yaml:4: unknown kind 'relu'; write {kind: activation, function: relu}; expected one of "),
    ("{kind: ReLU6}", "unknown kind 'ReLU6'; write {kind: activation, function: relu6}; expected"),
    ("{kind: nn.Hardswish}", "unknown kind 'nn.Hardswish'; write {kind: activation, function: hardswish}; "),
    ("{kind: silu}", "write {kind: activation, function: swish}"),
    ("{kind: bn}", "unknown kind 'bn'; write {kind: batchnorm}; expected"),
    ("{kind: BatchNorm2d}", "write {kind: batchnorm}"),
    ("{kind: fc, out: 10}", "unknown kind 'fc'; write {kind: linear, out: N}; expected"),
    ("{kind: dense, out: 10}", "write {kind: linear, out: N}"),
    ("{kind: dw}", "unknown kind 'dw'; write {kind: depthwise} (or {kind: conv, out: C, groups: C} on C channels)"),
    ("{kind: pw, out: 8}", "unknown kind 'pw'; write {kind: pointwise, out: N}; expected"),
    ("{kind: se}", "write {kind: squeeze_excite, squeeze: S}"),
    ("{kind: mbconv}", "write {kind: inverted_residual, out: N}"),
    ("{kind: convv}", "unknown kind 'convv'; expected one of conv, "),
    ("{kind: bottleneck, out: 16}", "net.yaml:4: bottleneck needs bottleneck (integer); e.g. {kind: bottleneck, "
                                    "out: 32, bottleneck: 8, groups: 2, stride: 2, shortcut: projection} "
                                    "(costcalc list --kind bottleneck)"),
    ("{kind: squeeze_excite}", "net.yaml:4: squeeze_excite needs squeeze (integer); e.g. {kind: squeeze_excite, "
                               "squeeze: 4, gate: hardsigmoid} (costcalc list --kind squeeze_excite)"),
    ("{kind: squeeze_excite, squeeze_channels: 4}", "net.yaml:4: a squeeze_excite layer writes squeeze_channels as "
                                                    "'squeeze' (costcalc list --kind squeeze_excite)"),
    ("{kind: conv, out_channels: 8}", "a conv layer writes out_channels as 'out' (costcalc list --kind conv)"),
    ("{kind: conv, in: 16, out: 8}", "net.yaml:4: 'in' is not written in a network file: each layer takes its input "
                                     "channels from the layer before it"),
    ("{kind: maxpool}", "maxpool needs kernel (integer or [h, w])"),
    ("{kind: linear}", "linear needs out (integer)"),
    ("{kind: shuffle}", "shuffle needs groups (integer)"),
])
def test_network_file_errors_name_the_yaml_key(entry, message, tmp_path, run):
    path = tmp_path / "net.yaml"
    path.write_text(LINE + entry + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_network(str(path))
    assert message in str(error.value)
    assert "__init__" not in str(error.value) and "positional argument" not in str(error.value)
    line = run.error("model", "--config", str(path))
    assert message in line and "__init__" not in line


@pytest.mark.parametrize("kind", sorted(PARSED))
def test_no_kind_left_without_its_keys_leaks_a_signature(kind, tmp_path):
    """Every kind written with only ``kind:`` either builds or names what it needs, never a TypeError."""
    path = tmp_path / "net.yaml"
    path.write_text(f"input: 12x8x8\nlayers:\n  - {{kind: {kind}}}\n", encoding="utf-8")
    try:
        load_network(str(path))
    except ConfigError as error:
        assert "__init__" not in str(error) and "argument" not in str(error)


@pytest.mark.parametrize("name", sorted(kind_keys.COMMON_NAMES))
def test_every_common_name_points_to_a_kind_that_exists(name, tmp_path):
    """Each hint names a real kind, and its first entry (placeholders N, C, G, K, S as small numbers) parses on a
    12-channel input."""
    import re

    hint = kind_keys.hint(name)
    assert hint.startswith("; write {kind: ")
    entry = re.search(r"\{kind: [^}]*\}", hint).group(0)
    assert entry.split(",")[0].removeprefix("{kind: ").rstrip("}") in PARSED
    if "[...]" in entry:
        return
    values = {"N": 12, "C": 12, "G": 4, "K": 3, "S": 4}
    entry = re.sub(r": ([NCGKS])\b", lambda match: f": {values[match.group(1)]}", entry)
    size = 1 if "linear" in entry else 8  # a linear layer takes a pooled C×1×1 input
    path = tmp_path / "net.yaml"
    path.write_text(f"input: 12x{size}x{size}\nlayers:\n  - {entry}\n", encoding="utf-8")
    load_network(str(path))
