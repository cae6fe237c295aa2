"""Numbers at the extremes: one digits policy for every numeric option, JSON that is always RFC 8259,
and formatting that never overflows."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import click
import pytest

from costcalc import formatting
from costcalc.views import render
from costcalc.cli import cli
from costcalc.number_rule import number_problem
from costcalc.commands.options import StrictNumber


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


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_shufflenet_at_scale_1e300_renders(run, fmt):
    result = run("model", "shufflenet", "--scale", "1e300", "--format", fmt)
    if fmt == "json":
        assert strict_json(result.stdout)["totals"]["macs"] > 10**600
    else:
        assert "e+" in result.stdout or fmt == "csv"
