"""Makers' names and "smart" for kinds of device: "the Hue bulb", "the Sonos", "the smart plug".

People call a device by the make on its box ("switch on the Hue bulb in the bedroom", "play the Sonos",
"set the Nest to 20") or by the gadget that switches it ("the smart plug for the coffee maker", "the smart
lock on the front door"). Such words are read as the kind of device they are ("the bulb", "the speaker",
"the thermostat"), and "the plug for the coffee maker" as the coffee maker when that device is one of the
kind said, so the usual rules then pick the device or ask. A word that is part of a name in the home ("the
Sonos" when a speaker is called so) is left as it is: the name wins.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from .model import EntityName
from .normalize import tokenize

# Makes people name a device by, and the kind word they stand for.
BRANDS: dict[str, str] = {
    **dict.fromkeys(("hue", "lifx", "wiz", "tradfri", "nanoleaf", "govee"), "light"),
    **dict.fromkeys(("sonos", "homepod", "bose"), "speaker"),
    **dict.fromkeys(("nest", "ecobee", "hive", "tado", "honeywell"), "thermostat"),
    **dict.fromkeys(("wemo", "kasa", "tapo"), "plug"),
    **dict.fromkeys(("yale", "schlage", "august"), "lock"),
}
# Words that only say a device is connected, said before its kind ("the smart plug", "the wifi bulb").
CONNECTED = frozenset({"smart", "wifi", "zigbee", "connected"})
# "The plug for the coffee maker", "the lock on the front door": the device the gadget belongs to.
_BELONGING = frozenset({"for", "on", "of"})
_ARTICLES = frozenset({"the", "my", "our"})
_WORD = re.compile(r"[a-z0-9']+")


class KindWords:
    """Reads makers' names and gadget words in one home as kinds of device (see the module doc)."""

    def __init__(
        self, entities: Sequence[EntityName], kinds: Mapping[str, str], name_words: Collection[str]
    ) -> None:
        self._kinds = dict(kinds)  # kind word -> device type
        self._brands = {brand: kind for brand, kind in BRANDS.items() if brand not in name_words}
        self._connected = CONNECTED - set(name_words)
        # Words without which neither a maker's name, a gadget nor a name said in another order is read.
        self._triggers = frozenset({*self._brands, *self._connected, *_BELONGING})
        self._types: dict[tuple[str, ...], set[str]] = {}  # a device's name, as said -> the types so called
        for entity in entities:
            for name in entity.names:
                self._types.setdefault(tuple(tokenize(name, strip_phrases=False)), set()).add(entity.type)
        self._longest = max((len(n) for n in self._types), default=0)

    def _kind(self, word: str) -> str | None:
        """The device type a kind word (or its plural) names."""
        return self._kinds.get(word) or (self._kinds.get(word[:-1]) if word.endswith("s") else None)

    def rewrite(self, text: str) -> str:
        """`text` with makers' names read as kinds and "the <kind> for the <device>" as the device
        (unchanged when there is neither). Done on the text, so commas keep their places between words."""
        lowered = text.lower()
        spans = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(lowered)]
        words = [w for w, _, _ in spans]
        if self._triggers.isdisjoint(words):
            return text  # the common case: no maker's name, gadget word or "for"/"on"/"of" said
        said: list[str | None] = list(words)  # None: dropped
        for i, word in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else ""
            if (word in self._brands or word in self._connected) and self._kind(following) is not None:
                said[i] = None  # "the hue bulb": the bulb
            elif word in self._brands and i > 0 and words[i - 1] in _ARTICLES:
                said[i] = self._brands[word]  # "play the sonos": the speaker
        kept = [i for i, w in enumerate(said) if w is not None]
        belonging = self._belonging([said[i] or "" for i in kept])
        if belonging is not None:
            for i in kept[belonging : belonging + 3]:
                said[i] = None
        if said == words:
            return self._in_name_order(text)
        out, done = [], 0
        for (word, start, end), new in zip(spans, said, strict=True):
            if new == word:
                continue
            out.append(lowered[done:start] if new is not None else lowered[done:start].rstrip() + " ")
            out.append(new or "")
            done = end
        out.append(lowered[done:])
        return self._in_name_order(" ".join("".join(out).split()))

    def _in_name_order(self, text: str) -> str:
        """ "The lamp for reading" → "the reading lamp", "the blinds of the living room" → "the living room
        blinds": a name said as "<its last words> of/for <its first words>" (as learners of English and
        describers do), put back in order; only when the whole is a name of the home."""
        lowered = text.lower()
        spans = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(lowered)]
        words = [w for w, _, _ in spans]
        for i, word in enumerate(words):
            if word not in ("of", "for") or i < 2:
                continue
            start_b = i + 2 if words[i + 1 : i + 2] == ["the"] else i + 1
            for size_a in (2, 1):
                if i - size_a < 1 or words[i - size_a - 1] not in _ARTICLES:
                    continue
                head = words[i - size_a : i]
                for size_b in (3, 2, 1):
                    tail = words[start_b : start_b + size_b]
                    if len(tail) == size_b and tuple(tail + head) in self._types:
                        begin, end = spans[i - size_a][1], spans[start_b + size_b - 1][2]
                        return lowered[:begin] + " ".join(tail + head) + lowered[end:]
        return text

    def _belonging(self, words: Sequence[str]) -> int | None:
        """Where "<kind> for the" starts in "turn on the plug for the coffee maker", when the coffee maker
        is a device of the kind said (a plug is a switch); None when nothing reads so."""
        for i in range(1, len(words) - 3):
            kind = self._kind(words[i])
            if kind is None or words[i - 1] not in _ARTICLES or words[i + 1] not in _BELONGING:
                continue
            if words[i + 2] not in _ARTICLES:
                continue
            for end in range(min(len(words), i + 3 + self._longest), i + 3, -1):
                if kind in self._types.get(tuple(words[i + 3 : end]), ()):
                    return i
        return None
