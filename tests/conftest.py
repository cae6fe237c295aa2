"""Shared fixtures: a CLI runner that parses JSON, and golden-file comparison.

Run ``pytest --update-golden`` to rewrite the golden files from the current output.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from costcalc.cli import cli

GOLDEN_DIR = Path(__file__).parent / "golden"


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
