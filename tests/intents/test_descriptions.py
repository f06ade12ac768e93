"""Devices told by where they stand ("the lamp by the sofa"), comparatives said with "more"/"less", and
corrections of the last turn ("no, 20", "no no, the other way", "and once more", "only half")."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.model import AreaName, EntityName
from intents.normalize import tokenize
from intents.places import Places
from intents.recognizer import IntentData
from intents.repair import after_leading_no
from intents.understand import Understander

from .small_home import SmallHome
from .test_phrasings import HOME
from .test_safety import AREAS, TYPES

# The small home, with the kitchen's light strip also called the under cabinet lights.
PLACES_HOME = [
    EntityName("kitchen_strip", ("kitchen light strip", "under cabinet lights"), "light", "kitchen")
    if e.id == "kitchen_strip"
    else e
    for e in HOME
]
SMALL = SmallHome(PLACES_HOME, AREAS, TYPES)
actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


# ---- where a device stands -------------------------------------------------------------------------------

PLACES = Places(PLACES_HOME, AREAS)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("switch on the lamp next to the sofa", "switch on the lamp in the living room"),
        ("turn on the fan above the bed", "turn on the fan in the bedroom"),
        ("turn off the light by the front door", "turn off the light in the hallway"),
        ("the light in the corridor by the entrance", "the light in the hallway"),  # the room said twice
        ("make the lights under the cupboards purple", "make the under cabinet lights purple"),
        ("and the little ones under the kitchen cabinets", "and the little under cabinet lights"),
    ],
)
def test_a_place_is_read_as_its_room(text: str, read: str) -> None:
    assert PLACES.rewrite(text) == read


@pytest.mark.parametrize(
    "text",
    [
        "dim the lights by 20 percent",  # "by" before an amount
        "turn on the bedroom light by the sofa",  # another room said: the description decides nothing
        "turn on the light by the window",  # nothing that tells a room
        "lock the door behind me",
        "turn on the tv",
    ],
)
def test_other_words_are_left_alone(text: str) -> None:
    assert PLACES.rewrite(text) == text


def test_a_thing_that_is_part_of_a_name_stays_a_name() -> None:
    home = [
        EntityName("bed_light", ("bed light",), "light", "bedroom"),
        EntityName("sofa_lamp", ("lamp",), "light", "den"),
    ]
    areas = [AreaName("bedroom", ("bedroom",)), AreaName("den", ("den",)), AreaName("lounge", ("lounge",))]
    places = Places(home, areas)
    assert places.rewrite("turn on the bed light") == "turn on the bed light"
    # Two rooms of this home may hold a sofa (the den and the lounge): neither is chosen.
    assert places.rewrite("turn on the lamp by the sofa") == "turn on the lamp by the sofa"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("could you switch on the lamp next to the sofa", [("turn_on", ("living_lamp",))]),
        ("turn on the fan above the bed", [("turn_on", ("bedroom_fan",))]),
        ("switch off the light by the front door", [("turn_off", ("hall_light",))]),
        ("can you turn off those lights under the kitchen cupboards", [("turn_off", ("kitchen_strip",))]),
        ("turn on the light in the corridor", [("turn_on", ("hall_light",))]),
    ],
)
def test_devices_described_by_place_act(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


# ---- "more loud", "less warm" ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("the music make more loud", ["the", "music", "make", "louder"]),
        ("put the heating more warm", ["put", "the", "heating", "warmer"]),
        ("make it less bright", ["make", "it", "dimmer"]),
        ("a little less cold", ["a", "little", "warmer"]),
        ("more lights", ["more", "lights"]),
    ],
)
def test_comparatives_with_more_or_less(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_a_comparative_with_more_acts(understander: Understander) -> None:
    assert actions(understander.understand("make the tv more loud")) == [("volume_up", ("tv",))]


# ---- corrections of the last turn ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("no, 20", "20"),
        ("No no, the other way", "the other way"),
        ("nope. the bedroom one", "the bedroom one"),
        ("no turn it off", "turn it off"),  # speech-recogniser text: no comma, but an order follows
        ("no point switching the kettle on", "no point switching the kettle on"),
        ("no need", "no need"),
        ("no lights are on", "no lights are on"),
        ("no", "no"),
    ],
)
def test_a_leading_no_marks_a_correction(text: str, rest: str) -> None:
    assert after_leading_no(text, lambda word: word in ("turn", "20")) == rest


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (["set the bedroom light to 50", "no, 20"], [("set_brightness", ("bedroom_light",))]),
        (["turn on the kitchen light", "no, turn it off"], [("turn_off", ("kitchen_light",))]),
        (["open the garage door", "no no, the other way"], [("close_cover", ("garage_door",))]),
        (
            ["turn the bedroom thermostat up", "sorry, I meant the other way"],
            [("temperature_down", ("bedroom_thermostat",))],
        ),
        (["turn the tv up", "the other way round"], [("volume_down", ("tv",))]),
        (["turn up the tv", "again", "and once more"], [("volume_up", ("tv",))]),
        # "The other way" after a setting names no direction: nothing is done.
        (["set the bedroom light to 50", "the other way"], []),
        (["turn on the kitchen light", "no, don't"], []),
    ],
)  # fmt: skip
def test_corrections_of_the_last_turn(understander: Understander, turns: list[str], expected: list) -> None:
    assert actions(talk(understander, turns)) == expected


def test_a_correction_keeps_its_value(understander: Understander) -> None:
    found = talk(understander, ["set the bedroom light to 50", "no, 20"])
    assert [m.slots["brightness"].value for m in found.matches] == [20]


def test_only_half_after_opening(understander: Understander) -> None:
    found = talk(understander, ["open the bedroom blinds", "no, only half"])
    assert [(m.intent, m.slots["position"].value) for m in found.matches] == [("set_position", 50)]
    assert actions(found) == [("set_position", ("bedroom_blinds",))]


def test_a_kind_said_with_a_room_after_an_order_is_that_kind(understander: Understander) -> None:
    # "the lamp in the living room as well" after the bedroom light: the lamp, not every living-room light.
    found = talk(understander, ["set the bedroom light to 50", "the lamp in the living room as well"])
    assert actions(found) == [("set_brightness", ("living_lamp",))]


def test_leave_it_as_it_is_is_no_question(understander: Understander) -> None:
    assert understander.understand("no, leave the garage door closed").matches == ()


# ---- blind10's wrong answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("cancel the time er", ["cancel", "the", "timer"]),  # "-er" heard as the filler "er"
        ("make it bright er", ["make", "it", "brighter"]),
        ("er turn on the light", ["turn", "on", "the", "light"]),  # the filler itself still goes
    ],
)
def test_a_split_er_is_one_word(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_a_minute_and_a_half(understander: Understander) -> None:
    found = understander.understand("a minute and a half on the timer please")
    assert [(m.intent, m.slots["duration"].value) for m in found.matches] == [("start_timer", 90)]


def test_no_value_is_shared_after_also(understander: Understander) -> None:
    found = understander.understand("close the garage door. also: bedroom blinds to 60%.")
    assert [m.intent for m in found.matches] == ["close_cover", "set_position"]


def test_a_hesitation_before_no(understander: Understander) -> None:
    found = talk(understander, ["turn off the tv", "hmm no, put the tv back on"])
    assert actions(found) == [("turn_on", ("tv",))]


def test_make_it_a_number_follows_the_last_setting(understander: Understander) -> None:
    turns = ["set the tv volume to 30", "hmm, make it 20", "and the office speaker to the same"]
    found = talk(understander, turns)
    assert actions(found) == [("set_volume", ("speaker",))]
    assert [m.slots["volume"].value for m in found.matches] == [20]
    # Without a setting before it, "make it 20" is still the room's temperature.
    found = understander.understand("make it 20", (), "bedroom")
    assert [m.intent for m in found.matches] == ["set_temperature"]
