"""Progress on stderr for the commands that do slow work (verify, sweep --verify, large sweeps, bench).

Shown only when stderr is a terminal and ``NO_COLOR`` is not set (a bar needs cursor escape
codes), and removed when done, so piped output and tests see nothing. rich is imported lazily,
when the work starts. :func:`track` is a bar over a known list of items; :func:`working` a
spinner around one long step (drawing a plot, calibrating).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")


def _console_and_hidden() -> tuple[Console, bool]:
    """The stderr console, and whether progress must stay hidden (not a terminal, or ``NO_COLOR``)."""
    from costcalc.views.render import make_console

    console = make_console(stderr=True)
    return console, not console.is_terminal or bool(os.environ.get("NO_COLOR"))


def track(items: Sequence[T], describe: Callable[[T], str], label: str = "working",
          detailed: bool = False) -> Iterator[T]:
    """Yield each of ``items`` while the bar shows ``describe(item)``; advance after the caller's work.

    ``detailed`` adds a bar, ``done/total`` and the elapsed time to the description. The bar is
    stopped when the loop ends, breaks or raises (a ``KeyboardInterrupt`` included).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console, hidden = _console_and_hidden()
    columns = ((TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
               if detailed else Progress.get_default_columns())
    with Progress(*columns, console=console, transient=True, disable=hidden) as progress:
        task = progress.add_task(label, total=len(items))
        for item in items:
            progress.update(task, description=describe(item))
            yield item
            progress.advance(task)


@contextmanager
def working(label: str, shown: bool = True) -> Iterator[None]:
    """A transient spinner with ``label`` and the elapsed time while the block runs (when ``shown``
    and stderr is a terminal); removed when the block ends or raises."""
    from costcalc.views.render import is_terminal

    if not shown or not is_terminal(sys.stderr):  # decided before rich is imported
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console, hidden = _console_and_hidden()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True, disable=hidden) as progress:
        progress.add_task(label, total=None)
        yield
