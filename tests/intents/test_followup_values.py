"""Follow-ups that say only a value or a direction: "just 80 percent", "halfway", "a bit more", "less"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intents.context import Turn
from intents.model import IntentMatch
from intents.recognizer import IntentData
from intents.understand import Understander, Understanding

from .test_safety import make_understander


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return make_understander(data, model_cache)


def _turn(text: str, intent: str, devices: list[str], slots: dict[str, Any], before: dict[str, Any]) -> Turn:
    command = {"intent": intent, "slots": slots, "devices": devices}
    return Turn(text, intent, slots, tuple(devices), "", 0.0, True, commands=(command,), before=before)


def _said(found: Understanding) -> list[tuple[str, tuple[str, ...], dict[str, Any]]]:
    assert found.question is None, found
    return [(m.intent, _devices(m), _values(m)) for m in found.matches]


def _devices(match: IntentMatch) -> tuple[str, ...]:
    return tuple(match.slots["devices"].value) if "devices" in match.slots else ()


def _values(match: IntentMatch) -> dict[str, Any]:
    return {k: v.value for k, v in match.slots.items() if k not in ("devices", "ref")}


LAMP_ON = _turn(
    "turn on the living room lamp", "turn_on", ["living_lamp"], {}, {"living_lamp": {"state": "OFF"}}
)
LAMP_DIMMED = _turn(
    "dim the living room lamp to 30 percent",
    "set_brightness",
    ["living_lamp"],
    {"brightness": 30},
    {"living_lamp": {"state": "ON", "brightness": 254}},
)
BLINDS_OPENED = _turn("open the bedroom blinds", "open_cover", ["bedroom_blinds"], {}, {})
HEAT_UP = _turn("turn up the bedroom thermostat", "temperature_up", ["bedroom_thermostat"], {}, {})


def test_a_bare_value_sets_what_the_device_takes(understander: Understander) -> None:
    assert _said(understander.understand("just 80 percent", [LAMP_ON], None)) == [
        ("set_brightness", ("living_lamp",), {"brightness": 80})
    ]
    assert _said(understander.understand("set it to 60", [LAMP_ON], None)) == [
        ("set_brightness", ("living_lamp",), {"brightness": 60})
    ]
    assert _said(understander.understand("now put it at 40", [LAMP_ON], None)) == [
        ("set_brightness", ("living_lamp",), {"brightness": 40})
    ]
    assert _said(understander.understand("actually just halfway", [BLINDS_OPENED], None)) == [
        ("set_position", ("bedroom_blinds",), {"position": 50})
    ]


def test_a_value_the_device_cannot_take_is_not_guessed(understander: Understander) -> None:
    # Degrees for a lamp, a temperature of 80: nothing is done.
    assert not understander.understand("put it at 80 degrees", [LAMP_ON], None).matches
    assert not understander.understand("put it at 80", [HEAT_UP], None).matches
    # Nothing talked about before: nothing to set.
    assert not understander.understand("just 80 percent", [], None).matches


def test_more_and_less_follow_the_way_the_last_change_went(understander: Understander) -> None:
    assert _said(understander.understand("a bit more", [HEAT_UP], None)) == [
        ("temperature_up", ("bedroom_thermostat",), {})
    ]
    assert _said(understander.understand("a little less", [HEAT_UP], None)) == [
        ("temperature_down", ("bedroom_thermostat",), {})
    ]
    # Dimmed from full to 30: "more" dims further.
    assert _said(understander.understand("even more", [LAMP_DIMMED], None)) == [
        ("brightness_down", ("living_lamp",), {})
    ]


def test_more_after_an_order_with_no_direction_asks(understander: Understander) -> None:
    found = understander.understand("a bit more", [LAMP_ON], None)
    assert not found.matches and found.question is not None


def test_we_are_back_is_no_undo(understander: Understander) -> None:
    found = understander.understand("we're back", [LAMP_ON], None)
    assert not found.matches
