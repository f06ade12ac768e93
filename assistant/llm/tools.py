"""Sans-I/O function tools of a home: schemas generated from the registry, and checks of the model's calls."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from devices.model import FAN_SPEEDS, Action, DeviceSpec
from devices.registry import Registry
from intents.document import RangeList, ValueList
from intents.model import IntentMatch, SlotValue
from intents.recognizer import IntentData
from intents.targets import Targets

from ..understanding import INTENT_ACTIONS, PARAM_SLOTS, Plan, plan_commands
from .sse import LlmError, ToolCall

GET_STATE = "get_state"

# What each device tool does, in the words the model reads.
DESCRIPTIONS: Mapping[Action, str] = {
    Action.TURN_ON: "Turn a device on.",
    Action.TURN_OFF: "Turn a device off.",
    Action.SET_BRIGHTNESS: "Set the brightness of a light, in percent.",
    Action.SET_COLOR: "Set the colour of a light.",
    Action.SET_TEMPERATURE: "Set the target temperature of a thermostat, in degrees Celsius.",
    Action.OPEN: "Open a cover (blinds, curtains, garage door).",
    Action.CLOSE: "Close a cover (blinds, curtains, garage door).",
    Action.SET_POSITION: "Set how far a cover is open, in percent (100 is fully open).",
    Action.LOCK: "Lock a lock.",
    Action.UNLOCK: "Unlock a lock.",
    Action.SET_FAN_SPEED: "Set the speed of a fan.",
    Action.MEDIA_PLAY: "Start or resume playback on a media player.",
    Action.MEDIA_PAUSE: "Pause playback on a media player.",
    Action.MEDIA_NEXT: "Skip to the next track on a media player.",
    Action.MEDIA_PREVIOUS: "Go back to the previous track on a media player.",
    Action.SET_VOLUME: "Set the volume of a media player, in percent.",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A tool call that must not run: a stable code and the reason the model is told."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class CheckedCall:
    """A tool call that passed every check: the intent it means and the plan that carries it out."""

    match: IntentMatch
    plan: Plan


@dataclass(frozen=True, slots=True)
class _Tool:
    intent: str
    action: Action
    slot: str | None
    devices: tuple[DeviceSpec, ...]


class HomeTools:
    """The tools offered to the model for one home, and the checks that guard them."""

    def __init__(self, registry: Registry, data: IntentData) -> None:
        self.registry = registry
        self.data = data
        self._tools: dict[str, _Tool] = {}
        for intent, action in INTENT_ACTIONS.items():
            devices = tuple(d for d in registry.devices() if d.supports(action))
            if devices:
                self._tools[intent] = _Tool(intent, action, PARAM_SLOTS.get(action), devices)
        self.schemas: list[dict[str, Any]] = [self._schema(t) for t in self._tools.values()]
        if registry.devices():
            self.schemas.append(self._state_schema())

    def names(self) -> tuple[str, ...]:
        """Every tool name offered."""
        return tuple(s["function"]["name"] for s in self.schemas)

    def known(self, name: str) -> bool:
        """Whether the model may call a tool of this name."""
        return name in self._tools or (name == GET_STATE and bool(self.registry.devices()))

    def _schema(self, tool: _Tool) -> dict[str, Any]:
        properties: dict[str, Any] = {"device": self._device_property(tool.devices)}
        required = ["device"]
        if tool.slot is not None:
            properties[tool.slot] = self._param_property(tool.slot)
            required.append(tool.slot)
        return _function(tool.intent, DESCRIPTIONS[tool.action], properties, required)

    def _state_schema(self) -> dict[str, Any]:
        device = self._device_property(self.registry.devices())
        description = "Read the current state of a device (on/off, brightness, temperature, humidity, ...)."
        return _function(GET_STATE, description, {"device": device}, ["device"])

    def _device_property(self, devices: Sequence[DeviceSpec]) -> dict[str, Any]:
        areas = {a.id: a.name for a in self.registry.areas()}
        listed = "; ".join(
            f"{d.id} = {d.name} ({areas.get(d.area, 'no room') if d.area else 'no room'})" for d in devices
        )
        return {"type": "string", "enum": [d.id for d in devices], "description": f"The device id: {listed}"}

    def _param_property(self, slot: str) -> dict[str, Any]:
        if slot == "speed":
            return {"type": "string", "enum": list(FAN_SPEEDS)}
        values = self.data.lists.get(slot)
        if isinstance(values, ValueList):
            return {"type": "string", "enum": [v.text for v in values.values]}
        if isinstance(values, RangeList):
            whole = float(values.step).is_integer()
            kind = "integer" if whole else "number"
            return {"type": kind, "minimum": values.start, "maximum": values.stop}
        return {"type": "number"}

    def check(self, call: ToolCall, allowed: frozenset[str] | None, now: float) -> CheckedCall | Refusal:
        """Check a device call against the registry and the client's areas; plan it like a local intent."""
        tool = self._tools.get(call.name)
        if tool is None:
            raise LlmError(
                "llm-unknown-tool", f"the model called a tool Hearth does not offer: {call.name!r}"
            )
        args = arguments(call)
        found = self._device(tool.intent, args, tool.slot)
        if isinstance(found, Refusal):
            return found
        if not found.supports(tool.action):
            return Refusal("unsupported", f"{found.name} ({found.id}) cannot {tool.intent.replace('_', ' ')}")
        if allowed is not None and found.area not in allowed:
            rooms = ", ".join(sorted(allowed)) or "none"
            return Refusal("forbidden", f"this client may not control {found.name}; it may control: {rooms}")
        slots = {"name": SlotValue((found.id,), found.name)}
        if tool.slot is not None:
            value = self._value(tool.slot, args.get(tool.slot))
            if isinstance(value, Refusal):
                return value
            slots[tool.slot] = SlotValue(value, str(args[tool.slot]))
        match = IntentMatch(tool.intent, slots, text=call.arguments, confidence=1.0, source="llm")
        targets = Targets(ids=(found.id,), what=found.name)
        plan = plan_commands(match, targets, self.registry, self.data, now)
        if plan.code is not None or not plan.commands:
            return Refusal(plan.code or "failed", plan.reply or "the command could not be planned")
        return CheckedCall(match, plan)

    def state(self, call: ToolCall) -> dict[str, Any]:
        """Answer a get_state call from the registry's last known states (read-only, always allowed)."""
        found = self._device(GET_STATE, arguments(call), None)
        if isinstance(found, Refusal):
            return {"ok": False, "error": found.code, "reason": found.reason}
        area = self.registry.area(found.area) if found.area else None
        return {
            "ok": True,
            "device": found.id,
            "name": found.name,
            "type": found.type.value,
            "area": area.name if area else None,
            "state": self.registry.state(found.id) or "unknown (no report yet)",
        }

    def _device(self, intent: str, args: dict[str, Any], slot: str | None) -> DeviceSpec | Refusal:
        expected = {"device", *([slot] if slot else [])}
        extra = sorted(set(args) - expected)
        if extra:
            return Refusal("bad-arguments", f"{intent} takes only {sorted(expected)}, not {extra}")
        missing = sorted(expected - set(args))
        if missing:
            return Refusal("bad-arguments", f"{intent} needs {missing}")
        device = args["device"]
        spec = self.registry.get(device) if isinstance(device, str) else None
        if spec is None:
            return Refusal("device-unknown", f"there is no device {device!r}; use one of the listed ids")
        return spec

    def _value(self, slot: str, value: Any) -> Any:
        """The slot value for an argument, as the templates would have produced it; Refusal when invalid."""
        values = self.data.lists.get(slot)
        if slot == "speed":
            if value in FAN_SPEEDS:
                return value
            return Refusal("bad-arguments", f"speed must be one of {list(FAN_SPEEDS)}, not {value!r}")
        if isinstance(values, ValueList):
            for item in values.values:
                if isinstance(value, str) and item.text == value.strip().lower():
                    return item.out
            return Refusal("bad-arguments", f"{slot} must be one of the listed values, not {value!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return Refusal("bad-arguments", f"{slot} must be a number, not {value!r}")
        if isinstance(values, RangeList):
            step = values.step
            snapped = round(round(value / step) * step, 6)  # 21.55 degrees means 21.6, not a refusal
            accepted = values.accept(snapped)
            if accepted is None:
                return Refusal("bad-arguments", f"{slot} must be between {values.start} and {values.stop}")
            return accepted
        return value


def arguments(call: ToolCall) -> dict[str, Any]:
    """The JSON object of a call's arguments ("" counts as {}); malformed JSON is a bad model response."""
    try:
        args = json.loads(call.arguments) if call.arguments.strip() else {}
    except json.JSONDecodeError as err:
        raise LlmError("llm-bad-response", f"the arguments of {call.name} are not JSON") from err
    if not isinstance(args, dict):
        raise LlmError("llm-bad-response", f"the arguments of {call.name} are not a JSON object")
    return args


def _function(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }
