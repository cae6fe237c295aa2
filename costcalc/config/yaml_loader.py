"""A bounded, one-pass YAML loader: libyaml's events straight to Python values, with the line of
every key and list item kept for error messages.

PyYAML's own loaders parse a text into nodes and then construct values from the nodes; both passes
recurse, neither bounds nesting or what aliases expand to, and the pure-Python composer runs at
about a tenth of libyaml's speed. This loader reads the parser's events once (libyaml's
``CSafeLoader`` when PyYAML has it, else the pure-Python parser) and builds the values as the
events arrive, in a loop rather than by recursion, so it bounds what PyYAML does not:

* nesting deeper than :data:`MAX_DEPTH`, and aliases that refer to a value still being built (a
  cycle), are errors with a line;
* what aliases expand to is summed as collections complete (an alias shares the value, nothing is
  copied), so an alias bomb is refused by :data:`MAX_ALIASED` in time linear in what was written;
* duplicate keys are errors (YAML silently lets the last one win);
* YAML 1.1's integer surprises are undone: ``010`` (octal 8), ``0x3`` (hex 3) and
  ``1:30`` (sexagesimal 90) stay the strings written, so a size ``0x3`` reads as 0×3 and
  ``in: 010`` is refused instead of silently becoming 8 channels;
* numbers outside the policy of :func:`costcalc.number_rule.number_problem` (4,000-digit integers,
  ``1e999``, ``.nan``, and ``_`` separators: ``1_000``, or ``1_0.0e+400``, which YAML's float
  constructor reads as infinity) are errors;
* only YAML's safe scalar types and plain mappings and lists are built: any other tag
  (``!!python/object``, ``!!set``) is refused, so nothing in a file is ever executed.

Each distinct scalar text is resolved and constructed once (a network file repeats ``kind: conv``
100,000 times), which with the single pass makes a 100,000-layer file about three times faster to
load than PyYAML's own ``CSafeLoader``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings, counted after aliases are expanded."""
MAX_ALIASED = 1_000_000
"""Most values that aliases may add beyond those written: a 342-byte alias bomb would add 10⁹."""

DECIMAL = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
TAG = "tag:yaml.org,2002:"
INT_TAG, FLOAT_TAG, STR_TAG, MERGE_TAG = TAG + "int", TAG + "float", TAG + "str", TAG + "merge"
MAP_TAG, SEQ_TAG = TAG + "map", TAG + "seq"
CONSTRUCTED_TAGS = frozenset(TAG + name for name in ("null", "bool", "float", "binary", "timestamp"))
"""Scalar tags built by PyYAML's ``SafeConstructor`` (after the number policy for floats)."""


class YamlProblem(ValueError):
    """A text that is not an acceptable config: ``line`` (1-based, ``None`` when unknown) and why."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


class _Merge:
    """The value of the merge key ``<<``: its mapping's value is merged, not stored."""


MERGE = _Merge()
AWAITING_KEY = object()
"""A mapping's pending key before its next key arrives (a key may itself be ``None``: ``~: 1``)."""
MISSING = object()


@dataclass
class Loaded:
    """The value of a YAML text (``None`` for an empty one) and where its parts were written.

    ``lines`` maps ``id()`` of each list and dict in ``data`` to the container and the 1-based line
    of each item (a list) or of each key written in it (a dict; merged keys have none).
    """

    data: Any
    lines: dict[int, tuple[Any, Any]]

    def locate(self, path: tuple[Any, ...]) -> int | None:
        """The line of the value at ``path`` (keys and list indices), or of the deepest part of the
        path that exists, so an error about a missing key points at its parent; ``None`` when not even
        the first step exists."""
        value, line = self.data, None
        for step in path:
            container, lines = self.lines.get(id(value), (None, None))
            if container is not value:
                break
            if isinstance(value, dict):
                found = isinstance(step, (str, int)) and step in lines
            else:
                found = isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value)
            if not found:
                break
            value, line = value[step], lines[step]
        return line


class _Builder:
    """One load: the scalar cache, the anchors and the stack of collections being built."""

    def __init__(self, loader: Any):
        import yaml

        from costcalc.number_rule import number_problem

        self.loader, self.yaml, self.number_problem = loader, yaml, number_problem
        self.constructor = yaml.constructor.SafeConstructor()
        self.scalars: dict[tuple[Any, str, bool], Any] = {}
        self.anchors: dict[str, tuple[Any, tuple[int, int] | None]] = {}  # → (value, (expanded, depth))
        self.lines: dict[int, tuple[Any, Any]] = {}
        self.written = 0

    def _construct(self, event: Any) -> Any:
        """The value of a scalar event (cached by :meth:`build` per distinct tag and text)."""
        yaml, text, line = self.yaml, event.value, event.start_mark.line + 1
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, text, event.implicit)
        if tag == INT_TAG and "_" in text:  # 1_000: the number rule refuses separators, as on the command line
            problem = self.number_problem(text, integer=True)
            if problem:
                raise YamlProblem(line, problem)
        if tag == STR_TAG or (tag == INT_TAG and not DECIMAL.match(text)):
            return text  # 010, 0x3, 1:30: kept as written
        if tag == MERGE_TAG:
            return MERGE
        if tag in (INT_TAG, FLOAT_TAG):
            problem = self.number_problem(text, integer=tag == INT_TAG)
            if problem:
                raise YamlProblem(line, problem)
            if tag == INT_TAG:
                return int(text)
        if tag not in CONSTRUCTED_TAGS:
            raise unsupported(line, tag)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, yaml.ScalarNode(tag, text))
        except Exception:  # PyYAML's constructors fail as they may (``!!timestamp x``: AttributeError)
            raise YamlProblem(line, f"malformed YAML: {text[:40]!r} is not a {tag.replace(TAG, '!!')}") from None

    def build(self) -> Any:
        """The document's value, built from the events in one loop."""
        yaml = self.yaml
        get_event = self.loader.get_event
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        sequence_start, mapping_start = yaml.SequenceStartEvent, yaml.MappingStartEvent
        # a frame: [container, item lines, expanded values, depth, anchor, pending key, its line, merges,
        #           the line the collection starts on]
        stack: list[list[Any]] = []
        scalars = self.scalars
        extent: tuple[int, int] | None  # (expanded values, depth); None while an anchored collection is open
        while True:
            event = get_event()
            kind = type(event)
            line = event.start_mark.line + 1
            if kind is scalar_event:
                key = (event.tag, event.value, event.implicit[0])
                value, extent = scalars.get(key, MISSING), (1, 0)
                if value is MISSING:
                    value = scalars[key] = self._construct(event)
                self.written += 1
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, extent)
            elif kind is alias_event:
                if event.anchor not in self.anchors:
                    raise YamlProblem(line, f"alias *{event.anchor} names no anchor defined before it")
                value, extent = self.anchors[event.anchor]
                if extent is None:
                    raise YamlProblem(line, f"alias *{event.anchor} refers to a value that contains it (a cycle)")
            elif kind is sequence_start or kind is mapping_start:
                self._start(event, kind is mapping_start, line, stack)
                continue
            else:  # a sequence or mapping ends
                frame = stack.pop()
                value, extent, line = *self._end(frame), frame[8]
            if not stack:
                return value, extent
            self._add(stack[-1], value, extent, line)

    def _start(self, event: Any, mapping: bool, line: int, stack: list[list[Any]]) -> None:
        if event.tag not in (None, "!", MAP_TAG if mapping else SEQ_TAG):
            raise unsupported(line, event.tag)
        if len(stack) >= MAX_DEPTH:
            raise YamlProblem(line, f"nested more than {MAX_DEPTH} levels deep")
        if stack and type(stack[-1][0]) is dict and stack[-1][5] is AWAITING_KEY:
            raise YamlProblem(line, "a key must be a plain name, not a list or mapping")
        self.written += 1
        container: Any = {} if mapping else []
        lines: Any = {} if mapping else []
        self.lines[id(container)] = (container, lines)
        if event.anchor is not None:
            self.anchors[event.anchor] = (container, None)  # being built: an alias to it now is a cycle
        stack.append([container, lines, 1, 0, event.anchor, AWAITING_KEY, None, [], line])

    def _end(self, frame: list[Any]) -> tuple[Any, tuple[int, int]]:
        container, _, expanded, depth, anchor, _, _, merges, _ = frame
        for source in merges:
            for key, item in source.items():
                container.setdefault(key, item)
        extent = (expanded, depth + 1)
        if anchor is not None:
            self.anchors[anchor] = (container, extent)
        return container, extent

    def _add(self, frame: list[Any], value: Any, extent: tuple[int, int], line: int) -> None:
        """Put a finished value into the collection being built: a list item, a key, or a key's value."""
        frame[2] += extent[0]
        if extent[1] > frame[3]:
            frame[3] = extent[1]
        container = frame[0]
        if type(container) is list:
            if value is MERGE:
                raise unsupported(line, MERGE_TAG)
            container.append(value)
            frame[1].append(line)
            return
        key = frame[5]
        if key is AWAITING_KEY:  # value is a key
            if isinstance(value, (dict, list)):
                raise YamlProblem(line, "a key must be a plain name, not a list or mapping")
            if value is not MERGE and value in frame[1]:
                raise YamlProblem(line, f"duplicate key {value!r} (first at line {frame[1][value]})")
            frame[5], frame[6] = value, line
            return
        frame[5] = AWAITING_KEY
        if key is MERGE:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, dict) for source in sources):
                raise YamlProblem(frame[6], "'<<' merges mappings only")
            frame[7].extend(sources)
        elif value is MERGE:
            raise unsupported(line, MERGE_TAG)
        else:
            container[key] = value
            frame[1][key] = frame[6]


def unsupported(line: int, tag: str) -> YamlProblem:
    shown = tag.replace(TAG, "!!")
    return YamlProblem(line, f"malformed YAML: tag {shown} is not supported (a config file holds plain mappings, "
                             "lists, strings, numbers and booleans; nothing in it is executed)")


def load(text: str) -> Loaded:
    """The value of the one YAML document in ``text``, every bound above checked; raises
    :class:`YamlProblem` naming the line of the first problem."""
    import yaml

    loader = None
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # the pure-Python reader checks text here
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return Loaded(None, {})
        loader.get_event()  # document start
        builder = _Builder(loader)
        data, (expanded, depth) = builder.build()
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            raise YamlProblem(loader.peek_event().start_mark.line + 1,
                              "a second YAML document; a config file holds one")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise YamlProblem(mark.line + 1 if mark else None, f"malformed YAML: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()
    if depth > MAX_DEPTH:
        raise YamlProblem(None, f"aliases nest the data more than {MAX_DEPTH} levels deep")
    if expanded - builder.written > MAX_ALIASED:
        raise YamlProblem(None, f"aliases expand {builder.written:,} written values to {expanded:,}; "
                                f"at most {MAX_ALIASED:,} may be added by aliases")
    return Loaded(data, builder.lines)
