"""Tools generated from the sample home, and the checks every model call passes before anything runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.config import load_config
from assistant.llm.sse import LlmError, ToolCall
from assistant.llm.tools import CheckedCall, HomeTools, Refusal
from assistant.pipeline import build_understander
from assistant.understanding import plan_commands
from devices.model import Action, Command
from devices.registry import Registry
from intents.targets import resolve_targets

CONFIG = load_config(Path(__file__).resolve().parents[2] / "config")
REGISTRY = Registry(CONFIG.devices)
TOOLS = HomeTools(REGISTRY, CONFIG.intents)


def _schema(name: str) -> dict[str, Any]:
    return next(s["function"] for s in TOOLS.schemas if s["function"]["name"] == name)


def _check(name: str, allowed: frozenset[str] | None = None, **args: Any) -> CheckedCall | Refusal:
    return TOOLS.check(ToolCall("c1", name, json.dumps(args)), allowed, 0.0)


def test_one_tool_per_action_the_home_supports_with_real_device_ids() -> None:
    names = TOOLS.names()
    assert {"turn_on", "turn_off", "set_brightness", "set_temperature", "lock", "unlock", "get_state"} <= set(
        names
    )
    assert {"open_cover", "close_cover", "set_fan_speed", "set_volume"} <= set(names)
    turn_on = _schema("turn_on")["parameters"]
    devices = turn_on["properties"]["device"]["enum"]
    assert "kitchen_light" in devices and "front_door" not in devices and "bathroom_sensor" not in devices
    assert "kitchen_light = kitchen light (kitchen)" in turn_on["properties"]["device"]["description"]
    assert turn_on["required"] == ["device"] and turn_on["additionalProperties"] is False
    locks = _schema("lock")["parameters"]["properties"]["device"]["enum"]
    assert locks == [d.id for d in REGISTRY.devices() if d.type.value == "lock"] == ["front_door"]
    brightness = _schema("set_brightness")["parameters"]["properties"]["brightness"]
    assert brightness == {"type": "integer", "minimum": 0, "maximum": 100}
    assert _schema("set_temperature")["parameters"]["properties"]["temperature"]["type"] == "number"
    assert "red" in _schema("set_color")["parameters"]["properties"]["color"]["enum"]
    assert _schema("get_state")["parameters"]["properties"]["device"]["enum"] == [
        d.id for d in REGISTRY.devices()
    ]


def test_a_call_is_planned_exactly_like_the_spoken_command() -> None:
    checked = _check("set_brightness", device="kitchen_light", brightness=40)
    assert isinstance(checked, CheckedCall)
    assert checked.plan.commands == (Command("kitchen_light", Action.SET_BRIGHTNESS, {"brightness": 40}),)
    local = build_understander(CONFIG).understand("set the kitchen light to 40 percent").matches[0]
    index = build_understander(CONFIG).index
    targets = resolve_targets(local, index, None)
    assert plan_commands(local, targets, REGISTRY, CONFIG.intents, 0.0).commands == checked.plan.commands
    assert checked.match.source == "llm"
    colour = _check("set_color", device="kitchen_light", color="Red")
    assert isinstance(colour, CheckedCall)
    assert colour.plan.commands[0].params == {"color": {"r": 255, "g": 0, "b": 0}, "color_name": "red"}
    warm = _check("set_temperature", device="living_room_thermostat", temperature=21.55)
    assert isinstance(warm, CheckedCall) and warm.plan.commands[0].params == {"temperature": 21.6}


@pytest.mark.parametrize(
    ("name", "args", "code", "words"),
    [
        ("turn_on", {"device": "attic_light"}, "device-unknown", "no device 'attic_light'"),
        ("turn_on", {}, "bad-arguments", "needs ['device']"),
        ("turn_on", {"device": "kitchen_light", "colour": "red"}, "bad-arguments", "not ['colour']"),
        ("set_brightness", {"device": "kitchen_light"}, "bad-arguments", "needs ['brightness']"),
        (
            "set_brightness",
            {"device": "kitchen_light", "brightness": 140},
            "bad-arguments",
            "between 0 and 100",
        ),
        ("set_brightness", {"device": "kitchen_light", "brightness": "half"}, "bad-arguments", "a number"),
        ("set_brightness", {"device": "kitchen_light", "brightness": True}, "bad-arguments", "a number"),
        ("set_fan_speed", {"device": "bedroom_fan", "speed": "turbo"}, "bad-arguments", "speed must be"),
        ("set_color", {"device": "kitchen_light", "color": "ultraviolet"}, "bad-arguments", "listed values"),
        ("turn_on", {"device": "front_door"}, "unsupported", "cannot turn on"),
    ],
)
def test_wrong_calls_are_refused_with_a_reason(
    name: str, args: dict[str, Any], code: str, words: str
) -> None:
    refusal = _check(name, **args)
    assert isinstance(refusal, Refusal)
    assert refusal.code == code and words in refusal.reason


def test_areas_a_client_may_not_control_are_refused() -> None:
    refusal = _check("unlock", allowed=frozenset({"kitchen"}), device="front_door")
    assert isinstance(refusal, Refusal) and refusal.code == "forbidden" and "kitchen" in refusal.reason
    assert isinstance(_check("turn_on", allowed=frozenset({"kitchen"}), device="kitchen_light"), CheckedCall)


def test_unknown_tools_and_malformed_arguments_are_bad_responses() -> None:
    with pytest.raises(LlmError) as unknown:
        TOOLS.check(ToolCall("c", "launch_rocket", "{}"), None, 0.0)
    assert unknown.value.code == "llm-unknown-tool"
    with pytest.raises(LlmError) as malformed:
        TOOLS.check(ToolCall("c", "turn_on", '{"device": "kitch'), None, 0.0)
    assert malformed.value.code == "llm-bad-response"


def test_get_state_reads_the_registry() -> None:
    registry = Registry(CONFIG.devices)
    registry.merge("bathroom_sensor", {"humidity": 71, "temperature": 22.5})
    tools = HomeTools(registry, CONFIG.intents)
    state = tools.state(ToolCall("c", "get_state", '{"device": "bathroom_sensor"}'))
    assert state == {
        "ok": True,
        "device": "bathroom_sensor",
        "name": registry.device("bathroom_sensor").name,
        "type": "sensor",
        "area": "bathroom",
        "state": {"humidity": 71, "temperature": 22.5},
    }
    assert tools.state(ToolCall("c", "get_state", '{"device": "nope"}'))["error"] == "device-unknown"
