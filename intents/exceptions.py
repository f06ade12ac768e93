"""Orders with an exception: "all the lights except the hall light" acts on the rest, never on the hall light.

The order is read without its exception, then the devices the exception names are taken out of what it
acts on. The kept-out words must name devices of that order plainly (their names, their room, "the bedroom
one"): a word that fits none of them, or an exception that keeps out all of them or none, leaves the whole
utterance not understood, as before. Nothing here ever adds a device.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .model import EntityName
from .normalize import tokenize

# "except (for)", "apart from", "other than", "but not", "excluding", "but leave … on": what follows names
# the devices kept out of the order said before.
_MARKER = re.compile(r"\b(?:except(?:\s+for)?|apart\s+from|other\s+than|but\s+not|excluding|but\s+leave)\b")
# The exception ends where another order starts: ", and lock the door", " and then …", ", then …". An
# "and" before anything else joins what is kept out: "except the hall and the kitchen ones".
_ORDER_VERBS = (
    "turn|switch|lock|unlock|open|close|shut|set|put|make|start|stop|pause|play|dim|raise|lower|please"
    "|can|could"
)
_END = re.compile(rf"(?:,\s*|\s)(?:and\s+|then\s+)*(?:then\s|(?=(?:{_ORDER_VERBS})\b))")
# Between the devices kept out: "the hall and the kitchen ones", "the lamp, the strip".
_BETWEEN = re.compile(r",|\b(?:and|or|nor)\b")
# What a kept-out phrase may say besides names and rooms: "the bedroom one", "those in the hall".
_FILLER = frozenset(
    {"the", "a", "an", "one", "ones", "those", "that", "this", "in", "of", "my", "our", "for", "please"}
)
# "but leave the strip on": the state it keeps is not part of its name.
_KEPT_STATES = frozenset(
    {"on", "off", "open", "opened", "closed", "shut", "locked", "unlocked", "alone", "be"}
)
# An exception that itself takes something back ("apart from... no, just all of them") is not one.
_TAKEN_BACK = frozenset({"no", "just", "actually", "sorry", "wait"})


@dataclass(frozen=True, slots=True)
class ExceptionSaid:
    """An utterance split at its exception: the order, the words kept out, and what follows them."""

    order: str
    kept: str
    rest: str  # another order after the exception ("and lock the front door"), or ""

    @property
    def without_exception(self) -> str:
        """The utterance with the exception taken out: what to understand first."""
        return f"{self.order}, {self.rest}" if self.rest else self.order


def split_exception(text: str) -> ExceptionSaid | None:
    """The order, the kept-out words and the rest, when the utterance keeps something out of an order."""
    lowered = text.lower()
    marker = _MARKER.search(lowered)
    if marker is None:
        return None
    order = text[: marker.start()].rstrip(" ,;-")
    after = text[marker.end() :]
    end = _END.search(after)
    kept, rest = (after[: end.start()], after[end.end() :].strip()) if end else (after, "")
    words = tokenize(kept, strip_phrases=False)
    if not order.strip() or not words or _TAKEN_BACK & set(words) or "..." in after:
        return None
    return ExceptionSaid(order.strip(), kept.strip(), rest)


def kept_out(
    kept: str,
    ids: Sequence[str],
    entities: Mapping[str, EntityName],
    area_names: Mapping[str, Sequence[str]],
) -> tuple[str, ...]:
    """The devices among `ids` that the kept-out words name: each phrase ("the hall and the kitchen ones")
    names one or more of them by words all their own (names, room names, plurals); () when a phrase
    names none of them."""
    own_words = {}
    for device in ids:
        entity = entities.get(device)
        if entity is None:
            continue
        names = [*entity.names, *area_names.get(entity.area or "", ())]
        own = {w for name in names for w in tokenize(name, strip_phrases=False)}
        own_words[device] = own | {f"{w}s" for w in own}
    found: dict[str, None] = {}
    for phrase in _BETWEEN.split(kept):
        words = [w for w in tokenize(phrase, strip_phrases=False) if w not in _FILLER]
        while words and words[-1] in _KEPT_STATES:
            words.pop()  # "leave the strip on"
        if not words:
            continue
        named = [device for device, own in own_words.items() if all(w in own for w in words)]
        if not named:
            return ()  # a phrase that names none of them: the exception is not understood
        found.update(dict.fromkeys(named))
    return tuple(found)
