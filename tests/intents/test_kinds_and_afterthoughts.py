"""The blind12 round: a name that is only a kind word in another room, makers' names and gadgets ("the
Hue bulb", "the smart plug for the coffee maker"), afterthoughts ("oh and", "while you're at it"), a room
shared between the parts of one utterance, misheard words, corrections ("I meant the bathroom", "up — I
mean down") and clauses that only say a question is a question."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.brands import KindWords
from intents.context import Turn
from intents.model import AreaName, EntityName, IntentMatch, SlotValue
from intents.normalize import tokenize
from intents.recognizer import IntentData
from intents.targets import AMBIGUOUS, NO_DEVICE, EntityIndex, resolve_targets
from intents.understand import Understander, fix_asr
from intents.vocabulary import kind_words

from .small_home import SmallHome, said, values
from .test_phrasings import HOME
from .test_safety import AREAS, TYPES

ENTITIES = [
    *HOME,
    EntityName("living_blinds", ("living room blinds",), "cover", "living_room"),
    EntityName("bathroom_fan", ("bathroom fan", "extractor fan"), "fan", "bathroom"),
]
# As the hub derives them: a step warmer or cooler is for thermostats only.
STEPS = {"temperature_up": frozenset({"climate"}), "temperature_down": frozenset({"climate"})}
SMALL = SmallHome(ENTITIES, [*AREAS, AreaName("bathroom", ("bathroom",))], {**TYPES, **STEPS})
actions = SMALL.actions
talk = SMALL.talk


@pytest.fixture(scope="module")
def understander(data: IntentData, model_cache: Path) -> Understander:
    return SMALL.understander(data, model_cache)


# ---- a name that is only a kind word ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("bedroom", ("bedroom_thermostat",)),  # the room's own thermostat, though the other is "thermostat"
        ("living_room", ("living_thermostat",)),
        ("kitchen", ("living_thermostat",)),  # no thermostat here: the one called so
        (None, ("living_thermostat",)),
    ],
)
def test_a_bare_kind_name_means_the_kind_in_the_speakers_room(
    understander: Understander, area: str | None, expected: tuple[str, ...]
) -> None:
    found = understander.understand("turn the thermostat down a notch", (), area)
    assert actions(found, area) == [("temperature_down", expected)]


def test_a_kind_word_only_gives_way_to_a_device_that_answers_to_it(data: IntentData) -> None:
    speaker = EntityName("speaker", ("office speaker", "speaker"), "media_player", "office")
    tv = EntityName("tv", ("tv",), "media_player", "living_room")
    index = EntityIndex([speaker, tv], kind_words(data))
    named = IntentMatch("media_pause", {"name": SlotValue(("speaker",), "speaker")}, "pause the speaker")
    # "the speaker" said in the living room is still the speaker: the tv is not called a speaker
    assert resolve_targets(named, index, "living_room").ids == ("speaker",)


# ---- makers' names and gadgets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("turn on the smart plug for the coffee maker", None, [("turn_on", ("coffee_maker",))]),
        ("switch on the Hue bulb in the bedroom", None, [("turn_on", ("bedroom_light",))]),
        ("play the Sonos", "office", [("media_play", ("speaker",))]),
        ("lock the smart lock on the front door", None, [("lock", ("front_door",))]),
        ("turn off the LED strip in the kitchen", None, [("turn_off", ("kitchen_strip",))]),
        ("turn on the coffee pot", None, [("turn_on", ("coffee_maker",))]),
        ("coffee on", None, [("turn_on", ("coffee_maker",))]),
        ("pause the speaker on my desk", "office", [("media_pause", ("speaker",))]),
    ],
)
def test_makers_names_and_gadgets_name_the_device(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_a_plug_for_a_device_of_another_kind_is_left_as_said(data: IntentData) -> None:
    kinds = KindWords(ENTITIES, kind_words(data), {"bedroom", "light", "coffee", "maker"})
    # a plug is a switch; the bedroom light is no switch, so no device is guessed from it
    assert kinds.rewrite("turn on the plug for the bedroom light") == "turn on the plug for the bedroom light"
    assert kinds.rewrite("turn on the plug for the coffee maker, then stop") == (
        "turn on the coffee maker, then stop"
    )


def test_a_makers_name_that_is_a_name_in_the_home_stays_a_name(data: IntentData) -> None:
    sonos = EntityName("sonos", ("sonos",), "media_player", "office")
    kinds = KindWords([sonos], kind_words(data), {"sonos"})
    assert kinds.rewrite("play the sonos") == "play the sonos"


# ---- afterthoughts and a room shared between parts ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        (
            "turn on the kitchen light, oh and start the coffee maker",
            None,
            [("turn_on", ("kitchen_light",)), ("turn_on", ("coffee_maker",))],
        ),
        (
            "turn off the tv, and while you're at it lock the front door",
            None,
            [("turn_off", ("tv",)), ("lock", ("front_door",))],
        ),
        (
            "turn on the lamp and turn off the ceiling light",
            None,
            [("turn_on", ("living_lamp",)), ("turn_off", ("living_ceiling",))],
        ),
        (
            "what's the temperature in the bedroom and turn the heating up in there",
            None,
            [("temperature_up", ("bedroom_thermostat",))],  # the reading only answers; the order acts
        ),
    ],
)
def test_afterthoughts_and_a_room_said_once(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_a_room_shared_between_parts_is_the_devices_room_as_heard_here(understander: Understander) -> None:
    # in the bedroom "the lamp" is the bedroom's light, and the bedroom has no ceiling light: ask
    found = understander.understand("turn on the lamp and turn off the ceiling light", (), "bedroom")
    assert ("turn_off", AMBIGUOUS) in actions(found, "bedroom")


@pytest.mark.parametrize("text", ["close the blinds in the garage", "close the garage blinds"])
def test_blinds_are_never_a_garage_door(understander: Understander, text: str) -> None:
    assert actions(understander.understand(text)) == [("close_cover", NO_DEVICE)]


def test_the_window_words_stand_for_each_other(understander: Understander) -> None:
    found = understander.understand("open the curtains in the living room")
    assert actions(found) == [("open_cover", ("living_blinds",))]


# ---- misheard words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("on lock the front door", "unlock the front door"),
        ("un lock the front door", "unlock the front door"),
        ("lock the front or", "lock the front door"),
        ("set a timer for ate minutes", "set a timer for eight minutes"),
        ("set a timer for for minutes", "set a timer for four minutes"),
        ("set a timer for too minutes", "set a timer for two minutes"),
        ("what's the temperature in the off is", "what's the temperature in the office"),
        ("turn up the volume on the speak her", "turn up the volume on the speaker"),
        ("never mine", "never mind"),
        ("what can you due", "what can you do"),
    ],
)
def test_misheard_words_are_read_as_meant(heard: str, meant: str) -> None:
    assert fix_asr(tokenize(heard)) == tokenize(meant)


@pytest.mark.parametrize(
    "text",
    [
        "turn the light on for two minutes",  # "for" stays where no unit follows the number
        "is the tv on",
        "turn on the lamp and the fan",
    ],
)
def test_words_around_them_are_left_alone(text: str) -> None:
    assert fix_asr(tokenize(text)) == tokenize(text)


def test_a_homophone_the_speller_would_misread_is_heard_first(understander: Understander) -> None:
    # "hole" looks like a slip for "home"; heard, it is "hall"
    assert actions(understander.understand("turn off the hole light")) == [("turn_off", ("hall_light",))]


# ---- corrections and follow-ups -------------------------------------------------------------------------


def test_i_meant_the_room(understander: Understander) -> None:
    found = talk(understander, ["turn on the fan in the bedroom", "sorry, I meant the bathroom"])
    assert actions(found) == [("turn_on", ("bathroom_fan",))]
    found = talk(understander, ["set the bedroom thermostat to 20", "no, in the living room I mean"])
    assert said(list(found.matches))[0][0] == "set_temperature"
    assert actions(found) == [("set_temperature", ("living_thermostat",))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("turn the tv up — I mean down", [("volume_down", ("tv",))]),
        ("turn the kitchen light on, I mean off", [("turn_off", ("kitchen_light",))]),
    ],
)
def test_a_way_taken_back_is_turned_round(understander: Understander, text: str, expected: list) -> None:
    assert actions(understander.understand(text)) == expected


def test_warmer_in_here_is_this_rooms_heating(understander: Understander) -> None:
    found = talk(understander, ["turn up the bedroom thermostat", "make it warmer in here"], "living_room")
    assert actions(found, "living_room") == [("temperature_up", ("living_thermostat",))]


def test_warmer_after_a_light_is_still_heat(understander: Understander) -> None:
    found = talk(understander, ["turn on the bedroom light", "make it warmer"], "bedroom")
    assert actions(found, "bedroom") == [("temperature_up", ("bedroom_thermostat",))]


def test_it_in_here_of_a_device_elsewhere_asks(understander: Understander) -> None:
    found = talk(understander, ["turn on the bedroom light", "turn it off in here"], "living_room")
    assert found.question == "no-context"
    assert actions(found, "living_room") == []


# ---- a clause that only says the question is one --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is the tv on? don't turn it on, just tell me", [("get_state", {"name": ("tv",), "state": "on"})]),
        (
            "I'm not asking you to lock it, I just want to know if the front door is locked",
            [("get_state", {"name": ("front_door",), "state": "locked"})],
        ),
        ("is the office speaker paused or what", [("get_state", {"name": ("speaker",), "state": "paused"})]),
    ],
)
def test_a_disclaimer_leaves_only_the_question(understander: Understander, text: str, expected: list) -> None:
    found = understander.understand(text)
    assert said(list(found.matches)) == expected
    assert actions(found) == []


@pytest.mark.parametrize(
    "text",
    [
        "don't turn it on",  # nothing asked: the negation stays and nothing is done
        "don't turn off the tv, turn off the lamp",  # a device of its own: not a disclaimer
    ],
)
def test_a_negated_order_without_a_question_still_does_nothing_new(
    understander: Understander, text: str
) -> None:
    found = understander.understand(text, (), "living_room")
    assert ("turn_off", ("tv",)) not in actions(found, "living_room")
    assert ("turn_on", ("tv",)) not in actions(found, "living_room")


# ---- values after a step, "all the way", choosing a value, timers talked of ------------------------------


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("set the tv volume to 30", "too loud, 20", ("set_volume", {"volume": 20})),
        ("set the bedroom blinds to 30", "a bit more, 50", ("set_position", {"position": 50})),
    ],
)
def test_a_value_after_a_step_is_the_value(
    understander: Understander, first: str, then: str, expected: tuple
) -> None:
    found = talk(understander, [first, then])
    assert [(m.intent, {k: v for k, v in values(m).items() if k != "devices"}) for m in found.matches] == [
        expected
    ]


def test_a_value_after_another_settings_step_is_not_taken(understander: Understander) -> None:
    # "too loud" is the volume's way, and the blinds were set last: no position from it
    found = talk(understander, ["set the bedroom blinds to 30", "too loud, 50"])
    assert not [m for m in found.matches if m.intent == "set_position"]


def test_all_the_way_after_brighter_is_full_brightness(understander: Understander) -> None:
    found = talk(understander, ["turn on the living room ceiling light", "brighter", "all the way"])
    assert said(list(found.matches)) == [
        ("set_brightness", {"brightness": 100, "devices": ("living_ceiling",)})
    ]


@pytest.mark.parametrize(
    "texts",
    [
        ["dim the bedroom light", "all the way"],  # all the way down is not guessed as off
        ["brighten the bedroom light", "all the way down"],  # said the other way
        ["all the way"],  # nothing before it
    ],
)
def test_all_the_way_is_only_read_after_a_step_its_way(understander: Understander, texts: list) -> None:
    assert actions(talk(understander, texts)) == []


def test_a_value_is_chosen_in_other_words(understander: Understander) -> None:
    found = talk(understander, ["turn the living room lamp red", "hmm, go with warm white"])
    assert [(m.intent, values(m)["color"]["name"]) for m in found.matches] == [("set_color", "warm white")]


def test_timers_talked_of_lend_their_unit_and_noun(understander: Understander) -> None:
    # as the hub keeps a timer's turn: its intent and slots (it touched no device)
    pasta = Turn("set a pasta timer for 8 minutes", "start_timer", {"timer_name": "pasta", "duration": 480},
                 (), "", 0.0, True)  # fmt: skip
    found = understander.understand("and a garlic bread timer for 5", [pasta])
    assert said(list(found.matches)) == [("start_timer", {"timer_name": "garlic bread", "duration": 300})]
    cancelled = understander.understand("cancel the pasta one", [pasta])
    assert said(list(cancelled.matches)) == [("cancel_timer", {"timer_name": "pasta"})]
    hour = Turn("set a timer for an hour and a half", "start_timer", {"duration": 5400}, (), "", 0.0, True)
    # an hour and a half gives no unit to lend
    assert not understander.understand("and a bread timer for 5", [hour]).matches


def test_a_number_without_a_unit_is_no_timer_without_one_before(understander: Understander) -> None:
    assert not understander.understand("set a garlic bread timer for 5").matches


# ---- plain words for full, music and a remark of not knowing ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("bedroom light at full", None, [("set_brightness", ("bedroom_light",))]),
        ("gimme some music in here", "office", [("media_play", ("speaker",))]),
        ("I'd love some music", "office", [("media_play", ("speaker",))]),
        ("drop the living room thermostat a bit", None, [("temperature_down", ("living_thermostat",))]),
        # a wish to have a device so is asked of Hearth, and is no question about the blinds
        ("it'd be lovely to have the bedroom blinds open", None, [("open_cover", ("bedroom_blinds",))]),
        ("I wish it were cooler in the bedroom", None, [("temperature_down", ("bedroom_thermostat",))]),
        ("I want it warmer", "living_room", [("temperature_up", ("living_thermostat",))]),
        ("the bedroom light at max", None, [("set_brightness", ("bedroom_light",))]),
        (
            "I don't know which button is which — can you turn on the coffee maker",
            None,
            [("turn_on", ("coffee_maker",))],
        ),
    ],
)
def test_plain_words_for_a_setting_music_and_a_remark(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_a_remark_of_not_knowing_that_denies_the_order_still_stops_it(understander: Understander) -> None:
    found = understander.understand("I don't know, don't turn on the coffee maker")
    assert actions(found) == []


# ---- asides, complaints beside an order on "it", light asked for ----------------------------------------


def test_a_complaint_beside_an_order_on_it_is_its_reason(understander: Understander) -> None:
    found = talk(understander, ["turn the bedroom fan on", "ugh, it's too loud, turn it off"])
    assert actions(found) == [("turn_off", ("bedroom_fan",))]


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("hang on Mum — turn the tv down — sorry, go on", None, [("volume_down", ("tv",))]),
        ("turn the tv down, sorry, go on", None, [("volume_down", ("tv",))]),  # "go on" takes nothing back
        ("pitch black in here, light please", "hallway", [("turn_on", ("hall_light",))]),
        ("some light please", "hallway", [("turn_on", ("hall_light",))]),
    ],
)
def test_asides_and_light_asked_for(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_a_correction_after_sorry_is_still_one(understander: Understander) -> None:
    found = understander.understand("turn on the kitchen light, sorry, the hall light")
    assert actions(found) == [("turn_on", ("hall_light",))]


# ---- blind13: names said in another order, devices told by their job, both of a kind ------------------


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("please open the light of the kitchen", None, [("turn_on", ("kitchen_light",))]),
        ("open the blinds of the living room", None, [("open_cover", ("living_blinds",))]),
        ("turn on the thing that blows air in the bedroom", None, [("turn_on", ("bedroom_fan",))]),
        ("turn on the fan that gets the steam out of the bathroom", None, [("turn_on", ("bathroom_fan",))]),
        ("start the thing that makes coffee", None, [("turn_on", ("coffee_maker",))]),
        ("pause whatever's on the telly", None, [("media_pause", ("tv",))]),
        ("close both sets of blinds", None, [("close_cover", ("bedroom_blinds", "living_blinds"))]),
        ("make the kitchen light to open", None, [("turn_on", ("kitchen_light",))]),
        ("make the bedroom blinds to close", None, [("close_cover", ("bedroom_blinds",))]),
        ("please to unlock the front door, my son is coming", None, [("unlock", ("front_door",))]),
        ("yo turn the kitchen light on", None, [("turn_on", ("kitchen_light",))]),
        ("kindly do the needful and switch off the kitchen light", None, [("turn_off", ("kitchen_light",))]),
        ("turn the office speaker up a lil pls", None, [("volume_up", ("speaker",))]),
    ],
)
def test_names_jobs_and_voices(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


def test_a_job_clause_that_denies_the_room_is_not_read(understander: Understander) -> None:
    assert understander.described.rewrite("turn off the lamp that isn't in the bedroom") == (
        "turn off the lamp that isn't in the bedroom"
    )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["set the bedroom thermostat to twenty one", "make it twenty two"], [("set_temperature", 22)]),
        (["hall light on", "ok off again"], [("turn_off", None)]),
        (["turn on the kitchen light", "dim it a bit", "no, put it at half"], [("set_brightness", 50)]),
        (["close the bedroom blinds", "nah leave them halfway"], [("set_position", 50)]),
    ],
)
def test_short_follow_ups(understander: Understander, texts: list, expected: list) -> None:
    found = talk(understander, texts)
    got = [
        (m.intent, next((v for k, v in values(m).items() if k not in TARGET_KEYS), None))
        for m in found.matches
    ]
    assert got == expected


TARGET_KEYS = {"name", "area", "domain", "devices", "plural", "ref"}


def test_leaving_things_as_they_are_still_does_nothing(understander: Understander) -> None:
    assert actions(understander.understand("leave the bedroom light on")) == []


def test_a_kind_said_from_a_phone_is_the_one_in_the_room_just_talked_of(understander: Understander) -> None:
    texts = [
        "open the bedroom blinds",
        "turn on the fan in there",
        "ok now close them",
        "and turn the light off",
    ]
    assert actions(talk(understander, texts)) == [("turn_off", ("bedroom_light",))]
    # "the lights" is every light, never one room's guessed: without a room it still asks
    assert actions(talk(understander, ["turn on the bedroom light", "turn off the lights"])) == [
        ("turn_off", "need-area")
    ]


@pytest.mark.parametrize(
    ("text", "area", "expected"),
    [
        ("is a garage door open", None, []),  # a question: nothing done (it is asked, see below)
        ("Turn in the hall light", None, [("turn_on", ("hall_light",))]),
        ("Turn odd the tv", None, [("turn_off", ("tv",))]),
        ("energise the coffee maker", None, [("turn_on", ("coffee_maker",))]),
        ("cut power to the bedroom fan", None, [("turn_off", ("bedroom_fan",))]),
        ("lock up the front door", None, [("lock", ("front_door",))]),
        ("could you open the bedroom blinds for her, thank you", None, [("open_cover", ("bedroom_blinds",))]),
        ("Mum would like the bedroom light a little dimmer", None, [("brightness_down", ("bedroom_light",))]),
        ("a tiny bit dimmer in here", "bedroom", [("brightness_down", ("bedroom_light",))]),
        ("the bedroom fan on, the bedroom's all stuffy", None, [("turn_on", ("bedroom_fan",))]),
        ("turn the bedroom fan on, the office is all stuffy", None, []),  # a remark on another room
    ],
)
def test_carers_learners_and_slips(
    understander: Understander, text: str, area: str | None, expected: list
) -> None:
    assert actions(understander.understand(text, (), area), area) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is a garage door open", [("get_state", {"name": ("garage_door",), "state": "open"})]),
        (
            "is the front door locked question mark",
            [("get_state", {"name": ("front_door",), "state": "locked"})],
        ),
        ("never mind the lights", [("nevermind", {})]),
    ],
)
def test_asked_and_called_off_in_other_words(understander: Understander, text: str, expected: list) -> None:
    assert said(list(understander.understand(text).matches)) == expected


# ---- guards from blind14's first run ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "turn on the bedroom light, just kidding",  # taken back as a joke
        "what if I unlocked the front door",  # supposed: neither asked nor ordered
        "close the curtains in the dining room",  # a room the home lacks, never the "living room"
        "turn on the landing light",
    ],
)
def test_jokes_suppositions_and_rooms_the_home_lacks_do_nothing(
    understander: Understander, text: str
) -> None:
    found = understander.understand(text)
    assert actions(found) == []
    assert not [m for m in found.matches if m.intent == "get_state"]


def test_a_kind_that_cannot_do_it_is_never_read_for_a_rooms_devices(data: IntentData) -> None:
    index = EntityIndex(ENTITIES, kind_words(data))
    reading = IntentMatch(
        "get_temperature",
        {"domain": SlotValue("light", "lights"), "area": SlotValue("bedroom", "bedroom")},
        "stuck at the lights, what's the temperature in the bedroom",
    )
    assert resolve_targets(reading, index, None, types={"climate", "sensor"}).problem == "unsupported"
