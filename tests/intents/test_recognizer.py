"""Recognition of the built-in intents against a sample home."""

from __future__ import annotations

from typing import Any

import pytest

from intents.model import EntityName, IntentMatch
from intents.recognizer import (
    MAX_VARIANTS,
    IntentData,
    TemplateRecognizer,
    load_builtin,
    merge,
    spoken_variants,
)
from intents.synthetic import synthetic_home

from .conftest import AREAS

RED = {"name": "red", "r": 255, "g": 0, "b": 0}
GREEN = {"name": "green", "r": 0, "g": 255, "b": 0}
WARM_WHITE = {"name": "warm white", "r": 255, "g": 180, "b": 107}
PLAYERS = {"domain": "media_player", "plural": True}

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("turn it off", "turn_off", {"ref": True}),
    ("turn them back on", "turn_on", {"ref": True}),
    ("make the kitchen light brighter", "brightness_up", {"name": ("kitchen_light",)}),
    ("dim the lights a bit", "brightness_down", {"domain": "light", "plural": True}),
    ("a bit warmer", "temperature_up", {"domain": "climate", "plural": True}),
    ("turn down the heat in the bedroom", "temperature_down", {"domain": "climate", "area": "bedroom"}),
    ("turn up the volume on the tv", "volume_up", {"name": ("tv",)}),
    ("quieter please", "volume_down", {"domain": "media_player", "plural": True}),
    ("set a pasta timer for 10 minutes", "start_timer", {"timer_name": "pasta", "minutes": 10}),
    ("set a timer for an hour and a half", "start_timer", {"duration": 5400}),
    ("cancel all timers", "cancel_timer", {"all": True}),
    ("how much time is left on the pasta timer", "timer_status", {"timer_name": "pasta"}),
    ("do that again", "repeat", {}),
    ("undo that", "undo", {}),
    ("no, undo that", "undo", {}),
    ("a bit more", "more", {}),
    ("even less", "less", {}),
    ("just 80 percent", "followup_value", {"value": 80}),
    ("put it at 40", "followup_value", {"value": 40}),
    ("actually just halfway", "followup_value", {"value": 50}),
    ("what about the bedroom", "followup_area", {"area": "bedroom"}),
    ("and the tv too", "followup_name", {"name": ("tv",)}),
    ("what can you do", "capabilities", {}),
    # turn_on / turn_off: by name, area + type, all, type alone
    ("turn on the kitchen light", "turn_on", {"name": ("kitchen_light",)}),
    ("Turn on the Kitchen Light, please!", "turn_on", {"name": ("kitchen_light",)}),
    ("switch on kitchen light", "turn_on", {"name": ("kitchen_light",)}),
    ("turn the kitchen light on", "turn_on", {"name": ("kitchen_light",)}),
    ("kitchen light on", "turn_on", {"name": ("kitchen_light",)}),
    ("turn on the reading lamp", "turn_on", {"name": ("living_lamp",)}),
    ("turn on the coffee machine", "turn_on", {"name": ("coffee",)}),
    ("turn on the kitchen lights", "turn_on", {"area": "kitchen", "domain": "light"}),
    ("turn on the lights in the lounge", "turn_on", {"area": "living_room", "domain": "light"}),
    ("turn on lights in the office", "turn_on", {"area": "office", "domain": "light"}),
    ("turn on the light", "turn_on", {"domain": "light"}),
    (
        "turn on the lamp",
        "turn_on",
        {"name": ("living_lamp", "bedroom_lamp")},
    ),  # two devices are called "Lamp"
    ("turn on the bulb", "turn_on", {"domain": "light"}),
    ("turn on the lights", "turn_on", {"domain": "light", "plural": True}),
    ("lights on", "turn_on", {"domain": "light", "plural": True}),
    ("turn on the heating", "turn_on", {"domain": "climate"}),
    ("switch the fan off", "turn_off", {"domain": "fan"}),
    ("turn off the kitchen light", "turn_off", {"name": ("kitchen_light",)}),
    ("shut off the tv", "turn_off", {"name": ("tv",)}),
    ("turn off the lights in the kitchen", "turn_off", {"area": "kitchen", "domain": "light"}),
    ("turn off the kitchen lights", "turn_off", {"area": "kitchen", "domain": "light"}),
    ("turn off all the lights", "turn_off", {"all": True, "domain": "light"}),
    ("turn off all lights", "turn_off", {"all": True, "domain": "light"}),
    ("turn off every light", "turn_off", {"all": True, "domain": "light"}),
    (
        "turn off all of the lights in the office",
        "turn_off",
        {"all": True, "domain": "light", "area": "office"},
    ),
    ("turn off the lights everywhere", "turn_off", {"domain": "light"}),
    ("turn the lights off", "turn_off", {"domain": "light", "plural": True}),
    # set_brightness
    ("set the kitchen light to 50 percent", "set_brightness", {"name": ("kitchen_light",), "brightness": 50}),
    ("set the kitchen light to 50%", "set_brightness", {"name": ("kitchen_light",), "brightness": 50}),
    (
        "set the kitchen light to fifty percent",
        "set_brightness",
        {"name": ("kitchen_light",), "brightness": 50},
    ),
    (
        "dim the bedroom lights to twenty percent",
        "set_brightness",
        {"area": "bedroom", "domain": "light", "brightness": 20},
    ),
    ("set brightness of the desk lamp to 80", "set_brightness", {"name": ("desk_lamp",), "brightness": 80}),
    ("set brightness of desk lamp to eighty", "set_brightness", {"name": ("desk_lamp",), "brightness": 80}),
    (
        "set the desk lamp brightness to a hundred",
        "set_brightness",
        {"name": ("desk_lamp",), "brightness": 100},
    ),
    (
        "brighten the lights to 90 percent",
        "set_brightness",
        {"domain": "light", "plural": True, "brightness": 90},
    ),
    # set_color
    ("set the kitchen lights to green", "set_color", {"area": "kitchen", "domain": "light", "color": GREEN}),
    ("make the desk lamp red", "set_color", {"name": ("desk_lamp",), "color": RED}),
    ("turn the kitchen light warm white", "set_color", {"name": ("kitchen_light",), "color": WARM_WHITE}),
    ("set the color of the desk lamp to red", "set_color", {"name": ("desk_lamp",), "color": RED}),
    ("set the lights to red", "set_color", {"domain": "light", "plural": True, "color": RED}),
    # set_temperature
    ("set the thermostat to 21 degrees", "set_temperature", {"name": ("thermostat",), "temperature": 21}),
    ("set the thermostat to 21", "set_temperature", {"name": ("thermostat",), "temperature": 21}),
    ("set the ecobee to 21.5", "set_temperature", {"name": ("thermostat",), "temperature": 21.5}),
    ("set the thermostat to 21.5°C", "set_temperature", {"name": ("thermostat",), "temperature": 21.5}),
    (
        "set the living room temperature to twenty one",
        "set_temperature",
        {"area": "living_room", "temperature": 21},
    ),
    (
        "set the temperature in the bedroom to twenty one point five degrees",
        "set_temperature",
        {"area": "bedroom", "temperature": 21.5},
    ),
    ("make it 21 degrees in the bedroom", "set_temperature", {"area": "bedroom", "temperature": 21}),
    ("make it 19 degrees", "set_temperature", {"domain": "climate", "plural": True, "temperature": 19}),
    ("set the heating to 20", "set_temperature", {"domain": "climate", "plural": True, "temperature": 20}),
    (
        "set the thermostats to 20",
        "set_temperature",
        {"domain": "climate", "plural": True, "temperature": 20},
    ),
    # get_temperature / get_humidity
    ("what's the temperature in the kitchen", "get_temperature", {"area": "kitchen"}),
    ("what is the temperature", "get_temperature", {}),
    ("whats the temperature", "get_temperature", {}),
    ("how warm is it in the bedroom", "get_temperature", {"area": "bedroom"}),
    ("how cold is the garage", "get_temperature", {"area": "garage"}),
    ("what's the temperature of the ecobee", "get_temperature", {"name": ("thermostat",)}),
    ("what's the living room temperature", "get_temperature", {"area": "living_room"}),
    ("what is the thermostat set to", "get_temperature", {"name": ("thermostat",), "setpoint": True}),
    ("what's the humidity in the bathroom", "get_humidity", {"area": "bathroom"}),
    ("how humid is it", "get_humidity", {}),
    ("what is the bathroom humidity", "get_humidity", {"area": "bathroom"}),
    # covers
    ("open the garage door", "open_cover", {"name": ("garage_door",)}),
    ("raise the living room blinds", "open_cover", {"name": ("living_blinds",)}),
    ("open the blinds", "open_cover", {"domain": "cover", "plural": True}),
    ("open all of the shutters", "open_cover", {"all": True, "domain": "cover"}),
    ("close the blinds in the bedroom", "close_cover", {"area": "bedroom", "domain": "cover"}),
    ("shut the garage door", "close_cover", {"name": ("garage_door",)}),
    ("lower the bedroom blinds", "close_cover", {"name": ("bedroom_blinds",)}),
    (
        "open the living room blinds to 40 percent",
        "set_position",
        {"name": ("living_blinds",), "position": 40},
    ),
    (
        "set the bedroom blinds to forty percent",
        "set_position",
        {"name": ("bedroom_blinds",), "position": 40},
    ),
    ("set the blinds to 40 percent", "set_position", {"domain": "cover", "plural": True, "position": 40}),
    ("set all the blinds to 40 percent", "set_position", {"all": True, "domain": "cover", "position": 40}),
    (
        "set the kitchen speakers to 20",
        "set_volume",
        {"area": "kitchen", "domain": "media_player", "volume": 20},
    ),
    ("set the speakers to 20", "set_volume", {"domain": "media_player", "plural": True, "volume": 20}),
    ("set the garage door position to 10", "set_position", {"name": ("garage_door",), "position": 10}),
    # locks
    ("lock the front door", "lock", {"name": ("front_door",)}),
    ("unlock the front door", "unlock", {"name": ("front_door",)}),
    ("lock the door", "lock", {"domain": "lock"}),
    ("lock all the doors", "lock", {"domain": "lock", "all": True}),
    ("unlock the doors", "unlock", {"domain": "lock", "plural": True}),
    # fans
    ("set the bedroom fan to high", "set_fan_speed", {"name": ("bedroom_fan",), "speed": "high"}),
    ("fan speed medium", "set_fan_speed", {"domain": "fan", "speed": "medium"}),
    ("set the fan speed to low", "set_fan_speed", {"domain": "fan", "speed": "low"}),
    ("turn the bedroom fan on max", "set_fan_speed", {"name": ("bedroom_fan",), "speed": "high"}),
    # media
    ("pause the tv", "media_pause", {"name": ("tv",)}),
    ("pause", "media_pause", PLAYERS),
    ("pause the music in the kitchen", "media_pause", {"area": "kitchen"}),
    ("stop the music", "media_pause", PLAYERS),
    ("resume", "media_play", PLAYERS),
    ("play music on the kitchen speaker", "media_play", {"name": ("kitchen_speaker",)}),
    ("resume the television", "media_play", {"name": ("tv",)}),
    ("next track on the living room speaker", "media_next", {"name": ("living_speaker",)}),
    ("skip on tv", "media_next", {"name": ("tv",)}),
    ("next", "media_next", PLAYERS),
    ("skip this song", "media_next", PLAYERS),
    ("previous track", "media_previous", PLAYERS),
    ("go back on the tv", "media_previous", {"name": ("tv",)}),
    ("set the tv volume to 30", "set_volume", {"name": ("tv",), "volume": 30}),
    (
        "set the volume of the kitchen speaker to 25 percent",
        "set_volume",
        {"name": ("kitchen_speaker",), "volume": 25},
    ),
    ("set the tv to 30 percent", "set_volume", {"name": ("tv",), "volume": 30}),
    ("set the volume to thirty percent", "set_volume", {**PLAYERS, "volume": 30}),
    ("volume 40", "set_volume", {**PLAYERS, "volume": 40}),
    # get_state
    ("is the garage door open?", "get_state", {"name": ("garage_door",), "state": "open"}),
    ("is the front door locked", "get_state", {"name": ("front_door",), "state": "locked"}),
    ("is the kitchen light on", "get_state", {"name": ("kitchen_light",), "state": "on"}),
    ("is the tv still playing", "get_state", {"name": ("tv",), "state": "playing"}),
    ("are the lights on in the kitchen", "get_state", {"area": "kitchen", "domain": "light", "state": "on"}),
    ("are the kitchen lights off", "get_state", {"area": "kitchen", "domain": "light", "state": "off"}),
    ("are the blinds closed", "get_state", {"domain": "cover", "plural": True, "state": "closed"}),
    # time, date, nevermind
    ("what time is it", "get_time", {}),
    ("what's the time", "get_time", {}),
    ("what's the date", "get_date", {}),
    ("whats the date today", "get_date", {}),
    ("what day is it", "get_date", {}),
    ("never mind", "nevermind", {}),
    ("nevermind", "nevermind", {}),
    ("cancel", "nevermind", {}),
    ("forget it", "nevermind", {}),
    ("Hey Hearth, can you turn on the kitchen light? Thanks", "turn_on", {"name": ("kitchen_light",)}),
]


def values(match: IntentMatch) -> dict[str, Any]:
    return {name: slot.value for name, slot in match.slots.items()}


@pytest.mark.parametrize(("text", "intent", "slots"), CASES)
def test_builtin_intents(
    recognizer: TemplateRecognizer, text: str, intent: str, slots: dict[str, Any]
) -> None:
    match = recognizer.recognize(text)
    assert match is not None, text
    assert (match.intent, values(match)) == (intent, slots)
    assert match.source == "template"
    assert match.confidence == 1.0
    assert match.text == text


def test_every_builtin_intent_is_covered(data: IntentData) -> None:
    assert {intent for _, intent, _ in CASES} == set(data.intents)


@pytest.mark.parametrize(
    "text",
    [
        "what's the meaning of life",
        "",
        "please",
        "turn on",
        "turn on the",
        "turn on the kitchen light strip thing",
        "turn on the dishwasher",
        "set the kitchen light to 150 percent",
        "set the thermostat to 21.37 degrees",
        "set the thermostat to 70 degrees fahrenheit",
        "set a timer",
        "play the beatles",
        "light light light light light light light light",
    ],
)
def test_no_match(recognizer: TemplateRecognizer, text: str) -> None:
    assert recognizer.recognize(text) is None


def test_slot_text_is_what_was_said(recognizer: TemplateRecognizer) -> None:
    match = recognizer.recognize("set the Living Room temperature to twenty-one point five")
    assert match is not None
    assert match.slots["area"].text == "living room"
    assert match.slots["temperature"].text == "twenty one point five"
    assert match.slots["temperature"].value == 21.5
    lights = recognizer.recognize("turn off all the lights")
    assert lights is not None
    assert lights.slots["domain"].text == "lights"
    fixed = recognizer.recognize("pause")
    assert fixed is not None and fixed.slots["domain"].text == ""


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("turn on the kitchen light", ("kitchen_light",)),
        ("turn on the kitchen light strip", ("kitchen_strip",)),
        ("turn the kitchen light strip on", ("kitchen_strip",)),
        ("is the kitchen light strip on", ("kitchen_strip",)),
    ],
)
def test_overlapping_names_longest_complete_parse_wins(
    recognizer: TemplateRecognizer, text: str, ids: tuple[str, ...]
) -> None:
    match = recognizer.recognize(text)
    assert match is not None and match.slots["name"].value == ids


def test_shared_name_yields_every_id(recognizer: TemplateRecognizer) -> None:
    match = recognizer.recognize("turn on the ceiling light")
    assert match is not None
    assert match.slots["name"].value == ("living_ceiling", "bedroom_ceiling", "office_ceiling")


def test_area_before_a_shared_name(recognizer: TemplateRecognizer) -> None:
    match = recognizer.recognize("turn on the bedroom lamp")
    assert match is not None
    assert values(match) == {"area": "bedroom", "name": ("living_lamp", "bedroom_lamp")}


def test_name_beats_area_and_type(recognizer: TemplateRecognizer) -> None:
    # "kitchen light" is a device name, but also the area "kitchen" + the type word "light".
    match = recognizer.recognize("turn off the kitchen light")
    assert match is not None and values(match) == {"name": ("kitchen_light",)}


def test_type_restriction_picks_the_intent_from_the_device() -> None:
    entities = [
        EntityName("blind", ("Window",), "cover", "kitchen"),
        EntityName("bulb", ("Bulb",), "light", "kitchen"),
        EntityName("radio", ("Radio",), "media_player", "kitchen"),
        EntityName("plug", ("Plug",), "switch", "kitchen"),
    ]
    recognizer = recognizer_for(entities)
    expected = {
        "window": "set_position",
        "bulb": "set_brightness",
        "radio": "set_volume",
        "plug": "set_brightness",
    }
    for name, intent in expected.items():
        match = recognizer.recognize(f"set the {name} to 40 percent")
        assert match is not None and match.intent == intent, name


def recognizer_for(entities: list[EntityName]) -> TemplateRecognizer:
    return TemplateRecognizer(merge(load_builtin("en")), entities, AREAS)


def test_restriction_narrows_a_shared_name() -> None:
    entities = [
        EntityName("kitchen_radio", ("Kitchen",), "media_player", "kitchen"),
        EntityName("kitchen_bulb", ("Kitchen",), "light", "kitchen"),
    ]
    match = recognizer_for(entities).recognize("set kitchen to 30 percent")
    assert match is not None
    assert (match.intent, match.slots["name"].value) == ("set_volume", ("kitchen_radio",))


def test_names_with_punctuation_and_case(data: IntentData) -> None:
    entities = [
        EntityName("kids", ("Kids' Night-Light",), "light", None),
        EntityName("cafe", ("Café Lamp",), "light", None),
    ]
    recognizer = TemplateRecognizer(data, entities, AREAS)
    kids = recognizer.recognize("turn on the kids night light")
    cafe = recognizer.recognize("turn on the cafe lamp")
    assert kids is not None and kids.slots["name"].value == ("kids",)
    assert cafe is not None and cafe.slots["name"].value == ("cafe",)


def test_no_devices_still_understands_area_and_type(data: IntentData) -> None:
    recognizer = TemplateRecognizer(data, [], AREAS)
    match = recognizer.recognize("turn off the lights in the garage")
    assert match is not None and values(match) == {"domain": "light", "area": "garage"}


def test_large_synthetic_home(data: IntentData) -> None:
    entities, areas = synthetic_home(5000)
    recognizer = TemplateRecognizer(data, entities, areas)
    device = entities[4321]
    on = recognizer.recognize(f"turn on the {device.names[0]}")
    assert on is not None and (on.intent, on.slots["name"].value) == ("turn_on", (device.id,))
    state = recognizer.recognize(f"is the {device.names[0]} off")
    assert state is not None and state.intent == "get_state" and state.slots["name"].value == (device.id,)
    area = areas[7]
    lights = recognizer.recognize(f"turn off the lights in the {area.names[0]}")
    assert lights is not None and values(lights) == {"domain": "light", "area": area.id}
    assert recognizer.recognize("what's the meaning of life") is None


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("Lamp 2", "turn on lamp two"),
        ("Lamp 2", "turn on the lamp 2"),
        ("Bedroom Two", "turn on the bedroom 2"),
        ("The Big Lamp", "turn on the big lamp"),
        ("The Big Lamp", "turn on big lamp"),
    ],
)
def test_names_said_differently(data: IntentData, name: str, said: str) -> None:
    recognizer = TemplateRecognizer(data, [EntityName("x", (name,), "light", None)], [])
    match = recognizer.recognize(said)
    assert match is not None and match.slots["name"].value == ("x",)


def test_spoken_variants() -> None:
    assert spoken_variants("Lamp 2") == [("lamp", "2"), ("lamp", "two")]
    assert spoken_variants("The Lamp") == [("the", "lamp"), ("lamp",)]
    assert spoken_variants("?!") == []
    assert len(spoken_variants("1 2 3 4 5 6")) <= 2 * MAX_VARIANTS
