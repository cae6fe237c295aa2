"""A property-based fuzz of the whole CLI: every command, every option, hostile values.

Options and arguments are read from the click commands themselves, so a new option is fuzzed
without touching this file. Each run must end with exit code 0, 1 or 2, no traceback (click's
runner keeps an unexpected exception as ``result.exception``) and within a time bound.
Analytic commands get many examples; commands that load torch (``--verify``, ``verify``, ``bench``,
``analyze``) get tiny sizes and few examples.
"""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc.cli import cli

HOSTILE = Path(__file__).parent / "hostile"
ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="costcalc-fuzz-"))

NUMBERS = ["0", "-1", "1", "2", "3", "8", "16", "0.5", "1.0", "1e300", "1.0e+999", "nan", "inf", "-inf",
           "١٢", "１２", "9" * 19, "9" * 4000, "", " ", "abc", "1x3", "3x1", "0x3", "2x2x2", "1_000",
           "1_0.0e+400", "1e4_00", "1" + "_1" * 420, "9" * 18, "1e18", "4097", "100001", "1e308"]
SMALL_NUMBERS = ["0", "-1", "1", "2", "3", "4", "8", "nan", "inf", "١٢", "9" * 19, "abc", "1x3", "", "1_0", "1e4_00"]
FILES = [*(str(path) for path in sorted(HOSTILE.glob("*.yaml"))), "/dev/zero", "/dev/null", str(OUTPUT_DIR),
         "no/such/file.yaml", str(ROOT / "configs/models/tiny_mobilenet.yaml"),
         str(ROOT / "configs/layers/mobilenet_table3.yaml"), str(ROOT / "configs/sweeps/near_140m.yaml")]
OUTPUTS = [str(OUTPUT_DIR / "out.svg"), str(OUTPUT_DIR / "out.png"), ".png", str(OUTPUT_DIR), "/dev/full",
           str(OUTPUT_DIR / "missing" / "x.svg"), str(HOSTILE / "latin1.yaml")]
NAMES = ["mobilenet", "shufflenet", "effnet", "mobilenet_v2", "shufflenet_v2", "resnet", "", "١", "-x",
         "depthwise_separable", "mnv1-table3", "configs/examples/vgg_cifar.py:VGG", "x.py:Nope",
         # models analyze must not count silently (issue 19): threads, lazy forwards, padding in forward, (T, B, I)
         *(f"{ROOT / 'tests' / 'analyze_models' / 'unseen.py'}:{name}"
           for name in ("Threaded", "Pooled", "Generator", "LazyMap", "SameStem", "Recurrent"))]
LISTS = ["0.5,1.0", "128,224", "1,3", "1", "0", "nan", "1e300", "١٢", ",", "1,1", "9" * 30, "a,b", "1_000,2",
         "0.5,1e4_00", "4097", "8.5"]
TORCH_COMMANDS = {"verify", "bench", "analyze"}
TORCH_FLAGS = {"verify", "do_verify"}
DERANDOMIZE = not os.environ.get("COSTCALC_FUZZ_RANDOM")  # CI: the same examples each run


GOOD = {"in_channels": ["8", "16", "24"], "out_channels": ["8", "16", "32"], "kernel": ["1", "3", "1x3", "5"],
        "size": ["8", "14", "7x9"], "stride": ["1", "2", "2x1"], "padding": ["0", "1", "2"], "groups": ["1", "2", "4"],
        "alpha": ["0.25", "0.5", "1.0"], "res": ["32", "64", "96"], "scale": ["0.5", "1.0"], "classes": ["10", "1000"],
        "name": ["mobilenet", "shufflenet", "effnet", "mobilenet_v2", "shufflenet_v2", "efficientnet"],
        "names": ["mobilenet", "shufflenet", "effnet"], "seed": ["0", "7"], "random_count": ["1", "2"],
        "batch": ["1", "2"], "batch_axis": ["0", "1"], "threads": ["1"], "targets": ["depthwise_separable", "conv"]}
BASE = {"compare": ["--in", "8", "--out", "8", "--kernel", "3", "--size", "8"],
        "sweep": ["mobilenet", "--alpha", "0.5"]}


def values_for(param: click.Parameter, tiny: bool) -> st.SearchStrategy[str]:
    """Text for one parameter: an ordinary value or, as often, a hostile one chosen by what the parameter is."""
    hostile = hostile_values_for(param, tiny)
    good = st.sampled_from(GOOD.get(param.name, ["1"]))
    return st.one_of(good, good, good, hostile) if param.name in GOOD else hostile


def hostile_values_for(param: click.Parameter, tiny: bool) -> st.SearchStrategy[str]:
    kind = type(getattr(param.type, "wrapped", param.type)).__name__
    if isinstance(param.type, click.Choice):
        return st.sampled_from([*param.type.choices, "bogus"])
    if param.name in ("plot_path", "save_path"):
        return st.sampled_from(OUTPUTS)
    if kind == "Path" or param.name in ("device",):
        return st.sampled_from(FILES + ["laptop-i5-8250u"])
    if param.name in ("alpha", "res", "groups", "scale", "classes", "near", "reference", "groups_text",
                      "res_text", "input_text") and kind == "StringParamType":
        return st.sampled_from(LISTS + ["140M", "alpha=1.0,res=224", "1,3,8,8"])
    if kind == "StringParamType":
        return st.sampled_from(NAMES)
    return st.sampled_from(SMALL_NUMBERS if tiny else NUMBERS)


@st.composite
def invocations(draw, torch: bool) -> list[str]:
    context = click.Context(cli)
    names = [name for name in cli.list_commands(context) if (name in TORCH_COMMANDS) == torch]
    if torch:
        names += ["compare", "model"]
    name = draw(st.sampled_from(names))
    command = cli.get_command(context, name)
    args = [name, *(BASE.get(name, []) if draw(st.booleans()) else [])]
    for param in command.params:
        if isinstance(param, click.Argument):
            if not (name == "sweep" and len(args) > 1):
                args += [draw(values_for(param, torch)) for _ in range(draw(st.integers(0, 1)) or param.required)]
            continue
        if param.name in TORCH_FLAGS and not torch:
            continue
        if name in ("compare", "model") and torch and param.name in TORCH_FLAGS:
            args.append(param.opts[0])  # the torch run of an analytic command
            continue
        if param.name in ("calibrate", "suite") and name == "bench":
            continue  # whole-machine timing runs: benchmarks, not fuzz targets
        if draw(st.integers(0, 2)):
            continue  # two options in three are left out
        if getattr(param, "is_flag", False):
            args.append(param.opts[0])
        else:
            args += [param.opts[0], draw(values_for(param, torch))]
    if name == "bench":
        args += ["--min-time", "0.001", "--repeats", "1", "--warmup", "0"]
    if name == "verify" and (len(args) == 1 or args[1].startswith("-")):
        args.insert(1, "conv")  # one target, not the whole suite (that is test_verify's job)
    return args


def check(args: list[str], seconds: int) -> None:
    def expire(signum, frame):
        raise TimeoutError(f"costcalc {' '.join(args)} took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        result = CliRunner().invoke(cli, args, env={"NO_COLOR": "1", "COLUMNS": "80"})
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    shown = (f"costcalc {' '.join(arg[:40] for arg in args)}\nstdout: {result.stdout[-400:]}\n"
             f"stderr: {result.stderr[-800:]}")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{shown}\n{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code in (0, 1, 2), shown
    assert "Traceback" not in result.stderr, shown
    if result.exit_code == 2:
        assert result.stderr.strip().startswith("Error:") and len(result.stderr.strip().splitlines()) == 1, shown


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=DERANDOMIZE)
@given(invocations(torch=False))
def test_analytic_commands_never_crash(args):
    check(args, 60)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=DERANDOMIZE)
@given(invocations(torch=True))
def test_torch_commands_never_crash(args):
    check(args, 120)
