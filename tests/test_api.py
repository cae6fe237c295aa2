"""The public Python API: ``from costcalc import …`` gives the documented objects."""

import subprocess
import sys

import pytest


def test_cost_is_the_function_whatever_was_imported_first():
    # costcalc.cost is the package's cost() function, whichever engine modules were imported first.
    code = ("import costcalc.engine.compare, costcalc.engine.memory\n"
            "from costcalc import Conv2d, Shape, cost, LayerQuery, compare_layer\n"
            "print(cost(Conv2d(3, 32, 3, stride=2), Shape(3, 224, 224)).macs, LayerQuery.__name__, "
            "compare_layer.__name__)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["10838016", "LayerQuery", "compare_layer"]


def test_unknown_attribute_is_an_attribute_error():
    import costcalc

    with pytest.raises(AttributeError, match="does_not_exist"):
        costcalc.does_not_exist  # noqa: B018
