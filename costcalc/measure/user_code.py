"""The user's code, kept the user's: loading a target, building it, running it, and what it raised.

``TARGET`` is ``path/to/file.py:name`` or ``package.module:name`` naming an ``nn.Module`` class or a
factory function; building and running it executes the user's own code. While it runs, what it
prints goes to stderr (so JSON on stdout stays parseable); ``sys.exit`` or any other
``BaseException`` becomes one ``Error:`` line; an exception is either the model refusing the input
(raised inside torch: a shape mismatch) or a bug in the user's code (raised in their frames),
reported as such with their traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

Result = TypeVar("Result")


class TargetError(ValueError):
    """A target, argument or input the user must fix: shown as one ``Error:`` line."""


class UserCodeError(Exception):
    """An exception raised inside the user's own code: a one-line summary, then their traceback."""

    def __init__(self, summary: str, details: str) -> None:
        super().__init__(summary)
        self.summary = summary
        self.details = details


_TORCH = str(Path(torch.__file__).parent)
_OUR_FILES = (str(Path(__file__).resolve().parents[1]), "<frozen importlib", _TORCH)


def _user_traceback(error: BaseException) -> str:
    """The traceback of ``error`` without our own (costcalc, importlib, torch) leading frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename.startswith(_OUR_FILES):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip()


def _user_error(what: str, error: BaseException) -> UserCodeError:
    summary = f"{what} raised {type(error).__name__}: {first_line(error)}" if str(error).strip() else \
        f"{what} raised {type(error).__name__}"
    return UserCodeError(summary, _user_traceback(error))


# -- loading -----------------------------------------------------------------------------------------

def first_line(error: BaseException) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _raised_in_torch(error: BaseException) -> bool:
    """Whether the innermost frame is torch's own: the input did not fit (not a bug in user code)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_TORCH) \
        and isinstance(error, (RuntimeError, ValueError, IndexError))


def run_user_code(what: str, action: Callable[[], Result], input_text: str | None = None) -> Result:
    """Run ``action`` (the user's code) with its prints sent to stderr and its failures made ours.

    ``sys.exit`` and other ``BaseException`` s (but Ctrl-C) become a one-line :class:`TargetError`;
    an exception raised inside torch while running a forward on ``input_text`` is the model
    refusing that input; any other is a :class:`UserCodeError` naming ``what`` with the user's
    traceback.
    """
    with contextlib.redirect_stdout(sys.stderr):
        try:
            return action()
        except (TargetError, UserCodeError, KeyboardInterrupt):
            raise
        except SystemExit as error:
            raise TargetError(f"{what} called sys.exit({error.code!r}); costcalc stopped there") from None
        except Exception as error:
            if input_text is not None and _raised_in_torch(error):
                raise TargetError(f"the model rejects input {input_text}: {first_line(error)}") from None
            raise _user_error(what, error) from error
        except BaseException as error:
            raise TargetError(f"{what} raised {type(error).__name__}: {first_line(error)}") from None


def _load_file(path: Path) -> Any:
    module_name = f"costcalc_user_{abs(hash(str(path.resolve())))}"
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise TargetError(f"cannot load {str(path)!r} as Python source")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except BaseException as error:  # the user's module-level code (sys.exit too: run_user_code words it)
        sys.modules.pop(module_name, None)
        if not isinstance(error, Exception):
            raise
        raise _user_error(f"importing {path}", error) from error
    return module


def load_target(target: str) -> Any:
    """The object ``TARGET`` names: ``path/to/file.py:name`` or ``package.module:name``."""
    return run_user_code(f"importing {target}", lambda: _load_target(target))


def _load_target(target: str) -> Any:
    location, colon, name = target.rpartition(":")
    if not colon or not location or not name:
        raise TargetError(f"target must be path/to/file.py:name or package.module:name, got {target!r}")
    path = Path(location)
    if location.endswith(".py") or path.exists():
        if not path.is_file():
            raise TargetError(f"no such file {location!r} (target {target!r})")
        module = _load_file(path)
    else:
        try:
            found = importlib.util.find_spec(location)
        except (ImportError, ValueError):
            found = None
        if found is None:
            raise TargetError(f"no such file or module {location!r} (target {target!r}); "
                              f"give path/to/file.py:name or package.module:name")
        try:
            module = importlib.import_module(location)
        except Exception as error:
            raise _user_error(f"importing {location}", error) from error
    if not hasattr(module, name):
        public = sorted(key for key, value in vars(module).items() if not key.startswith("_")
                        and (inspect.isclass(value) and issubclass(value, nn.Module) or inspect.isfunction(value)))
        from costcalc.spelling import closest

        raise TargetError(f"{location} has no {name!r}; modules and functions there: "
                          f"{', '.join(public) or 'none'}{closest(name, public)}")
    return getattr(module, name)


def build_model(obj: Any, arguments: dict[str, Any], target: str) -> nn.Module:
    """Instantiate an ``nn.Module`` class or call a factory with ``arguments`` (this runs the user's code)."""
    return run_user_code(f"building {target}", lambda: _build_model(obj, arguments, target))


def _build_model(obj: Any, arguments: dict[str, Any], target: str) -> nn.Module:
    if isinstance(obj, nn.Module):
        model = obj
    elif inspect.isclass(obj) and issubclass(obj, nn.Module) or inspect.isfunction(obj) or inspect.ismethod(obj):
        try:
            inspect.signature(obj).bind(**arguments)
        except TypeError as error:
            raise TargetError(f"{target}: {error} (arguments are given as --arg key=value)") from None
        except ValueError:
            pass
        try:
            model = obj(**arguments)
        except Exception as error:
            raise _user_error(f"building {target}", error) from error
    else:
        raise TargetError(f"{target} is a {type(obj).__name__}, not an nn.Module class or a factory function")
    if not isinstance(model, nn.Module):
        raise TargetError(f"{target} returned a {type(model).__name__}, not an nn.Module")
    return model
