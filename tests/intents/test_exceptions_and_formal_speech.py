"""The blind14 round: orders with an exception ("all the lights except the hall light" acts on the rest; an
exception that does not plainly name some of the devices the order acts on leaves the utterance not
understood), very formal English, words of temper, everyday verbs for "turn", and "them" after a run of
turns with the same order."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.exceptions import ExceptionSaid, split_exception
from intents.recognizer import IntentData
from intents.understand import Understander

from .test_kinds_and_afterthoughts import SMALL

actions = SMALL.actions
talk = SMALL.talk

LIGHTS = (
    "kitchen_light",
    "kitchen_strip",
    "living_ceiling",
    "living_lamp",
    "bedroom_light",
    "office_ceiling",
)


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


@pytest.mark.parametrize(
    ("text", "order", "kept", "rest"),
    [
        ("turn off all the lights except the hall light", "turn off all the lights", "the hall light", ""),
        ("lights off in the living room, but not the lamp", "lights off in the living room", "the lamp", ""),
        ("close all the blinds apart from the bedroom ones", "close all the blinds", "the bedroom ones", ""),
        ("switch everything off other than the kettle", "switch everything off", "the kettle", ""),
        ("turn the lights off but leave the strip on", "turn the lights off", "the strip on", ""),
        ("lights off except for the hall and the kitchen", "lights off", "the hall and the kitchen", ""),
        (
            "turn off every light except the bedroom one, and lock the front door",
            "turn off every light", "the bedroom one", "lock the front door",
        ),
        ("lights off excluding the lamp then close the blinds", "lights off", "the lamp", "close the blinds"),
    ],
)  # fmt: skip
def test_an_exception_is_split_from_its_order_and_what_follows(
    text: str, order: str, kept: str, rest: str
) -> None:
    assert split_exception(text) == ExceptionSaid(order, kept, rest)


@pytest.mark.parametrize(
    "text",
    [
        "turn off all the lights",
        "turn on every light apart from... no, just turn on all the lights",  # taken back, not an exception
        "everything but not, actually",
    ],
)
def test_no_exception_is_read_where_none_is_said(text: str) -> None:
    assert split_exception(text) is None


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("turn off all the lights except the hall light", None, [("turn_off", LIGHTS)]),
        ("switch off the kitchen lights but leave the strip on", None, [("turn_off", ("kitchen_light",))]),
        ("close all the blinds apart from the bedroom ones", None, [("close_cover", ("living_blinds",))]),
        (
            "everything off in the kitchen except the coffee maker",
            None,
            [("turn_off", ("kitchen_light", "kitchen_strip", "kettle"))],
        ),
        ("lights off in the living room, but not the lamp", None, [("turn_off", ("living_ceiling",))]),
        ("turn the lights off except the lamp", "living_room", [("turn_off", ("living_ceiling",))]),
        (
            "turn off every light except the bedroom one, and lock the front door",
            None,
            [("turn_off", (*LIGHTS[:4], "office_ceiling", "hall_light")), ("lock", ("front_door",))],
        ),
        (
            "turn off all the lights except the hall and kitchen ones",
            None,
            [("turn_off", ("living_ceiling", "living_lamp", "bedroom_light", "office_ceiling"))],
        ),
    ],
)  # fmt: skip
def test_an_order_acts_on_what_its_exception_leaves(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    found = understander.understand(text, (), area)
    assert [(intent, tuple(sorted(ids))) for intent, ids in actions(found, area)] == [
        (intent, tuple(sorted(ids))) for intent, ids in expected
    ]


@pytest.mark.parametrize(
    "text",
    [
        "turn off all the lights except the hal light",  # a word that names none of them: never a guess
        "turn on the kitchen light except the bedroom one",  # one device: nothing to keep out of
        "turn off the lights in the kitchen except the bedroom light",  # keeps out none of them
        # keeps out all of them
        "lights off except the kitchen ones, the living room ones, the bedroom one, the office and the hall",
        "is anything on apart from the lamp",  # a question with an exception is not answered yet
        "turn it on but not too bright",  # "but not" keeping out no device
        "don't turn off the lights except the hall light",
    ],
)
def test_an_exception_that_names_nothing_or_everything_does_nothing(
    understander: Understander, text: str
) -> None:
    found = understander.understand(text)
    assert not found.matches


# ---- very formal English, temper, everyday verbs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("I should be most grateful if you would lower the bedroom blinds",
         None, [("close_cover", ("bedroom_blinds",))]),
        ("Kindly extinguish the hallway light", None, [("turn_off", ("hall_light",))]),
        ("I would be obliged if you could secure the front door", None, [("lock", ("front_door",))]),
        (
            "Would it be terribly inconvenient to have the bedroom light set to thirty per cent",
            None,
            [("set_brightness", ("bedroom_light",))],
        ),
        ("Do be a dear and reduce the volume of the television to fifteen", None, [("set_volume", ("tv",))]),
        ("just lock the stupid front door", None, [("lock", ("front_door",))]),
        ("turn the bloody tv off", None, [("turn_off", ("tv",))]),
        ("knock the fan off", "bedroom", [("turn_off", ("bedroom_fan",))]),
        ("flick the kitchen light on", None, [("turn_on", ("kitchen_light",))]),
        ("put the bedroom light at about twenty", None, [("set_brightness", ("bedroom_light",))]),
        ("press play on the telly", None, [("media_play", ("tv",))]),
    ],
)  # fmt: skip
def test_formal_requests_temper_and_everyday_verbs(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_the_present_time_asked_formally_and_a_supposition_kept_apart(understander: Understander) -> None:
    found = understander.understand("If you would be so kind, please inform me of the present time")
    assert [m.intent for m in found.matches] == ["get_time"]
    # "if you" with no modal is a condition, never dropped as courtesy
    assert not understander.understand("if you turn off the light I'll be cold").matches
    # "pray tell" is no "play": only the question is answered
    found = understander.understand("Pray tell, what is the temperature in the bedroom at present")
    assert [m.intent for m in found.matches] == ["get_temperature"]


def test_about_a_number_keeps_the_number_and_what_about_is_untouched(understander: Understander) -> None:
    found = understander.understand("set the bedroom thermostat to around 19")
    assert [(m.intent, m.slots["temperature"].value) for m in found.matches] == [("set_temperature", 19)]
    assert not understander.understand("what about twenty").matches


# ---- "them" after a run of turns with the same order ---------------------------------------------------


def test_them_after_a_run_of_the_same_order_means_every_device_of_the_run(understander: Understander) -> None:
    found = talk(understander, ["turn on the kitchen light", "and the bedroom", "right, now turn them off"])
    assert actions(found) == [("turn_off", ("kitchen_light", "bedroom_light"))]
    # "it" is still the last device, and another order in between ends the run
    found = talk(understander, ["turn on the kitchen light", "and the bedroom", "turn it off"])
    assert actions(found) == [("turn_off", ("bedroom_light",))]
    found = talk(understander, ["turn on the hall light", "open the garage door", "close them"])
    assert actions(found) == [("close_cover", ("garage_door",))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("turn on the music", "media_play"),  # was read as a step up in the volume
        ("switch the music on", "media_play"),
        ("music back on", "media_play"),  # "back" is no previous song here
        ("turn the music up", "volume_up"),
        ("go back a song", "media_previous"),
    ],
)
def test_music_turned_on_plays_and_back_on_is_on_again(
    understander: Understander, text: str, expected: str
) -> None:
    found = understander.understand(text, (), "office")
    assert [m.intent for m in found.matches] == [expected]


def test_music_beside_another_order_is_left_to_the_split(understander: Understander) -> None:
    """ "Turn on the lamp and play some music": "turn … on" is the lamp's, never read as playing it."""
    found = understander.understand("turn on the living room lamp and play some music", (), "office")
    assert [m.intent for m in found.matches] == ["turn_on", "media_play"]
    assert actions(found, "office")[0] == ("turn_on", ("living_lamp",))
    found = understander.understand("turn on the tv, play a song")
    assert actions(found)[0] == ("turn_on", ("tv",))
