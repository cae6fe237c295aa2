"""The network options table (:mod:`costcalc.engine.network_options`) against the zoo and the commands built from it."""

from __future__ import annotations

import click
import pytest

from costcalc.cli import cli
from costcalc.engine.network_options import MODEL_ORDER, NETWORK_OPTIONS
from costcalc.engine.zoo import MODELS, OPTION_NAMES
from costcalc.sweep.grid import FLAGS, OPTION_TYPES, Config

CLICK_TYPES = {float: click.FLOAT, int: click.INT, str: click.STRING}


def command_options(name: str) -> dict[str, click.Option]:
    """The options of ``costcalc NAME`` that are network options, in ``--help`` order."""
    command = cli.get_command(click.Context(cli), name)
    return {param.name: param for param in command.params if param.name in NETWORK_OPTIONS}


def value_type(param: click.Option) -> click.ParamType:
    """The click type under the number policy's wrapper (:func:`costcalc.commands.options.harden`)."""
    return getattr(param.type, "wrapped", param.type)


def test_every_zoo_option_is_in_the_table_with_defaults_of_its_type():
    """Each network's options are table rows; a default is of the row's type (``None``: the builder's choice)."""
    assert tuple(NETWORK_OPTIONS) == OPTION_NAMES
    for entry in MODELS.values():
        assert set(entry.options) <= set(NETWORK_OPTIONS), entry.name
        for key, value in entry.defaults.items():
            assert value is None or type(value) is NETWORK_OPTIONS[key].type, (entry.name, key, value)


def test_sweep_lists_and_switches_partition_the_table():
    assert set(OPTION_TYPES).isdisjoint(FLAGS) and {*OPTION_TYPES, *FLAGS} == set(NETWORK_OPTIONS)
    assert FLAGS == ("shallow",) and OPTION_TYPES["alpha"] is float and OPTION_TYPES["res"] is int


@pytest.mark.parametrize("name", ["model", "bench"])
def test_model_and_bench_take_one_value_of_each_options_type(name):
    """model lists the options in MODEL_ORDER; bench the same without --size (its --size is a layer's)."""
    options = command_options(name)
    network = [key for key in options if key != "size" or name == "model"]
    assert network == [key for key in MODEL_ORDER if key != "size" or name == "model"]
    for key in network:
        option, param = NETWORK_OPTIONS[key], options[key]
        assert param.opts == [option.flag] and param.help == option.model_help
        if option.switch:
            assert param.is_flag and param.default is None
        else:
            assert value_type(param) is CLICK_TYPES[option.type]
    assert value_type(command_options("bench")["size"]).name == "N|HxW"


def test_sweep_takes_text_lists_then_switches():
    options = command_options("sweep")
    assert list(options) == [*OPTION_TYPES, *FLAGS]
    for key, param in options.items():
        option = NETWORK_OPTIONS[key]
        assert param.opts == [option.flag] and param.help == option.sweep_help
        assert param.is_flag if option.switch else value_type(param) is click.STRING


def test_model_order_names_every_option_once():
    assert sorted(MODEL_ORDER) == sorted(NETWORK_OPTIONS)


@pytest.mark.parametrize("options, label", [
    ((("alpha", 0.5), ("res", 128), ("classes", 1001)), "α0.5 r128 c1001"),
    ((("alpha", 1.0), ("shallow", True)), "α1 shallow"),
    ((("groups", 3), ("scale", 1.5)), "g3 1.5×"),
    ((("size", "small"), ("variant", "b3")), "small b3"),
    ((), "default"),
])
def test_short_labels(options, label):
    assert Config("any", options).label(short=True) == label
