"""Roofline estimates: a lower bound on a layer's time from its MACs and the bytes it moves.

Pure Python; never imports torch. A device profile holds two numbers — peak multiply-accumulates
per second and memory bandwidth in bytes per second (Williams, Waterman & Patterson 2009,
"Roofline"). A layer that performs ``macs`` and moves ``bytes`` cannot finish sooner than

    time ≥ max(macs / peak_macs, bytes / bandwidth)

where ``bandwidth`` is the one for the layer's working set (its ``bytes``) when the profile carries
bandwidths by working-set size (:meth:`DeviceProfile.bandwidth_for`): a block whose data fits in a cache
moves it faster than main memory, so a bound calibrated on main memory alone is beaten there. It is
*compute-bound* when the first term is the larger (its arithmetic intensity
``macs / bytes`` is at least the ridge point ``peak_macs / bandwidth``), *memory-bound*
otherwise. A sequence of layers run one after another is bounded by the sum of their bounds.

Profiles are YAML files (``configs/devices/*.yaml``, read by :mod:`costcalc.config.device_profiles`)
with the keys of :data:`PROFILE_KEYS`; ``costcalc bench --calibrate`` measures one for the current machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROFILE_KEYS = ("name", "description", "source", "peak_macs", "bandwidth", "bandwidth_by_size", "threads", "dtype")
BANDWIDTH_SIZES = (32 << 10, 256 << 10, 2 << 20, 16 << 20, 128 << 20)
"""Working sets ``costcalc bench --calibrate`` copies (32 KiB, 256 KiB, 2 MiB, 16 MiB, 128 MiB): L1-, L2-,
L3-sized and two beyond (main memory)."""
MAX_WORKING_SET = 1 << 50
"""The largest working-set size a profile may name (1 PiB)."""
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


def check_size(size: Any) -> str | None:
    """Why ``size`` cannot be a working-set size in bytes (``None`` when it can): an integer in [1, 2⁵⁰]."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_WORKING_SET:
        return f"a working-set size must be an integer number of bytes from 1 to 2^50, got {size!r}"
    return None


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
    bandwidth_by_size: tuple[tuple[int, float], ...] = ()
    """``(working-set bytes, bytes/s)`` pairs, sizes ascending: copy bandwidth measured at each size."""

    def __post_init__(self) -> None:
        for key in PROFILE_RANGES:
            problem = check_rate(key, getattr(self, key))
            if problem:
                raise ValueError(problem)
        sizes = [size for size, _ in self.bandwidth_by_size]
        if sizes != sorted(set(sizes)):
            raise ValueError(f"bandwidth_by_size must list each working-set size once, ascending, got {sizes}")
        for size, rate in self.bandwidth_by_size:
            problem = check_size(size) or check_rate("bandwidth", rate)
            if problem:
                raise ValueError(problem)

    def bandwidth_for(self, nbytes: int) -> float:
        """The bandwidth a working set of ``nbytes`` may reach: the best measured at the largest calibrated size
        not above it, or at any larger size (so a noisy, non-monotone calibration still gives a bound), and
        never below ``bandwidth``. A working set smaller than every calibrated size takes the best of all;
        without ``bandwidth_by_size``, ``bandwidth``."""
        if not self.bandwidth_by_size:
            return self.bandwidth
        start = max((index for index, (size, _) in enumerate(self.bandwidth_by_size) if size <= nbytes), default=0)
        return max(self.bandwidth, *(rate for _, rate in self.bandwidth_by_size[start:]))

    @property
    def ridge(self) -> float:
        """The ridge point: MACs per byte above which a layer is compute-bound."""
        return self.peak_macs / self.bandwidth

    def as_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "description": self.description, "source": self.source,
                "peak_macs": self.peak_macs, "bandwidth": self.bandwidth, "threads": self.threads,
                "dtype": self.dtype, "bandwidth_by_size": dict(self.bandwidth_by_size) or None}
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

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.compute_s + other.compute_s, self.memory_s + other.memory_s,
                        self.seconds + other.seconds)


ZERO = Estimate(0.0, 0.0, 0.0)


def estimate(macs: int, nbytes: int, profile: DeviceProfile) -> Estimate:
    """``max(macs / peak_macs, bytes / bandwidth)`` with both terms kept; ``bandwidth`` for a working set of
    ``bytes`` (:meth:`DeviceProfile.bandwidth_for`)."""
    compute, memory = macs / profile.peak_macs, nbytes / profile.bandwidth_for(nbytes)
    return Estimate(compute, memory, max(compute, memory))


def estimate_sequence(costs: list[tuple[int, int]], profile: DeviceProfile) -> Estimate:
    """The bound of layers run one after another: the sum of each ``(macs, bytes)`` layer's bound.

    ``bound`` of the sum names the roof that dominates the summed compute and memory terms.
    """
    total = ZERO
    for macs, nbytes in costs:
        total = total + estimate(macs, nbytes, profile)
    return total
