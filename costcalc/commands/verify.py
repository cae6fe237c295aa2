"""``costcalc verify``: reconcile analytic counts with fvcore, FlopCounterMode and ``sum(p.numel())``."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Generator
from contextlib import closing
from typing import Any

import click

from costcalc.commands.options import format_option, require_measure, unit_option
from costcalc.formatting import MARK, UNIT_LABELS, exact, in_unit
from costcalc.views.reconcile import reconciliation_views
from costcalc.views.render import Column, View, emit


def _summary_view(items: list[dict], unit: str) -> View:
    """One row per target: ✓/✗, analytic vs measured MACs and params, counter deltas and their causes."""
    label = UNIT_LABELS[unit]
    view = View(f"verify: analytic vs measured ({label}: conv + linear; params: sum(p.numel()))",
                [Column("match", kind="verdict"), Column("target"), Column(f"analytic {label}", "right"),
                 Column(f"measured {label}", "right"),
                 Column("delta", "right"), Column("analytic params", "right"), Column("measured params", "right"),
                 Column("fvcore − paper", "right"), Column("cause", kind="text")])
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


def reconcile_payload(target: Any) -> dict[str, Any]:
    """The reconciliation of one suite target as JSON-ready data (in a worker process, or in-process)."""
    from costcalc.measure.reconcile import reconcile

    return reconcile(target.spec, target.input, target.name).payload()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which a container may narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _follow_parent(parent: int) -> None:
    """A worker's start: it dies with its parent, however the parent ends.

    ``SIGINT`` and ``SIGHUP`` (sent to the whole process group by Ctrl-C or a closed terminal) are left to the
    parent, which then stops the pool; ``SIGTERM`` stays fatal, as :meth:`multiprocessing.pool.Pool.terminate`
    needs; and on Linux the kernel kills the worker when the parent dies (``PR_SET_PDEATHSIG``), even by
    ``SIGKILL`` — no orphan lives on to write into a closed pipe (each one printed a ``BrokenPipeError``)."""
    from costcalc.measure.isolated import follow_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    follow_parent(parent)


def reconcile_all(targets: list[Any]) -> Generator[dict[str, Any], None, None]:
    """Each target's reconciliation payload, in the targets' order.

    Targets are independent and each counts on one thread, so they are spread over one worker process
    per usable core (the default suite: 12.9 s on one process, 9.2–9.8 s on two, quiet 2-core machine).
    The workers are forked before torch is imported, each importing it once; a process that has
    imported torch already (a program embedding costcalc, the test suite) reconciles in-process,
    since forking a process whose torch thread pools may be running is unsafe; so does a platform
    without ``fork`` (Windows). The workers follow the parent on every signal (:func:`_follow_parent`):
    ``SIGINT`` unwinds the parent, whose pool then terminates them; ``SIGTERM`` and ``SIGHUP`` end the parent
    at once (no handler runs in the middle of the pool's locks) and the kernel ends the workers with it.
    """
    workers = min(usable_cores(), len(targets))
    if workers < 2 or "torch" in sys.modules or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(reconcile_payload, targets)
        return
    with multiprocessing.get_context("fork").Pool(workers, initializer=_follow_parent,
                                                  initargs=(os.getpid(),)) as pool:
        yield from pool.imap(reconcile_payload, targets, chunksize=1)


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
    from costcalc.config.verify_suite import DEFAULT_SUITE, load_suite, random_targets, select
    from costcalc.views.progress import track

    suite = suite_path or DEFAULT_SUITE
    chosen = select(load_suite(suite), targets, suite) + random_targets(random_count, seed)
    with closing(reconcile_all(chosen)) as payloads:  # a signal anywhere below stops the workers at once
        items = [next(payloads) for _ in track(chosen, lambda target: target.name, "verifying", detailed=True)]
    matched = sum(item["match"] for item in items)
    views = [_summary_view(items, unit)]
    for item in items:
        if not item["match"]:
            views += reconciliation_views(item, unit)
    emit(fmt, {"items": items, "matched": matched, "total": len(items)}, views, items)
    if matched != len(items):
        click.get_current_context().exit(1)
