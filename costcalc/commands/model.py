"""``costcalc model``: a whole network — per-layer costs, a breakdown by kind, totals, the
standard-convolution baseline and the published numbers for the configuration.

The analytic path never imports torch; ``--verify`` loads :mod:`costcalc.measure` lazily and
reconciles the same spec against fvcore and ``FlopCounterMode`` layer by layer.
"""

from __future__ import annotations

from typing import Any

import click

from costcalc.commands.options import (
    dtype_option,
    format_option,
    model_options,
    require_measure,
    size_option,
    unit_option,
    usage_error,
)
from costcalc.engine.cost import cost
from costcalc.engine.specs import Network
from costcalc.views import model as views
from costcalc.views.render import View, emit


def resolve(name: str | None, config_path: str | None, options: dict[str, Any]) -> tuple[str, Network, Any]:
    """The network asked for: a zoo model with its options, or a YAML network (``--config``)."""
    from costcalc.engine import zoo

    given = {key: value for key, value in options.items() if value is not None}
    if config_path:
        if name:
            raise usage_error(f"give a model NAME or --config FILE, not both (got {name!r} and {config_path})")
        if given:
            flags = ", ".join(f"--{key}" for key in given)
            verb = "does" if len(given) == 1 else "do"
            raise usage_error(f"{flags} {verb} not apply to --config networks; set the input and widths in the "
                              "YAML file")
        from costcalc.config.network_file import load_network

        network = load_network(config_path)
        return network.name, network, None
    if not name:
        raise usage_error(f"missing model NAME; valid: {', '.join(zoo.all_names())} (or --config FILE)")
    entry = zoo.lookup(name, given)
    return entry.name, entry.build(**given), entry


def add_verification(payload: dict[str, Any], network: Network, name: str, unit: str, per_layer: bool) -> list[View]:
    """``--verify``: reconcile the network with fvcore and FlopCounterMode into ``payload["verify"]``."""
    require_measure()
    from costcalc.measure.reconcile import reconcile
    from costcalc.views.reconcile import reconciliation_views

    payload["verify"] = reconcile(network, network.input_shape, name).payload()
    return reconciliation_views(payload["verify"], unit, per_layer)


@click.command("model")
@click.argument("name", required=False)
@model_options
@size_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A YAML network (configs/models/*.yaml) instead of NAME.")
@click.option("--verify", "do_verify", is_flag=True,
              help="Build the network in PyTorch and reconcile every layer with fvcore (needs costcalc[measure]).")
@click.option("--per-layer/--summary", "per_layer", default=True, show_default=True,
              help="Show every layer, or only the breakdown by kind and the totals.")
@click.option("--memory", is_flag=True, help="Add memory traffic per layer and the peak activation memory.")
@dtype_option("Element type of the --memory bytes.")
@unit_option
@format_option
def command(name: str | None, config_path: str | None, do_verify: bool, per_layer: bool, memory: bool, dtype: str,
            unit: str, fmt: str, **options: Any) -> None:
    """Cost a whole network: mobilenet (mobilenet_v1), shufflenet (shufflenet_v1), effnet, mobilenet_v2,
    mobilenet_v3 (--size large|small), shufflenet_v2, efficientnet (--variant b0…b7), or --config FILE.

    Prints every layer's MACs and params, a breakdown by kind, the totals, the same network with
    standard convolutions in place of its factorized blocks, and the published numbers for the
    configuration beside ours.

    Example: costcalc model mobilenet --alpha 0.5 --res 160
    """
    model, network, entry = resolve(name, config_path, options)
    report = cost(network.body, network.input_shape)
    payload = views.build_payload(model, network, entry, report)
    tables = views.build_views(payload, unit, per_layer) if fmt in ("table", "markdown") else []
    if memory:
        views.add_memory(payload, network, report, dtype)
        tables.append(views.memory_view(payload, unit, per_layer))
    if do_verify:
        tables += add_verification(payload, network, model, unit, per_layer)
    emit(fmt, payload, tables, views.csv_records(payload))
    if do_verify and not payload["verify"]["match"]:
        raise click.exceptions.Exit(1)


