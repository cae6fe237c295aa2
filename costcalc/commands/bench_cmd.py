"""``costcalc bench``: MACs, memory traffic, a roofline estimate and measured CPU latency side by side.

Three ways to pick what to time:

* ``costcalc bench NAME [--alpha/--res/--groups/--scale/--classes]`` — every top-level block of a
  zoo network (a stem conv with its BN and activation counts as one item), each factorized block
  beside the standard convolution it stands for, and the whole network;
* ``costcalc bench --in M --out N --kernel K --size DF [...]`` — the rows of ``costcalc compare``;
* ``costcalc bench --suite`` — the compare rows of a few layers from the papers, ending with the
  Spearman rank correlation of measured latency against MACs and against the roofline estimate.

The analytic side (MACs, bytes, roofline) is pure Python (:mod:`costcalc.memory`,
:mod:`costcalc.roofline`); timing is :mod:`costcalc.measure.bench`, imported only after
:func:`costcalc.options.require_measure`. ``costcalc bench --calibrate`` measures this machine's
peak MAC/s and bandwidth and prints the profile (YAML with ``--save FILE``; nothing is written
unless ``--save`` is given). Without ``--device`` a run calibrates first.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import click

from costcalc.cost import CostReport, cost
from costcalc.memory import Memory, layer_memory, memory_payload
from costcalc.options import dtype_option, format_option, layer_options, model_options, usage_error
from costcalc.render import Column, View, dims, emit, human, seconds
from costcalc.roofline import DeviceProfile, Estimate, estimate_sequence, resolve_profile, spearman
from costcalc.specs import BLOCKS, Sequential, Shape
from costcalc.zoo import OPTION_NAMES

TIMED_DTYPES = ("float32", "float16")

# The --suite: layers from the papers, each expanded into every applicable compare row. Written with
# the keys of configs/layers/*.yaml and parsed by the same LayerQuery.from_mapping (groups default 8).
# Kept here rather than read from configs/layers: only Table 3 is also a layer file (the others are
# chosen to spread arithmetic intensity, and the layer files include non-paper examples such as the
# Inception 1×7), and configs/layers is not installed with the package (only verify.yaml and devices/
# are, see pyproject.toml), which --suite must not depend on.
SUITE: tuple[tuple[str, dict[str, Any]], ...] = (
    ("mnv1-table3", {"in": 512, "out": 512, "kernel": 3, "size": 14}),   # MobileNet Table 3 (= mobilenet_table3.yaml)
    ("mnv1-dw2", {"in": 32, "out": 64, "kernel": 3, "size": 112}),       # conv_dw_2 / pw 32→64 on 112²
    ("mnv1-dw4", {"in": 128, "out": 128, "kernel": 3, "size": 56}),      # conv_dw_4
    ("mnv1-dw13", {"in": 1024, "out": 1024, "kernel": 3, "size": 7}),    # conv_dw_14 (7², 1024)
    ("shufflenet-s3", {"in": 240, "out": 240, "kernel": 3, "size": 28, "groups": 3}),  # 1×, g=3, stage 2 on 28²
)
QUICK_CALIBRATION_S = 0.3
"""Timing budget of the calibration a run does first when no ``--device`` is given."""
CALIBRATE_ONLY = ("threads", "save_path", "calibrate", "fmt")
"""Options ``--calibrate`` uses; any other given with it is an error rather than silently ignored."""


@dataclass
class Item:
    """One thing to time: a spec on an input, its exact cost and what it is compared with."""

    name: str
    spec: Any
    shape: Shape
    report: CostReport
    reference: str | None = None
    role: str = "item"  # item | standard | network
    memory: Memory | None = None
    roofline: Estimate | None = None
    timing: Any = None
    layer: Any = None

    @property
    def macs(self) -> int:
        return self.memory.macs if self.memory else self.report.macs


@dataclass
class Plan:
    title: str
    items: list[Item] = field(default_factory=list)
    network: Any = None


# --- what to time --------------------------------------------------------------------------------


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
    from costcalc.specs import Activation, BatchNorm2d, ChannelShuffle, Flatten, GlobalAvgPool, Pool2d

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


def model_plan(name: str, options: dict[str, Any], baseline: bool) -> Plan:
    """Blocks of a zoo network (each beside its standard convolution), then the whole network."""
    from costcalc import zoo

    network = zoo.lookup(name, options).build(**options)
    plan = Plan(f"{network.name}, {dims(network.input_shape)} input", network=network)
    shape = network.input_shape
    for group in group_children(network):
        item = _item(group.name, group.spec, shape)
        plan.items.append(item)
        if baseline and isinstance(group.head, BLOCKS) and hasattr(group.head, "standard"):
            standard = _item(f"{group.name} standard", group.head.standard(), shape, role="standard")
            item.reference = standard.name
            plan.items.append(standard)
        shape = item.report.output
    whole = _item("network", network.body, network.input_shape, role="network")
    plan.items.append(whole)
    if baseline:
        base = zoo.baseline(network)
        if cost(base.body, base.input_shape).macs != whole.report.macs:
            plan.items.append(_item("network standard", base.body, base.input_shape, role="network"))
            whole.reference = "network standard"
    return plan


def compare_plan(query: Any, prefix: str = "") -> Plan:
    """The applicable rows of ``costcalc compare`` for one layer; each names its reference row."""
    from costcalc.compare import compare_layer

    plan = Plan(f"{query.in_channels}→{query.out_channels}, {query.kernel_size[0]}×{query.kernel_size[1]} kernel, "
                f"stride {query.stride[0]}, on {query.in_channels}×{query.size[0]}×{query.size[1]}")
    names = set()
    for row in compare_layer(query):
        if row.report is None:
            continue
        names.add(row.name)
        reference = row.definition.reference
        plan.items.append(Item(prefix + row.name, row.spec, row.input, row.report,
                               reference=prefix + reference if reference != row.name else None))
    for item in plan.items:
        if item.reference and item.reference[len(prefix):] not in names:
            item.reference = None
    return plan


def suite_plan() -> Plan:
    from costcalc.compare import LayerQuery

    plan = Plan("suite: compare rows of " + ", ".join(label for label, _ in SUITE))
    for label, layer in SUITE:
        plan.items.extend(compare_plan(LayerQuery.from_mapping(layer), prefix=f"{label}/").items)
    return plan


# --- analytic side --------------------------------------------------------------------------------


def analyse(plan: Plan, dtype: str, batch: int, profile: DeviceProfile) -> None:
    """Memory traffic (per layer, summed) and the roofline bound (sum of per-layer bounds)."""
    for item in plan.items:
        per_layer = [layer_memory(layer, dtype).batched(batch) for layer in item.report.layers]
        item.memory = sum(per_layer[1:], per_layer[0])
        item.roofline = estimate_sequence([(memory.macs, memory.bytes) for memory in per_layer], profile)
        if len(item.report.layers) == 1:
            item.layer = item.report.layers[0]


# --- timing ---------------------------------------------------------------------------------------


def run_timings(plan: Plan, settings: Any, bench: Any) -> bool:
    """Time every item with a progress bar on stderr; Ctrl-C stops and keeps what was measured.

    Returns whether the run was interrupted.
    """
    from costcalc.progress import track

    with closing(track(plan.items, lambda item: f"timing {item.name}", "timing", detailed=True)) as items:
        try:
            for item in items:
                item.timing = bench.time_spec(item.spec, item.shape, settings)
        except KeyboardInterrupt:
            return True
    return False


# --- output ---------------------------------------------------------------------------------------


def speedups(item: Item, by_name: dict[str, Item]) -> tuple[float | None, float | None, float | None]:
    """Speed-up of ``item`` over its reference: predicted by MACs, by the roofline, and measured."""
    reference = by_name.get(item.reference or "")
    if reference is None:
        return None, None, None
    by_macs = reference.macs / item.macs if item.macs else None
    by_roofline = reference.roofline.seconds / item.roofline.seconds if item.roofline.seconds else None
    measured = None
    if item.timing is not None and reference.timing is not None and item.timing.median > 0:
        measured = reference.timing.median / item.timing.median
    return by_macs, by_roofline, measured


def correlations(plan: Plan) -> dict[str, Any]:
    """Spearman of measured median latency against MACs and against the roofline, over timed items."""
    items = [item for item in plan.items if item.role != "network" and item.timing is not None]
    times = [item.timing.median for item in items]
    return {"n": len(items), "macs": spearman([item.macs for item in items], times),
            "roofline": spearman([item.roofline.seconds for item in items], times)}


def row_payload(item: Item, by_name: dict[str, Item]) -> dict[str, Any]:
    predicted, by_roofline, measured = speedups(item, by_name)
    return {"name": item.name, "role": item.role, "input": list(item.shape), "macs": item.macs,
            "bytes": item.memory.bytes, "memory": memory_payload(item.memory, item.layer),
            "roofline_s": item.roofline.seconds, "compute_s": item.roofline.compute_s,
            "memory_s": item.roofline.memory_s, "bound": item.roofline.bound,
            "measured_s": None if item.timing is None else item.timing.as_dict(),
            "reference": item.reference, "predicted_speedup": predicted, "roofline_speedup": by_roofline,
            "measured_speedup": measured}


def speedup_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def build_view(plan: Plan, environment: dict[str, Any], stats: dict[str, Any] | None, interrupted: bool) -> View:
    by_name = {item.name: item for item in plan.items}
    view = View(f"bench: {plan.title}",
                [Column("item"), Column("MACs", "right"), Column("bytes", "right"), Column("MAC/B", "right"),
                 Column("bound"), Column("roofline", "right"), Column("measured", "right", "bold"),
                 Column("± IQR", "right"), Column("meas/roof", "right"), Column("vs"),
                 Column("speed-up MACs", "right"), Column("roofline", "right"), Column("measured", "right", "green")])
    for item in plan.items:
        predicted, by_roofline, measured = speedups(item, by_name)
        timing = item.timing
        intensity = item.memory.intensity
        view.add(item.name, human(item.macs), human(item.memory.bytes),
                 "—" if intensity is None else f"{float(intensity):.2f}", item.roofline.bound,
                 seconds(item.roofline.seconds), seconds(timing.median if timing else None),
                 seconds(timing.iqr if timing else None),
                 f"{timing.median / item.roofline.seconds:.1f}×" if timing and item.roofline.seconds else "—",
                 item.reference or "", speedup_text(predicted), speedup_text(by_roofline), speedup_text(measured),
                 style="dim" if item.role == "standard" else ("bold" if item.role == "network" else ""))
    device = environment["device"]
    view.notes.append(
        f"Environment: torch {environment['torch']}, {environment['threads']} thread(s), {environment['cpu']}, "
        f"{environment['dtype']}, batch {environment['batch']}. Measured = median per forward pass "
        f"(eval, inference mode) over {environment['repeats']} blocks after {environment['warmup']} warm-up calls.")
    view.notes.append(
        f"Roofline: Σ over layers of max(MACs / {human(device['peak_macs'])}MAC/s, bytes / "
        f"{human(device['bandwidth'])}B/s) ({device['name']}); bytes = activations read + written + weights "
        f"read, each layer unfused. MACs = conv + FC multiply-accumulates; speed-up = reference ÷ item.")
    if stats is not None and stats["n"] >= 2:
        view.notes.append(f"Spearman rank correlation with measured latency over {stats['n']} items: "
                          f"MACs {_rho(stats['macs'])}, roofline {_rho(stats['roofline'])}.")
    if interrupted:
        measured = sum(item.timing is not None for item in plan.items)
        view.notes.append(f"Interrupted: {measured} of {len(plan.items)} items measured.")
    return view


def _rho(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def profile_view(profile: DeviceProfile) -> View:
    view = View(f"device profile: {profile.name}", [Column("quantity"), Column("value", "right")])
    view.add("peak MACs", f"{human(profile.peak_macs)}MAC/s")
    view.add("bandwidth", f"{human(profile.bandwidth)}B/s")
    view.add("ridge point", f"{profile.ridge:.2f} MAC/B")
    view.notes.append(profile.description)
    if profile.source:
        view.notes.append(profile.source)
    return view


# --- the command ----------------------------------------------------------------------------------


def choose_mode(name: str | None, suite: bool, calibrate: bool, layer: dict[str, Any], config_path: str | None,
                network: dict[str, Any]) -> str:
    """Exactly one of NAME, a layer, ``--suite``, ``--calibrate``; model options only with NAME (or ``--groups``
    with a layer)."""
    layer_mode = "--in/--out/--kernel/--size" + (" or --config" if config_path else "")
    modes = [mode for mode, chosen in (("NAME", name), (layer_mode, layer or config_path), ("--suite", suite),
                                       ("--calibrate", calibrate)) if chosen]
    if not modes:
        raise usage_error("give a model NAME, a layer (--in M --out N --kernel K --size DF), --suite or --calibrate")
    if len(modes) > 1:
        raise usage_error(f"choose one of {', '.join(modes)}")
    mode = modes[0]
    stray = [key for key in network if not (mode == "NAME" or (mode == layer_mode and key == "groups"))]
    if stray:
        raise usage_error(f"--{stray[0]} applies to a model NAME, not to {'a layer bench' if mode == layer_mode else mode}")
    return mode


def check_calibrate_options(ctx: click.Context, save_path: str | None) -> None:
    """Before calibrating: no option --calibrate would ignore, and a --save path that can be written."""
    from click.core import ParameterSource

    ignored = ["/".join(param.opts + param.secondary_opts) for param in ctx.command.params
               if param.name not in CALIBRATE_ONLY and isinstance(param, click.Option)
               and ctx.get_parameter_source(param.name) is not ParameterSource.DEFAULT]
    if ignored:
        raise usage_error(f"{', '.join(ignored)} {'applies' if len(ignored) == 1 else 'apply'} to timing runs, "
                          f"not to --calibrate (it times a float32 matmul and a copy; it takes --threads and --save)")
    if save_path:
        from costcalc.files import check_writable

        check_writable(save_path, "--save")


def run_calibration(threads: int, save_path: str | None, fmt: str) -> None:
    """Measure this machine, print the profile, and write it atomically to ``--save`` when given."""
    from costcalc.options import require_measure

    require_measure()
    from costcalc.measure import bench

    profile = bench.calibrate(threads)
    if save_path:
        from costcalc.files import replacing

        try:
            with replacing(save_path) as temporary:
                with open(temporary, "w", encoding="utf-8") as handle:
                    handle.write(profile.to_yaml("Measured by `costcalc bench --calibrate`; read with --device FILE."))
        except OSError as error:
            raise usage_error(f"--save {save_path!r}: {error.strerror or error}") from None
        click.echo(f"saved device profile to {save_path}", err=True)
    emit(fmt, {"device": profile.as_dict()}, [profile_view(profile)], [profile.as_dict()])


def plan_for(mode: str, name: str | None, network: dict[str, Any], layer: dict[str, Any], config_path: str | None,
             baseline: bool) -> Plan:
    """What to time: a network's blocks, the suite, or one layer's compare rows."""
    if mode == "--suite":
        return suite_plan()
    if mode == "NAME":
        return model_plan(name, network, baseline)
    from costcalc.commands.compare_cmd import layer_query

    if "groups" in network:
        layer["groups"] = network["groups"]
    return compare_plan(layer_query(config_path, layer)[1])


def output(plan: Plan, environment: dict[str, Any], interrupted: bool) -> tuple[dict[str, Any], View]:
    """The JSON payload and the table, with the network's peak activations when a network was timed."""
    stats = correlations(plan)
    by_name = {item.name: item for item in plan.items}
    payload: dict[str, Any] = {"environment": environment, "title": plan.title,
                               "rows": [row_payload(item, by_name) for item in plan.items],
                               "spearman": stats, "interrupted": interrupted}
    view = build_view(plan, environment, stats, interrupted)
    if plan.network is not None:
        from costcalc.memory import peak_activations, peak_payload

        batch = environment["batch"]
        peak = peak_payload(peak_activations(plan.network, dtype=environment["dtype"]))
        peak.update(elements=peak["elements"] * batch, bytes=peak["bytes"] * batch)
        payload["peak_activations"] = peak
        view.notes.append(f"Peak activations (batch {batch}): {human(peak['bytes'])}B at {peak['layer']} "
                          f"(live: {', '.join(peak['live'])}).")
    return payload, view


@click.command("bench")
@click.argument("name", required=False)
@model_options
@layer_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A YAML layer spec (configs/layers/*.yaml) for a layer bench; options override it.")
@click.option("--suite", is_flag=True, help="Time the block suite and report Spearman correlations.")
@click.option("--calibrate", is_flag=True, help="Measure this machine's peak MAC/s and bandwidth and print the profile.")
@click.option("--save", "save_path", type=click.Path(dir_okay=False),
              help="With --calibrate: write the profile as YAML to FILE (nothing is written otherwise).")
@click.option("--device", help="Device profile for the roofline: a YAML file or a shipped name "
                               "(configs/devices). Default: calibrate this machine first.")
@dtype_option("Element type for bytes and timing (int8: analytic only — not timed).")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="torch intra-op threads.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Batch size.")
@click.option("--warmup", type=click.IntRange(min=0), default=3, show_default=True, help="Warm-up calls per item.")
@click.option("--repeats", type=click.IntRange(min=1), default=7, show_default=True, help="Timed blocks per item.")
@click.option("--min-time", type=click.FloatRange(min=0, min_open=True), default=0.15, show_default=True,
              help="Seconds of timing per item (split over the blocks).")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="bench NAME: also time each block's standard-convolution equivalent.")
@format_option
@click.pass_context
def command(ctx: click.Context, name: str | None, suite: bool, calibrate: bool, save_path: str | None,
            device: str | None, dtype: str, threads: int, batch: int, warmup: int, repeats: int, min_time: float,
            baseline: bool, fmt: str, **options: Any) -> None:
    """MACs, memory traffic, roofline estimate and measured CPU latency, side by side.

    \b
    Examples:
      costcalc bench --calibrate --save my-laptop.yaml
      costcalc bench mobilenet --alpha 0.5 --res 128 --threads 2
      costcalc bench --in 512 --out 512 --kernel 3 --size 14 --device my-laptop.yaml
      costcalc bench --config configs/layers/mobilenet_table3.yaml --device laptop-i5-8250u
      costcalc bench --suite --threads 1
    """
    network = {key: options.pop(key) for key in OPTION_NAMES  # bench's --size is the layer's feature map
               if key != "size" and options.get(key) is not None}
    config_path = options.pop("config_path")
    layer = {key: value for key, value in options.items() if value is not None}
    mode = choose_mode(name, suite, calibrate, layer, config_path, network)
    if save_path and not calibrate:
        raise usage_error("--save applies to --calibrate only")
    if calibrate:
        check_calibrate_options(ctx, save_path)
        run_calibration(threads, save_path, fmt)
        return
    if dtype not in TIMED_DTYPES:
        raise usage_error(f"--dtype {dtype} is analytic only (compare/model --memory); bench times "
                          f"{' or '.join(TIMED_DTYPES)}")
    plan = plan_for(mode, name, network, layer, config_path, baseline)
    profile = resolve_profile(device) if device else None

    from costcalc.options import require_measure

    require_measure()
    from costcalc.measure import bench

    # The options above are the one source of the timing defaults (bench.Settings has none).
    settings = bench.Settings(threads=threads, batch=batch, dtype=dtype, warmup=warmup, repeats=repeats,
                              min_time=min_time)
    if profile is None:
        click.echo(f"calibrating this machine ({threads} thread(s)); pass --device FILE to skip", err=True)
        profile = bench.calibrate(threads, min_time=QUICK_CALIBRATION_S)
    analyse(plan, dtype, batch, profile)
    interrupted = run_timings(plan, settings, bench)
    environment = {**bench.environment(threads), "dtype": dtype, "batch": batch, "warmup": warmup,
                   "repeats": repeats, "min_time": min_time, "device": profile.as_dict()}
    payload, view = output(plan, environment, interrupted)
    emit(fmt, payload, [view], payload["rows"])
    if interrupted:
        click.echo(f"Interrupted: printed the {payload['spearman']['n']} items measured so far.", err=True)
        ctx.exit(130)
