"""Output files: checked before any work, written whole or not at all (``--plot``, ``--save``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress


def check_writable(path: str, option: str) -> None:
    """Fail early, before any work, when ``path`` cannot be written: a usage error naming ``option``.

    The directory must exist and be writable, and ``path`` must not be a directory.
    """
    from costcalc.options import usage_error

    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise usage_error(f"{option} {path!r} is a directory; give a file name")
    if not os.path.isdir(directory):
        raise usage_error(f"{option} {path!r}: directory {os.path.dirname(path) or '.'!r} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise usage_error(f"{option} {path!r}: directory {os.path.dirname(path) or '.'!r} is not writable")


@contextmanager
def replacing(path: str) -> Iterator[str]:
    """Yield a temporary file name in ``path``'s directory; on success rename it over ``path``.

    ``os.replace`` is atomic on POSIX and Windows, so ``path`` is either untouched or complete; on
    any exception the temporary file is removed. The result gets the usual ``0o666 & ~umask`` mode
    (``mkstemp`` creates files readable by their owner only).
    """
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.remove(temporary)
        raise
