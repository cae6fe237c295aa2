"""``costcalc bench FILE.py:NAME``: each leaf module of the user's model timed, with its MACs (analyze's),
bytes, roofline bound, achieved MAC/s, and the rank correlations of MACs and roofline with measured time."""

from __future__ import annotations

import pytest

from costcalc.bench.modules import leaf_bytes

FAST = ("--repeats", "1", "--warmup", "0", "--min-time", "0.001")

SMALL = '''
from torch import nn


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.act = nn.ReLU()
        self.pw = nn.Conv2d(8, 8, 1, bias=False)
        self.fc = nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        x = self.act(self.conv(x))
        x = self.act(self.pw(x)) + x  # act runs twice; the add is the model's own code, in no leaf
        return self.fc(x.flatten(1))
'''


def test_leaf_bytes_is_input_output_and_weights_per_call():
    # two calls of 2×8×8×8 in and out, no weights: 2·(1024 + 1024) elements × 4 bytes
    assert leaf_bytes((((2, 8, 8, 8), (2, 8, 8, 8)),) * 2, 0, 4) == 16_384


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text("name: toy\npeak_macs: 1.0e+9\nbandwidth: 1.0e+9\n", encoding="utf-8")
    return str(path)


def test_each_leaf_module_is_a_row_with_analyze_macs(run, device, tmp_path):
    pytest.importorskip("torch")
    import costcalc
    from costcalc.measure import analyze as torch_side

    path = tmp_path / "small.py"
    path.write_text(SMALL)
    payload = run.json("bench", f"{path}:Small", "--input", "1,3,8,8", "--batch", "2", "--device", device, *FAST)
    rows = {row["name"]: row for row in payload["modules"]}
    assert list(rows) == ["conv", "act", "pw", "fc"]  # in the order they first ran
    model = torch_side.build_model(torch_side.load_target(f"{path}:Small"), {}, "Small")
    analysis = costcalc.analyze(model, torch_side.zeros([(2, 3, 8, 8)]))
    analyzed = {row["name"]: row["macs"] for row in analysis.by_module()}
    assert {name: row["macs"] for name, row in rows.items()} == {name: analyzed[name] for name in rows}
    # batch 2: conv 2·8·8·8·(3·3·3) = 27,648; pw 2·8·8·8·8 = 8,192; fc 2·512·10 = 10,240; ReLU none
    assert [rows[name]["macs"] for name in rows] == [27_648, 0, 8_192, 10_240]
    assert (rows["act"]["calls"], rows["act"]["type"], rows["conv"]["input"], rows["conv"]["output"]) == \
        (2, "ReLU", [2, 3, 8, 8], [2, 8, 8, 8])
    # conv: (2·3·64 in + 2·8·64 out + 216 weights) · 4 bytes = 6,496; 27,648 MACs at 1 GMAC/s = 27.648 µs,
    # 6,496 B at 1 GB/s = 6.496 µs: compute-bound
    conv = rows["conv"]
    assert (conv["bytes"], conv["bound"], conv["roofline_s"]) == (6_496, "compute", pytest.approx(27.648e-6))
    assert rows["act"]["bound"] == "memory" and rows["act"]["achieved_macs_per_s"] is None
    for row in rows.values():
        assert row["measured_s"]["median"] > 0 and {"iqr", "best", "repeats", "number"} <= set(row["measured_s"])
    assert conv["achieved_macs_per_s"] == pytest.approx(27_648 / conv["measured_s"]["median"])
    stats = payload["modules_spearman"]
    assert stats["n"] == 4 and all(isinstance(stats[key], float) for key in ("macs", "roofline"))
    assert stats["model_macs"] == sum(row["macs"] for row in rows.values()) == 46_080  # every MAC in a leaf
    assert payload["rows"][0]["name"] == "network"  # the whole model's row is still there


def test_table_names_the_leaves_and_the_correlation(run, device, tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "small.py"
    path.write_text(SMALL)
    text = run("bench", f"{path}:Small", "--input", "1,3,8,8", "--device", device, *FAST).stdout
    assert "time per module" in text and "Spearman rank correlation with measured time over 4 leaf modules" in text
    assert "ReLU ×2" in text and "Leaves sum to" in text


FUNCTIONAL = """
import torch
from torch import nn


class Functional(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.weight = nn.Parameter(torch.zeros(8, 4))

    def forward(self, x):
        return self.fc(x) @ self.weight  # a matmul in the model's own forward: in no leaf
"""


def test_macs_outside_any_leaf_are_named(run, device, tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "functional.py"
    path.write_text(FUNCTIONAL)
    args = ("bench", f"{path}:Functional", "--input", "1,3,2,8", "--device", device, *FAST)
    payload = run.json(*args)
    # fc: 1·3·2 rows × 8 × 8 = 384 MACs in the leaf; the matmul 6 × 8 × 4 = 192 in the model's forward
    assert [row["macs"] for row in payload["modules"]] == [384] and payload["modules_spearman"]["model_macs"] == 576
    text = " ".join(run(*args).stdout.split())
    assert "Leaves run 384 of the model's 576 MACs; the other 192 run in non-leaf modules' own forward code" in text
