"""The blind16 round: reasons told after an order ("…, I'm not going out again tonight"), "turn it up"
with nothing talked about, a timer asked for without its length ("for how long?"), rooms said to feel
hot or cold, English words never spell-corrected into others, the classifier kept from reading orders
into what the speaker tells of themself, and everyday verbs and slips of the ear."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.english import is_english
from intents.recognizer import IntentData
from intents.understand import NEED_DURATION, Understander

from .small_home import said
from .test_kinds_and_afterthoughts import SMALL

actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


# ---- reasons after an order ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("turn the tv off, there's nothing worth watching", [("turn_off", ("tv",))]),
        ("lock the front door behind me, I'm not going out again tonight", [("lock", ("front_door",))]),
        (
            "can you turn off the kitchen lights, someone's left them on again",
            [("turn_off", ("kitchen_light", "kitchen_strip"))],
        ),
        ("unlock front door im home", [("unlock", ("front_door",))]),  # no comma, no apostrophe
        ("switch the bedroom fan to low, I'm off to bed", [("set_fan_speed", ("bedroom_fan",))]),
    ],
)
def test_a_reason_told_after_an_order_leaves_the_order(
    understander: Understander, text: str, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert actions(understander.understand(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "turn the heating on, I'm back on monday",  # maybe wanted for monday
        "turn on the bedroom light, just kidding",  # called off
        "turn off the tv, should I",  # asked, not ordered
        "turn on the tv, I don't want it on",  # the reason takes it back
    ],
)
def test_words_after_an_order_that_are_no_reason_stop_it(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "living_room"), "living_room") == []


# ---- "turn it up" with nothing talked about -----------------------------------------------------------


def test_turn_it_up_with_nothing_talked_about_asks(understander: Understander) -> None:
    found = understander.understand("turn it up", (), "office")
    assert found.question == "no-context"
    assert actions(found, "office") == []
    # the kind said ("brighter") is enough: the room's lights
    assert actions(understander.understand("make it brighter", (), "office"), "office") == [
        ("brightness_up", ("office_ceiling",))
    ]


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("it's way too loud, turn it down", "office", [("volume_down", ("speaker",))]),
        ("too bright in here, knock it down a bit", "bedroom", [("brightness_down", ("bedroom_light",))]),
        ("the tv's a bit quiet, bump it up", None, [("volume_up", ("tv",))]),
    ],
)
def test_it_is_what_the_remark_beside_it_says(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_it_is_still_the_thing_just_talked_about(understander: Understander) -> None:
    found = talk(understander, ["turn on the tv", "ugh, it's too loud, turn it down"], "office")
    assert said(list(found.matches)) == [("volume_down", {"devices": ("tv",)})]


# ---- a timer asked for without its length --------------------------------------------------------------


@pytest.mark.parametrize(("text", "name"), [("set a timer", None), ("start a pasta timer please", "pasta")])
def test_a_timer_without_its_length_asks_for_how_long(
    understander: Understander, text: str, name: str | None
) -> None:
    found = understander.understand(text)
    assert found.question == NEED_DURATION and not found.matches
    assert found.pending is not None and found.pending.intent == "start_timer"
    assert (found.pending.slots["timer_name"].value if name else None) == name


def test_the_answer_to_how_long_starts_the_timer(understander: Understander) -> None:
    found = talk(understander, ["set a pasta timer", "for an hour and a half"])
    assert said(list(found.matches)) == [("start_timer", {"timer_name": "pasta", "duration": 5400})]
    other = talk(understander, ["set a timer", "turn on the kitchen light"])
    assert actions(other) == [("turn_on", ("kitchen_light",))]  # a new order is no answer
    never = talk(understander, ["start a timer", "never mind"])
    assert [m.intent for m in never.matches] == ["nevermind"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quarter of an hour, set a timer", [("start_timer", {"duration": 900})]),
        ("set a pasta timer, ten minutes", [("start_timer", {"timer_name": "pasta", "duration": 600})]),
        (
            "set a pasta timer for 10 minutes and a sauce timer for 20 minutes",
            [
                ("start_timer", {"timer_name": "pasta", "duration": 600}),
                ("start_timer", {"timer_name": "sauce", "duration": 1200}),
            ],
        ),
        ("the laundry timer — cancel it", [("cancel_timer", {"timer_name": "laundry"})]),
        ("set a past a timer for eight minutes", [("start_timer", {"timer_name": "pasta", "duration": 480})]),
    ],
)
def test_timers_said_in_pieces(understander: Understander, text: str, expected: list[object]) -> None:
    assert said(list(understander.understand(text).matches)) == expected


# ---- how a room feels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("it's roasting in the lounge", None, [("temperature_down", ("living_thermostat",))]),
        ("the bedroom's a bit cold", None, [("temperature_up", ("bedroom_thermostat",))]),
        ("it's hot as blazes in the living room", None, [("temperature_down", ("living_thermostat",))]),
        ("it's roasting in here", "bedroom", [("temperature_down", ("bedroom_thermostat",))]),
        # the order beside the complaint answers it: the complaint is its reason, not a second order
        (
            "the lounge is boiling, drop the thermostat to 20",
            None,
            [("set_temperature", ("living_thermostat",))],
        ),
        ("it's stuffy in the bedroom, turn the fan on", None, [("turn_on", ("bedroom_fan",))]),
        ("turn the fan on in the bedroom it's too hot", None, [("turn_on", ("bedroom_fan",))]),
    ],
)
def test_a_room_said_to_feel_hot_or_cold(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_asking_how_a_room_feels_changes_nothing(understander: Understander) -> None:
    assert [m.intent for m in understander.understand("is it cold in the bedroom").matches] == [
        "get_temperature"
    ]
    assert actions(understander.understand("the tea is cold")) == []


# ---- English words and the speller ---------------------------------------------------------------------


def test_the_dictionary_knows_english_words() -> None:
    assert is_english("street") and is_english("shudders") and is_english("lounge")
    assert not is_english("gargae") and not is_english("kichen") and not is_english("")


def test_an_english_word_is_not_corrected_two_letters_away(understander: Understander) -> None:
    # "street" is two letters from "stereo": corrected, the blinds order became the tv's
    found = understander.understand("good boy. open the living room blinds so he can watch the street")
    assert actions(found) == [("open_cover", ("living_blinds",))]
    assert understander.speller.correct(["watch", "the", "street"]).changes == ()
    # a voiced twin of a letter is how it was heard, not another word: "shudders" for "shutters"
    assert understander.speller.correct(["shudders"]).tokens == ("shutters",)


# ---- what the speaker tells of themself ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm on my last song",  # the classifier read a previous track into it
        "he told me to lock the front door, but I forgot",  # read as "never mind"
        "should I get a bigger tv, what do you reckon",  # read as "what can you do"
    ],
)
def test_what_the_speaker_tells_or_wonders_is_no_command(understander: Understander, text: str) -> None:
    assert understander.understand(text, (), "office").matches == ()


def test_an_order_beside_what_the_speaker_tells_is_the_order(understander: Understander) -> None:
    found = understander.understand("crank the office speaker, I'm on my last set")
    assert actions(found) == [("volume_up", ("speaker",))]
    assert [m.intent for m in understander.understand("what can you do").matches] == ["capabilities"]


# ---- everyday verbs and slips of the ear ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("hold the music a sec, I need to tune up", "office", [("media_pause", ("speaker",))]),
        ("max out the bedroom fan", None, [("set_fan_speed", ("bedroom_fan",))]),
        ("set the extractor fan going", None, [("turn_on", ("bathroom_fan",))]),
        ("do me a favour and lock the front door", None, [("lock", ("front_door",))]),
        ("would ya lock up the front door", None, [("lock", ("front_door",))]),
        ("open the garage door for me first", None, [("open_cover", ("garage_door",))]),
        ("open the garage door for me hearth", None, [("open_cover", ("garage_door",))]),
        ("switch the office speaker off when you get a sec", None, [("turn_off", ("speaker",))]),
        ("tone down the kitchen light strip a little", None, [("brightness_down", ("kitchen_strip",))]),
        ("turn on the tell a vision", None, [("turn_on", ("tv",))]),
        ("the tv is two loud", None, [("volume_down", ("tv",))]),
        ("lights of in the kitchen", None, [("turn_off", ("kitchen_light", "kitchen_strip"))]),
    ],
)
def test_everyday_verbs_and_slips(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_heard_words_for_time(understander: Understander) -> None:
    assert said(list(understander.understand("start a timer for one our").matches)) == [
        ("start_timer", {"duration": 3600})
    ]
    assert [m.intent for m in understander.understand("what thyme is it").matches] == ["get_time"]


def test_the_big_one_answers_which_light(understander: Understander) -> None:
    found = talk(understander, ["switch on the light", "the big one"], "living_room")
    assert actions(found, "living_room") == [("turn_on", ("living_ceiling",))]
