"""YAML spec files: safe loading and errors that name the file, the line and what was expected.

Files are read with ``yaml.safe_load`` only, so nothing in a config is ever executed. For error
messages the same text is also *composed* (parsed to nodes, never constructed) to find the line
of the offending key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
            self.data = yaml.safe_load(self.text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{self.path}:{mark.line + 1}" if mark else str(self.path)
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ConfigError(f"{where}: malformed YAML: {problem}") from None

    def error(self, path: tuple[Any, ...], message: str) -> ConfigError:
        """A :class:`ConfigError` for the value at ``path``, located as ``file:line``."""
        line = _find(self._composed(), path)[1] if path else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {message}")

    def _composed(self) -> Any:
        import yaml

        return yaml.compose(self.text, Loader=yaml.SafeLoader)

    def source_text(self, path: tuple[Any, ...], value: Any) -> Any:
        """The scalar at ``path`` as written, so ``0x3`` stays a size (YAML 1.1 would read it as hex 3)."""
        import yaml

        node, _ = _find(self._composed(), path)
        return node.value if isinstance(node, yaml.ScalarNode) and isinstance(value, int) else value

    def mapping(self, path: tuple[Any, ...], value: Any, allowed: tuple[str, ...], what: str) -> dict[str, Any]:
        """Check that ``value`` is a mapping whose keys are all in ``allowed``."""
        if not isinstance(value, dict):
            raise self.error(path, f"{what} must be a mapping with keys {', '.join(allowed)}, got {type(value).__name__}")
        for key in value:
            if key not in allowed:
                raise self.error(path + (key,), f"unknown key {key!r} in {what}; expected one of {', '.join(allowed)}")
        return value
