"""Shared fixtures: a CLI runner that parses JSON, and golden-file comparison; the ``torch`` marker.

Run ``pytest --update-golden`` to rewrite the golden files from the current output.

Markers (declared in pyproject.toml): ``torch`` (needs torch or fvcore), ``slow`` (about a second or more
each), ``timing`` (asserts wall-clock time or a speed ratio; deselected unless asked for with ``-m timing``).

``torch`` is applied here, never by hand: a test is marked when its module's top level, or its own function
(or class) body, imports ``torch``, ``fvcore`` or ``costcalc.measure``, or ``pytest.importorskip``s torch or
fvcore. Every other test runs as if torch and fvcore were not installed: they are unimportable in this
process (``None`` in ``sys.modules``, costcalc.measure unloaded) and in any subprocess the test starts
(stub packages that fail to import, first on ``PYTHONPATH``). So a test that reaches torch another way
(a CLI command, a helper, a fixture) fails in the default run, naming the marker, instead of slipping
into ``pytest -m "not torch"``; an ``importorskip`` of torch there fails instead of skipping.
tests/test_markers.py proves both.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

GOLDEN_DIR = Path(__file__).parent / "golden"

TORCH_ROOTS = ("torch", "fvcore", "costcalc.measure")
"""Modules whose import needs torch: a test that imports one of them is a ``torch`` test."""
TORCH_PACKAGES = ("torch", "fvcore")
"""The packages hidden from unmarked tests (costcalc.measure then fails to import by itself)."""


def _needs_torch(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in TORCH_ROOTS)


def _imports_torch(node: ast.AST, *, descend: bool) -> bool:
    """Whether ``node`` imports torch, fvcore or costcalc.measure, or importorskips torch or fvcore.

    With ``descend=False`` function and class bodies are not entered (a module's top level only).
    """
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, ast.Import) and any(_needs_torch(alias.name) for alias in current.names):
            return True
        if isinstance(current, ast.ImportFrom) and current.level == 0 and current.module and (
                _needs_torch(current.module)
                or any(_needs_torch(f"{current.module}.{alias.name}") for alias in current.names)):
            return True
        if (isinstance(current, ast.Call) and current.args and isinstance(current.args[0], ast.Constant)
                and current.args[0].value in TORCH_PACKAGES
                and getattr(current.func, "attr", getattr(current.func, "id", None)) == "importorskip"):
            return True
        todo.extend(child for child in ast.iter_child_nodes(current)
                    if descend or not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
    return False


class TorchScan:
    """One test file: whether its top level needs torch, and the qualified names of its functions that do."""

    def __init__(self, source: str) -> None:
        tree = ast.parse(source)
        self.module = _imports_torch(tree, descend=False)
        self.names: set[str] = set()
        self._scan(tree, "")

    def _scan(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and _imports_torch(child, descend=True):
                self.names.add(prefix + child.name)
            elif isinstance(child, ast.ClassDef):
                if _imports_torch(child, descend=False):
                    self.names.add(prefix + child.name)
                self._scan(child, f"{prefix}{child.name}.")

    def needs_torch(self, item: pytest.Item) -> bool:
        function = getattr(item, "originalname", item.name)
        if item.cls is None:
            return self.module or function in self.names
        cls = item.cls.__qualname__
        return self.module or cls in self.names or f"{cls}.{function}" in self.names


def _installed(name: str, minimum: tuple[int, ...] = ()) -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version(name)
    except PackageNotFoundError:
        return False
    return tuple(int(part) for part in re.findall(r"\d+", found)[:len(minimum)]) >= minimum


MATPLOTLIB = _installed("matplotlib")
"""Without the plot extra, a test that fails on ``--plot``'s missing-matplotlib error skips instead, as
``importorskip("matplotlib")`` would (one whose subprocess plots carries a ``skipif`` of its own)."""
WHEEL_BUILDS = _installed("setuptools", (70, 1))
"""tests/test_packaging.py builds the wheel offline with the test extra's setuptools>=70.1 (bdist_wheel)."""


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``torch`` every test whose module or function imports torch, fvcore or costcalc.measure."""
    scans: dict[Path, TorchScan] = {}
    for item in items:
        if not WHEEL_BUILDS and "wheel" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason="building the wheel needs setuptools>=70.1 (the test extra)"))
        path = Path(str(item.path))
        if path.suffix == ".py":
            if path not in scans:
                scans[path] = TorchScan(path.read_text(encoding="utf-8"))
            if scans[path].needs_torch(item):
                item.add_marker(pytest.mark.torch)
    # pyproject's addopts deselect timing with -m "not timing"; a -m of the user's own replaces that, so
    # timing checks stay out unless the expression names them (-m timing, -m "torch or timing", ...).
    if "timing" not in (config.getoption("markexpr") or ""):
        timing = [item for item in items if item.get_closest_marker("timing") is not None]
        if timing:
            config.hook.pytest_deselected(items=timing)
            items[:] = [item for item in items if item.get_closest_marker("timing") is None]


_HIDDEN = "hidden from a test not marked torch"
_STUBS: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Stub ``torch`` and ``fvcore`` packages that fail to import, for the subprocesses of unmarked tests."""
    global _STUBS
    _STUBS = Path(tempfile.mkdtemp(prefix="costcalc-no-torch-"))
    for name in TORCH_PACKAGES:
        (_STUBS / name).mkdir()
        (_STUBS / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError(\"No module named '{name}' ({_HIDDEN})\", name={name!r})\n",
            encoding="utf-8")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STUBS is not None:
        shutil.rmtree(_STUBS, ignore_errors=True)


_ATTEMPTS: list[str] | None = None
"""While an unmarked test runs: the torch/fvcore imports it attempted (the audit hook appends them)."""


def _audit(event: str, args: tuple) -> None:
    if event == "import" and _ATTEMPTS is not None and str(args[0]).partition(".")[0] in TORCH_PACKAGES:
        _ATTEMPTS.append(str(args[0]))


sys.addaudithook(_audit)


def _from_measure(name: str, value: object) -> bool:
    return name == "measure" or _needs_torch(str(getattr(value, "__module__", "") or ""))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Run a test not marked ``torch`` (setup, call and teardown) as if torch and fvcore were not installed."""
    global _ATTEMPTS
    if item.get_closest_marker("torch") is not None:
        return (yield)
    import costcalc

    saved = {name: module for name, module in sys.modules.items() if _needs_torch(name)}
    for name in saved:
        del sys.modules[name]
    for name in TORCH_PACKAGES:
        sys.modules[name] = None  # ``import torch`` raises ModuleNotFoundError; find_spec says None
    # costcalc.measure, and what costcalc's lazy attributes (``costcalc.analyze``) cached from it
    exported = {name: value for name, value in vars(costcalc).items() if _from_measure(name, value)}
    for name in exported:
        delattr(costcalc, name)
    python_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_STUBS), python_path]))
    _ATTEMPTS = []
    try:
        return (yield)
    finally:
        _ATTEMPTS = None
        if python_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = python_path
        for name in [name for name in sys.modules if _needs_torch(name)]:
            del sys.modules[name]
        sys.modules.update(saved)
        for name in [name for name, value in vars(costcalc).items() if _from_measure(name, value)]:
            delattr(costcalc, name)
        for name, value in exported.items():
            setattr(costcalc, name, value)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """An unmarked test that fails after reaching for torch, or importorskips it, fails naming the marker."""
    report = yield
    text = str(report.longrepr)
    if not MATPLOTLIB and report.failed and "--plot needs matplotlib; install it with" in text:
        report.outcome = "skipped"  # the plot extra is not installed: what importorskip would have said
        report.longrepr = (str(item.path), item.location[1], "Skipped: --plot needs matplotlib (the plot extra)")
        return report
    if item.get_closest_marker("torch") is not None or _ATTEMPTS is None:
        return report
    skipped_torch = report.skipped and any(f"could not import '{name}'" in text for name in TORCH_PACKAGES)
    if skipped_torch or (report.failed and (_ATTEMPTS or _HIDDEN in text)):
        attempts = ", ".join(sorted(set(_ATTEMPTS))) or "a subprocess"
        report.outcome = "failed"
        report.longrepr = (f"not marked torch, but it needs torch or fvcore (imported: {attempts}); it ran as if "
                           f"they were not installed. Import torch, fvcore or costcalc.measure (or importorskip "
                           f"them) in its module or its own function, or mark it @pytest.mark.torch.\n\n{text}")
    return report


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request, monkeypatch):
    """Run each test with PyYAML's C parser and with its pure-Python one."""
    import yaml

    if request.param == "pure-python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml")
    return request.param


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from current output")


class Invoker:
    """Run the CLI in-process and return the result; ``json`` parses stdout."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, exit_code: int = 0, env: dict | None = None):
        result = self.runner.invoke(cli, list(args), env={"NO_COLOR": "1", "COLUMNS": "", **(env or {})})
        assert result.exit_code == exit_code, (
            f"exit {result.exit_code} != {exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def json(self, *args: str, exit_code: int = 0) -> dict:
        return json.loads(self(*args, "--format", "json", exit_code=exit_code).stdout)

    def error(self, *args: str) -> str:
        """Run a command that must fail as a usage error; return its one ``Error:`` line."""
        result = self(*args, exit_code=2)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        return lines[0]


@pytest.fixture
def run() -> Invoker:
    return Invoker()


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """``golden(name, text)`` asserts ``text`` equals ``tests/golden/name`` (or rewrites it with --update-golden)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if request.config.getoption("--update-golden") or not path.exists():
            if not request.config.getoption("--update-golden"):
                pytest.fail(f"golden file {path} is missing; run pytest --update-golden and review it")
            path.write_text(text, encoding="utf-8")
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path}; review, then --update-golden"

    return check


@pytest.fixture
def wrong_grouped_conv_macs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inject a deliberately wrong formula: one MAC too many on every grouped or depthwise conv.

    ``--verify`` must then fail against the real counters (proving the check can fail).
    """
    from costcalc.engine.specs import Conv2d

    cost_module = importlib.import_module("costcalc.engine.cost")
    rule = cost_module.COST_RULES[Conv2d]

    def wrong(spec, shape, output):
        values = rule(spec, shape, output)
        return {**values, "macs": values["macs"] + (spec.groups > 1)}

    monkeypatch.setitem(cost_module.COST_RULES, Conv2d, wrong)
