"""Acoustic doubt: a close runner-up that would do the opposite makes the hub ask instead of act."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.pipeline import build_understander
from assistant.speech.asr import Hypothesis, hypothesis_without_wake_words, without_wake_words
from assistant.speech.doubt import OPPOSITES, rival_reading
from intents.model import IntentMatch
from intents.understand import Understander

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def understander() -> Understander:
    return build_understander(load_config(ROOT / "config"))


def reader(understander: Understander):  # type: ignore[no-untyped-def]
    def understand(text: str) -> tuple[IntentMatch, ...]:
        return understander.understand(text, (), "kitchen").matches

    return understand


def test_a_close_opposite_reading_is_reported(understander: Understander) -> None:
    heard = Hypothesis(
        "turn on the kitchen light strip",
        0.7,
        (("turn on the kitchen light", 0.65), ("turn off the kitchen light strip", 0.5)),
    )
    assert rival_reading(heard, reader(understander)) == "turn off the kitchen light strip"


def test_far_or_harmless_alternatives_are_not_doubts(understander: Understander) -> None:
    understand = reader(understander)
    far = Hypothesis("turn on the kitchen light strip", 0.9, (("turn off the kitchen light strip", 0.2),))
    assert rival_reading(far, understand) is None
    same_polarity = Hypothesis("close the garage door", 0.6, (("close the garage doors", 0.59),))
    assert rival_reading(same_polarity, understand) is None
    not_polar = Hypothesis("what time is it", 0.5, (("what time is it now", 0.5),))
    assert rival_reading(not_polar, understand) is None
    no_alternatives = Hypothesis("lock the front door", 0.8)
    assert rival_reading(no_alternatives, understand) is None


def test_every_opposite_goes_both_ways() -> None:
    assert all(OPPOSITES[OPPOSITES[intent]] == intent for intent in OPPOSITES)


def test_locks_and_covers_count_too(understander: Understander) -> None:
    heard = Hypothesis("lock the front door", 0.6, (("unlock the front door", 0.55),))
    assert rival_reading(heard, reader(understander)) == "unlock the front door"
    covers = Hypothesis("open the garage door", 0.6, (("close the garage door", 0.4),))
    assert rival_reading(covers, reader(understander)) == "close the garage door"


def test_turn_down_heard_as_turn_on_is_asked_about(understander: Understander) -> None:
    """The synthesised "turn down the office speaker": decoded "turn on", with "turn down" at 0.27 of 0.62."""
    heard = Hypothesis(
        "turn on the office speaker",
        0.62,
        (("turn down the office speaker", 0.27), ("turn off the office speaker", 0.1)),
    )
    assert rival_reading(heard, reader(understander)) == "turn down the office speaker"


def test_a_wake_word_is_dropped_from_the_start_of_a_transcript_and_its_rivals() -> None:
    wake = ("hey hearth", "hey")
    assert without_wake_words("hey hearth turn on the tv", wake) == "turn on the tv"
    assert without_wake_words("Hey turn on the tv", wake) == "turn on the tv"
    assert without_wake_words("hey hearth", wake) == "hey hearth"  # nothing after it: left as heard
    assert without_wake_words("turn on the tv hey hearth", wake) == "turn on the tv hey hearth"
    heard = Hypothesis("hey hearth turn on the tv", 0.8, (("hey hearth turn off the tv", 0.1),))
    assert hypothesis_without_wake_words(heard, wake) == Hypothesis(
        "turn on the tv", 0.8, (("turn off the tv", 0.1),)
    )
