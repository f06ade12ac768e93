"""Self-corrections and sentences spoken to someone else, as plain word work (no home needed)."""

from __future__ import annotations

import pytest

from intents.address import called_elsewhere, for_assistant, sentences
from intents.idioms import asked_indirectly
from intents.normalize import tokenize
from intents.repair import Repair, find_repair, readings
from intents.understand import comma_boundaries


def repair_of(text: str) -> Repair | None:
    tokens = tokenize(text)
    return find_repair(tokens, comma_boundaries(text, len(tokens)), text)


@pytest.mark.parametrize(
    ("text", "taken_back", "correction"),
    [
        ("set the bedroom light to 60, no, make that 45 percent", "set the bedroom light to 60",
         "45 percent"),
        ("turn up the tv, sorry, I meant turn it down", "turn up the tv", "turn it down"),
        ("pause the tv, wait, not the tv, pause the speaker", "pause the tv", "pause the speaker"),
        ("turn off the reading lamp, oh wait, the ceiling light I mean", "turn off the reading lamp",
         "the ceiling light"),
        ("set the thermostat to 23, hang on, 22", "set the thermostat to 23", "22"),
        # speech-recogniser text has no commas: only unmistakable markers count
        ("set a timer for ten no twelve minutes", "set a timer for ten", "twelve minutes"),
        ("open the bedroom blinds i mean the living room ones", "open the bedroom blinds",
         "the living room ones"),
    ],
)  # fmt: skip
def test_a_correction_is_found_where_the_speaker_took_something_back(
    text: str, taken_back: str, correction: str
) -> None:
    found = repair_of(text)
    assert found is not None
    assert " ".join(found.taken_back) == taken_back
    assert " ".join(found.correction) == correction


@pytest.mark.parametrize(
    "text",
    [
        "turn on the kitchen light, no rush",  # a courtesy, nothing taken back
        "turn off the light, sorry",  # nothing said after the marker
        "no, turn off the light",  # nothing before it
        "there is no light in the garage",  # "no" inside a sentence, with nothing said anew
        "turn on the kitchen light please",
        "make the kitchen light brighter for me, please? My eyes aren't what they were",  # no hesitation
    ],
)
def test_no_correction_where_nothing_is_taken_back(text: str) -> None:
    assert repair_of(text) is None


def test_a_hesitation_between_two_values_is_a_correction_of_the_value_only() -> None:
    found = repair_of("make the kitchen strip red, er, orange")
    assert found is not None and found.hesitation
    assert [" ".join(words) for words, _anew in readings(found, ["the", "kitchen", "strip"])] == [
        "make the kitchen strip orange"
    ]


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        # a new number keeps the unit said before, unless it says its own
        ("put the light at 60 percent, no, 70", [], "put the light at 70 percent"),
        ("set a timer for ten, no, twelve minutes", [], "set a timer for twelve minutes"),
        # a device said anew replaces the one taken back, from the word both start with
        ("switch on the garage, sorry, the hallway light", [], "switch on the hallway light"),
        ("open the bedroom blinds, I mean the living room ones", [], "open the living room blinds"),
        # a pronoun in a correction said in full points at what was taken back
        ("close the garage door, oh no, open it", ["the", "garage", "door"], "open the garage door"),
    ],
)
def test_readings_splice_the_correction_into_the_words_taken_back(
    text: str, target: list[str], expected: str
) -> None:
    found = repair_of(text)
    assert found is not None
    assert expected in [" ".join(words) for words, _anew in readings(found, target)]


@pytest.mark.parametrize(
    ("text", "to_someone_else"),
    [
        ("Harry, go upstairs and turn your bedroom light off, please", True),
        ("Jack, the bath's running.", True),
        ("right, bath time, kids.", True),  # a group is called at the end
        ("Kitchen, lights on", False),  # a room of the home, not a person
        ("Okay, turn on the tv", False),
        ("Hearth, turn on the tv", False),  # a word the commands use
        ("turn on the tv", False),
    ],
)
def test_a_sentence_that_calls_someone_by_name_is_theirs(text: str, to_someone_else: bool) -> None:
    known = {"kitchen", "lights", "on", "turn", "the", "tv", "hearth"}.__contains__
    assert called_elsewhere(text, known) is to_someone_else


def test_only_the_sentences_for_the_assistant_are_kept() -> None:
    known = {"extractor", "fan", "on"}.__contains__
    text = "Jack, the bath's running. Extractor fan on and set a timer for ten minutes"
    assert sentences(text) == [
        "Jack, the bath's running.",
        "Extractor fan on and set a timer for ten minutes",
    ]
    assert for_assistant(text, known) == "Extractor fan on and set a timer for ten minutes"
    assert for_assistant("Harry, go to bed.", known) == ""
    assert for_assistant("Set the light to 2.5 percent. Thanks", known) is None  # nothing dropped


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("I wonder whether the garage door's still open", "is the garage door still open"),
        ("not sure whether the bedroom blinds are down", "are the bedroom blinds down"),
        ("I'm not sure I locked the front door", "did i lock the front door"),
        ("I can't remember if I switched the coffee maker off", "did i switch the coffee maker off"),
        ("I wonder if the kids left the hall light on", "did someone leave the hall light on"),
        ("I'd like to know whether the speaker is paused", "is the speaker paused"),
    ],
)
def test_doubt_said_as_a_statement_is_asked_as_a_question(text: str, question: str) -> None:
    names = {"garage", "door", "bedroom", "blinds", "front", "coffee", "maker", "hall", "light", "speaker"}
    assert asked_indirectly(tokenize(text), names) == question.split()


def test_words_without_doubt_are_not_rewritten() -> None:
    assert asked_indirectly(tokenize("the garage door is open"), {"garage", "door"}) is None
    assert asked_indirectly(tokenize("I wonder"), set()) is None
