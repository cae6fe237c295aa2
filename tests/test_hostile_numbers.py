"""Numbers at the extremes: one digits policy for every numeric option, JSON that is always RFC 8259,
and formatting that never overflows."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import click
import pytest

from costcalc import formatting
from costcalc.cli import cli
from costcalc.commands.options import StrictNumber
from costcalc.number_rule import number_problem
from costcalc.views import render


def strict_options() -> list[tuple[str, str, bool]]:
    """(command, option, integer?) for every integer and float option of every command."""
    context = click.Context(cli)
    found = []
    for name in cli.list_commands(context):
        for param in cli.get_command(context, name).params:
            if isinstance(param.type, StrictNumber):
                found.append((name, param.opts[0], param.type.integer))
    return found


def test_every_numeric_option_follows_the_policy():
    options = strict_options()
    assert ("compare", "--in", True) in options and ("bench", "--min-time", False) in options
    assert ("model", "--alpha", False) in options and ("verify", "--random", True) in options


@pytest.mark.parametrize("command, option, integer", strict_options())
def test_unicode_digits_huge_and_non_finite_values_are_refused(run, command, option, integer):
    assert "ASCII digits 0-9" in run.error(command, option, "١٢")
    if integer:
        assert "(4,000 digits) is too large; integers have at most 18 digits" in run.error(command, option, "9" * 4000)
    else:
        for value in ("nan", "inf", "-inf"):
            assert f"{value!r} is not a finite number" in run.error(command, option, value)
        assert "1e999 overflows a float" in run.error(command, option, "1e999")


@pytest.mark.parametrize("text, integer, problem", [
    ("12", True, None), ("+12", True, None), ("-3", True, None), ("9" * 18, True, None),
    ("9" * 19, True, "too large"), ("١٢", True, "ASCII"), ("１２", True, "ASCII"), ("0.5", False, None),
    ("1e300", False, None), ("1e309", False, "overflows"), ("NaN", False, "not a finite number"),
    ("Infinity", False, "not a finite number"), ("٠.٥", False, "ASCII"),
])
def test_number_problem(text, integer, problem):
    found = number_problem(text, integer)
    assert (found is None) if problem is None else (problem in found)


def strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not RFC 8259 JSON")

    return json.loads(text, parse_constant=refuse)


def test_json_never_holds_nan_or_infinity():
    payload = {"rows": [{"roofline_s": math.inf, "ratio": math.nan, "macs": 10**400, "fine": 0.5}]}
    assert strict_json(render.to_json(payload)) == {"rows": [{"roofline_s": None, "ratio": None,
                                                               "macs": 10**400, "fine": 0.5}]}


def test_numbers_beyond_a_float_are_formatted_not_overflowed():
    huge = 24 * 10**300
    assert formatting.human(huge) == "2.400e+301"
    assert formatting.human(568_740_352) == "568.740 M"
    assert formatting.ratio_text(Fraction(huge, 7)) == "3.429e+300"
    assert formatting.fewer_text(Fraction(huge, 7)) .endswith("× more")
    assert formatting.fewer_text(Fraction(7, huge)).endswith("× fewer")
    assert formatting.number(Fraction(huge * 10**400, 7)) is None and formatting.number(Fraction(huge, 1)) == huge
    assert formatting.percent(huge, 3 * huge) == "33.33 %"


@pytest.mark.parametrize("args, problem", [
    (["shufflenet", "--scale", "1e300"], "scale must be a positive number, at most 8"),
    (["shufflenet", "--scale", "8.5"], "scale must be a positive number, at most 8"),
    (["mobilenet", "--alpha", "1e300"], "alpha must be a number in (0, 2]"),
    (["mobilenet", "--res", "999999999999999999"], "and at most 4,096, got 999999999999999999"),
    (["effnet", "--res", "4097"], "and at most 4,096, got 4097"),
    (["mobilenet_v2", "--classes", "100001"], "classes must be a positive integer, at most 100,000, got 100001"),
])
def test_derived_sizes_are_bounded_by_the_options(run, args, problem):
    """``model shufflenet --scale 1e300`` printed 300-digit channel counts: each option is bounded instead."""
    assert problem in run.error("model", *args)


def test_zoo_sizes_are_bounded():
    """Every zoo network at the bounds of its options (α = 2, ShuffleNet s = 8 with g = 8, res = 4,096,
    100,000 classes, EfficientNet-B7): no convolution wider than 16,384 channels, and MACs and params
    below 10¹³ (the largest: EffNet, whose dense layer reads 64·512·512 = 16,777,216… features)."""
    from costcalc.engine.cost import cost
    from costcalc.engine.zoo import MODELS
    from costcalc.engine.zoo.checks import MAX_CLASSES, MAX_RES, MAX_SCALE

    for name, entry in MODELS.items():
        options = {"res": MAX_RES, "classes": MAX_CLASSES}
        options.update({"alpha": 2.0} if "alpha" in entry.options else {})
        options.update({"shufflenet": {"scale": float(MAX_SCALE), "groups": 8}, "shufflenet_v2": {"scale": 2.0},
                        "efficientnet": {"variant": "b7"}}.get(name, {}))
        network = entry.build(**options)
        report = cost(network.body, network.input_shape)
        widest = max(layer.output.channels for layer in report.layers
                     if layer.kind in ("conv", "depthwise", "pointwise", "grouped_pointwise"))
        assert widest <= 16_384, (name, widest)
        assert report.macs < 10**13 and report.params < 10**13, (name, report.macs, report.params)


@pytest.mark.parametrize("text, integer", [
    ("1_0.0e+400", False), ("1e4_00", False), ("1_000", True), ("1_000", False), ("1" + "_1" * 420, True),
    ("1" + "_1" * 5000, True), ("0.2_5", False), (" 1_2 ", True),
])
def test_underscore_separators_are_refused(text, integer):
    """Python's ``int()``/``float()`` read ``_`` separators (``float("1_0.0e+400")`` is infinity, ``int`` of a
    421-digit ``1_1_…`` is accepted): the rule decides on that text and refuses it."""
    assert "'_' digit separators" in number_problem(text, integer)


@pytest.mark.parametrize("command, option, integer", strict_options())
def test_every_option_refuses_underscores(run, command, option, integer):
    assert "'_' digit separators" in run.error(command, option, "1_0.0e+400" if not integer else "1" + "_1" * 420)


def test_yaml_refuses_underscores_with_the_line(run, tmp_path):
    network = tmp_path / "net.yaml"
    network.write_text("name: t\ninput: [3, 8, 8]\nlayers:\n  - {kind: conv, out: 1_000, kernel: 3}\n")
    assert "net.yaml:4: '1_000' uses '_' digit separators" in run.error("model", "--config", str(network))
    profile = tmp_path / "dev.yaml"
    profile.write_text("peak_macs: 1_0.0e+400\nbandwidth: 1.0e10\n")
    assert "dev.yaml:1: '1_0.0e+400' uses '_' digit separators" in \
        run.error("bench", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--device", str(profile))


def test_input_shapes_refuse_underscores(run):
    assert "--input must be comma-separated positive integers" in \
        run.error("analyze", "configs/examples/vgg_cifar.py:VGGCifar", "--input", "1,3,3_2,32")
