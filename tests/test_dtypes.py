"""The one dtype table: each list a command offers derives from it."""

from costcalc.engine import dtypes
from costcalc.engine.memory import DTYPES, dtype_size


def test_the_lists_derive_from_the_table_in_the_commands_order():
    assert dtypes.MEMORY_DTYPES == ("float32", "float16", "int8")
    assert dtypes.TIMED_DTYPES == ("float32", "float16")
    assert dtypes.INPUT_DTYPES == ("float32", "float16", "bfloat16", "float64", "int64", "int32", "bool")


def test_bytes_per_element():
    assert {dtype.name: dtype.bytes for dtype in dtypes.TABLE} == {
        "float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int32": 4, "bool": 1, "int8": 1}
    assert DTYPES == {"float32": 4, "float16": 2, "int8": 1}
    assert [dtype_size(name) for name in dtypes.MEMORY_DTYPES] == [4, 2, 1]


def test_every_timed_dtype_has_its_memory_traffic():
    assert set(dtypes.TIMED_DTYPES) <= set(dtypes.MEMORY_DTYPES)


def test_the_names_are_torchs():
    import pytest

    torch = pytest.importorskip("torch")
    for dtype in dtypes.TABLE:
        assert getattr(torch, dtype.name).itemsize == dtype.bytes, dtype.name
