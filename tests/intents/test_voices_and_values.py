"""The blind11 round: "on"/"off" said as the verb, Scots spellings, question tags, requests asked of the
device ("could the lamp go on?"), covers all the way, values said around other words ("on high",
"medium's fine", "say 70 percent", "too loud, make it 20", "twenty too"), and follow-ups that must not
reach past a turn that was not understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.context import Turn
from intents.normalize import strip_trailing_phrases, tokenize
from intents.recognizer import IntentData
from intents.understand import Understander

from .small_home import said

# the phrasing tests' home: one home object, so its understander is built once for all of them
from .test_phrasings import SMALL

actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


# ---- "on" and "off" as the verb, and requests asked of the device ------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("please on the hall light", None, [("turn_on", ("hall_light",))]),
        ("off the fan in the bedroom", None, [("turn_off", ("bedroom_fan",))]),
        (
            "please off the fan and on the light",
            "bedroom",
            [("turn_off", ("bedroom_fan",)), ("turn_on", ("bedroom_light",))],
        ),
        (
            "kindly on the hall light and lock the front door",
            None,
            [("turn_on", ("hall_light",)), ("lock", ("front_door",))],
        ),
        ("could the living room lamp go on?", None, [("turn_on", ("living_lamp",))]),
        ("might the bedroom light be switched off?", None, [("turn_off", ("bedroom_light",))]),
        ("can the bedroom fan be turned on", None, [("turn_on", ("bedroom_fan",))]),
        ("throw on the hall light for me", None, [("turn_on", ("hall_light",))]),
        ("play the office speaker", None, [("media_play", ("speaker",))]),
    ],
)
def test_orders_in_other_voices(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the bedroom light will be switched off",  # told, not asked
        "would the lights be turned off if I left",  # a condition
    ],
)
def test_what_is_told_or_supposed_is_no_order(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "bedroom")) == []


def test_a_direction_first_still_borrows_the_verb_when_no_device_is_named(understander: Understander) -> None:
    found = understander.understand("temperature up in the bedroom and down in the living room")
    assert actions(found) == [
        ("temperature_up", ("bedroom_thermostat",)),
        ("temperature_down", ("living_thermostat",)),
    ]


# ---- questions that only read -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is the tv still on, do you know?", [("get_state", {"name": ("tv",), "state": "on"})]),
        (
            "is the garage door shut, do you reckon",
            [("get_state", {"name": ("garage_door",), "state": "closed"})],
        ),
        ("did the bedroom light go off?", [("get_state", {"name": ("bedroom_light",), "state": "off"})]),
        (
            "is the music playing in the office?",
            [("get_state", {"domain": "media_player", "area": "office", "state": "playing"})],
        ),
    ],
)
def test_questions_with_tags_only_ask(understander: Understander, text: str, expected: list) -> None:
    found = understander.understand(text)
    assert said(list(found.matches)) == expected
    assert actions(found) == []


def test_a_tag_is_only_dropped_after_a_yes_no_question() -> None:
    assert strip_trailing_phrases(tokenize("is the tv on do you know", strip_phrases=False)) == [
        "is",
        "the",
        "tv",
        "on",
    ]
    assert strip_trailing_phrases(["what", "do", "you", "know"]) == ["what", "do", "you", "know"]


def test_what_do_you_know_is_still_a_question_about_hearth(understander: Understander) -> None:
    assert [m.intent for m in understander.understand("what do you know").matches] == ["capabilities"]


# ---- Scots spellings and words of emphasis ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gonnae switch the tv aff", [("turn_off", ("tv",))]),
        ("can ye turn the hall light oan", [("turn_on", ("hall_light",))]),
        ("turn the office speaker doon a wee bit", [("volume_down", ("speaker",))]),
        ("put on the tv there, good man", [("turn_on", ("tv",))]),
        ("lock the front door there before I forget", [("lock", ("front_door",))]),
    ],
)
def test_scots_and_irish_english(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


def test_there_after_in_is_a_place() -> None:
    assert strip_trailing_phrases(["turn", "the", "light", "off", "in", "there"])[-2:] == ["in", "there"]
    assert strip_trailing_phrases(["put", "on", "the", "tv", "there"]) == ["put", "on", "the", "tv"]


# ---- covers all the way --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("open the bedroom blinds all the way", [("open_cover", ("bedroom_blinds",))]),
        ("fully close the garage door", [("close_cover", ("garage_door",))]),
        ("close the bedroom blinds completely", [("close_cover", ("bedroom_blinds",))]),
    ],
)
def test_covers_all_the_way(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


def test_all_the_way_without_a_direction_is_no_guess(understander: Understander) -> None:
    """ "The bedroom blinds all the way": open or closed? Without a word of the way, nothing is done."""
    assert actions(understander.understand("the bedroom blinds all the way")) == []


# ---- values said around other words --------------------------------------------------------------------


def test_twenty_too_is_twenty_two_unless_twenty_was_just_set(understander: Understander) -> None:
    found = understander.understand("set the bedroom thermostat to twenty too")
    assert said(list(found.matches)) == [
        ("set_temperature", {"name": ("bedroom_thermostat",), "temperature": 22})
    ]
    found = talk(
        understander, ["set the living room thermostat to 20", "set the bedroom thermostat to twenty too"]
    )
    assert found.matches[0].slots["temperature"].value == 20  # "too": as well


@pytest.mark.parametrize(
    ("turns", "slot", "value"),
    [
        (["turn on the bedroom fan", "on high"], "speed", "high"),
        (["turn on the bedroom fan", "on high", "actually, medium's fine"], "speed", "medium"),
        (["set the bedroom fan to low", "change it to high"], "speed", "high"),
        (["make the kitchen light strip blue", "no, swap that for green"], "color", "green"),
        (["open the bedroom blinds", "a bit less, say 70 percent"], "position", 70),
        (["set the tv volume to 30", "too loud, make it 20"], "volume", 20),
    ],
)
def test_values_said_with_other_words(
    understander: Understander, turns: list[str], slot: str, value: object
) -> None:
    found = talk(understander, turns)
    assert len(found.matches) == 1
    got = found.matches[0].slots[slot].value
    assert (got["name"] if isinstance(got, dict) else got) == value


def test_a_little_more_after_setting_a_light_that_was_off_is_brighter(understander: Understander) -> None:
    command = {"intent": "set_brightness", "slots": {"brightness": 40}, "devices": ["bedroom_light"]}
    turn = Turn(
        "set the bedroom light to 40 percent",
        "set_brightness",
        {},
        ("bedroom_light",),
        "",
        0.0,
        True,
        commands=(command,),
        before={"bedroom_light": {"state": "OFF"}},
    )
    found = understander.understand("a little more", [turn])
    assert actions(found) == [("brightness_up", ("bedroom_light",))]


# ---- follow-ups ----------------------------------------------------------------------------------------


def test_the_same_after_a_turn_not_understood_asks(understander: Understander) -> None:
    """The speaker believes the turn not understood did something: "the same" is not the older order."""
    found = talk(
        understander,
        [
            "make the kitchen light strip blue",
            "no, the usual thing for the evening",
            "and the bedroom light the same",
        ],
    )
    assert actions(found) == []


def test_the_same_after_a_corrected_colour(understander: Understander) -> None:
    found = talk(
        understander,
        ["make the kitchen light strip blue", "no, swap that for green", "and the bedroom light the same"],
    )
    assert actions(found) == [("set_color", ("bedroom_light",))]
    assert found.matches[0].slots["color"].value["name"] == "green"


@pytest.mark.parametrize(
    ("turns", "area", "expected"),
    [
        (
            ["turn off the living room lamp", "and the ceiling light in there"],
            None,
            [("turn_off", ("living_ceiling",))],
        ),
        (
            ["turn off the living room lamp", "and the ceiling light in there too"],
            None,
            [("turn_off", ("living_ceiling",))],
        ),
        (
            ["turn off the kitchen light", "and the fan in here too"],
            "bedroom",
            [("turn_off", ("bedroom_fan",))],
        ),
        (
            ["turn off the bedroom fan", "and the light in there"],
            "living_room",
            [("turn_off", ("bedroom_light",))],
        ),
    ],
)
def test_in_there_and_in_here(
    understander: Understander, turns: list[str], area: str | None, expected: list
) -> None:
    assert actions(talk(understander, turns, area), area) == expected


# ---- an order after a reason ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it's stuffy in the bedroom, turn the fan on", [("turn_on", ("bedroom_fan",))]),
        ("it's stuffy in the bedroom, turn the kitchen light on", [("turn_on", ("kitchen_light",))]),
        ("the guests are at the front door, unlock it please", [("unlock", ("front_door",))]),
        ("it's dark in the office, turn the light on", [("turn_on", ("office_ceiling",))]),
    ],
)
def test_an_order_after_its_reason(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


def test_a_first_clause_that_orders_is_never_dropped(understander: Understander) -> None:
    """Both clauses order: all of it is done or none of it, never only what follows the comma."""
    text = "before the film starts could you close the garage door, dim the lights in there and put the tv on"
    done = actions(understander.understand(text, (), "living_room"), "living_room")
    assert done == [] or ("close_cover", ("garage_door",)) in done


@pytest.mark.parametrize(
    "text",
    [
        "if it gets cold in the bedroom, turn the heating up",  # a condition
        "after dinner, turn off the kitchen light",  # later, which Hearth cannot do
        "the kids are asleep, turn it off",  # "it" is nothing the reason named
    ],
)
def test_no_order_is_taken_out_of_its_sentence(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "living_room"), "living_room") == []


def test_before_a_meal_is_now(understander: Understander) -> None:
    assert actions(understander.understand("before dinner, lock the front door")) == [
        ("lock", ("front_door",))
    ]


# ---- guards from the blind12 first run ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "open the bedroom window",  # a thing the home lacks, after its room
        "movie time",  # an announcement, not a question about the time
        "she said turn off the tv but I'm still watching it",  # someone else's words
    ],
)
def test_no_guess_acts_or_answers(understander: Understander, text: str) -> None:
    found = understander.understand(text, (), "bedroom")
    assert [m.intent for m in found.matches] == []


def test_max_is_a_brightness_for_a_light_and_a_speed_for_a_fan(understander: Understander) -> None:
    light = understander.understand("kitchen light to max")
    assert said(list(light.matches)) == [("set_brightness", {"name": ("kitchen_light",), "brightness": 100})]
    fan = understander.understand("set the bedroom fan to max")
    assert said(list(fan.matches)) == [("set_fan_speed", {"name": ("bedroom_fan",), "speed": "high"})]


def test_an_announcement_before_orders_is_no_question(understander: Understander) -> None:
    found = understander.understand("movie time, close the bedroom blinds and turn off the bedroom light")
    assert actions(found) == [("close_cover", ("bedroom_blinds",)), ("turn_off", ("bedroom_light",))]


def test_i_said_is_the_speakers_own_order(understander: Understander) -> None:
    assert actions(understander.understand("I said turn off the tv")) == [("turn_off", ("tv",))]


def test_all_in_a_saying_is_no_every_device(understander: Understander) -> None:
    found = understander.understand("it's hotter'n all get out in here, turn the heating down", (), "bedroom")
    assert all("all" not in m.slots for m in found.matches)


def test_the_ones_after_blinds_are_blinds(understander: Understander) -> None:
    command = {"intent": "set_position", "slots": {"position": 70}, "devices": ["bedroom_blinds"]}
    turn = Turn(
        "set the bedroom blinds to 70",
        "set_position",
        {},
        ("bedroom_blinds",),
        "",
        0.0,
        True,
        commands=(command,),
    )
    readings = understander.followups.restatements(["and", "the", "garage", "ones", "too"], [turn])
    assert ["and", "the", "garage", "blinds", "too"] in [words for words, _intent in readings]


def test_twenty_too_after_a_colour_was_set(understander: Understander) -> None:
    """Earlier slot values may be colours, which are compared, never hashed."""
    found = talk(
        understander, ["make the kitchen light strip blue", "set the bedroom thermostat to twenty too"]
    )
    assert found.matches[0].slots["temperature"].value == 22


def test_a_recipe_that_says_is_no_reported_order(understander: Understander) -> None:
    found = understander.understand("the recipe says bake for 20 minutes, set a timer for 20 minutes")
    assert [m.intent for m in found.matches] == ["start_timer"]
