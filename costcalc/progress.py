"""A transient progress bar on stderr for the commands that loop over slow work (verify, sweep --verify, bench).

Shown only when stderr is a terminal and ``NO_COLOR`` is not set (a bar needs cursor escape
codes), and removed when done, so piped output and tests see nothing. rich is imported lazily,
when the loop starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def track(items: Sequence[T], describe: Callable[[T], str], label: str = "working",
          detailed: bool = False) -> Iterator[T]:
    """Yield each of ``items`` while the bar shows ``describe(item)``; advance after the caller's work.

    ``detailed`` adds a bar, ``done/total`` and the elapsed time to the description. The bar is
    stopped when the loop ends, breaks or raises (a ``KeyboardInterrupt`` included).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from costcalc.render import make_console

    console = make_console(stderr=True)
    columns = ((TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
               if detailed else Progress.get_default_columns())
    hidden = not console.is_terminal or bool(os.environ.get("NO_COLOR"))
    with Progress(*columns, console=console, transient=True, disable=hidden) as progress:
        task = progress.add_task(label, total=len(items))
        for item in items:
            progress.update(task, description=describe(item))
            yield item
            progress.advance(task)
