"""Spelling correction: unique close words only, merged words split and joined, polarity never flipped."""

from __future__ import annotations

import string

import pytest

from intents.normalize import tokenize
from intents.speller import OPPOSITES, POLARITY_WORDS, DeleteIndex, SpellCorrector, deletes, max_edits
from tests.intents.test_linker import AREA_NAMES, DEVICES

COMMAND_WORDS = [
    "turn",
    "switch",
    "on",
    "off",
    "set",
    "the",
    "a",
    "to",
    "in",
    "of",
    "my",
    "is",
    "it",
    "what",
    "time",
    "percent",
    "degrees",
    "open",
    "close",
    "closed",
    "lock",
    "locked",
    "unlock",
    "unlocked",
    "up",
    "down",
    "dim",
    "dimmer",
    "brighter",
    "warmer",
    "cooler",
    "play",
    "pause",
    "stop",
    "start",
    "volume",
    "with",
    "one",
    "do",
    "for",
    "room",
    "temperature",
    "how",
    "are",
    "you",
]
NAME_WORDS = {
    word
    for row in (*DEVICES, *AREA_NAMES)
    for name in row[1:]
    for word in tokenize(name, strip_phrases=False)
}
VOCABULARY = frozenset({*COMMAND_WORDS, *NAME_WORDS} - {"bed"})


@pytest.fixture(scope="module")
def speller() -> SpellCorrector:
    return SpellCorrector(VOCABULARY)


def fix(speller: SpellCorrector, text: str) -> str:
    return " ".join(speller.correct(tokenize(text)).tokens)


def test_known_words_are_never_changed(speller: SpellCorrector) -> None:
    result = speller.correct(tokenize("turn on the kitchen light"))
    assert result.tokens == ("turn", "on", "the", "kitchen", "light")
    assert (result.changes, result.confidence) == ((), 1.0)


@pytest.mark.parametrize(
    ("said", "fixed"),
    [
        ("turn onn the light", "turn on the light"),  # a doubled letter
        ("swith off", "switch off"),  # "with" is as close, but the first letter says "switch"
        ("turn offf the fan", "turn off the fan"),
        ("clsoe the blinds", "close the blinds"),  # a swap
        ("opne the garage dor", "open the garage door"),
        ("unlcok the front door", "unlock the front door"),
        ("bedrom fan", "bedroom fan"),
        ("the kichen light", "the kitchen light"),
        ("set the thermostst", "set the thermostat"),
        ("set the tempratre", "set the temperature"),  # two edits in a long word
        ("turn on the televison", "turn on the television"),
    ],
)
def test_close_words_are_corrected(speller: SpellCorrector, said: str, fixed: str) -> None:
    assert fix(speller, said) == fixed


def test_changes_and_confidence(speller: SpellCorrector) -> None:
    one = speller.correct(["turn", "onn", "the", "light"])
    assert one.changes == (("onn", "on"),)
    two = speller.correct(["opne", "the", "garage", "dor"])
    assert two.changes == (("opne", "open"), ("dor", "door"))
    assert 1.0 > one.confidence > two.confidence > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "turn of the light",  # "of" must never become "on" (nor "off": two-letter words are left alone)
        "ok it is",  # too short to correct
        "turn on the spaceship",  # nothing close
        "set it to 10 percent",  # digits are not words
    ],
)
def test_left_alone(speller: SpellCorrector, text: str) -> None:
    result = speller.correct(tokenize(text))
    assert result.tokens == tuple(tokenize(text))
    assert result.confidence == 1.0


def test_a_word_with_one_more_first_letter_is_another_word() -> None:
    speller = SpellCorrector(["last", "light", "lights", "tv", "the"])
    # "blast the tv" is no slip for "last the tv" (which read as "previous track"), "flights" no "lights"
    assert speller.correct(["blast", "the", "tv"]).tokens == ("blast", "the", "tv")
    assert speller.correct(["flights"]).tokens == ("flights",)
    # a doubled first letter or a letter added elsewhere is still a slip
    assert speller.correct(["llight"]).tokens == ("light",)
    assert speller.correct(["lightt"]).tokens == ("light",)


def test_ties_are_left_alone() -> None:
    speller = SpellCorrector(["bat", "cat", "turn"])
    assert speller.correct(["hat"]).tokens == ("hat",)  # one edit from both
    assert speller.correct(["cta"]).tokens == ("cat",)  # a swap breaks the tie


def test_edit_limits_follow_word_length() -> None:
    assert [max_edits(n) for n in (1, 2, 3, 5, 6, 12)] == [0, 0, 1, 1, 2, 2]
    speller = SpellCorrector(["tv", "lamp", "thermostat"])
    assert speller.correct(["tx"]).tokens == ("tx",)
    assert speller.correct(["lmp"]).tokens == ("lamp",)
    assert speller.correct(["lmpp"]).tokens == ("lmpp",)  # two edits from a four-letter word
    assert speller.correct(["thrmostst"]).tokens == ("thermostat",)
    assert speller.correct(["thrmstst"]).tokens == ("thrmstst",)  # three edits


def test_polarity_words_need_one_edit_from_a_neutral_token() -> None:
    # Without "closed" in the vocabulary, "closed" is still never made into "close".
    speller = SpellCorrector(["open", "close", "on", "off", "lock", "unlock", "locked", "unlocked", "turn"])
    assert speller.correct(["closed"]).tokens == ("closed",)
    assert speller.correct(["clos"]).tokens == ("close",)
    assert speller.correct(["onf"]).tokens == ("onf",)  # as near "on" as "off"
    assert speller.correct(["ulocked"]).tokens == ("ulocked",)  # as near "locked" as "unlocked"
    assert speller.correct(["unlokced"]).tokens == ("unlocked",)
    long_speller = SpellCorrector(["brighter", "dimmer"])
    assert long_speller.correct(["brihgter"]).tokens == ("brighter",)  # a swap is one edit
    assert long_speller.correct(["brghtr"]).tokens == ("brghtr",)  # two edits onto a polarity word


def _one_edit_variants(word: str) -> set[str]:
    letters = string.ascii_lowercase
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    variants = {a + b[1:] for a, b in splits if b}
    variants |= {a + c + b[1:] for a, b in splits if b for c in letters}
    variants |= {a + c + b for a, b in splits for c in letters}
    variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    return variants


def test_no_slip_of_a_polarity_word_becomes_its_opposite(speller: SpellCorrector) -> None:
    for word in POLARITY_WORDS & VOCABULARY:
        for variant in _one_edit_variants(word):
            corrected = speller.correct([variant]).tokens
            assert not OPPOSITES[word] & set(corrected), (word, variant, corrected)


def test_merged_words_are_split(speller: SpellCorrector) -> None:
    result = speller.correct(tokenize("turn on the livingroom lamp"))
    assert result.tokens == ("turn", "on", "the", "living", "room", "lamp")
    assert result.changes == (("livingroom", "living room"),)
    assert fix(speller, "kitchenlight on") == "kitchen light on"
    assert fix(speller, "turnoff the tv") == "turn off the tv"


def test_an_ambiguous_split_is_left_alone() -> None:
    speller = SpellCorrector(["bed", "bedroom", "room", "light", "roomlight", "kitchen"])
    assert speller.correct(["kitchenlight"]).tokens == ("kitchen", "light")
    assert speller.correct(["bedroomlight"]).tokens == ("bedroomlight",)  # bedroom|light or bed|roomlight?


def test_pieces_are_joined_only_into_a_word_when_one_piece_is_not_a_word(speller: SpellCorrector) -> None:
    result = speller.correct(["turn", "off", "the", "bed", "room", "light"])
    assert result.tokens == ("turn", "off", "the", "bedroom", "light")
    assert result.changes == (("bed room", "bedroom"),)
    both_words = SpellCorrector(["to", "day", "today"])
    assert both_words.correct(["to", "day"]).tokens == ("to", "day")


def test_a_join_never_flips_polarity() -> None:
    speller = SpellCorrector(["lock", "unlock", "the", "door"])
    assert speller.correct(["un", "lock", "the", "door"]).tokens == ("un", "lock", "the", "door")


def test_delete_index_finds_words_within_the_limit() -> None:
    assert deletes("abc", 1) == {"abc", "bc", "ac", "ab"}
    assert deletes("abcd", 2) >= {"ab", "cd", "ad", "bcd"}
    index = DeleteIndex(["thermostat", "thermometer", "lamp"])
    assert index.near("thermostta", 2) == {"thermostat": 1}
    assert index.near("lamb", 1) == {"lamp": 1}
    assert index.near("lamp", 0) == {"lamp": 0}
    assert index.near("lxmb", 1) == {}
