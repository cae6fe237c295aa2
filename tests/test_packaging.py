"""A regular (non-editable) install carries the config files costcalc reads itself.

``pyproject.toml`` maps ``configs/`` onto the data package ``costcalc._configs`` so the wheel holds
the CI suite (``configs/verify.yaml``) and the device profiles (``configs/devices/*.yaml``) while the
repository keeps a single copy. These tests build the real wheel from a copy of the source tree
(about a second, offline: ``--no-build-isolation`` uses the installed setuptools of the ``test``
extra) and run costcalc from the unpacked wheel, away from the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["configs/verify.yaml", *sorted(f"configs/devices/{path.name}"
                                          for path in (ROOT / "configs" / "devices").glob("*.yaml"))]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the source tree (so no build/ or egg-info lands in the repo)."""
    base = tmp_path_factory.mktemp("packaging")
    source, out = base / "src", base / "dist"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("costcalc", "configs"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--no-index", "-q", "-w", str(out), str(source)],
                            capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("costcalc-*.whl")
    return built


def test_listed_packages_are_every_costcalc_package():
    # The package list is explicit (the mapped data package cannot come from a find directive):
    # a new costcalc subpackage must be added to pyproject.toml or it is missing from the wheel.
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    assert listed - {"costcalc._configs", "costcalc._configs.devices"} == set(
        find_packages(str(ROOT), include=["costcalc", "costcalc.*"]))
    assert config["package-dir"] == {"costcalc._configs": "configs"}


@pytest.mark.slow
def test_wheel_holds_the_suite_and_device_profiles(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for repo_path in SHIPPED:
            installed = "costcalc/_configs/" + repo_path.removeprefix("configs/")
            assert installed in names, f"{repo_path} is not in {wheel.name}"
            assert archive.read(installed) == (ROOT / repo_path).read_bytes()
    assert len(SHIPPED) >= 4  # verify.yaml and at least the three example profiles
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "costcalc").rglob("*.py")}
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    assert not any(name.startswith(("configs/", "tests/")) for name in names)


@pytest.mark.slow
def test_unpacked_wheel_finds_its_configs_outside_the_repo(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    code = ("import json, costcalc.config.verify_suite as suite, costcalc.config.device_profiles as roofline; "
            "print(json.dumps({'file': suite.__file__, 'suite': str(suite.DEFAULT_SUITE), "
            "'targets': len(suite.load_suite()), 'devices': roofline.shipped_profiles(), "
            "'laptop': roofline.resolve_profile('laptop-i5-8250u').peak_macs}))")
    # PYTHONPATH puts the unpacked wheel before the editable install; the cwd is outside the repo.
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert Path(data["file"]).is_relative_to(site)
    assert data["suite"] == str(site / "costcalc" / "_configs" / "verify.yaml")
    from costcalc.config.verify_suite import load_suite

    assert data["targets"] == len(load_suite()) > 0
    assert data["devices"] == sorted(Path(path).stem for path in SHIPPED[1:])
    assert data["laptop"] == 217.6e9
    # The CLI of the unpacked wheel runs the shipped suite (one target, to stay fast).
    pytest.importorskip("torch")
    pytest.importorskip("fvcore")
    result = subprocess.run([sys.executable, "-m", "costcalc", "verify", "relu", "--format", "json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["matched"] == 1
