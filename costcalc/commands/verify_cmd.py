"""``costcalc verify``: reconcile analytic counts with fvcore, FlopCounterMode and ``sum(p.numel())``."""

from __future__ import annotations

import click

from costcalc.options import format_option, require_measure, unit_option
from costcalc.reconcile_view import MARK, reconciliation_views
from costcalc.render import UNIT_LABELS, Column, View, emit, exact, in_unit


def _summary_view(items: list[dict], unit: str) -> View:
    """One row per target: ✓/✗, analytic vs measured MACs and params, counter deltas and their causes."""
    label = UNIT_LABELS[unit]
    view = View(f"verify: analytic vs measured ({label}: conv + linear; params: sum(p.numel()))",
                [Column(""), Column("target"), Column(f"analytic {label}", "right"), Column(f"measured {label}", "right"),
                 Column("delta", "right"), Column("analytic params", "right"), Column("measured params", "right"),
                 Column("fvcore − paper", "right"), Column("cause")])
    for item in items:
        delta = None if item["measured_macs"] is None else item["measured_macs"] - item["analytic_macs"]
        fvcore = item["fvcore"]
        cause = "; ".join(fvcore["causes"]) or "—"
        if not item["match"]:
            first, more = item["mismatches"][0], len(item["mismatches"]) - 1
            cause = first + (f" (+{more} more, see below)" if more else "")
        view.add(MARK[item["match"]], item["target"], exact(in_unit(item["analytic_macs"], unit)),
                 exact(in_unit(item["measured_macs"], unit)), exact(in_unit(delta, unit)),
                 exact(item["analytic_params"]), exact(item["measured_params"]),
                 exact(fvcore["measured"] - item["analytic_macs"]) if fvcore["measured"] is not None else "—",
                 cause, style="" if item["match"] else "bold red")
    matched = sum(item["match"] for item in items)
    view.notes = [f"{matched}/{len(items)} targets match. FlopCounterMode = 2 × analytic MACs (×2 convention) "
                  f"was checked for every target; ops the counters skip are listed per target in the JSON "
                  f"('skipped', with analytic estimates)."]
    return view


@click.command("verify")
@click.argument("targets", nargs=-1)
@click.option("--random", "random_count", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also verify N random valid specs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random specs (reproducible).")
@click.option("--suite", "suite_path", type=click.Path(dir_okay=False), default=None,
              help="Suite file (default: configs/verify.yaml, installed with costcalc).")
@unit_option
@format_option
def command(targets: tuple[str, ...], random_count: int, seed: int, suite_path: str | None, unit: str,
            fmt: str) -> None:
    """Check every analytic count against fvcore, FlopCounterMode and sum(p.numel()).

    TARGET names entries of the suite (configs/verify.yaml; all when none given). Exit 0 when every
    count matches, 1 on any mismatch (the failing targets' layers are shown).

    Example: costcalc verify --random 20 --seed 1
    """
    require_measure()
    from costcalc.measure.reconcile import reconcile
    from costcalc.suite import DEFAULT_SUITE, load_suite, random_targets, select
    from costcalc.progress import track

    suite = suite_path or DEFAULT_SUITE
    chosen = select(load_suite(suite), targets, suite) + random_targets(random_count, seed)
    items = [reconcile(target.spec, target.input, target.name).payload()
             for target in track(chosen, lambda target: target.name, "verifying", detailed=True)]
    matched = sum(item["match"] for item in items)
    views = [_summary_view(items, unit)]
    for item in items:
        if not item["match"]:
            views += reconciliation_views(item, unit)
    emit(fmt, {"items": items, "matched": matched, "total": len(items)}, views, items)
    if matched != len(items):
        click.get_current_context().exit(1)
