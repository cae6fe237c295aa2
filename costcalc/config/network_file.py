"""User-defined networks in YAML (``costcalc model --config FILE``).

A network file names its input and lists layers and blocks with the vocabulary of
:data:`costcalc.engine.kinds.KINDS`; every ``in_channels`` (and a linear layer's ``in_features``) is
inferred from the running shape, so a file only says what each layer *produces*::

    name: tiny-mobilenet
    input: 3x96x96             # C×H×W, or a list [3, 96, 96]
    layers:
      - {kind: conv, out: 16, stride: 2, bn: true, act: relu}
      - {kind: separable, out: 32}
      - {kind: separable, out: 64, stride: 2, repeat: 2}   # first repeat at stride 2, the rest 1
      - {kind: global_avgpool}
      - {kind: flatten}
      - {kind: linear, out: 10}

``repeat: n`` stacks ``n`` copies named ``NAME_1 … NAME_n`` whose first has the given ``stride``
and the others stride 1 (the "n, s" convention of the MobileNet v2 / ShuffleNet tables).
Convolution kinds take ``bn: true`` and ``act: relu|relu6|leaky_relu|hardswish|swish|sigmoid|hardsigmoid``
to append batch norm and an activation. A ``residual`` block nests its own ``layers:`` list (and
optionally a ``shortcut:`` list; the identity otherwise) and adds the two; the successors' blocks are
single entries (``inverted_residual`` with ``expansion``, ``kernel``, ``se``, ``activation``;
``shufflenet_v2_unit``; ``squeeze_excite``; ``split``). Files are read as data only, in one bounded
pass (:class:`costcalc.config.config_file.ConfigFile`); unknown keys or kinds and bad values fail with ``file:line``
and what was expected.
"""

from __future__ import annotations

from typing import Any

from costcalc.config.config_file import ConfigFile
from costcalc.engine import kind_keys
from costcalc.engine import specs as S
from costcalc.engine.cost import output_shape
from costcalc.engine.kinds import KINDS, KINDS_BY_NAME
from costcalc.engine.specs import parse_pair
from costcalc.number_rule import whole_number

TOP_KEYS = ("name", "description", "input", "layers")
COMMON_KEYS = ("kind", *(key for key, *_ in kind_keys.COMMON))
MAX_REPEAT = 100_000
"""Most copies ``repeat`` makes of one entry."""
MAX_LAYERS = 1_000_000
"""Most layers one network file makes, repeats and nested lists included: repeats multiply (ten lines of
``repeat: 100000``, a repeated block around a repeated list), and each layer is built, costed and named,
so this bounds the work a file of a few hundred bytes can ask for."""


class LayerBudget:
    """The layers a network file may still make (:data:`MAX_LAYERS`), spent as entries are built."""

    def __init__(self) -> None:
        self.left = MAX_LAYERS

    def check(self, config: ConfigFile, where: tuple, count: int) -> None:
        """Refuse, at ``where``, when ``count`` more layers would be more than the file may make."""
        if count > self.left:
            raise config.error(where, f"the network makes more than {MAX_LAYERS:,} layers (repeats and nested "
                                      "lists included); a network file is limited to that")

    def spend(self, config: ConfigFile, where: tuple, count: int) -> None:
        self.check(config, where, count)
        self.left -= count
CONV_EXTRAS = tuple(key for key, *_ in kind_keys.CONV_EXTRAS)

PARSED = {kind.name: kind for kind in KINDS if kind.fields is not None}
"""The kinds a network file can write, with their YAML keys (``Kind.fields``) and the argument taken
from the running shape (``Kind.inferred``); ``add``/``concat`` are formed inside blocks instead."""
FIELDS: dict[str, dict[str, str]] = {kind.name: kind.fields for kind in KINDS if kind.fields is not None}
"""Each kind of :data:`PARSED` → its YAML keys (``Kind.fields``: YAML key → constructor argument)."""
CONV_LIKE = tuple(name for name, kind in PARSED.items() if kind.spec_type is S.Conv2d)
PAIR_FIELDS = ("kernel_size", "stride", "dilation")


def parse_input(config: ConfigFile, value: Any) -> S.Shape:
    """``3x96x96`` / ``[3, 96, 96]`` → Shape; a single int ``res`` means ``3×res×res``."""
    where = ("input",)
    parts: list[Any]
    if isinstance(value, int) and not isinstance(value, bool):
        parts = [3, value, value]
    elif isinstance(value, list):
        parts = value
    elif isinstance(value, str):
        texts = [part.strip() for part in value.lower().replace("×", "x").split("x")]
        parts = [whole_number(text) for text in texts]  # None where not ASCII digits within the policy
    else:
        parts = []
    sizes = [part for part in parts if isinstance(part, int) and not isinstance(part, bool) and part > 0] \
        if len(parts) == 3 else []
    if len(sizes) != 3:
        raise config.error(where, f"input must be C×H×W (e.g. 3x224x224 or [3, 224, 224]) with positive "
                                  f"integers, got {value!r}")
    return S.Shape(*sizes)


def _argument(config: ConfigFile, where: tuple, key: str, target: str, value: Any) -> Any:
    if target in PAIR_FIELDS or (target == "padding" and not (isinstance(value, list) and len(value) == 4)):
        try:
            return parse_pair(value, key)
        except ValueError as error:
            raise config.error(where + (key,), str(error)) from None
    return value


def _build(config: ConfigFile, where: tuple, kind: str, entry: dict[str, Any], shape: S.Shape,
           stride_override: Any, budget: LayerBudget) -> S.Spec:
    fields, nested = FIELDS[kind], PARSED[kind].nested
    arguments = {fields[key]: _argument(config, where, key, fields[key], value)
                 for key, value in entry.items() if key in fields and key not in nested}
    for key in nested:
        if key in entry:
            arguments[fields[key]] = parse_layers(config, where + (key,), entry[key], shape, budget)[0]
    if stride_override is not None:
        arguments["stride"] = stride_override
    inferred = PARSED[kind].inferred
    if inferred:
        arguments[inferred] = shape.channels
    if PARSED[kind].single_stride and isinstance(arguments.get("stride"), tuple):
        height, width = arguments["stride"]
        if height != width:
            raise config.error(where + ("stride",), f"{kind} takes one stride for both sides (N or [N, N]), "
                                                    f"got {entry['stride']!r}")
        arguments["stride"] = height
    missing = [key for key in kind_keys.required(PARSED[kind]) if key.argument not in arguments]
    if missing:
        raise config.error(where, f"{kind} needs " + ", ".join(f"{key.key} ({key.type})" for key in missing)
                           + f"; e.g. {kind_keys.example(PARSED[kind])} (costcalc list --kind {kind})")
    return KINDS_BY_NAME[kind].build(**arguments)


def _entry_layers(config: ConfigFile, where: tuple, kind: str, entry: dict[str, Any], shape: S.Shape,
                  stride_override: Any, built: dict[Any, Any], budget: LayerBudget) \
        -> tuple[list[tuple[str, S.Spec]], S.Shape]:
    """The layers one entry makes on ``shape``, named by their suffix (``""``, ``"_bn"``, ``"_act"``), and
    their output shape. Specs are immutable, so an entry written again with the same values (its name and
    repeat aside) on the same shape is built once: a generated 100,000-layer file repeats a few entries."""
    try:
        key = (tuple((name, type(value), value) for name, value in entry.items() if name not in ("name", "repeat")),
               shape, stride_override)
        cached = built.get(key)
    except TypeError:  # a list value (a nested layers list, a [1, 3] kernel): built every time
        key, cached = None, None
    if cached is not None:
        return cached
    spec = _build(config, where, kind, entry, shape, stride_override, budget)
    layers = [("", spec)]
    if kind in CONV_LIKE and not isinstance(entry.get("bn", False), bool):
        raise S.SpecError(f"bn must be true or false, got {entry['bn']!r}")
    # bn and act are keys of the CONV_LIKE kinds alone, each of which builds a Conv2d
    if isinstance(spec, S.Conv2d) and (entry.get("bn") or entry.get("act")):
        layers = S.conv_bn_act("", spec, entry.get("act")) if entry.get("bn") else [
            ("", spec), ("_act", S.Activation(entry["act"]))]
    output = shape
    for _, child in layers:
        output = output_shape(child, output)
    if key is not None:
        built[key] = layers, output
    return layers, output


def _refuse_argument_names(config: ConfigFile, where: tuple, kind: str, entry: dict[str, Any],
                           allowed: tuple[str, ...]) -> None:
    """A key written as the constructor's argument (``squeeze_channels``, ``out_channels``) or as the input
    width, which the running shape gives: name the YAML key to write instead."""
    arguments = {argument: key for key, argument in FIELDS[kind].items()}
    for key in entry:
        if key in allowed or not isinstance(key, str):
            continue
        if key in arguments:
            raise config.error(where + (key,), f"a {kind} layer writes {key} as {arguments[key]!r} "
                                               f"(costcalc list --kind {kind})")
        if key in ("in", "in_channels", "in_features", "channels", PARSED[kind].inferred):
            raise config.error(where + (key,), f"{key!r} is not written in a network file: each layer takes its "
                                               f"input channels from the layer before it")


def load_network(path: str) -> S.Network:
    """Parse a YAML network file into a :class:`~costcalc.engine.specs.Network` (``in_channels`` inferred)."""
    config = ConfigFile(path)
    data = config.mapping((), config.data, TOP_KEYS, "a network file")
    for required in ("input", "layers"):
        if required not in data:
            raise config.error((), f"a network file needs {required!r} (keys: {', '.join(TOP_KEYS)})")
    name = data.get("name", config.path.stem)
    if not isinstance(name, str) or not name:
        raise config.error(("name",), f"name must be a non-empty string, got {name!r}")
    input_shape = parse_input(config, data["input"])
    body, _ = parse_layers(config, ("layers",), data["layers"], input_shape, LayerBudget())
    return S.Network(name, input_shape, body, {"config": str(config.path)}, "as written in the file")


def parse_layers(config: ConfigFile, at: tuple, entries: Any, input_shape: S.Shape,
                 budget: LayerBudget) -> tuple[S.Sequential, S.Shape]:
    """A list of layer mappings (at ``at`` in the file) as a :class:`~costcalc.engine.specs.Sequential` run on
    ``input_shape``, and its output shape. Nested lists (a residual block's ``layers``) recurse here."""
    if not isinstance(entries, list) or not entries:
        raise config.error(at, "layers must be a non-empty list of {kind: ..., ...} mappings")
    shape = input_shape
    children: list[tuple[str, S.Spec]] = []
    counts: dict[str, int] = {}
    built: dict[Any, tuple[list[tuple[str, S.Spec]], S.Shape]] = {}
    for index, entry in enumerate(entries):
        where = at + (index,)
        if not isinstance(entry, dict) or "kind" not in entry:
            raise config.error(where, f"each layer must be a mapping with a kind, got {entry!r}")
        kind = entry["kind"]
        if not isinstance(kind, str):
            raise config.error(where + ("kind",), f"kind must be a name, one of {', '.join(PARSED)}; got {kind!r}")
        if kind in KINDS_BY_NAME and kind not in PARSED:
            raise config.error(where + ("kind",), f"kind {kind!r} cannot be a layer of its own: merges are formed "
                                                  "inside blocks (residual with nested layers, inverted_residual, "
                                                  "shuffle_unit, shufflenet_v2_unit, bottleneck)")
        if kind not in PARSED:
            from costcalc.spelling import closest

            hint = kind_keys.hint(kind)
            raise config.error(where + ("kind",), f"unknown kind {kind!r}{hint}; expected one of "
                                                  f"{', '.join(PARSED)}{'' if hint else closest(str(kind), PARSED)}")
        allowed = COMMON_KEYS + tuple(FIELDS[kind]) + (CONV_EXTRAS if kind in CONV_LIKE else ())
        _refuse_argument_names(config, where, kind, entry, allowed)
        config.mapping(where, entry, allowed, f"a {kind} layer")
        repeat = entry.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
            raise config.error(where + ("repeat",),
                               f"repeat must be an integer from 1 to {MAX_REPEAT:,}, got {repeat!r}")
        counts[kind] = counts.get(kind, 0) + 1
        base = entry.get("name", f"{kind}{counts[kind]}")
        if not isinstance(base, str) or not base or "." in base:
            raise config.error(where + ("name",), f"name must be a non-empty string without '.', got {base!r}")
        budget.check(config, where + ("repeat",), repeat)  # each copy makes one layer at least
        for copy in range(repeat):
            layer_name = base if repeat == 1 else f"{base}_{copy + 1}"
            override = 1 if copy and PARSED[kind].strided else None
            try:
                layers, shape = _entry_layers(config, where, kind, entry, shape, override, built, budget)
            except S.SpecError as error:
                raise config.error(where, f"{layer_name} ({kind}) on a {shape} input: {error}") from None
            budget.spend(config, where, len(layers))
            children.extend((layer_name + suffix, spec) for suffix, spec in layers)
    try:
        return S.Sequential(tuple(children)), shape
    except S.SpecError as error:
        raise config.error(at, str(error)) from None
