"""Everyday phrasings beyond the templates: a verb after a list, two directions, household idioms, reasons
and remarks around orders, values and nouns left to the last turn. Each is understood in general, and
what must stay declined (a time, a negation, a room or device in a remark) still does nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intents.idioms import rephrase
from intents.model import EntityName
from intents.mood import called_off, not_an_order
from intents.normalize import tokenize
from intents.recognizer import IntentData
from intents.targets import UNSUPPORTED, EntityIndex, resolve_targets
from intents.understand import Understander, Understanding, _only_swaps, comma_boundaries

from .small_home import SmallHome
from .test_safety import AREAS, ENTITIES, TYPES

HOME = [
    *ENTITIES,
    EntityName("coffee_maker", ("coffee maker",), "switch", "kitchen"),
    EntityName("hall_light", ("hallway light", "hall light"), "light", "hallway"),
]
INDEX = EntityIndex(HOME)


SMALL = SmallHome(HOME, AREAS, TYPES)
actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


def values(found: Understanding) -> list[tuple[str, dict[str, Any]]]:
    return [(m.intent, {k: v.value for k, v in m.slots.items()}) for m in found.matches]


# ---- a verb said once, after a list of targets ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "the bedroom fan, the kettle and the office speaker off please",
            [("turn_off", ("bedroom_fan",)), ("turn_off", ("kettle",)), ("turn_off", ("speaker",))],
        ),
        (
            "hallway light and kitchen light on",
            [("turn_on", ("hall_light",)), ("turn_on", ("kitchen_light",))],
        ),
    ],
)
def test_a_verb_after_a_list_is_every_targets(
    understander: Understander, text: str, expected: list[tuple[str, Any]]
) -> None:
    assert actions(understander.understand(text, (), None)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the kettle and the tv not off",
        "are the kettle and the tv on",
        "the kettle and the coffee maker are off",
        "the kettle and the tv off at 10 pm",
    ],
)
def test_a_list_that_is_no_order_does_nothing(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), None)) == []


# ---- two directions in one sentence --------------------------------------------------------------------


def test_each_part_keeps_the_direction_it_says(understander: Understander) -> None:
    found = understander.understand("turn the office speaker down and the tv up", (), None)
    assert actions(found) == [("volume_down", ("speaker",)), ("volume_up", ("tv",))]
    found = understander.understand("switch the kettle off and the bedroom fan on", (), None)
    assert actions(found) == [("turn_off", ("kettle",)), ("turn_on", ("bedroom_fan",))]


def test_a_borrowed_verb_never_guesses_a_direction(understander: Understander) -> None:
    # No direction said in the second part: it takes the first one's, never the opposite.
    found = understander.understand("turn the office speaker down and the tv", (), None)
    assert all(intent == "volume_down" for intent, _ids in actions(found))


# ---- household idioms, reasons and positions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("brew us some coffee", [("turn_on", ("coffee_maker",))]),
        ("make me a cup of coffee please", [("turn_on", ("coffee_maker",))]),
        ("nudge the bedroom thermostat up a touch", [("temperature_up", ("bedroom_thermostat",))]),
        ("open the garage door for the plumber", [("open_cover", ("garage_door",))]),
        ("switch on the kitchen light for my daughter", [("turn_on", ("kitchen_light",))]),
        ("lock the door at the front", [("lock", ("front_door",))]),
        ("could the kitchen light strip be blue", [("set_color", ("kitchen_strip",))]),
        ("put the bedroom blinds at half", [("set_position", ("bedroom_blinds",))]),
    ],
)
def test_idioms_reasons_and_positions(
    understander: Understander, text: str, expected: list[tuple[str, Any]]
) -> None:
    assert actions(understander.understand(text, (), "kitchen"), "kitchen") == expected


@pytest.mark.parametrize(
    "text",
    [
        "make me a coffee at 7 am",
        "brew some coffee every morning",
        "turn the kettle on for an hour",
        "unlock the front door for the weekend",
        "open the garage door for ten minutes",
        "if the front door is unlocked lock it",
    ],
)
def test_idioms_and_reasons_said_with_a_time_or_condition_do_nothing(
    understander: Understander, text: str
) -> None:
    assert actions(understander.understand(text, (), "kitchen"), "kitchen") == []


def test_rephrase_keeps_words_it_has_no_rule_for() -> None:
    names = {"kitchen", "light", "garage", "door"}
    assert rephrase(tokenize("make us a coffee"), names) == ["turn", "on", "the", "coffee", "maker"]
    assert rephrase(tokenize("kick the heating up"), names) == ["turn", "the", "heating", "up"]
    assert rephrase(tokenize("kick the ball"), names) == ["kick", "the", "ball"]  # no direction said
    # A "for …" naming a device or a time is no reason; nor is a timer's name.
    assert rephrase(tokenize("turn on the lamp for the garage"), names)[-1] == "garage"
    assert rephrase(tokenize("open it for the afternoon"), names)[-1] == "afternoon"
    assert rephrase(tokenize("set a timer for the pasta"), names)[-1] == "pasta"
    assert rephrase(tokenize("give me a timer for ten minutes"), names)[0] == "set"


def test_give_me_a_timer_sets_one(understander: Understander) -> None:
    found = understander.understand("give me a timer for five minutes", (), None)
    assert values(found) == [("start_timer", {"duration": 300})]


# ---- commands with remarks set off by commas -----------------------------------------------------------


def test_several_commands_with_a_remark(understander: Understander) -> None:
    found = understander.understand("close the garage door and switch off the kettle, I'm heading out", ())
    assert actions(found) == [("close_cover", ("garage_door",)), ("turn_off", ("kettle",))]
    found = understander.understand("oh well, pause the tv, the phone's ringing", ())
    assert actions(found) == [("media_pause", ("tv",))]


@pytest.mark.parametrize(
    "text",
    [
        "close the garage door and switch off the kettle, not the tv",
        "close the garage door and switch off the kettle, the bedroom",
        "close the garage door and switch off the kettle, tomorrow",
    ],
)
def test_a_remark_with_a_negation_a_room_or_a_time_stops_everything(
    understander: Understander, text: str
) -> None:
    assert actions(understander.understand(text, ())) == []


def test_a_question_inside_an_order_is_no_condition(understander: Understander) -> None:
    found = understander.understand("open the bedroom blinds and tell me if the front door is locked", ())
    assert [m.intent for m in found.matches] == ["open_cover", "get_state"]
    assert not_an_order(tokenize("let me know if the tv is on", strip_phrases=False)) is None
    assert not_an_order(tokenize("tell me if it's cold and if so turn the heating on")) == "question"


def test_a_remark_names_the_device_of_a_command_that_named_none(understander: Understander) -> None:
    found = understander.understand("I can't hear the office speaker, louder", (), "kitchen")
    assert actions(found, "kitchen") == [("volume_up", ("speaker",))]
    assert actions(understander.understand("not the office speaker, louder", (), "kitchen"), "kitchen") == []


def test_a_target_and_a_value_said_apart(understander: Understander) -> None:
    found = understander.understand("office fan, high please", ())
    assert values(found) == [("set_fan_speed", {"name": ("office_fan",), "speed": "high"})]


def test_a_timer_said_in_two_clauses_keeps_its_name(understander: Understander) -> None:
    found = understander.understand("do a pasta timer, 8 minutes", ())
    assert values(found) == [("start_timer", {"timer_name": "pasta", "duration": 480})]


def test_a_timer_is_cancelled_only_when_cancelling_is_said(understander: Understander) -> None:
    assert [m.intent for m in understander.understand("do a pasta timer", ()).matches] != ["cancel_timer"]


def test_comma_positions_survive_a_dropped_opener() -> None:
    text = "hold on, pause the tv, the phone's ringing"
    tokens = tokenize(text)
    assert tokens[:3] == ["pause", "the", "tv"]
    assert comma_boundaries(text, len(tokens)) == (3,)


def test_everyday_names_are_not_spell_corrected(understander: Understander) -> None:
    found = understander.understand("pause the telly and open the garage door", ())
    assert actions(found) == [("media_pause", ("tv",)), ("open_cover", ("garage_door",))]


# ---- follow-ups that leave a noun or a value to the last turn ------------------------------------------


def test_the_other_one_takes_the_last_devices_noun(understander: Understander) -> None:
    found = talk(understander, ["turn off the bedroom fan", "and the office one too"])
    assert actions(found) == [("turn_off", ("office_fan",))]


def test_a_colour_alone_after_a_colour_was_set(understander: Understander) -> None:
    found = talk(understander, ["make the kitchen light strip blue", "actually, green"])
    assert actions(found) == [("set_color", ("kitchen_strip",))]
    assert found.matches[0].slots["color"].value["name"] == "green"
    # After anything but a colour, a colour alone is not understood.
    assert talk(understander, ["turn on the kitchen light", "actually, green"]).matches == ()


def test_a_name_in_there_is_the_one_in_the_last_room(understander: Understander) -> None:
    found = talk(understander, ["dim the living room lamp", "and the ceiling light in there too"])
    assert actions(found) == [("brightness_down", ("living_ceiling",))]


# ---- fractions said in words are their share, never the bare number ------------------------------------


@pytest.mark.parametrize(
    ("text", "intent", "target", "slot", "value"),
    [
        ("bedroom blinds two thirds open", "set_position", "bedroom_blinds", "position", 67),
        ("put the bedroom light at three quarters", "set_brightness", "bedroom_light", "brightness", 75),
        ("office speaker volume to a quarter", "set_volume", "speaker", "volume", 25),
        ("open the bedroom blinds 3 quarters of the way", "set_position", "bedroom_blinds", "position", 75),
    ],
)
def test_a_fraction_is_its_percentage(
    understander: Understander, text: str, intent: str, target: str, slot: str, value: int
) -> None:
    found = understander.understand(text)
    assert actions(found) == [(intent, (target,))]
    assert found.matches[0].slots[slot].value == value


@pytest.mark.parametrize(
    "text",
    [
        "set the bedroom blinds to two thirds and a quarter",  # two shares: which one is a guess
        "bedroom light to one and a half thirds",
    ],
)
def test_a_fraction_that_is_no_share_is_declined(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text)) == []


def test_a_share_of_a_thermostat_is_never_a_temperature(understander: Understander) -> None:
    """No temperature is a share of anything: "to three quarters" reads as 75 percent, which a thermostat
    cannot be set to, so the hub refuses it (a light's brightness, the only reading, is unsupported)."""
    found = understander.understand("set the bedroom thermostat to three quarters")
    assert all(m.intent != "set_temperature" for m in found.matches)
    brightness = [m for m in found.matches if m.intent == "set_brightness"]
    # as the hub derives it, a brightness is for lights only
    assert all(resolve_targets(m, INDEX, None, types={"light"}).problem == UNSUPPORTED for m in brightness)


# ---- an order called off is no order -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no need to switch on the kettle",
        "there's no need to open the garage door",
        "you needn't lock the front door",
        "you don't need to turn the tv off",
        "don't bother dimming the bedroom light",
        "don't bother to close the bedroom blinds",
        "never mind turning the office fan on",
        "forget about opening the bedroom blinds",
        "it's not necessary to turn off the tv",
        "no point switching the kettle on",
        "close the garage door without switching off the hallway light",
    ],
)
def test_an_order_called_off_does_nothing(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text)) == []


def test_calling_off_needs_its_own_words() -> None:
    assert called_off(tokenize("no need to switch on the kettle", strip_phrases=False))
    assert not called_off(tokenize("i need the kettle on", strip_phrases=False))
    assert not called_off(tokenize("turn on the kettle", strip_phrases=False))
    assert not_an_order(tokenize("don't bother opening the blinds", strip_phrases=False)) == "called off"


# ---- polite frames around a request ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'd be grateful if you could switch on the kettle", [("turn_on", ("kettle",))]),
        ("I wonder if you might close the garage door", [("close_cover", ("garage_door",))]),
        ("it would be lovely if you would turn the tv off", [("turn_off", ("tv",))]),
        ("would you be so kind as to turn off the bedroom fan", [("turn_off", ("bedroom_fan",))]),
        ("go ahead and lock the front door", [("lock", ("front_door",))]),
        ("we should like the bedroom blinds closed", [("close_cover", ("bedroom_blinds",))]),
        ("turn off the bedroom light, if you please", [("turn_off", ("bedroom_light",))]),
    ],
)
def test_polite_frames_are_courtesy(understander: Understander, text: str, expected: list[Any]) -> None:
    assert actions(understander.understand(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "if it gets dark could you switch on the hallway light",
        "I'd be grateful if you could turn on the kettle when I get home",
        "should I close the bedroom blinds",
        "I wonder if the garage door is open and the kettle on",
    ],
)
def test_conditions_and_advice_are_no_polite_frame(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text)) == []


# ---- two letters swapped ----------------------------------------------------------------------------------


def test_swapped_letters_may_steer_the_classifier(understander: Understander) -> None:
    assert actions(understander.understand("plya the tv")) == [("media_play", ("tv",))]
    assert actions(understander.understand("turn donw the office speaker volume")) == [
        ("volume_down", ("speaker",))
    ]
    # A two-letter slip is any word at all: never guessed.
    assert actions(understander.understand("turn the office speaker volume uo")) == []


def test_only_a_swap_counts_as_a_swap() -> None:
    assert _only_swaps([("donw", "down"), ("plya", "play")])
    assert not _only_swaps([("did", "dim")])
    assert not _only_swaps([("donw", "down"), ("lamb", "lamp")])
    assert not _only_swaps([])


# ---- turns that carry on the last one -------------------------------------------------------------------


def test_in_there_is_the_room_just_talked_about(understander: Understander) -> None:
    found = talk(understander, ["open the bedroom blinds", "ok turn the fan on in there"])
    assert actions(found) == [("turn_on", ("bedroom_fan",))]
    found = talk(understander, ["lock the front door", "and switch the light off in there"])
    assert actions(found) == [("turn_off", ("hall_light",))]
    # Nothing talked about before: no room to be "there".
    assert actions(talk(understander, ["turn the fan on in there"])) == []


def test_and_again_repeats(understander: Understander) -> None:
    found = talk(understander, ["dim the bedroom light", "and again"])
    assert actions(found) == [("brightness_down", ("bedroom_light",))]


def test_no_and_a_value_corrects_the_last_setting(understander: Understander) -> None:
    found = talk(understander, ["make the kitchen light strip blue", "no, green"])
    assert actions(found) == [("set_color", ("kitchen_strip",))]
    assert found.matches[0].slots["color"].value["name"] == "green"
    assert talk(understander, ["make the kitchen light strip blue", "no"]).matches == ()


def test_the_x_one_answers_which_light_with_a_name(understander: Understander) -> None:
    found = talk(understander, ["turn off the light", "the hall one"])
    assert actions(found) == [("turn_off", ("hall_light",))]
    assert actions(talk(understander, ["turn off the light", "the garden one"])) == []


def test_is_it_locked_asks_about_the_lock(understander: Understander) -> None:
    found = talk(understander, ["lock the front door", "is it locked now?"])
    assert [m.intent for m in found.matches] == ["get_state"]
    assert actions(found) == []


def test_how_cold_is_it_is_the_rooms_reading(understander: Understander) -> None:
    found = understander.understand("how cold is it", [], "bedroom")
    assert found.question is None
    assert [m.intent for m in found.matches] == ["get_temperature"]


def test_everywhere_is_every_room(understander: Understander) -> None:
    found = understander.understand("lights off everywhere")
    assert actions(found) == [
        (
            "turn_off",
            ("kitchen_light", "kitchen_strip", "living_ceiling", "living_lamp", "bedroom_light",
             "office_ceiling", "hall_light"),
        )
    ]  # fmt: skip


# ---- questions, hints and polite requests said the way people talk ---------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        # light asked for in a room is its lights on
        ("could I get a little light in the office", None, [("turn_on", ("office_ceiling",))]),
        ("get me a bit of light in the kitchen", None, [("turn_on", ("kitchen_light", "kitchen_strip"))]),
        ("we can't see anything in here", "bedroom", [("turn_on", ("bedroom_light",))]),
        # a fan run, a fan and its speed without a verb, a device "on" with its room said after it
        ("would you run the office fan", None, [("turn_on", ("office_fan",))]),
        ("office fan on in the office", None, [("turn_on", ("office_fan",))]),
        ("the bedroom fan, high please", None, [("set_fan_speed", ("bedroom_fan",))]),
        # everything in a room, the room's devices that switch
        (
            "turn everything off in the office",
            None,
            [("turn_off", ("office_ceiling", "office_fan", "speaker"))],
        ),
        # a complaint that names the device and the way: louder, cooler, warmer
        ("we can barely hear the office speaker", None, [("volume_up", ("speaker",))]),
        (
            "I'm boiling, cool the bedroom down a little",
            None,
            [("temperature_down", ("bedroom_thermostat",))],
        ),
        ("warm the living room up a bit", None, [("temperature_up", ("living_thermostat",))]),
    ],
)
def test_hints_and_requests_that_say_one_action(
    understander: Understander, text: str, area: str | None, expected: list[tuple[str, Any]]
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


@pytest.mark.parametrize(
    "text",
    [
        "give me some light in the garage at 10",
        "can I get some light in the hallway when I get home",
        "I can't see the tv",  # seeing a device says nothing to do to it
        "don't run the office fan",
        "I can't hear the kettle",  # no volume: nothing it could mean
        "cool the bedroom down tonight",
        "we can't see a thing, don't turn the lights on",
        "we already locked the front door ourselves",  # told, not asked
        "is the kitchen on",  # a room and "on": any of its devices, so a question with no answer here
    ],
)
def test_hints_that_are_no_order_do_nothing(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "bedroom"), "bedroom") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is the garage closed", ("get_state", "garage", "cover", "closed")),
        ("did anybody leave the garage open", ("get_state", "garage", "cover", "open")),
        ("is the hallway locked", ("get_state", "hallway", "lock", "locked")),
        ("are the bedroom blinds down", ("get_state", None, None, "closed")),
        ("did someone leave the bedroom light on", ("get_state", None, None, "on")),
        ("the front door is locked, isn't it", ("get_state", None, None, "locked")),
        ("have I remembered to lock the front door", ("get_state", None, None, "locked")),
    ],
)
def test_state_questions_of_a_room_or_a_tag(
    understander: Understander, text: str, expected: tuple[Any, ...]
) -> None:
    found = understander.understand(text, (), "kitchen")
    got = [
        (
            m.intent,
            m.slots["area"].value if "area" in m.slots else None,
            m.slots["domain"].value if "domain" in m.slots else None,
            m.slots["state"].value,
        )
        for m in found.matches
    ]
    assert got == [expected]
    assert actions(found, "kitchen") == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("might I bother you for the time", "get_time"),
        ("could we have the time", "get_time"),
        ("oh, don't worry about that", "nevermind"),
        ("actually forget what I said", "nevermind"),
    ],
)
def test_polite_questions_and_never_minds(understander: Understander, text: str, intent: str) -> None:
    assert [m.intent for m in understander.understand(text, (), "kitchen").matches] == [intent]


def test_an_apology_before_an_order_is_no_part_of_it(understander: Understander) -> None:
    found = talk(understander, ["turn on the kettle", "sorry, undo that"], "kitchen")
    assert actions(found, "kitchen") == [("turn_off", ("kettle",))]
    assert tokenize("sorry") == ["sorry"]  # alone it is kept, and understood as nothing


@pytest.mark.parametrize("text", ["ugh, what a day", "what a week it's been", "what an evening"])
def test_an_exclamation_is_no_question(understander: Understander, text: str) -> None:
    assert understander.understand(text, ()).matches == ()


def test_an_order_for_later_is_no_timer(understander: Understander) -> None:
    # Guessed as a timer by the classifier, "turn it off in ten minutes" is an order for later.
    for text in ("and turn it off in ten minutes", "switch the kettle off in five minutes"):
        assert understander.understand(text, ()).matches == (), text
    found = understander.understand("set a timer for ten minutes", ())
    assert [(m.intent, m.slots["duration"].value) for m in found.matches] == [("start_timer", 600)]
    assert [m.intent for m in understander.understand("what day is it", ()).matches] == ["get_date"]
