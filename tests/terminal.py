"""Running ``costcalc`` as a person at a terminal does: stdout a pseudo-terminal (for the tests of tables
on narrow terminals, colours and JSON indenting)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def on_terminal(*args: str, env: dict[str, str]) -> str:
    """The output of ``costcalc ARGS`` run in the repository with stdout a pseudo-terminal and ``env`` added
    to the environment (``COLUMNS``, ``NO_COLOR``); the terminal's ``\\r\\n`` read as ``\\n``."""
    parent, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "costcalc", *args], stdout=child, stderr=subprocess.DEVNULL,
                               cwd=ROOT, env={**os.environ, **env})
    os.close(child)
    chunks = []
    try:
        while chunk := os.read(parent, 65536):
            chunks.append(chunk)
    except OSError:  # the terminal closes with the process
        pass
    os.close(parent)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")
