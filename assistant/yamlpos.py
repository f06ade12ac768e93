"""YAML loading that remembers where every key and list item came from, so errors can name file and line."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DataPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One configuration error, located by file, line and dotted key."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """Raised when configuration cannot be used; carries every problem found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def dotted(path: DataPath) -> str:
    """Render a data path as `devices[3].type`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(slots=True)
class LocatedDocument:
    """Parsed YAML data plus the 1-based line of every key and list item."""

    file: str
    data: Any
    lines: dict[DataPath, int] = field(default_factory=dict)

    def line_of(self, path: DataPath) -> int:
        """The line of the deepest part of `path` that exists in the document (1 if none)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def problem(self, path: DataPath, message: str) -> ConfigProblem:
        """A problem located at `path` of this document."""
        return ConfigProblem(self.file, self.line_of(path), dotted(path), message)


SecretLookup = Callable[[str], str | None]
# libyaml's parser, when PyYAML was built with it, composes a 1,000-device file about 7x faster; its nodes
# carry the same marks, so line numbers in errors do not change.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _make_loader(secrets: SecretLookup, problems: list[str]) -> Any:
    class Loader(_BaseLoader):  # type: ignore[misc]
        pass

    def secret(loader: Any, node: yaml.Node) -> str:
        name = str(loader.construct_scalar(node))
        value = secrets(name)
        if value is None:
            problems.append(f"line {node.start_mark.line + 1}: secret {name!r} is not defined")
            return ""
        return value

    def env(loader: Any, node: yaml.Node) -> str:
        name = str(loader.construct_scalar(node))
        value = os.environ.get(name)
        if value is None:
            problems.append(f"line {node.start_mark.line + 1}: environment variable {name!r} is not set")
            return ""
        return value

    Loader.add_constructor("!secret", secret)
    Loader.add_constructor("!env", env)
    return Loader


def _walk(loader: Any, node: yaml.Node, path: DataPath, doc: LocatedDocument) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise yaml.MarkedYAMLError(
                    problem="keys must be plain scalars", problem_mark=key_node.start_mark
                )
            if key in result:
                raise yaml.MarkedYAMLError(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            key_path = (*path, str(key))
            doc.lines[key_path] = key_node.start_mark.line + 1
            result[key] = _walk(loader, value_node, key_path, doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            doc.lines[(*path, index)] = item.start_mark.line + 1
            items.append(_walk(loader, item, (*path, index), doc))
        return items
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str, secrets: SecretLookup | None = None) -> LocatedDocument:
    """Parse YAML text into a LocatedDocument; syntax errors raise ConfigError naming the line."""
    tag_problems: list[str] = []
    loader_cls = _make_loader(secrets or (lambda _name: None), tag_problems)
    loader = loader_cls(text)
    doc = LocatedDocument(file=file, data=None)
    try:
        root = loader.get_single_node()
        if root is not None:
            doc.lines[()] = root.start_mark.line + 1
            doc.data = _walk(loader, root, (), doc)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = err.problem or err.context or "invalid YAML"
        raise ConfigError([ConfigProblem(file, line, "", f"invalid YAML: {reason}")]) from err
    except yaml.YAMLError as err:
        raise ConfigError([ConfigProblem(file, 1, "", f"invalid YAML: {err}")]) from err
    finally:
        loader.dispose()
    if tag_problems:
        problems = []
        for text_problem in tag_problems:
            line_text, _, message = text_problem.partition(": ")
            problems.append(ConfigProblem(file, int(line_text.removeprefix("line ")), "", message))
        raise ConfigError(problems)
    return doc


def load_yaml(path: Path, secrets: SecretLookup | None = None) -> LocatedDocument:
    """Read and parse a YAML file; a missing or unreadable file is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError([ConfigProblem(str(path), 0, "", "file not found")]) from err
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([ConfigProblem(str(path), 0, "", f"cannot read: {err}")]) from err
    return parse_yaml(text, str(path), secrets)
