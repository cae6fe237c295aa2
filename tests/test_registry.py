"""Every registered kind costs, builds, runs and reconciles exactly — one registry drives it all."""

import pytest

from costcalc.engine import specs as S
from costcalc.engine.cost import COST_RULES, cost
from costcalc.engine.kinds import KINDS

CONTAINERS = (S.Sequential, S.Branches, *S.BLOCKS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_kind_has_an_example_of_its_spec_type_and_a_cost_rule(kind):
    spec, shape = kind.example()
    assert isinstance(spec, kind.spec_type)
    assert kind.spec_type in COST_RULES or kind.spec_type in CONTAINERS
    report = cost(spec, shape)
    assert report.output.numel > 0


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
