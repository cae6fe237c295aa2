"""Output files: never an input, read-only respected, symlinks written through, and an interrupted
write (SIGINT, SIGTERM, SIGHUP) leaves the old file byte-identical and no temporary file."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SWEEP_FILE = ROOT / "configs" / "sweeps" / "near_140m.yaml"
OLD = b"the old file\n"


def sweep_args(plot: Path) -> list[str]:
    return ["sweep", "mobilenet", "--alpha", "0.5,1.0", "--res", "128", "--plot", str(plot)]


@pytest.mark.slow
def test_an_output_that_is_an_input_is_refused(run, tmp_path):
    same = tmp_path / "same.svg"
    shutil.copy(SWEEP_FILE, same)
    before = same.read_bytes()
    line = run.error("sweep", "--config", str(same), "--plot", str(same))
    assert "is one of this command's input files" in line
    assert same.read_bytes() == before
    link = tmp_path / "link.svg"
    link.symlink_to(same)  # the same file under another name
    assert "is one of this command's input files" in run.error("sweep", "--config", str(same), "--plot", str(link))
    assert same.read_bytes() == before


def test_a_read_only_target_is_refused_like_cp(run, tmp_path):
    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    target.chmod(0o444)
    assert "is read-only (mode 0444)" in run.error(*sweep_args(target))
    assert target.read_bytes() == OLD and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_the_early_check_and_the_write_refuse_in_the_same_words(tmp_path):
    from costcalc.config.files import OutputFileError, check_writable, replacing

    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    target.chmod(0o444)
    missing = str(tmp_path / "no" / "plot.svg")
    read_only = f"{str(target)!r} is read-only (mode 0444); make it writable or choose another name"
    no_directory = f"{missing!r}: directory {str(tmp_path / 'no')!r} does not exist"
    for path, message in ((str(target), read_only), (missing, no_directory)):
        assert str(pytest.raises(OutputFileError, check_writable, path, "--plot").value) == f"--plot {message}"
        with pytest.raises(OutputFileError) as refused, replacing(path):
            pass
        assert str(refused.value) == message
    assert target.read_bytes() == OLD


def test_an_existing_target_keeps_its_mode(run, tmp_path):
    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    target.chmod(0o640)
    run(*sweep_args(target))
    assert target.read_bytes().startswith(b"<?xml") and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlink_is_written_through(run, tmp_path):
    real = tmp_path / "real.svg"
    real.write_bytes(OLD)
    link = tmp_path / "link.svg"
    link.symlink_to(real)
    run(*sweep_args(link))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes().startswith(b"<?xml")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.svg", "real.svg"]


WRITER = """
import sys, time
from costcalc.config.files import replacing
with replacing(sys.argv[1]) as temporary:
    with open(temporary, "wb") as handle:
        handle.write(b"half of the new")
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_write_leaves_the_old_file_and_no_temporary(tmp_path, signum):
    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    assert child.stdout.readline() == b"writing\n"
    assert len(list(tmp_path.iterdir())) == 2  # the temporary file exists now
    child.send_signal(signum)
    assert child.wait(timeout=30) != 0
    assert target.read_bytes() == OLD
    assert [path.name for path in tmp_path.iterdir()] == ["plot.svg"]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib (the plot extra)")
def test_sigterm_during_a_real_plot_save(tmp_path):
    """The CLI itself: SIGTERM as soon as the plot's temporary file appears."""
    target = tmp_path / "plot.png"
    target.write_bytes(OLD)
    alphas = ",".join(f"{0.25 + index / 100:.2f}" for index in range(60))
    child = subprocess.Popen([sys.executable, "-m", "costcalc", "sweep", "mobilenet", "--alpha", alphas,
                              "--res", "96,128,160,192,224", "--plot", str(target), "--format", "json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if any(path.name.endswith(".tmp") for path in tmp_path.iterdir()):
            child.send_signal(signal.SIGTERM)
            break
        time.sleep(0.001)
    code = child.wait(timeout=120)
    assert [path.name for path in tmp_path.iterdir()] == ["plot.png"]  # never a temporary file left
    if target.read_bytes() == OLD:
        assert code == 128 + signal.SIGTERM  # interrupted: the old file, byte-identical
    else:  # the signal came as the rename finished: then the whole new plot
        data = target.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")


def test_a_signal_while_the_temporary_file_is_made_is_raised_where_it_is_removed(tmp_path, monkeypatch):
    """A signal the kernel hands to another thread (OpenBLAS's) still reaches the main thread's handler,
    so holding is done there: one that comes while ``mkstemp`` runs is raised once the clean-up is in force."""
    from costcalc.config import files

    made, mkstemp = [], tempfile.mkstemp

    def mkstemp_interrupted(**kwargs):
        handle, name = mkstemp(**kwargs)
        made.append(name)
        files._interrupt(signal.SIGTERM, None)  # as if SIGTERM arrived just before mkstemp returned
        return handle, name

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp_interrupted)
    target = tmp_path / "plot.svg"
    target.write_bytes(OLD)
    with pytest.raises(SystemExit) as exited, files.replacing(str(target)):
        pytest.fail("the held signal must be raised before the file is handed out")
    assert exited.value.code == 128 + signal.SIGTERM
    assert made and [path.name for path in tmp_path.iterdir()] == ["plot.svg"] and target.read_bytes() == OLD


def test_a_signal_the_process_ignores_stays_ignored_while_writing(tmp_path):
    """``nohup`` ignores SIGHUP: writing a file must not make a hang-up end the command."""
    from costcalc.config import files

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with files.replacing(str(tmp_path / "out.txt")) as temporary:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is files._interrupt
            Path(temporary).write_text("x")
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)
