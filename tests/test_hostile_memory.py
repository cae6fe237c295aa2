"""Sizes torch cannot allocate: refused before torch allocates anything, with the sizes named."""

from __future__ import annotations

import pytest

from costcalc.engine.specs import Conv2d, Shape
from costcalc.measure import guard

pytest.importorskip("torch")


def test_needed_bytes_are_the_analytic_weights_and_twice_the_peak_activations():
    weights, activations, overhead = guard.needed_bytes(Conv2d(512, 512, 3), Shape(512, 14, 14), batch=2)
    assert weights == 512 * 512 * 9 * 4  # float32 weights, no bias
    assert activations == 2 * 2 * (512 * 14 * 14 * 2) * 4  # input + output live at once, per sample, ×2
    assert overhead == 1 * guard.LAYER_OVERHEAD  # one leaf layer


@pytest.mark.parametrize("args", [
    ("compare", "--in", "4096", "--out", "4096", "--kernel", "3", "--size", "20000", "--verify"),
    ("bench", "--in", "512", "--out", "512", "--kernel", "3", "--size", "14", "--batch", "1000000",
     "--device", "laptop-i5-8250u"),
])
def test_a_size_that_cannot_fit_is_refused_in_one_line(run, args):
    line = run.error(*args)
    assert "of memory is available" in line and "measuring this in torch needs about" in line


def test_per_layer_overhead_refuses_a_deep_network_before_anything_is_built(run, tmp_path, monkeypatch):
    """A 13-line network of 1,000,000 tiny convolutions (8 channels on 8×8: 2.3 KB of weights each) passed the
    guard under --verify and ran for hours: modules and counters need 128 KiB a layer, 1,000,000 × 128 KiB ≈
    134 GB. Here 100,000 layers (13.1 GB of overhead) on a machine with 8 GiB available (kept small: costing
    a million layers analytically takes a minute under load)."""
    network = tmp_path / "deep.yaml"
    network.write_text("input: 3x8x8\nlayers:\n  - {kind: conv, out: 8}\n  - {kind: conv, out: 8, repeat: 99999}\n")
    monkeypatch.setattr(guard, "available_bytes", lambda: 8 * 2**30)
    line = run.error("model", "--config", str(network), "--verify")
    assert "13.107 GB of module and counter overhead for 100,000 layers at 128 KiB each" in line
    assert "8.590 GB of memory is available" in line


def test_the_guard_uses_the_memory_available(run, monkeypatch):
    monkeypatch.setattr(guard, "available_bytes", lambda: 1_000_000)
    line = run.error("compare", "--in", "64", "--out", "64", "--kernel", "3", "--size", "56", "--verify")
    assert "1.000 MB of memory is available" in line
    monkeypatch.setattr(guard, "available_bytes", lambda: None)  # unknown: measure as before
    run("compare", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--verify")


def test_an_allocation_failure_that_slips_through_is_one_line(run, monkeypatch):
    import costcalc.measure.reconcile as reconcile

    def fail(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                           "you tried to allocate 1099511627776 bytes.")

    monkeypatch.setattr(reconcile, "build_module", fail)
    result = run("compare", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8", "--verify", exit_code=1)
    assert result.stderr.startswith("Error: out of memory: [enforce fail") and result.stderr.count("\n") == 1
