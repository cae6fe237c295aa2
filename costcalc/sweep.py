"""Design-space sweeps: grids of network options, costed analytically, with a reference and a Pareto front.

The MobileNet paper (Howard et al. 2017, §3.3–3.4, Tables 6–7) and TF-slim's 16-model table
(``research/slim/nets/mobilenet_v1.md``) sweep the width multiplier α against the input
resolution; ShuffleNet (Zhang et al. 2018, Tables 1, 2 and 5) sweeps groups ``g`` against the
scale ``s×`` and pairs its networks with MobileNets of equal complexity. A sweep here is the
cartesian product of option lists for one or more zoo networks (:data:`costcalc.zoo.MODELS`),
each configuration costed with :func:`costcalc.cost.cost` through a per-child cache
(:class:`CostCache`), so ten thousand configurations cost seconds.

Pure Python, exact integers; never imports torch or matplotlib.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from costcalc.cost import cost
from costcalc.specs import Network, Sequential, Shape, SpecError

OPTION_TYPES: dict[str, type] = {"alpha": float, "res": int, "groups": int, "scale": float, "classes": int}
"""Every sweepable option of ``costcalc model`` and the type of its values."""

SHORT = {"alpha": "α", "res": "r", "groups": "g", "scale": "s", "classes": "c"}
QUANTITY = re.compile(r"^\s*([0-9]{1,18}(?:\.[0-9]{1,18})?)\s*([kKmMgG]?)\s*$")
SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}


class SweepError(ValueError):
    """A bad option list, reference, target or sweep file (shown as one ``Error:`` line, exit 2)."""


# ---------------------------------------------------------------------------------------------- parsing
def parse_value(text: str, option: str) -> int | float:
    """One value of ``option``: a positive integer (res, groups, classes) or positive number (alpha, scale)."""
    from costcalc.options import number_problem

    kind = OPTION_TYPES[option]
    word = "a positive integer" if kind is int else "a positive number"
    problem = number_problem(text, integer=kind is int)
    if problem:
        raise SweepError(f"--{option} values must each be {word}: {problem}")
    try:
        value: int | float = kind(text.strip())
    except ValueError:
        raise SweepError(f"--{option} values must each be {word}, got {text.strip()!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SweepError(f"--{option} values must each be {word}, got {text.strip()!r}")
    return value


def parse_values(text: Any, option: str) -> tuple[int | float, ...]:
    """``"0.25,0.5,1.0"`` → ``(0.25, 0.5, 1.0)``; a list (from YAML) is taken item by item.

    Raises :class:`SweepError` for an empty list, a non-numeric or non-positive item and duplicates.
    """
    if option not in OPTION_TYPES:
        raise SweepError(f"unknown option {option!r}; sweepable: {', '.join(OPTION_TYPES)}")
    items = [str(item) for item in text] if isinstance(text, (list, tuple)) else str(text).split(",")
    if not items or any(not item.strip() for item in items):
        raise SweepError(f"--{option} needs a comma-separated list of values (e.g. --{option} "
                         f"{'0.5,1.0' if OPTION_TYPES[option] is float else '128,224'}), got {text!r}")
    values = tuple(parse_value(item, option) for item in items)
    seen: set = set()
    for item, value in zip(items, values):
        if value in seen:
            raise SweepError(f"--{option} lists {item.strip()} twice; give each value once")
        seen.add(value)
    return values


def parse_quantity(text: str) -> int:
    """``140M`` → 140,000,000; ``1.5G``, ``800k`` and plain integers too."""
    match = QUANTITY.match(str(text))
    if not match:
        raise SweepError(f"--near must be a count like 140M, 1.5G, 800k or 140000000, got {text!r}")
    value = Fraction(match.group(1)) * SUFFIX[match.group(2).lower()]
    if value <= 0:
        raise SweepError(f"--near must be positive, got {text!r}")
    return round(value)


def parse_reference(text: str) -> tuple[str | None, dict[str, int | float]]:
    """``[MODEL:]key=value,key=value`` → (model or None, options)."""
    model, _, body = str(text).rpartition(":")
    options: dict[str, int | float] = {}
    for part in body.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SweepError(f"--reference must look like alpha=1.0,res=224 (optionally MODEL:...), got {text!r}")
        if key not in OPTION_TYPES:
            raise SweepError(f"--reference: unknown option {key!r}; valid: {', '.join(OPTION_TYPES)}")
        options[key] = parse_value(value, key)
    return (model.strip() or None), options


# ------------------------------------------------------------------------------------------------ model
@dataclass(frozen=True)
class Config:
    """One configuration: a zoo model name and the full keyword arguments of its ``build``."""

    model: str
    options: tuple[tuple[str, Any], ...]

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.options)

    def label(self, keys: tuple[str, ...] | None = None, short: bool = False) -> str:
        """``alpha=0.5 res=224`` (only ``keys`` when given); ``α0.5 r224`` when ``short``."""
        keys = tuple(key for key, _ in self.options) if keys is None else keys
        values = self.kwargs
        if short:
            return " ".join(f"{values[key]:g}×" if key == "scale" else f"{SHORT[key]}{values[key]:g}"
                            for key in keys) or "default"
        return " ".join(f"{key}={values[key]}" for key in keys) or "default"


@dataclass
class Row:
    """A costed configuration: MACs and params (``None`` with a ``note`` when the configuration is invalid)."""

    config: Config
    macs: int | None = None
    params: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.macs is not None


@dataclass
class Plan:
    """One network's part of a sweep: its zoo entry and the values of each option it takes."""

    entry: Any
    axes: dict[str, tuple[Any, ...]]

    @property
    def varying(self) -> tuple[str, ...]:
        """Options with more than one value, in the order given."""
        return tuple(key for key, values in self.axes.items() if len(values) > 1)

    @property
    def labelled(self) -> tuple[str, ...]:
        """Options that name a configuration: the varying ones and any single value off its default."""
        return tuple(key for key, values in self.axes.items()
                     if len(values) > 1 or values[0] != self.entry.defaults.get(key))

    def configs(self) -> list[Config]:
        """The cartesian product of the axes, the first axis varying slowest; other options at their defaults."""
        keys = list(self.axes)
        configs = []
        for values in itertools.product(*(self.axes[key] for key in keys)):
            options = {**self.entry.defaults, **dict(zip(keys, values))}
            configs.append(Config(self.entry.name, tuple((key, options[key]) for key in self.entry.grid_options)))
        return configs


def assign(entries: list[Any], axes: dict[str, tuple[Any, ...]]) -> tuple[list[Plan], dict[str, list[str]]]:
    """Give each option to the networks that accept it; every option must go somewhere.

    Returns the plans and, per option, the names of the networks it went to.
    """
    where = {key: [entry.name for entry in entries if key in entry.grid_options] for key in axes}
    for key, names in where.items():
        if not names:
            raise SweepError(f"--{key} applies to none of {', '.join(entry.name for entry in entries)}; "
                             f"their options: {', '.join(sorted({o for e in entries for o in e.options}))}")
    plans = [Plan(entry, {key: values for key, values in axes.items() if key in entry.grid_options}) for entry in entries]
    return plans, where


def check_values(plan: Plan) -> None:
    """Every listed value must build on its own (other options at their defaults), else a usage error.

    Values that only fail in combination (ShuffleNet ``g=4`` at ``0.5×``) become notes on their rows.
    """
    for key, values in plan.axes.items():
        for value in values:
            try:
                plan.entry.build(**{**plan.entry.defaults, key: value})
            except SpecError as error:
                raise SweepError(f"--{key} {value}: {plan.entry.name}: {error}") from None


# ------------------------------------------------------------------------------------------------- cost
class CostCache:
    """Network totals through a cache of ``(child spec, input shape) → (MACs, params, output)``.

    A sweep builds thousands of networks that share most of their blocks (the same block at the same
    map size recurs across widths, resolutions and class counts), so each top-level child of a
    :class:`~costcalc.specs.Sequential` body is costed once with :func:`costcalc.cost.cost`.
    Totals equal ``cost(network.body, network.input_shape)`` exactly (sums of exact ints).
    """

    def __init__(self) -> None:
        self.children: dict[tuple[Any, Shape], tuple[int, int, Shape]] = {}
        self.hits = 0
        self.misses = 0

    def child(self, spec: Any, shape: Shape) -> tuple[int, int, Shape]:
        key = (spec, shape)
        found = self.children.get(key)
        if found is None:
            self.misses += 1
            report = cost(spec, shape)
            found = self.children[key] = (report.macs, report.params, report.output)
        else:
            self.hits += 1
        return found

    def totals(self, network: Network) -> tuple[int, int]:
        """``(macs, params)`` of ``network`` (conv + FC MACs; ``sum(p.numel())`` params)."""
        body, shape = network.body, network.input_shape
        if not isinstance(body, Sequential):
            return self.child(body, shape)[:2]
        macs = params = 0
        for _, child in body.children:
            child_macs, child_params, shape = self.child(child, shape)
            macs += child_macs
            params += child_params
        return macs, params


def cost_config(config: Config, entry: Any, cache: CostCache) -> Row:
    """Build and cost one configuration; an invalid combination gives a row with a note."""
    try:
        network = entry.build(**config.kwargs)
        macs, params = cache.totals(network)
    except SpecError as error:
        return Row(config, note=str(error))
    return Row(config, macs, params)


def run(plans: list[Plan], cache: CostCache | None = None) -> list[Row]:
    """Every configuration of every plan, costed (duplicates across plans dropped)."""
    cache = cache or CostCache()
    rows, seen = [], set()
    for plan in plans:
        for config in plan.configs():
            if config in seen:
                continue
            seen.add(config)
            rows.append(cost_config(config, plan.entry, cache))
    return rows


# --------------------------------------------------------------------------------------- comparisons
def reference_config(text: str | None, plans: list[Plan], rows: list[Row]) -> Config:
    """The configuration ratios are taken against.

    ``text`` is ``[MODEL:]key=value,...``: unnamed options take the grid's value when the grid has
    one, else the model's default (the reference need not be in the grid). Without ``text``: the
    first network's default configuration if it is in the grid, else its first valid row.
    """
    if text is None:
        entry = plans[0].entry
        default = Config(entry.name, tuple((key, entry.defaults[key]) for key in entry.grid_options))
        valid = [row.config for row in rows if row.valid]
        if default in valid:
            return default
        ours = [config for config in valid if config.model == entry.name]
        return (ours or valid or [rows[0].config])[0]
    model, given = parse_reference(text)
    if model is None:
        plan = plans[0]
        if len({p.entry.name for p in plans}) > 1:
            takers = [p for p in plans if set(given) <= set(p.entry.grid_options)]
            if not takers:
                raise SweepError(f"--reference {text!r}: no network in the sweep takes {', '.join(given)}")
            plan = takers[0]
    else:
        matches = [p for p in plans if model.lower().replace("-", "_") in (p.entry.name, *p.entry.aliases)]
        if not matches:
            raise SweepError(f"--reference {text!r}: {model!r} is not in the sweep "
                             f"({', '.join(p.entry.name for p in plans)})")
        plan = matches[0]
    entry = plan.entry
    wrong = [key for key in given if key not in entry.grid_options]
    if wrong:
        raise SweepError(f"--reference: {entry.name} takes no {wrong[0]!r}; its options: {', '.join(entry.grid_options)}")
    options = {key: plan.axes[key][0] if len(plan.axes.get(key, ())) == 1 else entry.defaults[key]
               for key in entry.grid_options}
    options.update(given)
    return Config(entry.name, tuple((key, options[key]) for key in entry.grid_options))


def ratio(value: int | None, reference: int | None) -> Fraction | None:
    """``value / reference`` exactly, or ``None``."""
    if value is None or not reference:
        return None
    return Fraction(value, reference)


def pareto(points: list[tuple[int, int]]) -> list[bool]:
    """Which points are Pareto-optimal for (MACs, params), both minimised.

    A point is dominated when another has no more MACs and no more params and differs in one.
    Sorted sweep, ``O(n log n)``: a point survives when its params are below every point with fewer
    MACs and the least among the points with its MACs (identical points survive together).
    """
    flags = [False] * len(points)
    order = sorted(range(len(points)), key=lambda index: points[index])
    best_before = math.inf
    start = 0
    while start < len(order):
        macs = points[order[start]][0]
        end = start
        while end < len(order) and points[order[end]][0] == macs:
            end += 1
        least = points[order[start]][1]
        for index in order[start:end]:
            flags[index] = points[index][1] == least and least < best_before
        best_before = min(best_before, least)
        start = end
    return flags


def log_distance(value: int, target: int) -> float:
    """``|ln(value / target)|``: 10 % above and 1/1.1 below the target are equally near."""
    return abs(math.log(value / target))


def closest_per_model(rows: list[Row], target: int,
                      count: Callable[[int], int | float] = lambda macs: macs) -> dict[str, Row]:
    """For each model, its valid row whose ``count(MACs)`` (the count in the display unit) is nearest ``target``."""
    best: dict[str, Row] = {}
    for row in rows:
        if not row.valid:
            continue
        current = best.get(row.config.model)
        if current is None or log_distance(count(row.macs), target) < log_distance(count(current.macs), target):
            best[row.config.model] = row
    return best


def nearest_other(row: Row, rows: list[Row]) -> Row | None:
    """The valid row of *another* network with the MACs nearest ``row``'s (ShuffleNet Table 5 pairs)."""
    others = [other for other in rows if other.valid and other.config.model != row.config.model]
    if not row.valid or not others:
        return None
    return min(others, key=lambda other: log_distance(other.macs, row.macs))
