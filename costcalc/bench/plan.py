"""What ``costcalc bench`` times: the items of a network, of one layer's compare rows, of the suite or of
a user's PyTorch model, each with its exact cost, memory traffic and roofline bound; and the kernels a
calibration times, taken from the same paper layers. Pure Python (a user's model arrives analyzed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from costcalc.engine.cost import CostReport, LayerCost, cost
from costcalc.engine.memory import Memory, layer_memory, memory_sum
from costcalc.engine.roofline import DeviceProfile, Estimate, estimate_sequence
from costcalc.engine.specs import BLOCKS, Network, Sequential, Shape
from costcalc.formatting import dims

# The --suite: layers from the papers, each expanded into every applicable compare row. Written with
# the keys of configs/layers/*.yaml and parsed by the same LayerQuery.from_mapping (groups default 8).
# Kept here rather than read from configs/layers: only Table 3 is also a layer file (the others are
# chosen to spread arithmetic intensity, and the layer files include non-paper examples such as the
# Inception 1×7), and configs/layers is not installed with the package (only verify.yaml and devices/
# are, see pyproject.toml), which --suite must not depend on.
PAPER_LAYERS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("mnv1-table3", {"in": 512, "out": 512, "kernel": 3, "size": 14}),   # MobileNet Table 3 (= mobilenet_table3.yaml)
    ("mnv1-dw2", {"in": 32, "out": 64, "kernel": 3, "size": 112}),       # conv_dw_2 / pw 32→64 on 112²
    ("mnv1-dw4", {"in": 128, "out": 128, "kernel": 3, "size": 56}),      # conv_dw_4
    ("mnv1-dw13", {"in": 1024, "out": 1024, "kernel": 3, "size": 7}),    # conv_dw_14 (7², 1024)
    ("shufflenet-s3", {"in": 240, "out": 240, "kernel": 3, "size": 28, "groups": 3}),  # 1×, g=3, stage 2 on 28²
)


@dataclass
class Item:
    """One thing to time: a spec (or a user's ``nn.Module``) on an input, its exact cost and its reference.

    ``report`` is ``None`` for a row that cannot apply (``note`` says why); such an item is listed, never timed.
    """

    name: str
    spec: Any
    shape: Shape | None
    report: CostReport | None
    reference: str | None = None
    role: str = "item"  # item | standard | network
    note: str = ""
    memory: Memory | None = None
    roofline: Estimate | None = None
    timing: Any = None
    layer: Any = None

    @property
    def applicable(self) -> bool:
        return self.report is not None

    @property
    def macs(self) -> int | None:
        if self.memory is not None:
            return self.memory.macs
        return None if self.report is None else self.report.macs


@dataclass
class BenchPlan:
    title: str
    items: list[Item] = field(default_factory=list)
    network: Any = None


def _item(name: str, spec: Any, shape: Shape, **extra: Any) -> Item:
    return Item(name, spec, shape, cost(spec, shape), **extra)


@dataclass
class Group:
    """Top-level children of a network timed as one item: a block or layer, then the MAC-free leaves after it."""

    name: str
    children: list[tuple[str, Any]]

    @property
    def head(self) -> Any:
        return self.children[0][1]

    @property
    def spec(self) -> Any:
        return self.head if len(self.children) == 1 else Sequential(tuple(self.children))


def is_macless_leaf(spec: Any) -> bool:
    """Leaves that never carry MACs (BN, activation, pool, flatten, shuffle)."""
    from costcalc.engine.specs import Activation, BatchNorm2d, ChannelShuffle, Flatten, GlobalAvgPool, Pool2d

    return isinstance(spec, (Activation, BatchNorm2d, ChannelShuffle, Flatten, GlobalAvgPool, Pool2d))


def group_children(network: Any) -> list[Group]:
    """A stem conv with its BN and activation is one group; a block (which has its own) stays alone."""
    groups: list[Group] = []
    for name, child in network.body.children:
        if groups and is_macless_leaf(child) and not isinstance(groups[-1].head, BLOCKS):
            groups[-1].children.append((name, child))
        else:
            groups.append(Group(name, [(name, child)]))
    return groups


def network_plan(network: Network, baseline: bool) -> BenchPlan:
    """Blocks of a network (each beside its standard convolution), then the whole network.

    The network is a zoo model or a YAML network (``--config``); the baseline is
    :func:`costcalc.engine.zoo.baseline` (every factorized block as the standard convolution it stands for).
    """
    from costcalc.engine import zoo

    plan = BenchPlan(f"{network.name}, {dims(network.input_shape)} input", network=network)
    shape = network.input_shape
    for group in group_children(network):
        item = _item(group.name, group.spec, shape)
        plan.items.append(item)
        if baseline and isinstance(group.head, BLOCKS) and hasattr(group.head, "standard"):
            standard = _item(f"{group.name} standard", group.head.standard(), shape, role="standard")
            item.reference = standard.name
            plan.items.append(standard)
        shape = group.spec.output_shape(shape)
    whole_report = cost(network.body, network.input_shape)
    whole = Item("network", network.body, network.input_shape, whole_report, role="network")
    plan.items.append(whole)
    if baseline:
        base = zoo.baseline(network)
        if cost(base.body, base.input_shape).macs != whole_report.macs:
            plan.items.append(_item("network standard", base.body, base.input_shape, role="network"))
            whole.reference = "network standard"
    return plan


def model_plan(name: str, options: dict[str, Any], baseline: bool) -> BenchPlan:
    """A zoo network by name and options (``bench mobilenet --alpha 0.5``)."""
    from costcalc.engine import zoo

    return network_plan(zoo.lookup(name, options).build(**options), baseline)


def compare_plan(query: Any, prefix: str = "") -> BenchPlan:
    """Every row of ``costcalc compare`` for one layer; rows that cannot apply stay, untimed, with the reason."""
    from costcalc.engine.compare import compare_layer

    plan = BenchPlan(query.description)
    rows = compare_layer(query)
    applicable = {row.name for row in rows if row.report is not None}
    for row in rows:
        reference = row.definition.reference
        linked = prefix + reference if reference != row.name and reference in applicable else None
        plan.items.append(Item(prefix + row.name, row.spec, row.input, row.report, reference=linked,
                               note=row.note if row.report is None else ""))
    return plan


def paper_layers_plan() -> BenchPlan:
    """``bench --suite``: every compare row of each of :data:`PAPER_LAYERS`, named ``LAYER/ROW``."""
    from costcalc.engine.compare import LayerQuery

    plan = BenchPlan("suite: compare rows of " + ", ".join(label for label, _ in PAPER_LAYERS))
    for label, layer in PAPER_LAYERS:
        plan.items.extend(compare_plan(LayerQuery.from_mapping(layer), prefix=f"{label}/").items)
    return plan


CALIBRATION_ROWS = ("standard", "grouped", "pointwise")
"""The dense convolutions among the compare rows: the candidates for the peak a calibration measures."""


def calibration_kernels(count: int = 7) -> list[tuple[str, Any, Shape]]:
    """The ``count`` kernels a calibration times for its peak MAC/s: of the :data:`CALIBRATION_ROWS` of every
    paper layer (``bench --suite`` times the same specs), those with the most MACs per byte of float32 traffic.

    A roofline is a bound only if no layer runs faster than its peak, and the rows that do the most
    arithmetic per byte are the ones that get closest to it.
    """
    candidates: dict[tuple[Any, Shape | None], tuple[str, Fraction]] = {}
    for item in paper_layers_plan().items:
        report = item.report
        if report is not None and item.name.rpartition("/")[2] in CALIBRATION_ROWS:
            traffic = memory_sum([layer_memory(layer, "float32") for layer in report.layers], "float32")
            candidates.setdefault((item.spec, item.shape), (item.name, Fraction(report.macs, traffic.bytes)))
    ranked = sorted(candidates.items(), key=lambda entry: entry[1][1], reverse=True)[:count]
    return [(name, spec, shape) for (spec, shape), (name, _) in ranked if shape is not None]


def target_plan(model: Any, analysis: Any, mapped_rows: list[tuple[dict[str, Any], Any]]) -> BenchPlan:
    """A user's PyTorch model (``path/file.py:Model``) as one item, costed by ``costcalc analyze``.

    ``mapped_rows`` pairs each of the analysis's layer rows with the spec it maps to, or ``None``
    (:func:`costcalc.measure.spec_view.mapped_layer`: a 2-D convolution as its operator ran — its own
    input, stride, padding, dilation and groups, so a layer that pads in ``forward`` is the convolution on
    the padded input — or a ``Linear`` on a vector, one operator per call, the same call every time).
    Traffic and roofline cover the mapped
    layers, each counted once per run per input sample; the other MAC layers are still timed (they run
    in the forward) and are named in the item's note with analyze's exact count of them.
    """
    batch, *sample = analysis.inputs[0]  # N,C,H,W (costcalc analyze's input); the plan is per sample
    shape = Shape(*sample)
    layers: list[LayerCost] = []
    unmapped: list[dict[str, Any]] = []
    for row, mapped in mapped_rows:
        repeats, rest = divmod(mapped.runs, batch) if mapped is not None else (0, 0)
        if repeats and not rest:
            layers.extend(cost(mapped.spec, mapped.input, row["name"]).layers * repeats)
        else:
            unmapped.append(row)
    report = CostReport(tuple(layers), shape, layers[-1].output if layers else shape)
    item = Item("network", model, shape, report, role="network")
    if unmapped:
        names = ", ".join(f"{row['name']} ({row['module'] or row['family']})" for row in unmapped)
        item.note = (f"timed, but not in MACs / bytes / roofline (no layer formula): {names}; "
                     f"analyze counts {sum(row['macs'] for row in unmapped):,} MACs in them")
    return BenchPlan(f"{analysis.target}, {dims(shape)} input", [item])


def add_estimates(plan: BenchPlan, dtype: str, batch: int, profile: DeviceProfile) -> None:
    """Memory traffic (per layer, summed) and the roofline bound (sum of per-layer bounds)."""
    for item in plan.items:
        report = item.report
        if report is None:
            continue
        per_layer = [layer_memory(layer, dtype).batched(batch) for layer in report.layers]
        item.memory = memory_sum(per_layer, dtype)
        item.roofline = estimate_sequence([(memory.macs, memory.bytes) for memory in per_layer], profile)
        if len(report.layers) == 1:
            item.layer = report.layers[0]

