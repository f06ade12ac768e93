"""A small, safe template language for automation messages: `{{ states.office_sensor.temperature | round }}`.

Parsed once at load (a missing device is a load error), rendered by lookup only: no eval, no attribute access
on Python objects, no loops.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

_BLOCK = re.compile(r"\{\{(.*?)\}\}", re.S)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_STATES = re.compile(rf"states\.({_NAME})(?:\.({_NAME}))?")
_STATE_CALL = re.compile(rf"state\(\s*['\"]({_NAME})['\"]\s*(?:,\s*['\"]({_NAME})['\"]\s*)?\)")
_TRIGGER = re.compile(rf"trigger\.({_NAME})")
_FILTER = re.compile(rf"({_NAME})(?:\((.*)\))?")

TRIGGER_FIELDS = ("id", "kind", "device", "attribute", "from", "to", "topic", "payload", "sentence", "timer")
StateLookup = Callable[[str], Mapping[str, Any]]


class TemplateError(ValueError):
    """A template that cannot be parsed or names something that does not exist."""


def _round(value: Any, digits: Any = 0) -> Any:
    number = float(value)
    return round(number) if int(digits) == 0 else round(number, int(digits))


_FILTERS: Mapping[str, Callable[..., Any]] = {
    "round": _round,
    "int": lambda v: int(float(v)),
    "float": float,
    "abs": lambda v: abs(float(v)),
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(),
    "default": lambda v, fallback="": fallback if v is None or v == "" else v,
}


@dataclass(frozen=True, slots=True)
class Expr:
    """One `{{ ... }}`: where the value comes from and the filters applied to it."""

    source: str  # "state" or "trigger"
    name: str  # device id, or trigger field
    attribute: str
    filters: tuple[tuple[str, tuple[Any, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    """Parsed text: literal strings and expressions in order."""

    text: str
    parts: tuple[str | Expr, ...]

    @property
    def devices(self) -> frozenset[str]:
        """The device ids the template reads."""
        return frozenset(p.name for p in self.parts if isinstance(p, Expr) and p.source == "state")

    def render(self, states: StateLookup, trigger: Mapping[str, Any] | None = None) -> str:
        """The text with every expression replaced; an unknown value renders as "unknown", never raises."""
        out: list[str] = []
        for part in self.parts:
            out.append(part if isinstance(part, str) else _evaluate(part, states, trigger or {}))
        return "".join(out)


def parse_template(text: str, devices: Collection[str]) -> Template:
    """Parse a template; TemplateError for bad syntax, an unknown filter or an unknown device."""
    parts: list[str | Expr] = []
    position = 0
    for block in _BLOCK.finditer(text):
        if block.start() > position:
            parts.append(text[position : block.start()])
        parts.append(_expression(block[1].strip(), devices))
        position = block.end()
    rest = text[position:]
    if "{{" in rest or "}}" in rest:
        raise TemplateError("unbalanced {{ }} in template")
    if rest:
        parts.append(rest)
    return Template(text, tuple(parts))


def _expression(body: str, devices: Collection[str]) -> Expr:
    head, *filter_texts = (piece.strip() for piece in body.split("|"))
    filters = tuple(_filter(f) for f in filter_texts)
    if match := _STATES.fullmatch(head) or _STATE_CALL.fullmatch(head):
        device = match[1]
        if device not in devices:
            raise TemplateError(f"unknown device {device!r} in {{{{ {body} }}}}")
        return Expr("state", device, match[2] or "state", filters)
    if match := _TRIGGER.fullmatch(head):
        if match[1] not in TRIGGER_FIELDS:
            raise TemplateError(f"trigger.{match[1]} is not known (fields: {', '.join(TRIGGER_FIELDS)})")
        return Expr("trigger", match[1], "", filters)
    raise TemplateError(
        f"cannot read {head!r}: use states.DEVICE.ATTRIBUTE, state('DEVICE'), or trigger.FIELD"
    )


def _filter(text: str) -> tuple[str, tuple[Any, ...]]:
    match = _FILTER.fullmatch(text)
    if match is None or match[1] not in _FILTERS:
        raise TemplateError(f"unknown filter {text!r} (filters: {', '.join(_FILTERS)})")
    args: tuple[Any, ...] = ()
    if match[2] is not None and match[2].strip():
        try:
            # Arguments are JSON literals (numbers, "strings"), with single quotes allowed for strings.
            args = tuple(json.loads(f"[{match[2].replace(chr(39), chr(34))}]"))
        except ValueError as err:
            raise TemplateError(f"bad arguments in filter {text!r}") from err
    return match[1], args


def _evaluate(expr: Expr, states: StateLookup, trigger: Mapping[str, Any]) -> str:
    value = states(expr.name).get(expr.attribute) if expr.source == "state" else trigger.get(expr.name)
    for name, args in expr.filters:
        try:
            value = _FILTERS[name](value, *args)
        except (TypeError, ValueError, OverflowError):
            if name != "default":
                value = None
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
