"""Device profiles: the YAML files of :class:`~costcalc.engine.roofline.DeviceProfile` (shipped ones in
``configs/devices/*.yaml``, or the user's own), read with errors that name the file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from costcalc.config.config_file import SHIPPED_CONFIGS, ConfigError, ConfigFile
from costcalc.engine.roofline import PROFILE_KEYS, DeviceProfile, check_rate
from costcalc.number_rule import number_problem

DEVICES_DIR = SHIPPED_CONFIGS / "devices"
"""The example device profiles (``configs/devices/*.yaml``, installed with the package)."""



def _rate(config: ConfigFile, key: str, value: Any) -> float:
    """A rate in :data:`PROFILE_RANGES`, as a number or numeric string (``1.2e11`` — YAML 1.1 reads it as
    text — or ``25.6e9``); errors name the file, line and key."""
    if isinstance(value, str):
        problem = number_problem(value, integer=False)  # ASCII digits, finite: "٢e12" and "1e999" refused
        if problem:
            raise config.error((key,), f"{key}: {problem}")
        try:
            value = float(value)  # no separators removed: "1,5e12" is not read as 1.5e13
        except ValueError:
            pass
    problem = check_rate(key, value)
    if problem:
        raise config.error((key,), problem)
    return float(value)


def load_profile(path: str | Path) -> DeviceProfile:
    """Read a device profile: ``peak_macs`` (MAC/s) and ``bandwidth`` (bytes/s) are required."""
    config = ConfigFile(path)
    data = config.mapping((), config.data, PROFILE_KEYS, "a device profile")
    for key in ("peak_macs", "bandwidth"):
        if key not in data:
            raise config.error((), f"missing {key!r} in device profile; required: peak_macs, bandwidth")
    threads = data.get("threads")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise config.error(("threads",), f"threads must be a positive integer, got {threads!r}")
    return DeviceProfile(name=str(data.get("name", config.path.stem)),
                         peak_macs=_rate(config, "peak_macs", data["peak_macs"]),
                         bandwidth=_rate(config, "bandwidth", data["bandwidth"]),
                         description=str(data.get("description", "")), source=str(data.get("source", "")),
                         threads=threads, dtype=data.get("dtype"))


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
