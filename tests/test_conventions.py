"""The counters' conventions as analytic rules (pure Python): hand-derived counts and causes."""

from costcalc.engine import conventions as C
from costcalc.engine import specs as S
from costcalc.engine.cost import cost


def layer(spec, shape):
    (only,) = cost(spec, S.Shape(*shape)).layers
    return only


def test_batchnorm_is_two_per_element_in_fvcore_and_zero_in_flop_counter():
    bn = layer(S.BatchNorm2d(16), (16, 10, 12))
    assert C.count(C.FVCORE, bn) == 2 * 16 * 10 * 12
    assert C.count(C.FLOP_COUNTER, bn) == 0
    assert C.cause(C.FVCORE, bn).startswith("batch norm")
    assert C.skipped(C.FVCORE, bn) == {}


def test_conv_is_macs_for_fvcore_and_twice_for_flop_counter_with_bias_skipped():
    conv = layer(S.Conv2d(8, 16, 3, 2, bias=True), (8, 15, 17))  # 8×9 output
    macs = 8 * 9 * 16 * 8 * 9
    assert conv.macs == macs and C.count(C.FVCORE, conv) == macs and C.cause(C.FVCORE, conv) == ""
    assert C.count(C.FLOP_COUNTER, conv) == 2 * macs and "×2" in C.cause(C.FLOP_COUNTER, conv)
    assert C.skipped(C.FVCORE, conv) == {"bias": 16 * 8 * 9}


def test_adaptive_pool_counted_but_window_pools_skipped():
    gap = layer(S.GlobalAvgPool(), (64, 7, 7))
    assert C.count(C.FVCORE, gap) == 64 * 49 and C.cause(C.FVCORE, gap).startswith("pooling")
    pool = layer(S.Pool2d("max", 3, 2, 1), (8, 16, 16))  # 8×8 output, 9-element windows
    assert C.count(C.FVCORE, pool) == 0 and C.skipped(C.FVCORE, pool) == {"pool": 8 * 8 * 8 * 9}


def test_asymmetric_padding_lists_the_pad():
    conv = layer(S.Conv2d(8, 12, (2, 1), (1, 2), (0, 1, 0, 0)), (8, 10, 10))
    assert C.skipped(C.FVCORE, conv) == {"pad": 8 * 11 * 10}


def test_conventions_view_and_suite_never_import_torch():
    import subprocess
    import sys

    code = ("import sys, costcalc.engine.conventions, costcalc.views.reconcile, costcalc.config.verify_suite; "
            "print('torch' in sys.modules or 'fvcore' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
