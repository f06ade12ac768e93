"""The built-in intent data: no key given twice (a plain YAML load keeps only the last one, silently)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    keys: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        assert key not in keys, f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
        keys.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def test_builtin_english_has_no_duplicate_keys() -> None:
    text = resources.files("intents").joinpath("data", "en.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_StrictLoader)
    assert "intents" in data and "responses" in data
