"""Sans-I/O: a direct action on one exact device (a tapped tile) becomes the intent a sentence would give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devices.model import DeviceSpec, DeviceType
from devices.registry import Registry
from intents.model import IntentMatch, SlotValue

from .understanding import INTENT_ACTIONS, TYPE_ALIASES

# The commands a client may send, and the intent each one means (toggle is decided from the state).
COMMAND_INTENTS: Mapping[str, str] = {
    "turn_on": "turn_on",
    "turn_off": "turn_off",
    "open": "open_cover",
    "close": "close_cover",
    "lock": "lock",
    "unlock": "unlock",
}
COMMANDS = frozenset({"toggle", *COMMAND_INTENTS})

# What "toggle" does for each kind of device: (state key, the values that count as "on", intent when on,
# intent when off).
TOGGLES: Mapping[DeviceType, tuple[str, frozenset[str], str, str]] = {
    DeviceType.COVER: ("state", frozenset({"OPEN"}), "close_cover", "open_cover"),
    DeviceType.LOCK: ("state", frozenset({"LOCK", "LOCKED"}), "unlock", "lock"),
}
POWER_TOGGLE = ("state", frozenset({"ON"}), "turn_off", "turn_on")


@dataclass(frozen=True, slots=True)
class DirectError:
    """Why a direct action was refused; nothing is published."""

    code: str
    message: str


def direct_match(action: Mapping[str, Any], registry: Registry) -> IntentMatch | DirectError:
    """The intent match for `{"device": id, "command": ...}`, naming exactly that device, or why not."""
    device_id, command = action.get("device"), action.get("command")
    if set(action) - {"device", "command"} or not isinstance(device_id, str) or not isinstance(command, str):
        return DirectError("bad-event", "action must be {'device': id, 'command': name}")
    if command not in COMMANDS:
        return DirectError("bad-event", f"unknown command {command!r}; one of {', '.join(sorted(COMMANDS))}")
    spec = registry.get(device_id)
    if spec is None:
        return DirectError("device-unknown", f"no device {device_id!r} in this home")
    intent = _toggled(spec, registry) if command == "toggle" else COMMAND_INTENTS[command]
    wanted = INTENT_ACTIONS[intent]
    if not spec.supports(TYPE_ALIASES.get((wanted, spec.type), wanted)):
        return DirectError("action-unsupported", f"{spec.name} ({spec.type.value}) cannot {command}")
    # The `devices` slot names exact ids: target resolution takes them as they are, with no name matching.
    slots = {"devices": SlotValue(value=(spec.id,), text=spec.name)}
    return IntentMatch(intent=intent, slots=slots, text="", confidence=1.0, source="direct")


def _toggled(spec: DeviceSpec, registry: Registry) -> str:
    """The intent that flips a device from its last known state (off when unknown: turn it on)."""
    key, on_values, when_on, when_off = TOGGLES.get(spec.type, POWER_TOGGLE)
    return when_on if str(registry.state(spec.id).get(key)) in on_values else when_off
