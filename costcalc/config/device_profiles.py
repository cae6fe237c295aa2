"""Device profiles: the YAML files of :class:`~costcalc.engine.roofline.DeviceProfile` (shipped ones in
``configs/devices/*.yaml``, or the user's own), read with errors that name the file, line and key."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from costcalc.config.config_file import SHIPPED_CONFIGS, ConfigError, ConfigFile
from costcalc.engine.dtypes import MEMORY_DTYPES
from costcalc.engine.roofline import PROFILE_KEYS, DeviceProfile, check_rate, check_size
from costcalc.number_rule import number_problem

DEVICES_DIR = SHIPPED_CONFIGS / "devices"
"""The example device profiles (``configs/devices/*.yaml``, installed with the package)."""



def _rate(config: ConfigFile, key: str, value: Any, where: tuple[Any, ...] | None = None) -> float:
    """A rate in :data:`PROFILE_RANGES`, as a number or numeric string (``1.2e11`` — YAML 1.1 reads it as
    text — or ``25.6e9``); errors name the file, line and key."""
    if isinstance(value, str):
        problem = number_problem(value, integer=False)  # ASCII digits, finite: "٢e12" and "1e999" refused
        if problem:
            raise config.error(where or (key,), f"{key}: {problem}")
        with contextlib.suppress(ValueError):
            value = float(value)  # no separators removed: "1,5e12" is not read as 1.5e13
    problem = check_rate(key, value)
    if problem:
        raise config.error(where or (key,), problem)
    return float(value)


MAX_THREADS = 4096
"""The most threads a profile may say it was measured with."""


def _text(config: ConfigFile, data: dict[str, Any], key: str, default: str) -> str:
    """A text field (``name``, ``description``, ``source``): a string (a YAML date or number is refused)."""
    value = data.get(key, default)
    if not isinstance(value, str):
        raise config.error((key,), f"{key} must be text, got {type(value).__name__} {value!r}")
    return value


def _bandwidths(config: ConfigFile, value: Any) -> tuple[tuple[int, float], ...]:
    """``bandwidth_by_size``: a mapping of working-set bytes (integers) to bytes/s, each checked."""
    if not isinstance(value, dict) or not value:
        raise config.error(("bandwidth_by_size",), "bandwidth_by_size must be a mapping of working-set bytes "
                                                   "to bytes/s (e.g. {32768: 2.0e11, 134217728: 1.5e10}), "
                                                   f"got {value!r}")
    pairs = []
    for size, rate in value.items():
        problem = check_size(size)
        if problem:
            raise config.error(("bandwidth_by_size", size), f"bandwidth_by_size: {problem}")
        pairs.append((size, _rate(config, "bandwidth", rate, ("bandwidth_by_size", size))))
    return tuple(sorted(pairs))


def load_profile(path: str | Path) -> DeviceProfile:
    """Read a device profile: ``peak_macs`` (MAC/s) and ``bandwidth`` (bytes/s) are required; every other field
    is checked too (text, threads, a dtype of :mod:`costcalc.engine.dtypes`, bandwidths by working-set size)."""
    config = ConfigFile(path)
    data = config.mapping((), config.data, PROFILE_KEYS, "a device profile")
    for key in ("peak_macs", "bandwidth"):
        if key not in data:
            raise config.error((), f"missing {key!r} in device profile; required: peak_macs, bandwidth")
    threads = data.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or not 1 <= threads <= MAX_THREADS):
        raise config.error(("threads",), f"threads must be an integer from 1 to {MAX_THREADS:,}, got {threads!r}")
    dtype = data.get("dtype")
    if dtype is not None and dtype not in MEMORY_DTYPES:
        raise config.error(("dtype",), f"dtype must be one of {', '.join(MEMORY_DTYPES)}, got "
                                       f"{type(dtype).__name__} {dtype!r}")
    by_size = data.get("bandwidth_by_size")
    return DeviceProfile(name=_text(config, data, "name", config.path.stem),
                         peak_macs=_rate(config, "peak_macs", data["peak_macs"]),
                         bandwidth=_rate(config, "bandwidth", data["bandwidth"]),
                         description=_text(config, data, "description", ""), source=_text(config, data, "source", ""),
                         threads=threads, dtype=dtype,
                         bandwidth_by_size=() if by_size is None else _bandwidths(config, by_size))


def shipped_profiles() -> list[str]:
    """Names of the example profiles in ``configs/devices`` (file stems)."""
    return sorted(path.stem for path in DEVICES_DIR.glob("*.yaml")) if DEVICES_DIR.is_dir() else []


def resolve_profile(name_or_path: str) -> DeviceProfile:
    """A profile by file path, or by the name of a shipped example (``configs/devices/NAME.yaml``)."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(f"unknown device file {name_or_path!r}: no such file")
        return load_profile(path)
    shipped = DEVICES_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return load_profile(shipped)
    valid = ", ".join(shipped_profiles()) or "none shipped"
    raise ConfigError(f"unknown device {name_or_path!r}; give a YAML file or one of: {valid}")
