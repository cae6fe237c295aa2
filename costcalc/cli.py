"""The ``costcalc`` command group.

Commands live one per module in :mod:`costcalc.commands` and are imported only when invoked, so
``costcalc compare`` loads neither torch nor the code of other commands. Every user error —
click's own usage errors and our :class:`~costcalc.specs.SpecError` /
:class:`~costcalc.configs.ConfigError` — is printed as one ``Error:`` line on stderr with exit
code 2, never as a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from costcalc.configs import ConfigError
from costcalc.specs import SpecError

COMMANDS = {
    "compare": "Compare a convolution layer with its factorized alternatives.",
    "model": "Cost a whole network (MobileNet, ShuffleNet, EffNet or a YAML file).",
    "verify": "Check the analytic counts against fvcore and FlopCounterMode.",
    "sweep": "Cost a grid of network options (width, resolution, groups, scale).",
    "bench": "Memory traffic, roofline estimate and measured CPU latency.",
    "analyze": "Count and reconcile any PyTorch model, and what factorizing would save.",
    "list": "List the models and the layer and block kinds.",
}


class CostcalcGroup(click.Group):
    """A group that loads each command's module on first use and reports user errors in one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._module_exists(name)]

    @staticmethod
    def _module_exists(name: str) -> bool:
        return importlib.util.find_spec(f"costcalc.commands.{name}_cmd") is not None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS or not self._module_exists(name):
            return None
        module = importlib.import_module(f"costcalc.commands.{name}_cmd")
        return module.command

    def resolve_command(self, ctx, args):
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

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (SpecError, ConfigError) as error:
            raise click.UsageError(str(error)) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:
            click.echo(error.ctx.get_help())  # bare `costcalc`: the help, on stdout, not as an error
            code = 0
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            code = error.exit_code
        except click.Abort:
            click.echo("Aborted.", err=True)
            code = 130
        except BrokenPipeError:  # `costcalc … | head`: the reader left; stop quietly
            sys.stderr.close()
            code = 0
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(cls=CostcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="costcalc")
def cli() -> None:
    """What a convolution, a block or an efficient CNN really costs.

    Counts are exact integers: MACs (multiply-accumulates, the papers' "Mult-Adds"), FLOPs = 2 × MACs,
    and parameters as PyTorch counts them. Analytic commands never import torch.
    """


def main() -> None:
    """Console-script entry point."""
    cli()
