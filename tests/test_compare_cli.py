"""``costcalc compare``: exact rows, parsed JSON, golden tables, formats and every error path."""

import csv
import io

import pytest

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
    "resnet_bottleneck": (196 * (2 * 512 * 128 + 9 * 128 * 128), 278_528 + 1_536, "standard", 278_528 / (9 * 512 * 512)),
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


def test_table3_rows_are_exact(run):
    payload = run.json(*TABLE3)
    assert payload["layer"] == {"name": "layer", "in_channels": 512, "out_channels": 512, "kernel_size": [3, 3],
                                "size": [14, 14], "stride": [1, 1], "padding": [1, 1], "groups": 8,
                                "input": [512, 14, 14]}
    rows = {row["name"]: row for row in payload["rows"]}
    assert list(rows) == list(TABLE3_ROWS)
    for name, (macs, params, reference, ratio) in TABLE3_ROWS.items():
        row = rows[name]
        assert (row["macs"], row["params"], row["reference"]) == (macs, params, reference), name
        assert row["flops"] == 2 * macs
        assert row["ratio"] == pytest.approx(ratio, rel=1e-12), name
        assert row["formula_macs"] == macs and row["formula_ratio"] == pytest.approx(ratio, rel=1e-12), name
        assert row["note"] is None
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
    assert [row["name"] for row in rows] == list(TABLE3_ROWS)
    assert [int(row["macs"]) for row in rows] == [macs for macs, *_ in TABLE3_ROWS.values()]
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
