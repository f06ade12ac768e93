"""Edit keys of hearth.yaml in place, by editing its text, so comments and layout survive."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from intents.cachefiles import write_atomic

KeyPath = tuple[str, ...]
INDENT = "  "  # for mappings this edit creates


class YamlEditError(ValueError):
    """The file cannot be edited safely; the message says what to set by hand."""


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One key of hearth.yaml that an edit set."""

    key: str
    old: str | None
    new: str


def set_yaml_values(path: Path, values: Sequence[tuple[KeyPath, str]]) -> list[ConfigChange]:
    """Set scalar values at key paths (e.g. ("hub", "tls", "cert")), touching nothing else in the file."""
    original = path.read_text(encoding="utf-8")
    text, changes = original, []
    try:
        for keys, value in values:
            if _value_at(text, keys) == value:
                continue
            text, old = _set_one(text, keys, value)
            changes.append(ConfigChange(".".join(keys), old, value))
        # Re-read what would be written: an edit that does not say exactly what was meant, or that moved
        # anything else, is not written.
        if any(_value_at(text, keys) != value for keys, value in values):
            raise ValueError("the edited file would not read back as intended")
        if _others(text, values) != _others(original, values):
            raise ValueError("the edit would change other settings")
    except (ValueError, yaml.YAMLError) as err:
        wanted = ", ".join(f"{'.'.join(keys)}: {value}" for keys, value in values)
        raise YamlEditError(f"cannot edit {path} ({err}); set {wanted} by hand") from err
    if changes:
        write_atomic(path, text.encode())
    return changes


def get_yaml_value(path: Path, keys: KeyPath) -> str | None:
    """The scalar at `keys` in a YAML file (tags such as !secret are not resolved), or None."""
    try:
        return _value_at(path.read_text(encoding="utf-8"), keys)
    except yaml.YAMLError as err:
        raise YamlEditError(f"cannot read {path} ({err})") from err


def _pairs(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def _find(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in _pairs(node) if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _render(value: str) -> str:
    plain = re.fullmatch(r"[A-Za-z0-9_./~-][A-Za-z0-9_./ ~-]*", value) and not value.endswith(" ")
    return value if plain and yaml.safe_load(value) == value else json.dumps(value)


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _block(keys: KeyPath, value: str, indent: str) -> str:
    """Lines that create `keys` (nested mappings) ending in `value`, starting at `indent`."""
    lines = [f"{indent}{INDENT * depth}{key}:\n" for depth, key in enumerate(keys[:-1])]
    lines.append(f"{indent}{INDENT * (len(keys) - 1)}{keys[-1]}: {_render(value)}\n")
    return "".join(lines)


def _set_one(text: str, keys: KeyPath, value: str) -> tuple[str, str | None]:
    """Set the scalar at `keys` in YAML text, touching nothing else; returns the new text and old value."""
    root = yaml.compose(text)
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise ValueError("the file is not a mapping")
    node: yaml.Node | None = root
    owner: yaml.Node | None = None  # the key whose value `node` is (None at the top)
    for depth, key in enumerate(keys):
        if owner is None and node is None:  # an empty file
            return _append(text, keys, value), None
        if owner is not None and isinstance(node, yaml.ScalarNode) and node.value == "":
            at = _line_end(text, owner.end_mark.index)  # `tts:` with nothing under it
            indent = " " * (owner.start_mark.column + len(INDENT))
            return text[:at] + _block(keys[depth:], value, indent) + text[at:], None
        if not isinstance(node, yaml.MappingNode) or node.flow_style:
            raise ValueError(f"{'.'.join(keys[:depth])} is not a block mapping")
        found = _find(node, key)
        if found is None:
            if owner is None:
                return _append(text, keys, value), None
            return _insert(text, node, keys[depth:], value), None
        owner, node = found
    assert owner is not None
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError(f"{'.'.join(keys)} is not a single value")
    start, end = node.start_mark.index, node.end_mark.index
    if start == end:  # `key:` with an empty value
        start = end = text.index(":", owner.end_mark.index) + 1
        return text[:start] + " " + _render(value) + text[end:], None
    return text[:start] + _render(value) + text[end:], str(node.value)


def _append(text: str, keys: KeyPath, value: str) -> str:
    """A new top-level section at the end of the file."""
    body = text if not text or text.endswith("\n") else text + "\n"
    return f"{body}\n{_block(keys, value, '')}"


def _insert(text: str, mapping: yaml.Node, keys: KeyPath, value: str) -> str:
    """A new key in a block mapping: after its `engine` or last single value, else before its first key."""
    pairs = _pairs(mapping)
    indent = " " * pairs[0][0].start_mark.column
    scalars = [p for p in pairs if isinstance(p[1], yaml.ScalarNode)]
    engine = _find(mapping, "engine")
    anchor = (
        engine if engine and isinstance(engine[1], yaml.ScalarNode) else (scalars[-1] if scalars else None)
    )
    if anchor is None:  # only nested mappings: go in before the first key
        at = pairs[0][0].start_mark.index - pairs[0][0].start_mark.column
    else:
        at = _line_end(text, anchor[1].end_mark.index)
    return text[:at] + _block(keys, value, indent) + text[at:]


def _value_at(text: str, keys: KeyPath) -> str | None:
    node: yaml.Node | None = yaml.compose(text)
    for key in keys:
        found = _find(node, key)
        if found is None:
            return None
        node = found[1]
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _data(node: yaml.Node | None) -> Any:
    """A node tree as plain data, tags kept (so `!secret` values compare without being looked up)."""
    if isinstance(node, yaml.MappingNode):
        return {
            k.value if isinstance(k, yaml.ScalarNode) else repr(_data(k)): _data(v) for k, v in node.value
        }
    if isinstance(node, yaml.SequenceNode):
        return [_data(item) for item in node.value]
    return None if node is None else (node.tag, node.value)


def _is_empty(data: Any) -> bool:
    return data == {} or (isinstance(data, tuple) and data[1] in ("", "~", "null"))


def _without(data: Any, keys: KeyPath) -> Any:
    """`data` less the value at `keys`; mappings left empty by that (or empty already) count as absent."""
    if not isinstance(data, dict) or keys[0] not in data:
        return data
    out = dict(data)
    if len(keys) == 1:
        del out[keys[0]]
        return out
    inner = _without(out[keys[0]], keys[1:])
    if _is_empty(inner):
        del out[keys[0]]
    else:
        out[keys[0]] = inner
    return out


def _others(text: str, values: Sequence[tuple[KeyPath, str]]) -> Any:
    """Everything in the YAML text except the keys being set."""
    data = _data(yaml.compose(text))
    for keys, _value in values:
        data = _without(data, keys)
    return data
