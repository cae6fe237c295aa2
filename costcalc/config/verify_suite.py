"""The targets ``costcalc verify`` checks: the YAML suite (``configs/verify.yaml``) and seeded random specs.

Pure Python (no torch): a :class:`Target` is a name, a spec and its input shape. Suite entries are
a layer or block kind of :data:`costcalc.engine.kinds.KINDS` with its arguments, a ``compare`` layer
(one target per applicable compare row, named ``NAME/ROW``) or a ``model`` of
:data:`costcalc.engine.zoo.MODELS` with its options; the format is documented at the top of the YAML.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costcalc.config.config_file import SHIPPED_CONFIGS, ConfigError, ConfigFile
from costcalc.engine import specs as S
from costcalc.engine.cost import cost
from costcalc.spelling import closest

DEFAULT_SUITE = SHIPPED_CONFIGS / "verify.yaml"
"""``configs/verify.yaml``, the CI suite; installed with the package (see ``pyproject.toml``)."""
ENTRY_KEYS = ("name", "kind", "args", "input", "compare", "model", "options")


@dataclass(frozen=True)
class Target:
    """One thing to verify: a spec (layer, block, container or network) on an input shape."""

    name: str
    spec: Any
    input: S.Shape


def _kind_targets(name: str, entry: dict[str, Any]) -> list[Target]:
    from costcalc.engine.kinds import KINDS_BY_NAME

    kind = entry["kind"]
    if not isinstance(kind, str) or kind not in KINDS_BY_NAME:
        raise S.SpecError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS_BY_NAME)}"
                          f"{closest(kind, KINDS_BY_NAME)}")
    args = entry.get("args") or {}
    if not isinstance(args, dict):
        raise S.SpecError(f"args must be a mapping of {kind} arguments, got {args!r}")
    from costcalc.engine.kind_keys import argument_problem

    problem = argument_problem(KINDS_BY_NAME[kind], args)
    if problem:
        raise S.SpecError(f"bad arguments: {problem}")
    spec = KINDS_BY_NAME[kind].build(**args)
    shape = entry.get("input")
    if not (isinstance(shape, list) and len(shape) == 3):
        raise S.SpecError(f"input must be [C, H, W], got {shape!r}")
    shape = S.Shape(*(S.check_int(side, "input") for side in shape))
    cost(spec, shape)
    return [Target(name, spec, shape)]


def _compare_targets(name: str, entry: dict[str, Any]) -> list[Target]:
    from costcalc.engine.compare import LayerQuery, compare_layer

    layer = entry["compare"]
    if not isinstance(layer, dict):
        raise S.SpecError(f"compare must be a mapping of layer keys, got {layer!r}")
    query = LayerQuery.from_mapping(layer)
    return [Target(f"{name}/{row.name}", row.spec, row.input) for row in compare_layer(query)
            if row.report is not None and row.input is not None]


def _model_targets(name: str, entry: dict[str, Any]) -> list[Target]:
    from costcalc.engine import zoo

    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise S.SpecError(f"options must be a mapping, got {options!r}")
    model = zoo.lookup(entry["model"])  # SpecError naming the valid models for a non-string or unknown name
    unknown = [key for key in options if key not in model.options]
    if unknown:
        raise S.SpecError(f"unknown option {unknown[0]!r} for {model.name} under options; expected one of "
                          f"{', '.join(model.options)}{closest(unknown[0], model.options)}")
    try:
        network = model.build(**options)
    except TypeError as error:
        raise S.SpecError(f"bad options for {model.name}: {error}") from None
    return [Target(name, network, network.input_shape)]


SOURCES: dict[str, Callable[[str, dict[str, Any]], list[Target]]] = {
    "kind": _kind_targets, "compare": _compare_targets, "model": _model_targets}


def load_suite(path: str | Path = DEFAULT_SUITE) -> list[Target]:
    """Every target of a suite file, in file order; a bad entry raises :class:`ConfigError` at its line."""
    config = ConfigFile(path)
    data = config.mapping((), config.data, ("items",), "a verify suite")
    entries = data.get("items")
    if not isinstance(entries, list) or not entries:
        raise config.error(("items",), f"items must be a non-empty list of entries, got {entries!r}")
    targets: list[Target] = []
    for index, entry in enumerate(entries):
        where = ("items", index)
        config.mapping(where, entry, ENTRY_KEYS, "a verify entry")
        sources = [key for key in SOURCES if key in entry]
        if len(sources) != 1 or not isinstance(entry.get("name"), str):
            raise config.error(where, "each entry needs a string name and exactly one of kind, compare, model")
        for key in ("compare", "args", "options"):  # mappings of names: a key such as 5 or true is named at its line
            if isinstance(entry.get(key), dict):
                for inner in entry[key]:
                    if not isinstance(inner, str):
                        raise config.error(where + (key, inner), f"{entry['name']}: {key} keys must be names "
                                                                 f"(text), got {type(inner).__name__} {inner!r}")
        try:
            targets.extend(SOURCES[sources[0]](entry["name"], entry))
        except (S.SpecError, ValueError) as error:
            raise config.error(where + (sources[0],), f"{entry['name']}: {error}") from None
    repeated = sorted(name for name, count in Counter(target.name for target in targets).items() if count > 1)
    if repeated:
        raise ConfigError(f"{config.path}: target names must be unique, repeated: {', '.join(repeated)}")
    return targets


def select(targets: list[Target], names: tuple[str, ...], source: str | Path = "configs/verify.yaml") -> list[Target]:
    """The targets named (exactly, or as the ``NAME`` of ``NAME/ROW`` compare targets); all when none named.

    An unknown name raises :class:`ConfigError` naming the closest target and the suite ``source``.
    """
    if not names:
        return targets
    chosen: list[Target] = []
    seen: set[str] = set()
    for name in names:
        matched = [target for target in targets if target.name == name or target.name.startswith(f"{name}/")]
        if not matched:
            choices = {target.name for target in targets} | {target.name.split("/")[0] for target in targets}
            raise ConfigError(f"unknown verify target {name!r}{closest(name, choices)} (see {source})")
        chosen.extend(target for target in matched if target.name not in seen)
        seen.update(target.name for target in matched)
    return chosen


def _pair(rng: random.Random, low: int, high: int) -> tuple[int, int]:
    return (rng.randint(low, high), rng.randint(low, high))


def _random_conv(rng: random.Random) -> tuple[Any, S.Shape]:
    groups = rng.choice((1, 1, 2, 3, 4))
    kernel, dilation = _pair(rng, 1, 5), _pair(rng, 1, 2)
    pair = _pair(rng, 0, 2)  # the pair is drawn before the sides: a --seed keeps naming the same targets
    sides = (rng.randint(0, 2), rng.randint(0, 2), rng.randint(0, 2), rng.randint(0, 2))
    padding = rng.choice((None, pair, sides))
    spec = S.Conv2d(groups * rng.randint(1, 6), groups * rng.randint(1, 6), kernel, _pair(rng, 1, 3), padding,
                    dilation, groups, rng.random() < 0.3)
    return spec, S.Shape(spec.in_channels, *_pair(rng, 1, 20))


def _random_depthwise(rng: random.Random) -> tuple[Any, S.Shape]:
    channels = rng.randint(1, 16)
    spec = S.depthwise(channels, _pair(rng, 1, 5), _pair(rng, 1, 2), rng.randint(1, 2), dilation=_pair(rng, 1, 2))
    return spec, S.Shape(channels, *_pair(rng, 1, 20))


def _random_separable(rng: random.Random) -> tuple[Any, S.Shape]:
    spec = S.DepthwiseSeparable(rng.randint(1, 16), rng.randint(1, 32), _pair(rng, 1, 5), _pair(rng, 1, 2),
                                rng.choice(S.ACTIVATIONS))
    return spec, S.Shape(spec.in_channels, *_pair(rng, 3, 20))


def _random_shuffle_unit(rng: random.Random) -> tuple[Any, S.Shape]:
    groups, stride = rng.randint(1, 4), rng.choice((1, 2))
    channels = groups * rng.randint(1, 6)
    out = channels if stride == 1 else channels + groups * rng.randint(1, 6)
    spec = S.ShuffleUnit(channels, out, groups, stride, groups * rng.randint(1, 3), rng.random() < 0.8)
    return spec, S.Shape(channels, *_pair(rng, 2, 16))


def _random_bottleneck(rng: random.Random) -> tuple[Any, S.Shape]:
    groups = rng.choice((1, 2, 4))
    shortcut = rng.choice(S.SHORTCUTS)
    channels = rng.randint(1, 24)
    stride = 2 if shortcut == "avgpool" else (1 if shortcut == "identity" else rng.choice((1, 2)))
    out = channels if shortcut == "identity" else channels + rng.randint(1, 24)
    spec = S.Bottleneck(channels, out, groups * rng.randint(1, 4), groups, stride, shortcut)
    return spec, S.Shape(channels, *_pair(rng, 2, 16))


def _random_effnet(rng: random.Random) -> tuple[Any, S.Shape]:
    spec = S.EffNetBlock(rng.randint(1, 16), rng.randint(1, 32), rng.randint(1, 16), rng.choice((1, 3, 5)))
    return spec, S.Shape(spec.in_channels, *_pair(rng, 2, 20))


def _random_pool(rng: random.Random) -> tuple[Any, S.Shape]:
    kernel = _pair(rng, 1, 4)
    spec = S.Pool2d(rng.choice(S.POOL_MODES), kernel, _pair(rng, 1, 3),
                    (rng.randint(0, kernel[0] // 2), rng.randint(0, kernel[1] // 2)))
    return spec, S.Shape(rng.randint(1, 8), *_pair(rng, 1, 16))


RANDOM_SPECS: dict[str, Callable[[random.Random], tuple[Any, S.Shape]]] = {
    "conv": _random_conv, "depthwise": _random_depthwise, "separable": _random_separable,
    "shuffle_unit": _random_shuffle_unit, "bottleneck": _random_bottleneck, "effnet_block": _random_effnet,
    "pool": _random_pool}


def random_target(rng: random.Random, name: str) -> Target:
    """A random valid spec of a random kind (redrawn until it validates at its input shape)."""
    while True:
        kind = rng.choice(sorted(RANDOM_SPECS))
        try:
            spec, shape = RANDOM_SPECS[kind](rng)
            cost(spec, shape)
        except S.SpecError:
            continue
        return Target(f"{name}-{kind}", spec, shape)


def random_targets(count: int, seed: int) -> list[Target]:
    """``count`` random targets, reproducible from ``seed`` (named ``random-SEED-I-KIND``)."""
    rng = random.Random(seed)
    return [random_target(rng, f"random-{seed}-{index}") for index in range(count)]
