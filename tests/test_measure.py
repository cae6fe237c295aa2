"""Real modules against the analytic engine: shapes, names, fvcore and FlopCounterMode parity."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.config.verify_suite import load_suite, random_target  # noqa: E402
from costcalc.engine import specs as S  # noqa: E402
from costcalc.engine.cost import cost  # noqa: E402
from costcalc.measure.modules import build_module  # noqa: E402
from costcalc.measure.reconcile import reconcile  # noqa: E402
from costcalc.views.reconcile import reconciliation_views  # noqa: E402

SUITE = load_suite()


@pytest.mark.parametrize("target", SUITE, ids=[target.name for target in SUITE])
def test_every_suite_target_reconciles_exactly(target):
    result = reconcile(target.spec, target.input, target.name)
    assert result.output == result.measured_output
    assert result.match, result.mismatches()


def test_module_names_are_the_analytic_layer_names():
    spec = S.ShuffleUnit(24, 48, 3, 2)
    names = {name for name, _ in build_module(spec).named_modules()}
    leaves = [layer.name for layer in cost(spec, S.Shape(24, 14, 14)).layers if layer.kind not in ("add", "concat")]
    assert set(leaves) <= names and "branches.main.compress" in names


def test_fvcore_counts_batchnorm_twice_per_element_in_eval_mode():
    result = reconcile(S.BatchNorm2d(16), S.Shape(16, 10, 12), "bn")
    assert result.fvcore.measured == 2 * 16 * 10 * 12 and result.macs.measured == 0
    assert result.flop_counter.measured == 0 and result.params.measured == 32


def test_payload_is_exact_json_with_causes_and_skipped_ops():
    result = reconcile(S.DepthwiseSeparable(32, 64, 3, 2), S.Shape(32, 28, 28), "sep")
    payload = json.loads(json.dumps(result.payload()))
    macs = 14 * 14 * 32 * 9 + 14 * 14 * 32 * 64
    assert payload["analytic_macs"] == payload["measured_macs"] == macs
    assert payload["flop_counter"]["measured"] == 2 * macs
    bn_elements = 32 * 14 * 14 + 64 * 14 * 14
    assert payload["fvcore"]["measured"] == macs + 2 * bn_elements
    assert sum(payload["fvcore"]["causes"].values()) == 2 * bn_elements
    assert {entry["category"] for entry in payload["skipped"]} == {"activation"}
    assert [entry["estimate"] for entry in payload["skipped"]] == [32 * 14 * 14, 64 * 14 * 14]
    views = reconciliation_views(payload, "flops")
    assert views[0].rows[-1][3] == f"{2 * macs:,}" and len(views) == 2


def test_a_wrong_module_is_a_mismatch(monkeypatch):
    from costcalc.measure import modules

    build_conv = modules.BUILDERS[S.Conv2d]
    monkeypatch.setitem(modules.BUILDERS, S.Conv2d, lambda spec: build_conv(S.Conv2d(**{**vars(spec), "bias": True})))
    result = reconcile(S.DepthwiseSeparable(4, 8), S.Shape(4, 6, 6), "broken")
    assert not result.match and result.params.measured == result.params.analytic + 4 + 8
    assert any(line.startswith("dw: params") for line in result.mismatches())


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_random_specs_match_fvcore_and_flop_counter(rng):
    target = random_target(rng, "hypothesis")
    result = reconcile(target.spec, target.input, target.name)
    assert result.match, (target, result.mismatches())
    assert result.flop_counter.measured == 2 * result.macs.analytic


@pytest.mark.slow
def test_flop_counter_mode_counts_without_importing_dynamo():
    """FlopCounterMode's first use no longer imports torch._dynamo (≈ 2 s); its counts are unchanged."""
    import subprocess
    import sys

    code = ("import sys, torch; from costcalc.measure.count import measure; "
            "from costcalc.engine.specs import Conv2d, Shape; "
            "from costcalc.measure.modules import build_module; "
            "m = measure(build_module(Conv2d(3, 8, 3)), Shape(3, 8, 8)); "
            "print(m.flop_counter[''], 'torch._dynamo' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # 8·8 outputs · 8 channels · 3·3·3 weights = 13,824 MACs; FlopCounterMode counts 2 per MAC.
    assert result.stdout.split() == ["27648", "False"]
