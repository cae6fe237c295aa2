"""``costcalc list``: the models and the layer and block kinds, one line each."""

from __future__ import annotations

import click

from costcalc.options import format_option
from costcalc.registry import KINDS
from costcalc.render import Column, View, emit


@click.command("list")
@format_option
def command(fmt: str) -> None:
    """List the models and the layer and block kinds."""
    from costcalc.zoo import MODELS

    models = View("Models", [Column("model"), Column("aliases"), Column("description")])
    for model in MODELS.values():
        models.add(model.name, ", ".join(model.aliases), model.summary)
    kinds = View("Layer and block kinds", [Column("kind"), Column("category"), Column("description")])
    for kind in KINDS:
        kinds.add(kind.name, kind.category, kind.summary)
    payload = {"models": [{"name": m.name, "aliases": list(m.aliases), "summary": m.summary} for m in MODELS.values()],
               "kinds": [{"name": k.name, "category": k.category, "summary": k.summary} for k in KINDS]}
    records = [{"name": model["name"], "category": "model", "summary": model["summary"]} for model in payload["models"]]
    emit(fmt, payload, [models, kinds], records + payload["kinds"])
