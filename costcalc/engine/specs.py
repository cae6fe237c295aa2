"""Frozen, validated specifications of layers, blocks and networks.

Field names follow ``torch.nn`` (``in_channels``, ``out_channels``, ``kernel_size``, ``stride``,
``padding``, ``dilation``, ``groups``, ``bias``) so a spec reads like the module it describes.
Every spec validates itself on construction and raises :class:`SpecError` naming the bad value
and what would be valid. Specs are pure data: costing lives in :mod:`costcalc.engine.cost`, torch
modules in :mod:`costcalc.measure.modules`, and both walk the same spec, so a layer or block is
defined exactly once.

Every spec class registers itself (:data:`SPEC_TYPES`) by deriving from :class:`Leaf` (a layer with
one cost rule and one module), :class:`Container` or :class:`Block`; :data:`LEAVES`, :data:`BLOCKS`,
:data:`CONTAINERS` and :data:`Spec` derive from that registration. Every spec answers its own output
shape (``output_shape``). Composite structure is expressed with two containers: :class:`Sequential`
(named children run one after the other) and :class:`Branches` (named parallel paths combined by a
:class:`Merge` — an element-wise add or scale, or a channel concatenation; an empty path is the
identity shortcut). The paper blocks
(:class:`DepthwiseSeparable`, :class:`ShuffleUnit`, :class:`EffNetBlock`, :class:`Bottleneck` and the
successors' :class:`InvertedResidual`, :class:`SqueezeExcite`, :class:`ShuffleV2Unit`, plus the generic
:class:`Residual`) expand into those containers with :meth:`expand`.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeAlias

from costcalc.number_rule import DIGITS


class SpecError(ValueError):
    """A spec was given a value it cannot take; the message names the value and the valid range."""


class Shape(NamedTuple):
    """The shape of one feature map, batch excluded: channels × height × width."""

    channels: int
    height: int
    width: int

    @property
    def numel(self) -> int:
        """Number of elements, ``C·H·W``."""
        return self.channels * self.height * self.width

    def __str__(self) -> str:
        return f"{self.channels}×{self.height}×{self.width}"


Pair = tuple[int, int]
Quad = tuple[int, int, int, int]
DERIVED: Any = None
"""The default of a field that ``__post_init__`` derives from the others (a convolution's 'same' padding, a
block's inner width): ``None`` as the constructor takes it, of the field's own type once constructed."""

SPEC_TYPES: dict[type, str] = {}
"""Every spec class, in definition order → its role: ``"leaf"``, ``"container"`` or ``"block"``."""


class Registered:
    """Base of the spec classes: a class deriving from a role base (:class:`Leaf`, :class:`Container`,
    :class:`Block`) records itself and its role in :data:`SPEC_TYPES` when it is defined."""

    role: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "role" not in cls.__dict__:  # a role base itself is no spec
            SPEC_TYPES[cls] = cls.role

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        """The spec's output on an input of ``shape``; ``name`` (its dotted path) is for containers' messages."""
        raise NotImplementedError


class Leaf(Registered):
    """A layer: one cost rule (:data:`costcalc.engine.cost.COST_RULES`) and one module, no parts.

    ``output_shape(shape, name="")`` gives its output; ``name`` (its dotted path) is for the
    containers' messages, a leaf's own errors name its values.
    """

    role = "leaf"


class Container(Registered):
    """A structure of other specs (:class:`Sequential`, :class:`Branches`), walked by cost and module building."""

    role = "container"


def join_name(prefix: str, name: str) -> str:
    """The dotted path of part ``name`` below ``prefix`` (``features.3.dw``)."""
    return f"{prefix}.{name}" if prefix else name


def check_int(value: object, name: str, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer ≥ ``minimum``; raise :class:`SpecError` otherwise."""
    if type(value) is int and value >= minimum:  # the common case first: a spec is built per layer
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    if value < minimum:
        raise SpecError(f"{name} must be an integer ≥ {minimum}, got {value}")
    return value


def check_block_stride(stride: object, block: str) -> None:
    """A block that keeps the map (stride 1, a residual add) or halves it (stride 2) takes no other stride."""
    if isinstance(stride, bool) or stride not in (1, 2):
        raise SpecError(f"{block} stride must be 1 or 2, got {stride!r}")


def as_pair(value: object, name: str, minimum: int = 1) -> Pair:
    """Normalise an int or a (height, width) pair to a validated pair of ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise SpecError(f"{name} must be an integer or a (height, width) pair, got {value!r}")
        return (check_int(value[0], name, minimum), check_int(value[1], name, minimum))
    number = check_int(value, name, minimum)
    return (number, number)


PAIR_PATTERN = re.compile(rf"^\s*({DIGITS})\s*(?:[x×]\s*({DIGITS}))?\s*$")  # ASCII digits (costcalc.number_rule)


def parse_pair(value: Any, name: str) -> tuple[int, int]:
    """``3`` → (3, 3); ``"1x3"`` → (1, 3); ``[112, 96]`` → (112, 96), as users write sizes on the
    command line and in YAML. Raises ``ValueError`` (validation of the range is the spec's job)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be N or HxW with whole numbers, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(side, int) and not isinstance(side, bool) for side in value):
        pair = (value[0], value[1])
    else:
        match = PAIR_PATTERN.match(str(value))
        if not match:
            raise ValueError(f"{name} must be N or HxW with whole numbers (e.g. 3 or 1x3), got {value!r}")
        pair = (int(match.group(1)), int(match.group(2) or match.group(1)))
    return pair


def as_padding(value: object, kernel_size: Pair, dilation: Pair) -> tuple[int, int, int, int]:
    """Normalise padding to ``(top, bottom, left, right)``.

    ``None`` means 'same'-style padding ``dilation·(k − 1) // 2`` on every side; an int or a
    (height, width) pair pads both sides alike, as ``torch.nn.Conv2d`` does; four values give
    asymmetric padding (Keras/TF 'same' for even kernels pads the extra row at the bottom).
    """
    if value is None:
        vertical = dilation[0] * (kernel_size[0] - 1) // 2
        horizontal = dilation[1] * (kernel_size[1] - 1) // 2
        return (vertical, vertical, horizontal, horizontal)
    if isinstance(value, (tuple, list)) and len(value) == 4:
        top, bottom, left, right = (check_int(side, "padding", 0) for side in value)
        return (top, bottom, left, right)
    vertical, horizontal = as_pair(value, "padding", minimum=0)
    return (vertical, vertical, horizontal, horizontal)


def sliding_output(size: int, kernel: int, stride: int, before: int, after: int, dilation: int,
                   axis: str) -> int:
    """Output length of a sliding window: ``⌊(size + before + after − dilation·(kernel − 1) − 1) / stride⌋ + 1``.

    The formula of ``torch.nn.Conv2d`` and ``torch.nn.MaxPool2d``; raises when the (dilated)
    kernel is larger than the padded input.
    """
    span = dilation * (kernel - 1) + 1
    padded = size + before + after
    if span > padded:
        raise SpecError(
            f"kernel {kernel} (span {span}) is larger than the padded input {axis} {padded} "
            f"({size} + padding {before + after}); use an input {axis} of at least {span - before - after}"
        )
    return (padded - span) // stride + 1


@dataclass(frozen=True)
class Conv2d(Leaf):
    """A 2-D convolution, as ``torch.nn.Conv2d``.

    ``padding`` defaults to ``dilation·(k − 1) // 2`` ('same' for odd kernels at stride 1).
    The kind is derived from the hyperparameters: ``depthwise`` when ``groups == in_channels``
    (> 1), ``pointwise`` for an ungrouped 1×1, ``grouped_pointwise`` for a grouped 1×1,
    ``grouped`` for any other grouped kernel, ``conv`` otherwise.
    """

    in_channels: int
    out_channels: int
    kernel_size: Pair = (3, 3)
    stride: Pair = (1, 1)
    padding: Quad = DERIVED
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = False

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ normalises it to the fields' types
        def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair = 3, stride: int | Pair = 1,
                     padding: int | Pair | Quad | None = None, dilation: int | Pair = 1, groups: int = 1,
                     bias: bool = False) -> None: ...

    def __post_init__(self) -> None:
        check_int(self.in_channels, "in_channels")
        check_int(self.out_channels, "out_channels")
        kernel = as_pair(self.kernel_size, "kernel_size")
        dilation = as_pair(self.dilation, "dilation")
        object.__setattr__(self, "kernel_size", kernel)
        object.__setattr__(self, "stride", as_pair(self.stride, "stride"))
        object.__setattr__(self, "dilation", dilation)
        object.__setattr__(self, "padding", as_padding(self.padding, kernel, dilation))
        groups = check_int(self.groups, "groups")
        for channels_name in ("in_channels", "out_channels"):
            channels = getattr(self, channels_name)
            if channels % groups:
                raise SpecError(
                    f"groups={groups} does not divide {channels_name}={channels}; "
                    f"valid groups: {', '.join(map(str, divisors(channels)))}"
                )
        if not isinstance(self.bias, bool):
            raise SpecError(f"bias must be true or false, got {self.bias!r}")

    @property
    def kind(self) -> str:
        """One of ``conv``, ``depthwise``, ``pointwise``, ``grouped_pointwise``, ``grouped``."""
        if self.groups == self.in_channels and self.groups > 1:
            return "depthwise"
        if self.kernel_size == (1, 1):
            return "pointwise" if self.groups == 1 else "grouped_pointwise"
        return "conv" if self.groups == 1 else "grouped"

    @property
    def symmetric_padding(self) -> Pair | None:
        """``(height, width)`` padding when both sides are padded alike, else ``None``."""
        top, bottom, left, right = self.padding
        return (top, left) if top == bottom and left == right else None

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        """``H_out = ⌊(H + pad − d·(k − 1) − 1) / s⌋ + 1``, likewise for W; channels become ``out_channels``."""
        require_channels(shape, self.in_channels, "Conv2d")
        top, bottom, left, right = self.padding
        height = sliding_output(shape.height, self.kernel_size[0], self.stride[0], top, bottom,
                                self.dilation[0], "height")
        width = sliding_output(shape.width, self.kernel_size[1], self.stride[1], left, right,
                               self.dilation[1], "width")
        return Shape(self.out_channels, height, width)


def depthwise(channels: int, kernel_size: int | Pair = 3, stride: int | Pair = 1,
              multiplier: int = 1, padding: int | Pair | Quad | None = None, dilation: int | Pair = 1,
              bias: bool = False) -> Conv2d:
    """A depthwise convolution (MobileNet, eq. 3): one ``Dk×Dk`` filter per input channel.

    ``multiplier`` filters per channel give ``channels·multiplier`` outputs, as TF's
    ``depth_multiplier``.
    """
    check_int(multiplier, "multiplier")
    return Conv2d(channels, channels * multiplier, kernel_size, stride, padding, dilation,
                  groups=channels, bias=bias)


def pointwise(in_channels: int, out_channels: int, groups: int = 1, stride: int | Pair = 1,
              bias: bool = False) -> Conv2d:
    """A 1×1 convolution (MobileNet's pointwise layer; ShuffleNet's grouped pointwise when ``groups > 1``)."""
    return Conv2d(in_channels, out_channels, 1, stride, 0, groups=groups, bias=bias)


def divisors(number: int) -> list[int]:
    """The positive divisors of ``number``, ascending: trial division up to √number, each small divisor
    paired with its cofactor (√10¹² = 10⁶ steps; a larger ``number`` gets its divisors up to 10⁶ and
    their cofactors only)."""
    import math

    small = [candidate for candidate in range(1, min(math.isqrt(number), 10**6) + 1) if number % candidate == 0]
    return sorted(set(small) | {number // candidate for candidate in small})


def require_channels(shape: Shape, expected: int, what: str) -> None:
    """Raise when a layer expecting ``expected`` input channels is fed ``shape``."""
    if shape.channels != expected:
        raise SpecError(f"{what} expects {expected} input channels, got a {shape} input")


@dataclass(frozen=True)
class BatchNorm2d(Leaf):
    """Batch normalisation over ``num_features`` channels (learnable γ and β)."""

    num_features: int
    kind: ClassVar[str] = "batchnorm"

    def __post_init__(self) -> None:
        check_int(self.num_features, "num_features")

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        require_channels(shape, self.num_features, "BatchNorm2d")
        return shape


ACTIVATIONS = ("relu", "relu6", "leaky_relu", "hardswish", "swish", "sigmoid", "hardsigmoid")
"""Element-wise non-linearities: ``hardswish`` = x·ReLU6(x + 3)/6 and ``hardsigmoid`` = ReLU6(x + 3)/6
(MobileNetV3 §5.2), ``swish`` = x·σ(x) (SiLU; EfficientNet), ``sigmoid`` = σ(x) (the SE gate)."""


@dataclass(frozen=True)
class Activation(Leaf):
    """An element-wise non-linearity, one of :data:`ACTIVATIONS` (one op per element)."""

    function: str = "relu"
    kind: ClassVar[str] = "activation"

    def __post_init__(self) -> None:
        check_activation(self.function, "activation")

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        return shape


POOL_MODES = ("max", "avg")


@dataclass(frozen=True)
class Pool2d(Leaf):
    """Max or average pooling over a ``kernel_size`` window (``stride`` defaults to the window).

    Average pooling counts the zero padding in the divisor, as ``torch.nn.AvgPool2d`` does by
    default.
    """

    mode: str
    kernel_size: Pair
    stride: Pair = DERIVED
    padding: Pair = (0, 0)
    kind: ClassVar[str] = "pool"

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ normalises it to the fields' types
        def __init__(self, mode: str, kernel_size: int | Pair, stride: int | Pair | None = None,
                     padding: int | Pair = 0) -> None: ...

    def __post_init__(self) -> None:
        if self.mode not in POOL_MODES:
            raise SpecError(f"pool mode must be one of {', '.join(POOL_MODES)}, got {self.mode!r}")
        kernel = as_pair(self.kernel_size, "kernel_size")
        object.__setattr__(self, "kernel_size", kernel)
        object.__setattr__(self, "stride", as_pair(kernel if self.stride is None else self.stride, "stride"))
        padding = as_pair(self.padding, "padding", minimum=0)
        if padding[0] * 2 > kernel[0] or padding[1] * 2 > kernel[1]:
            raise SpecError(f"pool padding {padding} must be at most half the window {kernel}")
        object.__setattr__(self, "padding", padding)

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        height = sliding_output(shape.height, self.kernel_size[0], self.stride[0], self.padding[0],
                                self.padding[0], 1, "height")
        width = sliding_output(shape.width, self.kernel_size[1], self.stride[1], self.padding[1],
                               self.padding[1], 1, "width")
        return Shape(shape.channels, height, width)


@dataclass(frozen=True)
class GlobalAvgPool(Leaf):
    """Global average pooling: ``C×H×W → C×1×1`` (MobileNet's final 7×7 average pool)."""

    kind: ClassVar[str] = "pool"

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        return Shape(shape.channels, 1, 1)


@dataclass(frozen=True)
class ChannelShuffle(Leaf):
    """ShuffleNet's channel shuffle: reshape to ``(g, C/g)``, transpose, flatten (no arithmetic)."""

    groups: int
    kind: ClassVar[str] = "shuffle"

    def __post_init__(self) -> None:
        check_int(self.groups, "groups")

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        if shape.channels % self.groups:
            raise SpecError(f"channel shuffle groups={self.groups} does not divide {shape.channels} channels")
        return shape


@dataclass(frozen=True)
class Flatten(Leaf):
    """Flatten ``C×H×W`` to a vector of ``C·H·W`` features (a view; no arithmetic)."""

    kind: ClassVar[str] = "flatten"

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        return Shape(shape.numel, 1, 1)


@dataclass(frozen=True)
class ChannelSplit(Leaf):
    """One of ``parts`` equal channel slices of the input (``torch.chunk(x, parts, dim=1)[index]``).

    ShuffleNet V2's channel split (Ma et al. 2018, Fig. 3c): a view, no arithmetic.
    """

    parts: int = 2
    index: int = 0
    kind: ClassVar[str] = "split"

    def __post_init__(self) -> None:
        check_int(self.parts, "parts", 2)
        check_int(self.index, "index", 0)
        if self.index >= self.parts:
            raise SpecError(f"split index must be below parts={self.parts} (0 … {self.parts - 1}), got {self.index}")

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        if shape.channels % self.parts:
            raise SpecError(f"channel split into {self.parts} parts needs channels divisible by {self.parts}, "
                            f"got {shape}")
        return Shape(shape.channels // self.parts, shape.height, shape.width)


@dataclass(frozen=True)
class Linear(Leaf):
    """A fully-connected layer, as ``torch.nn.Linear`` (bias on by default)."""

    in_features: int
    out_features: int
    bias: bool = True
    kind: ClassVar[str] = "linear"

    def __post_init__(self) -> None:
        check_int(self.in_features, "in_features")
        check_int(self.out_features, "out_features")

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        if shape.height != 1 or shape.width != 1:
            raise SpecError(f"Linear needs a flattened or pooled input (C×1×1), got {shape}")
        require_channels(shape, self.in_features, "Linear")
        return Shape(self.out_features, 1, 1)


@dataclass(frozen=True)
class Merge:
    """How :class:`Branches` combines its paths' outputs: the output shape, the ops and the reads.

    An element-wise merge folds the paths with ``combine`` (a broadcasting operator, as
    ``functools.reduce(combine, outputs)``): every path after the first must have the shape
    ``operand`` gives from the first's, and the result has the first's shape. A concatenation
    (``combine`` and ``operand`` ``None``) stacks paths of equal ``H×W`` along the channels.
    """

    name: str
    combine: Callable[[Any, Any], Any] | None
    operand: Callable[[Shape], Shape] | None
    mismatch: str
    """The error when the paths do not fit: ``{shapes}`` (all), ``{first}``, ``{rest}``, ``{operand}``."""

    def output_shape(self, outputs: Sequence[Shape], name: str = "") -> Shape:
        """The merged shape of the paths' ``outputs``; raises :class:`SpecError` naming ``name`` when they do not
        fit."""
        first = outputs[0]
        if self.operand is None:
            fits = all(output[1:] == first[1:] for output in outputs)
            merged = Shape(sum(output.channels for output in outputs), first.height, first.width)
        else:
            operand = self.operand(first)
            fits = all(output == operand for output in outputs[1:])
            merged = first
        if not fits:
            raise SpecError(f"{name or 'branches'}: " + self.mismatch.format(
                shapes=", ".join(map(str, outputs)), first=first, rest=", ".join(map(str, outputs[1:])),
                operand=self.operand and self.operand(first)))
        return merged

    def ops(self, merged: Shape, paths: int) -> int:
        """The merge's other ops: one per output element and extra path when element-wise (``add``,
        ``scale``); one per output element moved for a concatenation (``concat``)."""
        return merged.numel * (paths - 1) if self.operand else merged.numel

    def reads(self, merged: Shape, paths: int) -> int:
        """Elements read, each input once: the first path's map plus each other path's operand
        (element-wise), or the inputs a concatenation copies (the merged map's size)."""
        return merged.numel + (paths - 1) * self.operand(merged).numel if self.operand else merged.numel


MERGES: dict[str, Merge] = {merge.name: merge for merge in (
    Merge("add", operator.add, lambda first: first, "cannot add paths of shapes {shapes}"),
    Merge("concat", None, None, "cannot concatenate paths of shapes {shapes}"),
    Merge("scale", operator.mul, lambda first: Shape(first.channels, 1, 1),
          "cannot scale a {first} map by paths of shapes {rest} (each must be {operand})"),
)}
"""How parallel paths merge: element-wise ``add`` (residual), channel ``concat``, or ``scale`` — the first
path multiplied channel-wise by the others' ``C×1×1`` outputs (squeeze-excitation, Hu et al. 2018)."""


@dataclass(frozen=True)
class Sequential(Container):
    """Named children applied one after another (as ``torch.nn.Sequential`` with an OrderedDict)."""

    children: tuple[tuple[str, Spec], ...]
    kind: ClassVar[str] = "sequential"

    def __post_init__(self) -> None:
        from collections import Counter

        names = [name for name, _ in self.children]
        duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
        if duplicates:
            raise SpecError(f"layer names must be unique within a sequence, repeated: {', '.join(duplicates)}")
        bad = [name for name in names if not name or "." in name]
        if bad:
            raise SpecError(f"layer names must be non-empty and contain no '.', got {bad[0]!r}")

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        """Each child's output feeds the next; the last one's is the sequence's."""
        for child_name, child in self.children:
            shape = child.output_shape(shape, join_name(name, child_name))
        return shape


@dataclass(frozen=True)
class Branches(Container):
    """Parallel named paths fed the same input and merged by ``add`` (residual), ``concat`` or
    ``scale`` (channel-wise multiply, see :data:`MERGES`).

    A path given as ``None`` is the identity (ShuffleNet's and ResNet's plain shortcut).
    """

    paths: tuple[tuple[str, Spec | None], ...]
    merge: str = "add"
    kind: ClassVar[str] = "branches"

    def __post_init__(self) -> None:
        if self.merge not in MERGES:
            raise SpecError(f"merge must be one of {', '.join(MERGES)}, got {self.merge!r}")
        if len(self.paths) < 2:
            raise SpecError("Branches needs at least two paths")

    @property
    def merge_rule(self) -> Merge:
        """The :class:`Merge` named by :attr:`merge`."""
        return MERGES[self.merge]

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        """The merge of every path's output on the same input (an empty path passes it through)."""
        return self.merge_rule.output_shape(
            [shape if path is None else path.output_shape(shape, join_name(name, path_name))
             for path_name, path in self.paths], name)


def sequence(*children: tuple[str, Spec]) -> Sequential:
    """Shorthand for ``Sequential(children)``."""
    return Sequential(tuple(children))


def conv_bn_act(name: str, conv: Conv2d, activation: str | None = "relu",
                act_first: bool = False) -> list[tuple[str, Spec]]:
    """``conv → BN → activation`` (or ``conv → activation → BN``, EffNet's order) as named children.

    Names are ``name``, ``name_bn`` and ``name_act``; ``activation=None`` leaves the activation out
    (ShuffleNet's depthwise and last pointwise layers).
    """
    norm = (f"{name}_bn", BatchNorm2d(conv.out_channels))
    layers: list[tuple[str, Spec]] = [(name, conv)]
    if activation is None:
        return layers + [norm]
    act = (f"{name}_act", Activation(activation))
    return layers + ([act, norm] if act_first else [norm, act])


class Block(Registered):
    """Base of the paper blocks: :meth:`expand` gives the block's layers as containers.

    The expansion is built once, in ``__post_init__`` (which also validates the block as a whole),
    and kept, so costing a network of blocks many times (sweeps) does not rebuild it.
    """

    role = "block"
    _expansion: Sequential

    def _build(self) -> Sequential:
        raise NotImplementedError

    def _expand_once(self) -> None:
        object.__setattr__(self, "_expansion", self._build())

    def expand(self) -> Sequential:
        """The block as a :class:`Sequential` of layers and :class:`Branches`."""
        return self._expansion

    def output_shape(self, shape: Shape, name: str = "") -> Shape:
        """The output of the block's expansion."""
        return self._expansion.output_shape(shape, name)


@dataclass(frozen=True)
class DepthwiseSeparable(Block):
    """MobileNet's depthwise separable convolution (Howard et al. 2017, Fig. 3).

    ``Dk×Dk`` depthwise (stride ``stride``) → BN → ReLU → 1×1 pointwise → BN → ReLU.
    Cost ``Df²·M·Dk² + M·N·Df²`` against ``Df²·M·N·Dk²`` for the standard convolution it replaces.
    """

    in_channels: int
    out_channels: int
    kernel_size: Pair = (3, 3)
    stride: Pair = (1, 1)
    activation: str = "relu"
    kind: ClassVar[str] = "separable"

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ normalises it to the fields' types
        def __init__(self, in_channels: int, out_channels: int, kernel_size: int | Pair = 3, stride: int | Pair = 1,
                     activation: str = "relu") -> None: ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel_size", as_pair(self.kernel_size, "kernel_size"))
        object.__setattr__(self, "stride", as_pair(self.stride, "stride"))
        self._expand_once()

    def _build(self) -> Sequential:
        dw = depthwise(self.in_channels, self.kernel_size, self.stride)
        pw = pointwise(self.in_channels, self.out_channels)
        return sequence(*conv_bn_act("dw", dw, self.activation), *conv_bn_act("pw", pw, self.activation))

    def standard(self) -> Sequential:
        """The standard convolution this block stands for: ``Dk×Dk`` conv M→N → BN → activation."""
        conv = Conv2d(self.in_channels, self.out_channels, self.kernel_size, self.stride)
        return sequence(*conv_bn_act("conv", conv, self.activation))


@dataclass(frozen=True)
class ShuffleUnit(Block):
    """ShuffleNet unit (Zhang et al. 2018, Fig. 2b/2c).

    Main path: 1×1 group conv (``groups``, or ungrouped when ``grouped_first`` is false) to the
    bottleneck → BN → ReLU → channel shuffle → 3×3 depthwise (stride) → BN → 1×1 group conv → BN.
    Stride 1: identity shortcut, add, ReLU (``in == out``). Stride 2: 3×3 average pool (stride 2)
    shortcut, concatenation, ReLU; the main path then outputs ``out − in`` channels.
    Cost of the stride-1 unit ``hw(2cm/g + 9m)`` for ``c`` channels and bottleneck ``m``.
    """

    in_channels: int
    out_channels: int
    groups: int = 3
    stride: int = 1
    bottleneck: int = DERIVED
    grouped_first: bool = True
    kind: ClassVar[str] = "shuffle_unit"

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ derives a missing bottleneck
        def __init__(self, in_channels: int, out_channels: int, groups: int = 3, stride: int = 1,
                     bottleneck: int | None = None, grouped_first: bool = True) -> None: ...

    def __post_init__(self) -> None:
        check_int(self.in_channels, "in_channels")
        check_int(self.out_channels, "out_channels")
        check_block_stride(self.stride, "ShuffleNet unit")
        if self.stride == 1 and self.in_channels != self.out_channels:
            raise SpecError(
                f"a stride-1 ShuffleNet unit adds its input, so in_channels ({self.in_channels}) "
                f"must equal out_channels ({self.out_channels})"
            )
        if self.stride == 2 and self.out_channels <= self.in_channels:
            raise SpecError(
                f"a stride-2 ShuffleNet unit concatenates its input, so out_channels ({self.out_channels}) "
                f"must exceed in_channels ({self.in_channels})"
            )
        if self.bottleneck is None:
            object.__setattr__(self, "bottleneck", self.out_channels // 4)
        check_int(self.bottleneck, "bottleneck")
        self._expand_once()

    @property
    def main_out_channels(self) -> int:
        """Channels of the main path: ``out`` (stride 1) or ``out − in`` (stride 2, concatenated)."""
        return self.out_channels - (self.in_channels if self.stride == 2 else 0)

    def _build(self) -> Sequential:
        first_groups = self.groups if self.grouped_first else 1
        compress = pointwise(self.in_channels, self.bottleneck, groups=first_groups)
        dw = depthwise(self.bottleneck, 3, self.stride)
        expand = pointwise(self.bottleneck, self.main_out_channels, groups=self.groups)
        main = sequence(
            *conv_bn_act("compress", compress),
            *([("shuffle", ChannelShuffle(self.groups))] if self.groups > 1 else []),
            *conv_bn_act("dw", dw, activation=None),
            *conv_bn_act("expand", expand, activation=None),
        )
        shortcut = None if self.stride == 1 else Pool2d("avg", 3, 2, 1)
        merge = "add" if self.stride == 1 else "concat"
        return sequence(("branches", Branches((("main", main), ("shortcut", shortcut)), merge)),
                        ("act", Activation("relu")))

    def standard(self) -> Sequential:
        """The ResNet bottleneck this unit stands for: same widths, ungrouped 1×1s, full 3×3 conv."""
        return Bottleneck(self.in_channels, self.out_channels, self.bottleneck, 1, self.stride,
                          shortcut="avgpool" if self.stride == 2 else "identity").expand()


SHORTCUTS = ("identity", "projection", "avgpool")


@dataclass(frozen=True)
class Bottleneck(Block):
    """ResNet bottleneck (He et al. 2016), or a ResNeXt unit when ``groups > 1`` (Xie et al. 2017).

    1×1 conv → BN → ReLU → 3×3 conv (``groups``, stride) → BN → ReLU → 1×1 conv → BN, merged
    with the shortcut, then ReLU. Cost ``hw(2cm + 9m²)`` (ResNet) or ``hw(2cm + 9m²/g)``
    (ResNeXt) at stride 1, as ShuffleNet §3.2 compares. ``shortcut``: ``identity`` (add),
    ``projection`` (1×1 conv + BN, add) or ``avgpool`` (3×3 avg pool stride 2, concat, as ShuffleNet).
    """

    in_channels: int
    out_channels: int
    bottleneck: int
    groups: int = 1
    stride: int = 1
    shortcut: str = "identity"
    kind: ClassVar[str] = "bottleneck"

    def __post_init__(self) -> None:
        if self.shortcut not in SHORTCUTS:
            raise SpecError(f"shortcut must be one of {', '.join(SHORTCUTS)}, got {self.shortcut!r}")
        if self.shortcut == "identity" and (self.stride != 1 or self.in_channels != self.out_channels):
            raise SpecError(
                "an identity shortcut needs stride 1 and in_channels == out_channels; "
                f"got stride {self.stride}, {self.in_channels} → {self.out_channels} (use shortcut: projection)"
            )
        if self.shortcut == "avgpool" and (self.stride != 2 or self.out_channels <= self.in_channels):
            raise SpecError("an avgpool shortcut needs stride 2 and out_channels > in_channels")
        self._expand_once()

    def _build(self) -> Sequential:
        concat = self.shortcut == "avgpool"
        main_out = self.out_channels - (self.in_channels if concat else 0)
        main = sequence(
            *conv_bn_act("reduce", pointwise(self.in_channels, self.bottleneck)),
            *conv_bn_act("conv", Conv2d(self.bottleneck, self.bottleneck, 3, self.stride, groups=self.groups)),
            *conv_bn_act("restore", pointwise(self.bottleneck, main_out), activation=None),
        )
        shortcut: Spec | None = None
        if self.shortcut == "projection":
            shortcut = sequence(*conv_bn_act(
                "proj", pointwise(self.in_channels, self.out_channels, stride=self.stride), activation=None))
        elif concat:
            shortcut = Pool2d("avg", 3, 2, 1)
        paths = (("main", main), ("shortcut", shortcut))
        return sequence(("branches", Branches(paths, "concat" if concat else "add")),
                        ("act", Activation("relu")))


@dataclass(frozen=True)
class EffNetBlock(Block):
    """EffNet block (Freeman et al. 2018; reference implementation arthurdouillard/keras-effnet).

    1×1 conv ``in_channels → mid_channels`` ; 1×3 depthwise ; 2×1 max pool, stride (2, 1)
    ("separable pooling", halves the height) ; 3×1 depthwise ; 2×1 conv → ``out_channels`` with
    stride (1, 2) and Keras 'same' padding (one extra row at the bottom: keeps the height, halves
    the width). Every conv is bias-free and followed by LeakyReLU then batch norm, as the reference
    code. ``mid_channels`` is the reference's ``ch_in`` and defaults to ``in_channels``. The
    depthwise pair costs ``1.5·(3·Df²·M)`` against ``9·Df²·M`` for a 3×3 depthwise.
    """

    in_channels: int
    out_channels: int
    mid_channels: int = DERIVED
    kernel: int = 3
    kind: ClassVar[str] = "effnet_block"

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ derives a missing mid_channels
        def __init__(self, in_channels: int, out_channels: int, mid_channels: int | None = None,
                     kernel: int = 3) -> None: ...

    def __post_init__(self) -> None:
        if self.mid_channels is None:
            object.__setattr__(self, "mid_channels", self.in_channels)
        check_int(self.kernel, "kernel")
        self._expand_once()

    def _build(self) -> Sequential:
        mid, k = self.mid_channels, self.kernel
        return sequence(
            *conv_bn_act("pw", pointwise(self.in_channels, mid), "leaky_relu", act_first=True),
            *conv_bn_act("dw_row", depthwise(mid, (1, k)), "leaky_relu", act_first=True),
            ("pool", Pool2d("max", (2, 1), (2, 1))),
            *conv_bn_act("dw_col", depthwise(mid, (k, 1)), "leaky_relu", act_first=True),
            *conv_bn_act("out", Conv2d(mid, self.out_channels, (2, 1), (1, 2), (0, 1, 0, 0)),
                         "leaky_relu", act_first=True),
        )

    def standard(self) -> Sequential:
        """What the block stands for: a ``k×k`` conv ``in → out`` at stride 2 → LeakyReLU → BN.

        Padded to give the block's own output on any input: ``⌊H/2⌋`` rows (the 2×1 pool floors;
        ``k − 2`` rows of padding) and ``⌈W/2⌉`` columns (the stride-(1, 2) conv; ``k − 1`` columns).
        """
        k = self.kernel
        padding = ((k - 2) // 2, k - 2 - (k - 2) // 2, (k - 1) // 2, k - 1 - (k - 1) // 2)
        conv = Conv2d(self.in_channels, self.out_channels, k, 2, padding)
        return sequence(*conv_bn_act("conv", conv, "leaky_relu", act_first=True))


def check_activation(function: str, what: str) -> None:
    """Raise unless ``function`` is one of :data:`ACTIVATIONS`."""
    if function not in ACTIVATIONS:
        raise SpecError(f"{what} must be one of {', '.join(ACTIVATIONS)}, got {function!r}")


@dataclass(frozen=True)
class SqueezeExcite(Block):
    """Squeeze-and-excitation (Hu et al. 2018), as ``torchvision.ops.SqueezeExcitation``.

    Global average pool → 1×1 conv ``C → squeeze`` (bias) → activation → 1×1 conv ``squeeze → C``
    (bias) → gate (sigmoid; hard-sigmoid in MobileNetV3) → the input scaled channel-wise. The two
    1×1 convolutions on the pooled ``C×1×1`` map are fully-connected layers: ``2·C·squeeze`` MACs,
    counted in ``macs``; the channel-wise multiply (``C·H·W`` elements) is an other op (``scale``).
    """

    channels: int
    squeeze_channels: int
    activation: str = "relu"
    gate: str = "sigmoid"
    kind: ClassVar[str] = "squeeze_excite"

    def __post_init__(self) -> None:
        check_int(self.channels, "channels")
        check_int(self.squeeze_channels, "squeeze_channels")
        check_activation(self.activation, "activation")
        check_activation(self.gate, "gate")
        self._expand_once()

    def _build(self) -> Sequential:
        excite = sequence(
            ("pool", GlobalAvgPool()),
            ("fc1", Conv2d(self.channels, self.squeeze_channels, 1, bias=True)),
            ("act", Activation(self.activation)),
            ("fc2", Conv2d(self.squeeze_channels, self.channels, 1, bias=True)),
            ("gate", Activation(self.gate)),
        )
        return sequence(("branches", Branches((("input", None), ("excite", excite)), "scale")))


@dataclass(frozen=True)
class InvertedResidual(Block):
    """Inverted residual with linear bottleneck (MobileNetV2, Sandler et al. 2018, Table 1), with the
    optional squeeze-excitation of MobileNetV3 (Howard et al. 2019, Fig. 4) and EfficientNet's MBConv.

    1×1 expansion ``c → t·c`` → BN → activation (left out when ``t·c == c``) → ``k×k`` depthwise
    (stride) → BN → activation → [squeeze-excitation] → 1×1 linear projection ``t·c → c'`` → BN; a
    residual add when stride 1 and ``c == c'``. Cost at stride 1, ``c == c'``, ``k = 3``, no SE:
    ``hw·(2·t·c² + 9·t·c)``. ``expanded_channels`` overrides ``t·c`` (MobileNetV3 lists it per row);
    otherwise it is ``round(t·c)`` as torchvision's MobileNetV2.
    """

    in_channels: int
    out_channels: int
    expansion: float = 6
    kernel_size: Pair = (3, 3)
    stride: int = 1
    activation: str = "relu6"
    se_channels: int = 0
    se_activation: str = "relu"
    se_gate: str = "sigmoid"
    expanded_channels: int = DERIVED
    kind: ClassVar[str] = "inverted_residual"

    if TYPE_CHECKING:  # what the constructor takes; __post_init__ normalises it to the fields' types
        def __init__(self, in_channels: int, out_channels: int, expansion: float = 6, kernel_size: int | Pair = 3,
                     stride: int = 1, activation: str = "relu6", se_channels: int = 0, se_activation: str = "relu",
                     se_gate: str = "sigmoid", expanded_channels: int | None = None) -> None: ...

    def __post_init__(self) -> None:
        check_int(self.in_channels, "in_channels")
        check_int(self.out_channels, "out_channels")
        if isinstance(self.expansion, bool) or not isinstance(self.expansion, (int, float)) or not self.expansion > 0:
            raise SpecError(f"expansion t must be a positive number (e.g. 1 or 6), got {self.expansion!r}")
        object.__setattr__(self, "kernel_size", as_pair(self.kernel_size, "kernel_size"))
        check_block_stride(self.stride, "inverted residual")
        check_activation(self.activation, "activation")
        check_int(self.se_channels, "se_channels", 0)
        if self.expanded_channels is None:
            object.__setattr__(self, "expanded_channels", max(round(self.in_channels * self.expansion), 1))
        check_int(self.expanded_channels, "expanded_channels")
        self._expand_once()

    @property
    def residual(self) -> bool:
        """Whether the block adds its input: stride 1 and ``in_channels == out_channels``."""
        return self.stride == 1 and self.in_channels == self.out_channels

    def _build(self) -> Sequential:
        hidden, act = self.expanded_channels, self.activation
        layers: list[tuple[str, Spec]] = []
        if hidden != self.in_channels:
            layers += conv_bn_act("expand", pointwise(self.in_channels, hidden), act)
        layers += conv_bn_act("dw", depthwise(hidden, self.kernel_size, self.stride), act)
        if self.se_channels:
            layers.append(("se", SqueezeExcite(hidden, self.se_channels, self.se_activation, self.se_gate)))
        layers += conv_bn_act("project", pointwise(hidden, self.out_channels), activation=None)
        main = sequence(*layers)
        if not self.residual:
            return main
        return sequence(("branches", Branches((("main", main), ("shortcut", None)), "add")))

    def standard(self) -> Sequential:
        """The standard convolution the block stands for: ``k×k`` conv ``c → c'`` at its stride → BN → activation."""
        conv = Conv2d(self.in_channels, self.out_channels, self.kernel_size, self.stride)
        return sequence(*conv_bn_act("conv", conv, self.activation))


@dataclass(frozen=True)
class ShuffleV2Unit(Block):
    """ShuffleNet V2 unit (Ma et al. 2018, Fig. 3c/3d), as torchvision's ``shufflenetv2.InvertedResidual``.

    Stride 1 (``in == out``): channel split into halves; ``branch1`` is the first half untouched,
    ``branch2`` the second half through 1×1 conv → BN → ReLU → 3×3 depthwise → BN → 1×1 conv → BN →
    ReLU; concatenation; channel shuffle with 2 groups. Stride 2: no split, both branches see the
    whole input — ``branch1`` = 3×3 depthwise (stride 2) → BN → 1×1 conv → BN → ReLU, ``branch2`` as
    above with a stride-2 depthwise — each giving ``out/2`` channels. Every 1×1 keeps its width
    (guideline G1: equal channel width minimises memory access cost ``hw(c1 + c2) + c1·c2``).
    """

    in_channels: int
    out_channels: int
    stride: int = 1
    kind: ClassVar[str] = "shufflenet_v2_unit"

    def __post_init__(self) -> None:
        check_int(self.in_channels, "in_channels")
        check_int(self.out_channels, "out_channels")
        check_block_stride(self.stride, "ShuffleNet V2 unit")
        if self.out_channels % 2:
            raise SpecError(f"a ShuffleNet V2 unit concatenates two halves, so out_channels must be even, "
                            f"got {self.out_channels}")
        if self.stride == 1 and self.in_channels != self.out_channels:
            raise SpecError(f"a stride-1 ShuffleNet V2 unit splits its input in half and keeps one, so "
                            f"in_channels ({self.in_channels}) must equal out_channels ({self.out_channels})")
        self._expand_once()

    def _build(self) -> Sequential:
        half = self.out_channels // 2
        branch2_in = self.in_channels if self.stride == 2 else half
        branch2 = [
            *conv_bn_act("pw1", pointwise(branch2_in, half)),
            *conv_bn_act("dw", depthwise(half, 3, self.stride), activation=None),
            *conv_bn_act("pw2", pointwise(half, half)),
        ]
        if self.stride == 1:
            branch1: Spec = ChannelSplit(2, 0)
            branch2.insert(0, ("split", ChannelSplit(2, 1)))
        else:
            branch1 = sequence(*conv_bn_act("dw", depthwise(self.in_channels, 3, 2), activation=None),
                               *conv_bn_act("pw", pointwise(self.in_channels, half)))
        paths = (("branch1", branch1), ("branch2", sequence(*branch2)))
        return sequence(("branches", Branches(paths, "concat")), ("shuffle", ChannelShuffle(2)))

    def standard(self) -> Sequential:
        """The standard convolution the unit stands for: 3×3 conv ``in → out`` at its stride → BN → ReLU."""
        return sequence(*conv_bn_act("conv", Conv2d(self.in_channels, self.out_channels, 3, self.stride)))


@dataclass(frozen=True)
class Residual(Block):
    """A residual block (He et al. 2016): ``body`` plus a shortcut, merged by an element-wise add.

    The shortcut is the identity (``shortcut=None``; the body must keep the input's shape) or a
    projection spec. What YAML networks write as ``kind: residual`` with nested ``layers``.
    """

    body: Sequential
    shortcut: Sequential | None = None
    kind: ClassVar[str] = "residual"

    def __post_init__(self) -> None:
        for name, value in (("body", self.body), ("shortcut", self.shortcut)):
            if value is not None and not isinstance(value, Sequential):
                raise SpecError(f"residual {name} must be a sequence of layers, got {type(value).__name__}")
        self._expand_once()

    def _build(self) -> Sequential:
        return sequence(("branches", Branches((("main", self.body), ("shortcut", self.shortcut)), "add")))


LEAVES = tuple(spec_type for spec_type, role in SPEC_TYPES.items() if role == "leaf")
CONTAINERS = tuple(spec_type for spec_type, role in SPEC_TYPES.items() if role == "container")
BLOCKS = tuple(spec_type for spec_type, role in SPEC_TYPES.items() if role == "block")
if TYPE_CHECKING:
    Spec: TypeAlias = Registered
else:
    Spec = functools.reduce(operator.or_, SPEC_TYPES)
"""Any spec: the union of every registered spec class (for the type checker, their base)."""


@dataclass(frozen=True)
class Network:
    """A whole network: a name, an input shape and a body, plus the options that produced it."""

    name: str
    input_shape: Shape
    body: Sequential
    options: dict = field(default_factory=dict, compare=False)
    rounding: str = ""
