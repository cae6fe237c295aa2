"""The README's ``costcalc analyze`` section shows real output: every example is run and compared.

Console blocks (``$ costcalc analyze …`` then its output) and ``<!-- output: … -->`` blocks (Markdown
output rendered in place) must equal what the command prints now; each line of the Python example
whose comment is a literal must evaluate to it.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

ROOT = Path(__file__).resolve().parents[1]
SECTION = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Analyze any PyTorch model")[1] \
    .split("\n## ")[0]
CONSOLE = re.findall(r"```console\n\$ (costcalc analyze [^\n]*)\n(.*?)```", SECTION, re.S)
RENDERED = re.findall(r"<!-- output: (costcalc analyze [^\n]*) -->\n(.*?)<!-- end output -->", SECTION, re.S)


def _printed(run, command: str) -> str:
    text = run(*shlex.split(command)[1:]).stdout
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines()) + "\n"


@pytest.mark.parametrize("command, shown", CONSOLE + RENDERED, ids=[c for c, _ in CONSOLE + RENDERED])
def test_readme_output_is_real(run, monkeypatch, command, shown):
    monkeypatch.chdir(ROOT)
    assert _printed(run, command) == shown


def test_readme_has_the_examples():
    assert len(CONSOLE) == 2 and len(RENDERED) == 1
    assert any("--suggest" in command for command, _ in RENDERED)


def test_readme_python_example():
    (code,) = re.findall(r"```python\n(.*?)```", SECTION, re.S)
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
