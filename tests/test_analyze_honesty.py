"""analyze never prints a silent wrong number (issue 19, classes 2-4 and 8): work on other threads is
flagged, a lazy ``forward`` is refused, layers are priced from the call that ran, per-sample figures
only along a known batch axis, and the model's ``state_dict()`` is left as it was."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from analyze_models import unseen as models  # noqa: E402

import costcalc  # noqa: E402
from costcalc.measure.user_code import TargetError  # noqa: E402

MODELS = Path(__file__).parent / "analyze_models" / "unseen.py"
BRANCH = 8 * 8 * 4 * 8 * 9  # one 3×3 conv 8→4 on 8×8: 18,432 MACs; both branches 36,864
X = torch.zeros(1, 8, 8, 8)


def headline(run, *args: str) -> str:
    text = run(*args).stdout
    return " ".join(text.split("┏")[0].split())


# -- class 2: work the dispatch mode cannot see ------------------------------------------------------------

def test_a_branch_on_a_thread_is_flagged_not_silently_dropped(run):
    analysis = costcalc.analyze(models.Threaded(), X)
    assert analysis.macs == BRANCH  # what the recorder saw: left only, of 2 · 18,432 = 36,864
    payload = analysis.to_dict()
    assert payload["unseen"] == [{"module": "right", "type": "Conv2d", "calls": 1,
                                  "reason": "ran on another thread, which the dispatch mode does not follow"}]
    assert payload["totals"]["unseen_calls"] == 1 and payload["totals"]["costed_share"] is None
    title = headline(run, "analyze", f"{MODELS}:Threaded", "--input", "1,8,8,8")
    assert "18,432 MACs" in title and "MACs are a LOWER BOUND: 1 module call(s) ran where the recorder could " \
                                      "not see them (right: ran on another thread" in title
    assert "100 %" not in title
    run("analyze", f"{MODELS}:Threaded", "--input", "1,8,8,8", "--strict", exit_code=1)
    # at other resolutions too: each row that missed work says so
    [row] = run.json("analyze", f"{MODELS}:Threaded", "--input", "1,8,8,8", "--res-list", "16")["resolutions"]
    assert (row["macs"], row["unseen_calls"]) == (4 * BRANCH, 1)
    assert "LOWER BOUND: 1 module call(s) unseen" in run("analyze", f"{MODELS}:Threaded", "--input", "1,8,8,8",
                                                         "--res-list", "16").stdout
    assert run.json("analyze", f"{MODELS}:Threaded", "--input", "1,8,8,8")["unseen"][0]["module"] == "right"


def test_unseen_work_and_an_unmeasured_operator_are_both_named(run):
    title = headline(run, "analyze", f"{MODELS}:ThreadedSpectral", "--input", "1,8,8,8")
    assert "MACs are a LOWER BOUND: 1 module call(s) ran where the recorder could not see them (right:" in title
    assert "; 1 operator calls uncosted, and no counter measures aten._fft_r2c" in title


def test_a_thread_pool_model_counts_nothing_and_says_so(run):
    analysis = costcalc.analyze(models.Pooled(), X)
    assert analysis.macs == 0
    assert sorted((entry["module"], entry["calls"]) for entry in analysis.unseen()) == [("left", 1), ("right", 1)]
    run("analyze", f"{MODELS}:Pooled", "--input", "1,8,8,8", "--strict", exit_code=1)


def test_a_block_on_a_thread_is_listed_once_as_the_block():
    analysis = costcalc.analyze(models.ThreadedBlock(), X)
    assert [(entry["module"], entry["type"], entry["calls"]) for entry in analysis.unseen()] == [
        ("block", "Sequential", 1)]


def test_functional_work_on_a_thread_is_flagged_by_the_module_holding_its_weight():
    # no hook fires on the worker thread (F.conv2d is no module), but Holder owns a weight and ran no operator
    analysis = costcalc.analyze(models.ThreadedFunctional(), X)
    assert analysis.macs == 0
    [entry] = analysis.unseen()
    assert entry["module"] == "inner"
    assert entry["reason"].startswith("holds parameters, ran no operator the recorder saw, yet returned a new tensor")


def test_the_same_model_on_one_thread_is_not_flagged(run):
    analysis = costcalc.analyze(models.TwoBranches(), X)
    assert analysis.macs == 2 * BRANCH and analysis.unseen() == []
    title = headline(run, "analyze", f"{MODELS}:TwoBranches", "--input", "1,8,8,8")
    assert "36,864 MACs" in title and "every operator costed by an analytic rule (100 %)" in title
    run("analyze", f"{MODELS}:TwoBranches", "--input", "1,8,8,8", "--strict")
    # modules that ran no operator because they computed nothing (returned a parameter or their input)
    quiet = costcalc.analyze(models.ReturnsItsParameter(), X)
    assert quiet.macs == BRANCH and quiet.unseen() == []


# -- class 2: a forward that runs nothing -----------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [("Generator", "generator"), ("LazyMap", "map")])
def test_a_lazy_forward_is_refused_never_zero_macs(run, name, kind):
    with pytest.raises(TargetError, match=f"forward returned a {kind}, which runs nothing until it is consumed"):
        costcalc.analyze(getattr(models, name)(), X)
    line = run.error("analyze", f"{MODELS}:{name}", "--input", "1,8,8,8")
    assert f"returned a {kind}" in line


# -- class 3: layers from the call that ran ---------------------------------------------------------------

SAME_STEM = 112 * 112 * 32 * 3 * 9  # the 3×3 stride-2 conv on the padded 225×225 input: 112² outputs, 10,838,016


def test_a_layer_that_pads_in_forward_is_priced_as_it_ran(run, tmp_path):
    payload = run.json("analyze", f"{MODELS}:SameStem", "--input", "1,3,224,224", "--suggest")
    assert payload["totals"]["macs"] == SAME_STEM
    [layer] = payload["layers"]
    assert layer["kind"] == "conv"
    # the module's padding=0 rebuilt on 224×224 would price 111² outputs: 111·111·32·27 = 10,645,344
    [suggestion] = payload["suggestions"]
    assert (suggestion["layer"], suggestion["macs"], suggestion["input"]) == ("stem", SAME_STEM, [3, 225, 225])
    device = tmp_path / "toy.yaml"
    device.write_text("name: toy\npeak_macs: 1.0e+9\nbandwidth: 1.0e+9\n", encoding="utf-8")
    [row] = run.json("bench", f"{MODELS}:SameStem", "--input", "1,3,224,224", "--device", str(device),
                     "--repeats", "1", "--warmup", "0", "--min-time", "0.001")["rows"]
    assert row["macs"] == SAME_STEM and row["note"] is None


def test_a_call_that_cannot_be_mapped_is_named(run):
    # a 3-D convolution has no paper formula here: named in suggestions_left_out, not guessed
    from costcalc.measure.spec_view import mapped_layer

    analysis = costcalc.analyze(torch.nn.Conv3d(2, 2, 3), torch.zeros(1, 2, 4, 4, 4))
    [row] = analysis.layers()
    assert mapped_layer(analysis, row) is None


# -- class 4: the batch axis ------------------------------------------------------------------------------

LSTM = 5 * 3 * 4 * 16 * (8 + 16)  # T·B·4H·(I + H) for T 5, B 3, I 8, H 16: 23,040


def test_an_lstm_fed_time_first_gives_whole_run_figures_only(run):
    totals = costcalc.analyze(models.Recurrent(), torch.zeros(5, 3, 8)).to_dict()["totals"]
    assert totals["macs"] == LSTM
    assert totals["per_sample"] is None and totals["batch"] is None
    assert totals["batch_unknown"] == "lstm has batch_first=False: batch on axis 1"
    title = headline(run, "analyze", f"{MODELS}:Recurrent", "--input", "5,3,8")
    assert "per sample" not in title
    assert "batch axis unknown (lstm has batch_first=False: batch on axis 1), so whole-run figures only" in title
    stated = run.json("analyze", f"{MODELS}:Recurrent", "--input", "5,3,8", "--batch-axis", "1")["totals"]
    assert stated["per_sample"] == {"batch": 3, "macs": LSTM // 3, "flops": 2 * LSTM // 3}
    assert stated["batch_axis"] == 1
    assert "per sample (batch 3, axis 1): 7,680 MACs" in headline(
        run, "analyze", f"{MODELS}:Recurrent", "--input", "5,3,8", "--batch-axis", "1")


def test_a_batch_first_lstm_and_a_cnn_give_per_sample_figures(run):
    totals = costcalc.analyze(models.batch_first_lstm(), torch.zeros(3, 5, 8)).to_dict()["totals"]
    assert totals["per_sample"] == {"batch": 3, "macs": LSTM // 3, "flops": 2 * LSTM // 3}
    assert (totals["batch_axis"], totals["batch_unknown"]) == (0, None)
    cnn = costcalc.analyze(models.TwoBranches(), torch.zeros(2, 8, 8, 8)).to_dict()["totals"]
    assert cnn["per_sample"] == {"batch": 2, "macs": 2 * BRANCH, "flops": 4 * BRANCH}
    assert "per sample (batch 2): 36,864 MACs" in headline(run, "analyze", f"{MODELS}:TwoBranches",
                                                          "--input", "2,8,8,8")


def test_no_per_sample_figure_when_inputs_or_output_do_not_share_the_first_axis():
    summed = costcalc.analyze(models.BatchSum(), torch.zeros(2, 8, 8, 8)).to_dict()["totals"]
    assert summed["macs"] == 2 * 8 * 8 * 4 * 8  # N·H·W·C_out·C_in = 4,096
    assert summed["per_sample"] is None
    assert summed["batch_unknown"] == "the output's first dimension (4) is not the inputs' (2)"
    pair = costcalc.analyze(models.Pairwise(), (torch.zeros(2, 4), torch.zeros(3, 4))).to_dict()["totals"]
    assert pair["macs"] == 2 * 4 * 3 and pair["per_sample"] is None
    assert pair["batch_unknown"] == "the inputs' first dimensions differ (2, 3)"


@pytest.mark.parametrize("layer, inputs", [
    (lambda: torch.nn.MultiheadAttention(8, 2), lambda x: (x, x, x)),
    (lambda: torch.nn.TransformerEncoderLayer(8, 2, 16), lambda x: (x,)),
    (lambda: torch.nn.GRU(8, 8), lambda x: (x,)),
])
def test_every_batch_first_false_layer_makes_the_first_axis_unknown(layer, inputs):
    # (L, N, E) = (5, 3, 8): the first axis (5) is the sequence, not the batch
    totals = costcalc.analyze(layer(), inputs(torch.zeros(5, 3, 8))).to_dict()["totals"]
    assert totals["per_sample"] is None and "batch_first=False" in totals["batch_unknown"]


def test_a_batch_axis_the_inputs_lack_is_an_error(run):
    assert "--batch-axis 3: input 5,3,8 has no axis 3" in run.error(
        "analyze", f"{MODELS}:Recurrent", "--input", "5,3,8", "--batch-axis", "3")
    with pytest.raises(TargetError, match="differ along axis 0"):
        costcalc.analyze(torch.nn.Bilinear(4, 4, 2), (torch.zeros(2, 4), torch.zeros(3, 4)), batch_axis=0)


# -- class 8: the model is left as it was, the messages read right ---------------------------------------

def test_state_dict_is_unchanged_by_a_forward_that_updates_its_buffers():
    model = models.Stepping()
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    buffers = dict(model.named_buffers())
    costcalc.analyze(model, X, reconcile=True)  # the recorder and fvcore's trace both run the forward
    after = model.state_dict()
    assert after.keys() == before.keys()  # "seen", registered by forward, is gone
    assert all(torch.equal(after[name], before[name]) for name in before)
    assert all(tensor is buffers[name] for name, tensor in model.named_buffers())  # "cache" put back


def test_parameters_written_in_place_are_not_restored_as_the_readme_says():
    model = torch.nn.Linear(2, 2)

    class Writes(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = model

        def forward(self, x):
            self.fc.weight.add_(1.0)
            return self.fc(x)

    weight = model.weight.detach().clone()
    costcalc.analyze(Writes(), torch.zeros(1, 2))
    assert torch.equal(model.weight.detach(), weight + 1)


def test_the_confirmed_cause_names_fvcore_without_a_dangling_its():
    from costcalc.measure.disagreements import _confirmed_cause

    assert _confirmed_cause(Counter(), Counter()).startswith("fvcore miscounts this call")
    assert _confirmed_cause(Counter(), Counter({"matmul": 6})).startswith(
        "fvcore's matmul handle miscounts this call")
