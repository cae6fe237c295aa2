"""``costcalc analyze``: count any PyTorch model operator by operator, and what factorizing would save.

torch is imported only inside the command, after :func:`costcalc.commands.options.require_measure`.
"""

from __future__ import annotations

from math import prod
from typing import Any

import click

from costcalc.commands.options import dtype_option, format_option, require_measure, unit_option
from costcalc.commands.targets import parse_argument, parse_input, parse_ints, user_code_errors
from costcalc.views import analyze as analyze_view
from costcalc.views.render import emit


def _suggestions(analysis: Any, groups: tuple[int, ...]) -> dict[str, Any]:
    """The what-if report over the convolution modules that map to a spec
    (:func:`costcalc.measure.spec_view.mapped_layer`): each priced over all its runs (calls × batch)."""
    from costcalc.engine.specs import Conv2d
    from costcalc.engine.suggest import ConvLayer, suggest as what_if
    from costcalc.measure.spec_view import mapped_layer

    layers, unpriced = [], []
    for row in analysis.layers():
        if row["family"] != "convolution":
            continue
        mapped = mapped_layer(analysis, row)
        if mapped is not None and isinstance(mapped.spec, Conv2d):
            layers.append(ConvLayer(row["name"], mapped.spec, mapped.input, mapped.runs))
        else:
            unpriced.append({"layer": row["name"], "reason": f"{row['module'] or 'functional'} convolution: only Conv2d "
                             "modules running one convolution on the same input each call are priced"})
    report = what_if(layers, analysis.macs, groups)
    report["left_out"] = unpriced + report["left_out"]
    return report


def _add_memory(payload: dict[str, Any], dtype: str) -> None:
    """``--memory``: each layer's traffic (input read, output written, unique weights, per call) and the sum."""
    from costcalc.engine.memory import Memory, dtype_size, memory_payload, memory_sum

    itemsize = dtype_size(dtype)
    memories = [Memory(row["calls"] * prod(row["input"]), row["calls"] * prod(row["output"]),
                       row["calls"] * row["params"], row["macs"], itemsize) for row in payload["layers"]]
    for row, memory in zip(payload["layers"], memories):
        row["memory"] = memory_payload(memory)
    payload["totals"]["memory"] = memory_payload(memory_sum(memories, dtype))


@click.command("analyze")
@click.argument("target")
@click.option("--input", "input_texts", multiple=True, metavar="N,C,…[:DTYPE]",
              help="Input shape of any rank (N,C,L; N,C,H,W; N,C,D,H,W), zeros; repeat for several positional "
                   "inputs; append :int64 for token ids (or :float16, :bfloat16, :int32, :bool, …). "
                   "Default 1,3,224,224.")
@click.option("--arg", "arguments", multiple=True, metavar="KEY=VALUE",
              help="Argument for the class or factory (repeatable); values are Python literals, else strings.")
@click.option("--depth", type=click.IntRange(0), default=2, show_default=True,
              help="Module tree depth shown (JSON always has every module).")
@click.option("--summary", is_flag=True, help="Totals only.")
@click.option("--reconcile", is_flag=True,
              help="Also count with fvcore and FlopCounterMode and explain every difference per layer.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when an operator is uncosted or a counter disagreement is unexplained (implies the "
                   "counters).")
@click.option("--memory", is_flag=True, help="Add memory traffic per layer.")
@dtype_option("Element type of the --memory bytes.")
@click.option("--suggest", is_flag=True,
              help="What-if: each standard k×k convolution replaced by depthwise-separable, depthwise + grouped "
                   "pointwise + shuffle, or spatial-separable; 1×1s by grouped 1×1 + shuffle in pointwise-heavy nets.")
@click.option("--groups", "groups_text", default="2,3,4,8", show_default=True,
              help="Group counts g tried for the grouped pointwise replacement (those dividing the channels).")
@click.option("--res-list", "res_text", default=None,
              help="Also count the model at these square resolutions of the first input, e.g. 128,160,192.")
@unit_option
@format_option
def command(target: str, input_texts: tuple[str, ...], arguments: tuple[str, ...], depth: int, summary: bool,
            reconcile: bool, strict: bool, memory: bool, dtype: str, suggest: bool, groups_text: str,
            res_text: str | None, unit: str, fmt: str) -> None:
    """Count any PyTorch model operator by operator, and what factorizing would save.

    TARGET is path/to/file.py:name or package.module:name naming an nn.Module class or a factory
    function. WARNING: this imports that file and runs its code (the model's constructor and
    forward) with your permissions — analyze only code you trust.

    One forward pass records every aten operator, attributes it to the module (and call) that ran
    it and costs it with one analytic rule per operator family: MACs of convolutions (any
    dimensionality, transposed, grouped, functional), matmul / linear (any rank), attention and
    recurrent layers, bias excluded (FLOPs = 2 × MACs). Other ops are counted apart; an operator
    with no rule is listed with what FlopCounterMode measured, never dropped.

    Example: costcalc analyze configs/examples/vgg_cifar.py:VGGCifar --input 1,3,32,32 --suggest
    """
    inputs = [parse_input(text) for text in input_texts or ("1,3,224,224",)]
    shapes, dtypes = [shape for shape, _ in inputs], [dtype for _, dtype in inputs]
    groups = parse_ints(groups_text, "--groups")
    resolutions = list(parse_ints(res_text, "--res-list")) if res_text else []
    kwargs = dict(parse_argument(text) for text in arguments)
    require_measure()
    from costcalc.measure import analyze as torch_side

    with user_code_errors():
        obj = torch_side.load_target(target)
        model = torch_side.build_model(obj, kwargs, target)
        analysis = torch_side.analyze(model, torch_side.zeros(shapes, dtypes), target=target,
                                      reconcile=reconcile or strict or fmt == "json")
        at_res = torch_side.at_resolutions(model, shapes, resolutions, dtypes) if resolutions else []
    payload = analysis.to_dict()
    payload["resolutions"] = at_res
    report = _suggestions(analysis, groups) if suggest else {"layers": [], "totals": [], "left_out": []}
    payload["suggestions"], payload["suggestion_totals"] = report["layers"], report["totals"]
    payload["suggestions_left_out"] = report["left_out"]
    if memory:
        _add_memory(payload, dtype)
    views = [analyze_view.summary_view(payload, unit) if summary or at_res
             else analyze_view.tree_view(payload, depth, unit)]
    if payload["uncounted"]:
        views.append(analyze_view.uncosted_view(payload))
    if reconcile or strict:
        views += analyze_view.reconcile_views(payload)
    if memory:
        views.append(analyze_view.memory_view(payload))
    if suggest:
        views += analyze_view.suggestion_views(payload, unit)
    records = [{**row, "macs_per_call": "; ".join(map(str, row["macs_per_call"]))} for row in payload["layers"]]
    emit(fmt, payload, views, records)
    if strict and not strict_ok(payload):
        raise SystemExit(1)


def strict_ok(payload: dict[str, Any]) -> bool:
    """``--strict``: nothing uncosted and every counter disagreement explained."""
    reconciliation = payload["reconciliation"]
    checks = [reconciliation.get(key) or {} for key in ("flop_counter", "fvcore")]
    return not payload["uncounted"] and all(check.get("explained", True) for check in checks)
