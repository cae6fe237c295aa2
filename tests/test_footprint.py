"""``totals.footprint``: each figure against torch itself — parameters and buffers summed from the tensors,
gradients from a real backward, optimizer state from real ``torch.optim`` optimizers after one step, saved
activations counted independently with ``saved_tensors_hooks`` — and the inference peak derived by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import costcalc  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "configs" / "examples"
EXAMPLE = f"{EXAMPLES / 'frozen_stem_cnn.py'}:FrozenStemCNN"


def frozen_stem_cnn() -> nn.Module:
    from costcalc.measure.user_code import build_model, load_target

    return build_model(load_target(EXAMPLE), {}, EXAMPLE)


def tensor_bytes(tensors) -> int:
    return sum(tensor.numel() * tensor.element_size() for tensor in tensors)


def test_params_buffers_and_trainable_split_as_torch_counts_them():
    model = frozen_stem_cnn()
    memory = costcalc.analyze(model, torch.zeros(2, 3, 32, 32)).footprint
    assert memory.params_bytes == tensor_bytes(model.parameters()) == 33_256
    assert memory.buffers_bytes == tensor_bytes(model.buffers())
    assert memory.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad) == 7_850
    assert memory.frozen_params == 464  # stem: conv 16·3·9 = 432 + BN γ, β 32


def test_a_tied_weight_counts_once():
    model = nn.Sequential(nn.Linear(4, 4, bias=False), nn.Linear(4, 4, bias=False))
    model[1].weight = model[0].weight
    assert costcalc.analyze(model, torch.zeros(1, 4)).footprint.params_bytes == 16 * 4


def test_gradient_bytes_are_what_a_real_backward_allocates():
    model = frozen_stem_cnn()
    memory = costcalc.analyze(model, torch.zeros(2, 3, 32, 32), training=True).footprint
    model(torch.zeros(2, 3, 32, 32)).sum().backward()
    assert memory.grads_bytes == tensor_bytes(p.grad for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("name, make", [
    ("sgd", lambda params: torch.optim.SGD(params, lr=0.1)),
    ("momentum", lambda params: torch.optim.SGD(params, lr=0.1, momentum=0.9)),
    ("adam", lambda params: torch.optim.Adam(params)),
    ("adamw", lambda params: torch.optim.AdamW(params)),
])
def test_optimizer_state_equals_torch_optim_after_one_step(name, make):
    model = frozen_stem_cnn()
    memory = costcalc.analyze(model, torch.zeros(2, 3, 32, 32), optimizer=name).footprint
    optimizer = make([p for p in model.parameters() if p.requires_grad])
    model(torch.zeros(2, 3, 32, 32)).sum().backward()
    optimizer.step()
    state = [value for per_param in optimizer.state.values() for value in per_param.values()
             if isinstance(value, torch.Tensor)]
    assert memory.optimizer_bytes == tensor_bytes(state)
    # adam: 2 copies of 7,850 float32 (62,800 B) + a 4-byte step for each of the 11 trainable tensors = 62,844
    assert memory.optimizer_bytes == {"sgd": 0, "momentum": 31_400, "adam": 62_844, "adamw": 62_844}[name]


def saved_bytes(model: nn.Module, inputs: torch.Tensor) -> int:
    """Unique storages autograd packs during a forward with grad, the model's parameters and buffers excluded,
    counted here on their own."""
    own = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    storages: dict[int, int] = {}

    def pack(tensor):
        pointer = tensor.untyped_storage().data_ptr()
        if pointer not in own:
            storages[pointer] = tensor.untyped_storage().nbytes()
        return tensor

    model.train()  # as a training step runs: dropout keeps its masks, batch norm its batch statistics
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = model(inputs)
    del output
    return sum(storages.values())


@pytest.mark.parametrize("make, shape", [
    (frozen_stem_cnn, (4, 3, 32, 32)),
    (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), 2), (2, 7, 32)),
    (lambda: nn.LSTM(8, 16, num_layers=2), (5, 2, 8)),
])
def test_saved_activations_equal_saved_tensors_hooks(make, shape):
    model = make()
    inputs = torch.zeros(shape)
    memory = costcalc.analyze(model, inputs, training=True).footprint
    assert memory.activations_bytes == saved_bytes(model, inputs) > 0
    assert memory.activations.startswith("saved for backward")


def test_frozen_stem_saves_nothing_for_the_stem():
    # A frozen stem fed plain data needs no gradient: its conv saves neither input nor weight, so the 8×3×32×32
    # input (98,304 B) is never kept; the first trainable conv saves its input (the stem's ReLU output).
    model = frozen_stem_cnn()
    memory = costcalc.analyze(model, torch.zeros(8, 3, 32, 32), training=True).footprint
    trainable = costcalc.analyze(model.requires_grad_(True), torch.zeros(8, 3, 32, 32), training=True).footprint
    assert memory.activations_bytes < trainable.activations_bytes


def test_inference_peak_of_live_activations():
    # Linear 10→20, ReLU, Linear 20→5 on 4×10 float32: addmm's 4×20 output (320 B) is alive while ReLU writes
    # another 320 B (640 B, the peak); then the first is freed and the last addmm adds 4×5 (80 B): 400 B.
    # The weights' transposes are views of the parameters and the input is not an activation.
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))
    memory = costcalc.analyze(model, torch.zeros(4, 10)).footprint
    assert memory.activations_bytes == 640 and memory.activations.startswith("peak live")


def test_json_footprint_says_what_is_measured(run):
    payload = run.json("analyze", EXAMPLE, "--input", "2,3,32,32", "--training", "--optimizer", "adamw")
    footprint = payload["totals"]["footprint"]
    assert set(footprint) >= {"params_bytes", "buffers_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes"}
    assert footprint["measured"] == ["activations_bytes"]
    assert footprint["analytic"] == ["grads_bytes", "optimizer_bytes"]
    assert footprint["optimizer"] == "adamw" and footprint["optimizer_bytes"] == 62_844
    assert footprint["total_bytes"] == sum(footprint[key] for key in (
        "params_bytes", "buffers_bytes", "grads_bytes", "optimizer_bytes", "activations_bytes"))
    assert payload["totals"]["trainable_params"] == 7_850
    rows = {row["name"]: row for row in payload["modules"]}
    assert (rows["stem"]["trainable_params"], rows["fc"]["trainable_params"]) == (0, 650)


def test_meta_tensors_measure_the_same_bytes():
    # Storages are told apart by their StorageImpl, not their data pointer (0 for every meta tensor).
    # Training: the first addmm keeps its 4×10 input (160 B) for the weight gradient, the second the 4×20 ReLU
    # output (320 B, which ReLU also saves): 480 B. Inference peak: 640 B (see above).
    def build():
        return nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))

    with torch.device("meta"):
        meta = build()
    for model, device in ((build(), "cpu"), (meta, "meta")):
        inputs = torch.zeros(4, 10, device=device)
        assert costcalc.analyze(model, inputs).footprint.activations_bytes == 640
        assert costcalc.analyze(model, inputs, training=True).footprint.activations_bytes == 480
