"""What ``costcalc bench`` prints: the JSON rows, the table with its notes, and the device profile."""

from __future__ import annotations

from typing import Any

from costcalc.bench.plan import BenchPlan, Item
from costcalc.bench.statistics import correlations, speedups
from costcalc.engine.memory import memory_payload
from costcalc.engine.roofline import DeviceProfile
from costcalc.formatting import exact, human, seconds
from costcalc.views.render import Column, View


def row_payload(item: Item, by_name: dict[str, Item]) -> dict[str, Any]:
    predicted, by_roofline, measured = speedups(item, by_name)
    roofline = item.roofline
    return {"name": item.name, "role": item.role, "input": None if item.shape is None else list(item.shape),
            "macs": item.macs, "bytes": item.memory.bytes if item.memory else None,
            "memory": memory_payload(item.memory, item.layer) if item.memory else None,
            "roofline_s": roofline.seconds if roofline else None, "compute_s": roofline.compute_s if roofline else None,
            "memory_s": roofline.memory_s if roofline else None, "bound": roofline.bound if roofline else None,
            "measured_s": None if item.timing is None else item.timing.as_dict(),
            "reference": item.reference, "predicted_speedup": predicted, "roofline_speedup": by_roofline,
            "measured_speedup": measured, "note": item.note or None}


def speedup_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _rho(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def build_view(plan: BenchPlan, environment: dict[str, Any], stats: dict[str, Any] | None, interrupted: bool) -> View:
    by_name = {item.name: item for item in plan.items}
    view = View(f"bench: {plan.title}",
                [Column("item"), Column("MACs", "right"), Column("bytes", "right"), Column("MAC/B", "right"),
                 Column("bound", kind="verdict"), Column("roofline", "right"), Column("measured", "right", "bold"),
                 Column("± IQR", "right"), Column("meas/roof", "right"), Column("vs", kind="text"),
                 Column("speed-up MACs", "right"), Column("speed-up roofline", "right"),
                 Column("speed-up measured", "right", "green")])
    note_numbers: dict[str, int] = {}
    for item in plan.items:
        marker = f" [{note_numbers.setdefault(item.note, len(note_numbers) + 1)}]" if item.note else ""
        if not item.applicable:
            view.add(item.name + marker, "n/a", *["—"] * 7, item.reference or "", "—", "—", "—", style="dim")
            continue
        memory, roofline = item.memory, item.roofline
        if memory is None or roofline is None:
            raise ValueError(f"bench item {item.name!r} has no traffic or roofline estimate: "
                             "add_estimates must run on the plan before its view is built")
        predicted, by_roofline, measured = speedups(item, by_name)
        timing = item.timing
        intensity = memory.intensity
        view.add(item.name + marker, human(item.macs), human(memory.bytes),
                 "—" if intensity is None else f"{float(intensity):.2f}", roofline.bound,
                 seconds(roofline.seconds), seconds(timing.median if timing else None),
                 seconds(timing.iqr if timing else None),
                 f"{timing.median / roofline.seconds:.1f}×" if timing and roofline.seconds else "—",
                 item.reference or "", speedup_text(predicted), speedup_text(by_roofline), speedup_text(measured),
                 style="dim" if item.role == "standard" else ("bold" if item.role == "network" else ""))
    view.notes.extend(f"[{index}] {note}" for note, index in note_numbers.items())
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
        view.notes.append(f"Interrupted: {measured} of {sum(item.applicable for item in plan.items)} items measured.")
    return view


def profile_view(profile: DeviceProfile) -> View:
    view = View(f"device profile: {profile.name}", [Column("quantity"), Column("value", "right")])
    view.add("peak MACs", f"{human(profile.peak_macs)}MAC/s")
    view.add("bandwidth", f"{human(profile.bandwidth)}B/s")
    view.add("ridge point", f"{profile.ridge:.2f} MAC/B")
    view.notes.append(profile.description)
    if profile.source:
        view.notes.append(profile.source)
    return view


def output(plan: BenchPlan, environment: dict[str, Any], interrupted: bool) -> tuple[dict[str, Any], View]:
    """The JSON payload and the table, with the network's peak activations when a network spec was timed."""
    stats = correlations(plan)
    by_name = {item.name: item for item in plan.items}
    payload: dict[str, Any] = {"environment": environment, "title": plan.title,
                               "rows": [row_payload(item, by_name) for item in plan.items],
                               "spearman": stats, "interrupted": interrupted}
    view = build_view(plan, environment, stats, interrupted)
    if plan.network is not None:
        from costcalc.engine.memory import peak_activations, peak_payload

        batch = environment["batch"]
        peak = peak_payload(peak_activations(plan.network, dtype=environment["dtype"]))
        peak.update(elements=peak["elements"] * batch, bytes=peak["bytes"] * batch)
        payload["peak_activations"] = peak
        view.notes.append(f"Peak activations (batch {batch}): {human(peak['bytes'])}B at {peak['layer']} "
                          f"(live: {', '.join(peak['live'])}).")
    return payload, view


def module_view(rows: list[dict[str, Any]], stats: dict[str, Any], whole_s: float | None) -> View:
    """Time per leaf module of a user's model: MACs, bytes, roofline bound and what bounds it, measured time,
    achieved MAC/s; the rank correlations and the time no leaf accounts for in the notes."""
    view = View("time per module (each leaf timed alone on the inputs it got in one forward)",
                [Column("module"), Column("type"), Column("MACs", "right"), Column("bytes", "right"),
                 Column("bound"), Column("roofline", "right"), Column("measured", "right", "bold"),
                 Column("± IQR", "right"), Column("achieved", "right"), Column("share", "right")])
    leaves_s = sum(row["measured_s"]["median"] for row in rows)
    for row in rows:
        median = row["measured_s"]["median"]
        calls = f" ×{row['calls']}" if row["calls"] > 1 else ""
        achieved = row["achieved_macs_per_s"]
        view.add(row["name"], row["type"] + calls, human(row["macs"]), human(row["bytes"]), row["bound"],
                 seconds(row["roofline_s"]), seconds(median), seconds(row["measured_s"]["iqr"]),
                 "—" if achieved is None else f"{human(achieved)}MAC/s",
                 f"{100 * median / leaves_s:.1f} %" if leaves_s else "—")
    view.notes.append(f"Spearman rank correlation with measured time over {stats['n']} leaf modules: "
                      f"MACs {_rho(stats['macs'])}, roofline {_rho(stats['roofline'])}.")
    leaf_macs = sum(row["macs"] for row in rows)
    if leaf_macs != stats["model_macs"]:
        view.notes.append(f"Leaves run {human(leaf_macs)} of the model's {human(stats['model_macs'])} MACs; the other "
                          f"{exact(stats['model_macs'] - leaf_macs)} run in non-leaf modules' own forward code "
                          f"(functional calls, fused kernels) and are timed only in the whole model.")
    if whole_s is not None:
        view.notes.append(f"Leaves sum to {seconds(leaves_s)} of the whole model's {seconds(whole_s)}; the rest "
                          f"({seconds(whole_s - leaves_s)}) is the model's own forward code between leaves "
                          f"(adds, functional ops) and what timing each leaf alone leaves out (warm caches).")
    return view
