"""Resolving recognised targets to device ids: names, areas, types, the client's room; never guessing."""

from __future__ import annotations

import pytest

from intents.model import EntityName, IntentMatch, SlotValue
from intents.recognizer import TemplateRecognizer, load_builtin, merge
from intents.targets import EntityIndex, Targets, resolve_targets

from .conftest import AREAS, ENTITIES

INDEX = EntityIndex(ENTITIES)


def resolve(
    recognizer: TemplateRecognizer,
    text: str,
    client_area: str | None,
    entities: list[EntityName] | None = None,
    **kwargs: object,
) -> Targets:
    match = recognizer.recognize(text)
    assert match is not None, text
    index = INDEX if entities is None else EntityIndex(entities)
    return resolve_targets(match, index, client_area, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "client_area", "ids"),
    [
        ("turn on the kitchen light", None, ("kitchen_light",)),
        ("turn on the kitchen light", "bedroom", ("kitchen_light",)),
        ("turn off the lights in the kitchen", None, ("kitchen_light", "kitchen_strip")),
        ("turn off the kitchen lights", "office", ("kitchen_light", "kitchen_strip")),
        ("turn off the kitchen light", None, ("kitchen_light",)),
        ("turn off all the lights in the office", None, ("office_ceiling", "desk_lamp")),
        (
            "turn off all the lights",
            None,
            (
                "kitchen_light",
                "kitchen_strip",
                "living_ceiling",
                "bedroom_ceiling",
                "office_ceiling",
                "living_lamp",
                "bedroom_lamp",
                "desk_lamp",
            ),
        ),
        ("turn on the lights", "living_room", ("living_ceiling", "living_lamp")),
        ("turn on the fan", "bedroom", ("bedroom_fan",)),
        ("turn on the light", "hall", None),
        # a shared name is narrowed by the area said, then by the client's area
        ("turn on the ceiling light in the office", None, ("office_ceiling",)),
        ("turn on the bedroom ceiling light", "kitchen", ("bedroom_ceiling",)),
        ("turn on the ceiling light", "bedroom", ("bedroom_ceiling",)),
        ("turn on the lamp", "living_room", ("living_lamp",)),
        ("pause", "living_room", ("tv", "living_speaker")),
        ("pause", "kitchen", ("kitchen_speaker",)),
        (
            "what's the temperature in the living room",
            None,
            ("living_ceiling", "living_lamp", "living_blinds", "thermostat", "tv", "living_speaker"),
        ),
    ],
)
def test_resolves(
    recognizer: TemplateRecognizer, text: str, client_area: str | None, ids: tuple[str, ...] | None
) -> None:
    targets = resolve(recognizer, text, client_area)
    if ids is None:
        assert targets.problem == "no-device"
        assert targets.ids == ()
    else:
        assert (targets.problem, targets.ids) == (None, ids)


def test_shared_name_without_any_area_is_ambiguous(recognizer: TemplateRecognizer) -> None:
    targets = resolve(recognizer, "turn on the ceiling light", None)
    assert targets == Targets(
        problem="ambiguous",
        candidates=("living_ceiling", "bedroom_ceiling", "office_ceiling"),
        what="the ceiling light",
    )


def test_shared_name_outside_the_client_area_stays_ambiguous(recognizer: TemplateRecognizer) -> None:
    targets = resolve(recognizer, "turn on the lamp", "kitchen")
    assert targets.problem == "ambiguous"
    assert targets.candidates == ("living_lamp", "bedroom_lamp")


def test_name_in_the_wrong_area(recognizer: TemplateRecognizer) -> None:
    targets = resolve(recognizer, "turn on the desk lamp in the kitchen", None)
    assert targets == Targets(problem="no-device", what="the desk lamp in the kitchen")


def test_singular_type_with_several_in_the_room_is_ambiguous(recognizer: TemplateRecognizer) -> None:
    targets = resolve(recognizer, "turn on the light", "kitchen")
    assert targets.problem == "ambiguous"
    assert targets.candidates == ("kitchen_light", "kitchen_strip")


def test_a_specific_type_word_picks_the_device_called_so_in_the_room() -> None:
    """In a room with a lamp and a ceiling light, "the lamp" is the lamp; "the light" is still asked about."""
    entities = [
        EntityName("lounge_lamp", ("Living Room Lamp",), "light", "living_room"),
        EntityName("lounge_ceiling", ("Living Room Ceiling Light",), "light", "living_room"),
    ]
    recognizer = TemplateRecognizer(merge(load_builtin("en")), [], AREAS)  # "lamp" is only a type word
    assert resolve(recognizer, "switch the lamp on", "living_room", entities=entities).ids == ("lounge_lamp",)
    assert resolve(recognizer, "turn on the light", "living_room", entities=entities).problem == "ambiguous"


def test_plural_type_means_all_of_them_in_the_room(recognizer: TemplateRecognizer) -> None:
    assert resolve(recognizer, "turn on the lights", "kitchen").ids == ("kitchen_light", "kitchen_strip")


@pytest.mark.parametrize(
    "text", ["turn on the light", "turn on the lights", "pause", "what's the temperature"]
)
def test_type_alone_without_a_client_area_needs_one(recognizer: TemplateRecognizer, text: str) -> None:
    assert resolve(recognizer, text, None).problem == "need-area"


def test_area_and_type_with_nothing_there(recognizer: TemplateRecognizer) -> None:
    targets = resolve(recognizer, "turn off the lights in the garage", "kitchen")
    assert targets == Targets(problem="no-device", what="the lights in the garage")


def test_types_narrow_area_only_and_shared_names() -> None:
    area_only = IntentMatch("get_temperature", {"area": SlotValue("living_room", "living room")})
    thermo = resolve_targets(area_only, INDEX, None, types={"climate", "sensor"})
    assert thermo.ids == ("thermostat",)
    nothing = IntentMatch("media_pause", {})
    assert resolve_targets(nothing, INDEX, "living_room", types={"media_player"}).ids == (
        "tv",
        "living_speaker",
    )
    assert resolve_targets(nothing, INDEX, "garage", types={"media_player"}).problem == "no-device"


def test_accepts_a_plain_sequence_of_entities(recognizer: TemplateRecognizer) -> None:
    match = recognizer.recognize("turn on the kitchen lights")
    assert match is not None
    assert resolve_targets(match, ENTITIES, None).ids == ("kitchen_light", "kitchen_strip")


def test_fixed_domain_reads_well_in_messages() -> None:
    match = IntentMatch(
        "media_pause", {"domain": SlotValue("media_player", ""), "plural": SlotValue(True, "")}
    )
    assert resolve_targets(match, INDEX, "garage").what == "media player here"


def test_index_lookups() -> None:
    assert INDEX.name_of("tv") == "TV"
    assert INDEX.name_of("nope") == "nope"
    assert INDEX.area_of("tv") == "living_room"
    assert INDEX.type_of("tv") == "media_player"
    assert INDEX.of_type("cover", anywhere=True) == ("garage_door", "living_blinds", "bedroom_blinds")
    assert INDEX.in_area("garage") == ("garage_door",)
