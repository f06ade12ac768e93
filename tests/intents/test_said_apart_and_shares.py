"""The blind15 round: stammered words, a room said apart between commas ("light, bedroom, off"), "the big
light" of a room whose light has another name, shares of the way as settings ("on a quarter", "to three
quarters", "a quarter brightness"), a stop for a moment that is a pause, the home called a flat, and
everyday openers and tails ("okay so basically", "abeg", "for a bit", "as well")."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.normalize import tokenize
from intents.recognizer import IntentData
from intents.targets import AMBIGUOUS
from intents.understand import Understander

from .small_home import said
from .test_kinds_and_afterthoughts import SMALL

actions = SMALL.actions
talk = SMALL.talk
ALL_LIGHTS = SMALL.index.of_type("light", anywhere=True)


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


# ---- stammers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stammered", "plain"),
    [
        ("s-s-set the thermostat to t-t-twenty", "set the thermostat to twenty"),
        ("c-c-can you l-lock the front door", "can you lock the front door"),
        ("th-the kitchen light", "the kitchen light"),
        ("d-do that again", "do that again"),
    ],
)
def test_a_stammer_is_the_word_it_starts(stammered: str, plain: str) -> None:
    assert tokenize(stammered) == tokenize(plain)


def test_hyphenated_words_and_negative_numbers_are_no_stammer() -> None:
    assert tokenize("the x-ray lamp") == ["the", "x", "ray", "lamp"]
    assert tokenize("t-shirt") == ["t", "shirt"]
    assert tokenize("set it to -5") == ["set", "it", "to", "minus", "5"]


def test_a_stammered_order_acts(understander: Understander) -> None:
    assert actions(understander.understand("c-c-can you l-lock the front door")) == [
        ("lock", ("front_door",))
    ]
    found = understander.understand("t-turn off the tv and l-lock the front door")
    assert actions(found) == [("turn_off", ("tv",)), ("lock", ("front_door",))]


# ---- a room said apart ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("light, bedroom, off", [("turn_off", ("bedroom_light",))]),
        ("fan on, bathroom", [("turn_on", ("bathroom_fan",))]),
        ("heating to twenty, bedroom", [("set_temperature", ("bedroom_thermostat",))]),
        ("bedroom, blinds halfway", [("set_position", ("bedroom_blinds",))]),
        ("the light, hallway, on please", [("turn_on", ("hall_light",))]),
        ("the light, lounge, on", [("turn_on", AMBIGUOUS)]),  # two lights there: asked, never guessed
    ],
)
def test_a_room_said_between_commas_is_where_the_order_acts(
    understander: Understander, text: str, expected: list[tuple[str, object]]
) -> None:
    assert actions(understander.understand(text)) == expected


def test_a_room_said_apart_is_not_read_where_it_would_change_the_order(understander: Understander) -> None:
    # another room in the order: which one is meant is not known
    assert not actions(understander.understand("turn on the kitchen light, bedroom"))
    # "it" is the room's device, asked about, not a place
    found = understander.understand("the garage, is it shut")
    assert said(found.matches)[0][0] == "get_state"
    # a correction's clauses keep their commas ("high" is the speed); a lone room is read into the rest
    text = "set the fan to medium, er, no, high, in the bedroom"
    assert understander.places.rewrite(text) == text
    assert understander.places.rewrite("Light, Bedroom, off") == "Light off in the bedroom"


# ---- "the big light" -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("turn off the big light", "bedroom", ("bedroom_light",)),  # its one light, whatever it is called
        ("turn off the big light in the bedroom", None, ("bedroom_light",)),
        ("turn off the big light", "living_room", ("living_ceiling",)),  # the one called a ceiling light
        ("turn off the main light", "office", ("office_ceiling",)),
        ("turn off the big light", "kitchen", AMBIGUOUS),  # two lights, neither a ceiling light: asked
    ],
)
def test_the_big_light_is_the_main_light_of_the_room(
    understander: Understander, text: str, area: str | None, expected: object
) -> None:
    assert actions(understander.understand(text, (), area), area) == [("turn_off", expected)]


# ---- shares of the way ---------------------------------------------------------------------------------


def test_a_share_set_reads_as_its_percentage_but_a_time_stays_a_time() -> None:
    assert tokenize("turn it up to three quarters") == ["turn", "it", "up", "to", "75", "percent"]
    assert tokenize("put the lamp on a quarter") == ["put", "the", "lamp", "at", "25", "percent"]
    assert tokenize("a third brightness") == ["33", "percent", "brightness"]
    assert tokenize("turn on the lights at a quarter past six")[-4:] == ["a", "quarter", "past", "six"]
    assert tokenize("set a timer for a quarter of an hour")[-5:] == ["a", "quarter", "of", "an", "hour"]
    assert tokenize("set the blinds to four thirds")[-2:] == ["four", "thirds"]  # no share of the way


def test_shares_set_brightness(understander: Understander) -> None:
    found = understander.understand("put the bedroom light on a quarter")
    assert said(found.matches) == [("set_brightness", {"name": ("bedroom_light",), "brightness": 25})]
    found = understander.understand("turn on the kitchen light and turn it up to three quarters")
    assert [(m.intent, m.slots.get("brightness")) for m in found.matches][1][0] == "set_brightness"
    assert found.matches[1].slots["brightness"].value == 75
    found = understander.understand("set a timer for a quarter of an hour")
    assert said(found.matches) == [("start_timer", {"duration": 900})]


@pytest.mark.parametrize(
    ("said_next", "brightness"),
    [("a quarter brightness", 25), ("brightness 30", 30), ("thirty percent brightness", 30),
     ("half brightness", 50), ("full brightness", 100)],
)  # fmt: skip
def test_a_brightness_alone_is_for_the_light_just_talked_about(
    understander: Understander, said_next: str, brightness: int
) -> None:
    found = talk(understander, ["put the bedroom light on", said_next])
    assert actions(found) == [("set_brightness", ("bedroom_light",))]
    assert found.matches[0].slots["brightness"].value == brightness


# ---- a stop for a moment, the home as a flat, openers and tails -------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("stop the telly a minute, the phone's ringing", None, [("media_pause", ("tv",))]),
        ("stop the music one moment", "office", [("media_pause", ("speaker",))]),
        ("can you stop the tv for a sec please", None, [("media_pause", ("tv",))]),
        ("could you turn off every light in the flat", None, [("turn_off", ALL_LIGHTS)]),
        ("okay so basically just turn the tv off, cheers", None, [("turn_off", ("tv",))]),
        ("abeg lock the front door for me", None, [("lock", ("front_door",))]),
        ("run the extractor fan for a bit, the bathroom's damp", None, [("turn_on", ("bathroom_fan",))]),
        ("turn on the tele", None, [("turn_on", ("tv",))]),
    ],
)  # fmt: skip
def test_everyday_ways_round_an_order(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, object]]
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_a_stop_without_a_moment_stays_a_stop(understander: Understander) -> None:
    assert said(understander.understand("stop the timer").matches)[0][0] == "cancel_timer"
    assert said(understander.understand("set a timer for a minute").matches) == [
        ("start_timer", {"duration": 60})
    ]
    assert tokenize("the battery is flat") == ["the", "battery", "is", "flat"]


def test_a_named_device_asked_about_in_a_room(understander: Understander) -> None:
    found = understander.understand("is the telly on in the lounge?")
    assert said(found.matches) == [("get_state", {"name": ("tv",), "state": "on", "area": "living_room"})]


# ---- follow-ups ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("set the office speaker volume to thirty", "lower", ("volume_down", ("speaker",))),
        (
            "set the bedroom thermostat to twenty",
            "a bit lower",
            ("temperature_down", ("bedroom_thermostat",)),
        ),
        ("turn on the kitchen light", "higher", ("brightness_up", ("kitchen_light",))),
        ("open the bedroom blinds", "only halfway actually", ("set_position", ("bedroom_blinds",))),
        ("make the bedroom light blue", "and the kitchen strip as well", ("set_color", ("kitchen_strip",))),
    ],
)
def test_a_word_or_two_after_a_setting(
    understander: Understander, first: str, then: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    assert actions(talk(understander, [first, then])) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start a 25 min practice timer", {"duration": 1500, "timer_name": "practice"}),
        ("start a timer called standup for 25 minutes", {"duration": 1500, "timer_name": "standup"}),
        ("set a 10 minute timer", {"duration": 600}),  # the unit is no name
    ],
)
def test_a_timer_named_after_its_length_or_by_called(
    understander: Understander, text: str, expected: dict[str, object]
) -> None:
    assert said(understander.understand(text).matches) == [("start_timer", expected)]
