"""Spelling correction of utterance tokens against known words, never flipping a command's meaning."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from .english import is_english

# Words whose confusion would invert a command. A correction may land on one of them only from a token
# one edit away that is not itself such a word ("onn" -> "on"); "of" -> "on" or "closed" -> "close" never.
POLARITY_PAIRS: tuple[tuple[str, str], ...] = (
    ("on", "off"), ("open", "close"), ("open", "closed"), ("opened", "closed"), ("lock", "unlock"),
    ("locked", "unlocked"), ("up", "down"), ("play", "pause"), ("playing", "paused"), ("warmer", "cooler"),
    ("brighter", "dimmer"), ("start", "stop"), ("raise", "lower"), ("higher", "lower"),
    ("increase", "decrease"), ("enable", "disable"), ("enabled", "disabled"),
)  # fmt: skip
POLARITY_WORDS = frozenset(word for pair in POLARITY_PAIRS for word in pair)
OPPOSITES: dict[str, frozenset[str]] = {
    word: frozenset(b if a == word else a for a, b in POLARITY_PAIRS if word in (a, b))
    for word in POLARITY_WORDS
}

# Confidence kept per change: splitting or joining keeps every letter, an edit guesses one.
SPLIT_JOIN_FACTOR = 0.95
EDIT_FACTOR = {1: 0.9, 2: 0.8}
MIN_PIECE = 2  # shortest word a merged token may be split into


def max_edits(length: int) -> int:
    """Edits tolerated in a word of this length: none up to 2 letters, 1 up to 5, else 2."""
    if length <= 2:
        return 0
    return 1 if length <= 5 else 2


def deletes(word: str, depth: int) -> set[str]:
    """The word and every string made from it by deleting up to `depth` (at most 2) letters."""
    found = {word}
    n = len(word)
    if depth >= 1 and n > 1:
        once = [word[:i] + word[i + 1 :] for i in range(n)]
        found.update(once)
        if depth >= 2 and n > 2:
            # Deleting j >= i from the i-th single deletion yields each pair of positions once.
            found.update(s[:j] + s[j + 1 :] for i, s in enumerate(once) for j in range(i, n - 1))
    return found


class DeleteIndex:
    """Symmetric-delete index: words near a query are found by hashing, not by scanning the vocabulary.

    A word is indexed under its deletions up to `max_edits(len(word))`; a query deletes up to its own
    limit. Two strings within d edits share such a deletion, so every near word is a candidate; the
    candidates are then checked with the optimal-string-alignment (restricted Damerau) distance.
    """

    def __init__(self, words: Iterable[str]) -> None:
        # Most deletions belong to one word: storing that word bare, not in a list, halves build time.
        self._by_delete: dict[str, str | list[str]] = {}
        get = self._by_delete.get
        for word in set(words):
            for variant in deletes(word, max_edits(len(word))):
                held = get(variant)
                if held is None:
                    self._by_delete[variant] = word
                elif isinstance(held, str):
                    self._by_delete[variant] = [held, word]
                else:
                    held.append(word)

    def near(self, word: str, limit: int) -> dict[str, int]:
        """Indexed words within `limit` edits of `word` (itself included), with their distances."""
        found: dict[str, int] = {}
        for variant in deletes(word, limit):
            held = self._by_delete.get(variant)
            if held is None:
                continue
            for candidate in (held,) if isinstance(held, str) else held:
                if candidate not in found and abs(len(candidate) - len(word)) <= limit:
                    distance = OSA.distance(word, candidate, score_cutoff=limit)
                    if distance <= limit:
                        found[candidate] = distance
        return found


_DOUBLES = re.compile(r"(.)\1+")


# Consonants a recogniser swaps for their voiced or voiceless twin ("shudders" for "shutters").
_VOICING = frozenset({("d", "t"), ("t", "d"), ("b", "p"), ("p", "b"), ("g", "k"), ("k", "g"), ("s", "z"),
                      ("z", "s"), ("f", "v"), ("v", "f")})  # fmt: skip


def _voiced_alike(token: str, word: str) -> bool:
    """Whether the two differ only in consonants said with or without voice, letter for letter."""
    return len(token) == len(word) and all(
        a == b or (a, b) in _VOICING for a, b in zip(token, word, strict=True)
    )


def _unique_closest(token: str, closest: list[str]) -> str | None:
    """The one candidate among equally distant ones, or None on a tie.

    Typing slips are not equally likely: a doubled or dropped double letter ("onn", "dor") is likelier
    than a swap of letters ("opne"), which is likelier than a wrong first letter. A tie is broken by
    the first of these tests that exactly one candidate passes; otherwise the token is left alone.
    """
    if len(closest) <= 1:
        return closest[0] if closest else None
    tests: tuple[Callable[[str], bool], ...] = (
        lambda word: _DOUBLES.sub(r"\1", word) == _DOUBLES.sub(r"\1", token),
        lambda word: sorted(word) == sorted(token),
        lambda word: word[0] == token[0],
        # A dropped letter ("lockd" for "locked") is likelier than an added one ("lock" + "d").
        lambda word: _dropped_from(token, word),
    )
    for test in tests:
        passing = [word for word in closest if test(word)]
        if len(passing) == 1:
            return passing[0]
    return None


def _dropped_from(token: str, word: str) -> bool:
    """Whether `token` is `word` with letters left out (every letter of it in `word`, in order)."""
    letters = iter(word)
    return all(char in letters for char in token)


def _another_word_before(token: str, word: str) -> bool:
    """Whether `token` is `word` after one more first letter ("blast", "slight", "flights"): another word,
    not a slip; typing a letter before a word is rare unless it doubles the first ("ttv")."""
    return len(token) == len(word) + 1 and token[1:] == word and token[0] != token[1]


def _guarded(token: str, word: str, distance: int, closest: list[str]) -> tuple[str, float]:
    """Apply the polarity rule: a correction onto a polarity word needs one edit from a neutral token."""
    # Nor may a tie-break choose between opposites: "ulocked" is as near "locked" as "unlocked".
    if word in POLARITY_WORDS and (
        distance > 1 or token in POLARITY_WORDS or not OPPOSITES[word].isdisjoint(closest)
    ):
        return token, 1.0
    return word, EDIT_FACTOR[distance]


@dataclass(frozen=True, slots=True)
class Corrected:
    """Corrected tokens, each change as (said, replacement), and how much the changes cost (1.0 = none)."""

    tokens: tuple[str, ...]
    changes: tuple[tuple[str, str], ...]
    confidence: float


class SpellCorrector:
    """Corrects out-of-vocabulary tokens to a unique close vocabulary word, splits and joins merged words."""

    def __init__(
        self, vocabulary: Collection[str], *, keep: Collection[str] = (), compounds: Collection[str] = ()
    ) -> None:
        """`vocabulary`: the words tokens may be corrected to; `keep`: more words that are never changed
        (device and area names, which the entity linker matches with its own margin rule); `compounds`:
        words two tokens said apart are always joined into, even two known words ("bath room")."""
        targets = frozenset(word for word in vocabulary if word)
        self.vocabulary = targets | frozenset(word for word in keep if word)
        self._compounds = frozenset(compounds)
        self._index = DeleteIndex(word for word in targets if word.isalpha())

    def correct(self, tokens: Sequence[str]) -> Corrected:
        """Correct `tokens` (from `normalize.tokenize`); words in the vocabulary are never changed."""
        out: list[str] = []
        changes: list[tuple[str, str]] = []
        confidence = 1.0
        i, n = 0, len(tokens)
        while i < n:
            token = tokens[i]
            if i + 1 < n and self._joins(token, tokens[i + 1]):
                said, fixed, used = f"{token} {tokens[i + 1]}", token + tokens[i + 1], 2
                factor = SPLIT_JOIN_FACTOR
            else:
                said, used = token, 1
                fixed, factor = self._fix(token)
            if fixed == said:
                out.append(said)
            else:
                out.extend(fixed.split())
                changes.append((said, fixed))
                confidence *= factor
            i += used
        return Corrected(tuple(out), tuple(changes), confidence)

    def _joins(self, first: str, second: str) -> bool:
        """Whether two tokens are one vocabulary word said apart ("bed room"), without flipping polarity."""
        joined = first + second
        if joined not in self.vocabulary:
            return False
        if first in self.vocabulary and second in self.vocabulary and joined not in self._compounds:
            return False
        # "un lock" may be noise around "lock": never turn a polarity word into another one.
        return not (joined in POLARITY_WORDS and (first in POLARITY_WORDS or second in POLARITY_WORDS))

    def _fix(self, token: str) -> tuple[str, float]:
        """The replacement of one token (itself when unchanged) and the confidence factor it costs."""
        if token in self.vocabulary or len(token) <= 2 or not token.isalpha():
            return token, 1.0
        found = self._index.near(token, max_edits(len(token)))
        best = min(found.values(), default=0)
        closest = [word for word, distance in found.items() if distance == best]
        word = _unique_closest(token, closest)
        if word is not None and _another_word_before(token, word):
            word = None
        # A one-edit fix is the likeliest reading; a clean split beats a two-edit guess.
        if best == 1 and word is not None:
            return _guarded(token, word, best, closest)
        split = self._split(token)
        if split is not None:
            return split, SPLIT_JOIN_FACTOR
        if best == 2 and word is not None and (not is_english(token) or _voiced_alike(token, word)):
            # "street" is never "stereo": an English word two letters from a command word was meant as said,
            # unless it only voices what it sounds like ("shudders" heard for "shutters")
            return _guarded(token, word, best, closest)
        return token, 1.0  # nothing close, or a tie: guessing could pick the wrong word

    def _split(self, token: str) -> str | None:
        """The token as two vocabulary words ("kitchenlight" -> "kitchen light") if exactly one split fits."""
        splits = [
            f"{token[:i]} {token[i:]}"
            for i in range(MIN_PIECE, len(token) - MIN_PIECE + 1)
            if token[:i] in self.vocabulary and token[i:] in self.vocabulary
        ]
        return splits[0] if len(splits) == 1 else None
