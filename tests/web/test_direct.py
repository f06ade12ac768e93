"""Sans-I/O: a tapped tile's action becomes the intent a sentence would give, for exactly that device."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.config import load_config
from assistant.direct import DirectError, direct_match
from devices.registry import Registry
from tests.assistant.conftest import SAMPLE


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(load_config(SAMPLE).devices)


@pytest.mark.parametrize(
    ("device", "state", "intent"),
    [
        ("kitchen_light", {"state": "ON"}, "turn_off"),
        ("kitchen_light", {"state": "OFF"}, "turn_on"),
        ("coffee_maker", {}, "turn_on"),  # unknown state: a tap switches it on
        ("garage_door", {"state": "OPEN"}, "close_cover"),
        ("garage_door", {"state": "CLOSE"}, "open_cover"),
        ("front_door", {"state": "LOCK"}, "unlock"),
        ("front_door", {"state": "UNLOCK"}, "lock"),
    ],
)
def test_toggle_flips_the_last_known_state(
    registry: Registry, device: str, state: dict[str, Any], intent: str
) -> None:
    registry.merge(device, {"state": None, **state})
    match = direct_match({"device": device, "command": "toggle"}, registry)
    assert not isinstance(match, DirectError)
    assert (match.intent, match.source, match.slots["devices"].value) == (intent, "direct", (device,))


def test_explicit_commands_and_refusals(registry: Registry) -> None:
    on = direct_match({"device": "living_room_blinds", "command": "open"}, registry)
    assert not isinstance(on, DirectError) and on.intent == "open_cover"
    refused = direct_match({"device": "office_sensor", "command": "turn_on"}, registry)
    assert isinstance(refused, DirectError) and refused.code == "action-unsupported"
    assert direct_match({"device": "Kitchen Light", "command": "toggle"}, registry) == DirectError(
        "device-unknown", "no device 'Kitchen Light' in this home"
    )
