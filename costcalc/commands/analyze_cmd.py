"""``costcalc analyze``: count and reconcile any PyTorch model, and what factorizing would save.

torch is imported only inside the command, after :func:`costcalc.options.require_measure`.
"""

from __future__ import annotations

import ast
from typing import Any

import click

from costcalc.options import format_option, require_measure, unit_option, usage_error
from costcalc.reconcile_view import MARK, reconciliation_views
from costcalc.render import UNIT_LABELS, Column, View, dims, emit, exact, fewer_text, human, in_unit, ratio_text


class UserCodeFailure(click.ClickException):
    """The user's own code raised: our one-line summary first, then their traceback; exit 2."""

    exit_code = 2


def parse_argument(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as a Python literal (``ast.literal_eval``), else kept as a string."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip().isidentifier():
        raise usage_error(f"--arg must be key=value with a Python identifier as key, got {text!r}")
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        parsed = value
    return key.strip(), parsed


def parse_ints(text: str, option: str) -> tuple[int, ...]:
    """``1,3,224,224`` → ``(1, 3, 224, 224)``: comma-separated positive integers."""
    from costcalc.options import number_problem

    parts = text.replace("x", ",").replace("×", ",").split(",")
    try:
        if any(number_problem(part, integer=True) for part in parts):
            raise ValueError(text)
        values = tuple(int(part) for part in parts)
    except ValueError:
        raise usage_error(f"{option} must be comma-separated positive integers (e.g. 1,3,224,224), got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise usage_error(f"{option} must be comma-separated positive integers, got {text!r}")
    return values


def _uncounted_view(payload: dict[str, Any], unit: str) -> View:
    view = View(f"{payload['target']}: modules and forward code costcalc has no formula for (as measured)",
                [Column("module"), Column("type"), Column("calls", "right"), Column("input"),
                 Column(f"fvcore {UNIT_LABELS['macs']}", "right"), Column("fvcore total", "right"),
                 Column("FlopCounterMode", "right"), Column("params", "right"), Column("aten operators"),
                 Column("fvcore unsupported"), Column("why")])
    for entry in payload["uncounted"]:
        operators = ", ".join(f"{name.removeprefix('aten.')}×{count}" for name, count in entry["operators"].items())
        unsupported = ", ".join(f"{name}×{count}" for name, count in entry["fvcore_unsupported"].items())
        view.add(entry["module"], entry["type"], str(entry["calls"]),
                 dims(entry["input"]) if entry["input"] else "—", exact(entry["fvcore_macs"]),
                 exact(entry["fvcore"]), exact(entry["flop_counter"]), exact(entry["params"]), operators or "—",
                 unsupported or "—", entry["reason"])
    totals = payload["totals"]
    checks = ", ".join(f"{name} {MARK[ok]}" for name, ok in totals["accounted"].items())
    view.notes = [f"Whole model, per counter: mapped analytic + uncounted measured = measured total ({checks}). "
                  f"fvcore ignores adds, ReLU and max pooling, so their operators are listed with a 0 count."]
    return view


def _summary_view(payload: dict[str, Any], unit: str, resolutions: list[dict[str, Any]]) -> View:
    label = UNIT_LABELS[unit]
    totals = payload["totals"]
    view = View(f"{payload['target']}: totals on a {dims(payload['input'])} input",
                [Column("input"), Column(f"{label}", "right"), Column("", "right"), Column("params", "right"),
                 Column(f"vs {dims(payload['input'][2:])}", "right")])
    base = totals["macs"]
    view.add(dims(payload["input"]), exact(in_unit(base, unit)), human(in_unit(base, unit)),
             exact(totals["params"]), "1", style="bold")
    for entry in resolutions:
        view.add(dims(entry["input"]), exact(in_unit(entry["macs"], unit)),
                 human(in_unit(entry["macs"], unit)), exact(entry["params"]),
                 ratio_text(entry["macs"] / base) if base else "—")
    view.notes = [f"{label}: conv + linear multiply-accumulates of the mapped layers (papers' convention; "
                  f"FLOPs = 2 × MACs); params = sum(p.numel()) of the whole model "
                  f"(measured conv + linear by fvcore: {exact(totals['measured_macs'])})."]
    return view


def _suggestion_views(payload: dict[str, Any], unit: str) -> list[View]:
    label = UNIT_LABELS[unit]
    layers = View(f"{payload['target']}: what factorizing each standard convolution would save (best first)",
                  [Column("layer"), Column("conv"), Column("input"), Column(f"{label}", "right"),
                   Column("replacement"), Column(f"{label} after", "right"), Column(f"saved {label}", "right"),
                   Column("saved params", "right"), Column("ratio", "right"), Column("reduction", "right"),
                   Column("paper's ratio")])
    for entry in payload["suggestions"]:
        conv = (f"{entry['in_channels']}→{entry['out_channels']} {entry['kernel_size'][0]}×{entry['kernel_size'][1]}"
                f"{'' if entry['stride'] == [1, 1] else ' /' + str(entry['stride'][0])}")
        for index, option in enumerate(entry["options"]):
            first = index == 0
            layers.add(entry["layer"] if first else "", conv if first else "",
                       dims(entry["input"]) if first else "",
                       exact(in_unit(entry["macs"], unit)) if first else "", option["name"],
                       exact(in_unit(option["macs"], unit)), exact(in_unit(option["saved_macs"], unit)),
                       exact(option["saved_params"]), ratio_text(option["ratio"]), fewer_text(option["ratio"]),
                       f"{option['formula_ratio_text']} = {ratio_text(option['formula_ratio'])}",
                       style="bold" if first else "")
    layers.notes = [f"{label} of the convolution alone (bias, BN, activations excluded); params = conv weights. "
                    f"ratio = replacement / standard; the paper's closed-form ratio assumes stride 1 and 'same' "
                    f"padding. The shuffle after a grouped pointwise is a permutation (no MACs)."]
    layers.notes += [f"{entry['layer']}: left out ({entry['reason']})" for entry in payload["suggestions_left_out"]]
    model = View(f"{payload['target']}: the whole model with every fitting convolution replaced",
                 [Column("replacement"), Column("layers", "right"), Column(f"model {label}", "right"),
                  Column("", "right"), Column(f"saved {label}", "right"), Column("saved params", "right"),
                  Column("model ratio", "right"), Column("reduction", "right"), Column("paper's ratio")])
    model.add("(as is)", "", exact(in_unit(payload["totals"]["macs"], unit)),
              human(in_unit(payload["totals"]["macs"], unit)), "0", "0", "1", "=", "", style="bold")
    for total in payload["suggestion_totals"]:
        model.add(total["name"], str(total["layers"]), exact(in_unit(total["model_macs"], unit)),
                  human(in_unit(total["model_macs"], unit)), exact(in_unit(total["saved_macs"], unit)),
                  exact(total["saved_params"]), ratio_text(total["model_ratio"]), fewer_text(total["model_ratio"]),
                  total["formula_ratio_text"])
    return [layers, model]


def _view_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields :func:`costcalc.reconcile_view.reconciliation_views` reads, for the mapped layers."""
    rows, totals = payload["layers"], payload["totals"]
    analytic_params = sum(row["analytic_params"] for row in rows)
    measured_params = sum(row["measured_params"] or 0 for row in rows)

    def summed(key: str) -> dict[str, Any]:
        causes: dict[str, int] = {}
        for row in rows:
            for cause, delta in row[key]["causes"].items():
                causes[cause] = causes.get(cause, 0) + delta
        analytic = sum(row[key]["analytic"] for row in rows)
        measured = sum(row[key]["measured"] or 0 for row in rows)
        return {"analytic": analytic, "measured": measured, "match": analytic == measured, "causes": causes}

    analytic_macs = sum(row["analytic_macs"] for row in rows)
    measured_macs = sum(row["measured_macs"] or 0 for row in rows)
    skipped = [{"layer": row["name"], "kind": row["kind"], "category": category, "estimate": estimate,
                "operators": row["unsupported"]} for row in rows for category, estimate in row["skipped"].items()]
    mismatches = [f"{row['name']}: analytic ≠ measured" for row in rows if not row["match"]]
    mismatches += [f"whole model: {name} not accounted for by mapped + uncounted"
                   for name, ok in totals["accounted"].items() if not ok]
    return {"target": payload["target"], "input": payload["input"], "layers": rows,
            "analytic_macs": analytic_macs, "measured_macs": measured_macs, "analytic_params": analytic_params,
            "measured_params": measured_params, "fvcore": summed("fvcore"), "flop_counter": summed("flop_counter"),
            "match": totals["match"], "skipped": skipped, "mismatches": mismatches}


@click.command("analyze")
@click.argument("target")
@click.option("--input", "input_text", default="1,3,224,224", show_default=True,
              help="Input shape N,C,H,W (or N,C), batch 1: counts are per image.")
@click.option("--arg", "arguments", multiple=True, metavar="KEY=VALUE",
              help="Argument for the class or factory (repeatable); values are Python literals, else strings.")
@click.option("--suggest", is_flag=True,
              help="What-if: each standard k×k convolution replaced by depthwise-separable, depthwise + "
                   "grouped pointwise + shuffle, or spatial-separable.")
@click.option("--groups", "groups_text", default="2,3,4,8", show_default=True,
              help="Group counts g tried for the grouped pointwise replacement (those dividing the channels).")
@click.option("--res-list", "res_text", default=None,
              help="Also re-cost the model at these square resolutions, e.g. 128,160,192.")
@unit_option
@format_option
def command(target: str, input_text: str, arguments: tuple[str, ...], suggest: bool, groups_text: str,
            res_text: str | None, unit: str, fmt: str) -> None:
    """Count and reconcile any PyTorch model, and what factorizing would save.

    TARGET is path/to/file.py:name or package.module:name naming an nn.Module class or a factory
    function. WARNING: this imports that file and runs its code (the model's constructor and
    forward) with your permissions — analyze only code you trust.

    Every Conv2d and Linear (and batch norm, ReLU, pooling, flatten) is mapped to the analytic
    engine and reconciled with fvcore and FlopCounterMode; every other module and every operator a
    forward runs outside its child modules is listed with what the counters measured for it.
    MACs are conv + linear multiply-accumulates (FLOPs = 2 × MACs).

    Example: costcalc analyze configs/examples/vgg_cifar.py:VGGCifar --input 1,3,32,32 --suggest
    """
    shape = parse_ints(input_text, "--input")
    groups = parse_ints(groups_text, "--groups")
    resolutions = list(parse_ints(res_text, "--res-list")) if res_text else []
    kwargs = dict(parse_argument(text) for text in arguments)
    require_measure()
    from costcalc.measure import analyze as torch_side
    from costcalc.suggest import ConvLayer, suggest as what_if

    try:
        obj = torch_side.load_target(target)
        model = torch_side.build_model(obj, kwargs, target)
        torch_side.check_input(shape)
        analysis = torch_side.analyze(model, shape, target)
        at_res = torch_side.at_resolutions(model, shape, resolutions) if resolutions else []
    except torch_side.TargetError as error:
        raise usage_error(str(error)) from None
    except torch_side.UserCodeError as error:
        raise UserCodeFailure(f"{error.summary}\n{error.details}") from None
    payload = analysis.payload()
    payload["resolutions"] = at_res
    payload["suggestions"], payload["suggestion_totals"], payload["suggestions_left_out"] = [], [], []
    if suggest:
        report = what_if([ConvLayer(name, spec, shape_) for name, spec, shape_ in analysis.convs],
                         analysis.totals["macs"], groups)
        payload["suggestions"] = report["layers"]
        payload["suggestion_totals"] = report["totals"]
        payload["suggestions_left_out"] = report["left_out"]
    views = [_summary_view(payload, unit, at_res)] + reconciliation_views(_view_payload(payload), unit)
    if payload["uncounted"]:
        views.append(_uncounted_view(payload, unit))
    if suggest:
        views += _suggestion_views(payload, unit)
    emit(fmt, payload, views, payload["layers"])
