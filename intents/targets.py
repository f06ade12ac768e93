"""Which devices a recognised intent is about: names, areas and device types resolved without guessing."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .model import EntityName, IntentMatch, SlotValue
from .normalize import contains_run

# Target problems (the codes of the `_errors` responses that ask back or refuse).
NO_DEVICE = "no-device"
AMBIGUOUS = "ambiguous"
NEED_AREA = "need-area"
UNSUPPORTED = "unsupported"  # named devices that cannot do what was asked ("turn on the motion sensor")


@dataclass(frozen=True, slots=True)
class Targets:
    """The devices to act on, or the problem that stops it; `what` names the target for messages."""

    ids: tuple[str, ...] = ()
    problem: str | None = None  # None, "no-device", "ambiguous", "need-area" or "unsupported"
    candidates: tuple[str, ...] = ()  # device ids to choose from when ambiguous
    what: str = ""


class EntityIndex:
    """Devices indexed by id, type and area, so resolution costs O(matching devices), not O(devices)."""

    def __init__(self, entities: Sequence[EntityName], kind_words: Mapping[str, str] | None = None) -> None:
        self.entities = {entity.id: entity for entity in entities}
        # The words that name a kind of device ("thermostat" → climate): a device called only that is,
        # in a room with its own device of the kind, that room's one (see `_by_name`).
        self.kind_words: Mapping[str, str] = kind_words or {}
        self._by_type: dict[str, list[str]] = {}
        self._by_area: dict[str | None, list[str]] = {}
        self._by_area_type: dict[tuple[str | None, str], list[str]] = {}
        for entity in entities:
            self._by_type.setdefault(entity.type, []).append(entity.id)
            self._by_area.setdefault(entity.area, []).append(entity.id)
            self._by_area_type.setdefault((entity.area, entity.type), []).append(entity.id)

    def of_type(
        self, device_type: str, area: str | None = None, *, anywhere: bool = False
    ) -> tuple[str, ...]:
        """Devices of a type in an area, or in the whole home with `anywhere=True`."""
        if anywhere:
            return tuple(self._by_type.get(device_type, ()))
        return tuple(self._by_area_type.get((area, device_type), ()))

    def in_area(self, area: str, types: Collection[str] | None = None) -> tuple[str, ...]:
        """Devices in an area, optionally only those of some types."""
        ids = self._by_area.get(area, ())
        if types is None:
            return tuple(ids)
        return tuple(i for i in ids if self.entities[i].type in types)

    def area_of(self, entity_id: str) -> str | None:
        """The area id of a device (None when unknown or unplaced)."""
        entity = self.entities.get(entity_id)
        return entity.area if entity else None

    def type_of(self, entity_id: str) -> str | None:
        """The type of a device (None when unknown)."""
        entity = self.entities.get(entity_id)
        return entity.type if entity else None

    def name_of(self, entity_id: str) -> str:
        """The display name of a device (its id when unknown)."""
        entity = self.entities.get(entity_id)
        return entity.names[0] if entity and entity.names else entity_id


def resolve_targets(
    match: IntentMatch,
    entities: Sequence[EntityName] | EntityIndex,
    client_area: str | None,
    *,
    types: Collection[str] | None = None,
) -> Targets:
    """Resolve the `devices`, `name`, `area`, `domain`, `all` and `plural` slots to device ids; never guess.

    `types` (optional) lists the device types that can do what was asked: it narrows a name shared by
    devices of several types, and picks devices when only an area (or nothing) was said.
    """
    index = entities if isinstance(entities, EntityIndex) else EntityIndex(entities)
    slots = match.slots
    if "devices" in slots:
        # Exactly these devices, chosen earlier (a follow-up, an answered question): no narrowing.
        ids = tuple(i for i in slots["devices"].value if i in index.entities)
        return Targets(ids, what=slots["devices"].text) if ids else Targets(problem=NO_DEVICE, what="that")
    area = slots.get("area")
    if "name" in slots:
        return _by_name(index, slots["name"], area, client_area, types)
    domain = slots.get("domain")
    if domain is not None and types is not None and str(domain.value) not in types:
        # "the temperature of the lights": a kind that cannot do this is never read for a room's devices
        return Targets(problem=UNSUPPORTED, what=f"the {_words(domain)}")
    if domain is not None:
        everywhere = _true(slots.get("all"))
        plural = slots.get("plural")
        if plural is not None and not _true(plural):
            # a template that fixes the type and says it means one device ("it's dark in the lounge":
            # its light, asked about when there are several), though no type word was said
            domain = SlotValue(domain.value, domain.text or words_of_type(str(domain.value)))
        return _by_domain(index, domain, area, client_area, everywhere, _true(plural))
    if area is not None:
        ids = index.in_area(str(area.value), types)
        return Targets(ids) if ids else Targets(problem=NO_DEVICE, what=_the(area))
    # Nothing said about the target ("pause", "what's the temperature"): the client's room.
    if client_area is None:
        return Targets(problem=NEED_AREA)
    ids = index.in_area(client_area, types)
    return Targets(ids) if ids else Targets(problem=NO_DEVICE, what="anything here")


def _true(slot: SlotValue | None) -> bool:
    return slot is not None and slot.value is True


def _the(slot: SlotValue) -> str:
    return f"the {slot.text}" if slot.text else str(slot.value)


def _words(domain: SlotValue) -> str:
    """What the user called the device type; fixed slots said nothing, so fall back to the type."""
    return domain.text or str(domain.value).replace("_", " ")


def _by_name(
    index: EntityIndex,
    name: SlotValue,
    area: SlotValue | None,
    client_area: str | None,
    types: Collection[str] | None,
) -> Targets:
    ids = tuple(name.value)
    what = f"the {name.text}"
    main_light = name.text.lower() in ROOM_MAIN_LIGHT
    if area is not None:
        there = tuple(i for i in ids if index.area_of(i) == area.value)
        if there or not main_light:  # "the big light in the bedroom" is read below, in the room said
            ids = there
        if not ids:
            return Targets(problem=NO_DEVICE, what=f"{what} in {_the(area)}")
    if types is not None and not any(index.type_of(i) in types for i in ids):
        return Targets(problem=UNSUPPORTED, what=what)
    # Narrow a shared name step by step; each step only applies when it leaves someone.
    if len(ids) > 1 and types is not None:
        ids = tuple(i for i in ids if index.type_of(i) in types) or ids
    if len(ids) > 1 and client_area is not None:
        ids = tuple(i for i in ids if index.area_of(i) == client_area) or ids
    room = str(area.value) if area is not None else client_area
    if room is not None and main_light and all(index.area_of(i) != room for i in ids):
        # "the big light" in the bedroom, where no light is called a ceiling light: the room's own light
        here = index.of_type("light", room)
        if len(here) == 1:
            return Targets(here, what=what)
        return (
            Targets(problem=AMBIGUOUS, candidates=here, what=what)
            if here
            else Targets(problem=NO_DEVICE, what=what)
        )
    if len(ids) > 1:
        return Targets(problem=AMBIGUOUS, candidates=ids, what=what)
    if area is None and client_area is not None:
        local = _own_kind_here(index, ids[0], name.text, client_area)
        if local:
            return (
                Targets(local, what=what)
                if len(local) == 1
                else Targets(problem=AMBIGUOUS, candidates=local, what=what)
            )
    return Targets(ids, what=what)


# What people call a room's main light, whatever its name: in a room with no light called so, the room's
# one light (or a question between its lights), never another room's ceiling light.
ROOM_MAIN_LIGHT = frozenset({"big light", "main light", "overhead light"})


def _own_kind_here(index: EntityIndex, device: str, said: str, client_area: str) -> tuple[str, ...]:
    """ "The thermostat" said in the bedroom is the bedroom's thermostat, though another room's is the one
    also called just "thermostat": a name that is only a kind word means the kind, as "the light" does."""
    kind, said = index.type_of(device), said.lower()
    if kind is None or index.kind_words.get(said) != kind or index.area_of(device) == client_area:
        return ()
    # Only devices that answer to the word too: "the speaker" in a room with only a tv stays the speaker.
    return tuple(
        i
        for i in index.of_type(kind, client_area)
        if any(contains_run(name.lower().split(), tuple(said.split())) for name in index.entities[i].names)
    )


def _by_domain(
    index: EntityIndex,
    domain: SlotValue,
    area: SlotValue | None,
    client_area: str | None,
    everywhere: bool,
    plural: bool,
) -> Targets:
    device_type = str(domain.value)
    words = _words(domain)
    if area is not None:
        # "the kitchen lights", "all the lights in the kitchen": every device of the type there; "the
        # lounge lamp": the one called a lamp, or a question when several could be meant.
        ids = _kind_of(index, index.of_type(device_type, str(area.value)), domain)
        if len(ids) > 1 and not plural and not everywhere and not _plural_word(domain):
            # As in the speaker's own room: "the living room light" (the type's own word) may be either of
            # its lights, even when only one has "light" in its name; ask rather than pick.
            named = () if _own_word(domain) else _named_like(index, ids, domain)
            what = f"the {words} in {_the(area)}"
            return (
                Targets(named) if len(named) == 1 else Targets(problem=AMBIGUOUS, candidates=ids, what=what)
            )
        what = f"the {words} in {_the(area)}"
        return Targets(ids, what=what) if ids else _none(what)
    if everywhere:
        ids = _kind_of(index, index.of_type(device_type, anywhere=True), domain)
        return Targets(ids, what=f"all the {words}") if ids else _none(words)
    only = _kind_of(index, index.of_type(device_type, anywhere=True), domain)
    if client_area is None:
        # "Lock the door" from a phone: with a single lock in the home there is nothing to ask. "The lamp"
        # from a phone: the one device in the home whose own name calls it a lamp. An alias does not count
        # ("bedroom heating" does not make the bedroom's the heating of the whole home).
        if len(only) > 1 and not plural and not _own_word(domain) and not _plural_word(domain):
            named = _called_by_name(index, only, domain)
            if len(named) == 1:
                return Targets(named, what=f"the {words}")
        return (
            Targets(only, what=f"the {words}") if len(only) == 1 else Targets(problem=NEED_AREA, what=words)
        )
    ids = _kind_of(index, index.of_type(device_type, client_area), domain)
    if not ids:
        return Targets(only, what=f"the {words}") if len(only) == 1 else _none(f"{words} here")
    if len(ids) > 1 and not plural:
        # "The lamp" in a room with a lamp and a ceiling light is the one called a lamp, as when the room
        # is said. "The light" (the type's own word, which every light answers to) in a room with several:
        # ask rather than pick one.
        named = () if _own_word(domain) or _plural_word(domain) else _named_like(index, ids, domain)
        if len(named) == 1:
            return Targets(named, what=f"the {words}")
        return Targets(problem=AMBIGUOUS, candidates=ids, what=f"the {words}")
    return Targets(ids, what=f"the {words}")


def _kind_of(index: EntityIndex, ids: tuple[str, ...], domain: SlotValue) -> tuple[str, ...]:
    """ "The blinds" are covers called blinds, not the garage door: keep the covers whose names say the word
    used, when some do."""
    if domain.value != "cover" or not domain.text:
        return ids
    word = domain.text.split()[-1].rstrip("s")
    named = tuple(i for i in ids if any(word in name.lower() for name in index.entities[i].names))
    if named or word not in WINDOW_WORDS:
        return named or ids
    # "The blinds" may be the room's shades or curtains, never its garage door or gate.
    return tuple(
        i for i in ids if not any(set(name.lower().split()) & DOOR_WORDS for name in index.entities[i].names)
    )


# What covers a window (any of them may stand for another) and what names a way in (never a window's).
WINDOW_WORDS = frozenset({"blind", "shade", "curtain", "shutter", "drape"})
DOOR_WORDS = frozenset({"door", "gate", "garage"})


def _named_like(index: EntityIndex, ids: tuple[str, ...], domain: SlotValue) -> tuple[str, ...]:
    """The devices whose names contain the type word said ("lamp" picks the living room lamp)."""
    word = domain.text.split()[-1] if domain.text else ""
    return tuple(
        i for i in ids if word and any(word in name.lower().split() for name in index.entities[i].names)
    )


def _called_by_name(index: EntityIndex, ids: tuple[str, ...], domain: SlotValue) -> tuple[str, ...]:
    """The devices whose display name ends with the type word said ("living room lamp" for "lamp")."""
    word = domain.text.split()[-1] if domain.text else ""
    return tuple(i for i in ids if word and index.name_of(i).lower().split()[-1:] == [word])


def _own_word(domain: SlotValue) -> bool:
    """Whether the type was called by its own word ("light"), which every device of the type answers to."""
    return domain.text == words_of_type(str(domain.value))


def _plural_word(domain: SlotValue) -> bool:
    """Whether the type was said in the plural ("lights"); a fixed type (not said) counts as plural."""
    return not domain.text or domain.text.endswith("s")


def words_of_type(device_type: str) -> str:
    """The word a device type is called by ("media_player" → "media player")."""
    return device_type.replace("_", " ")


def _none(what: str) -> Targets:
    return Targets(problem=NO_DEVICE, what=what)
