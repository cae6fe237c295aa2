"""Files: the inputs read, and output files checked before any work and written whole or not at all.

What is guaranteed for an output file (``--plot``, ``--save``):

- it is never one of the files this run read (:func:`note_input`: configs, sweep files, device
  profiles): ``sweep --config same.svg --plot same.svg`` is refused, not allowed to replace its input;
- a read-only target (no write permission for its owner) is refused, as ``cp`` refuses it; an
  existing target keeps its mode;
- a symlink is written through: the file it points to is replaced and the link stays a link;
- the new content is written to a temporary file beside the target and renamed over it
  (``os.replace`` is atomic), so an error, ``SIGINT`` or ``SIGTERM`` during the write leaves the old
  file byte-identical and removes the temporary file.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from types import FrameType

_INPUTS: ContextVar[set[str] | None] = ContextVar("costcalc_inputs", default=None)
"""The real paths of the files read by the command running now (``None`` outside a command)."""


class OutputFileError(ValueError):
    """An output file that may not be written (a directory, one of the inputs, read-only): a usage error."""


@contextmanager
def command_inputs() -> Iterator[None]:
    """Run one command with its own set of input files, so that each invocation starts afresh."""
    token = _INPUTS.set(set())
    try:
        yield
    finally:
        _INPUTS.reset(token)


def _inputs() -> set[str]:
    return _INPUTS.get() or set()


def note_input(path: str | os.PathLike) -> None:
    """Remember that the running command read ``path``, so that no output may replace it."""
    inputs = _INPUTS.get()
    if inputs is not None:
        inputs.add(os.path.realpath(path))


def _target_problem(path: str) -> str | None:
    """Why ``path`` may not be written (``None`` when it may): a directory, a missing or unwritable
    directory, one of the inputs, or a read-only file."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    if os.path.isdir(target):
        return "is a directory; give a file name"
    if not os.path.isdir(directory):
        return f"directory {os.path.dirname(path) or '.'!r} does not exist"
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"directory {os.path.dirname(path) or '.'!r} is not writable"
    if target in _inputs():
        return "is one of this command's input files; write the output to another file"
    with suppress(FileNotFoundError):
        mode = os.stat(target).st_mode
        if not stat.S_ISREG(mode):
            return "exists and is not a regular file"
        if not mode & stat.S_IWUSR:
            return f"is read-only (mode {stat.S_IMODE(mode):04o}); make it writable or choose another name"
    return None


def check_writable(path: str, option: str = "") -> None:
    """Fail when ``path`` cannot be written (:func:`_target_problem`): an :class:`OutputFileError` naming
    ``option`` when given — ``--plot 'in.yaml' is one of this command's input files``, ``--save 'x/y.json':
    directory 'x' does not exist``. Commands call it early, before any work; :func:`replacing` again."""
    problem = _target_problem(path)
    if problem:
        subject = f"{option} {path!r}".lstrip()
        raise OutputFileError(f"{subject} {problem}" if problem.startswith("is") else f"{subject}: {problem}")


class _Terminated(SystemExit):
    """``SIGTERM`` (or ``SIGHUP``) during a write: unwinds like an exception, so the temporary file is
    removed, then exits with the signal's conventional status 128 + signal number."""


_INTERRUPTING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_held: list[int] | None = None
"""The signals that came while the temporary file was being created (:func:`_hold`); ``None`` when not held."""


def _raise_for(signum: int) -> None:
    """``SIGINT`` as ``KeyboardInterrupt``; ``SIGTERM``, ``SIGHUP`` as :class:`_Terminated`."""
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise _Terminated(128 + signum)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    if _held is not None:
        _held.append(signum)
        return
    _raise_for(signum)


def _hold() -> None:
    """Keep interrupting signals from now on instead of raising them."""
    global _held
    _held = []


def _release() -> None:
    """Stop keeping signals, and raise for the first one that came while they were kept."""
    global _held
    pending, _held = _held, None
    if pending:
        _raise_for(pending[0])


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """While writing, ``SIGINT``, ``SIGTERM`` and ``SIGHUP`` unwind as exceptions (:func:`_interrupt`), held
    where :func:`_hold` says; the previous handlers come back afterwards. A signal the process ignores
    (``nohup``'s ``SIGHUP``, a background job's ``SIGINT``) stays ignored. Outside the main thread, where
    handlers cannot be set, nothing changes.

    Holding is done in the handler, not with a signal mask: a mask holds only the thread that sets it,
    and the kernel hands a process's signal to any thread that does not block it — a library's worker
    thread (OpenBLAS, a progress spinner) — after which Python runs the handler in the main thread anyway.
    """
    previous = {}
    try:
        for signum in _INTERRUPTING:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous[signum] = signal.signal(signum, _interrupt)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def replacing(path: str) -> Iterator[str]:
    """Yield a temporary file name beside ``path``'s target; on success rename it over the target.

    Interrupting signals are held while the temporary file is created, so none can arrive before
    the clean-up is in force. The target is ``path`` with symlinks resolved. It is checked again here
    (:func:`check_writable`: inputs read since the command's own check count too); a problem raises
    :class:`OutputFileError`. The new file gets the old one's mode, or ``0o666 & ~umask`` (``mkstemp``
    creates owner-only files). An ``OSError`` is re-raised with the target's name, so it is never mistaken
    for standard output's.
    """
    check_writable(path)
    target = os.path.realpath(path)
    with _signals_unwind():
        _hold()  # until the clean-up below is in force
        try:
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.",
                                                 suffix=".tmp")
        except BaseException:
            _release()
            raise
        try:
            _release()  # a signal kept meanwhile is raised here, where the clean-up below removes the file
            os.close(handle)
            yield temporary
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except OSError as error:
            with suppress(OSError):
                os.remove(temporary)
            if error.filename:
                raise
            raise OSError(error.errno, error.strerror, path) from None
        except BaseException:
            with suppress(OSError):
                os.remove(temporary)
            raise
