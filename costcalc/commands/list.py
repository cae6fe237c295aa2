"""``costcalc list``: the models (with their default cost and published top-1) and the layer and block kinds."""

from __future__ import annotations

from typing import Any

import click

from costcalc.commands.options import format_option, usage_error
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
@click.option("--kind", "kind_name", help="Show one kind's YAML keys (types, defaults, required) and an example entry.")
@format_option
def command(kind_name: str | None, fmt: str) -> None:
    """List the models (default MACs, params, published top-1) and the layer and block kinds.

    With --kind KIND: that kind's keys for a network file, e.g. costcalc list --kind inverted_residual
    """
    if kind_name is not None:
        payload, view = kind_help(kind_name)
        emit(fmt, payload, [view], payload["keys"])
        return
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
    kinds.notes.append("costcalc list --kind KIND: a kind's keys in a network file, with types, defaults "
                       "and an example.")
    payload = {"models": models,
               "kinds": [{"name": k.name, "category": k.category, "summary": k.summary} for k in KINDS]}
    records = [{"category": "model", **model} for model in models] + payload["kinds"]
    emit(fmt, payload, [view, kinds], records)


def kind_help(name: str) -> tuple[dict[str, Any], View]:
    """One kind's keys as a network file writes them (:mod:`costcalc.engine.kind_keys`): payload and table."""
    from costcalc.config.network_file import CONV_LIKE
    from costcalc.engine import kind_keys
    from costcalc.spelling import closest

    kinds = {kind.name: kind for kind in kind_keys.kinds_with_keys()}
    if name not in kinds:
        hint = kind_keys.hint(name)
        raise usage_error(f"--kind {name!r} is not a kind{hint}; valid: {', '.join(kinds)}"
                          + ("" if hint else closest(name, kinds)))
    kind = kinds[name]
    extras = kind_keys.COMMON + (kind_keys.CONV_EXTRAS if name in CONV_LIKE else ())
    keys = [key.as_dict() for key in kind_keys.keys(kind)]
    keys += [{"key": key, "argument": None, "type": type_text, "required": needed, "default": default,
              "meaning": meaning} for key, type_text, needed, default, meaning in extras]
    payload = {"kind": name, "category": kind.category, "summary": kind.summary, "inferred": kind.inferred,
               "example": kind_keys.example(kind), "keys": keys}
    view = View(f"kind: {name} ({kind.category}): {kind.summary}",
                [Column("key"), Column("type"), Column("required"), Column("default"), Column("sets")])
    for key in keys:
        default = "—" if key["required"] or key["default"] is None else kind_keys.yaml_value(key["default"])
        view.add(key["key"], key["type"], "yes" if key["required"] else "", default,
                 key["argument"] or key.get("meaning", ""))
    if kind.inferred:
        view.notes.append(f"{kind.inferred} is taken from the running shape (the layer before); never written.")
    view.notes.append(f"Example: - {payload['example']}")
    return payload, view
