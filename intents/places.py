"""Rooms told by what is in them: "the lamp by the sofa" is the lamp in the living room.

Guests and new housemates describe a device by where it stands instead of by its name: "the lamp next to
the sofa", "the fan above the bed", "the light by the front door", "the light in the corridor". A room is
found from a piece of furniture or a fixture that rooms usually hold, or from another device of the home,
and the description is read as "in the <room>", so the usual rules apply afterwards: the room narrows the
devices and several left means asking back. A description is only read when exactly one room of the home
fits; a word that is part of a name in the home ("bed light") stays a name, and a description that
disagrees with a room said in the same sentence is left as it is (the sentence then asks or is declined).

A description that repeats a name's own words in another order ("the lights under the cupboards" for the
"under cabinet lights") is read as that name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from .followup import PRONOUNS
from .model import AreaName, EntityName
from .normalize import tokenize

# The names rooms that usually hold each thing go by, the usual name first.
_LIVING = ("living room", "lounge", "sitting room", "family room", "den")
_BEDROOM = ("bedroom", "master bedroom", "main bedroom")
_KITCHEN = ("kitchen",)
_BATHROOM = ("bathroom", "shower room", "washroom")
_HALL = ("hallway", "hall", "entrance hall", "entryway", "corridor")
_GARAGE = ("garage",)
_OFFICE = ("office", "study")

# Furniture and fixtures, and the rooms they place a device in (singular; a plural "s" is allowed).
FURNISHINGS: dict[str, tuple[str, ...]] = {
    "sofa": _LIVING, "couch": _LIVING, "settee": _LIVING, "armchair": _LIVING, "fireplace": _LIVING,
    "bed": _BEDROOM, "nightstand": _BEDROOM, "bedside table": _BEDROOM, "wardrobe": _BEDROOM,
    "dresser": _BEDROOM,
    "stove": _KITCHEN, "hob": _KITCHEN, "oven": _KITCHEN, "fridge": _KITCHEN, "worktop": _KITCHEN,
    "counter": _KITCHEN, "kitchen counter": _KITCHEN, "cupboard": _KITCHEN, "cabinet": _KITCHEN,
    "shower": _BATHROOM, "bathtub": _BATHROOM, "tub": _BATHROOM, "toilet": _BATHROOM, "sink": _KITCHEN,
    "bath": _BATHROOM, "washbasin": _BATHROOM, "basin": _BATHROOM,
    "entrance": _HALL, "stairs": _HALL, "staircase": _HALL, "coat rack": _HALL,
    "car": _GARAGE, "workbench": _GARAGE,
    "desk": _OFFICE, "computer": _OFFICE,
}  # fmt: skip
# Other names people give a room ("the corridor" for the hallway), read as the home's name for it.
ROOM_WORDS: dict[str, tuple[str, ...]] = {
    "corridor": _HALL, "entryway": _HALL, "entrance hall": _HALL, "lounge": _LIVING,
    "sitting room": _LIVING, "family room": _LIVING, "study": _OFFICE, "washroom": _BATHROOM,
    "shower room": _BATHROOM,
}  # fmt: skip
# Words for the same furnishing in a name ("the lights under the cupboards" are the under cabinet lights).
_SAME_THING = {
    "cupboard": ("cabinet",), "cabinet": ("cupboard",), "worktop": ("counter",), "counter": ("worktop",)
}  # fmt: skip

# Where a thing stands relative to a device. "At" is left out: "turn the lights on at the door" names a
# moment. "On" and "over" place a device only by furniture ("the speaker on my desk", "the light over the
# sink"): "the volume on the tv" names the device itself.
_NEAR = r"next to|close to|by|near|beside|above|under|underneath|below|behind|in front of|on top of|on|over"
_ON_FURNITURE = frozenset({"on", "over", "on top of"})
_ARTICLE = r"(?:the|my|our|that|this)"
_WORD = re.compile(r"[a-z0-9']+")


@lru_cache(maxsize=65536)
def _key(phrase: str) -> tuple[str, ...]:
    return tuple(tokenize(phrase, strip_phrases=False))


class Places:
    """Reads descriptions of where a device stands in one home as the room they name (see module doc)."""

    def __init__(self, entities: Sequence[EntityName], areas: Sequence[AreaName]) -> None:
        self._area_names: dict[str, str] = {}  # every name and alias of an area -> area id
        for place in areas:
            for name in place.names:
                self._area_names[" ".join(_key(name))] = place.id
        self._first_name = {a.id: " ".join(_key(a.names[0])) for a in areas if a.names}
        # Every word of a device's or an area's name (the understander's name words start from these).
        self.name_words = frozenset(
            {w for e in entities for n in e.names for w in _key(n)}
            | {w for a in areas for n in a.names for w in _key(n)}
        )
        # Every run of two to four words inside a name -> the first whole name (in order) holding it.
        self._name_pieces: dict[tuple[str, ...], tuple[str, ...]] = {}
        for run in sorted({_key(n) for e in entities for n in e.names}):
            for size in range(2, 5):
                for i in range(len(run) - size + 1):
                    self._name_pieces.setdefault(run[i : i + size], run)
        # Each landmark phrase -> the area it places a device in; only phrases no name of the home uses.
        self._landmarks: dict[str, str] = {}
        for thing, rooms in FURNISHINGS.items():
            area = self._one_area(rooms)
            if area is not None and self.name_words.isdisjoint(_key(thing)):
                self._landmarks[thing] = area
        for entity in entities:  # "the light by the front door": the door's own room
            if entity.area is None:
                continue
            for name in entity.names:
                self._landmarks.setdefault(" ".join(_key(name)), entity.area)
        # "<prep> the <thing>" said where a name has "<prep> <thing>" ("under the cupboards", "under cabinet")
        self._named: dict[tuple[str, str], tuple[str, str]] = {}  # -> (the pair's words, the whole name)
        for thing in FURNISHINGS:
            for prep in _NEAR.split("|"):
                named = self._as_name(prep, thing)
                if named is not None:
                    self._named[prep, thing] = named
        self._rooms: dict[str, str] = {}
        for word, rooms in ROOM_WORDS.items():
            area = self._one_area(rooms)
            if area is not None and " ".join(_key(word)) not in self._area_names:
                self._rooms[word] = area
        self._things = {**self._landmarks, **{thing: thing for _, thing in self._named}}
        # Only the small patterns are regular expressions: one with every name of a 5,000-device home would
        # take seconds to compile, so the words after "<head> <prep> the" are looked up instead.
        self._near = re.compile(rf"\b(?P<head>[a-z]+)\s+(?P<prep>{_NEAR})\s+{_ARTICLE}\s+")
        self._room = re.compile(rf"\b(?P<room>{_alternatives(self._rooms)})\b") if self._rooms else None

    def _one_area(self, rooms: Iterable[str]) -> str | None:
        found = {self._area_names[" ".join(_key(r))] for r in rooms if " ".join(_key(r)) in self._area_names}
        return found.pop() if len(found) == 1 else None

    def rewrite(self, text: str) -> str:
        """`text` with each description of a place read as "in the <room>" (unchanged when none is)."""
        if "," in text:
            text = self._room_aside(text)
        lowered = original = text.lower()
        if self._room is not None:
            lowered = self._room.sub(lambda m: self._first_name[self._rooms[m["room"]]], lowered)
        out, done = [], 0
        for found in self._near.finditer(lowered):
            if found.start() < done:
                continue
            read = self._read(lowered, found)
            if read is not None:
                replacement, end = read
                out += [lowered[done : found.start()], replacement]
                done = end
        if done:
            out.append(lowered[done:])
            lowered = "".join(out)
        return lowered if lowered != original else text

    def _room_aside(self, text: str) -> str:
        """ "Light, bedroom, off", "fan on, bathroom": a room said on its own between commas is where the
        rest happens ("light off in the bedroom"). Only one room, and none said in the rest."""
        pieces = [piece.strip() for piece in text.split(",")]
        if len(pieces) > 3:
            return text  # "set the fan to medium, er, no, high, in the bedroom": a correction's clauses
        rooms = [(i, area) for i, piece in enumerate(pieces) if (area := self._room_only(piece)) is not None]
        if len(rooms) != 1:
            return text
        at, area = rooms[0]
        rest = [piece for i, piece in enumerate(pieces) if i != at and piece]
        said = [w for piece in rest for w in _key(piece)]
        if not rest or self._areas_in(" ".join(said)) or not _POINTERS.isdisjoint(said):
            return text  # "the garage, is it shut": the room is what "it" stands for, not where
        return f"{' '.join(rest)} in the {self._first_name[area]}"

    def _room_only(self, piece: str) -> str | None:
        """The area a piece of text names and says nothing else of ("the bedroom", "in the hall")."""
        words = _key(piece)
        while words and words[0] in ("in", "the", "my", "our"):
            words = words[1:]
        while words and words[-1] in _ASIDE_TAIL:
            words = words[:-1]
        key = " ".join(words)
        return self._area_names.get(key) or self._rooms.get(key)

    def _read(self, text: str, found: re.Match[str]) -> tuple[str, int] | None:
        """The reading of one description starting at `found`, and where it ends; None to leave it."""
        head, prep = found["head"], " ".join(found["prep"].split())
        words = [(w.group(), w.end()) for w in _WORD.finditer(text, found.end())][:8]
        said_area, at = self._longest(words, 0, self._area_names)
        thing, after = self._longest(
            words, at, {**self._landmarks, **{t: t for _, t in self._named}}, plural=True
        )
        if thing is None or (after < len(words) and words[after][0] in self.name_words):
            return None  # nothing that places a device, or part of a name ("by the bed light")
        if prep in _ON_FURNITURE and thing not in FURNISHINGS:
            return None
        end = words[after - 1][1]
        named = self._named.get((prep, thing))
        if named is not None:  # "lights under the cupboards": the "under cabinet lights"
            pair, whole = named
            return (whole if head in ("one", "ones") else f"{pair} {head}"), end
        area = self._landmarks.get(thing)
        if area is None or (said_area is not None and self._area_names[said_area] != area):
            return None
        rest = text[: found.start("prep")] + " " + text[end:]
        others = self._areas_in(rest)
        if others - {area}:
            return None  # another room said: the description does not decide between them
        if area in others:
            return head, end  # "the light in the hall by the entrance": the room is already said
        return f"{head} in the {self._first_name[area]}", end

    def _longest(
        self, words: list[tuple[str, int]], start: int, phrases: Mapping[str, str], *, plural: bool = False
    ) -> tuple[str | None, int]:
        """The longest phrase of `phrases` said from words[start] (a plural "s" allowed), and where it ends;
        (None, start) when none is."""
        for end in range(min(len(words), start + 4), start, -1):
            said = " ".join(w for w, _ in words[start:end])
            candidates = [said, said[:-1], said[:-2]] if plural else [said]
            for phrase in candidates:
                if phrase in phrases and (phrase == said or said[len(phrase) :] in ("s", "es")):
                    return phrase, end
        return None, start

    def _areas_in(self, text: str) -> set[str]:
        """The areas whose names (up to three words) are said in `text`."""
        words = _WORD.findall(text)
        return {
            self._area_names[piece]
            for size in (1, 2, 3)
            for i in range(len(words) - size + 1)
            if (piece := " ".join(words[i : i + size])) in self._area_names
        }

    def _as_name(self, prep: str, thing: str) -> tuple[str, str] | None:
        """The words of a name that say the same as "<prep> the <thing>" ("under cabinet"), and that whole
        name, if one does."""
        for word in (thing, *_SAME_THING.get(thing, ())):
            pair = (*_key(prep), *_key(word))
            run = self._name_pieces.get(pair)
            if run is not None:
                return " ".join(pair), " ".join(run)
        return None


# The pronouns that stand for devices, and "the … one": a piece with one is about a device, not a room.
_POINTERS = PRONOUNS | {"one", "ones"}
# Said after a room on its own ("fan on, bathroom please").
_ASIDE_TAIL = frozenset({"please", "thanks", "then", "now"})


def _alternatives(phrases: Iterable[str]) -> str:
    """A regex alternation of the phrases, longest first (so "front door" wins over "front")."""
    ordered = sorted({p for p in phrases if p}, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered) or r"(?!x)x"
