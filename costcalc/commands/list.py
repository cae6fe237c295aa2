"""``costcalc list``: the models (with their default cost and published top-1) and the layer and block kinds."""

from __future__ import annotations

from typing import Any

import click

from costcalc.commands.options import format_option
from costcalc.engine.kinds import KINDS
from costcalc.formatting import exact
from costcalc.views.render import Column, View, emit


def model_rows() -> list[dict[str, Any]]:
    """Each zoo model at its default configuration: exact MACs and params, and the preferred published
    top-1 (``None`` where nothing is published for that configuration)."""
    from costcalc.engine import zoo
    from costcalc.engine.cost import cost

    rows = []
    for model in zoo.MODELS.values():
        network = model.build(**model.defaults)
        report = cost(network.body, network.input_shape)
        accuracy = zoo.top1(model, network.options)
        rows.append({"name": model.name, "aliases": list(model.aliases), "summary": model.summary,
                     "default": network.name, "macs": report.macs, "params": report.params,
                     "top1": accuracy.top1 if accuracy else None, "top1_source": accuracy.source if accuracy else None})
    return rows


@click.command("list")
@format_option
def command(fmt: str) -> None:
    """List the models (default MACs, params, published top-1) and the layer and block kinds."""
    models = model_rows()
    view = View("Models (at their defaults)", [Column("model"), Column("aliases"), Column("default"),
                                               Column("MACs", "right"), Column("params", "right"),
                                               Column("top-1 %", "right"), Column("description")])
    for model in models:
        view.add(model["name"], ", ".join(model["aliases"]), model["default"], exact(model["macs"]),
                 exact(model["params"]), model["top1"] or "—", model["summary"])
    view.notes.append("MACs = conv + FC multiply-accumulates (FLOPs = 2 × MACs); top-1 = published ImageNet accuracy "
                      "of that configuration (costcalc model NAME shows the source), — where none is published.")
    kinds = View("Layer and block kinds", [Column("kind"), Column("category"), Column("description")])
    for kind in KINDS:
        kinds.add(kind.name, kind.category, kind.summary)
    payload = {"models": models,
               "kinds": [{"name": k.name, "category": k.category, "summary": k.summary} for k in KINDS]}
    records = [{"category": "model", **model} for model in models] + payload["kinds"]
    emit(fmt, payload, [view, kinds], records)
