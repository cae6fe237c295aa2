"""The YAML keys of each kind, derived from the kinds table and the spec constructors (one source).

A kind's :attr:`~costcalc.engine.kinds.Kind.fields` map each YAML key to a constructor argument; the
argument's type, default and required-ness are read from the constructor itself (``inspect``: the
spec dataclass's ``__init__`` or a helper such as :func:`~costcalc.engine.specs.depthwise`), so
``costcalc list --kind``, the network parser's "needs KEY" errors and the example entries cannot
drift from what the constructor takes. Also here: the keys every entry takes (``name``, ``repeat``;
``bn``, ``act`` on convolutions), the example entry of a kind as YAML, and the hint for a common name
that is not a kind (``relu`` → ``{kind: activation, function: relu}``).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from costcalc.engine import specs as S
from costcalc.engine.kinds import KINDS, KINDS_BY_NAME, Kind

TYPE_TEXT = {"int": "integer", "Pair": "integer or [h, w]", "int | Pair": "integer or [h, w]", "str": "name",
             "bool": "true or false", "float": "number", "int | None": "integer", "Pair | None": "integer or [h, w]",
             "Sequential": "list of layers", "Union[Sequential, None]": "list of layers"}
"""A constructor annotation as a YAML user reads it."""
PADDING = "integer, [h, w] or [top, bottom, left, right]"
DERIVED = {"padding": "'same': dilation·(kernel − 1) // 2", "bottleneck": "out / 4",
           "mid_channels": "its input channels", "expanded_channels": "round(expansion · input channels)",
           "stride": "the kernel", "shortcut": "the identity"}
"""What a default of ``None`` stands for, by constructor argument (the constructor derives it)."""
CHOICES = {"function": S.ACTIVATIONS, "activation": S.ACTIVATIONS, "gate": S.ACTIVATIONS,
           "se_activation": S.ACTIVATIONS, "se_gate": S.ACTIVATIONS, "shortcut": S.SHORTCUTS}
"""Constructor arguments that take one of a fixed set of names."""
# key, type, required, default, meaning
COMMON = (("name", "name", False, "kind + count (conv1, …)", "the layer's name"),
          ("repeat", "integer", False, 1, "copies; the first takes the stride, the rest stride 1"))
CONV_EXTRAS = (("bn", "true or false", False, False, "append batch norm"),
               ("act", " | ".join(S.ACTIVATIONS), False, None, "append an activation"))


@dataclass(frozen=True)
class Key:
    """One YAML key of a kind: the constructor argument it sets, its type, and its default (or required)."""

    key: str
    argument: str
    type: str
    required: bool
    default: Any

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "argument": self.argument, "type": self.type, "required": self.required,
                "default": None if self.required else self.default}


def _forwards_fields(kind: Kind) -> bool:
    """Whether the kind's build is a ``**fields`` lambda that fixes some arguments itself (maxpool's mode)."""
    return any(parameter.kind is parameter.VAR_KEYWORD
               for parameter in inspect.signature(kind.build).parameters.values())


def _parameters(kind: Kind) -> dict[str, inspect.Parameter]:
    """The constructor's parameters: the build helper's own, else the spec class's (a ``**fields`` lambda)."""
    return dict(inspect.signature(kind.spec_type if _forwards_fields(kind) else kind.build).parameters)


def keys(kind: Kind) -> list[Key]:
    """The kind's own YAML keys in table order, each with the constructor's type and default."""
    parameters = _parameters(kind)
    found = []
    for key, argument in (kind.fields or {}).items():
        parameter = parameters[argument]
        annotation = parameter.annotation if isinstance(parameter.annotation, str) else \
            getattr(parameter.annotation, "__name__", str(parameter.annotation))
        if argument in CHOICES and annotation == "str":
            type_text = " | ".join(CHOICES[argument])
        else:
            type_text = PADDING if argument == "padding" else TYPE_TEXT.get(annotation, annotation)
        required = parameter.default is inspect.Parameter.empty
        default = None if required else parameter.default
        if default is None and not required:
            default = f"derived: {DERIVED[argument]}"
        found.append(Key(key, argument, type_text, required, list(default) if isinstance(default, tuple) else default))
    return found


def argument_problem(kind: Kind, arguments: dict[str, Any]) -> str:
    """What is wrong with constructor ``arguments`` for ``kind`` (a verify suite's ``args:``), named by argument —
    an unknown one (with the valid ones) or the required ones missing; ``''`` when the names fit."""
    parameters = {name: parameter for name, parameter in _parameters(kind).items()
                  if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)}
    if _forwards_fields(kind) and kind.fields is not None:
        taken = {*kind.fields.values(), kind.inferred}  # the build fixes the rest itself (maxpool's mode)
        parameters = {name: parameter for name, parameter in parameters.items() if name in taken}
    unknown = [name for name in arguments if name not in parameters]
    if unknown:
        return f"unknown argument {unknown[0]!r} for {kind.name}; its arguments: {', '.join(parameters)}"
    missing = [name for name, parameter in parameters.items()
               if parameter.default is inspect.Parameter.empty and name not in arguments]
    return f"{kind.name} needs {', '.join(missing)}" if missing else ""


def required(kind: Kind) -> list[Key]:
    return [key for key in keys(kind) if key.required]


def yaml_value(value: Any) -> str:
    """A value as it is written in a YAML flow mapping (``[1, 3]``, ``true``, ``relu``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and value[0] == value[1]:
            return str(value[0])
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


NESTED_EXAMPLE = "[{kind: conv, out: 8, bn: true, act: relu}, {kind: conv, out: 8, bn: true}]"
"""The nested list of a block's example (a residual's ``layers``)."""


def example(kind: Kind) -> str:
    """The kind's registry example (:attr:`Kind.example`) as one YAML entry: every required key, each key whose
    value is not its default, and a derived key only where the example departs from what is derived."""
    if kind.example is None:
        raise ValueError(f"kind {kind.name!r} has no registry example (Kind.example) to write as YAML")
    spec, shape = kind.example()
    parts, arguments, derived = [f"kind: {kind.name}"], {}, []
    for key in keys(kind):
        if key.key in kind.nested:
            if key.required:
                parts.append(f"{key.key}: {NESTED_EXAMPLE}")
            continue
        value = _example_value(kind, spec, key)
        if value is None:
            continue
        if isinstance(key.default, str) and key.default.startswith("derived"):
            derived.append((key, value))
        elif key.required or not _same(value, key.default):
            parts.append(f"{key.key}: {yaml_value(value)}")
            arguments[key.argument] = value
    if derived:
        inferred = {kind.inferred: shape.channels} if kind.inferred else {}
        plain = kind.build(**arguments, **inferred)
        parts += [f"{key.key}: {yaml_value(value)}" for key, value in derived
                  if getattr(plain, key.argument, None) != value]
    return "{" + ", ".join(parts) + "}"


def _example_value(kind: Kind, spec: Any, key: Key) -> Any:
    """What the example spec holds for ``key`` (the argument by name; a depthwise's multiplier from its widths)."""
    if hasattr(spec, key.argument):
        return getattr(spec, key.argument)
    if key.argument == "multiplier" and isinstance(spec, S.Conv2d):
        return spec.out_channels // spec.in_channels
    return None


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, tuple) and isinstance(default, (list, int)):
        default = list(default) if isinstance(default, list) else [default, default]
        return list(value) == default
    return value == default


ACTIVATION_NAMES = {**{name: name for name in S.ACTIVATIONS}, "silu": "swish", "hard_swish": "hardswish",
                    "hswish": "hardswish", "hsigmoid": "hardsigmoid", "hard_sigmoid": "hardsigmoid",
                    "leakyrelu": "leaky_relu"}
"""Activation names as torch and the papers write them → the ``function:`` of ``kind: activation``."""
COMMON_NAMES: dict[str, str] = {
    **{name: f"{{kind: activation, function: {function}}}" for name, function in ACTIVATION_NAMES.items()},
    **dict.fromkeys(("bn", "batch_norm", "batchnorm2d", "norm"), "{kind: batchnorm}"),
    **dict.fromkeys(("fc", "dense", "fully_connected"), "{kind: linear, out: N}"),
    **dict.fromkeys(("dw", "dwconv", "dw_conv", "depthwise_conv"),
                    "{kind: depthwise} (or {kind: conv, out: C, groups: C} on C channels)"),
    **dict.fromkeys(("pw", "pwconv", "pw_conv", "conv1x1"), "{kind: pointwise, out: N}"),
    **dict.fromkeys(("gconv", "group_conv"), "{kind: grouped, out: N, groups: G}"),
    **dict.fromkeys(("conv2d", "convolution"), "{kind: conv, out: N}"),
    "pool": "{kind: maxpool, kernel: K} or {kind: avgpool, kernel: K}",
    **dict.fromkeys(("max_pool", "maxpool2d"), "{kind: maxpool, kernel: K}"),
    **dict.fromkeys(("avg_pool", "avgpool2d"), "{kind: avgpool, kernel: K}"),
    **dict.fromkeys(("gap", "global_pool", "adaptive_avgpool"), "{kind: global_avgpool}"),
    **dict.fromkeys(("se", "squeeze_excitation"), "{kind: squeeze_excite, squeeze: S}"),
    **dict.fromkeys(("mbconv", "ir", "inverted_bottleneck"), "{kind: inverted_residual, out: N}"),
    **dict.fromkeys(("dsconv", "depthwise_separable", "separable_conv"), "{kind: separable, out: N}"),
    "channel_shuffle": "{kind: shuffle, groups: G}", "shufflenet_unit": "{kind: shuffle_unit, out: N}",
    **dict.fromkeys(("resblock", "res_block", "basic_block"), "{kind: residual, layers: [...]}"),
}
"""Common names of layers (torch's, the papers') that are not kinds → the entry that writes them."""


def hint(name: str) -> str:
    """``'; write {kind: activation, function: relu}'`` for a common name (``relu``, ``nn.ReLU6``), else ``''``."""
    key = name.lower().replace("-", "_").removeprefix("nn.")
    if key in COMMON_NAMES and key not in KINDS_BY_NAME:
        return f"; write {COMMON_NAMES[key]}"
    return ""


def kinds_with_keys() -> tuple[Kind, ...]:
    """The kinds a network file can write (``fields`` not ``None``)."""
    return tuple(kind for kind in KINDS if kind.fields is not None)
