"""Shared fixtures: the built-in data and a small sample home."""

from __future__ import annotations

import pytest

from intents.model import AreaName, EntityName
from intents.recognizer import IntentData, TemplateRecognizer, load_builtin, merge

AREAS = [
    AreaName("kitchen", ("Kitchen",)),
    AreaName("living_room", ("Living Room", "Lounge")),
    AreaName("bedroom", ("Bedroom",)),
    AreaName("bathroom", ("Bathroom",)),
    AreaName("office", ("Office",)),
    AreaName("garage", ("Garage",)),
    AreaName("hall", ("Hall", "Hallway")),
]

ENTITIES = [
    EntityName("kitchen_light", ("Kitchen Light",), "light", "kitchen"),
    EntityName("kitchen_strip", ("Kitchen Light Strip",), "light", "kitchen"),
    EntityName("living_ceiling", ("Ceiling Light",), "light", "living_room"),
    EntityName("bedroom_ceiling", ("Ceiling Light",), "light", "bedroom"),
    EntityName("office_ceiling", ("Ceiling Light",), "light", "office"),
    EntityName("living_lamp", ("Lamp", "Reading Lamp"), "light", "living_room"),
    EntityName("bedroom_lamp", ("Lamp",), "light", "bedroom"),
    EntityName("desk_lamp", ("Desk Lamp",), "light", "office"),
    EntityName("garage_door", ("Garage Door",), "cover", "garage"),
    EntityName("living_blinds", ("Living Room Blinds",), "cover", "living_room"),
    EntityName("bedroom_blinds", ("Bedroom Blinds",), "cover", "bedroom"),
    EntityName("front_door", ("Front Door",), "lock", "hall"),
    EntityName("thermostat", ("Thermostat", "EcoBee"), "climate", "living_room"),
    EntityName("bedroom_fan", ("Bedroom Fan",), "fan", "bedroom"),
    EntityName("tv", ("TV", "Television"), "media_player", "living_room"),
    EntityName("living_speaker", ("Living Room Speaker",), "media_player", "living_room"),
    EntityName("kitchen_speaker", ("Kitchen Speaker",), "media_player", "kitchen"),
    EntityName("coffee", ("Coffee Machine",), "switch", "kitchen"),
    EntityName("bath_sensor", ("Bathroom Sensor",), "sensor", "bathroom"),
]


@pytest.fixture(scope="session")
def data() -> IntentData:
    return merge(load_builtin("en"))


@pytest.fixture(scope="session")
def recognizer(data: IntentData) -> TemplateRecognizer:
    return TemplateRecognizer(data, ENTITIES, AREAS)
