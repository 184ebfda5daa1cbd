"""YAML loading that keeps line numbers, reports errors precisely and refuses alias bombs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # the C loader is several times faster on large front matter
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, except that a timestamp naming no real day (`2024-02-30`) stays text.

    PyYAML raises for it while building the document, without a line, which made one bad date
    cost every other field of the front matter; as text, the date's own check reports it at its line.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)

# A YAML "billion laughs" fits in a few lines; count nodes with aliases expanded and stop early.
MAX_NODES = 20_000
MAX_DEPTH = 50


@dataclass(frozen=True)
class YamlError:
    message: str
    line: int | None  # 1-based, relative to the parsed text
    column: int | None


@dataclass(frozen=True)
class LoadedYaml:
    data: Any = None
    key_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> 1-based line
    error: YamlError | None = None


def load_yaml(text: str) -> LoadedYaml:
    """Parse one YAML document safely; never raises for bad input."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # At end of input (an unclosed `[` or quote) the problem mark points past the text;
        # where the unclosed construct began is what the author needs to see.
        if exc.context_mark is not None and (mark is None or mark.line >= len(text.rstrip("\n").split("\n"))):
            mark = exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        if mark is None:
            return LoadedYaml(error=YamlError(message, None, None))
        return LoadedYaml(error=YamlError(message, mark.line + 1, mark.column + 1))
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return LoadedYaml(error=YamlError(f"{type(exc).__name__}: {exc}", None, None))
    finally:
        loader.dispose()
    if node is None:
        return LoadedYaml(data=None)
    size_error = _check_size(node)
    if size_error:
        line = node.start_mark.line + 1 if node.start_mark else None
        return LoadedYaml(error=YamlError(size_error, line, None))
    try:
        data = loader.construct_document(node)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return LoadedYaml(
            error=YamlError(str(getattr(exc, "problem", None) or exc), mark.line + 1 if mark else None, mark.column + 1 if mark else None)
        )
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_lines.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return LoadedYaml(data=data, key_lines=key_lines)


def _check_size(root: yaml.Node) -> str | None:
    """Count nodes as if aliases were expanded; a shared node counts every time it is used."""
    count = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            return f"YAML expands to more than {MAX_NODES} values (an alias bomb?); front matter ignored"
        if depth > MAX_DEPTH:
            return f"YAML nests deeper than {MAX_DEPTH} levels; front matter ignored"
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
    return None
