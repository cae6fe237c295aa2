"""Every registered kind costs, builds, runs and reconciles exactly — one registry drives it all."""

import pytest

from costcalc.engine import specs as S
from costcalc.engine.cost import COST_RULES, WALKS, cost, output_shape
from costcalc.engine.kinds import KINDS


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_kind_has_an_example_of_a_registered_spec_type(kind):
    spec, shape = kind.example()
    assert isinstance(spec, kind.spec_type) and kind.spec_type in S.SPEC_TYPES
    report = cost(spec, shape)
    assert report.output.numel > 0
    assert output_shape(spec, shape) == spec.output_shape(shape) == report.output


@pytest.mark.parametrize("spec_type", S.SPEC_TYPES, ids=lambda spec_type: spec_type.__name__)
def test_every_registered_spec_has_a_cost_rule_a_builder_and_a_shape_rule(spec_type):
    """A leaf has a cost rule; a container or block a walk; every one a torch builder and its own output_shape."""
    role = S.SPEC_TYPES[spec_type]
    assert (spec_type in COST_RULES) == (role == "leaf")
    assert (spec_type in WALKS) == (role != "leaf")
    assert callable(spec_type.output_shape)
    pytest.importorskip("torch")
    from costcalc.measure.modules import BUILDERS

    assert spec_type in BUILDERS


def test_the_registries_key_exactly_the_registered_spec_types():
    from costcalc.measure.modules import BUILDERS

    assert set(COST_RULES) | set(WALKS) == set(S.SPEC_TYPES)
    assert set(BUILDERS) == set(S.SPEC_TYPES) | {S.Network}
    assert {kind.spec_type for kind in KINDS} <= set(S.SPEC_TYPES)


def test_leaves_blocks_and_containers_derive_from_the_registration():
    """The tuples once listed by hand in specs.py."""
    assert set(S.LEAVES) == {S.Conv2d, S.BatchNorm2d, S.Activation, S.Pool2d, S.GlobalAvgPool, S.ChannelShuffle,
                             S.ChannelSplit, S.Flatten, S.Linear}
    assert (S.DepthwiseSeparable, S.ShuffleUnit, S.Bottleneck, S.EffNetBlock, S.SqueezeExcite,
                        S.InvertedResidual, S.ShuffleV2Unit, S.Residual) == S.BLOCKS
    assert (S.Sequential, S.Branches) == S.CONTAINERS
    assert set(S.Spec.__args__) == set(S.SPEC_TYPES) == {*S.LEAVES, *S.CONTAINERS, *S.BLOCKS}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_kind_builds_a_module_that_matches_fvcore(kind):
    pytest.importorskip("fvcore")
    import torch

    from costcalc.measure.modules import BUILDERS, build_module
    from costcalc.measure.reconcile import reconcile

    spec, shape = kind.example()
    assert kind.spec_type in BUILDERS
    if isinstance(spec, S.Linear):  # torch's Linear takes (N, C): feed it through a flatten, as networks do
        spec = S.sequence(("flatten", S.Flatten()), ("fc", spec))
    module = build_module(spec).eval()
    with torch.no_grad():
        assert module(torch.randn(1, *shape)).numel() == cost(spec, shape).output.numel
    result = reconcile(spec, shape, kind.name)
    assert result.match, result.payload().get("mismatches")


def test_conv_kinds_derive_the_registered_name():
    for kind in KINDS:
        spec, _ = kind.example()
        if isinstance(spec, S.Conv2d):
            assert spec.kind == kind.name, kind.name


def test_list_shows_every_kind(run):
    names = [row["name"] for row in run.json("list")["kinds"]]
    assert names == [kind.name for kind in KINDS]


def test_conv_and_mac_kinds_derive_from_the_table():
    """The kinds whose MACs are convolutions (once a hand-written tuple in cost.py), and the linear layer."""
    from costcalc.engine.cost import CONV_KINDS
    from costcalc.engine.kinds import MAC_KINDS

    assert set(CONV_KINDS) == {"conv", "depthwise", "pointwise", "grouped_pointwise", "grouped"}
    assert (*CONV_KINDS, "linear") == MAC_KINDS


def test_paper_formulas_derive_from_the_table():
    """analyze shows beside each convolution the formula its kind states (once a dict in measure/analysis.py)."""
    from costcalc.engine import formulas as F
    from costcalc.engine.kinds import PAPER_FORMULAS

    assert PAPER_FORMULAS == {"conv": F.STANDARD, "depthwise": F.DEPTHWISE, "pointwise": F.POINTWISE,
                              "grouped": F.GROUPED, "grouped_pointwise": F.GROUPED_POINTWISE}


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind.formula], ids=lambda kind: kind.name)
def test_a_kinds_formula_gives_its_exact_macs_at_stride_one(kind):
    """Each stated formula equals the exact count on a 'same'-padded, stride-1 example (8×8 map)."""
    from costcalc.engine.formulas import Symbols

    spec, symbols = {
        "conv": (S.Conv2d(4, 6, 3), Symbols(8, 8, 3, 3, 4, 6)),
        "depthwise": (S.depthwise(4, 3), Symbols(8, 8, 3, 3, 4, 4)),
        "pointwise": (S.pointwise(4, 6), Symbols(8, 8, 1, 1, 4, 6)),
        "grouped": (S.Conv2d(4, 6, 3, groups=2), Symbols(8, 8, 3, 3, 4, 6, 2)),
        "grouped_pointwise": (S.pointwise(4, 6, groups=2), Symbols(8, 8, 1, 1, 4, 6, 2)),
        "separable": (S.DepthwiseSeparable(4, 6), Symbols(8, 8, 3, 3, 4, 6)),
        "shuffle_unit": (S.ShuffleUnit(24, 24, groups=3, bottleneck=6), Symbols(8, 8, 3, 3, 24, 6, 3)),
        "bottleneck": (S.Bottleneck(16, 16, 4), Symbols(8, 8, 3, 3, 16, 4)),
        "inverted_residual": (S.InvertedResidual(8, 8, 6), Symbols(8, 8, 3, 3, 8, 6)),
        "shufflenet_v2_unit": (S.ShuffleV2Unit(16, 16), Symbols(8, 8, 3, 3, 16, 0)),
    }[kind.name]
    assert cost(spec, S.Shape(spec.in_channels, 8, 8)).macs == kind.formula(symbols)


def test_summaries_write_in_the_formula_they_state():
    by_name = {kind.name: kind for kind in KINDS}
    assert by_name["conv"].summary == "standard convolution, cost Df²·M·N·Dk² (MobileNet eq. 2)"
    assert by_name["grouped_pointwise"].summary == "1×1 group convolution, M·N·Df²/g (ShuffleNet §3.1)"
    assert by_name["shuffle_unit"].summary.startswith("ShuffleNet unit hw(2cm/g + 9m): ")
    assert all(kind.formula.text in kind.summary for kind in KINDS if "{formula" in kind.description)
