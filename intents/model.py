"""Plain data exchanged with the intents package: entity names in, recognised intents out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# A location inside a parsed YAML document: keys and list indexes from the root, e.g.
# ("intents", "turn_on", "sentences", 3). The config layer turns it into file:line.
DataPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with intent data, located by its path in the source document."""

    path: DataPath
    message: str


class IntentDataError(ValueError):
    """Raised when sentence templates, lists or responses are invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p.path))}: {p.message}" for p in problems))


@dataclass(frozen=True, slots=True)
class EntityName:
    """A nameable device handed to the recognizer as plain data (intents never imports devices)."""

    id: str
    names: tuple[str, ...]  # the name first, then aliases
    type: str  # "light", "cover", ...
    area: str | None  # area id


@dataclass(frozen=True, slots=True)
class AreaName:
    """A nameable area handed to the recognizer."""

    id: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SlotValue:
    """A slot filled by a match: `value` is normalised (ids, numbers), `text` is what was said."""

    value: Any
    text: str


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The result of recognising one utterance; `source` says which layer produced it."""

    intent: str
    slots: Mapping[str, SlotValue] = field(default_factory=dict)
    text: str = ""
    confidence: float = 1.0
    source: str = "template"


def with_area_aliases(entities: Sequence[EntityName], areas: Sequence[AreaName]) -> list[EntityName]:
    """Each device whose name opens with its room's name, also named with the room's other names: "the
    lounge ceiling light" is the "living room ceiling light" when the living room is also the lounge."""
    rooms = {a.id: a.names for a in areas}
    named: list[EntityName] = []
    for entity in entities:
        room_names = rooms.get(entity.area or "", ())
        extra = [
            f"{other} {name[len(room) :].strip()}"
            for name in entity.names
            for room in room_names
            if name.lower().startswith(room.lower() + " ")
            for other in room_names
            if other != room
        ]
        new = [n for n in dict.fromkeys(extra) if n.lower() not in {m.lower() for m in entity.names}]
        named.append(replace(entity, names=(*entity.names, *new)) if new else entity)
    return named
