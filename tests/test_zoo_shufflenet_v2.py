"""ShuffleNet V2 (Ma et al. 2018) as torchvision defines it: exact params, Table 8 MFLOPs, channel split."""

import pytest

from costcalc.engine import zoo
from costcalc.engine.cost import cost
from costcalc.engine.specs import Shape, ShuffleV2Unit, SpecError
from costcalc.engine.zoo.shufflenet_v2 import shufflenet_v2

ENTRY = zoo.find("shufflenet_v2")


@pytest.mark.parametrize("scale, params, macs, torchvision_gflops, table_8, top1", [
    (0.5, 1_366_792, 40_476_448, "0.04", "41", "60.3"),
    (1.0, 2_278_604, 144_907_992, "0.14", "146", "69.4"),
    (1.5, 3_503_624, 295_759_392, "0.30", "299", "72.6"),
    (2.0, 7_393_996, 583_253_464, "0.58", "591", "74.9"),
])
def test_torchvision_params_exactly_and_table_8(scale, params, macs, torchvision_gflops, table_8, top1):
    network = shufflenet_v2(scale)
    ours = cost(network.body, network.input_shape)
    assert (ours.params, ours.macs) == (params, macs)
    rows = ENTRY.published(dict(network.options))
    assert [(row.value, row.agrees(getattr(ours, row.quantity))) for row in rows] == [
        (f"{params:,}", True), (torchvision_gflops, True), (table_8, False)]
    assert "0.8–1.3 % above" in rows[2].note  # Table 8 sits above the architecture's count, said in the row
    assert zoo.top1(ENTRY, network.options).top1 == top1


def test_stride_1_unit_by_hand():
    # 116 channels on 28×28: split 58 | 58; 1×1 58→58, 3×3 dw, 1×1 58→58 on one half
    unit = ShuffleV2Unit(116, 116)
    ours = cost(unit, Shape(116, 28, 28))
    assert ours.macs == 784 * (2 * 58 * 58 + 9 * 58)
    assert ours.params == 2 * 58 * 58 + 9 * 58 + 2 * 3 * 58
    assert ours.other_ops["concat"] == ours.other_ops["shuffle"] == 116 * 784
    assert [layer.kind for layer in ours.layers][:2] == ["split", "split"]


def test_stride_2_unit_has_no_split():
    ours = cost(ShuffleV2Unit(24, 116, 2), Shape(24, 56, 56))
    assert ours.output == (116, 28, 28) and "split" not in {layer.kind for layer in ours.layers}
    assert ours.macs == 9 * 24 * 784 + 24 * 58 * 784 + 24 * 58 * 56 * 56 + 9 * 58 * 784 + 58 * 58 * 784


@pytest.mark.parametrize("kwargs, fragment", [
    ({"scale": 0.75}, "scale must be one of 0.5, 1, 1.5, 2 (ShuffleNet V2 Table 5 fixes each width), got 0.75"),
    ({"scale": float("nan")}, "got nan"), ({"scale": True}, "got True"), ({"res": 0}, "res must be an integer ≥ 1"),
])
def test_bad_options(kwargs, fragment):
    with pytest.raises(SpecError) as error:
        shufflenet_v2(**kwargs)
    assert fragment in str(error.value)


@pytest.mark.parametrize("arguments, fragment", [
    ((24, 48, 1), "must equal out_channels"), ((24, 45, 2), "out_channels must be even"), ((24, 48, 3), "1 or 2"),
])
def test_unit_validation(arguments, fragment):
    with pytest.raises(SpecError, match=fragment):
        ShuffleV2Unit(*arguments)
