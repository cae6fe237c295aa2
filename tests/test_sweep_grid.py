"""The factored grid costing and the n·log n comparisons against the plain engine and brute force."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.engine.cost import cost
from costcalc.engine.zoo import MODELS
from costcalc.sweep import frontier, grid_cost
from costcalc.sweep import grid as sweep


def plain(entry, config) -> tuple[int | None, int | None, str]:
    """What ``cost(network.body, network.input_shape)`` gives for one configuration, or its error."""
    network = grid_cost.build(entry, config.options)
    if isinstance(network, str):
        return None, None, network
    try:
        report = cost(network.body, network.input_shape)
    except ValueError as error:
        return None, None, str(error)
    return report.macs, report.params, ""


alphas = st.lists(st.sampled_from([0.01, 0.1, 0.25, 0.33, 0.5, 0.75, 0.9, 1.0, 1.3, 2.0, 3.0]), min_size=1,
                  max_size=4, unique=True)
resolutions = st.lists(st.integers(1, 260), min_size=1, max_size=4, unique=True)


@settings(max_examples=40, deadline=None)
@given(alphas, resolutions, st.sampled_from([(1000,), (1001,), (10, 1000)]), st.booleans())
def test_mobilenet_grid_equals_plain_cost(alpha, res, classes, shallow):
    entry = MODELS["mobilenet"]
    axes = {"alpha": tuple(alpha), "res": tuple(res), "classes": classes, **({"shallow": (True,)} if shallow else {})}
    configs = sweep.Plan(entry, axes).configs()
    assert grid_cost.cost_grid(entry, configs) == [plain(entry, config) for config in configs]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([1, 2, 3, 4, 8, 5]), min_size=1, max_size=3, unique=True),
       st.lists(st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 0.125]), min_size=1, max_size=3, unique=True),
       resolutions)
@pytest.mark.slow
def test_shufflenet_grid_equals_plain_cost(groups, scales, res):
    entry = MODELS["shufflenet"]
    configs = sweep.Plan(entry, {"groups": tuple(groups), "scale": tuple(scales), "res": tuple(res)}).configs()
    assert grid_cost.cost_grid(entry, configs) == [plain(entry, config) for config in configs]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.data())
def test_every_zoo_network_default_grid_over_res_equals_plain_cost(name, data):
    """Whatever the network (successors included), a resolution grid is the plain engine's count."""
    entry = MODELS[name]
    res = data.draw(st.lists(st.integers(16, 300), min_size=1, max_size=3, unique=True))
    configs = sweep.Plan(entry, {"res": tuple(res)} if "res" in entry.grid_options else {}).configs()
    assert grid_cost.cost_grid(entry, configs) == [plain(entry, config) for config in configs]


def test_mobilenet_grid_is_factored_and_effnet_is_not():
    """MobileNet's body is the same at every resolution; EffNet's classifier reads the flattened map."""
    mobilenet = sweep.Plan(MODELS["mobilenet"], {"alpha": (0.5, 1.0), "res": (128, 224)}).configs()
    assert grid_cost.factored(MODELS["mobilenet"], mobilenet) is not None
    effnet = sweep.Plan(MODELS["effnet"], {"res": (32, 64)}).configs()
    assert grid_cost.factored(MODELS["effnet"], effnet) is None
    assert grid_cost.cost_grid(MODELS["effnet"], effnet) == [plain(MODELS["effnet"], c) for c in effnet]


def test_spatial_times_channel_terms_is_the_conv_count():
    """MobileNet 1.0-224: the dot product of the terms is the known 568,740,352 MACs."""
    network = MODELS["mobilenet"].build()
    found = grid_cost.terms(network.body, network.input_shape)
    spatial = grid_cost.spatial_terms(found.layers, network.input_shape)
    assert found.macs(spatial) == 568_740_352 and found.params == 4_231_976
    assert found.flat_macs == 1024 * 1000 and spatial[0] == 112 * 112


def brute_nearest_other(items):
    found = []
    for group, count in items:
        others = [(math.fabs(math.log(other / count)), index) for index, (name, other) in enumerate(items)
                  if name != group]
        found.append(min(others)[1] if others else None)
    return found


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(1, 10**9)), max_size=40))
def test_nearest_other_equals_brute_force(items):
    fast = frontier.nearest_other(items)
    brute = brute_nearest_other(items)
    for index, (got, want) in enumerate(zip(fast, brute)):
        if want is None:
            assert got is None
        else:  # the same distance (ties may pick another item at that distance)
            count = items[index][1]
            assert math.isclose(frontier.log_distance(items[got][1], count),
                                frontier.log_distance(items[want][1], count))
            assert items[got][0] != items[index][0]


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=40))
def test_pareto_equals_brute_force(points):
    def dominated(point):
        return any(other[0] <= point[0] and other[1] <= point[1] and other != point for other in points)

    assert frontier.pareto(points) == [not dominated(point) for point in points]


@pytest.mark.parametrize("name, axes", [
    ("mobilenet_v2", {"alpha": (0.35, 0.5, 1.0, 1.4), "res": (96, 160, 224)}),
    ("mobilenet_v3", {"size": ("large", "small"), "alpha": (0.75, 1.0), "res": (128, 224)}),
    ("shufflenet_v2", {"scale": (0.5, 1.0, 2.0), "res": (112, 224)}),
    ("efficientnet", {"variant": ("b0", "b2"), "res": (192, 260)}),
    ("efficientnet", {"variant": ("b0", "b1", "b3")}),
])
def test_successor_grids_equal_plain_cost(name, axes):
    if name not in MODELS:
        pytest.skip(f"{name} is not in the zoo")
    entry = MODELS[name]
    configs = sweep.Plan(entry, axes).configs()
    assert grid_cost.cost_grid(entry, configs) == [plain(entry, config) for config in configs]
