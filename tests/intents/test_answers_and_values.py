"""Targets said loosely, answers to a question, values and verbs said after a target: each understood by a
general rule, and what could only be guessed ("the light" in a room with two, a number that is a noun, a
device of the wrong kind) still asks back or does nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.classify import _abstract_numbers
from intents.idioms import rephrase
from intents.model import EntityName, IntentMatch, SlotValue
from intents.normalize import tokenize
from intents.recognizer import IntentData
from intents.speller import SpellCorrector
from intents.targets import AMBIGUOUS, NEED_AREA, EntityIndex, resolve_targets
from intents.understand import Understander, _without_reasons

from .small_home import SmallHome
from .test_safety import AREAS, ENTITIES, TYPES

HOME = [
    *ENTITIES,
    EntityName("living_blinds", ("living room blinds",), "cover", "living_room"),
    EntityName("garage_light", ("garage light",), "light", "garage"),
    # An alias that names the type, on one of two thermostats: "the heating" is still either of them.
    EntityName("office_thermostat", ("office thermostat", "office heating"), "climate", "office"),
]
INDEX = EntityIndex(HOME)
MORE_TYPES = {
    **TYPES,
    "brightness_up": frozenset({"light"}),
    "brightness_down": frozenset({"light"}),
    "set_brightness": frozenset({"light"}),
    "set_color": frozenset({"light"}),
    "set_volume": frozenset({"media_player"}),
}


SMALL = SmallHome(HOME, AREAS, MORE_TYPES)
actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


def _domain(word: str, device_type: str, area: str | None = None) -> IntentMatch:
    slots = {"domain": SlotValue(device_type, word)}
    if area is not None:
        slots["area"] = SlotValue(area, area.replace("_", " "))
    return IntentMatch("turn_on", slots)


# ---- "the light" of a room with two: ask, whether the room is said or is the speaker's ----------------


def test_the_types_own_word_in_a_room_with_two_asks() -> None:
    said = resolve_targets(_domain("light", "light", "living_room"), INDEX, None)
    here = resolve_targets(_domain("light", "light"), INDEX, "living_room")
    assert said.problem == here.problem == AMBIGUOUS
    assert set(said.candidates) == {"living_ceiling", "living_lamp"}
    # A word only one of them is called by picks it, said or here.
    assert resolve_targets(_domain("lamp", "light", "living_room"), INDEX, None).ids == ("living_lamp",)
    assert resolve_targets(_domain("lamp", "light"), INDEX, "living_room").ids == ("living_lamp",)


@pytest.mark.parametrize(
    "text",
    ["dim the living room light", "could you turn on the light in the living room", "lounge light off"],
)
def test_the_light_of_a_room_with_two_is_never_guessed(understander: Understander, text: str) -> None:
    found = understander.understand(text, ())
    assert all(problem == AMBIGUOUS for _intent, problem in actions(found))


def test_a_kind_only_one_device_is_named_for_needs_no_room() -> None:
    assert resolve_targets(_domain("lamp", "light"), INDEX, None).ids == ("living_lamp",)
    two_lamps = EntityIndex([*HOME, EntityName("desk_lamp", ("desk lamp",), "light", "office")])
    assert resolve_targets(_domain("lamp", "light"), two_lamps, None).problem == NEED_AREA
    # The type's own word, a plural, or a word only an alias holds still need the room.
    assert resolve_targets(_domain("light", "light"), INDEX, None).problem == NEED_AREA
    assert resolve_targets(_domain("lamps", "light"), INDEX, None).problem == NEED_AREA
    assert resolve_targets(_domain("heating", "climate"), INDEX, None).problem == NEED_AREA


def test_a_room_said_before_is_not_kept_for_a_kind_it_does_not_have(understander: Understander) -> None:
    found = understander.understand("set the kitchen light to 60 percent and the lamp to 20 percent", ())
    assert actions(found) == [("set_brightness", ("kitchen_light",)), ("set_brightness", ("living_lamp",))]
    assert [m.slots["brightness"].value for m in found.matches] == [60, 20]
    kept = understander.understand("dim the bedroom light to 10 percent and close the blinds", ())
    assert actions(kept) == [("set_brightness", ("bedroom_light",)), ("close_cover", ("bedroom_blinds",))]


# ---- "one" as a noun, and values said after a target -----------------------------------------------------


def test_one_after_an_article_or_a_room_is_a_noun_not_a_number() -> None:
    assert _abstract_numbers(["set", "the", "<area>", "one", "to", "19"])[1] == [19]
    assert _abstract_numbers(["make", "that", "one", "brighter"])[1] == []
    assert _abstract_numbers(["set", "it", "to", "one"])[1] == [1]
    assert _abstract_numbers(["set", "the", "<name>", "to", "one", "hundred"])[1] == [100]
    assert _abstract_numbers(["the", "one", "hundred", "percent"])[1] == [100]


def test_the_bedroom_one_takes_its_own_value(understander: Understander) -> None:
    found = understander.understand("set the living room thermostat to 21 and the bedroom one to 19", ())
    assert actions(found) == [
        ("set_temperature", ("living_thermostat",)),
        ("set_temperature", ("bedroom_thermostat",)),
    ]
    assert [m.slots["temperature"].value for m in found.matches] == [21, 19]


def test_two_numbers_for_one_setting_are_not_guessed(understander: Understander) -> None:
    found = understander.understand("put the bedroom thermostat on 19 20", ())
    assert actions(found) == []


def test_a_verb_after_each_item_stays_with_its_item(understander: Understander) -> None:
    found = understander.understand("kettle on, garage door open", ())
    assert actions(found) == [("turn_on", ("kettle",)), ("open_cover", ("garage_door",))]
    found = understander.understand("kettle on, bedroom fan off", ())
    assert actions(found) == [("turn_on", ("kettle",)), ("turn_off", ("bedroom_fan",))]
    # A part with no verb of its own still takes the one before it.
    found = understander.understand("switch on the kettle and the bedroom fan", ())
    assert actions(found) == [("turn_on", ("kettle",)), ("turn_on", ("bedroom_fan",))]


# ---- answers to a question -------------------------------------------------------------------------------


def test_a_whole_command_after_a_question_is_understood_as_said(understander: Understander) -> None:
    found = talk(understander, ["make it brighter", "brighten the kitchen light"])
    assert actions(found) == [("brightness_up", ("kitchen_light",))]


def test_naming_one_device_answers_which_room(understander: Understander) -> None:
    assert actions(talk(understander, ["pause", "the tv"])) == [("media_pause", ("tv",))]
    found = talk(understander, ["make it brighter", "the kitchen light"])
    assert actions(found) == [("brightness_up", ("kitchen_light",))]
    # A device that cannot do what was asked answers nothing.
    assert actions(talk(understander, ["make it brighter", "the kettle"])) == []


def test_naming_one_of_the_offered_devices_answers_which_one(understander: Understander) -> None:
    found = talk(understander, ["turn on the light", "the kitchen light"], area="kitchen")
    assert actions(found, "kitchen") == [("turn_on", ("kitchen_light",))]


def test_both_answers_which_room_only_with_two_of_the_kind(understander: Understander) -> None:
    found = talk(understander, ["open the blinds", "both please"])
    assert actions(found) == [("open_cover", ("bedroom_blinds", "living_blinds"))]
    # Three lights called light, or every cover: "both" of them cannot be meant.
    assert actions(talk(understander, ["close the garage door and the blinds", "both"])) == []
    assert actions(talk(understander, ["turn the fan on", "both"])) == [
        ("turn_on", ("bedroom_fan", "office_fan"))
    ]


# ---- follow-ups: a shared name, a value alone, one more step ---------------------------------------------


def test_a_shared_name_after_a_device_is_the_one_in_its_room(understander: Understander) -> None:
    found = talk(understander, ["turn on the living room lamp", "and the ceiling light"])
    assert actions(found) == [("turn_on", ("living_ceiling",))]
    # No ceiling light in the bedroom: which one is asked.
    asked = talk(understander, ["turn on the bedroom light", "and the ceiling light"])
    assert asked.question == AMBIGUOUS or all(p == AMBIGUOUS for _i, p in actions(asked))


def test_a_number_alone_repeats_the_last_setting(understander: Understander) -> None:
    found = talk(understander, ["set the tv volume to 20", "now 35"])
    assert actions(found) == [("set_volume", ("tv",))]
    assert found.matches[0].slots["volume"].value == 35
    found = talk(understander, ["set the kitchen light to 40 percent", "70"])
    assert found.matches[0].slots["brightness"].value == 70


@pytest.mark.parametrize(
    "turns",
    [
        ["turn on the kitchen light", "now 70"],  # no setting to repeat: 70 of what?
        ["switch the kettle on", "40"],
        ["set the bedroom thermostat to 20", "80"],  # no temperature
        ["now 70"],
    ],
)
def test_a_number_alone_without_a_setting_before_does_nothing(
    understander: Understander, turns: list[str]
) -> None:
    assert actions(talk(understander, turns)) == []


def test_still_more_is_one_more_step(understander: Understander) -> None:
    found = talk(understander, ["dim the kitchen light", "bit more still"])
    assert actions(found) == [("brightness_down", ("kitchen_light",))]


def test_a_kind_too_after_a_colour(understander: Understander) -> None:
    found = talk(understander, ["make the living room ceiling light red", "the lamp too"])
    assert actions(found) == [("set_color", ("living_lamp",))]
    assert found.matches[0].slots["color"].value["name"] == "red"
    assert actions(talk(understander, ["the lamp too"])) == []


# ---- courtesy, memory and slips ---------------------------------------------------------------------------


def test_did_i_remember_asks_the_state() -> None:
    assert rephrase(tokenize("did I remember to lock the front door"), ()) == tokenize(
        "did I lock the front door"
    )
    assert rephrase(tokenize("did we forget to close the blinds"), ()) == tokenize("did we close the blinds")
    # Only as a question: "remember to lock the door" is left alone (and is no order for now).
    assert rephrase(["remember", "to", "lock", "the", "door"], ()) == [
        "remember",
        "to",
        "lock",
        "the",
        "door",
    ]


def test_remembering_is_asked_never_done(understander: Understander) -> None:
    found = understander.understand("did I remember to lock the front door", ())
    assert [m.intent for m in found.matches] == ["get_state"]
    assert actions(found) == []


def test_be_a_dear_and_is_courtesy() -> None:
    assert tokenize("would you be a dear and turn the hall light off") == tokenize("turn the hall light off")
    assert tokenize("be a good lad and open the blinds") == tokenize("open the blinds")
    assert tokenize("be a dear") == ["be", "a", "dear"]
    assert tokenize("be a dear and") == ["be", "a", "dear", "and"]


def test_a_dropped_letter_beats_an_added_one() -> None:
    speller = SpellCorrector(["is", "the", "lock", "locked"], keep=["front", "door"])
    assert speller.correct(["is", "the", "front", "door", "lockd"]).tokens[-1] == "locked"
    # Opposites stay a tie: never a guess between them.
    opposites = SpellCorrector(["locked", "unlocked"])
    assert opposites.correct(["ulocked"]).tokens == ("ulocked",)


def test_a_name_word_said_in_two_is_joined() -> None:
    words = ["set", "the", "bath", "room", "fan"]
    joined = SpellCorrector(["set", "the", "bath", "room"], keep=["bathroom", "fan"], compounds=["bathroom"])
    assert joined.correct(words).tokens == ("set", "the", "bathroom", "fan")
    plain = SpellCorrector(["set", "the", "bath", "room"], keep=["bathroom", "fan"])
    assert plain.correct(words).tokens == tuple(words)


# ---- a remark on the room beside an order is its reason ----------------------------------------------------


def _part(intent: str, text: str, source: str = "classifier", **named: str) -> IntentMatch:
    slots = {k: SlotValue((v,) if k == "name" else v, v) for k, v in named.items()}
    return IntentMatch(intent, slots, text, 0.9, source)


def test_a_remark_beside_an_order_is_its_reason() -> None:
    order = _part("turn_off", "bedroom fan off", "template", name="bedroom_fan")
    remark = _part("temperature_up", "it's getting chilly")
    assert _without_reasons((order, remark)) == (order,)
    # Alone, or with a room or device of its own, or no guess of the classifier's, it is kept.
    assert _without_reasons((remark,)) == (remark,)
    in_the_office = _part("temperature_up", "it's chilly in the office", area="office")
    assert _without_reasons((order, in_the_office)) == (order, in_the_office)
    # A complaint the templates read is kept beside an order that does not answer it ...
    said = _part("temperature_up", "it's cold in here", "template")
    opened = _part("open_cover", "open the garage door", "template", name="garage_door")
    assert _without_reasons((opened, said)) == (opened, said)
    # ... and is the reason of one that does: the fan switched off because it is cold
    assert _without_reasons((order, said)) == (order,)
    warmer = _part("temperature_up", "make it warmer")
    assert _without_reasons((order, warmer)) == (order, warmer)


def test_an_order_with_a_reason_does_only_the_order(understander: Understander) -> None:
    found = understander.understand("bedroom fan off, it's getting chilly", ())
    assert actions(found) == [("turn_off", ("bedroom_fan",))]
