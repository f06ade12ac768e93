"""Numbers in digits and English words, both ways."""

from __future__ import annotations

from fractions import Fraction

import pytest

from intents.numbers import Number, fraction_percent, number_to_words, parse_fraction, parse_number


@pytest.mark.parametrize(
    ("text", "value", "consumed"),
    [
        ("21", 21, 1),
        ("21.5", 21.5, 1),
        ("0", 0, 1),
        ("zero", 0, 1),
        ("seven", 7, 1),
        ("fourteen", 14, 1),
        ("twenty", 20, 1),
        ("twenty one", 21, 2),
        ("ninety nine", 99, 2),
        ("a hundred", 100, 2),
        ("hundred", 100, 1),
        ("one hundred", 100, 2),
        ("one hundred and five", 105, 4),
        ("two hundred fifty", 250, 3),
        ("a thousand", 1000, 2),
        ("two thousand and twenty five", 2025, 5),
        ("twenty one thousand three hundred", 21300, 5),
        ("one million two hundred thousand", 1_200_000, 5),
        ("twenty one point five", 21.5, 4),
        ("twenty point two five", 20.25, 4),
        ("21 point 5", 21.5, 3),
        ("point five", 0.5, 2),
        ("minus five", -5, 2),
        ("negative 3", -3, 2),
        ("minus twenty one point five", -21.5, 5),
    ],
)
def test_parse_number(text: str, value: Number, consumed: int) -> None:
    parsed = parse_number(text.split(), 0)
    assert parsed is not None
    assert parsed == (value, consumed)
    assert type(parsed[0]) is type(value)


@pytest.mark.parametrize(
    ("text", "value", "end"),
    [
        ("fifty percent", 50, 1),
        ("one hundred and then", 100, 2),  # "and" only belongs to a number when one follows
        ("twenty one point", 21, 2),
        ("one twenty", 1, 1),
        ("to twenty one degrees", None, None),
    ],
)
def test_parse_stops_at_the_longest_number(text: str, value: Number | None, end: int | None) -> None:
    parsed = parse_number(text.split(), 0)
    assert parsed == (None if value is None else (value, end))


def test_parse_from_an_offset() -> None:
    assert parse_number(["set", "it", "to", "twenty", "one", "degrees"], 3) == (21, 5)


@pytest.mark.parametrize("text", ["", "a", "and five", "point", "minus", "lights", "one2"])
def test_not_a_number(text: str) -> None:
    assert parse_number(text.split(), 0) is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "zero"),
        (5, "five"),
        (13, "thirteen"),
        (21, "twenty one"),
        (40, "forty"),
        (100, "one hundred"),
        (105, "one hundred five"),
        (999, "nine hundred ninety nine"),
        (1000, "one thousand"),
        (2025, "two thousand twenty five"),
        (1_200_000, "one million two hundred thousand"),
        (21.5, "twenty one point five"),
        (21.0, "twenty one"),
        (0.25, "zero point two five"),
        (-5, "minus five"),
    ],
)
def test_number_to_words(value: Number, words: str) -> None:
    assert number_to_words(value) == words


def test_round_trip() -> None:
    for n in [*range(0, 2500), 10_000, 99_999, 123_456, 1_000_001]:
        words = number_to_words(n).split()
        assert parse_number(words, 0) == (n, len(words)), n
    for x in (0.5, 1.25, 19.9, 21.5, 37.75):
        words = number_to_words(x).split()
        assert parse_number(words, 0) == (x, len(words)), x


@pytest.mark.parametrize(
    "text", ["three quarters", "2 thirds", "one half", "a hundred quarters", "one and a half thirds"]
)
def test_a_number_before_a_fraction_word_is_never_taken_alone(text: str) -> None:
    assert parse_number(text.split(), 0) is None


def test_seconds_stay_a_unit_after_a_number() -> None:
    assert parse_number(["ten", "seconds"], 0) == (10, 1)
    assert parse_number(["twenty", "one", "and", "a", "half"], 0) == (21.5, 5)


@pytest.mark.parametrize(
    ("text", "value", "end"),
    [
        ("three quarters", Fraction(3, 4), 2),
        ("a quarter", Fraction(1, 4), 2),
        ("one third of the way", Fraction(1, 3), 2),
        ("2 thirds", Fraction(2, 3), 2),
        ("half", Fraction(1, 2), 1),
    ],
)
def test_parse_fraction(text: str, value: Fraction, end: int) -> None:
    assert parse_fraction(text.split(), 0) == (value, end)


@pytest.mark.parametrize("text", ["three quarter", "a quarters", "the third", "three", "seconds"])
def test_not_a_fraction(text: str) -> None:
    assert parse_fraction(text.split(), 0) is None


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("open it three quarters", 75),
        ("two thirds open", 67),
        ("a third of the way", 33),
        ("half a quarter", None),  # two fractions: which is meant is a guess
        ("four thirds", None),  # more than the whole
        ("open the blinds", None),
    ],
)
def test_fraction_percent(text: str, percent: int | None) -> None:
    assert fraction_percent(text.split()) == percent
