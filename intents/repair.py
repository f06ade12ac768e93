"""Self-corrections inside one utterance: "set it to 60, no, 45", "the kitchen, sorry, the hall light".

Sans-I/O word work only: `find_repair` says where the speaker took something back, and `readings` offers
the whole commands the correction can stand for, most literal first. The understander decides which
reading it understands; what was taken back is never acted on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .numbers import parse_number

# Words that take back what was just said, longest first so "no make that" wins over "no".
MARKERS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            ("no",), ("nope",), ("sorry",), ("actually",), ("wait",), ("rather",), ("correction",),
            ("no", "wait"), ("oh", "no"), ("oh", "wait"), ("hang", "on"), ("hold", "on"), ("i", "mean"),
            ("i", "meant"), ("make", "that"), ("or", "rather"), ("scratch", "that"), ("no", "no"),
            ("my", "mistake"), ("my", "bad"), ("let", "me", "rephrase"), ("what", "i", "meant", "was"),
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip
# Markers that take something back even with no comma before them, as speech recognisers write it.
UNPUNCTUATED = (("i", "mean"), ("i", "meant"), ("or", "rather"))
UNPUNCTUATED_WORDS = frozenset({"mean", "meant", "rather", "no"})
# Said after the correction, they only confirm it: "the ceiling light I mean".
CLOSERS = (("i", "mean"), ("i", "meant"), ("instead",), ("please",))
ONE_WORDS = ("one", "ones")
# "Sorry, go on": said to someone else, after an aside to the assistant; nothing taken back.
CARRYING_ON = frozenset({("go", "on"), ("go", "ahead"), ("carry", "on"), ("as", "you"), ("keep", "going")})
# "No rush", "no worries": a courtesy after the order, nothing taken back.
COURTESIES = frozenset({"rush", "hurry", "worries", "worry", "problem", "pressure", "stress", "bother"})


@dataclass(frozen=True, slots=True)
class Repair:
    """An utterance split where the speaker corrected themselves: the words taken back and the correction."""

    taken_back: tuple[str, ...]
    correction: tuple[str, ...]
    # True when only a hesitation ("er", dropped by the tokenizer) stands between the two: then only a new
    # value can be meant ("red, er, orange"), never a second device.
    hesitation: bool = False


# A hesitation set off by commas ("red, er, orange"): the tokenizer drops the word, the commas stay.
HESITATION = re.compile(r",\s*(?:er+|erm+|uh+|um+|uhm+|ah+)\s*,", re.IGNORECASE)


def find_repair(tokens: Sequence[str], boundaries: Sequence[int], text: str = "") -> Repair | None:
    """Where the speaker took back what they were saying, or None.

    `boundaries` are the token indexes where a comma (or other clause punctuation) fell; two at the same
    index are a clause the tokenizer dropped, a correction when `text` shows it was a hesitation ("red,
    er, orange") and not a courtesy ("…, please?").
    """
    hesitated = HESITATION.search(text) is not None
    cuts = sorted(set(boundaries))
    for cut in cuts:
        if cut <= 0 or cut >= len(tokens):
            continue
        rest = _without_markers(tokens[cut:])
        if rest and rest[0] not in COURTESIES and tuple(rest[:2]) not in CARRYING_ON:
            later = [b - (len(tokens) - len(rest)) for b in cuts if b > cut]
            rest = _without_denial(rest, later)
            if rest:
                return Repair(tuple(tokens[:cut]), _closed(rest))
        if hesitated and list(boundaries).count(cut) > 1:
            return Repair(tuple(tokens[:cut]), _closed(tokens[cut:]), hesitation=True)
    if not UNPUNCTUATED_WORDS & set(tokens):
        return None  # the common case, decided in one pass
    for i in range(1, len(tokens)):
        # Speech-recogniser text has no commas: only unmistakable markers, and "no" between two numbers
        # ("ten no twelve minutes") or before a device said anew ("the kitchen no the hall light").
        if any(tuple(tokens[i : i + len(m)]) == m for m in UNPUNCTUATED):
            rest = _without_markers(tokens[i:])
            if rest:
                return Repair(tuple(tokens[:i]), _closed(rest))
        if tokens[i] == "no" and i + 1 < len(tokens) and i >= 2:
            numbers = _is_number(tokens, i - 1) and _is_number(tokens, i + 1)
            if numbers or tokens[i + 1] == "the":
                return Repair(tuple(tokens[:i]), _closed(tokens[i + 1 :]))
    return None


def readings(repair: Repair, target_words: Sequence[str]) -> Iterator[tuple[list[str], bool]]:
    """Whole commands the correction can stand for, each with whether it is an order said anew (which may
    be any order) rather than a new value or device spliced into the words taken back (the same order).

    `target_words` names what the taken-back command acted on ("the tv"), for a correction that points at
    it ("turn it down").
    """
    before, after = list(repair.taken_back), list(repair.correction)
    if not repair.hesitation:
        yield after, True
        if target_words:
            spots = [i for i, w in enumerate(after) if w in ("it", "them")]
            if len(spots) == 1:
                i = spots[0]
                yield [*after[:i], *target_words, *after[i + 1 :]], True
    number = _last_number(before)
    if number is not None and _is_number(after, 0):
        start, end = number
        value_end = parse_number(after, 0)
        assert value_end is not None
        # "to 60 percent" corrected by "70" keeps "percent"; by "70 percent" it takes the new unit.
        yield [*before[:start], *after, *(before[end:] if value_end[1] == len(after) else [])], False
    if len(after) == 1 and after[0] not in before:
        yield [*before[:-1], after[0]], False  # "make the strip red, er, orange": the last word said anew
    if repair.hesitation:
        return
    head = after[0]
    if head in before and head not in ONE_WORDS:
        start = len(before) - 1 - before[::-1].index(head)
        named = _one_named(after, before)
        yield [*before[:start], *named], False


def _without_markers(words: Sequence[str]) -> list[str] | None:
    """The words with the markers at their start taken off; None when they start with none."""
    rest, found = list(words), False
    while True:
        marker = next((m for m in MARKERS if tuple(rest[: len(m)]) == m), None)
        if marker is None:
            return rest if found else None
        rest, found = rest[len(marker) :], True


def _without_denial(words: list[str], boundaries: Sequence[int]) -> list[str]:
    """ "Not the tv, pause the speaker": the clause that only denies the old target is dropped."""
    if words[:1] != ["not"]:
        return words
    cut = next((b for b in boundaries if b > 0), None)
    return words[cut:] if cut is not None else words


def _closed(words: Sequence[str]) -> tuple[str, ...]:
    """The correction without a closing "I mean" or "instead"."""
    rest = tuple(words)
    for closer in CLOSERS:
        if len(rest) > len(closer) and rest[-len(closer) :] == closer:
            rest = rest[: -len(closer)]
    return rest


def _one_named(after: list[str], before: list[str]) -> list[str]:
    """ "The living room ones" after "open the bedroom blinds": "one(s)" said as the noun taken back."""
    if not after or after[-1] not in ONE_WORDS or not before:
        return after
    return [*after[:-1], before[-1]]


def _is_number(words: Sequence[str], i: int) -> bool:
    if i >= len(words) or words[i] in ("a", "an", "one"):
        return False  # "a" and "one" are mostly articles and nouns, not values
    return parse_number(words, i) is not None


def _last_number(words: Sequence[str]) -> tuple[int, int] | None:
    """The span of the last number in the words."""
    i = len(words) - 1
    while i >= 0:
        if _is_number(words, i):
            start = i
            while start > 0 and _is_number(words, start - 1):
                parsed = parse_number(words, start - 1)
                if parsed is None or parsed[1] <= i:
                    break
                start -= 1
            parsed = parse_number(words, start)
            assert parsed is not None
            return start, parsed[1]
        i -= 1
    return None


# "No, 20", "nope, the bedroom one", "hmm no, put the tv back on": a correction of the last turn opens with
# "no" (perhaps after a hesitation), and the order is what follows it.
_LEADING_NO = re.compile(
    r"^\s*(?:(?:hmm+|um+|uh+|erm?|oh|ah)\b[\s,.!]*)*(?P<no>(?:(?:no|nope|nah)\b[\s,.!;:-]*)+)(?=\S)",
    re.IGNORECASE,
)


def after_leading_no(text: str, opens_order: Callable[[str], bool]) -> str:
    """`text` without a leading "no" that only marks a correction (see `_LEADING_NO`), else unchanged.

    The "no" goes only when a comma follows it, or another "no", or a word that starts an order
    (`opens_order`), so "no lights are on" and "no need" keep it.
    """
    found = _LEADING_NO.match(text)
    if found is None:
        return text
    marker, rest = found["no"], text[found.end() :]
    said_apart = any(c in marker for c in ",.!;:-") or len(marker.split()) > 1
    first = rest.split(maxsplit=1)[0].lower()
    return rest if said_apart or opens_order(first) else text


# A word broken off before it was finished: "fr—", "liv-".
_BROKEN_OFF = re.compile(r"\w[-\u2014\u2013]$")
_PLAIN = re.compile(r"[^\w']+")
RESTART_FILLERS = frozenset({"uh", "uhh", "um", "umm", "uhm", "er", "erm", "hmm", "ah"})
MAX_RESTART = 4  # words said again: "open the, open the garage door"


def without_restarts(text: str) -> str:
    """`text` without the words a speaker started and then said again from the top: "open the, open the
    garage door", "switch the uh the coffee, the coffee maker on", "lock the fr— the front door", "close
    the liv- living room blinds". Only words said again exactly, or a word broken off with a dash that the
    next word completes, are dropped; never a number ("ten ten" may be a time), so nothing said once is
    lost."""
    for _ in range(8):  # each pass drops one restart; eight is more than anyone stammers
        words = [
            (m.start(), plain, bool(_BROKEN_OFF.search(m.group())), _numeric(plain))
            for m in re.finditer(r"\S+", text)
            if (plain := _PLAIN.sub("", m.group().lower())) and plain not in RESTART_FILLERS
        ]
        cut = _restart(words)
        if cut is None:
            return text
        text = text[: words[cut[0]][0]] + text[words[cut[1]][0] :]
    return text


def _numeric(word: str) -> bool:
    return word[:1].isdigit() or parse_number([word], 0) is not None


def _restart(words: Sequence[tuple[int, str, bool, bool]]) -> tuple[int, int] | None:
    """The first run of words [i, k) that the words from k say again; None when there is none."""
    for k in range(1, len(words)):
        for size in range(1, min(k, MAX_RESTART) + 1):
            i = k - size
            if k + size > len(words):
                continue
            said, again = words[i:k], words[k : k + size]
            if any(w[3] for w in said):
                continue
            if all(a[1] == b[1] for a, b in zip(said[:-1], again[:-1], strict=True)) and _said_again(
                said[-1], again[-1]
            ):
                return i, k
    return None


def _said_again(first: tuple[int, str, bool, bool], second: tuple[int, str, bool, bool]) -> bool:
    """The same word, or the first broken off with a dash and the second completing it."""
    return first[1] == second[1] or (first[2] and second[1].startswith(first[1]) and first[1] != second[1])
