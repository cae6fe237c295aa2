"""Run a counter where it cannot take the process down: in a forked child, its result sent back pickled.

fvcore traces the model with ``torch.jit``; on some models (one that catches an exception raised by a
submodule) the tracer trips a torch internal assertion, and a C++ ``c10::Error`` thrown through the
tracer's cleanup ends the process with SIGABRT — nothing Python can catch, nothing printed. In a
forked child the abort ends the child only: :func:`run_isolated` then raises :class:`CounterFailed`
naming the signal and the assertion (read from the child's stderr), and the analysis stands.

A fork copies the model without pickling it (copy-on-write); the child runs torch on one thread (as
``DataLoader`` workers do: a forked OpenMP pool is not safe to reuse). Where ``os.fork`` does not
exist (Windows) the function runs in-process, as before. tests/benchmarks/bench_isolation.py measures
what the fork costs against the same trace in-process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


class CounterFailed(Exception):
    """The isolated counter raised (``died`` False) or its process died (``died`` True); the message says how."""

    def __init__(self, message: str, died: bool) -> None:
        super().__init__(message)
        self.died = died


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal the kernel sends a process when its parent dies."""


def follow_parent(parent: int) -> None:
    """In a child process: die with ``parent``, however it ends. On Linux the kernel kills the child when the
    parent dies (``PR_SET_PDEATHSIG``), even by ``SIGKILL``, so no orphan lives on; a parent that died before
    this took hold ends the child at once."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = next((line for line in lines if line.startswith("what():")), lines[0] if lines else "")
    return reason.removeprefix("what():").strip()[:200]


def _child(function: Callable[[], Any], write_fd: int, errors: Any, parent: int) -> None:
    """In the child: run ``function``, send ``("ok", result)`` or ``("error", text)``, exit without cleanup."""
    try:
        follow_parent(parent)
        os.dup2(errors.fileno(), 2)
        import torch

        torch.set_num_threads(1)
        try:
            message = ("ok", function())
        except Exception as error:  # sent back as text: the parent reports it
            text = str(error).strip().splitlines()[0] if str(error).strip() else ""
            message = ("error", f"{type(error).__name__}: {text}".rstrip(": "))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(pickle.dumps(message))
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed stream: nothing to flush
                stream.flush()
        os._exit(0)


def run_isolated(function: Callable[[], Result]) -> Result:
    """``function()`` run in a forked child; :class:`CounterFailed` if it raised or its process died."""
    if not hasattr(os, "fork"):
        try:
            return function()
        except Exception as error:
            raise CounterFailed(f"{type(error).__name__}: {error}", died=False) from error
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    with tempfile.TemporaryFile() as errors:
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(function, write_fd, errors, parent)
        os.close(write_fd)
        try:
            with os.fdopen(read_fd, "rb") as pipe:
                data = pipe.read()
        except BaseException:  # Ctrl-C, a signal that unwinds: the child goes with the parent
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        _, status = os.waitpid(pid, 0)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if data:
        sys.stderr.write(stderr)  # what the child printed (the user's forward, warnings), as in-process
        kind, value = pickle.loads(data)
        if kind == "ok":
            return value
        raise CounterFailed(value, died=False)
    if os.WIFSIGNALED(status):
        how = signal.Signals(os.WTERMSIG(status)).name
    else:
        how = f"exit status {os.WEXITSTATUS(status)}"
    reason = _first_line(stderr)
    raise CounterFailed(f"{how}{': ' + reason if reason else ''}", died=True)
