"""``costcalc analyze``: count any PyTorch model operator by operator, and what factorizing would save.

torch is imported only inside the command, after :func:`costcalc.commands.options.require_measure`.
"""

from __future__ import annotations

from math import prod
from typing import Any

import click

from costcalc.commands.options import dtype_option, format_option, require_measure, unit_option
from costcalc.commands.targets import parse_argument, parse_input, parse_ints, user_code_errors
from costcalc.engine.optimizers import OPTIMIZERS
from costcalc.views import analyze as analyze_view
from costcalc.views.render import emit


def _suggestions(analysis: Any, groups: tuple[int, ...]) -> dict[str, Any]:
    """The what-if report over the convolution modules that map to a spec
    (:func:`costcalc.measure.spec_view.mapped_layer`): each priced over all its runs (calls × batch)."""
    from costcalc.engine.specs import Conv2d
    from costcalc.engine.suggest import ConvLayer
    from costcalc.engine.suggest import suggest as what_if
    from costcalc.measure.spec_view import mapped_layer

    layers, unpriced = [], []
    for row in analysis.layers():
        if row["family"] != "convolution":
            continue
        mapped = mapped_layer(analysis, row)
        if mapped is not None and isinstance(mapped.spec, Conv2d):
            layers.append(ConvLayer(row["name"], mapped.spec, mapped.input, mapped.runs))
        else:
            unpriced.append({"layer": row["name"], "reason": f"{row['module'] or 'functional'} convolution: only 2-D "
                             "convolutions that ran the same call (input, weight, stride, padding, dilation, groups) "
                             "once per module call are priced"})
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
              help="Exit 1 when an operator is uncosted, a module ran where the recorder could not see it (another "
                   "thread) or a counter disagreement is unexplained (implies the counters).")
@click.option("--batch-axis", "batch_axis", type=click.IntRange(0), default=None, metavar="AXIS",
              help="The inputs' batch axis, for per-sample figures (default: axis 0 when every input and the output "
                   "share it and no module takes batch_first=False; else whole-run figures only).")
@click.option("--memory", is_flag=True, help="Add memory traffic per layer.")
@dtype_option("Element type of the --memory bytes.")
@click.option("--suggest", is_flag=True,
              help="What-if: each standard k×k convolution replaced by depthwise-separable, depthwise + grouped "
                   "pointwise + shuffle, or spatial-separable; 1×1s by grouped 1×1 + shuffle in pointwise-heavy nets.")
@click.option("--groups", "groups_text", default="2,3,4,8", show_default=True,
              help="Group counts g tried for the grouped pointwise replacement (those dividing the channels).")
@click.option("--meta", is_flag=True,
              help="Build the model and its inputs on torch's meta device: nothing is allocated and every count "
                   "stays exact (a model too big to build; a 7B-parameter LLM counts in seconds).")
@click.option("--res-list", "res_text", default=None,
              help="Also count the model at these square resolutions of the first input, e.g. 128,160,192.")
@click.option("--training", is_flag=True,
              help="Cost a training step: forward + the backward autograd runs (input gradients only where "
                   "something upstream needs one, weight gradients only for parameters that require grad, "
                   "checkpointed forwards again), per module; activations = what autograd keeps for backward.")
@click.option("--optimizer", type=click.Choice(tuple(OPTIMIZERS)), default=None,
              help="Optimizer whose state the memory footprint counts (sgd 0, momentum 1, adam/adamw 2 copies "
                   "of each trainable parameter). Default sgd; shows the footprint table.")
@unit_option
@format_option
def command(target: str, input_texts: tuple[str, ...], arguments: tuple[str, ...], depth: int, summary: bool,
            reconcile: bool, strict: bool, batch_axis: int | None, memory: bool, dtype: str, suggest: bool,
            groups_text: str, res_text: str | None, training: bool, optimizer: str | None, meta: bool, unit: str,
            fmt: str) -> None:
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
    from costcalc.measure import meta as on_meta

    device = "meta" if meta else "cpu"

    def count() -> tuple[Any, list[dict[str, Any]]]:
        analysis = torch_side.analyze(model, torch_side.zeros(shapes, dtypes, device), target=target,
                                      reconcile=reconcile or strict or fmt == "json", batch_axis=batch_axis,
                                      training=training, optimizer=optimizer or "sgd")
        return analysis, torch_side.at_resolutions(model, shapes, resolutions, dtypes, device) if resolutions else []

    with user_code_errors():
        obj = torch_side.load_target(target)
        # without --meta, a model whose weights cannot fit is refused (sized on meta) before it is built
        model = (on_meta.build_on_meta if meta else on_meta.build_within_memory)(obj, kwargs, target)
        analysis, at_res = on_meta.run_on_meta("the model's forward", count) if meta else count()
    payload = analysis.to_dict()
    payload["resolutions"] = at_res
    report = _suggestions(analysis, groups) if suggest else {"layers": [], "totals": [], "left_out": []}
    payload["suggestions"], payload["suggestion_totals"] = report["layers"], report["totals"]
    payload["suggestions_left_out"] = report["left_out"]
    if memory:
        _add_memory(payload, dtype)
    views = [analyze_view.summary_view(payload, unit) if summary or at_res
             else analyze_view.tree_view(payload, depth, unit)]
    if payload["unseen"]:
        views.append(analyze_view.unseen_view(payload))
    if payload["uncounted"]:
        views.append(analyze_view.uncosted_view(payload))
    if reconcile or strict:
        views += analyze_view.reconcile_views(payload)
    if training:
        views.append(analyze_view.training_view(payload, depth, unit))
    if training or optimizer:
        views.append(analyze_view.footprint_view(payload))
    if memory:
        views.append(analyze_view.memory_view(payload))
    if suggest:
        views += analyze_view.suggestion_views(payload, unit)
    records = [analyze_view.layer_record(row, unit) for row in payload["layers"]]
    emit(fmt, payload, views, records)
    if strict and not strict_ok(payload):
        raise SystemExit(1)


def strict_ok(payload: dict[str, Any]) -> bool:
    """``--strict``: nothing uncosted, nothing run unseen and every counter disagreement explained (the
    training backward's too)."""
    reconciliation = payload["reconciliation"]
    checks = [reconciliation.get(key) or {} for key in ("flop_counter", "fvcore")]
    checks.append((payload["totals"].get("training") or {}).get("flop_counter") or {})
    return not payload["uncounted"] and not payload["unseen"] and all(check.get("explained", True) for check in checks)
