"""``costcalc compare``: exact rows, parsed JSON, golden tables, formats and every error path."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TABLE3 = ("compare", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14")

# MobileNet Table 3 layer (Dk = 3, M = N = 512, Df = 14, g = 8), each derived by hand:
TABLE3_ROWS = {
    # name: (macs, params, reference, ratio)
    "standard": (14 * 14 * 512 * 512 * 9, 512 * 512 * 9, "standard", 1),                   # 462,422,016
    "depthwise": (14 * 14 * 512 * 9, 512 * 9, "standard", 1 / 512),                          # 903,168
    "pointwise": (512 * 512 * 14 * 14, 512 * 512, "standard", 1 / 9),                        # 51,380,224
    "depthwise_separable": (903_168 + 51_380_224, 4_608 + 262_144, "standard", 1 / 512 + 1 / 9),
    "grouped": (462_422_016 // 8, 512 * 64 * 9, "standard", 1 / 8),
    "grouped_pointwise": (51_380_224 // 8, 512 * 64, "pointwise", 1 / 8),
    "depthwise_grouped_pointwise": (903_168 + 6_422_528, 4_608 + 32_768, "standard", 1 / 512 + 1 / 72),
    "spatial_separable": (2 * 196 * 512 * 512 * 3, 2 * 512 * 512 * 3, "standard", 2 / 3),
    # 1×3 dw on 14×14 (301,056) + 3×1 dw on 7×14 (150,528): half the 3×3 depthwise.
    "effnet_depthwise": (301_056 + 150_528, 2 * 512 * 3, "depthwise", 1 / 2),
    # m = 128: 196·(2·512·128 + 9·128²); params add BN γ, β for 128 + 128 + 512 channels.
    "resnet_bottleneck": (196 * (2 * 512 * 128 + 9 * 128 * 128), 278_528 + 1_536, "standard",
                          278_528 / (9 * 512 * 512)),
    "resnext_bottleneck": (196 * (2 * 512 * 128 + 9 * 128 * 128 // 8), 149_504 + 1_536, "resnet_bottleneck",
                           149_504 / 278_528),
    "shufflenet_unit": (196 * (2 * 512 * 128 // 8 + 9 * 128), 2 * 512 * 16 + 1_152 + 1_536, "resnet_bottleneck",
                        17_536 / 278_528),
    # t = 6: 1×1 512→3072, 3×3 dw on 3072, 1×1 3072→512: 196·(2·6·512² + 9·6·512); BN on 3072 + 3072 + 512.
    "inverted_residual": (196 * (2 * 6 * 512 * 512 + 9 * 6 * 512), 2 * 3072 * 512 + 9 * 3072 + 2 * 6_656, "standard",
                          6 * 1033 / (9 * 512)),
    # split into 256 + 256: 1×1 256→256, 3×3 dw, 1×1 256→256 on one half; BN on 3 × 256.
    "shufflenet_v2_unit": (196 * (2 * 256 * 256 + 9 * 256), 2 * 256 * 256 + 9 * 256 + 2 * 768, "standard",
                           521 / (18 * 512)),
}


DOWN_ROWS = ("shufflenet_unit_stride2", "inverted_residual_no_shortcut", "shufflenet_v2_down", "effnet_block")
"""The down-sampling rows: not applicable to a stride-1 layer with M == N."""


def test_table3_rows_are_exact(run):
    payload = run.json(*TABLE3)
    assert payload["layer"] == {"name": "layer", "in_channels": 512, "out_channels": 512, "kernel_size": [3, 3],
                                "size": [14, 14], "stride": [1, 1], "padding": [1, 1], "groups": 8,
                                "bottleneck_ratio": 4, "bottleneck": 128, "expansion": 6, "input": [512, 14, 14]}
    rows = {row["name"]: row for row in payload["rows"]}
    assert list(rows) == [*TABLE3_ROWS, *DOWN_ROWS]
    for name, (macs, params, reference, ratio) in TABLE3_ROWS.items():
        row = rows[name]
        assert (row["macs"], row["params"], row["reference"]) == (macs, params, reference), name
        assert row["flops"] == 2 * macs
        assert row["ratio"] == pytest.approx(ratio, rel=1e-12), name
        assert row["formula_macs"] == macs and row["formula_ratio"] == pytest.approx(ratio, rel=1e-12), name
        assert row["note"] is None or name == "effnet_depthwise"
    # EffNet's pooled pair halves the height: said, with the row that compares like for like.
    assert rows["effnet_depthwise"]["note"] == ("not like for like: a 512×7×14 output against depthwise's "
                                                "512×14×14; like for like: effnet_block")
    for name in DOWN_ROWS:
        assert rows[name]["macs"] is None and rows[name]["note"].startswith("not applicable: "), name
    assert rows["standard"]["macs"] == 462_422_016 and rows["depthwise_separable"]["macs"] == 52_283_392
    assert rows["depthwise_separable"]["formula"] == "Df²·M·Dk² + M·N·Df²"
    assert rows["depthwise_separable"]["formula_ratio_text"] == "1/N + 1/Dk²"
    assert rows["effnet_depthwise"]["output"] == [512, 7, 14]


def test_yaml_layer_gives_the_same_rows_and_options_override_it(run):
    from_file = run.json("compare", "--config", "configs/layers/mobilenet_table3.yaml")
    assert from_file["layer"]["name"] == "mobilenet-table3"
    assert from_file["rows"] == run.json(*TABLE3)["rows"]
    overridden = run.json("compare", "--config", "configs/layers/mobilenet_table3.yaml", "--groups", "4")
    assert overridden["layer"]["groups"] == 4


def test_stride_2_shows_closed_form_and_exact_count_with_the_reason(run):
    rows = {row["name"]: row for row in run.json("compare", "--in", "32", "--out", "64", "--kernel", "3",
                                                  "--size", "112", "--stride", "2")["rows"]}
    standard = rows["standard"]
    assert standard["macs"] == 56 * 56 * 64 * 32 * 9 and standard["formula_macs"] == 112 * 112 * 64 * 32 * 9
    assert "stride 2×2" in standard["note"] and "56×56" in standard["note"]
    for name in ("resnet_bottleneck", "resnext_bottleneck", "shufflenet_unit"):
        assert rows[name]["macs"] is None and rows[name]["note"].startswith("not applicable")


def test_rectangular_kernel_and_map(run):
    rows = {row["name"]: row for row in run.json("compare", "--config", "configs/layers/rectangular.yaml")["rows"]}
    # 1×7 conv 192→192 with padding 0×3 on 17×17: 289·192·192·7.
    assert rows["standard"]["macs"] == 289 * 192 * 192 * 7 and rows["standard"]["output"] == [192, 17, 17]
    assert rows["depthwise"]["macs"] == 289 * 192 * 7


def test_rectangular_kernel_formulas_are_written_with_kh_and_kw(run):
    # 1×7 kernel, 64→32 on 17×17 (stride 1, 'same'): Kh = 1, Kw = 7, Df² = 289.
    rows = {row["name"]: row for row in run.json("compare", "--in", "64", "--out", "32", "--kernel", "1x7",
                                                  "--size", "17x17")["rows"]}
    texts = {name: (row["formula"], row["formula_ratio_text"]) for name, row in rows.items()}
    assert texts["standard"] == ("Df²·M·N·Kh·Kw", "1")
    assert texts["pointwise"] == ("M·N·Df²", "1/(Kh·Kw)")
    assert texts["depthwise_separable"] == ("Df²·M·Kh·Kw + M·N·Df²", "1/N + 1/(Kh·Kw)")
    assert texts["depthwise_grouped_pointwise"] == ("Df²·M·Kh·Kw + M·N·Df²/g", "1/N + 1/(g·Kh·Kw)")
    # Kh×1 conv M→N (1×1 here) then 1×Kw conv N→N: 289·(64·32·1 + 32·32·7); ratio 1/Kw + N/(M·Kh) = 1/7 + 1/2.
    spatial = rows["spatial_separable"]
    assert texts["spatial_separable"] == ("Df²·M·N·Kh + Df²·N·N·Kw", "1/Kw + N/(M·Kh)")
    assert spatial["macs"] == spatial["formula_macs"] == 289 * (64 * 32 * 1 + 32 * 32 * 7)
    assert spatial["ratio"] == spatial["formula_ratio"] == pytest.approx(1 / 7 + 1 / 2, rel=1e-12)
    # 1×Kw depthwise on 17×17, pool to 8×17, Kh×1 depthwise: closed form Df²·M·(Kw + Kh/2) over Df²·M·Kh·Kw.
    effnet = rows["effnet_depthwise"]
    assert texts["effnet_depthwise"] == ("Df²·M·(Kw + Kh/2)", "1/Kh + 1/(2·Kw)")
    assert effnet["formula_macs"] == pytest.approx(289 * 64 * 7.5) and effnet["macs"] == 289 * 64 * 7 + 8 * 17 * 64
    assert effnet["formula_ratio"] == pytest.approx(1 + 1 / 14, rel=1e-12)
    assert "Kh = 1, Kw = 7" in run("compare", "--in", "64", "--out", "32", "--kernel", "1x7", "--size", "17").stdout


def test_square_kernels_keep_the_papers_notation(run):
    rows = {row["name"]: row for row in run.json(*TABLE3)["rows"]}
    assert rows["spatial_separable"]["formula"] == "Df²·M·N·Dk + Df²·N·N·Dk"
    assert rows["spatial_separable"]["formula_ratio_text"] == "1/Dk + N/(M·Dk)"
    assert (rows["effnet_depthwise"]["formula"], rows["effnet_depthwise"]["formula_ratio_text"]) == (
        "1.5·(Dk·Df²·M)", "1.5/Dk")


def test_effnet_row_applies_stride_and_padding_per_axis(run):
    # Stride 2 on 64×112×112, 3×3: 1×3 dw stride (1, 2) → 112×56, pool → 56×56, 3×1 dw stride (2, 1) → 28×56.
    row = run.json("compare", "--in", "64", "--out", "128", "--kernel", "3", "--size", "112",
                   "--stride", "2")["rows"][8]
    assert row["name"] == "effnet_depthwise" and row["output"] == [64, 28, 56]
    assert row["macs"] == 64 * 112 * 56 * 3 + 64 * 28 * 56 * 3
    assert "the Dk×1 depthwise (after the pool) the height" in row["note"]
    # Padding 3×3 with a 1×7 kernel on 5×11: the 1×7 dw keeps 5×11 (width padding 3), the pool gives 2×11,
    # the 1×1 dw takes the height padding 3 → 8×11, as the 1×7 depthwise grows 5 → 11 with the same padding.
    row = run.json("compare", "--in", "64", "--out", "32", "--kernel", "1x7", "--size", "5x11",
                   "--padding", "3")["rows"][8]
    assert row["output"] == [64, 8, 11] and row["macs"] == 64 * 5 * 11 * 7 + 64 * 8 * 11
    assert "the height padding pads the Dk×1 depthwise after the pool" in row["note"]


def test_groups_not_dividing_channels_leave_the_row_with_a_note(run):
    rows = {row["name"]: row for row in run.json(*TABLE3[:-2], "--size", "14", "--groups", "3")["rows"]}
    assert rows["grouped"]["macs"] is None
    assert "groups=3 does not divide in_channels=512" in rows["grouped"]["note"]
    assert rows["standard"]["macs"] == 462_422_016


def test_flops_unit_doubles_the_displayed_counts(run):
    table = run(*TABLE3, "--unit", "flops").stdout
    assert "FLOPs (2×MACs)" in table and "924,844,032" in table


def test_csv_and_markdown(run):
    rows = list(csv.DictReader(io.StringIO(run(*TABLE3, "--format", "csv").stdout)))
    assert [row["name"] for row in rows] == [*TABLE3_ROWS, *DOWN_ROWS]
    assert [int(row["macs"]) if row["macs"] else None for row in rows] == [
        *(macs for macs, *_ in TABLE3_ROWS.values()), *(None for _ in DOWN_ROWS)]
    assert rows[0]["output"] == "512×14×14" and float(rows[3]["ratio"]) == pytest.approx(1 / 512 + 1 / 9)
    markdown = run(*TABLE3, "--format", "markdown").stdout
    assert "| depthwise_separable | 512×14×14 | 52,283,392 |" in markdown


def test_table_golden(run, golden):
    golden("compare_table3.txt", run(*TABLE3).stdout)
    golden("compare_stride2.txt", run("compare", "--config", "configs/layers/mobilenet_conv_dw_2.yaml").stdout)


@pytest.mark.parametrize(
    "args, message",
    [
        (("--in", "0", "--out", "8", "--kernel", "3", "--size", "8"), "in_channels must be an integer ≥ 1, got 0"),
        (("--in", "8", "--out", "-4", "--kernel", "3", "--size", "8"), "out_channels must be an integer ≥ 1, got -4"),
        (("--in", "8", "--out", "8", "--kernel", "2.5", "--size", "8"), "kernel must be N or HxW"),
        (("--in", "x", "--out", "8", "--kernel", "3", "--size", "8"), "'x' is not a valid integer"),
        (("--in", "8", "--out", "8", "--kernel", "0", "--size", "8"), "kernel must be an integer ≥ 1, got 0"),
        (("--in", "8", "--out", "8", "--kernel", "9", "--size", "4", "--padding", "0"),
         "kernel 9 (span 9) is larger than the padded input height 4"),
        (("--in", "8", "--out", "8", "--kernel", "3"), "missing --size"),
        (("--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--groups", "0"),
         "groups must be an integer ≥ 1, got 0"),
        (("--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--format", "xml"), "'xml' is not one of"),
    ],
)
def test_bad_input_is_one_error_line_with_exit_2(run, args, message):
    assert message in run.error("compare", *args)


@pytest.mark.parametrize(
    "text, message",
    [
        ("in: 8\nout: 8\nkernel: 3\nsize: 8\nstrde: 2\n", ":5: unknown key 'strde' in a layer spec; expected one of"),
        ("in: 8\nout: [8\n", ":3: malformed YAML"),
        ("in: 8\nout: 8\nkernel: 3\nsize: big\n", ":4: size must be N or HxW"),
        ("in: 8.5\nout: 8\nkernel: 3\nsize: 8\n", ":1: in must be a positive integer, got 8.5"),
        ("- 1\n- 2\n", "a layer spec must be a mapping"),
        ("in: !!python/object/apply:os.system ['echo hacked']\n", "malformed YAML"),
        # YAML 1.1 reads 010 as octal 8 and 0x3 as hex 3: kept as written, then rejected or read as a size.
        ("in: 010\nout: 8\nkernel: 3\nsize: 8\n", ":1: in must be a positive integer, got '010'"),
        ("in: 8\nout: 8\nkernel: 0x3\nsize: 8\n", ":3: kernel must be an integer ≥ 1, got 0"),
        ("in: 8\nout: 8\nkernel: 3\nsize: 8\nin: 4\n", ":5: duplicate key 'in' (first at line 1)"),
        ("in: 8\nout: 8\nkernal: 3\nsize: 8\n", "did you mean 'kernel'?"),
    ],
)
def test_bad_yaml_names_file_and_line(run, tmp_path, text, message):
    path = tmp_path / "layer.yaml"
    path.write_text(text)
    error = run.error("compare", "--config", str(path))
    assert str(path) in error and message in error


def test_missing_config_file(run, tmp_path):
    assert "cannot read config" in run.error("compare", "--config", str(tmp_path / "nope.yaml"))


@pytest.mark.torch  # --verify counts with fvcore through the CLI
def test_rectangular_strided_padded_rows_match_torch(run):
    rows = run.json("compare", "--in", "8", "--out", "8", "--kernel", "1x7", "--size", "5x11", "--padding", "3",
                    "--stride", "2", "--groups", "4", "--verify")["rows"]
    applicable = [row for row in rows if row["macs"] is not None]
    assert {row["name"] for row in applicable} >= {"spatial_separable", "effnet_depthwise"}
    assert all(row["match"] is True and row["measured_macs"] == row["macs"] for row in applicable)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([1, 3, 5, 7]), st.sampled_from([1, 3, 5, 7]), st.integers(1, 16), st.integers(1, 16))
def test_rectangular_texts_never_use_dk_and_square_texts_always_do(kh, kw, m, n):
    """Dk is the paper's square kernel side: a Kh×Kw kernel's rows are written with Kh and Kw only."""
    from costcalc.engine.compare import LayerQuery, compare_layer

    rows = compare_layer(LayerQuery(m, n, (kh, kw), (2 * max(kh, kw), 2 * max(kh, kw)), groups=1))
    texts = " ".join(f"{row.formula_text} {row.formula_ratio_text}" for row in rows)
    if kh != kw:
        assert "Dk" not in texts and "Kh" in texts and "Kw" in texts
    else:
        assert "Kh" not in texts and "Kw" not in texts and "Dk" in texts


# -- a strided layer that widens: the down-sampling units, like-for-like EffNet, the units' own widths ----------

WIDEN = ("compare", "--in", "128", "--out", "256", "--kernel", "3", "--size", "28", "--stride", "2")


def test_strided_widening_layer_has_the_down_sampling_units(run):
    """128→256, 3×3, stride 2 on 28×28 (output 14×14); m = 256/4 = 64, g = 8, t = 6. Each row derived by hand:

    * standard: 14²·256·128·9 = 57,802,752.
    * shufflenet_unit_stride2 (Fig. 2c): 1×1 gconv 128→64 on 28² = 784·128·64/8 = 802,816; 3×3 dw stride 2 on 64
      = 196·64·9 = 112,896; 1×1 gconv 64→(256 − 128) on 14² = 196·64·128/8 = 200,704; total 1,116,416.
      Params 128·64/8 + 64·9 + 64·128/8 = 2,624 + BN 2·(64 + 64 + 128) = 3,136.
    * inverted_residual_no_shortcut: 1×1 128→768 on 28² = 784·128·768 = 77,070,336; 3×3 dw stride 2 on 768
      = 196·768·9 = 1,354,752; 1×1 768→256 on 14² = 196·768·256 = 38,535,168; total 116,960,256.
    * shufflenet_v2_down (Fig. 3d): branch1 dw s2 on 128 = 196·128·9 = 225,792, 1×1 128→128 = 196·128·128
      = 3,211,264; branch2 1×1 128→128 on 28² = 784·128·128 = 12,845,056, dw s2 on 128 = 225,792,
      1×1 128→128 on 14² = 3,211,264; total 19,719,168.
    * effnet_block: 1×1 128→128 on 28² = 12,845,056; 1×3 dw = 784·128·3 = 301,056; 2×1 pool → 14×28;
      3×1 dw = 392·128·3 = 150,528; 2×1 conv 128→256 stride 1×2 → 14×14: 196·128·256·2 = 12,845,056;
      total 26,141,696 — the standard layer's own 256×14×14 output.
    """
    rows = {row["name"]: row for row in run.json(*WIDEN)["rows"]}
    expected = {"shufflenet_unit_stride2": (1_116_416, 3_136), "inverted_residual_no_shortcut": (116_960_256, None),
                "shufflenet_v2_down": (19_719_168, None), "effnet_block": (26_141_696, None)}
    for name, (macs, params) in expected.items():
        row = rows[name]
        assert (row["macs"], row["output"], row["reference"]) == (macs, [256, 14, 14], "standard"), name
        assert row["formula_macs"] == macs and row["note"] is None, name  # even map: the closed form is exact
        assert row["ratio"] == pytest.approx(macs / 57_802_752) == pytest.approx(row["formula_ratio"]), name
        assert params is None or row["params"] == params
    assert rows["shufflenet_unit_stride2"]["formula"] == "hw·c·m/g + hw/4·(9m + m·(N − c)/g)"
    for name in ("resnet_bottleneck", "shufflenet_unit", "inverted_residual", "shufflenet_v2_unit"):
        assert rows[name]["macs"] is None and "*_stride2 / *_down rows" in rows[name]["note"]
    assert rows["effnet_depthwise"]["note"].endswith(
        "not like for like: a 128×7×14 output against depthwise's 128×14×14; like for like: effnet_block")


def test_down_sampling_rows_on_an_odd_map_say_why_the_closed_form_departs(run):
    rows = {row["name"]: row for row in run.json("compare", "--in", "64", "--out", "128", "--kernel", "3",
                                                  "--size", "27", "--stride", "2")["rows"]}
    unit = rows["shufflenet_unit_stride2"]
    assert unit["output"] == [128, 14, 14] and unit["macs"] != unit["formula_macs"]
    assert unit["note"] == ("closed form assumes the 27×27 map divides by the stride; exact count uses the real maps "
                            "(output 14×14)")
    # the 2×1 pool floors 27 to 13 rows where the layer gives 14: not the same output, so not compared
    assert rows["effnet_block"]["macs"] is None
    assert "its output 128×13×14 is not the layer's 128×14×14" in rows["effnet_block"]["note"]


def test_bottleneck_ratio_and_expansion_are_options_and_shown(run):
    """--bottleneck-ratio 2: m = 512/2 = 256 → ResNet 196·(2·512·256 + 9·256²) = 166,985,728;
    --expansion 4: 196·(2·4·512² + 9·4·512) = 414,654,464."""
    data = run.json(*TABLE3, "--bottleneck-ratio", "2", "--expansion", "4")
    assert (data["layer"]["bottleneck_ratio"], data["layer"]["bottleneck"], data["layer"]["expansion"]) == (2, 256, 4)
    rows = {row["name"]: row for row in data["rows"]}
    assert rows["resnet_bottleneck"]["macs"] == 196 * (2 * 512 * 256 + 9 * 256 * 256) == 166_985_728
    assert rows["inverted_residual"]["macs"] == 196 * (2 * 4 * 512 * 512 + 9 * 4 * 512) == 414_654_464
    assert rows["inverted_residual"]["formula_macs"] == 414_654_464
    assert rows["resnet_bottleneck"]["description"].startswith("ResNet bottleneck, m = N/2 ")
    assert rows["inverted_residual"]["description"].startswith("MobileNetV2 inverted residual, t = 4 ")
    table = run(*TABLE3).stdout
    assert "Unit rows: bottleneck m = N/4 = 128 (--bottleneck-ratio), expansion t = 6 (--expansion)." in table
    # t = 1.5 stays exact: 512·1.5 = 768 expanded channels, 196·(2·768·512 + 9·768)
    half = {row["name"]: row for row in run.json(*TABLE3, "--expansion", "1.5")["rows"]}["inverted_residual"]
    assert half["macs"] == half["formula_macs"] == 196 * (2 * 768 * 512 + 9 * 768)


def test_layer_file_takes_the_unit_widths(run, tmp_path):
    path = tmp_path / "layer.yaml"
    path.write_text("in: 512\nout: 512\nkernel: 3\nsize: 14\nbottleneck_ratio: 2\nexpansion: 4\n", encoding="utf-8")
    assert run.json("compare", "--config", str(path))["rows"] == run.json(*TABLE3, "--bottleneck-ratio", "2",
                                                                            "--expansion", "4")["rows"]
    path.write_text("in: 512\nout: 512\nkernel: 3\nsize: 14\nexpansion: -2\n", encoding="utf-8")
    assert "layer.yaml:5: expansion must be a positive number (e.g. 6), got -2" in run.error("compare", "--config",
                                                                                                str(path))


@pytest.mark.parametrize("args, message", [
    (("--bottleneck-ratio", "0"), "Error: bottleneck_ratio must be an integer ≥ 1, got 0"),
    (("--bottleneck-ratio", "x"), "'x' is not a valid integer"),
    (("--expansion", "0"), "Error: expansion must be a positive number (e.g. 6), got 0.0"),
    (("--expansion", "-1"), "Error: expansion must be a positive number (e.g. 6), got -1.0"),
    (("--expansion", "inf"), "'inf' is not a finite number"),
])
def test_unit_width_errors(run, args, message):
    assert message in run.error(*TABLE3, *args)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 24), extra=st.integers(1, 24), half=st.integers(2, 12), g=st.sampled_from([1, 2, 4]),
       r=st.integers(1, 4), t=st.integers(1, 6))
def test_down_sampling_closed_forms_are_exact_on_even_maps(m, extra, half, g, r, t):
    """On an even map at stride 2 each down-sampling row's closed form is its exact count (where it applies)."""
    from costcalc.engine.compare import LayerQuery, compare_layer

    query = LayerQuery(m, m + extra, 3, 2 * half, 2, groups=g, bottleneck_ratio=r, expansion=t)
    rows = {row.name: row for row in compare_layer(query)}
    for name in DOWN_ROWS:
        row = rows[name]
        if row.macs is not None:
            assert row.formula_macs == row.macs and row.formula_ratio == row.ratio, name
    assert rows["inverted_residual_no_shortcut"].macs is not None and rows["effnet_block"].macs is not None


@pytest.mark.parametrize("t", [1, 2, 6])
def test_inverted_residual_closed_form_leaves_out_the_expansion_at_t_1(run, t):
    """t = 1 has no 1×1 expansion (MobileNetV2 Table 2's first block): 196·(512² + 9·512) at stride 1."""
    rows = {row["name"]: row for row in run.json(*TABLE3, "--expansion", str(t))["rows"]}
    expand = 0 if t == 1 else 196 * 512 * 512 * t
    assert rows["inverted_residual"]["macs"] == rows["inverted_residual"]["formula_macs"] == \
        expand + 196 * (9 * t * 512 + t * 512 * 512)
    assert rows["inverted_residual"]["note"] is None
