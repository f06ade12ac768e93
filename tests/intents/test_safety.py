"""Never the wrong action: narration, questions about people or the past, requests for advice and
descriptions of a state contain command words but order nothing; "both" means two devices; a follow-up
that could mean a device here or one where the last one was asks; "play <something unknown>" does not play.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intents.model import AreaName, EntityName, IntentMatch, SlotValue
from intents.mood import describes_state, narrated, not_an_order
from intents.normalize import tokenize
from intents.recognizer import IntentData
from intents.targets import EntityIndex, resolve_targets
from intents.understand import Understander

from .small_home import SmallHome

AREAS = [
    AreaName("kitchen", ("kitchen",)),
    AreaName("living_room", ("living room", "lounge")),
    AreaName("bedroom", ("bedroom",)),
    AreaName("office", ("office",)),
    AreaName("garage", ("garage",)),
    AreaName("hallway", ("hallway",)),
]
ENTITIES = [
    EntityName("kitchen_light", ("kitchen light",), "light", "kitchen"),
    EntityName("kitchen_strip", ("kitchen light strip",), "light", "kitchen"),
    EntityName("living_ceiling", ("living room ceiling light",), "light", "living_room"),
    EntityName("living_lamp", ("living room lamp",), "light", "living_room"),
    EntityName("bedroom_light", ("bedroom light",), "light", "bedroom"),
    EntityName("office_ceiling", ("office ceiling light",), "light", "office"),
    EntityName("bedroom_fan", ("bedroom fan",), "fan", "bedroom"),
    EntityName("office_fan", ("office fan",), "fan", "office"),
    EntityName("living_thermostat", ("living room thermostat", "thermostat"), "climate", "living_room"),
    EntityName("bedroom_thermostat", ("bedroom thermostat",), "climate", "bedroom"),
    EntityName("tv", ("tv", "television"), "media_player", "living_room"),
    EntityName("speaker", ("office speaker",), "media_player", "office"),
    EntityName("garage_door", ("garage door",), "cover", "garage"),
    EntityName("bedroom_blinds", ("bedroom blinds",), "cover", "bedroom"),
    EntityName("front_door", ("front door",), "lock", "hallway"),
    EntityName("kettle", ("kettle",), "switch", "kitchen"),
]
INDEX = EntityIndex(ENTITIES)
TYPES: dict[str, frozenset[str]] = {
    "turn_on": frozenset({"light", "fan", "switch", "media_player", "climate"}),
    "turn_off": frozenset({"light", "fan", "switch", "media_player", "climate"}),
    "media_pause": frozenset({"media_player"}),
    "media_play": frozenset({"media_player"}),
    "volume_up": frozenset({"media_player"}),
    "volume_down": frozenset({"media_player"}),
    "set_volume": frozenset({"media_player"}),
    "set_temperature": frozenset({"climate"}),
    "close_cover": frozenset({"cover"}),
    "open_cover": frozenset({"cover"}),
}


HOME = SmallHome(ENTITIES, AREAS, TYPES)
actions = HOME.actions
talk = HOME.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return HOME.understander(data, model_cache)


def make_understander(data: IntentData, model_cache: Path) -> Understander:
    """The layered understander over this small home, with the cached classifier."""
    return HOME.understander(data, model_cache)


# ---- 1. narration and questions about who did what ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my brother turned on the kitchen light",
        "the kids switched the tv off again",
        "someone opened the garage door",
        "my flatmate just locked the front door",
        "the office fan turned off by itself",
        "who locked the front door",
        "who switched on the bedroom fan?",
        "why is the kettle on",
        "have you turned off the office speaker",
        "the tv was switched off an hour ago",
        "I already closed the garage door",
        "someone left the kettle on",
        "the bedroom thermostat was set to 22 earlier",
        "I put the office fan on high before",
    ],
)
def test_narration_and_who_questions_never_act(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "kitchen"), "kitchen") == []


def test_past_verbs_that_are_no_narration() -> None:
    assert not narrated(
        tokenize("have the kitchen lights turned off", strip_phrases=False)
    )  # a wish for a state
    assert not narrated(tokenize("i'd like the garage door closed", strip_phrases=False))
    assert not narrated(
        tokenize("closed the garage door", strip_phrases=False)
    )  # a recogniser's slip for "close"
    assert not narrated(
        tokenize("is the garage door opened", strip_phrases=False)
    )  # a question about the state
    assert narrated(tokenize("did somebody tell you the door was unlocked", strip_phrases=False))


# ---- 2. asking for advice -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "should we turn off the kitchen light?",
        "shall I lock the front door",
        "do I need to open the garage door",
        "is it worth switching on the bedroom fan",
        "do you think I ought to close the bedroom blinds",
        "would it be better to turn the tv off",
        "is it a good idea to unlock the front door",
        "would you recommend opening the bedroom blinds",
    ],
)
def test_advice_questions_never_act(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "living_room"), "living_room") == []


def test_advice_is_no_order() -> None:
    assert not_an_order(tokenize("should i turn the heating up", strip_phrases=False)) == "advice"
    assert not_an_order(tokenize("turn the heating up", strip_phrases=False)) is None


# ---- 3. a description of a state is no command ----------------------------------------------------------


def test_description_then_order_does_only_the_order(understander: Understander) -> None:
    found = understander.understand("the garage door's open, close it", (), "kitchen")
    assert actions(found, "kitchen") == [("close_cover", ("garage_door",))]


@pytest.mark.parametrize(
    "text",
    [
        "the kitchen light is on",
        "the garage door's open",
        "the front door is locked",
        "the bedroom fan's on and the tv is off",
        "the office speaker is still playing",
    ],
)
def test_statements_of_state_do_nothing(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "office"), "office") == []


def test_a_question_about_a_state_is_answered(understander: Understander) -> None:
    found = understander.understand("is the garage door open?", (), "kitchen")
    assert [m.intent for m in found.matches] == ["get_state"]


def test_descriptions() -> None:
    assert describes_state(tokenize("the hallway light's still on", strip_phrases=False))
    assert describes_state(tokenize("the bedroom blinds are closed", strip_phrases=False))
    assert describes_state(tokenize("the tv is switched off", strip_phrases=False))
    assert not describes_state(tokenize("is the hallway light on", strip_phrases=False))
    assert not describes_state(tokenize("make sure the front door is locked", strip_phrases=False))
    assert not describes_state(tokenize("how much time is left on the timer", strip_phrases=False))


# ---- 4. "both" means two ------------------------------------------------------------------------------


def test_both_of_a_kind_means_the_two_in_the_home(understander: Understander) -> None:
    found = understander.understand("put both thermostats on 19 degrees", (), "living_room")
    acting = actions(found, "living_room")
    assert acting in ([], [("set_temperature", ("living_thermostat", "bedroom_thermostat"))])


def test_both_fans(understander: Understander) -> None:
    acting = actions(understander.understand("switch off both fans", (), "kitchen"), "kitchen")
    assert acting in ([], [("turn_off", ("bedroom_fan", "office_fan"))])


def test_both_named_means_the_two_so_called(understander: Understander) -> None:
    acting = actions(understander.understand("turn on both ceiling lights", (), "kitchen"), "kitchen")
    assert acting in ([], [("turn_on", ("living_ceiling", "office_ceiling"))])


def test_both_with_more_than_two_asks(understander: Understander) -> None:
    found = understander.understand("switch off both lights", (), None)
    assert actions(found) == []


def test_them_both_means_the_last_two_devices(understander: Understander) -> None:
    found = talk(understander, ["pause the office speaker", "and the tv", "play them both"], "office")
    acting = actions(found, "office")
    assert acting == [] or sorted(acting[0][1]) == ["speaker", "tv"]


def test_them_both_after_one_device_does_not_pick_one(understander: Understander) -> None:
    found = talk(understander, ["turn on the kettle", "turn them both off"], "kitchen")
    assert actions(found, "kitchen") == []


# ---- 5. a follow-up that could mean here or there ------------------------------------------------------


def test_follow_up_type_here_or_there_asks(understander: Understander) -> None:
    found = talk(understander, ["switch off the tv", "and the light"], "bedroom")
    assert found.question == "ambiguous"
    assert "bedroom_light" in found.candidates
    assert found.pending is not None and found.pending.intent == "turn_off"


def test_follow_up_type_in_the_same_room_stays_there(understander: Understander) -> None:
    found = talk(understander, ["turn on the office speaker", "and the fan"], "office")
    assert actions(found, "office") == [("turn_on", ("office_fan",))]


# ---- 6. play with content that cannot be honoured ----------------------------------------------------


@pytest.mark.parametrize("text", ["play some reggae", "play my workout playlist", "play the news on the tv"])
def test_play_with_unknown_content_does_not_play(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "office"), "office") == []


def test_plain_play_still_plays(understander: Understander) -> None:
    assert actions(understander.understand("resume the music", (), "office"), "office") == [
        ("media_play", ("speaker",))
    ]


# ---- orders that look like questions -------------------------------------------------------------------


def test_have_the_device_in_a_state_is_an_order(understander: Understander) -> None:
    acting = actions(understander.understand("have the bedroom blinds closed", (), "kitchen"), "kitchen")
    assert acting in ([], [("close_cover", ("bedroom_blinds",))])
    found = understander.understand("have the bedroom blinds been closed all day", (), "kitchen")
    assert actions(found, "kitchen") == []


# ---- 6. times Hearth cannot keep, and doing told as a habit -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "turn on the kettle every morning",
        "switch off the kitchen light at 10 pm",
        "open the garage door tomorrow",
        "turn the bedroom fan on for an hour",
        "turn off the tv in twenty minutes",
        "close the bedroom blinds at sunset",
        "turn the kettle on in the morning",
        "lock the front door at half past ten",
        "turn off the office fan later",
        "the kids keep switching the tv on",
        "my dad is turning the heating up",
        "we're opening the garage door",
    ],
)
def test_orders_for_another_time_and_habits_never_act(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text, (), "kitchen"), "kitchen") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("turn off every light in the kitchen", [("turn_off", ("kitchen_light", "kitchen_strip"))]),
        ("keep playing", [("media_play", ("tv",))]),
        ("would you mind switching on the kettle", [("turn_on", ("kettle",))]),
        ("do you mind closing the garage door", [("close_cover", ("garage_door",))]),
        ("stick the kettle on, would you", [("turn_on", ("kettle",))]),
        ("turn on the kettle if you can", [("turn_on", ("kettle",))]),
    ],
)
def test_times_and_requests_that_are_orders_still_act(
    understander: Understander, text: str, expected: list[tuple[str, Any]]
) -> None:
    assert actions(understander.understand(text, (), "living_room"), "living_room") == expected


def test_a_timer_for_ten_minutes_is_still_set(understander: Understander) -> None:
    found = understander.understand("set a timer for ten minutes", (), "kitchen")
    assert [(m.intent, m.slots["duration"].value) for m in found.matches] == [("start_timer", 600)]


def test_a_time_said_is_a_schedule_but_a_quantity_is_not() -> None:
    assert not_an_order(tokenize("turn on the kettle every day", strip_phrases=False)) == "schedule"
    assert not_an_order(tokenize("turn off every light", strip_phrases=False)) is None
    assert not_an_order(tokenize("set the thermostat at 21", strip_phrases=False)) is None
    assert not_an_order(tokenize("good morning", strip_phrases=False)) is None
    # A timer's duration is what it is about.
    assert not_an_order(tokenize("turn the fan on for an hour", strip_phrases=False), timed=False) is None


def test_a_named_device_that_cannot_do_it_is_refused_not_commanded() -> None:
    index = EntityIndex([*ENTITIES, EntityName("motion", ("motion sensor",), "sensor", "hallway")])
    on = IntentMatch(
        "turn_on", {"name": SlotValue(("motion",), "motion sensor")}, "turn on the motion sensor"
    )
    found = resolve_targets(on, index, None, types=TYPES["turn_on"])
    assert (found.problem, found.ids) == ("unsupported", ())
    lock = IntentMatch("lock", {"name": SlotValue(("tv",), "tv")}, "lock the tv")
    assert resolve_targets(lock, index, None, types=frozenset({"lock"})).problem == "unsupported"


def test_two_targets_in_one_part_are_split_not_merged(understander: Understander) -> None:
    found = understander.understand("turn off the kettle, the living room lights and the tv", (), None)
    assert actions(found) == [
        ("turn_off", ("kettle",)),
        ("turn_off", ("living_ceiling", "living_lamp")),
        ("turn_off", ("tv",)),
    ]
    said = understander.understand("turn off the tv and the lights in here", (), "living_room")
    assert actions(said, "living_room") == [
        ("turn_off", ("tv",)),
        ("turn_off", ("living_ceiling", "living_lamp")),
    ]


@pytest.mark.parametrize("text", ["make it cozy in here", "make the lounge snug", "get the bedroom toasty"])
def test_a_direction_from_unknown_words_is_not_guessed(understander: Understander, text: str) -> None:
    # The classifier once took "cozy" for "cooler": which way to turn a setting must come from known words.
    assert actions(understander.understand(text, (), "living_room"), "living_room") == []
