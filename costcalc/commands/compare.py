"""``costcalc compare``: one convolution layer against the papers' factorizations."""

from __future__ import annotations

from typing import Any

import click

from costcalc.commands.options import dtype_option, format_option, layer_options, require_measure, unit_option
from costcalc.config.layer_file import layer_query
from costcalc.engine.compare import compare_layer
from costcalc.views import compare as views
from costcalc.views.render import emit


@click.command("compare")
@layer_options
@click.option("--groups", type=int, help="Groups g for the grouped rows (default 8).")
@click.option("--bottleneck-ratio", "bottleneck_ratio", type=int,
              help="The unit rows' bottleneck m = N / RATIO (default 4, as ShuffleNet and ResNet).")
@click.option("--expansion", type=float, help="The inverted residual's expansion t (default 6, MobileNetV2).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A YAML layer spec (configs/layers/*.yaml); options given on the command line override it.")
@click.option("--verify", is_flag=True, help="Also count every row on its PyTorch module with fvcore (needs torch).")
@click.option("--memory", is_flag=True, help="Add memory traffic: read, written, weights, bytes, MACs per byte.")
@dtype_option("Element type of the --memory bytes.")
@unit_option
@format_option
def command(config_path: str | None, verify: bool, memory: bool, dtype: str, unit: str, fmt: str,
            **options: Any) -> None:
    """Compare a convolution layer with its factorized alternatives.

    Rows: standard, depthwise, pointwise, depthwise_separable, grouped, grouped_pointwise,
    depthwise_grouped_pointwise, spatial_separable, effnet_depthwise and, for a residual layer
    (3×3, stride 1, M = N), the ResNet / ResNeXt bottleneck, the ShuffleNet unit, the inverted residual
    and the ShuffleNet V2 unit; for a stride-2 layer, the ShuffleNet stride-2 unit, the inverted residual
    without its shortcut, the ShuffleNet V2 down-sampling unit and the EffNet block. Each row shows
    the exact count, its ratio to its reference row and the paper's closed form beside it.

    Example: costcalc compare --in 512 --out 512 --kernel 3 --size 14
    """
    name, query = layer_query(config_path, options)
    rows = compare_layer(query)
    payload: dict[str, Any] = {"layer": {"name": name, **query.as_dict()}, "unit": "macs",
               "rows": [views.row_payload(row) for row in rows]}
    view = views.build_view(query, rows, unit, f"{name}: {query.description}")
    if memory:
        views.add_memory(rows, payload, view, unit, dtype)
    if verify:
        require_measure()
        from costcalc.measure.compare_verify import measured_fields

        views.add_measured(measured_fields(rows), payload, view, unit)
    emit(fmt, payload, [view], payload["rows"])
    if verify and any(row["match"] is False for row in payload["rows"]):
        click.get_current_context().exit(1)
