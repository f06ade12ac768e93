"""LocalAgreement-2 for streaming ASR: commit the words two successive hypotheses agree on (sans-I/O)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher


def word_key(word: str) -> str:
    """How words compare: case-folded, without punctuation ("Light." and "light" agree)."""
    return "".join(c for c in word.casefold() if not unicodedata.category(c).startswith("P"))


def _keys(words: Sequence[str]) -> list[str]:
    return [word_key(w) for w in words]


def common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    """How many leading words `a` and `b` share, compared by `word_key`."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if word_key(x) != word_key(y):
            break
        n += 1
    return n


def tail_start(committed: Sequence[str], words: Sequence[str]) -> int:
    """Where, in a hypothesis of the whole utterance, the words after the committed prefix begin.

    A re-decode may spell, merge or revise words the stream has already committed; those are not
    taken back, so the hypothesis is aligned with the committed words and only its rest counts.
    """
    if not committed:
        return 0
    if common_prefix(committed, words) == len(committed):
        return len(committed)  # the usual case, without building a matcher
    matcher = SequenceMatcher(None, _keys(committed), _keys(words), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 < len(committed):
            continue
        if tag == "equal":
            return j1 + (len(committed) - i1)
        if tag == "replace":
            # Revised committed words: as many hypothesis words stand for them, the rest are new.
            return j1 + min(i2 - i1, j2 - j1)
        return j1  # "delete": the hypothesis lacks the last committed words
    return len(words)


class LocalAgreement:
    """Turns successive hypotheses of one growing utterance into a committed prefix that only grows.

    Each hypothesis covers the whole utterance so far. Words the last two hypotheses agree on, beyond
    what is already committed, are committed; the rest of the latest one is the tentative tail.
    """

    def __init__(self) -> None:
        self._committed: list[str] = []
        self._tentative: list[str] = []

    @property
    def committed(self) -> tuple[str, ...]:
        """Words that will not change any more."""
        return tuple(self._committed)

    @property
    def tentative(self) -> tuple[str, ...]:
        """The latest hypothesis's words after the committed ones, not yet confirmed."""
        return tuple(self._tentative)

    def text(self) -> str:
        """Committed plus tentative words: the best transcript so far."""
        return " ".join(self._committed + self._tentative)

    def insert(self, words: Sequence[str]) -> tuple[str, ...]:
        """Take the next hypothesis of the whole utterance; return the words it newly commits."""
        tail = list(words[tail_start(self._committed, words) :])
        agreed = common_prefix(self._tentative, tail)
        newly = tail[:agreed]  # the newer spelling of the agreed words
        self._committed.extend(newly)
        self._tentative = tail[agreed:]
        return tuple(newly)

    def complete(self, words: Sequence[str]) -> tuple[str, ...]:
        """The committed words followed by the uncommitted rest of a (final) hypothesis; no state change."""
        return (*self._committed, *words[tail_start(self._committed, words) :])
