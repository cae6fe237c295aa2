"""The ``costcalc`` command group.

Commands live one per module in :mod:`costcalc.commands` and are imported only when invoked, so
``costcalc compare`` loads neither torch nor the code of other commands. Every user error —
click's own usage errors and our :class:`~costcalc.engine.specs.SpecError`,
:class:`~costcalc.config.config_file.ConfigError` and :class:`~costcalc.config.files.OutputFileError` — is
printed as one ``Error:`` line on stderr with exit code 2, never as a traceback.

Streams are part of that contract (:func:`main`): a closed stderr is replaced by ``/dev/null`` so
stdout work goes on; a closed stdout, or one that fails to take the output (``/dev/full``, an I/O
error), gets one ``Error:`` line on stderr and exit 1; a reader that leaves early (``| head``,
``EPIPE``) ends the command quietly with exit 1, as ``SIGPIPE`` ends other Unix tools; a stream
whose encoding cannot hold ``×``, ``→`` or ``²`` (``PYTHONIOENCODING=ascii``, the C locale) gets
ASCII stand-ins (``x``, ``->``, ``^2``) instead of a ``UnicodeEncodeError``.
"""

from __future__ import annotations

import codecs
import gc
import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import click

from costcalc.config.config_file import ConfigError
from costcalc.engine.specs import SpecError

COMMANDS = {
    "compare": "Compare a convolution layer with its factorized alternatives.",
    "model": "Cost a whole network (MobileNet, ShuffleNet, EffNet or a YAML file).",
    "verify": "Check the analytic counts against fvcore and FlopCounterMode.",
    "sweep": "Cost a grid of network options (width, resolution, groups, scale).",
    "bench": "Memory traffic, roofline estimate and measured CPU latency.",
    "analyze": "Count and reconcile any PyTorch model, and what factorizing would save.",
    "list": "List the models and the layer and block kinds.",
}


class ReaderLeft(Exception):
    """Standard output's reader closed it early (``EPIPE``), carried past click, which would exit 0."""

    def __init__(self, error: BrokenPipeError) -> None:
        super().__init__(str(error))
        self.error = error


class CostcalcGroup(click.Group):
    """A group that loads each command's module on first use and reports user errors in one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._module_exists(name)]

    @staticmethod
    def _module_exists(name: str) -> bool:
        return importlib.util.find_spec(f"costcalc.commands.{name}") is not None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS or not self._module_exists(name):
            return None
        from costcalc.commands.options import harden

        module = importlib.import_module(f"costcalc.commands.{name}")
        return harden(module.command)

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from costcalc.spelling import closest

            raise click.UsageError(f"no such command {name!r}; valid: {', '.join(self.list_commands(ctx))}"
                                   f"{closest(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from costcalc.config.files import OutputFileError, command_inputs

        try:
            with command_inputs():
                return super().invoke(ctx)
        except (SpecError, ConfigError, OutputFileError) as error:
            raise click.UsageError(str(error)) from None
        except BrokenPipeError as error:  # click would turn it into exit 0; :meth:`_run` decides instead
            raise ReaderLeft(error) from error

    # The override is ignored for the type checker: click types main per standalone_mode (NoReturn when it
    # exits); this one returns the exit code when not standalone and exits with it otherwise.
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> int:
        _prepare_streams()
        if sys.stdout is None:
            click.echo("Error: standard output is closed; redirect it (>/dev/null) instead of closing it", err=True)
            code = 1
        else:
            code = self._run(args, prog_name, complete_var, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None, **extra: Any) -> int:
        """Run the command; every user error and every failure of the output stream as an exit code."""
        try:
            with fewer_collections():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help())  # bare `costcalc`: the help, on stdout, not as an error
            code = 0
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            code = error.exit_code
        except click.Abort:
            click.echo("Aborted.", err=True)
            code = 130
        except OSError as error:
            code = _output_failed(error)
        except ReaderLeft as left:
            code = _output_failed(left.error)
        except (MemoryError, RuntimeError) as error:  # the last line of defence (costcalc.measure.guard is the first)
            if isinstance(error, RuntimeError) and not ALLOCATION_FAILURE.search(str(error)):
                raise
            click.echo(f"Error: out of memory: {str(error).splitlines()[0] if str(error) else 'MemoryError'}; "
                       "use smaller sizes", err=True)
            code = 1
        return code if isinstance(code, int) else 0


ALLOCATION_FAILURE = re.compile(r"can't allocate memory|not enough memory|out of memory|Tried to allocate",
                                re.IGNORECASE)
"""torch's messages for a failed allocation (the CPU allocator's and the others')."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector's youngest generation every 100,000 allocations instead of 700.

    A command builds large acyclic data (a 100,000-layer network is a million objects) and frees it at
    exit; at the default threshold the collector rescans that data again and again, about a tenth of
    ``costcalc model --config`` on such a network. Cycles are still collected, only less often.
    """
    previous = gc.get_threshold()
    gc.set_threshold(100_000, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _ascii_stand_in(error: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: each character the encoding lacks becomes its ASCII stand-in, else ``?``."""
    from costcalc.formatting import ascii_text

    if not isinstance(error, UnicodeEncodeError):
        raise error
    return ascii_text(error.object[error.start:error.end]), error.end


codecs.register_error("costcalc-ascii", _ascii_stand_in)


def _prepare_streams() -> None:
    """A closed stderr becomes ``/dev/null`` (so stdout work goes on); a stream that cannot encode
    costcalc's symbols gets ASCII stand-ins for them."""
    from costcalc.views.render import encodes

    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not encodes(stream, "×→²") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="costcalc-ascii")


def _output_failed(error: OSError) -> int:
    """Exit 1 after an output failure, with one ``Error:`` line unless the reader left (``EPIPE``).

    An error without a file name is standard output's (output files are written by
    :mod:`costcalc.config.files`, whose errors name the file); standard output is then pointed at
    ``/dev/null`` so the interpreter's own flush at exit does not fail a second time.
    """
    import errno

    if error.filename is None:  # files name themselves (costcalc.config.files); the rest is standard output
        with suppress(OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if error.errno != errno.EPIPE:
        what = f"{error.filename}" if error.filename else "cannot write standard output"
        with suppress(OSError):
            click.echo(f"Error: {what}: {error.strerror or error}", err=True)
    return 1


@click.group(cls=CostcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="costcalc", prog_name="costcalc", message="%(prog)s %(version)s")
def cli() -> None:
    """What a convolution, a block or an efficient CNN really costs.

    Counts are exact integers: MACs (multiply-accumulates, the papers' "Mult-Adds"), FLOPs = 2 × MACs,
    and parameters as PyTorch counts them. Analytic commands never import torch.
    """


def main() -> None:
    """Console-script entry point."""
    cli()
