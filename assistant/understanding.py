"""Sans-I/O planning: a recognised intent and its targets become device commands or a direct answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devices.model import SUPPORTED_ACTIONS, Action, Command, DeviceSpec, DeviceType
from devices.registry import Registry
from intents.model import IntentMatch
from intents.recognizer import IntentData
from intents.responses import join_names, render, response_template
from intents.targets import Targets

# Built-in intents that change devices, and the device action each one means.
INTENT_ACTIONS: Mapping[str, Action] = {
    "turn_on": Action.TURN_ON,
    "turn_off": Action.TURN_OFF,
    "set_brightness": Action.SET_BRIGHTNESS,
    "set_color": Action.SET_COLOR,
    "set_temperature": Action.SET_TEMPERATURE,
    "open_cover": Action.OPEN,
    "close_cover": Action.CLOSE,
    "set_position": Action.SET_POSITION,
    "lock": Action.LOCK,
    "unlock": Action.UNLOCK,
    "set_fan_speed": Action.SET_FAN_SPEED,
    "media_play": Action.MEDIA_PLAY,
    "media_pause": Action.MEDIA_PAUSE,
    "media_next": Action.MEDIA_NEXT,
    "media_previous": Action.MEDIA_PREVIOUS,
    "set_volume": Action.SET_VOLUME,
}

# "Turn on the blinds" means open them; locks are deliberately absent: "turn off the front door" is too
# unclear to guess about a lock.
TYPE_ALIASES: Mapping[tuple[Action, DeviceType], Action] = {
    (Action.TURN_ON, DeviceType.COVER): Action.OPEN,
    (Action.TURN_OFF, DeviceType.COVER): Action.CLOSE,
}

# The slot that carries each action's parameter.
PARAM_SLOTS: Mapping[Action, str] = {
    Action.SET_BRIGHTNESS: "brightness",
    Action.SET_COLOR: "color",
    Action.SET_TEMPERATURE: "temperature",
    Action.SET_POSITION: "position",
    Action.SET_FAN_SPEED: "speed",
    Action.SET_VOLUME: "volume",
}

# Relative changes: the action they become, its slot, the step, the limits, and how to read the current value.
RELATIVE: Mapping[str, tuple[Action, str, float, float, float]] = {
    "brightness_up": (Action.SET_BRIGHTNESS, "brightness", 20, 1, 100),
    "brightness_down": (Action.SET_BRIGHTNESS, "brightness", -20, 1, 100),
    "temperature_up": (Action.SET_TEMPERATURE, "temperature", 1, 5, 30),
    "temperature_down": (Action.SET_TEMPERATURE, "temperature", -1, 5, 30),
    "volume_up": (Action.SET_VOLUME, "volume", 10, 0, 100),
    "volume_down": (Action.SET_VOLUME, "volume", -10, 0, 100),
}

QUESTION_CODES = frozenset({"ambiguous", "need-area"})
TARGET_CODES: Mapping[str, str] = {
    "no-device": "device-unknown",
    "ambiguous": "ambiguous",
    "need-area": "need-area",
    "unsupported": "action-unsupported",
}


def target_types(intent: str) -> frozenset[str] | None:
    """The device types that can carry out an intent (None: any), to narrow names shared across types."""
    action = INTENT_ACTIONS.get(intent) or (RELATIVE[intent][0] if intent in RELATIVE else None)
    if action is not None:
        return frozenset(
            t.value
            for t, actions in SUPPORTED_ACTIONS.items()
            if TYPE_ALIASES.get((action, t), action) in actions
        )
    if intent in MEASURES:
        return frozenset({DeviceType.CLIMATE.value, DeviceType.SENSOR.value})
    return None


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run will do: commands to send, or a reply to give without touching a device."""

    targets: tuple[DeviceSpec, ...] = ()
    commands: tuple[Command, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    reply: str = ""
    group: str = ""  # how the user named a group of targets ("all the lights"), to echo in the reply
    code: str | None = None  # set when the plan refuses or asks back
    question: str | None = None  # the kind of question asked back ("ambiguous", "need-area")
    candidates: tuple[str, ...] = ()  # device ids the question offers
    says: str = ""  # the intent whose reply fits what is done, when not the one understood


def plan_commands(
    match: IntentMatch, targets: Targets | None, registry: Registry, data: IntentData, now: float
) -> Plan:
    """Decide what to do for a recognised intent."""
    values = {name: _spoken(slot.value, slot.text) for name, slot in match.slots.items()}
    if match.intent in RELATIVE:
        return _relative_plan(match, targets, registry, data, values)
    action = INTENT_ACTIONS.get(match.intent)
    if action is None:
        if match.intent in QUERY_INTENTS:
            return _query_plan(match, targets, registry, data, values)
        return Plan(values=values, reply=_simple_reply(match.intent, data, values, now))
    targets = capable_targets(match, targets, registry)
    if targets is None or targets.problem is not None:
        return _target_problem(targets, registry, data)
    specs = tuple(registry.device(device_id) for device_id in targets.ids)
    if not _named(match):
        # Addressed by area or type: only the devices that can do it ("turn off the kitchen" skips sensors).
        specs = tuple(s for s in specs if s.supports(TYPE_ALIASES.get((action, s.type), action))) or specs
    params = _params(action, match)
    commands = tuple(Command(s.id, TYPE_ALIASES.get((action, s.type), action), params) for s in specs)
    group = "" if _named(match) or len(specs) < 2 else targets.what
    return Plan(targets=specs, commands=commands, values=values, group=group)


def _relative_plan(
    match: IntentMatch, targets: Targets | None, registry: Registry, data: IntentData, values: dict[str, Any]
) -> Plan:
    """ "Brighter", "a bit warmer", "louder": one step from each device's current setting."""
    if targets is None or targets.problem is not None:
        return _target_problem(targets, registry, data)
    action, slot, step, low, high = RELATIVE[match.intent]
    specs = tuple(s for s in (registry.device(i) for i in targets.ids) if s.supports(action))
    switched = tuple(
        s for s in (registry.device(i) for i in targets.ids) if _brighter_is_on(match, s, registry)
    )
    unlit = match.intent == "brightness_up" and all(registry.state(s.id).get("state") == "OFF" for s in specs)
    if specs and unlit:
        # "It's pitch black in the garage": lights that are all off come on as they were last set, not at a
        # step of 20 % from dark.
        switched, specs = tuple(s for s in specs if s.supports(Action.TURN_ON)), ()
    if not specs and switched:
        # "It's too dark in the hall" and the hall light only switches: a step brighter from off is on.
        group = "" if _named(match) or len(switched) < 2 else targets.what
        switch_on = tuple(Command(s.id, Action.TURN_ON, {}) for s in switched)
        return Plan(targets=switched, commands=switch_on, values=values, group=group, says="turn_on")
    if not specs:
        return Plan(
            reply=render(response_template(data, "_errors", "unsupported"), {"target": targets.what}),
            code="action-unsupported",
        )
    commands = []
    for spec in specs:
        new = min(high, max(low, _current(slot, registry.state(spec.id)) + step))
        commands.append(Command(spec.id, action, {slot: int(new) if slot != "temperature" else new}))
    values[slot] = _spoken(commands[0].params[slot], "")
    group = "" if _named(match) or len(specs) < 2 else targets.what
    return Plan(targets=specs, commands=tuple(commands), values=values, group=group)


def _switched_brighter(match: IntentMatch, spec: DeviceSpec) -> bool:
    """Whether a step brighter can only mean switching this device on: it switches but cannot dim."""
    return (
        match.intent == "brightness_up"
        and not spec.supports(Action.SET_BRIGHTNESS)
        and spec.supports(Action.TURN_ON)
    )


def _brighter_is_on(match: IntentMatch, spec: DeviceSpec, registry: Registry) -> bool:
    """Whether a step brighter means switching this device on now: it cannot dim, and it is not on."""
    return _switched_brighter(match, spec) and registry.state(spec.id).get("state") != "ON"


def _current(slot: str, state: Mapping[str, Any]) -> float:
    """A device's current setting in the units of the slot (percent, degrees)."""
    if slot == "brightness":
        return 0.0 if state.get("state") == "OFF" else round(float(state.get("brightness", 254)) * 100 / 254)
    if slot == "temperature":
        return float(state.get("occupied_heating_setpoint", 20.0))
    return float(state.get("volume", 0))


def capable_targets(match: IntentMatch, targets: Targets | None, registry: Registry) -> Targets | None:
    """The targets, or `unsupported` when a device named by name cannot do what the intent asks.

    Devices reached by area or type are filtered when planned ("turn off the kitchen" skips sensors); one
    named outright that cannot do it is refused, never sent a command it has no payload for.
    """
    intent = match.intent
    action = INTENT_ACTIONS.get(intent) or (RELATIVE[intent][0] if intent in RELATIVE else None)
    if action is None or targets is None or targets.problem is not None or not _named(match):
        return targets
    for device_id in targets.ids:
        spec = registry.device(device_id)
        able = spec.supports(TYPE_ALIASES.get((action, spec.type), action))
        if not able and not _switched_brighter(match, spec):
            return Targets(problem="unsupported", what=f"the {spec.name}")
    return targets


def _named(match: IntentMatch) -> bool:
    return "name" in match.slots or "devices" in match.slots


def _params(action: Action, match: IntentMatch) -> dict[str, Any]:
    slot = PARAM_SLOTS.get(action)
    if slot is None or slot not in match.slots:
        return {}
    value = match.slots[slot].value
    if action is Action.SET_COLOR and isinstance(value, Mapping):
        rgb = {k: int(value[k]) for k in ("r", "g", "b") if k in value}
        return {"color": rgb, "color_name": value.get("name", match.slots[slot].text)}
    return {slot: value}


def _spoken(value: Any, text: str) -> Any:
    """The form of a slot value to speak in a reply."""
    if isinstance(value, Mapping) and "name" in value:
        return value["name"]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple | list):
        return text
    return value


def _target_problem(targets: Targets | None, registry: Registry, data: IntentData) -> Plan:
    problem = targets.problem if targets is not None and targets.problem else "no-device"
    candidates = [registry.device(c).name for c in targets.candidates] if targets else []
    what = targets.what if targets else "that"
    values = {"what": what, "target": what, "candidates": join_names(candidates, "or")}
    reply = render(response_template(data, "_errors", problem), values)
    question = problem if problem in QUESTION_CODES else None
    offered = targets.candidates if targets is not None else ()
    return Plan(reply=reply, code=TARGET_CODES.get(problem, problem), question=question, candidates=offered)


# ---- answers without actions ----------------------------------------------------------------------

QUERY_INTENTS = frozenset({"get_state", "get_temperature", "get_humidity"})

# What "is it on/open/locked?" checks in the canonical state, and the word for the other answer.
STATE_WORDS: Mapping[str, tuple[str, frozenset[str], str]] = {
    "on": ("state", frozenset({"ON"}), "off"),
    "off": ("state", frozenset({"OFF"}), "on"),
    "open": ("state", frozenset({"OPEN"}), "closed"),
    "closed": ("state", frozenset({"CLOSE", "CLOSED"}), "open"),
    "locked": ("state", frozenset({"LOCK", "LOCKED"}), "unlocked"),
    "unlocked": ("state", frozenset({"UNLOCK", "UNLOCKED"}), "locked"),
    "playing": ("playback", frozenset({"playing"}), "paused"),
    "paused": ("playback", frozenset({"paused"}), "playing"),
}

MEASURES: Mapping[str, tuple[str, ...]] = {
    "get_temperature": ("local_temperature", "temperature"),
    "get_humidity": ("humidity",),
}


def _query_plan(
    match: IntentMatch, targets: Targets | None, registry: Registry, data: IntentData, values: dict[str, Any]
) -> Plan:
    if match.intent in MEASURES:
        ids = _measuring_devices(match, targets, registry)
        if not ids:
            return _target_problem(targets, registry, data)
        return Plan(targets=tuple(registry.device(i) for i in ids), values=values)
    if targets is None or targets.problem is not None:
        return _target_problem(targets, registry, data)
    return Plan(targets=tuple(registry.device(i) for i in targets.ids), values=values)


def _measure_keys(match: IntentMatch) -> tuple[str, ...]:
    if "setpoint" in match.slots:
        return ("occupied_heating_setpoint",)
    return MEASURES[match.intent]


def _measuring_devices(match: IntentMatch, targets: Targets | None, registry: Registry) -> list[str]:
    keys = _measure_keys(match)
    if targets is not None and targets.problem is None and targets.ids:
        candidates = list(targets.ids)
    elif "area" in match.slots:
        area = match.slots["area"].value
        candidates = [d.id for d in registry.devices() if d.area == area]
    else:
        return []
    # Only devices that actually reported the reading can answer.
    return [i for i in candidates if any(k in registry.state(i) for k in keys)]


def query_reply(match: IntentMatch, plan: Plan, registry: Registry, data: IntentData) -> str:
    """Answer a state question from the registry's last known states."""
    if match.intent in MEASURES:
        return _measure_reply(match, plan, registry, data)
    sentences = []
    asked = str(match.slots["state"].value) if "state" in match.slots else "on"
    key, yes_values, opposite = STATE_WORDS.get(asked, STATE_WORDS["on"])
    for spec in plan.targets:
        current = registry.state(spec.id).get(key)
        values = {**plan.values, "target": join_names([spec.name]), "state": asked, "opposite": opposite}
        outcome = "unknown" if current is None else ("yes" if str(current) in yes_values else "no")
        sentences.append(render(response_template(data, "get_state", outcome), values))
    return " ".join(sentences)


def _measure_reply(match: IntentMatch, plan: Plan, registry: Registry, data: IntentData) -> str:
    keys = _measure_keys(match)
    outcome = "setpoint" if "setpoint" in match.slots else "success"
    area_names = {area.id: area.name for area in registry.areas()}
    sentences = []
    for spec in plan.targets:
        state = registry.state(spec.id)
        reading = next((state[k] for k in keys if k in state), None)
        where = join_names([area_names.get(spec.area, spec.name) if spec.area else spec.name])
        values = {**plan.values, "value": _number(reading), "target": join_names([spec.name]), "where": where}
        sentences.append(render(response_template(data, match.intent, outcome), values))
    return " ".join(sentences)


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 1)
    return value


def _simple_reply(intent: str, data: IntentData, values: Mapping[str, Any], now: float) -> str:
    moment = dt.datetime.fromtimestamp(now).astimezone()
    clock = {
        "time": moment.strftime("%-I:%M %p"),
        "date": f"{moment.strftime('%A, %B')} {moment.day}, {moment.year}",
    }
    return render(response_template(data, intent, "success"), {**values, **clock})
