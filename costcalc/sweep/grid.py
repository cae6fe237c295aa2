"""Design-space sweeps: grids of network options, costed analytically, with a reference and a Pareto front.

The MobileNet paper (Howard et al. 2017, §3.3–3.4, Tables 6–7) and TF-slim's 16-model table
(``research/slim/nets/mobilenet_v1.md``) sweep the width multiplier α against the input
resolution; ShuffleNet (Zhang et al. 2018, Tables 1, 2 and 5) sweeps groups ``g`` against the
scale ``s×`` and pairs its networks with MobileNets of equal complexity. A sweep here is the
cartesian product of option lists for one or more zoo networks (:data:`costcalc.engine.zoo.MODELS`),
each configuration costed exactly from its spatial and channel terms
(:mod:`costcalc.sweep.grid_cost`), so ten thousand configurations cost well under a second, and each
carries its published ImageNet top-1 where one exists (never interpolated).

Pure Python, exact integers; never imports torch or matplotlib.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from costcalc.engine.network_options import NETWORK_OPTIONS
from costcalc.number_rule import DIGITS
from costcalc.sweep.grid_cost import cost_grid

OPTION_TYPES: dict[str, type] = {name: option.type for name, option in NETWORK_OPTIONS.items() if not option.switch}
"""Every network option that takes a list in a sweep, and the type of its values (a name, such as
MobileNetV3's ``size`` or EfficientNet's ``variant``, is checked by its network)."""
EXAMPLES = {float: "0.5,1.0", int: "128,224", str: "b0,b1"}
FLAGS = tuple(name for name, option in NETWORK_OPTIONS.items() if option.switch)
"""Network options that are switches: a sweep sets them for every configuration."""

QUANTITY = re.compile(rf"^\s*({DIGITS}(?:\.{DIGITS})?)\s*([kKmMgG]?)\s*$")
SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}


MAX_CONFIGURATIONS = 100_000
"""The most configurations one sweep costs (the product of its option lists, summed over its networks):
counted by :func:`check_size` from the lists alone, before any configuration is built, since each costed
row holds about 2 KB (a 4.8 KB sweep file asking for 27,000,000 configurations would need some 60 GB)."""


class SweepError(ValueError):
    """A bad option list, reference, target or sweep file (shown as one ``Error:`` line, exit 2)."""


# ---------------------------------------------------------------------------------------------- parsing
def parse_value(text: str, option: str) -> int | float | str:
    """One value of ``option``: a positive integer (res, groups, classes), a positive number (alpha,
    scale) or a name (size, variant)."""
    from costcalc.number_rule import number_problem

    kind = OPTION_TYPES[option]
    if kind is str:
        return text.strip().lower()
    word = "a positive integer" if kind is int else "a positive number"
    problem = number_problem(text, integer=kind is int)
    if problem:
        raise SweepError(f"--{option} values must each be {word}: {problem}")
    try:
        value: int | float = kind(text.strip())
    except ValueError:
        raise SweepError(f"--{option} values must each be {word}, got {text.strip()!r}") from None
    if value <= 0:  # finite: number_problem refused nan, inf and overflow
        raise SweepError(f"--{option} values must each be {word}, got {text.strip()!r}")
    return value


def parse_values(text: Any, option: str) -> tuple[int | float | str, ...]:
    """``"0.25,0.5,1.0"`` → ``(0.25, 0.5, 1.0)`` (names stay names: ``"b0,b1"`` → ``("b0", "b1")``); a list
    (from YAML) is taken item by item.

    Raises :class:`SweepError` for an empty list, a non-numeric or non-positive item and duplicates.
    """
    if option not in OPTION_TYPES:
        raise SweepError(f"unknown option {option!r}; sweepable: {', '.join(OPTION_TYPES)}")
    items = [str(item) for item in text] if isinstance(text, (list, tuple)) else str(text).split(",")
    if not items or any(not item.strip() for item in items):
        raise SweepError(f"--{option} needs a comma-separated list of values (e.g. --{option} "
                         f"{EXAMPLES[OPTION_TYPES[option]]}), got {text!r}")
    values = tuple(parse_value(item, option) for item in items)
    seen: set[int | float | str] = set()
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
    value = round(Fraction(match.group(1)) * SUFFIX[match.group(2).lower()])
    if value < 1:
        raise SweepError(f"--near must be a count of at least 1, got {text!r}")
    return value


def parse_reference(text: str) -> tuple[str | None, dict[str, int | float | str]]:
    """``[MODEL:]key=value,key=value`` → (model or None, options)."""
    model, _, body = str(text).rpartition(":")
    options: dict[str, int | float | str] = {}
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
        """``alpha=0.5 res=224`` (only ``keys`` when given); ``α0.5 r224`` when ``short``; a flag
        (``shallow``) by its name."""
        keys = tuple(key for key, _ in self.options) if keys is None else keys
        values = self.kwargs
        if short:
            return " ".join(NETWORK_OPTIONS[key].short(values[key]) for key in keys) or "default"
        return " ".join(key if key in FLAGS else f"{key}={values[key]}" for key in keys) or "default"


@dataclass
class Row:
    """A costed configuration: MACs, params and the published top-1 (``None`` where nothing is
    published); ``macs is None`` with a ``note`` when the configuration is invalid."""

    config: Config
    macs: int | None = None
    params: int | None = None
    note: str = ""
    top1: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.macs is not None


@dataclass
class Plan:
    """One network's part of a sweep: its zoo entry, the values of each option it takes, and where each
    option was given (``origin``: ``--alpha`` or a sweep file's ``path:line: alpha``), for errors."""

    entry: Any
    axes: dict[str, tuple[Any, ...]]
    origin: dict[str, str] = field(default_factory=dict)

    @property
    def varying(self) -> tuple[str, ...]:
        """Options with more than one value, in the order given."""
        return tuple(key for key, values in self.axes.items() if len(values) > 1)

    @property
    def labelled(self) -> tuple[str, ...]:
        """Options that name a configuration: the varying ones and any single value off its default."""
        return tuple(key for key, values in self.axes.items()
                     if len(values) > 1 or values[0] != self.entry.defaults.get(key))

    @property
    def option_names(self) -> tuple[str, ...]:
        """The options every configuration spells out: the network's sweepable ones, then flags set."""
        return self.entry.grid_options + tuple(key for key in self.axes if key not in self.entry.grid_options)

    def config(self, options: dict[str, Any]) -> Config:
        """The configuration of ``options``; options not given take the grid's single value or the default."""
        fixed = {key: values[0] for key, values in self.axes.items() if len(values) == 1}
        merged = {**self.entry.defaults, **fixed, **options}
        return Config(self.entry.name, tuple((key, merged[key]) for key in self.option_names))

    def configs(self) -> list[Config]:
        """The cartesian product of the axes, the first axis varying slowest; other options at their defaults."""
        keys, name = list(self.axes), self.entry.name
        slots = [(option, keys.index(option) if option in self.axes else None) for option in self.option_names]
        defaults = self.entry.defaults
        return [Config(name, tuple((option, defaults[option] if at is None else values[at]) for option, at in slots))
                for values in itertools.product(*(self.axes[key] for key in keys))]


def check_size(plans: list[Plan]) -> None:
    """Refuse a sweep of more than :data:`MAX_CONFIGURATIONS` configurations, naming the count and each
    network's lists (``mobilenet: 300 alpha × 300 res``), before any configuration is built."""
    sizes = [math.prod(len(values) for values in plan.axes.values()) for plan in plans]
    total = sum(sizes)
    if total > MAX_CONFIGURATIONS:
        parts = "; ".join(f"{plan.entry.name}: "
                          + " × ".join(f"{len(values):,} {key}" for key, values in plan.axes.items())
                          for plan in plans)
        raise SweepError(f"the sweep asks for {total:,} configurations ({parts}); a sweep costs at most "
                         f"{MAX_CONFIGURATIONS:,}: shorten the lists or split the sweep")


def assign(entries: list[Any], axes: dict[str, tuple[Any, ...]]) -> tuple[list[Plan], dict[str, list[str]]]:
    """Give each option to the networks that accept it; every option must go somewhere.

    Returns the plans and, per option, the names of the networks it went to.
    """
    where = {key: [entry.name for entry in entries if key in entry.options] for key in axes}
    for key, names in where.items():
        if not names:
            raise SweepError(f"--{key} applies to none of {', '.join(entry.name for entry in entries)}; "
                             f"their options: {', '.join(sorted({o for e in entries for o in e.options}))}")
    plans = [Plan(entry, {key: values for key, values in axes.items() if key in entry.options}) for entry in entries]
    return plans, where


# ------------------------------------------------------------------------------------------------- cost
def published_top1(entry: Any, config: Config) -> Any:
    """The configuration's published top-1 (:func:`costcalc.engine.zoo.top1`), looked up with the options as the
    network states them: an option left to its builder (EfficientNet's ``res: None``) at the value the
    entry derives for it (:meth:`~costcalc.engine.zoo.ModelEntry.resolve`: the variant's native resolution)."""
    from costcalc.engine.zoo import top1

    return top1(entry, entry.resolve(config.kwargs))


def run(plans: list[Plan]) -> list[Row]:
    """Every configuration of every plan, costed (:func:`costcalc.sweep.grid_cost.cost_grid`), with its
    published top-1 (``None`` where nothing is published), duplicates across plans dropped."""
    rows, seen = [], set()
    for plan in plans:
        configs = [config for config in dict.fromkeys(plan.configs()) if config not in seen]
        seen.update(configs)
        for config, (macs, params, note) in zip(configs, cost_grid(plan.entry, configs)):
            rows.append(Row(config, macs, params, note, published_top1(plan.entry, config) if note == "" else None))
    return rows


def unusable_values(plan: Plan, rows: list[Row]) -> SweepError | None:
    """A listed value that no configuration of the grid can use (each of its rows is invalid), as an error
    naming the value, the network and why; values that only fail in some combinations stay rows with notes."""
    usable: set[tuple[str, Any]] = set()
    first_note: dict[tuple[str, Any], str] = {}
    for row in rows:
        if row.config.model != plan.entry.name:
            continue
        for key, value in row.config.options:
            if row.valid:
                usable.add((key, value))
            else:
                first_note.setdefault((key, value), row.note)
    for key, values in plan.axes.items():
        for value in values:
            if (key, value) not in usable and (key, value) in first_note:
                where = plan.origin.get(key, f"--{key}")
                return SweepError(f"{where} {value}: {plan.entry.name}: {first_note[(key, value)]}")
    return None


# --------------------------------------------------------------------------------------- comparisons
def reference_config(text: str | None, plans: list[Plan], rows: list[Row]) -> Config:
    """The configuration ratios are taken against.

    ``text`` is ``[MODEL:]key=value,...``: unnamed options take the grid's value when the grid has
    one, else the model's default (the reference need not be in the grid). Without ``text``: the
    first network's default configuration if it is in the grid, else its first valid row.
    """
    if text is None:
        plan = plans[0]
        default = plan.config({})
        valid = [row.config for row in rows if row.valid]
        if default in valid:
            return default
        ours = [config for config in valid if config.model == plan.entry.name]
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
        raise SweepError(f"--reference: {entry.name} takes no {wrong[0]!r}; "
                         f"its options: {', '.join(entry.grid_options)}")
    return plan.config(given)
