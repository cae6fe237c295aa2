"""``costcalc verify``'s worker pool follows its parent on every signal: after SIGTERM, SIGHUP or SIGINT to a
running ``costcalc verify`` no worker survives and nothing prints a traceback (each orphaned worker printed
a ``BrokenPipeError`` traceback as it wrote its result into the dead parent's pipe)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")  # the workers count with torch
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

VERIFY = ("import signal, sys; import costcalc.commands.verify as verify; verify.usable_cores = lambda: 2; "  # a pool
          # as in a terminal, even when pytest runs in the background
          "signal.signal(signal.SIGINT, signal.default_int_handler); "
          "from costcalc.cli import cli; cli(sys.argv[1:])")


def children(parent: int) -> list[int]:
    """The live (not zombie) processes whose parent is ``parent``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == parent and state != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP),
                                          (signal.SIGINT, 130)])
def test_no_worker_outlives_its_parent(signum, code):
    child = subprocess.Popen([sys.executable, "-c", VERIFY, "verify", "--random", "200", "--format", "json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(workers := children(child.pid)) < 2 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert len(workers) == 2, "the pool did not start"
        time.sleep(1.5)  # the workers are importing torch or counting
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=120)
    finally:
        child.kill()
    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]
    assert child.returncode == code, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
