"""The README's ``costcalc.analyze`` Python examples run: each line whose comment is a literal evaluates
to it (the CLI examples of the section are checked with every other README example, tests/test_readme.py).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

ROOT = Path(__file__).resolve().parents[1]
README = ROOT.joinpath("README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"## {title}")[1].split("\n## ")[0]


@pytest.mark.parametrize("title", ["Analyze any PyTorch model", "Training cost and memory footprint"])
def test_readme_python_example(title):
    (code,) = re.findall(r"```python\n(.*?)```", section(title), re.S)
    namespace: dict = {}
    for line in code.splitlines():
        statement, _, comment = line.partition("  # ")
        comment = comment.strip()
        try:
            expected = ast.literal_eval(comment.split(": ")[0]) if comment else None
        except (ValueError, SyntaxError):
            expected = None
        if expected is None:
            exec(statement, namespace)  # noqa: S102 - the README's own example
        else:
            assert eval(statement.strip(), namespace) == expected, line  # noqa: S307
