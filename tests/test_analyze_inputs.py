"""``costcalc analyze --input``: dtypes (token ids, half precision) and inputs too large for memory."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from costcalc.measure import analyze as torch_side  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"

MODELS = """
import torch
from torch import nn

class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, ids):
        return self.head(self.embed(ids))

def half_conv():
    return nn.Conv2d(3, 4, 3).to(torch.float16)
"""


@pytest.fixture
def models(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(textwrap.dedent(MODELS))
    return path


def test_token_ids_as_int64(run, models):
    payload = run.json("analyze", f"{models}:Tokens", "--input", "2,7:int64")
    # the embedding is a lookup (no MACs); the head is 2·7 tokens × 16 × 4
    assert payload["totals"]["macs"] == 2 * 7 * 16 * 4 and payload["totals"]["params"] == 50 * 16 + 16 * 4 + 4
    assert payload["uncounted"] == [] and payload["inputs"] == [[2, 7]]


def test_float_token_ids_say_how_to_give_the_dtype(run, models):
    error = run.error("analyze", f"{models}:Tokens", "--input", "2,7")
    assert error.startswith("Error: the model rejects input 2,7: Expected tensor for argument #1 'indices'")
    assert error.endswith("give the input's dtype, e.g. --input 2,128:int64")


def test_half_precision_input(run, models):
    payload = run.json("analyze", f"{models}:half_conv", "--input", "1,3,8,8:float16", "--strict")
    assert payload["totals"]["macs"] == 4 * 6 * 6 * 3 * 9


def test_unknown_dtype_is_a_usage_error(run, models):
    assert run.error("analyze", f"{models}:Tokens", "--input", "2,7:int8") == (
        "Error: --input dtype must be one of float32, float16, bfloat16, float64, int64, int32, bool, "
        "got 'int8' in '2,7:int8'")


def test_input_larger_than_free_memory_is_one_line(run, models, monkeypatch):
    monkeypatch.setattr(torch_side, "available_bytes", lambda: 10**9)
    # 2 × 3 × 10⁴ × 10⁴ float16 = 1.2 GB > 1 GB free
    assert run.error("analyze", f"{models}:half_conv", "--input", "2,3,10000,10000:float16") == (
        "Error: --input 2,3,10000,10000 needs 1.200 GB for the input alone, more than the 1.000 GB of memory "
        "available; give a smaller shape")


def test_res_list_marks_a_resolution_too_large_for_memory(run, models, monkeypatch):
    monkeypatch.setattr(torch_side, "available_bytes", lambda: 10**6)
    payload = run.json("analyze", f"{models}:half_conv", "--input", "1,3,8,8:float16", "--res-list", "8,1000")
    small, large = payload["resolutions"]
    assert small["macs"] == 4 * 6 * 6 * 3 * 9 and small["reason"] is None
    assert large["macs"] is None and large["reason"] == (
        "--input 1,3,1000,1000 needs 6.000 MB for the input alone, more than the 1.000 MB of memory "
        "available; give a smaller shape")


def test_text_transformer_example_by_hand(run):
    """configs/examples/text_transformer.py on 2 × 32 token ids (E = 64, F = 128, 2 layers, 8 classes):
    each fused encoder layer on T = 64 tokens costs 4·T·E² + 2·B·L²·E + 2·T·E·F; the classifier B·E·8."""
    target = f"{EXAMPLES / 'text_transformer.py'}:TextTransformer"
    payload = run.json("analyze", target, "--input", "2,32:int64")
    per_layer = 4 * 64 * 64 * 64 + 2 * 2 * 32 * 32 * 64 + 2 * 64 * 64 * 128
    assert payload["totals"]["macs"] == 2 * per_layer + 2 * 64 * 8 == 4_719_616
    assert payload["totals"]["by_family"] == {"transformer_fused": 2 * per_layer, "matmul": 2 * 64 * 8}
    # embedding 1000·64; per layer in_proj 3E² + 3E, out_proj E² + E, FFN 2EF + F + E, norms 4E; classifier
    assert payload["totals"]["params"] == 64_000 + 2 * (4 * 64 * 64 + 4 * 64 + 2 * 64 * 128 + 128 + 64 + 4 * 64) \
        + 64 * 8 + 8
    assert payload["uncounted"] == [] and payload["reconciliation"]["flop_counter"]["explained"]


@pytest.mark.slow
def test_res_list_sets_the_length_of_a_sequence_and_keeps_a_video_depth(run, tmp_path):
    payload = run.json("analyze", f"{EXAMPLES / 'keyword_lstm.py'}:KeywordLSTM", "--input", "1,40,100",
                       "--res-list", "50")
    (row,) = payload["resolutions"]
    # T = 50 frames: Conv1d 40→64 k5 T·64·40·5, LSTM T·4·128·(64 + 128), classifier 128·12
    assert row["input"] == [1, 40, 50] and row["macs"] == 50 * 64 * 40 * 5 + 50 * 4 * 128 * 192 + 128 * 12
    path = tmp_path / "video.py"
    path.write_text("from torch import nn\ndef video():\n    return nn.Conv3d(3, 4, (3, 1, 1))\n")
    (row,) = run.json("analyze", f"{path}:video", "--input", "1,3,8,16,16", "--res-list", "32")["resolutions"]
    assert row["input"] == [1, 3, 8, 32, 32] and row["macs"] == 4 * 6 * 32 * 32 * 3 * 3


def test_suggest_names_the_convolutions_it_does_not_price(run, tmp_path):
    path = tmp_path / "video.py"
    path.write_text("from torch import nn\n"
                    "def video():\n"
                    "    return nn.Sequential(nn.Conv3d(3, 8, 3, padding=1), nn.ConvTranspose3d(8, 4, 2, stride=2),\n"
                    "                         nn.Flatten(1, 2), nn.Conv2d(16, 8, 3))\n")
    payload = run.json("analyze", f"{path}:video", "--input", "1,3,2,6,6", "--suggest")
    assert [entry["layer"] for entry in payload["suggestions"]] == ["3"]
    reason = ("convolution: only 2-D convolutions that ran the same call (input, weight, stride, padding, dilation, "
              "groups) once per module call are priced")
    assert payload["suggestions_left_out"] == [{"layer": "0", "reason": f"Conv3d {reason}"},
                                               {"layer": "1", "reason": f"ConvTranspose3d {reason}"}]
