"""YAML spec files: safe loading and errors that name the file, the line and what was expected.

Files are read with ``yaml.safe_load`` only, so nothing in a config is ever executed. The same
text is also *composed* (parsed to nodes, never constructed) to find the line of an offending key,
to reject duplicate keys (which YAML silently lets the last one win), and to undo YAML 1.1's
integer surprises: ``010`` (octal 8), ``0x3`` (hex 3), ``1_000`` and ``1:30`` (sexagesimal 90)
are kept as the strings written, so a size ``0x3`` reads as 0×3 and ``in: 010`` is rejected
instead of silently becoming 8 channels.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from costcalc.spelling import closest

DECIMAL = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
INT_TAG = "tag:yaml.org,2002:int"


def _shipped_configs() -> Path:
    """The directory of the config files that ship with costcalc (the verify suite, device profiles).

    In the repository they live in ``configs/``; ``pyproject.toml`` installs ``configs/verify.yaml``
    and ``configs/devices/*.yaml`` into the package as ``costcalc/_configs`` (one copy in the repo, no
    duplicate). A wheel install reads that; a source checkout or editable install reads ``configs/``.
    """
    package = Path(__file__).resolve().parent
    installed = package / "_configs"
    return installed if installed.is_dir() else package.parent / "configs"


SHIPPED_CONFIGS = _shipped_configs()
"""``costcalc/_configs`` in an installed wheel, ``<repo>/configs`` in a checkout or editable install."""
class ConfigError(ValueError):
    """A config file is malformed or holds an unknown key or a bad value."""


def _find(root: Any, path: tuple[Any, ...]) -> tuple[Any, int | None]:
    """The composed YAML node at ``path`` (keys and list indices) and its 1-based line.

    Stops at the deepest node that exists, so an error about a missing key points at its parent.
    """
    import yaml

    node, line = root, None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(step):
                    node, line = value_node, key_node.start_mark.line + 1
                    break
            else:
                return node, line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return node, line
    if line is None and node is not None:
        line = node.start_mark.line + 1
    return node, line


class ConfigFile:
    """A loaded YAML file: its data and a way to raise errors located in it."""

    def __init__(self, path: str | Path):
        import yaml

        self.path = Path(path)
        try:
            self.text = self.path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"cannot read config {self.path}: {error.strerror or error}") from None
        try:
            data = yaml.safe_load(self.text)
            self.root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{self.path}:{mark.line + 1}" if mark else str(self.path)
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ConfigError(f"{where}: malformed YAML: {problem}") from None
        self.data = self._as_written(self.root, data)

    def _as_written(self, node: Any, value: Any) -> Any:
        """``value`` with non-decimal integers back as their text; duplicate keys raise."""
        import yaml

        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == INT_TAG and not DECIMAL.match(node.value) else value
        if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
            return [self._as_written(child, item) for child, item in zip(node.value, value)]
        if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise ConfigError(f"{self.path}:{line}: duplicate key {key_node.value!r} "
                                      f"(first at line {seen[key_node.value]})")
                seen[key_node.value] = line
            children = {str(key_node.value): value_node for key_node, value_node in node.value}
            return {key: self._as_written(children.get(str(key)), item) for key, item in value.items()}
        return value

    def error(self, path: tuple[Any, ...], message: str) -> ConfigError:
        """A :class:`ConfigError` for the value at ``path``, located as ``file:line``."""
        line = _find(self.root, path)[1] if path else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {message}")

    def mapping(self, path: tuple[Any, ...], value: Any, allowed: tuple[str, ...], what: str) -> dict[str, Any]:
        """Check that ``value`` is a mapping whose keys are all in ``allowed``."""
        if value is None and not path:
            raise self.error(path, f"the file is empty; {what} needs keys {', '.join(allowed)}")
        if not isinstance(value, dict):
            raise self.error(path, f"{what} must be a mapping with keys {', '.join(allowed)}, got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                raise self.error(path + (key,), f"unknown key {key!r} in {what}; expected one of "
                                                f"{', '.join(allowed)}{closest(key, allowed)}")
        return value
