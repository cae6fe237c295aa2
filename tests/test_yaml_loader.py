"""The one-pass YAML loader: the values PyYAML's ``safe_load`` gives (but for the documented
differences), the line of every key and item, and the YAML features a config may use.

Each test runs with libyaml's parser and with PyYAML's pure-Python one.
"""

from __future__ import annotations

import datetime

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.config.yaml_loader import MAX_DEPTH, YamlProblem, load

pytestmark = pytest.mark.usefixtures("loader")  # conftest: libyaml's parser, then the pure-Python one


SCALARS = (st.none() | st.booleans() | st.integers(-10**17, 10**17)
           | st.floats(allow_nan=False, allow_infinity=False, width=64) | st.text(max_size=12))
DATA = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(data=DATA, flow=st.sampled_from([None, True, False]))
def test_values_equal_safe_load(data, flow):
    """Whatever ``safe_dump`` writes (decimal integers only) loads to what ``safe_load`` reads from it."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert load(text).data == yaml.safe_load(text)


def test_lines_of_keys_and_items():
    text = ("name: x\n"            # 1
            "input: 3x8x8\n"       # 2
            "layers:\n"            # 3
            "  - kind: conv\n"     # 4
            "    out: 8\n"         # 5
            "  - {kind: pool,\n"   # 6
            "     size: 2}\n"      # 7
            "nested: {a: [1,\n"    # 8
            "   2, {b: 3}]}\n")    # 9
    loaded = load(text)
    assert loaded.locate(("input",)) == 2
    assert loaded.locate(("layers",)) == 3
    assert loaded.locate(("layers", 0)) == 4 and loaded.locate(("layers", 0, "out")) == 5
    assert loaded.locate(("layers", 1)) == 6 and loaded.locate(("layers", 1, "size")) == 7
    assert loaded.locate(("nested", "a", 2, "b")) == 9
    assert loaded.locate(("layers", 0, "missing")) == 4, "a missing key points at its parent"
    assert loaded.locate(("layers", 7)) == 3
    assert loaded.locate(("nowhere",)) is None


def test_yaml_features_a_config_may_use():
    text = ("base: &base {kind: conv, out: 8, stride: 1}\n"
            "more: &more {act: relu}\n"
            "one: {<<: *base, out: 16}\n"
            "two: {<<: [*base, *more], stride: 2}\n"
            "shared: [*base, *base]\n"
            "word: &w hello\n"
            "again: *w\n"
            "~: null key\n"
            "tagged: !!str 5\n"
            "number: !!int '7'\n"
            "day: 2026-12-02\n"
            "blob: !!binary aGk=\n"
            "plain: [yes, no, on, 1.5, -2, '010', 010, 0x1F, '1:30', 1:30, .5]\n")
    data = load(text).data
    assert data["one"] == {"kind": "conv", "out": 16, "stride": 1}
    assert data["two"] == {"kind": "conv", "out": 8, "stride": 2, "act": "relu"}
    assert data["shared"][0] is data["shared"][1] is data["base"]
    assert data["again"] == "hello" and data[None] == "null key"
    assert data["tagged"] == "5" and data["number"] == 7
    assert data["day"] == datetime.date(2026, 12, 2) and data["blob"] == b"hi"
    # YAML 1.1's octal, hex and sexagesimal integers are kept as written
    assert data["plain"] == [True, False, True, 1.5, -2, "010", "010", "0x1F", "1:30", "1:30", 0.5]
    safe = yaml.safe_load(text)
    assert {key: value for key, value in safe.items() if key != "plain"} == \
           {key: value for key, value in data.items() if key != "plain"}


@pytest.mark.parametrize("text, line, fragment", [
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first at line 1)"),
    ("a: &x [1, *x]\n", 1, "alias *x refers to a value that contains it (a cycle)"),
    ("a: *nowhere\n", 1, "alias *nowhere names no anchor defined before it"),
    ("? [1, 2]\n: 3\n", 1, "a key must be a plain name, not a list or mapping"),
    ("a: &l [1]\n*l : 2\n", 2, "a key must be a plain name, not a list or mapping"),
    ("a: {<<: 5}\n", 1, "'<<' merges mappings only"),
    ("a: [<<]\n", 1, "tag !!merge is not supported"),
    ("a: !!python/object:os.system x\n", 1, "tag !!python/object:os.system is not supported"),
    ("a: !!set {x, y}\n", 1, "tag !!set is not supported"),
    ("a: !!timestamp yesterday\n", 1, "'yesterday' is not a !!timestamp"),
    ("a: !!binary 'a'\n", 1, "'a' is not a !!binary"),
    ("a: !!float abc\n", 1, "'abc' is not a !!float"),
    ("a: 1.0e+999\n", 1, "overflows a float"),
    ("a: .nan\n", 1, "is not a finite number"),
    ("a: " + "9" * 30 + "\n", 1, "integers have at most 18 digits"),
    ("a: 1\n---\nb: 2\n", 2, "a second YAML document"),
    ("a: [1, 2\n", None, "malformed YAML"),
    ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", 1, f"nested more than {MAX_DEPTH} levels deep"),
])
def test_problems_name_their_line(text, line, fragment):
    with pytest.raises(YamlProblem) as problem:
        load(text)
    assert fragment in problem.value.message
    if line is not None:
        assert problem.value.line == line


def test_alias_expansion_is_bounded_without_expanding():
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 10)}]" for level in range(6)]
    with pytest.raises(YamlProblem, match=r"aliases expand .* at most 1,000,000 may be added by aliases"):
        load("\n".join(bomb) + "\n")


def test_empty_text_is_none():
    assert load("").data is None and load("# only a comment\n").data is None
