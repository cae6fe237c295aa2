"""``--memory`` on ``compare`` and ``model``: traffic per row/layer, as exact integers."""

import pytest

POINTWISE_LAYER = ("compare", "--in", "32", "--out", "64", "--kernel", "3", "--size", "112", "--memory")


def test_compare_memory_of_the_pointwise_row_is_shufflenet_v2_mac(run):
    rows = {row["name"]: row for row in run.json(*POINTWISE_LAYER)["rows"]}
    memory = rows["pointwise"]["memory"]
    # 1×1 conv 32 → 64 on 112²: reads 32·112² = 401,408, writes 64·112² = 802,816, weights 2,048;
    # ShuffleNet V2's MAC hw(c1 + c2) + c1·c2 = 12,544·96 + 2,048 = 1,206,272.
    assert (memory["read"], memory["written"], memory["weights"]) == (401_408, 802_816, 2_048)
    assert memory["total"] == 12_544 * 96 + 32 * 64 == 1_206_272
    assert memory["bytes"] == 4 * 1_206_272
    assert memory["intensity"] == pytest.approx(25_690_112 / 4_825_088)


def test_compare_memory_in_float16_halves_the_bytes(run):
    rows = {row["name"]: row for row in run.json(*POINTWISE_LAYER, "--dtype", "float16")["rows"]}
    assert rows["pointwise"]["memory"]["bytes"] == 2 * 1_206_272


def test_compare_memory_table_has_the_traffic_columns(run):
    table = run(*POINTWISE_LAYER).stdout
    assert "traffic (elements)" in table and "bytes (float32)" in table and "1,206,272" in table


def test_model_memory_per_layer_totals_and_peak(run):
    payload = run.json("model", "mobilenet", "--memory")
    layers = {layer["name"]: layer for layer in payload["layers"]}
    # block2.pw: 1×1 conv 32 → 64 on 112², the same layer as above.
    assert layers["block2.pw"]["memory"]["total"] == 1_206_272
    total = payload["totals"]["memory"]
    assert total["total"] == sum(layer["memory"]["total"] for layer in payload["layers"])
    # The largest live set: block2.pw's output and its batch norm's output, 2 × 64·112².
    assert payload["totals"]["peak_activations"]["elements"] == 2 * 64 * 112 * 112


def test_model_memory_summary_shows_only_the_total(run):
    table = run("model", "mobilenet", "--memory", "--summary").stdout
    assert "memory traffic (float32)" in table and "block2.pw " not in table


def test_bad_dtype_is_a_usage_error(run):
    assert "'float64' is not one of" in run.error(*POINTWISE_LAYER, "--dtype", "float64")
