"""Every budget is bounded and a request beyond a bound is refused in one line, naming the value and the bound,
before any work is done: sweep grid size, bench's warm-up, repeats, seconds and threads, verify suite keys."""

from __future__ import annotations

import os

import pytest

from costcalc.sweep.grid import MAX_CONFIGURATIONS


def test_a_small_sweep_file_asking_for_27_million_configurations_is_refused(run, tmp_path):
    """300 alphas × 300 resolutions × 300 class counts in a ~5 KB file: 27,000,000 configurations (about 60 GB
    of rows) — counted from the lists and refused before any configuration is built."""
    alphas = ", ".join(f"{0.005 * step:.3f}" for step in range(1, 301))
    resolutions = ", ".join(str(res) for res in range(32, 332))
    classes = ", ".join(str(count) for count in range(1, 301))
    path = tmp_path / "huge.yaml"
    path.write_text(f"networks:\n  - model: mobilenet\n    alpha: [{alphas}]\n    res: [{resolutions}]\n"
                    f"    classes: [{classes}]\n")
    assert path.stat().st_size < 6000
    line = run.error("sweep", "--config", str(path))
    assert "the sweep asks for 27,000,000 configurations (mobilenet: 300 alpha × 300 res × 300 classes)" in line
    assert f"a sweep costs at most {MAX_CONFIGURATIONS:,}" in line


def test_the_grid_bound_is_inclusive(run):
    alphas = ",".join(f"{0.01 * step:.2f}" for step in range(1, 101))
    resolutions = ",".join(str(res) for res in range(32, 1032))  # 100 × 1,000 = 100,000: at the bound
    from costcalc.sweep import grid
    from costcalc.sweep.request import load_plans

    _, plans, _ = load_plans(("mobilenet",), None, {"alpha": alphas, "res": resolutions})
    grid.check_size(plans)  # no error at exactly the bound
    line = run.error("sweep", "mobilenet", "--alpha", alphas, "--res", resolutions + ",1032")
    assert "asks for 100,100 configurations" in line


@pytest.mark.parametrize("option, value, problem", [
    ("--warmup", "1000000000000000000", "(19 digits) is too large"),
    ("--warmup", "1001", "1001 is not in the range 0<=x<=1000"),
    ("--repeats", "100000", "100000 is not in the range 1<=x<=1000"),
    ("--min-time", "1e300", "must be a number of seconds > 0 and at most 60 (e.g. 0.15), got 1e+300"),
    ("--min-time", "60.5", "at most 60"),
    ("--threads", "100000", f"100000 is not in the range 1<=x<={os.cpu_count()}"),
])
def test_bench_budgets_are_bounded(run, option, value, problem):
    """``--min-time 1e300`` was a traceback, ``--threads 100000`` a SIGSEGV, ``--warmup 10^18`` 10^18 calls."""
    line = run.error("bench", "--suite", option, value)
    assert f"Invalid value for '{option}'" in line and problem in line


@pytest.mark.parametrize("entry, message", [
    ("compare:\n      in: 8\n      out: 8\n      5: 1\n", "s.yaml:6: x: compare keys must be names (text), got int 5"),
    ("kind: conv\n    args: {1: 2}\n    input: [3, 8, 8]\n", "s.yaml:4: x: args keys must be names (text), got int 1"),
    ("model: mobilenet\n    options:\n      true: 1\n",
     "s.yaml:5: x: options keys must be names (text), got bool True"),
])
def test_suite_mapping_keys_are_checked_with_their_line(tmp_path, entry, message):
    """A ``compare:`` mapping with an integer key among strings was a traceback."""
    from costcalc.config.config_file import ConfigError
    from costcalc.config.verify_suite import load_suite

    path = tmp_path / "s.yaml"
    path.write_text(f"items:\n  - name: x\n    {entry}")
    with pytest.raises(ConfigError) as error:
        load_suite(path)
    assert message in str(error.value)
