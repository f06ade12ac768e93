"""Normalisation and tokenization of utterances, templates and names."""

from __future__ import annotations

import pytest

from intents.normalize import normalize, tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Turn on the Kitchen Light!", "turn on the kitchen light"),
        ("What's the temperature?", "what's the temperature"),
        ("What\u2019s the time", "what's the time"),
        ("set it to 50%", "set it to 50 percent"),
        ("set it to 50 %", "set it to 50 percent"),
        ("make it 21°C", "make it 21 degrees"),
        ("make it 21°", "make it 21 degrees"),
        ("make it 21 °C in here", "make it 21 degrees in here"),
        ("make it 70°F", "make it 70 degrees fahrenheit"),
        ("set to 21.5 degrees", "set to 21.5 degrees"),
        ("twenty-one", "twenty one"),
        ("  lots   of\tspace\n", "lots of space"),
        ("Café lights", "cafe lights"),
        ("kids' room", "kids room"),
        ("1,000 lumens", "1000 lumens"),
        ("set it to -5", "set it to minus 5"),
        ("turn on the light, please", "turn on the light"),
        ("uh turn um on the light", "turn on the light"),
        ("Hey Hearth, turn on the light", "turn on the light"),
        ("can you turn on the light? thanks", "turn on the light"),
        ("could you please turn off the fan thank you", "turn off the fan"),
        ("the livingroom", "the livingroom"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_the_is_kept() -> None:
    assert tokenize("turn on the light") == ["turn", "on", "the", "light"]


def test_phrases_kept_when_asked() -> None:
    assert tokenize("can you hear", strip_phrases=False) == ["can", "you", "hear"]
    assert tokenize("can you hear") == ["hear"]


def test_a_phrase_alone_is_not_stripped_to_nothing() -> None:
    assert tokenize("thanks") == ["thanks"]
    assert tokenize("hearth") == ["hearth"]
