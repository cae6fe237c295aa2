"""The ``torch`` marker cannot be bypassed: tests/conftest.py marks by imports and hides torch from the rest.

Each check runs pytest in a subprocess on a few throwaway test files beside a copy of our conftest, so a
broken marking hook or guard fails here, not silently in somebody's torch-free install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

INI = """[pytest]
addopts = -p no:cacheprovider --strict-markers
markers =
    torch: needs torch or fvcore
    slow: slow
    timing: timing
"""

MARKED_BY_IMPORTS = {
    "test_top.py": """
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a top-level import marks the whole module, wherever it sits
    import torch


def test_top():
    pass
""",
    "test_timed.py": """
import pytest


@pytest.mark.timing
def test_timed():
    pass
""",
    "test_lazy.py": """
import pytest


def test_fvcore():
    import fvcore


def test_measure():
    from costcalc.measure import count


def test_measure_module():
    from costcalc import measure


def test_importorskip():
    pytest.importorskip("torch")


class TestClass:
    def test_method(self):
        import torch.nn


def test_free():
    pass
""",
}

INDIRECT = """
import subprocess
import sys

import pytest
from click.testing import CliRunner

from costcalc.cli import cli


def test_cli_reaches_torch():
    result = CliRunner().invoke(cli, ["compare", "--in", "8", "--out", "8", "--kernel", "3", "--size", "8",
                                      "--verify", "--format", "json"])
    assert result.exit_code == 0, result.output


def needs_torch():
    pytest.importorskip("torch")


def test_helper_importorskips_torch():
    needs_torch()


def test_subprocess_reaches_torch():
    result = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.torch
def test_marked_by_hand_sees_torch_unhidden():
    assert sys.modules.get("torch", "absent") is not None


def test_free():
    assert sys.modules.get("torch", "absent") is None  # hidden, as if not installed


@pytest.mark.torch
def test_marked_caches_the_lazy_analyze():
    import costcalc

    costcalc.__dict__["analyze"] = test_marked_caches_the_lazy_analyze  # as __getattr__ caches it
    test_marked_caches_the_lazy_analyze.__module__ = "costcalc.measure.analyze"


def test_free_sees_no_cached_analyze():
    import costcalc

    assert "analyze" not in vars(costcalc) and "measure" not in vars(costcalc)
"""


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    (folder / "pytest.ini").write_text(INI, encoding="utf-8")
    shutil.copy(TESTS / "conftest.py", folder / "conftest.py")
    # The outer run hides torch from this (unmarked) test's subprocesses; the inner run makes its own choice.
    path = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep)
            if entry and "costcalc-no-torch-" not in entry]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-rA", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def outcomes(output: str) -> dict[str, str]:
    return {match[1]: match[0] for match in re.findall(r"^(PASSED|FAILED|SKIPPED|ERROR) (\S+)", output, re.M)}


@pytest.mark.slow
def test_imports_of_torch_fvcore_or_measure_mark_the_test(tmp_path):
    for name, text in MARKED_BY_IMPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = pytest_in(tmp_path, "-m", "not torch", "--collect-only", "-q")
    selected = [line for line in result.stdout.splitlines() if "::" in line]
    assert selected == ["test_lazy.py::test_free"], result.stdout + result.stderr
    result = pytest_in(tmp_path, "-m", "torch", "--collect-only", "-q")
    assert len([line for line in result.stdout.splitlines() if "::" in line]) == 6, result.stdout


@pytest.mark.slow
def test_timing_runs_only_when_asked_for(tmp_path):
    for name, text in MARKED_BY_IMPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for args, selected in [((), False), (("-m", "not slow"), False), (("-m", "timing"), True),
                           (("-m", "torch or timing"), True)]:
        result = pytest_in(tmp_path, *args, "--collect-only", "-q")
        assert ("test_timed.py::test_timed" in result.stdout) is selected, (args, result.stdout)


@pytest.mark.slow
def test_an_unmarked_test_that_reaches_torch_fails(tmp_path):
    (tmp_path / "test_indirect.py").write_text(INDIRECT, encoding="utf-8")
    result = pytest_in(tmp_path)
    assert outcomes(result.stdout) == {
        "test_indirect.py::test_cli_reaches_torch": "FAILED",
        "test_indirect.py::test_helper_importorskips_torch": "FAILED",  # not a silent skip
        "test_indirect.py::test_subprocess_reaches_torch": "FAILED",
        "test_indirect.py::test_marked_by_hand_sees_torch_unhidden": "PASSED",
        "test_indirect.py::test_free": "PASSED",
        "test_indirect.py::test_marked_caches_the_lazy_analyze": "PASSED",
        "test_indirect.py::test_free_sees_no_cached_analyze": "PASSED",
    }, result.stdout + result.stderr
    assert result.stdout.count("not marked torch, but it needs torch or fvcore") >= 2, result.stdout
    # -m "not torch" keeps all but the two marked by hand.
    result = pytest_in(tmp_path, "-m", "not torch", "--collect-only", "-q")
    assert "test_marked" not in result.stdout and result.stdout.count("::") == 5, result.stdout
