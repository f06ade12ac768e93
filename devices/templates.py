"""Payload templates of `protocol: generic` devices: placeholders, rendering and reverse matching."""

from __future__ import annotations

import re
from collections.abc import Mapping

from devices.model import Action

# The values each action fills in; actions not listed take no parameters.
PLACEHOLDERS: Mapping[Action, tuple[str, ...]] = {
    Action.SET_BRIGHTNESS: ("brightness",),
    Action.SET_COLOR: ("r", "g", "b"),
    Action.SET_TEMPERATURE: ("temperature",),
    Action.SET_POSITION: ("position",),
    Action.SET_FAN_SPEED: ("speed",),
    Action.SET_VOLUME: ("volume",),
}
ALL_PLACEHOLDERS: frozenset[str] = frozenset(name for names in PLACEHOLDERS.values() for name in names)

# Only `{identifier}` is a placeholder, so JSON braces such as `{"state": "{speed}"}` need no escaping.
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

_VALUE_PATTERNS: Mapping[str, str] = {
    "speed": r"[A-Za-z_]+",
    "temperature": r"-?[0-9]+(?:\.[0-9]+)?",
}
_INT_PATTERN = r"-?[0-9]+(?:\.[0-9]+)?"


def placeholders(template: str) -> list[str]:
    """Names of the `{placeholders}` used in a template, in order."""
    return _PLACEHOLDER_RE.findall(template)


def format_value(value: object) -> str:
    """Render a parameter value: integral floats without `.0`, everything else via str()."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill the known placeholders of a template; unknown `{names}` are left as written."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return format_value(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER_RE.sub(fill, template)


def matcher(template: str) -> re.Pattern[str]:
    """A regex that matches payloads rendered from the template, capturing each placeholder by name."""
    parts: list[str] = []
    seen: set[str] = set()
    pos = 0
    for match in _PLACEHOLDER_RE.finditer(template):
        parts.append(re.escape(template[pos : match.start()]))
        name = match.group(1)
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>{_VALUE_PATTERNS.get(name, _INT_PATTERN)})")
        pos = match.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts), re.DOTALL)
