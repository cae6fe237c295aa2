"""The measuring side of ``costcalc bench``: timing a plan's items and calibrating this machine.

torch is imported only through :mod:`costcalc.measure.bench`, after
:func:`costcalc.commands.options.require_measure`.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

import click

from costcalc.bench.plan import Plan
from costcalc.commands.options import usage_error
from costcalc.views.render import emit

QUICK_CALIBRATION_S = 0.3
"""Timing budget of the calibration a run does first when no ``--device`` is given."""
CALIBRATE_ONLY = ("threads", "save_path", "calibrate", "fmt")
"""Options ``--calibrate`` uses; any other given with it is an error rather than silently ignored."""


def run_timings(plan: Plan, settings: Any, bench: Any) -> bool:
    """Time every applicable item with a progress bar on stderr; Ctrl-C stops and keeps what was measured.

    Returns whether the run was interrupted.
    """
    from costcalc.commands.analyze import user_code_errors
    from costcalc.views.progress import track

    timed = [item for item in plan.items if item.applicable]
    with closing(track(timed, lambda item: f"timing {item.name}", "timing", detailed=True)) as items, \
            user_code_errors():
        try:
            for item in items:
                item.timing = bench.time_spec(item.spec, item.shape, settings)
        except KeyboardInterrupt:
            return True
    return False


def check_calibrate_options(ctx: click.Context, save_path: str | None) -> None:
    """Before calibrating: no option --calibrate would ignore, and a --save path that can be written."""
    from click.core import ParameterSource

    ignored = ["/".join(param.opts + param.secondary_opts) for param in ctx.command.params
               if param.name not in CALIBRATE_ONLY and isinstance(param, click.Option)
               and ctx.get_parameter_source(param.name) is not ParameterSource.DEFAULT]
    if ignored:
        raise usage_error(f"{', '.join(ignored)} {'applies' if len(ignored) == 1 else 'apply'} to timing runs, "
                          f"not to --calibrate (it times float32 convolutions, a matmul and a copy; it takes "
                          f"--threads and --save)")
    if save_path:
        from costcalc.config.files import check_writable

        check_writable(save_path, "--save")


def run_calibration(threads: int, save_path: str | None, fmt: str) -> None:
    """Measure this machine, print the profile, and write it atomically to ``--save`` when given."""
    from costcalc.views.bench import profile_view
    from costcalc.commands.options import require_measure

    require_measure()
    from costcalc.measure import bench

    profile = bench.calibrate(threads)
    if save_path:
        from costcalc.config.files import replacing

        try:
            with replacing(save_path) as temporary:
                with open(temporary, "w", encoding="utf-8") as handle:
                    handle.write(profile.to_yaml("Measured by `costcalc bench --calibrate`; read with --device FILE."))
        except OSError as error:
            raise usage_error(f"--save {save_path!r}: {error.strerror or error}") from None
        click.echo(f"saved device profile to {save_path}", err=True)
    emit(fmt, {"device": profile.as_dict()}, [profile_view(profile)], [profile.as_dict()])
