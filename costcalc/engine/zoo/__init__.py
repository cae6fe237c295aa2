"""The networks of the papers, each defined once as a spec (see :class:`ModelEntry`).

Each module in this package reads like its paper's architecture table and registers one
:class:`ModelEntry` in :data:`MODELS`. The analytic engine costs the spec it builds; the torch
modules are built from the same spec by :mod:`costcalc.measure.modules`.

Besides the spec, an entry knows which options it takes (``alpha``, ``res``, ``groups``,
``scale``, ``classes``) and the numbers its papers and reference implementations publish for a
configuration (:class:`Published`), so ``costcalc model`` can print them beside ours.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from costcalc.engine.network_options import NETWORK_OPTIONS
from costcalc.engine.specs import BLOCKS, LEAVES, Branches, Network, Sequential, Spec, SpecError
from costcalc.spelling import closest

if TYPE_CHECKING:
    from costcalc.engine.cost import CostReport

QUANTITIES = ("macs", "conv_macs", "params", "weights", "tf_variables")
"""What a published number counts: all MACs (conv + FC), conv-only MACs, PyTorch params,
weights only (conv + FC weights; no biases, no batch norm — the MobileNet paper's convention), or
TF-slim's variables (weights + biases + per batch-norm channel β, moving mean and moving variance:
slim's batch norm has no γ by default and its checkpoints count the moving statistics)."""


def quantities(report: CostReport) -> dict[str, int]:
    """Our count of every :data:`QUANTITIES` entry for a :class:`~costcalc.engine.cost.CostReport`."""
    biases = sum(layer.biases for layer in report.layers)
    norm_channels = sum(layer.norm_params for layer in report.layers) // 2
    return {"macs": report.macs, "conv_macs": report.conv_macs, "params": report.params,
            "weights": report.weights, "tf_variables": report.weights + biases + 3 * norm_channels}


@dataclass(frozen=True)
class Published:
    """A number a paper or a reference implementation prints for one configuration.

    ``value`` is the text as printed (``"569"``, ``"4.24"``, ``"4,231,976"``) in units of
    ``scale`` (10⁶ for "Million"); an exact source has ``scale == 1`` and no rounding. Our count
    *agrees* when rounding it the way the source rounds gives the printed value (half-up or
    half-even — sources differ, so either is accepted), or when cutting it to the printed digits
    does (a source that truncates: MobileNetV3's 5.4 M params for 5,483,032); :meth:`agreement` says which.
    """

    quantity: str
    value: str
    source: str
    scale: int = 10**6
    note: str = ""
    approximate: bool = False

    @property
    def exact(self) -> bool:
        return self.scale == 1

    @property
    def number(self) -> Decimal:
        return Decimal(self.value.replace(",", ""))

    def rounded(self, ours: int, rounding: str = ROUND_HALF_UP) -> Decimal:
        """``ours`` in the source's unit and rounding (to the printed number of decimals)."""
        exponent = self.number.as_tuple().exponent
        if not isinstance(exponent, int):  # "n", "N" or "F": a NaN or an infinity has no printed precision
            raise ValueError(f"published {self.quantity} {self.value!r} ({self.source}) is not a finite number")
        quantum = Decimal(1).scaleb(exponent)
        return (Decimal(ours) / self.scale).quantize(quantum, rounding=rounding)

    def agreement(self, ours: int) -> str | None:
        """How ``ours`` gives the printed value: ``"exact"`` (an exact source, equal), ``"rounded"`` (to
        the printed precision, half-up or half-even — sources differ), ``"truncated"`` (the printed
        digits of ours, cut rather than rounded: 5,483,032 printed as 5.4 M); ``None`` when it does not."""
        if self.exact:
            return "exact" if ours == int(self.number) else None
        if self.number in (self.rounded(ours, ROUND_HALF_UP), self.rounded(ours, ROUND_HALF_EVEN)):
            return "rounded"
        if self.number == self.rounded(ours, ROUND_DOWN):
            return "truncated"
        return None

    def agrees(self, ours: int) -> bool | None:
        """Exact equality, or equality at the source's precision, rounded or truncated (:meth:`agreement`);
        ``None`` for an approximate ("≈") source."""
        if self.approximate:
            return None
        return self.agreement(ours) is not None


@dataclass(frozen=True)
class Accuracy:
    """A published ImageNet accuracy of one configuration, as its source prints it.

    ``top1`` / ``top5`` are accuracies in percent as text (``"70.9"``); a source that prints the
    top-1 *error* (ShuffleNet) is carried as ``100 − error`` with the error named in ``note``.
    Published only: nothing is ever interpolated between configurations.
    """

    top1: str
    source: str
    top5: str | None = None
    note: str = ""

    @classmethod
    def from_error(cls, error: str, source: str, note: str = "") -> Accuracy:
        """From a printed top-1 error in percent: ``100 − error`` at the printed precision."""
        top1 = str(Decimal(100) - Decimal(error))
        return cls(top1, source, note="; ".join(filter(None, [f"top-1 error {error} %", note])))


OPTION_NAMES = tuple(NETWORK_OPTIONS)


@dataclass(frozen=True)
class ModelEntry:
    """A named network: how to build its spec from options, its aliases and a one-line summary.

    ``options`` are the keyword arguments ``build`` takes (a subset of :data:`OPTION_NAMES`),
    ``defaults`` their defaults, ``published(options)`` the published numbers for a configuration
    ``notes(options)`` extra lines (e.g. how a claim of the paper reads on this network), and
    ``accuracy(options)`` the published ImageNet accuracies of the configuration, preferred source
    first (:func:`top1`), and ``derived`` how an option whose default is ``None`` follows from the
    others (:meth:`resolve`).
    """

    name: str
    aliases: tuple[str, ...]
    summary: str
    build: Callable[..., Network]
    options: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    published: Callable[[dict[str, Any]], list[Published]] = lambda options: []
    notes: Callable[[dict[str, Any]], list[str]] = lambda options: []
    accuracy: Callable[[dict[str, Any]], list[Accuracy]] = lambda options: []
    derived: Mapping[str, Callable[[Mapping[str, Any]], Any]] = field(default_factory=dict)

    @property
    def grid_options(self) -> tuple[str, ...]:
        """The options a sweep varies: those with a default (MobileNet's ``shallow`` flag has none)."""
        return tuple(key for key in self.options if key in self.defaults)

    def resolve(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` with each one left to the builder (``None``) at the value the builder takes:
        ``derived[key](options)`` (EfficientNet's ``res`` → its variant's native resolution)."""
        return {key: self.derived[key](options) if value is None and key in self.derived else value
                for key, value in options.items()}


MODELS: dict[str, ModelEntry] = {}
MODULES = ("mobilenet_v1", "shufflenet_v1", "effnet", "mobilenet_v2", "mobilenet_v3", "shufflenet_v2", "efficientnet")


def register(entry: ModelEntry) -> ModelEntry:
    """Add ``entry`` to :data:`MODELS` (import time of each zoo module)."""
    MODELS[entry.name] = entry
    return entry


def find(name: str) -> ModelEntry | None:
    """The entry named ``name`` or one of its aliases (case-insensitive, ``-`` as ``_``)."""
    key = name.lower().replace("-", "_")
    for entry in MODELS.values():
        if key == entry.name or key in entry.aliases:
            return entry
    return None


def all_names() -> list[str]:
    """Every model name and alias."""
    return [alias for entry in MODELS.values() for alias in (entry.name, *entry.aliases)]


MISSPELLING = 0.75
"""How close (difflib ratio) a name must be to a zoo name to be taken for a misspelling of it: ``mobilnet`` →
``mobilenet`` (0.94), while ``resnet`` (0.67 to ``effnet``) is another network, not a typo."""
OTHER_NETWORKS = ("for another network, describe it in YAML (costcalc model --config FILE; kinds: costcalc list) "
                  "or count its PyTorch code (costcalc analyze FILE.py:Model)")


def lookup(name: object, options: Mapping[str, Any] = {}) -> ModelEntry:
    """The entry for ``name`` (or an alias) that takes every option in ``options``.

    Raises :class:`SpecError` naming the valid models (and the closest one), or the option that
    does not apply and the model's own options.
    """
    entry = find(name) if isinstance(name, str) else None
    if entry is None:
        hint = closest(name, all_names(), cutoff=MISSPELLING)
        raise SpecError(f"unknown model {name!r}; valid: {', '.join(all_names())}"
                        + (hint or f"; {OTHER_NETWORKS}"))
    extra = [key for key in options if key not in entry.options]
    if extra:
        raise SpecError(f"--{extra[0]} does not apply to {entry.name}; its options: "
                        f"{', '.join('--' + key for key in entry.options)}")
    return entry


IMAGENET_RES = 224
IMAGENET_CLASSES = 1000
TF_SLIM_CLASSES = 1001
"""TF-slim's ImageNet models add a background class (index 0) to the 1000."""


def imagenet(options: Mapping[str, Any], res: int = IMAGENET_RES, background: bool = False) -> bool:
    """Whether ``options`` are the papers' ImageNet setting, where their numbers and accuracies apply:
    a ``res×res`` input (224, or a network's native resolution) and 1000 classes (or 1001 with
    ``background``, as TF-slim's released models)."""
    classes = (IMAGENET_CLASSES, TF_SLIM_CLASSES) if background else (IMAGENET_CLASSES,)
    return options["res"] == res and options["classes"] in classes


def top1(entry: ModelEntry, options: Mapping[str, Any]) -> Accuracy | None:
    """The preferred published accuracy of a configuration (the entry's first), or ``None``."""
    found = entry.accuracy(dict(options))
    return found[0] if found else None


LEAF_TYPES = frozenset(LEAVES)


def standard_equivalent(spec: Spec) -> Spec:
    """``spec`` with every factorized block replaced by the standard convolution it stands for.

    Walks containers; each paper block contributes its :meth:`standard` (MobileNet's separable →
    full ``Dk×Dk`` conv, ShuffleNet unit → ResNet bottleneck, EffNet block → ``k×k`` stride-2 conv).
    """
    if type(spec) in LEAF_TYPES:
        return spec
    if isinstance(spec, BLOCKS):
        return spec.standard() if hasattr(spec, "standard") else spec
    if isinstance(spec, Sequential):
        return _standard_sequence(spec)
    if isinstance(spec, Branches):
        paths = tuple((name, None if path is None else standard_equivalent(path)) for name, path in spec.paths)
        return spec if _same(paths, spec.paths) else Branches(paths, spec.merge)
    return spec


def _standard_sequence(spec: Sequential) -> Sequential:
    """:func:`standard_equivalent` of a sequence, which stays a sequence (a network's body)."""
    children = tuple((name, standard_equivalent(child)) for name, child in spec.children)
    return spec if _same(children, spec.children) else Sequential(children)


def _same(new: tuple[tuple[str, Any], ...], old: tuple[tuple[str, Any], ...]) -> bool:
    """Whether every named part is the very object it was: a container with no block in it is kept."""
    return all(part is before for (_, part), (_, before) in zip(new, old))


def baseline(network: Network) -> Network:
    """The same network with standard convolutions in place of its factorized blocks."""
    return Network(f"{network.name} (standard convolutions)", network.input_shape,
                   _standard_sequence(network.body), network.options, network.rounding)


for _module in MODULES:
    importlib.import_module(f"costcalc.engine.zoo.{_module}")
