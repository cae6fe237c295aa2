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
FLOAT_TAG = "tag:yaml.org,2002:float"
MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"


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


MAX_BYTES = 64 * 2**20
"""Largest config file read (64 MiB: a 100,000-layer network is about 5 MiB)."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings, counted after aliases are expanded."""
MAX_ALIASED = 1_000_000
"""Most values that aliases may add beyond those written: a 342-byte alias bomb would add 10⁹."""

FILE_KINDS = {
    "a layer spec": (("in", "out", "kernel", "size"), "costcalc compare --config (or bench --config)"),
    "a network file": (("input", "layers"), "costcalc model --config"),
    "a sweep file": (("networks",), "costcalc sweep --config"),
    "a verify suite": (("items",), "costcalc verify --suite"),
    "a device profile": (("peak_macs", "bandwidth"), "costcalc bench --device"),
}
"""Each kind of config file: the keys that identify it and the command that reads it, so a file
given to the wrong command is named for what it is rather than met with a spelling hint."""


def _read_text(path: Path) -> str:
    """The text of ``path``: a regular file of at most :data:`MAX_BYTES`, in UTF-8.

    Devices (``/dev/zero``), FIFOs and sockets are refused before they are opened, so reading never
    blocks or runs forever; non-UTF-8 files (Latin-1, UTF-16, binary) are refused naming the first
    offending byte and its line.
    """
    import os
    import stat

    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"cannot read config {path}: it is a directory; give a YAML file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"cannot read config {path}: not a regular file (a device, FIFO or socket); "
                              "give a YAML file")
        if info.st_size > MAX_BYTES:
            raise ConfigError(f"config {path} is {info.st_size:,} bytes; config files are limited to "
                              f"{MAX_BYTES:,} bytes")
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"config {path} is over {MAX_BYTES:,} bytes; config files are limited to that")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset "
                          f"{error.start}); save the file as UTF-8") from None


class _Composed:
    """The node tree of a YAML text with its size: values written, values with every alias expanded,
    and nesting depth with every alias expanded."""

    def __init__(self, root: Any, written: int, expanded: int, depth: int):
        self.root, self.written, self.expanded, self.depth = root, written, expanded, depth


def _compose(text: str, path: Path) -> _Composed:
    """The node tree of ``text`` (root ``None`` for an empty file), parsed once with libyaml when
    PyYAML has it (``CSafeLoader``), else in pure Python.

    The composer is our own loop over the parser's events, not PyYAML's recursive one, so it bounds
    what PyYAML does not: nesting deeper than :data:`MAX_DEPTH` and aliases that refer to a node
    still being built (a cycle) are errors with a line. An alias is the same node object, so nothing
    is expanded here; what it would expand to is summed as the nodes complete (children before their
    parents, an anchored node before every alias to it), in time linear in what was written.
    """
    import yaml

    loader = None

    def fail(mark, message: str) -> ConfigError:
        return ConfigError(f"{path}:{mark.line + 1}: {message}")

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return _Composed(None, 0, 0, 0)
        loader.get_event()  # document start
        resolved: dict[tuple[str, bool], str] = {}  # plain scalars repeat: resolve each text once
        extents: dict[int, tuple[int, int]] = {}  # anchored collection → (expanded values, depth)
        anchors: dict[str, Any] = {}
        stack: list[list[Any]] = []  # [node, expanded values, depth] of the collections being built
        root, written, completed = None, 0, None
        while completed is None:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    key = (event.value, event.implicit[0])
                    tag = resolved.get(key) or resolved.setdefault(
                        key, loader.resolve(yaml.ScalarNode, event.value, event.implicit))
                node, extent = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style), (1, 0)
                written += 1
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                node, size, depth = stack.pop()
                node.end_mark = event.end_mark
                if kind is yaml.MappingEndEvent:
                    node.value = list(zip(node.value[::2], node.value[1::2]))
                extent = (size, depth + 1)
                if id(node) in extents:
                    extents[id(node)] = extent
            elif kind is yaml.AliasEvent:
                if event.anchor not in anchors:
                    raise fail(event.start_mark, f"alias *{event.anchor} names no anchor defined before it")
                node = anchors[event.anchor]
                extent = extents.get(id(node), (1, 0))
                if extent is None:
                    raise fail(event.start_mark, f"alias *{event.anchor} refers to a value that contains it (a cycle)")
            else:  # a sequence or mapping starts
                node_kind = yaml.SequenceNode if kind is yaml.SequenceStartEvent else yaml.MappingNode
                tag = event.tag if event.tag not in (None, "!") else loader.resolve(node_kind, None, event.implicit)
                node = node_kind(tag, [], event.start_mark, None, event.flow_style)
                written += 1
                if len(stack) >= MAX_DEPTH:
                    raise fail(event.start_mark, f"nested more than {MAX_DEPTH} levels deep")
                if event.anchor is not None:
                    anchors[event.anchor] = node
                    extents[id(node)] = None  # being built: an alias to it now is a cycle
                if stack:
                    stack[-1][0].value.append(node)
                else:
                    root = node
                stack.append([node, 1, 0])
                continue
            if kind is yaml.ScalarEvent and event.anchor is not None:
                anchors[event.anchor] = node
            if stack:
                parent = stack[-1]
                if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
                    parent[0].value.append(node)  # a collection was appended when it started
                parent[1] += extent[0]
                parent[2] = max(parent[2], extent[1])
            else:
                root, completed = node, extent
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            raise fail(loader.peek_event().start_mark, "a second YAML document; a config file holds one")
        return _Composed(root, written, *completed)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{where}: malformed YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()


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
    """A loaded YAML file: its data and a way to raise errors located in it.

    Loading bounds every resource a hostile file could exhaust: the bytes read (:data:`MAX_BYTES`,
    regular files only), the nesting depth (:data:`MAX_DEPTH`) and what aliases expand to
    (:data:`MAX_ALIASED`); cyclic aliases, non-UTF-8 text and numbers outside
    :func:`costcalc.options.number_problem`'s policy are errors naming the file and line.
    """

    def __init__(self, path: str | Path):
        import yaml

        from costcalc.options import number_problem

        self._constructor = yaml.constructor.SafeConstructor()
        self._number_problem = number_problem
        from costcalc.files import note_input

        self.path = Path(path)
        self.text = _read_text(self.path)
        note_input(self.path)
        composed = _compose(self.text, self.path)
        self.root = composed.root
        if self.root is not None:
            written, expanded, depth = composed.written, composed.expanded, composed.depth
            if depth > MAX_DEPTH:
                raise ConfigError(f"{self.path}: aliases nest the data more than {MAX_DEPTH} levels deep")
            if expanded - written > MAX_ALIASED:
                raise ConfigError(f"{self.path}: aliases expand {written:,} written values to {expanded:,}; "
                                  f"at most {MAX_ALIASED:,} may be added by aliases")
        self.data = self._construct(self.root, {}) if self.root is not None else None

    def _construct(self, node: Any, built: dict[int, Any]) -> Any:
        """The Python value of ``node``: YAML's safe types, with non-decimal integers kept as their
        text, out-of-policy numbers and duplicate keys refused. A node shared by aliases is built once.
        """
        import yaml

        if id(node) in built:
            return built[id(node)]
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node, line)
        elif isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._unsupported(node, line)
            value = [self._construct(child, built) for child in node.value]
        else:
            if node.tag != "tag:yaml.org,2002:map":
                raise self._unsupported(node, line)
            value = self._mapping(node, built)
        built[id(node)] = value
        return value

    def _scalar(self, node: Any, line: int) -> Any:
        import yaml

        if node.tag == STR_TAG:
            return node.value
        if node.tag == INT_TAG and not DECIMAL.match(node.value):
            return node.value  # 010, 0x3, 1_000, 1:30: kept as written
        if node.tag in (INT_TAG, FLOAT_TAG):
            problem = self._number_problem(node.value, integer=node.tag == INT_TAG)
            if problem:
                raise ConfigError(f"{self.path}:{line}: {problem}")
            if node.tag == INT_TAG:
                return int(node.value)
        try:
            return self._constructor.construct_object(node)
        except yaml.YAMLError:
            raise self._unsupported(node, line) from None

    def _unsupported(self, node: Any, line: int) -> ConfigError:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        return ConfigError(f"{self.path}:{line}: malformed YAML: tag {tag} is not supported (a config file holds "
                           "plain mappings, lists, strings, numbers and booleans; nothing in it is executed)")

    def _mapping(self, node: Any, built: dict[int, Any]) -> dict[Any, Any]:
        """A mapping's value; ``<<: *base`` merges keys not written in the mapping itself."""
        import yaml

        value: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        merged: list[dict[Any, Any]] = []
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(f"{self.path}:{line}: a key must be a plain name, not a list or mapping")
            if key_node.tag == MERGE_TAG:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise ConfigError(f"{self.path}:{line}: '<<' merges mappings only")
                    merged.append(self._construct(source, built))
                continue
            key = self._scalar(key_node, line)
            try:
                hash(key)
            except TypeError:
                raise ConfigError(f"{self.path}:{line}: a key must be a plain name") from None
            if key in seen:
                raise ConfigError(f"{self.path}:{line}: duplicate key {key_node.value!r} "
                                  f"(first at line {seen[key]})")
            seen[key] = line
            value[key] = self._construct(value_node, built)
        for source in merged:
            for key, item in source.items():
                value.setdefault(key, item)
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
                if not path:
                    self._refuse_other_kind(value, what)
                raise self.error(path + (key,), f"unknown key {key!r} in {what}; expected one of "
                                                f"{', '.join(allowed)}{closest(key, allowed)}")
        return value

    def _refuse_other_kind(self, data: dict[str, Any], what: str) -> None:
        """Raise when ``data`` has the keys of another kind of config file, naming the command that reads it."""
        for kind, (keys, command) in FILE_KINDS.items():
            if kind != what and all(key in data for key in keys):
                raise self.error((), f"this is {kind} (keys {', '.join(keys)}), not {what}; "
                                     f"{kind} is read by {command}")
