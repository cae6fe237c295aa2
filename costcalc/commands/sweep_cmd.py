"""``costcalc sweep``: a grid of network options costed analytically, for one network or several.

One network with exactly two varying options is laid out like TF-slim's MobileNet table
(``research/slim/nets/mobilenet_v1.md``: rows α, columns resolution); otherwise, and across
networks, one long table (sorted by cost across networks, each row with the other network nearest
in cost — ShuffleNet Table 5's pairs). ``--plot`` draws MACs against params (matplotlib, lazily);
``--verify`` reconciles every configuration with fvcore (torch, lazily).
"""

from __future__ import annotations

import os

from dataclasses import dataclass, field
from typing import Any

import click

from costcalc import sweep
from costcalc.options import format_option, unit_option, usage_error
from costcalc.render import UNIT_LABELS, Column, View, emit, exact, fewer_text, human, in_unit, number, ratio_text
from costcalc.sweep import Plan, Row, SweepError

SWEEP_FILE_KEYS = ("title", "description", "reference", "near", "networks")
COUNTS_NOTE = ("Counts: {label} of convolutions and fully-connected layers (the papers' Mult-Adds; FLOPs = 2 × MACs); "
               "params = sum(p.numel()) incl. batch-norm γ, β and biases.")


# ------------------------------------------------------------------------------------------- inputs
def entry_for(name: str) -> Any:
    from costcalc import zoo

    return zoo.lookup(name)


def plans_from_cli(names: tuple[str, ...], lists: dict[str, str | None]) -> tuple[list[Plan], dict[str, list[str]]]:
    """NAMEs and ``--alpha 0.5,1.0 …``: each option goes to the networks that take it."""
    entries = []
    for name in names:
        entry = entry_for(name)
        if entry not in entries:
            entries.append(entry)
    axes = {key: sweep.parse_values(text, key) for key, text in lists.items() if text is not None}
    return sweep.assign(entries, axes)


def load_sweep_file(path: str) -> tuple[dict[str, Any], list[Plan]]:
    """A sweep file (``configs/sweeps/*.yaml``): ``networks: [{model: NAME, OPTION: [values]}]``."""
    from costcalc.configs import ConfigFile

    config = ConfigFile(path)
    data = config.mapping((), config.data, SWEEP_FILE_KEYS, "a sweep file")
    networks = data.get("networks")
    if not isinstance(networks, list) or not networks:
        raise config.error(("networks",), "networks must be a non-empty list of {model: NAME, OPTION: [values]}")
    plans = []
    for index, item in enumerate(networks):
        where = ("networks", index)
        if not isinstance(item, dict) or "model" not in item:
            raise config.error(where, "each network needs a 'model' key (mobilenet, shufflenet, effnet)")
        try:
            entry = entry_for(str(item["model"]))
        except click.UsageError as error:
            raise config.error(where + ("model",), error.message) from None
        config.mapping(where, item, ("model", *entry.grid_options), f"a {entry.name} entry")
        axes = {}
        for key in entry.grid_options:
            if key in item:
                value = item[key]
                try:
                    axes[key] = sweep.parse_values(value if isinstance(value, list) else [value], key)
                except SweepError as error:
                    raise config.error(where + (key,), str(error).replace(f"--{key}", key)) from None
        plans.append(Plan(entry, axes))
    return data, plans


# -------------------------------------------------------------------------------------------- views
def cell(row: Row | None, unit: str) -> str:
    if row is None:
        return ""
    return exact(in_unit(row.macs, unit)) if row.valid else "n/a"


def note_markers(rows: list[Row]) -> tuple[dict[str, int], list[str]]:
    """Numbered notes for invalid rows: note text → marker number, and the printed note lines."""
    numbers: dict[str, int] = {}
    for row in rows:
        if row.note:
            numbers.setdefault(row.note, len(numbers) + 1)
    return numbers, [f"[{number}] {note}" for note, number in numbers.items()]


def pivot_views(plan: Plan, rows: list[Row], unit: str, title: str) -> list[View]:
    """TF-slim's layout: rows = first varying option, columns = second; cells MACs, then ratios."""
    label = UNIT_LABELS[unit]
    first, second = plan.varying
    table = {(row.config.kwargs[first], row.config.kwargs[second]): row for row in rows}
    columns = plan.axes[second]
    valid = [row for row in rows if row.valid]
    by_first = all(len({r.params for r in valid if r.config.kwargs[first] == v}) <= 1 for v in plan.axes[first])
    by_second = all(len({r.params for r in valid if r.config.kwargs[second] == v}) <= 1 for v in columns)
    numbers, notes = note_markers(rows)

    def marked(row: Row) -> str:
        return cell(row, unit) + (f" [{numbers[row.note]}]" if row.note else "")

    macs = View(f"{title}: {label}, {first} × {second}",
                [Column(f"{first} \\ {second}"), *[Column(str(value), "right") for value in columns]]
                + ([Column("params", "right")] if by_first else []))
    for value in plan.axes[first]:
        line = [table[(value, column)] for column in columns]
        params = [row.params for row in line if row.valid]
        macs.add(str(value), *[marked(row) for row in line], *([exact(params[0]) if params else "—"] if by_first else []))
    if by_second and not by_first:
        macs.add("params", *[exact(next((r.params for r in valid if r.config.kwargs[second] == c), None))
                             for c in columns])
    views = [macs]
    if not by_first and not by_second:
        params_view = View(f"{title}: params, {first} × {second}",
                           [Column(f"{first} \\ {second}"), *[Column(str(value), "right") for value in columns]])
        for value in plan.axes[first]:
            params_view.add(str(value), *[exact(table[(value, column)].params) for column in columns])
        views.append(params_view)
    ratios = View(f"{label} ÷ reference {label}",
                  [Column(f"{first} \\ {second}"), *[Column(str(value), "right") for value in columns]])
    for value in plan.axes[first]:
        ratios.add(str(value), *[ratio_text(table[(value, column)].extra.get("ratio")) for column in columns])
    views.append(ratios)
    views[-1].notes.extend(notes + [COUNTS_NOTE.format(label=label)])
    return views


def long_view(plans: list[Plan], rows: list[Row], unit: str, title: str, near: int | None,
              closest_rows: set[int], multi: bool, near_text: str = "") -> View:
    """One row per configuration: options (or network + configuration), counts, ratio, Pareto, pairs."""
    label = UNIT_LABELS[unit]
    keys = tuple(dict.fromkeys(key for plan in plans for key in plan.varying)) if not multi else ()
    columns = ([Column("network"), Column("configuration")] if multi else [Column(key, "right") for key in keys])
    columns += [Column(label, "right"), Column("≈", "right"), Column("params", "right"), Column("ratio", "right"),
                Column("vs reference", "right", "green"), Column("Pareto", "center")]
    if multi:
        columns.append(Column("nearest other network"))
    if near is not None:
        columns.append(Column(f"vs {near_text}", "right"))
    if any("verified" in row.extra for row in rows):
        columns.append(Column("fvcore", "center"))
    view = View(title, columns)
    numbers, notes = note_markers(rows)
    varying = {plan.entry.name: plan.labelled for plan in plans}
    for index, row in enumerate(rows):
        config = row.config
        head = ([config.model, config.label(varying[config.model])] if multi
                else [str(config.kwargs[key]) for key in keys])
        if not row.valid:
            view.add(*head, f"n/a [{numbers[row.note]}]", *[""] * (len(columns) - len(head) - 1), style="dim")
            continue
        cells = [*head, exact(in_unit(row.macs, unit)), human(in_unit(row.macs, unit)), exact(row.params),
                 ratio_text(row.extra["ratio"]), fewer_text(row.extra["ratio"]), "●" if row.extra["pareto"] else ""]
        if multi:
            other = row.extra.get("nearest_other")
            cells.append("—" if other is None else
                         f"{other.config.model} {other.config.label(varying[other.config.model])} "
                         f"({human(in_unit(other.macs, unit))}, {float(sweep.ratio(other.macs, row.macs)):.2f}×)")
        if near is not None:
            delta = (in_unit(row.macs, unit) - near) / near
            cells.append(f"{delta:+.1%}" + (" ◀" if index in closest_rows else ""))
        if "verified" in row.extra:
            cells.append("✓" if row.extra["verified"] else "✗")
        view.add(*cells, style="bold" if index in closest_rows else "")
    view.notes.extend(notes)
    return view


def row_payload(row: Row, varying: dict[str, tuple[str, ...]], near: int | None, unit: str) -> dict[str, Any]:
    payload = {"model": row.config.model, "options": row.config.kwargs, "label": row.config.label(
               varying[row.config.model]), "macs": row.macs, "flops": in_unit(row.macs, "flops"),
               "params": row.params, "ratio": number(row.extra.get("ratio")),
               "params_ratio": number(row.extra.get("params_ratio")), "pareto": row.extra.get("pareto", False),
               "note": row.note or None}
    if "nearest_other" in row.extra:
        other = row.extra["nearest_other"]
        payload["nearest_other"] = None if other is None else {"model": other.config.model,
                                                               "options": other.config.kwargs, "macs": other.macs}
    if near is not None and row.valid:
        payload["near_delta"] = (in_unit(row.macs, unit) - near) / near
        payload["closest"] = row.extra.get("closest", False)
    if "verified" in row.extra:
        payload["verified"] = row.extra["verified"]
        payload["mismatches"] = row.extra["mismatches"]
    return payload


# ------------------------------------------------------------------------------------------- verify
def verify_rows(plans: list[Plan], rows: list[Row]) -> None:
    """Reconcile every valid configuration with fvcore (``costcalc.measure.reconcile``), in place."""
    from costcalc.options import require_measure

    require_measure()
    from costcalc.measure.reconcile import reconcile
    from costcalc.progress import track

    def target(row: Row) -> str:
        return f"{row.config.model} {row.config.label()}"

    entries = {plan.entry.name: plan.entry for plan in plans}
    for row in track([row for row in rows if row.valid], target, "verifying"):
        network = entries[row.config.model].build(**row.config.kwargs)
        result = reconcile(network, network.input_shape, target(row))
        analytic = (result.macs.analytic, result.params.analytic)
        row.extra["verified"] = bool(result.match) and analytic == (row.macs, row.params)
        row.extra["mismatches"] = result.mismatches()


# ------------------------------------------------------------------------------------------- inputs
def check_plot_path(path: str | None) -> None:
    """Before any work: a .png/.svg name in an existing, writable directory, and matplotlib installed."""
    if path is None:
        return
    if os.path.splitext(os.path.basename(path))[1].lower() not in (".png", ".svg"):  # ".png" alone has no extension
        raise usage_error(f"--plot must name a .png or .svg file, got {path!r}")
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise usage_error("--plot needs matplotlib; install it with: pip install 'costcalc[plot]'")
    from costcalc.files import check_writable

    check_writable(path, "--plot")


def load_plans(names: tuple[str, ...], config_path: str | None,
               lists: dict[str, str | None]) -> tuple[dict[str, Any], list[Plan], dict[str, list[str]]]:
    """The sweep asked for: the sweep file's settings (``{}`` without one), the plans, option → networks."""
    if config_path:
        given = [f"--{key}" for key, value in lists.items() if value is not None]
        if names or given:
            raise usage_error(f"give NAMEs and option lists or --config FILE, not both "
                              f"(got {', '.join([*names, *given])} with --config)")
        settings, plans = load_sweep_file(config_path)
        where = {key: [p.entry.name for p in plans if key in p.axes] for key in sweep.OPTION_TYPES}
        return settings, plans, {key: value for key, value in where.items() if value}
    if not names:
        from costcalc import zoo

        raise usage_error(f"missing model NAME(s); valid: {', '.join(zoo.all_names())} (or --config FILE)")
    plans, where = plans_from_cli(names, lists)
    return {}, plans, where


# ------------------------------------------------------------------------------------------ compute
@dataclass
class Sweep:
    """A costed sweep: rows annotated (``ratio``, ``pareto``, ``nearest_other``, ``closest``) for the views."""

    settings: dict[str, Any]
    plans: list[Plan]
    where: dict[str, list[str]]
    rows: list[Row]
    reference: Row
    in_grid: bool
    target: int | None = None
    near_text: str = ""
    closest: dict[str, Row] = field(default_factory=dict)
    closest_rows: set[int] = field(default_factory=set)

    @property
    def entries(self) -> dict[str, Any]:
        return {plan.entry.name: plan.entry for plan in self.plans}

    @property
    def multi(self) -> bool:
        return len(self.entries) > 1

    @property
    def varying(self) -> dict[str, tuple[str, ...]]:
        """Per network, the options its labels show (:attr:`Plan.labelled`)."""
        return {plan.entry.name: plan.labelled for plan in self.plans}

    @property
    def title(self) -> str:
        title = self.settings.get("title") or (", ".join(self.entries) + " sweep" if self.multi
                                               else f"{self.plans[0].entry.name} sweep")
        fixed = sorted({f"{key}={values[0]}" for plan in self.plans for key, values in plan.axes.items()
                        if len(values) == 1})
        return title + (f" ({', '.join(fixed)})" if fixed else "")


def reference_row(config: sweep.Config, rows: list[Row], entries: dict[str, Any]) -> tuple[Row, bool]:
    """The reference's row, and whether it is in the grid (else it is costed on its own)."""
    row = next((row for row in rows if row.config == config), None)
    if row is not None:
        return row, True
    row = sweep.cost_config(config, entries[config.model], sweep.CostCache())
    if not row.valid:
        raise usage_error(f"--reference {config.label()}: {row.note}")
    return row, False


def compute(settings: dict[str, Any], plans: list[Plan], where: dict[str, list[str]], reference: str | None,
            near: str | None, unit: str) -> Sweep:
    """Cost every configuration; ratios to the reference, Pareto flags, cross-network pairs, ``--near``."""
    try:
        for plan in plans:
            sweep.check_values(plan)
        near_text = near if near is not None else settings.get("near")
        target = None if near_text is None else sweep.parse_quantity(str(near_text))
        rows = sweep.run(plans)
        if not any(row.valid for row in rows):
            raise usage_error(f"no configuration of the sweep is valid: {rows[0].note}")
        config = sweep.reference_config(reference if reference is not None else settings.get("reference"),
                                        plans, rows)
    except SweepError as error:
        raise usage_error(str(error)) from None
    ref_row, in_grid = reference_row(config, rows, {plan.entry.name: plan.entry for plan in plans})
    result = Sweep(settings, plans, where, rows, ref_row, in_grid, target, str(near_text or "").strip())
    valid = [row for row in rows if row.valid]
    for row, flag in zip(valid, sweep.pareto([(row.macs, row.params) for row in valid])):
        row.extra.update(ratio=sweep.ratio(row.macs, ref_row.macs), params_ratio=sweep.ratio(row.params, ref_row.params),
                         pareto=flag)
    if result.multi:
        rows.sort(key=lambda row: (not row.valid, row.macs or 0, row.params or 0))
        for row in rows:
            row.extra["nearest_other"] = sweep.nearest_other(row, rows)
    if target is not None:
        result.closest = sweep.closest_per_model(rows, target, lambda macs: in_unit(macs, unit))
        result.closest_rows = {index for index, row in enumerate(rows)
                               if any(row is best for best in result.closest.values())}
        for index in result.closest_rows:
            rows[index].extra["closest"] = True
    return result


# ---------------------------------------------------------------------------------- views and payload
def build_views(result: Sweep, unit: str, verify: bool, from_file: bool) -> tuple[list[View], View]:
    """The tables (TF-slim's pivot for one network × two options, else the long table) and the CSV table."""
    label = UNIT_LABELS[unit]
    ref, rows, plans = result.reference, result.rows, result.plans
    table = long_view(plans, rows, unit, result.title, result.target, result.closest_rows, result.multi,
                      result.near_text)
    views = [table]
    if not result.multi and len(plans[0].varying) == 2 and not verify:
        views = pivot_views(plans[0], rows, unit, result.title)
    notes = views[-1].notes
    notes.append(f"reference: {ref.config.model} {ref.config.label()} = {exact(in_unit(ref.macs, unit))} {label}, "
                 f"{exact(ref.params)} params{'' if result.in_grid else ' (not in the grid)'}")
    if result.multi or from_file:
        notes.append("options: " + "; ".join(f"--{key} → {', '.join(names)}" for key, names in result.where.items()))
    if result.target is not None:
        notes.append(f"nearest {human(result.target)} {label}: " + "; ".join(
            f"{model} {best.config.label(result.varying[model])} ({human(in_unit(best.macs, unit))})"
            for model, best in result.closest.items()))
    if len(views) == 1:
        table.notes.append(COUNTS_NOTE.format(label=label) + " Pareto ● = no other configuration has "
                           "fewer-or-equal MACs and params.")
    if result.settings.get("description"):
        notes.append(str(result.settings["description"]).strip())
    return views, table


def build_payload(result: Sweep, unit: str) -> dict[str, Any]:
    """The JSON document: ``model`` is one string (``"mobilenet"`` or ``"mobilenet+shufflenet"``), the
    list is in ``models``; counts in MACs (``flops`` beside them), ``near`` in ``--unit``."""
    names = list(result.entries)
    ref, target = result.reference, result.target
    return {
        "model": "+".join(names),
        "models": names,
        "unit": "macs",
        "axes": {plan.entry.name: {key: list(values) for key, values in plan.axes.items()} for plan in result.plans},
        "assignments": result.where,
        "reference": {"model": ref.config.model, "options": ref.config.kwargs, "macs": ref.macs,
                      "flops": in_unit(ref.macs, "flops"), "params": ref.params, "in_grid": result.in_grid},
        "near": None if target is None else {"target": target, "unit": unit,
                                             "closest": {m: r.config.kwargs for m, r in result.closest.items()}},
        "rows": [row_payload(row, result.varying, target, unit) for row in result.rows],
    }


def save_plot(result: Sweep, path: str, unit: str) -> None:
    """Write the MACs-against-params figure; a failed write is a usage error and leaves no file."""
    from costcalc.plot import plot_sweep

    try:
        plot_sweep(result.rows, path, unit, result.title, result.varying, result.target)
    except OSError as error:
        raise usage_error(f"--plot {path!r}: {error.strerror or error}") from None
    click.echo(f"wrote {path}", err=True)


# ------------------------------------------------------------------------------------------ command
@click.command("sweep")
@click.argument("names", nargs=-1)
@click.option("--alpha", help="Width multipliers α (MobileNet), e.g. 0.25,0.5,0.75,1.0.")
@click.option("--res", help="Input resolutions, e.g. 128,160,192,224.")
@click.option("--groups", help="Groups g (ShuffleNet), e.g. 1,2,3,4,8.")
@click.option("--scale", help="Scales s× (ShuffleNet), e.g. 0.5,1.0,1.5,2.0.")
@click.option("--classes", help="Classifier outputs, e.g. 1000,1001.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A sweep file (configs/sweeps/*.yaml) listing networks and their option lists.")
@click.option("--reference", help="Ratios against this configuration: [MODEL:]alpha=1.0,res=224 "
                                  "(default: the first network's default configuration if in the grid, else its first).")
@click.option("--near", help="Highlight each network's configuration nearest this count (in --unit), e.g. 140M.")
@click.option("--plot", "plot_path", help="Draw MACs against params to FILE.png or FILE.svg (needs costcalc[plot]).")
@click.option("--verify", is_flag=True, help="Reconcile every configuration with fvcore (needs costcalc[measure]).")
@unit_option
@format_option
def command(names: tuple[str, ...], config_path: str | None, reference: str | None, near: str | None,
            plot_path: str | None, verify: bool, unit: str, fmt: str, **lists: str | None) -> None:
    """Cost a grid of network options: every option of `costcalc model` as a comma list.

    One network and two varying options give TF-slim's table (rows = first option, columns =
    second); several networks (or a sweep file) give one table sorted by cost, each row with the
    other network nearest in cost. Exit 1 when --verify finds a mismatch.

    Examples: costcalc sweep mobilenet --alpha 1.0,0.75,0.5,0.25 --res 224,192,160,128 --classes 1001

              costcalc sweep mobilenet shufflenet --alpha 0.25,0.5,0.75,1.0 --scale 0.5,1.0,1.5,2.0 --near 140M
    """
    check_plot_path(plot_path)
    try:
        settings, plans, where = load_plans(names, config_path, lists)
    except SweepError as error:
        raise usage_error(str(error)) from None
    result = compute(settings, plans, where, reference, near, unit)
    if verify:
        verify_rows(plans, result.rows)
    views, table = build_views(result, unit, verify, bool(config_path))
    if plot_path:
        save_plot(result, plot_path, unit)
    payload = build_payload(result, unit)
    emit(fmt, payload, views, payload["rows"])
    if verify and not all(row.extra.get("verified", True) for row in result.rows):
        click.get_current_context().exit(1)
