"""Roofline estimates: a lower bound on a layer's time from its MACs and the bytes it moves.

Pure Python; never imports torch. A device profile holds two numbers — peak multiply-accumulates
per second and memory bandwidth in bytes per second (Williams, Waterman & Patterson 2009,
"Roofline"). A layer that performs ``macs`` and moves ``bytes`` cannot finish sooner than

    time ≥ max(macs / peak_macs, bytes / bandwidth)

and is *compute-bound* when the first term is the larger (its arithmetic intensity
``macs / bytes`` is at least the ridge point ``peak_macs / bandwidth``), *memory-bound*
otherwise. A sequence of layers run one after another is bounded by the sum of their bounds.

Profiles are YAML files (``configs/devices/*.yaml``) with the keys of :data:`PROFILE_KEYS`;
``costcalc bench --calibrate`` measures one for the current machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costcalc.configs import SHIPPED_CONFIGS, ConfigError, ConfigFile
from costcalc.numbers import number_problem

PROFILE_KEYS = ("name", "description", "source", "peak_macs", "bandwidth", "threads", "dtype")
PROFILE_RANGES = {"peak_macs": (3, 18, "MAC/s"), "bandwidth": (3, 16, "bytes/s")}
"""Accepted range of each rate, as powers of ten: from a microcontroller's thousands per second to beyond any machine's
(1 EMAC/s, 10 PB/s). Outside it a profile is a typo — and a rate near 0 (``1e-320``) would make the
roofline infinite, which JSON cannot carry."""


def check_rate(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be the profile's ``key`` (``None`` when it can): a finite number in range."""
    low, high, unit = PROFILE_RANGES[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 10.0**low <= value <= 10.0**high:
        return f"{key} must be a number of {unit} from 1e{low} to 1e{high} (e.g. 2.5e10), got {value!r}"
    return None


DEVICES_DIR = SHIPPED_CONFIGS / "devices"
"""The example device profiles (``configs/devices/*.yaml``, installed with the package)."""


@dataclass(frozen=True)
class DeviceProfile:
    """A device for the roofline: ``peak_macs`` (MAC/s) and ``bandwidth`` (bytes/s)."""

    name: str
    peak_macs: float
    bandwidth: float
    description: str = ""
    source: str = ""
    threads: int | None = None
    dtype: str | None = None

    def __post_init__(self) -> None:
        for key in PROFILE_RANGES:
            problem = check_rate(key, getattr(self, key))
            if problem:
                raise ValueError(problem)

    @property
    def ridge(self) -> float:
        """The ridge point: MACs per byte above which a layer is compute-bound."""
        return self.peak_macs / self.bandwidth

    def as_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "description": self.description, "source": self.source,
                "peak_macs": self.peak_macs, "bandwidth": self.bandwidth, "threads": self.threads,
                "dtype": self.dtype}
        return {key: value for key, value in data.items() if value not in (None, "")}

    def to_yaml(self, comment: str = "") -> str:
        """The profile as a YAML document that :func:`load_profile` reads back."""
        import yaml

        header = "".join(f"# {line}\n" for line in comment.splitlines())
        return header + yaml.safe_dump(self.as_dict(), sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class Estimate:
    """The roofline bound of one layer (or the sum over a sequence of layers)."""

    compute_s: float
    memory_s: float
    seconds: float

    @property
    def bound(self) -> str:
        """``compute`` or ``memory``: which roof the layer sits under (ties count as compute)."""
        return "compute" if self.compute_s >= self.memory_s else "memory"

    def __add__(self, other: "Estimate") -> "Estimate":
        return Estimate(self.compute_s + other.compute_s, self.memory_s + other.memory_s,
                        self.seconds + other.seconds)


ZERO = Estimate(0.0, 0.0, 0.0)


def estimate(macs: int, nbytes: int, profile: DeviceProfile) -> Estimate:
    """``max(macs / peak_macs, bytes / bandwidth)`` with both terms kept."""
    compute, memory = macs / profile.peak_macs, nbytes / profile.bandwidth
    return Estimate(compute, memory, max(compute, memory))


def estimate_sequence(costs: list[tuple[int, int]], profile: DeviceProfile) -> Estimate:
    """The bound of layers run one after another: the sum of each ``(macs, bytes)`` layer's bound.

    ``bound`` of the sum names the roof that dominates the summed compute and memory terms.
    """
    total = ZERO
    for macs, nbytes in costs:
        total = total + estimate(macs, nbytes, profile)
    return total


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


def ranks(values: list[float]) -> list[float]:
    """1-based ranks of ``values``, ties sharing the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(x: list[float], y: list[float]) -> float | None:
    """Spearman's rank correlation: Pearson's correlation of the average ranks (handles ties).

    ``None`` when fewer than two pairs or when either side is constant.
    """
    if len(x) != len(y):
        raise ValueError(f"spearman needs equal lengths, got {len(x)} and {len(y)}")
    if len(x) < 2:
        return None
    rx, ry = ranks(list(x)), ranks(list(y))
    mean_x, mean_y = sum(rx) / len(rx), sum(ry) / len(ry)
    covariance = sum((a - mean_x) * (b - mean_y) for a, b in zip(rx, ry))
    spread_x = sum((a - mean_x) ** 2 for a in rx)
    spread_y = sum((b - mean_y) ** 2 for b in ry)
    if not spread_x or not spread_y:
        return None
    return covariance / (spread_x * spread_y) ** 0.5
