"""``costcalc bench``: MACs, memory traffic, a roofline estimate and measured CPU latency side by side.

Ways to pick what to time:

* ``costcalc bench NAME [--alpha/--res/--groups/--scale/--classes]`` — every top-level block of a
  zoo network (a stem conv with its BN and activation counts as one item), each factorized block
  beside the standard convolution it stands for, and the whole network; ``--config net.yaml``
  does the same for a YAML network (configs/models/*.yaml);
* ``costcalc bench path/file.py:Model --input 1,3,32,32`` — a PyTorch model as ``costcalc
  analyze`` loads it, timed whole, with the MACs and traffic of the layers analyze maps;
* ``costcalc bench --in M --out N --kernel K --size DF [...]`` (or ``--config layer.yaml``) — the
  rows of ``costcalc compare``, those that cannot apply listed with the reason;
* ``costcalc bench --suite`` — the compare rows of a few layers from the papers, ending with the
  Spearman rank correlation of measured latency against MACs and against the roofline estimate.

Planning and the analytic side (MACs, bytes, roofline) are :mod:`costcalc.bench.plan`, the timing loop
:mod:`costcalc.bench.timing` (torch only through :mod:`costcalc.measure.bench`, imported after
:func:`costcalc.commands.options.require_measure`), the table and JSON :mod:`costcalc.views.bench`.
``costcalc bench --calibrate`` measures this machine's peak MAC/s and bandwidth and prints the
profile (YAML with ``--save FILE``); without ``--device`` a run calibrates first.
"""

from __future__ import annotations

import os
from typing import Any

import click
from click.core import ParameterSource

from costcalc.bench.plan import (
    BenchPlan,
    add_estimates,
    calibration_kernels,
    compare_plan,
    model_plan,
    network_plan,
    paper_layers_plan,
)
from costcalc.bench.timing import QUICK_CALIBRATION_S, run_timings
from costcalc.commands.options import (
    dtype_option,
    format_option,
    layer_options,
    model_options,
    require_measure,
    usage_error,
)
from costcalc.commands.targets import parse_ints, user_code_errors
from costcalc.config.device_profiles import resolve_profile
from costcalc.engine.dtypes import TIMED_DTYPES
from costcalc.engine.zoo import OPTION_NAMES
from costcalc.views.bench import output
from costcalc.views.progress import track
from costcalc.views.render import emit

CALIBRATE_ONLY = ("threads", "save_path", "calibrate", "fmt")
"""Options ``--calibrate`` uses; any other given with it is an error rather than silently ignored."""


MAX_WARMUP = 1_000
"""Most warm-up calls per item (``--warmup``): torch's own ``Timer.blocked_autorange`` needs one."""
MAX_REPEATS = 1_000
"""Most timed blocks per item (``--repeats``): a median and IQR settle long before."""
MAX_MIN_TIME = 60.0
"""Most seconds of timing per item (``--min-time``): a minute per item, the default being 0.15 s."""
MAX_THREADS = os.cpu_count() or 1
"""Most torch intra-op threads (``--threads``): this machine's logical cores (``os.cpu_count()``); torch
itself crashes (SIGSEGV) on ``set_num_threads(100000)``, and more threads than cores time the OS's scheduler."""


def positive_seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """``--min-time``: seconds in (0, :data:`MAX_MIN_TIME`] (``nan`` and ``inf`` meet
    :func:`costcalc.number_rule.number_problem` first)."""
    if not 0 < value <= MAX_MIN_TIME:
        raise click.BadParameter(f"must be a number of seconds > 0 and at most {MAX_MIN_TIME:g} "
                                 f"(e.g. 0.15), got {value:g}")
    return value


def is_network_file(path: str) -> bool:
    """A YAML network (it has ``layers:``) rather than a layer spec (``in:``, ``out:`` …)."""
    from costcalc.config.config_file import ConfigFile

    data = ConfigFile(path).data
    return isinstance(data, dict) and "layers" in data


def model_flag(key: str) -> str:
    """How bench spells a network option: ``--model-size`` for MobileNetV3's size (``--size`` is the layer's map)."""
    return "--model-size" if key == "size" else f"--{key}"


def check_model_size(name: str) -> None:
    """``--model-size`` only for a network that takes a size (MobileNetV3), said in bench's own spelling."""
    from costcalc.engine import zoo

    entry = zoo.lookup(name)
    if "size" not in entry.options:
        takers = ", ".join(other.name for other in zoo.MODELS.values() if "size" in other.options)
        raise usage_error(f"--model-size does not apply to {entry.name}; it applies to {takers}")


def choose_mode(name: str | None, suite: bool, calibrate: bool, layer: dict[str, Any], config_path: str | None,
                network: dict[str, Any]) -> str:
    """Exactly one of NAME, a layer, ``--suite``, ``--calibrate``; model options only with NAME (or ``--groups``
    with a layer)."""
    layer_mode = "--in/--out/--kernel/--size" + (" or --config" if config_path else "")
    modes = [mode for mode, chosen in (("NAME", name), (layer_mode, layer or config_path), ("--suite", suite),
                                       ("--calibrate", calibrate)) if chosen]
    if not modes:
        raise usage_error("give a model NAME, a TARGET file.py:Model, a layer (--in M --out N --kernel K --size DF), "
                          "--config FILE, --suite or --calibrate")
    if len(modes) > 1:
        raise usage_error(f"choose one of {', '.join(modes)}")
    mode = modes[0]
    stray = [key for key in network if not (mode == "NAME" or (mode == layer_mode and key == "groups"))]
    if stray:
        raise usage_error(f"{model_flag(stray[0])} applies to a model NAME, not to "
                          f"{'a layer bench' if mode == layer_mode else mode}")
    return mode


def plan_for(mode: str, name: str | None, network: dict[str, Any], layer: dict[str, Any], config_path: str | None,
             baseline: bool, input_text: str | None) -> BenchPlan:
    """What to time: a network's blocks, a user's model, the suite, or one layer's compare rows."""
    if input_text is not None and not (name and ":" in name):
        raise usage_error("--input applies to a TARGET file.py:Model (zoo models take --res; layers --size)")
    if mode == "--suite":
        return paper_layers_plan()
    if mode == "NAME" and name:
        if ":" not in name:
            if "size" in network:
                check_model_size(name)
            return model_plan(name, network, baseline)
        if network:
            raise usage_error(f"{model_flag(next(iter(network)))} applies to a zoo model NAME, not to a TARGET "
                              "file.py:Model")
        return target_plan_for(name, input_text or "1,3,224,224")
    if config_path and is_network_file(config_path):
        if layer or network:
            given = ", ".join(f"--{key}" for key in (*layer, *network))
            raise usage_error(f"{given}: a network file sets its own layers ({config_path}); give layer options "
                              f"with a layer file")
        from costcalc.config.network_file import load_network

        return network_plan(load_network(config_path), baseline)
    from costcalc.config.layer_file import layer_query

    if "groups" in network:
        layer["groups"] = network["groups"]
    return compare_plan(layer_query(config_path, layer)[1])


def target_plan_for(target: str, input_text: str) -> BenchPlan:
    """Load a PyTorch model as ``costcalc analyze`` does and cost it with analyze's mapping."""
    from costcalc.bench.plan import target_plan

    shape = parse_ints(input_text, "--input")
    if len(shape) != 4:
        raise usage_error(f"--input for bench is an image batch N,C,H,W (e.g. 1,3,32,32), got {input_text!r}")
    require_measure()
    from costcalc.measure import analyze as torch_side

    with user_code_errors():
        from costcalc.measure.meta import build_within_memory

        model = build_within_memory(torch_side.load_target(target), {}, target)
        inputs = torch_side.zeros([shape])
        analysis = torch_side.analyze(model, inputs, target=target)
    from costcalc.measure.spec_view import mapped_layer

    return target_plan(model, analysis, [(row, mapped_layer(analysis, row)) for row in analysis.layers()])


def time_per_module(plan: BenchPlan, settings: Any, profile: Any) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    """Each leaf module of the user's model timed alone (:mod:`costcalc.measure.module_timing`), its roofline
    (:mod:`costcalc.bench.modules`), and the rank correlations of MACs and roofline with measured time."""
    from costcalc.bench.modules import module_correlations, module_rows
    from costcalc.measure.module_timing import time_leaves
    from costcalc.views.bench import module_view

    network = plan.items[0]
    if network.shape is None:
        raise ValueError(f"bench item {network.name!r} has no input shape: a user's model is timed on the "
                         "input of its target plan")
    with user_code_errors():
        leaves, macs = time_leaves(network.spec, tuple(network.shape), settings, track)
    rows = module_rows(leaves, profile, settings.dtype)
    stats = {**module_correlations(rows), "model_macs": macs}
    return rows, stats, module_view(rows, stats, network.timing.median if network.timing else None)


def check_calibrate_options(ctx: click.Context, save_path: str | None) -> None:
    """Before calibrating: no option --calibrate would ignore, and a --save path that can be written."""
    ignored = ["/".join(param.opts + param.secondary_opts) for param in ctx.command.params
               if param.name not in CALIBRATE_ONLY and isinstance(param, click.Option)
               and ctx.get_parameter_source(param.name) is not ParameterSource.DEFAULT]
    if ignored:
        raise usage_error(f"{', '.join(ignored)} {'applies' if len(ignored) == 1 else 'apply'} to timing runs, "
                          f"not to --calibrate (it times float32 convolutions, a matmul and a copy; it takes "
                          f"--threads and --save)")
    if save_path:
        from costcalc.config.files import check_writable

        check_writable(save_path, "--save")


def run_calibration(threads: int, save_path: str | None, fmt: str) -> None:
    """Measure this machine, print the profile, and write it atomically to ``--save`` when given."""
    from costcalc.views.bench import profile_view

    require_measure()
    from costcalc.measure import bench

    profile = bench.calibrate(threads, kernels=calibration_kernels())
    if save_path:
        from costcalc.config.files import replacing

        try:
            with replacing(save_path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
                handle.write(profile.to_yaml("Measured by `costcalc bench --calibrate`; read with --device FILE."))
        except OSError as error:
            raise usage_error(f"--save {save_path!r}: {error.strerror or error}") from None
        click.echo(f"saved device profile to {save_path}", err=True)
    emit(fmt, {"device": profile.as_dict()}, [profile_view(profile)], [profile.as_dict()])


@click.command("bench")
@click.argument("name", required=False)
@model_options
@layer_options
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A YAML layer spec (configs/layers/*.yaml; options override it) or a YAML network "
                   "(configs/models/*.yaml).")
@click.option("--input", "input_text", help="With a TARGET file.py:Model: input shape N,C,H,W, batch 1 "
                                            "(default 1,3,224,224); --batch sets the timed batch.")
@click.option("--model-size", "model_size",
              help="MobileNetV3 size: large or small (costcalc model's --size; here --size is a layer's feature map).")
@click.option("--suite", is_flag=True, help="Time the block suite and report Spearman correlations.")
@click.option("--calibrate", is_flag=True,
              help="Measure this machine's peak MAC/s and bandwidth and print the profile.")
@click.option("--save", "save_path", type=click.Path(dir_okay=False),
              help="With --calibrate: write the profile as YAML to FILE (nothing is written otherwise).")
@click.option("--device", help="Device profile for the roofline: a YAML file or a shipped name "
                               "(configs/devices). Default: calibrate this machine first.")
@dtype_option("Element type for bytes and timing (int8: analytic only — not timed).")
@click.option("--threads", type=click.IntRange(1, MAX_THREADS), default=1, show_default=True,
              help=f"torch intra-op threads, at most this machine's {MAX_THREADS} cores.")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="Batch size.")
@click.option("--warmup", type=click.IntRange(0, MAX_WARMUP), default=3, show_default=True,
              help=f"Warm-up calls per item (at most {MAX_WARMUP:,}).")
@click.option("--repeats", type=click.IntRange(1, MAX_REPEATS), default=7, show_default=True,
              help=f"Timed blocks per item (at most {MAX_REPEATS:,}).")
@click.option("--min-time", type=float, callback=positive_seconds, default=0.15, show_default=True,
              help=f"Seconds of timing per item (split over the blocks; at most {MAX_MIN_TIME:g}).")
@click.option("--baseline/--no-baseline", default=True, show_default=True,
              help="bench NAME: also time each block's standard-convolution equivalent.")
@format_option
@click.pass_context
def command(ctx: click.Context, name: str | None, input_text: str | None, model_size: str | None, suite: bool,
            calibrate: bool,
            save_path: str | None, device: str | None, dtype: str, threads: int, batch: int, warmup: int,
            repeats: int, min_time: float, baseline: bool, fmt: str, **options: Any) -> None:
    """MACs, memory traffic, roofline estimate and measured CPU latency, side by side.

    \b
    Examples:
      costcalc bench --calibrate --save my-laptop.yaml
      costcalc bench mobilenet --alpha 0.5 --res 128 --threads 2
      costcalc bench --config configs/models/tiny_mobilenet.yaml
      costcalc bench configs/examples/vgg_cifar.py:VGGCifar --input 1,3,32,32
      costcalc bench --in 512 --out 512 --kernel 3 --size 14 --device my-laptop.yaml
      costcalc bench --config configs/layers/mobilenet_table3.yaml --device laptop-i5-8250u
      costcalc bench --suite --threads 1
    """
    network = {key: options.pop(key) for key in OPTION_NAMES  # bench's --size is the layer's feature map
               if key != "size" and options.get(key) is not None}
    if model_size is not None:
        network["size"] = model_size
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
    profile = resolve_profile(device) if device else None
    plan = plan_for(mode, name, network, layer, config_path, baseline, input_text)

    require_measure()
    from costcalc.measure import bench

    # The options above are the one source of the timing defaults (bench.Settings has none).
    settings = bench.Settings(threads=threads, batch=batch, dtype=dtype, warmup=warmup, repeats=repeats,
                              min_time=min_time)
    if profile is None:
        click.echo(f"calibrating this machine ({threads} thread(s)); pass --device FILE to skip", err=True)
        profile = bench.calibrate(threads, min_time=QUICK_CALIBRATION_S, kernels=calibration_kernels())
    add_estimates(plan, dtype, batch, profile)
    with user_code_errors():
        interrupted = run_timings(plan, settings, bench, track)
    environment = {**bench.environment(threads), "dtype": dtype, "batch": batch, "warmup": warmup,
                   "repeats": repeats, "min_time": min_time, "device": profile.as_dict()}
    payload, view = output(plan, environment, interrupted)
    views = [view]
    # a user's model: each leaf module timed too
    if mode == "NAME" and name is not None and ":" in name and not interrupted:
        payload["modules"], payload["modules_spearman"], module_table = time_per_module(plan, settings, profile)
        views.append(module_table)
    emit(fmt, payload, views, payload["rows"])
    if interrupted:
        click.echo(f"Interrupted: printed the {payload['spearman']['n']} items measured so far.", err=True)
        ctx.exit(130)
