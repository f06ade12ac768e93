"""Lists of commands that share a value or a verb inside a longer request, joiners of several words, orders
said after their device ("front door: unlock"), words said again from the top ("open the, open the garage
door"), a room's other names inside device names, and follow-ups that point ("that one", "the other light in
there too", "same for the bedroom light but at 40", "in that room")."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.idioms import order_first
from intents.model import AreaName, EntityName, with_area_aliases
from intents.recognizer import IntentData
from intents.repair import without_restarts
from intents.understand import Understander, comma_boundaries

# the phrasing tests' home: one home object, so its understander is built once for all of them
from .test_phrasings import SMALL

actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


# ---- several commands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a value said once for the first two, then a new order
        (
            "set the bedroom light and the kitchen light to 30 percent and lock the front door",
            [
                ("set_brightness", ("bedroom_light",)),
                ("set_brightness", ("kitchen_light",)),
                ("lock", ("front_door",)),
            ],
        ),
        # "both" between the targets and their shared colour
        (
            "make the lounge ceiling light and the bedroom light both green, then turn off the kitchen light",
            [
                ("set_color", ("living_ceiling",)),
                ("set_color", ("bedroom_light",)),
                ("turn_off", ("kitchen_light",)),
            ],
        ),
        # joiners of several words, and an order said as "-ing" after one
        (
            "lock the front door as well as closing the garage door",
            [("lock", ("front_door",)), ("close_cover", ("garage_door",))],
        ),
        (
            "turn on the bedroom light along with the bedroom fan, then close the bedroom blinds",
            [
                ("turn_on", ("bedroom_light",)),
                ("turn_on", ("bedroom_fan",)),
                ("close_cover", ("bedroom_blinds",)),
            ],
        ),
        # "plus" is a joiner, never a misspelt "plugs"
        (
            "coffee maker on plus the kitchen light",
            [("turn_on", ("coffee_maker",)), ("turn_on", ("kitchen_light",))],
        ),
        # the earlier part's room swapped for the room said alone
        (
            "turn the heating up in the living room and the bedroom and switch off the bedroom fan",
            [
                ("temperature_up", ("living_thermostat",)),
                ("temperature_up", ("bedroom_thermostat",)),
                ("turn_off", ("bedroom_fan",)),
            ],
        ),
        # "too" after a verbless part: the earlier part with its target swapped
        (
            "make the bedroom light blue and the lounge ceiling light too",
            [("set_color", ("bedroom_light",)), ("set_color", ("living_ceiling",))],
        ),
        # a note-style list, each order after its device
        (
            "hall light on, front door unlock, and the garage door shut",
            [("turn_on", ("hall_light",)), ("unlock", ("front_door",)), ("close_cover", ("garage_door",))],
        ),
    ],
)
def test_lists_of_commands(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


def test_a_shared_value_keeps_its_value(understander: Understander) -> None:
    found = understander.understand(
        "set the bedroom light and the kitchen light to 30 percent and lock the front door"
    )
    assert [m.slots["brightness"].value for m in found.matches[:2]] == [30, 30]


@pytest.mark.parametrize(
    "text",
    [
        # both ways said: neither is guessed
        "turn off the lounge lamp but leave the ceiling light on",
        # a remark the classifier might read as a step is no second command
        "close the garage door, it's raining",
    ],
)
def test_no_second_command_is_guessed(understander: Understander, text: str) -> None:
    found = understander.understand(text)
    assert all(m.intent not in ("turn_on", "temperature_up") for m in found.matches)


# ---- orders after their device ----------------------------------------------------------------------------

NAMES = {"front", "door", "garage", "bedroom", "heating", "the"}


@pytest.mark.parametrize(
    ("words", "said_apart", "expected"),
    [
        ("front door unlock", False, "unlock front door"),
        ("the garage door shut", False, "close the garage door"),
        ("bedroom heating up a notch", False, "turn bedroom heating up a notch"),
        # "the front door lock" may be the lock, named; only a pause makes "lock" the order
        ("front door lock", False, "front door lock"),
        ("front door lock", True, "lock front door"),
        # a word that is no name before the order: left alone
        ("please open", False, "please open"),
        ("garage door up the hill", False, "garage door up the hill"),
    ],
)
def test_orders_said_after_their_device(words: str, said_apart: bool, expected: str) -> None:
    assert " ".join(order_first(words.split(), NAMES, said_apart=said_apart)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("front door: unlock", [("unlock", ("front_door",))]),
        ("front door → lock", [("lock", ("front_door",))]),
        ("garage door, close", [("close_cover", ("garage_door",))]),
    ],
)
def test_note_style_orders(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


def test_dashes_colons_and_arrows_cut_clauses() -> None:
    assert comma_boundaries("front door: lock", 3) == (2,)
    assert comma_boundaries("sorry — open the garage door", 5) == (1,)
    assert comma_boundaries("set a timer at 4:30", 6) == ()  # a time is no clause


# ---- words said again --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("open the, open the garage door", "open the garage door"),
        ("lock the fr— the front door", "lock the front door"),
        ("close the liv- living room blinds", "close the living room blinds"),
        ("switch the uh the coffee, the coffee maker on", "switch the coffee maker on"),
        ("the the kitchen light on", "the kitchen light on"),
        # nothing said once is lost: other words, numbers said twice, a word not broken off
        ("turn it on turn it off", "turn it on turn it off"),
        ("set a timer for ten ten minutes", "set a timer for ten ten minutes"),
        ("turn on the bed bedroom light", "turn on the bed bedroom light"),
    ],
)
def test_restarts(text: str, expected: str) -> None:
    assert without_restarts(text) == expected


def test_a_restarted_command_is_understood(understander: Understander) -> None:
    assert actions(understander.understand("lock the fr— the front door")) == [("lock", ("front_door",))]


# ---- a room's other names ----------------------------------------------------------------------------------


def test_a_name_that_opens_with_its_room_takes_the_rooms_other_names() -> None:
    entities = [
        EntityName("ceiling", ("living room ceiling light",), "light", "living_room"),
        EntityName("lamp", ("reading lamp",), "light", "living_room"),
        EntityName("fan", ("bedroom fan",), "fan", "bedroom"),
    ]
    areas = [AreaName("living_room", ("living room", "lounge")), AreaName("bedroom", ("bedroom",))]
    named = {e.id: e.names for e in with_area_aliases(entities, areas)}
    assert named == {
        "ceiling": ("living room ceiling light", "lounge ceiling light"),
        "lamp": ("reading lamp",),
        "fan": ("bedroom fan",),
    }


def test_the_lounge_ceiling_light(understander: Understander) -> None:
    assert actions(understander.understand("turn on the lounge ceiling light")) == [
        ("turn_on", ("living_ceiling",))
    ]


# ---- follow-ups that point ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (
            ["turn on the living room lamp", "and the other light in there too"],
            [("turn_on", ("living_ceiling",))],
        ),
        (
            ["turn on the living room lamp", "and the other light in there too", "make that one orange"],
            [("set_color", ("living_ceiling",))],
        ),
        (
            ["turn on the living room lamp", "and the other light in there too", "turn both of them off"],
            [("turn_off", ("living_ceiling", "living_lamp"))],
        ),
        (["turn on the kitchen light", "actually make that the bedroom"], [("turn_on", ("bedroom_light",))]),
        (["set the office speaker volume to 40", "same on the tv"], [("set_volume", ("tv",))]),
        (
            ["turn the bedroom fan on", "and close the blinds in that room"],
            [("close_cover", ("bedroom_blinds",))],
        ),
    ],
)
def test_pointing_follow_ups(understander: Understander, turns: list[str], expected: list) -> None:
    assert (
        sorted(actions(talk(understander, turns)))
        == sorted((intent, tuple(sorted(ids))) for intent, ids in expected)
        or actions(talk(understander, turns)) == expected
    )


def test_same_for_another_device_with_a_new_value(understander: Understander) -> None:
    found = talk(
        understander, ["set the kitchen light to 70 percent", "same for the bedroom light but at 40"]
    )
    assert actions(found) == [("set_brightness", ("bedroom_light",))]
    assert found.matches[0].slots["brightness"].value == 40


def test_a_new_value_needs_a_setting_to_replace(understander: Understander) -> None:
    found = talk(understander, ["turn on the kitchen light", "same for the bedroom light but at 40"])
    assert not found.matches


def test_in_here_too_is_the_speakers_room(understander: Understander) -> None:
    found = talk(understander, ["turn on the hall light", "and in here too"], area="bedroom")
    assert actions(found) == [("turn_on", ("bedroom_light",))]


def test_that_one_after_a_turn_not_understood_asks(understander: Understander) -> None:
    """ "That one" most likely means the device of the turn not understood: asking beats the older one."""
    found = talk(
        understander,
        [
            "set the kitchen light to 70 percent",
            "the bedroom light, the usual thing, you know",
            "make that one red",
        ],
    )
    assert not found.matches
