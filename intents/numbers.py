"""English numbers in token form: parse digits or number words, and spell numbers out for grammars."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

Number = int | float

ONES: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS: dict[str, int] = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALES: dict[str, int] = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
DIGITS: dict[str, int] = {"zero": 0, "oh": 0, **ONES}
NEGATIVE = frozenset({"minus", "negative"})

# Every word that can appear inside a spoken number, for speech grammars and quick rejection.
NUMBER_WORDS = frozenset({*DIGITS, *TEENS, *TENS, *SCALES, "hundred", "point", "and", "a", "half", *NEGATIVE})

HALF = ("and", "a", "half")

# The parts a whole is cut into, said after a count: "three quarters" is 3/4, never 3. "Second" is left
# out: after a number it is a unit of time ("ten seconds").
DENOMINATORS: dict[str, int] = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4,
    "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8,
    "tenth": 10, "tenths": 10,
}  # fmt: skip

_INT = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+\.\d+")


def _at(tokens: Sequence[str], i: int) -> str:
    return tokens[i] if i < len(tokens) else ""


def _below_hundred(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """1-99 in words: "seven", "fourteen", "forty", "forty two"."""
    word = _at(tokens, i)
    if word in ONES:
        return ONES[word], i + 1
    if word in TEENS:
        return TEENS[word], i + 1
    if word in TENS:
        unit = _at(tokens, i + 1)
        if unit in ONES:
            return TENS[word] + ONES[unit], i + 2
        return TENS[word], i + 1
    return None


def _below_thousand(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """1-999 in words: "a hundred", "two hundred and five", "hundred", "ninety nine"."""
    word = _at(tokens, i)
    if word == "hundred":
        hundreds, j = 100, i + 1
    elif (word in ONES or word == "a") and _at(tokens, i + 1) == "hundred":
        hundreds, j = ONES.get(word, 1) * 100, i + 2
    else:
        return _below_hundred(tokens, i)
    # "and" belongs to the number only when a number word follows it ("one hundred and five").
    k = j + 1 if _at(tokens, j) == "and" else j
    rest = _below_hundred(tokens, k)
    return (hundreds + rest[0], rest[1]) if rest else (hundreds, j)


def _integer_words(tokens: Sequence[str], i: int) -> tuple[int, int] | None:
    """A whole number in words, with thousands/millions in decreasing order."""
    if _at(tokens, i) == "zero":
        return 0, i + 1
    total, j, result, last_scale = 0, i, None, 0
    while True:
        k = j + 1 if result is not None and _at(tokens, j) == "and" else j
        group = _below_thousand(tokens, k)
        if group is None and _at(tokens, k) == "a" and _at(tokens, k + 1) in SCALES:
            group = (1, k + 1)  # "a thousand"
        if group is None:
            return result
        value, k = group
        scale = SCALES.get(_at(tokens, k), 0)
        if scale and (not last_scale or scale < last_scale):
            total += value * scale
            last_scale, j = scale, k + 1
            result = (total, j)
            continue
        return total + value, k


def _fraction(tokens: Sequence[str], i: int) -> tuple[str, int] | None:
    """The digits after "point": "five", "two five", or a digit token "25"; returned as a digit string."""
    word = _at(tokens, i)
    if _INT.fullmatch(word):
        return word, i + 1
    digits = ""
    while _at(tokens, i) in DIGITS:
        digits += str(DIGITS[tokens[i]])
        i += 1
    return (digits, i) if digits else None


def _unsigned(tokens: Sequence[str], start: int) -> tuple[Number, int] | None:
    word = _at(tokens, start)
    if _DECIMAL.fullmatch(word):
        return float(word), start + 1
    if _INT.fullmatch(word):
        whole: tuple[int, int] | None = (int(word), start + 1)
    elif word == "point":
        whole = (0, start)  # "point five"
    else:
        whole = _integer_words(tokens, start)
    if whole is None:
        return None
    value, end = whole
    if _at(tokens, end) == "point":
        fraction = _fraction(tokens, end + 1)
        if fraction is not None:
            # Built from the digit string so 21 point 3 is exactly 21.3, not 21.300000000000001.
            return float(f"{value}.{fraction[0]}"), fraction[1]
    if end > start and tuple(tokens[end : end + 3]) == HALF:
        if _at(tokens, end + 3) in DENOMINATORS:
            return None  # "one and a half thirds": no amount anyone means; never the bare number
        return value + 0.5, end + 3  # "twenty one and a half"
    if _at(tokens, end) in DENOMINATORS:
        return None  # "three quarters", "two thirds": a fraction (see `parse_fraction`), never 3 or 2
    return (value, end) if end > start else None


def parse_number(tokens: Sequence[str], start: int) -> tuple[Number, int] | None:
    """Parse the longest number at tokens[start:]; returns (value, end index) or None.

    Digits ("21", "21.5") and English words ("twenty one", "a hundred", "one hundred and five",
    "twenty one point five", "minus five") are accepted; a fraction makes the value a float.
    """
    if _at(tokens, start) in NEGATIVE:
        parsed = _unsigned(tokens, start + 1)
        return (-parsed[0], parsed[1]) if parsed else None
    return _unsigned(tokens, start)


def parse_fraction(tokens: Sequence[str], start: int) -> tuple[Fraction, int] | None:
    """A fraction said in words at tokens[start:]: "three quarters", "a third", "one half", "half", "2
    thirds"; (value, end index) or None. A count of one takes the singular ("a quarter", not "a
    quarters"), more the plural, as people say them; anything else is no fraction."""
    word = _at(tokens, start)
    if word in ("a", "one"):
        count, i = 1, start + 1
    elif word in DENOMINATORS:
        count, i = 1, start
    elif word in ONES or _INT.fullmatch(word):
        count, i = ONES.get(word) or int(word), start + 1
    else:
        return None
    part = _at(tokens, i)
    if part not in DENOMINATORS or part.endswith("s") != (count > 1):
        return None
    return Fraction(count, DENOMINATORS[part]), i + 1


def fraction_percent(tokens: Sequence[str]) -> int | None:
    """The one proper fraction said ("three quarters", "a third") as a whole percentage (75, 33); None when
    none is said, or when more than one is ("half … a quarter": which one is meant is a guess)."""
    found: list[Fraction] = []
    i = 0
    while i < len(tokens):
        parsed = parse_fraction(tokens, i)
        if parsed is None:
            i += 1
            continue
        found.append(parsed[0])
        i = parsed[1]
    if len(found) != 1 or not 0 < found[0] < 1:
        return None
    return round(found[0] * 100)


_ONES_WORDS = ("zero", *ONES)
_TEENS_WORDS = tuple(TEENS)
_TENS_WORDS = ("", "", *TENS)


def _small_to_words(n: int) -> list[str]:
    """1-999 as words, American style without "and" ("one hundred five")."""
    words: list[str] = []
    if n >= 100:
        words += [_ONES_WORDS[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS_WORDS[n // 10])
        n %= 10
    if n >= 10:
        words.append(_TEENS_WORDS[n - 10])
    elif n > 0:
        words.append(_ONES_WORDS[n])
    return words


def _int_to_words(n: int) -> list[str]:
    if n == 0:
        return ["zero"]
    words: list[str] = []
    for name, scale in sorted(SCALES.items(), key=lambda item: -item[1]):
        if n >= scale:
            words += [*_int_to_words(n // scale), name]
            n %= scale
    return words + _small_to_words(n) if n else words


def number_to_words(n: Number) -> str:
    """Spell a number the way `parse_number` reads it: 21 -> "twenty one", 21.5 -> "twenty one point five"."""
    if n < 0:
        return "minus " + number_to_words(-n)
    if isinstance(n, float) and not n.is_integer():
        whole, _, digits = f"{n:.6f}".rstrip("0").partition(".")
        spoken = [_ONES_WORDS[int(d)] for d in digits]
        return " ".join([*_int_to_words(int(whole)), "point", *spoken])
    return " ".join(_int_to_words(int(n)))
