"""Hypothesis properties of the analytic engine and the closed forms."""

from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.engine import formulas as F
from costcalc.engine import specs as S
from costcalc.engine.compare import LayerQuery, compare_layer
from costcalc.engine.cost import cost

channels = st.integers(1, 96)
odd_kernels = st.sampled_from([1, 3, 5, 7])
sizes = st.integers(8, 40)


@st.composite
def same_padding_layers(draw):
    """Stride-1 layers with 'same' padding (odd kernels), even heights so EffNet's 2×1 pool is exact."""
    m, n = draw(channels), draw(channels)
    groups = draw(st.sampled_from(S.divisors(m)))
    return LayerQuery(m, n, (draw(odd_kernels), draw(odd_kernels)), (2 * draw(st.integers(4, 20)), draw(sizes)),
                      groups=groups)


@settings(max_examples=150, deadline=None)
@given(same_padding_layers())
def test_closed_forms_equal_exact_counts_at_stride_1_same_padding(query):
    for row in compare_layer(query):
        if row.macs is None:
            continue
        assert row.formula_macs == row.macs, row.name
        assert row.ratio == row.formula_ratio, row.name


@settings(max_examples=150, deadline=None)
@given(channels, channels, odd_kernels, sizes, st.integers(1, 3))
def test_depthwise_separable_is_depthwise_plus_pointwise(m, n, k, size, stride):
    rows = {row.name: row for row in compare_layer(LayerQuery(m, n, k, size + k, stride=stride))}
    assert rows["depthwise_separable"].macs == rows["depthwise"].macs + rows["pointwise"].macs
    assert rows["depthwise_separable"].params == rows["depthwise"].params + rows["pointwise"].params


@settings(max_examples=150, deadline=None)
@given(channels, channels, odd_kernels, sizes, st.integers(1, 3))
def test_groups_one_is_the_standard_convolution(m, n, k, size, stride):
    shape = S.Shape(m, size + k, size)
    grouped = cost(S.Conv2d(m, n, k, stride, groups=1), shape)
    symbols = F.Symbols(*grouped.output[1:], k, k, m, n)
    assert grouped.macs == F.STANDARD(symbols)  # at the output size the closed form is exact
    assert grouped.params == m * n * k * k


@settings(max_examples=150, deadline=None)
@given(channels, odd_kernels, sizes, st.integers(1, 3))
def test_groups_equal_to_channels_is_depthwise(m, k, size, stride):
    shape = S.Shape(m, size + k, size + k)
    as_groups = cost(S.Conv2d(m, m, k, stride, groups=m), shape)
    as_depthwise = cost(S.depthwise(m, k, stride), shape)
    assert (as_groups.macs, as_groups.params, as_groups.output) == (as_depthwise.macs, as_depthwise.params,
                                                                    as_depthwise.output)
    assert as_depthwise.macs == F.DEPTHWISE(F.Symbols(*as_depthwise.output[1:], k, k, m, m))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(S.BLOCKS), sizes, sizes)
def test_params_do_not_depend_on_the_input_size(block_type, first, second):
    block, channels_in = {
        S.DepthwiseSeparable: (S.DepthwiseSeparable(24, 48, stride=2), 24),
        S.ShuffleUnit: (S.ShuffleUnit(24, 240, groups=3, stride=2), 24),
        S.Bottleneck: (S.Bottleneck(64, 64, 16, groups=4), 64),
        S.EffNetBlock: (S.EffNetBlock(16, 32), 16),
        S.SqueezeExcite: (S.SqueezeExcite(16, 4), 16),
        S.InvertedResidual: (S.InvertedResidual(16, 24, 6, 5, stride=2, se_channels=4), 16),
        S.ShuffleV2Unit: (S.ShuffleV2Unit(24, 48, stride=2), 24),
        S.Residual: (S.Residual(S.sequence(("conv", S.Conv2d(8, 8, 3)))), 8),
    }[block_type]
    assert cost(block, S.Shape(channels_in, first, first)).params == cost(block, S.Shape(channels_in, second, 9)).params


@settings(max_examples=100, deadline=None)
@given(channels, st.integers(1, 8), odd_kernels, sizes)
def test_grouped_cost_is_standard_divided_by_groups(base, groups, k, size):
    m = n = base * groups
    shape = S.Shape(m, size, size)
    assert cost(S.Conv2d(m, n, k, groups=groups), shape).macs * groups == cost(S.Conv2d(m, n, k), shape).macs
