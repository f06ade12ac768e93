"""Recall without wrong actions: partial names, synonyms, value multi-commands, remarks around a command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intents.classifier import load_or_train
from intents.classify import ClassifierLayer
from intents.linker import EntityLinker
from intents.model import AreaName, EntityName, IntentMatch
from intents.numbers import parse_number
from intents.partial import partial_names
from intents.recognizer import IntentData, TemplateRecognizer
from intents.targets import EntityIndex, resolve_targets
from intents.understand import Understander
from intents.vocabulary import template_words

AREAS = [
    AreaName("kitchen", ("kitchen",)),
    AreaName("living_room", ("living room", "lounge")),
    AreaName("bedroom", ("bedroom",)),
    AreaName("office", ("office",)),
    AreaName("garage", ("garage",)),
    AreaName("hallway", ("hallway",)),
]
ENTITIES = [
    EntityName("kitchen_light", ("kitchen light", "kitchen ceiling light"), "light", "kitchen"),
    EntityName("kitchen_strip", ("kitchen light strip",), "light", "kitchen"),
    EntityName("living_ceiling", ("living room ceiling light",), "light", "living_room"),
    EntityName("living_lamp", ("living room lamp",), "light", "living_room"),
    EntityName("bedroom_light", ("bedroom light",), "light", "bedroom"),
    EntityName("bedroom_fan", ("bedroom fan", "ceiling fan"), "fan", "bedroom"),
    EntityName("living_thermostat", ("living room thermostat",), "climate", "living_room"),
    EntityName("bedroom_thermostat", ("bedroom thermostat",), "climate", "bedroom"),
    EntityName("tv", ("tv",), "media_player", "living_room"),
    EntityName("speaker", ("office speaker",), "media_player", "office"),
    EntityName("office_sensor", ("office sensor",), "sensor", "office"),
    EntityName("garage_door", ("garage door",), "cover", "garage"),
    EntityName("front_door", ("front door",), "lock", "hallway"),
]


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    classifier, _trained = load_or_train(data, model_cache)
    linker = EntityLinker(ENTITIES, AREAS, vocabulary=template_words(data))
    layer = ClassifierLayer(classifier, linker, data, EntityIndex(ENTITIES))
    return Understander(data, ENTITIES, AREAS, classifier=layer)


def commands(understander: Understander, text: str, area: str | None = None) -> list[tuple[Any, ...]]:
    """(intent, device ids or problem, value) per command understood."""
    found = understander.understand(text, (), area)
    return [(m.intent, _targets(m, area), _value(m)) for m in found.matches]


MEASURES = frozenset({"climate", "sensor"})


def _targets(match: IntentMatch, area: str | None) -> Any:
    types = MEASURES if match.intent in ("get_temperature", "get_humidity") else None
    targets = resolve_targets(match, ENTITIES, area, types=types)
    return targets.problem or targets.ids


def _value(match: IntentMatch) -> Any:
    for slot in ("brightness", "temperature", "color", "speed", "volume", "position"):
        if slot in match.slots:
            value = match.slots[slot].value
            return value["name"] if isinstance(value, dict) else value
    return None


# ---- partial names -------------------------------------------------------------------------------


def test_partial_names_keep_a_distinctive_word(data: IntentData) -> None:
    partial = partial_names(ENTITIES, AREAS, template_words(data))
    assert partial[("strip",)] == ("kitchen_strip",)
    assert partial[("light", "strip")] == ("kitchen_strip",)
    assert partial[("ceiling", "light")] == ("kitchen_light", "living_ceiling")
    assert set(partial[("ceiling",)]) == {"kitchen_light", "living_ceiling", "bedroom_fan"}
    assert ("light",) not in partial  # a type word alone means the room's devices, as before
    assert ("door",) not in partial  # a command word ("lock the door") is no name's own
    assert ("kitchen", "light") not in partial  # a real name is never shadowed


def test_synonyms_are_names_too(data: IntentData) -> None:
    partial = partial_names(ENTITIES, AREAS, template_words(data))
    assert partial[("telly",)] == ("tv",)
    assert partial[("big", "light")] == ("kitchen_light", "living_ceiling")


def test_recognizer_narrows_a_partial_name_by_the_room(data: IntentData) -> None:
    recognizer = TemplateRecognizer(data, ENTITIES, AREAS)
    match = recognizer.recognize("turn the ceiling light off in the living room")
    assert match is not None and match.intent == "turn_off"
    assert resolve_targets(match, ENTITIES, None).ids == ("living_ceiling",)
    strip = recognizer.recognize("turn on the strip")
    assert strip is not None and resolve_targets(strip, ENTITIES, None).ids == ("kitchen_strip",)


def test_recognizer_can_leave_partial_names_out(data: IntentData) -> None:
    assert TemplateRecognizer(data, ENTITIES, AREAS, partial=False).recognize("turn on the strip") is None


def test_partial_name_shared_by_rooms_asks_without_one(understander: Understander) -> None:
    assert commands(understander, "turn on the ceiling light") == [("turn_on", "ambiguous", None)]
    assert commands(understander, "turn on the ceiling light", "living_room") == [
        ("turn_on", ("living_ceiling",), None)
    ]


def test_linker_matches_partial_names_only_as_said(data: IntentData) -> None:
    linker = EntityLinker(ENTITIES, AREAS, vocabulary=template_words(data))
    assert [m.ids for m in linker.link(["turn", "on", "the", "strip"]).mentions] == [("kitchen_strip",)]
    assert linker.link(["turn", "on", "the", "strp"]).mentions == ()  # a typo in a partial name: no guess


def test_linker_without_vocabulary_has_no_partial_names() -> None:
    assert EntityLinker(ENTITIES, AREAS).link(["the", "strip"]).mentions == ()


# ---- value multi-commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "set the kitchen light to red and the bedroom light to blue",
            [("set_color", ("kitchen_light",), "red"), ("set_color", ("bedroom_light",), "blue")],
        ),
        (
            "turn the kitchen light red and the strip blue",
            [("set_color", ("kitchen_light",), "red"), ("set_color", ("kitchen_strip",), "blue")],
        ),
        (
            "make the living room 21 degrees and the bedroom 18",
            [
                ("set_temperature", ("living_thermostat",), 21),
                ("set_temperature", ("bedroom_thermostat",), 18),
            ],
        ),
        (
            "set the living room to 21 degrees and the bedroom to 18",
            [
                ("set_temperature", ("living_thermostat",), 21),
                ("set_temperature", ("bedroom_thermostat",), 18),
            ],
        ),
    ],
)
def test_value_multi_commands_share_the_frame(
    understander: Understander, text: str, expected: list[tuple[Any, ...]]
) -> None:
    assert commands(understander, text) == expected


def test_readings_asked_together_share_the_room(understander: Understander) -> None:
    found = commands(understander, "what's the temperature and humidity in the office")
    assert [(intent, area) for intent, area, _v in found] == [
        ("get_temperature", ("office_sensor",)),
        ("get_humidity", ("office_sensor",)),
    ]


def test_half_numbers_stay_one_number(understander: Understander) -> None:
    assert parse_number(["twenty", "one", "and", "a", "half"], 0) == (21.5, 5)
    assert commands(understander, "set the bedroom thermostat to twenty and a half") == [
        ("set_temperature", ("bedroom_thermostat",), 20.5)
    ]


def test_a_number_said_picks_the_setting_by_device_type(understander: Understander) -> None:
    assert commands(understander, "bump the living room thermostat up to 24") == [
        ("set_temperature", ("living_thermostat",), 24)
    ]
    assert commands(understander, "turn the tv down to 10") == [("set_volume", ("tv",), 10)]


# ---- remarks around one command ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ceiling fan on, it's stuffy", ("turn_on", ("bedroom_fan",), None)),
        ("the lamp in the living room, switch it on", ("turn_on", ("living_lamp",), None)),
        ("the office speaker is too loud, turn it down", ("volume_down", ("speaker",), None)),
        ("too loud! turn the tv down", ("volume_down", ("tv",), None)),
    ],
)
def test_one_command_with_remarks(understander: Understander, text: str, expected: tuple[Any, ...]) -> None:
    assert commands(understander, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "turn off the tv, not the speaker",
        "turn off the tv and not the speaker",
        "turn on the kitchen light, the bedroom one",
        "the tv, the office speaker, turn it off",
    ],
)
def test_remarks_that_change_the_command_stop_it(understander: Understander, text: str) -> None:
    found = understander.understand(text)
    acting = [m for m in found.matches if m.intent in ("turn_on", "turn_off")]
    assert acting == [] or found.question is not None


def test_a_device_taken_back_is_not_touched_and_the_one_said_anew_is(understander: Understander) -> None:
    found = understander.understand("turn on the kitchen light, no wait, the bedroom light")
    named = [(m.intent, tuple(m.slots["name"].value)) for m in found.matches]
    assert named == [("turn_on", ("bedroom_light",))]


def test_speller_keeps_numbers_and_negations(understander: Understander) -> None:
    corrected = understander.speller.correct(["set", "a", "ten", "minute", "timer", "not"])
    assert corrected.changes == ()


# ---- follow-ups with values ----------------------------------------------------------------------


def test_pronoun_after_a_type_only_part_means_that_type(understander: Understander) -> None:
    found = understander.understand("skip this track and turn it up to 50", (), "office")
    assert [(m.intent, _targets(m, "office")) for m in found.matches] == [
        ("media_next", ("speaker",)),
        ("set_volume", ("speaker",)),
    ]


# ---- the weather "it" and question homophones -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("make it 20 degrees in here", "set_temperature"),
        ("make it twenty degrees", "set_temperature"),
        ("make it a bit warmer", "temperature_up"),
    ],
)
def test_temperature_it_is_the_room_without_context(
    understander: Understander, text: str, intent: str
) -> None:
    """Nothing was talked about before: "it" is the room, whose thermostat acts."""
    assert [c[:2] for c in commands(understander, text, "bedroom")] == [(intent, ("bedroom_thermostat",))]


def test_temperature_it_without_a_room_asks(understander: Understander) -> None:
    assert [c[:2] for c in commands(understander, "make it 20 degrees")] == [("set_temperature", "need-area")]


def test_a_device_it_still_needs_context(understander: Understander) -> None:
    """Only temperature talk has the weather "it": "turn it off" with nothing before is still a question."""
    assert understander.understand("turn it off", (), "bedroom").question == "no-context"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is the garage door close", [("get_state", ("garage_door",), None)]),
        ("garage door close", [("close_cover", ("garage_door",), None)]),  # an order stays an order
        ("set the bedroom light two 40 percent", [("set_brightness", ("bedroom_light",), 40)]),
    ],
)
def test_homophones_of_questions_and_to(understander: Understander, text: str, expected: list[Any]) -> None:
    assert commands(understander, text) == expected


def test_a_number_two_stays_a_number(understander: Understander) -> None:
    (timer,) = understander.understand("set a timer for two minutes").matches
    assert timer.slots["duration"].value == 120


def test_a_shared_name_takes_the_room_of_the_device_named_before(understander: Understander) -> None:
    """Of the ceiling lights (the kitchen's is called one too), the living room's: that room was named."""
    assert commands(understander, "turn off the living room lamp and ceiling light") == [
        ("turn_off", ("living_lamp",), None),
        ("turn_off", ("living_ceiling",), None),
    ]


def test_a_shared_name_that_would_repeat_the_device_named_before_is_asked_about(
    understander: Understander,
) -> None:
    found = commands(understander, "turn on the kitchen light and the ceiling light")
    assert found[0] == ("turn_on", ("kitchen_light",), None)
    assert found[1][1] == "ambiguous"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "set the living room lamp and the bedroom light to 50 percent",
            [("set_brightness", ("living_lamp",), 50), ("set_brightness", ("bedroom_light",), 50)],
        ),
        (  # the first is set to 20 percent too, not merely dimmed a step
            "dim the kitchen light and the living room lamp to 20 percent",
            [("set_brightness", ("kitchen_light",), 20), ("set_brightness", ("living_lamp",), 20)],
        ),
        (
            "set the kitchen light and the bedroom light to blue",
            [("set_color", ("kitchen_light",), "blue"), ("set_color", ("bedroom_light",), "blue")],
        ),
        (  # each its own value: nothing shared
            "set the kitchen light to 50 percent and the bedroom light to 20 percent",
            [("set_brightness", ("kitchen_light",), 50), ("set_brightness", ("bedroom_light",), 20)],
        ),
    ],
)
def test_a_value_said_once_at_the_end_goes_with_every_target(
    understander: Understander, text: str, expected: list[Any]
) -> None:
    assert commands(understander, text) == expected
