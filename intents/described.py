"""Devices told by what they do: "the thing that makes coffee", "the fan that gets the steam out of the
bathroom", "whatever's playing in the office".

Guests and children who do not know a device's name say what it does. A description is read as the kind
of device it tells of ("the thing that blows air in the bedroom" → "the fan in the bedroom"), and a kind
word followed by a relative clause that names a room as that kind in that room, so the usual rules then
pick the device or ask. Only a few well-known jobs are read, and a description whose words are part of a
name in the home is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from .model import AreaName
from .normalize import tokenize

# What a device does, and the words for the device that does it.
JOBS: dict[tuple[str, ...], str] = {
    ("blows", "air"): "fan",
    ("blows", "cold", "air"): "fan",
    ("spins",): "fan",
    ("makes", "coffee"): "coffee maker",
    ("makes", "the", "coffee"): "coffee maker",
    ("brews", "coffee"): "coffee maker",
    ("plays", "music"): "speaker",
    ("plays", "the", "music"): "speaker",
    ("heats", "the", "house"): "heating",
    ("keeps", "it", "warm"): "heating",
    ("takes", "the", "steam", "out"): "extractor fan",
    ("gets", "the", "steam", "out"): "extractor fan",
    ("lights", "up"): "light",
}
THINGS = frozenset({"thing", "thingy", "gadget", "device", "machine", "one"})
_RELATIVES = frozenset({"that", "which", "what"})
_DENIALS = frozenset({"not", "isn't", "aren't", "don't", "doesn't", "never", "no", "except"})
_WORD = re.compile(r"[a-z0-9']+")
_RELATIVE_SAID = re.compile(r"\b(?:that|which|what)\b")
_PLAYING = re.compile(r"\bwhatever(?:'s| is) (?:playing|on)\b")


class Descriptions:
    """Reads descriptions of what a device does in one home (see the module doc)."""

    def __init__(
        self, areas: Sequence[AreaName], kinds: Mapping[str, str], name_words: Collection[str]
    ) -> None:
        self._kinds = dict(kinds)
        self._areas = {tuple(tokenize(n, strip_phrases=False)): a.id for a in areas for n in a.names}
        self._jobs = {job: kind for job, kind in JOBS.items() if not set(job) <= set(name_words)}

    def rewrite(self, text: str) -> str:
        """`text` with one description of a device read as the kind it tells of (unchanged when none)."""
        lowered = text.lower()
        if "whatever" in lowered:
            # "pause whatever's playing in the office": the music there; "whatever's on the telly": the telly
            lowered = _PLAYING.sub(lambda m: "the music" if "playing" in m.group() else "", lowered)
            lowered = " ".join(lowered.split())
        if _RELATIVE_SAID.search(lowered) is None:
            return lowered if lowered != text.lower() else text  # the common case: no "that"/"which"
        spans = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(lowered)]
        words = [w for w, _, _ in spans]
        for i, word in enumerate(words[:-2]):
            if words[i + 1] not in _RELATIVES or not (word in THINGS or self._kind(word)):
                continue
            said = self._job(words, i + 2) if word in THINGS else None
            if said is not None:
                kind, end = said
                rest = lowered[spans[end - 1][2] :] if end > i + 2 else ""
                return lowered[: spans[i][1]] + kind + rest
            if self._kind(word):
                room, end = self._room_in_clause(words, i + 2)
                if room is not None:
                    tail = lowered[spans[end - 1][2] :]
                    return f"{lowered[: spans[i][2]]} in the {' '.join(room)}{tail}"
        return lowered if lowered != text.lower() else text

    def _kind(self, word: str) -> bool:
        return word in self._kinds or (word.endswith("s") and word[:-1] in self._kinds)

    def _job(self, words: Sequence[str], start: int) -> tuple[str, int] | None:
        """The kind of device the job said from words[start] stands for, and where the job ends."""
        for job, kind in self._jobs.items():
            if tuple(words[start : start + len(job)]) == job:
                return kind, start + len(job)
        return None

    def _room_in_clause(self, words: Sequence[str], start: int) -> tuple[tuple[str, ...] | None, int]:
        """The room named inside a relative clause ("that gets the steam out of the bathroom") and where
        the clause ends (at the room); (None, start) when it names none or is too long to be one."""
        for end in range(start + 1, min(len(words), start + 9) + 1):
            if words[end - 1] in _DENIALS:
                return None, start  # "the lamp that isn't in the bedroom" names no lamp there
            for size in (3, 2, 1):
                piece = tuple(words[end - size : end])
                if end - size >= start and piece in self._areas:
                    return piece, end
        return None, start
