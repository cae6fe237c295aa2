"""YAML config files: bounded reading and errors that name the file, the line and what was expected.

A file is read only when it is a regular file of at most :data:`MAX_BYTES` in UTF-8, then loaded
by :func:`costcalc.config.yaml_loader.load` (YAML's safe types only, nothing in a config is ever
executed; duplicate keys, YAML 1.1's octal/hex/sexagesimal integers and out-of-policy numbers
handled there), which keeps the line of every key so a bad value is reported as ``file:line``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costcalc.spelling import closest


def _shipped_configs() -> Path:
    """The directory of the config files that ship with costcalc (the verify suite, device profiles).

    In the repository they live in ``configs/``; ``pyproject.toml`` installs ``configs/verify.yaml``
    and ``configs/devices/*.yaml`` into the package as ``costcalc/_configs`` (one copy in the repo, no
    duplicate). A wheel install reads that; a source checkout or editable install reads ``configs/``.
    """
    package = Path(__file__).resolve().parent.parent
    installed = package / "_configs"
    return installed if installed.is_dir() else package.parent / "configs"


SHIPPED_CONFIGS = _shipped_configs()
"""``costcalc/_configs`` in an installed wheel, ``<repo>/configs`` in a checkout or editable install."""


class ConfigError(ValueError):
    """A config file is malformed or holds an unknown key or a bad value."""


MAX_BYTES = 64 * 2**20
"""Largest config file read (64 MiB: a 100,000-layer network is about 5 MiB)."""

FILE_KINDS = {
    "a layer spec": (("in", "out", "kernel", "size"), "costcalc compare --config (or bench --config)"),
    "a network file": (("input", "layers"), "costcalc model --config"),
    "a sweep file": (("networks",), "costcalc sweep --config"),
    "a verify suite": (("items",), "costcalc verify --suite"),
    "a device profile": (("peak_macs", "bandwidth"), "costcalc bench --device"),
}
"""Each kind of config file: the keys that identify it and the command that reads it, so a file
given to the wrong command is named for what it is rather than met with a spelling hint."""


def _read_text(path: Path) -> str:
    """The text of ``path``: a regular file of at most :data:`MAX_BYTES`, in UTF-8.

    Devices (``/dev/zero``), FIFOs and sockets are refused before they are opened, so reading never
    blocks or runs forever; non-UTF-8 files (Latin-1, UTF-16, binary) are refused naming the first
    offending byte and its line.
    """
    import os
    import stat

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"cannot read config {path}: it is a directory; give a YAML file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"cannot read config {path}: not a regular file (a device, FIFO or socket); "
                              "give a YAML file")
        if info.st_size > MAX_BYTES:
            raise ConfigError(f"config {path} is {info.st_size:,} bytes; config files are limited to "
                              f"{MAX_BYTES:,} bytes")
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"config {path} is over {MAX_BYTES:,} bytes; config files are limited to that")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                          f"{error.start}); save the file as UTF-8") from None


class ConfigFile:
    """A loaded YAML file: its data and a way to raise errors located in it.

    Loading bounds every resource a hostile file could exhaust: the bytes read (:data:`MAX_BYTES`,
    regular files only), then everything :mod:`costcalc.config.yaml_loader` bounds (nesting, aliases,
    duplicate keys, tags, numbers); every refusal is one error naming the file and, where there is
    one, the line.
    """

    def __init__(self, path: str | Path):
        from costcalc.config.files import note_input
        from costcalc.config.yaml_loader import YamlProblem, load

        self.path = Path(path)
        text = _read_text(self.path)
        note_input(self.path)
        try:
            self._loaded = load(text)
        except YamlProblem as problem:
            where = f"{self.path}:{problem.line}" if problem.line else str(self.path)
            raise ConfigError(f"{where}: {problem.message}") from None
        self.data = self._loaded.data

    def error(self, path: tuple[Any, ...], message: str) -> ConfigError:
        """A :class:`ConfigError` for the value at ``path``, located as ``file:line``."""
        line = self._loaded.locate(path) if path else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {message}")

    def mapping(self, path: tuple[Any, ...], value: Any, allowed: tuple[str, ...], what: str) -> dict[str, Any]:
        """Check that ``value`` is a mapping whose keys are all in ``allowed``."""
        if value is None and not path:
            raise self.error(path, f"the file is empty; {what} needs keys {', '.join(allowed)}")
        if not isinstance(value, dict):
            raise self.error(path, f"{what} must be a mapping with keys {', '.join(allowed)}, "
                                   f"got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                if not path:
                    self._refuse_other_kind(value, what)
                raise self.error(path + (key,), f"unknown key {key!r} in {what}; expected one of "
                                                f"{', '.join(allowed)}{closest(key, allowed)}")
        return value

    def _refuse_other_kind(self, data: dict[str, Any], what: str) -> None:
        """Raise when ``data`` has the keys of another kind of config file, naming the command that reads it."""
        for kind, (keys, command) in FILE_KINDS.items():
            if kind != what and all(key in data for key in keys):
                raise self.error((), f"this is {kind} (keys {', '.join(keys)}), not {what}; "
                                     f"{kind} is read by {command}")
