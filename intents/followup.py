"""Context resolution: follow-ups, repeat, undo and answers to questions, from the session's recent turns."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from .context import Turn
from .model import AreaName, IntentMatch, SlotValue
from .normalize import contains_run, tokenize
from .numbers import parse_number
from .targets import AMBIGUOUS, NO_DEVICE, EntityIndex, resolve_targets

if TYPE_CHECKING:
    from .understand import Understanding

Parser = Callable[[Sequence[str]], IntentMatch | None]
IntentTypes = Callable[[str], frozenset[str] | None]

INVERSE: Mapping[str, str] = {
    "turn_on": "turn_off",
    "turn_off": "turn_on",
    "open_cover": "close_cover",
    "close_cover": "open_cover",
    "lock": "unlock",
    "unlock": "lock",
    "media_play": "media_pause",
    "media_pause": "media_play",
}
# Without an earlier device, "make it brighter" means the lights here, "warmer" the heating here.
DEFAULT_DOMAIN: Mapping[str, str] = {
    "brightness_up": "light",
    "brightness_down": "light",
    "temperature_up": "climate",
    "temperature_down": "climate",
    "volume_up": "media_player",
    "volume_down": "media_player",
}
_UP = {"light": "brightness_up", "media_player": "volume_up", "climate": "temperature_up"}
_DOWN = {"light": "brightness_down", "media_player": "volume_down", "climate": "temperature_down"}
_OPPOSITE_STEP = {
    **{up: _DOWN[kind] for kind, up in _UP.items()},
    **{down: _UP[kind] for kind, down in _DOWN.items()},
}
RELATIVE_FAMILIES: Mapping[str, Mapping[str, str]] = {intent: _UP for intent in _UP.values()} | {
    intent: _DOWN for intent in _DOWN.values()
}
# Words that say which setting goes up or down, unlike "up" or "more": never read for another setting.
OWN_WAY_WORDS = frozenset(
    {"warmer", "cooler", "hotter", "colder", "warm", "cool", "heat", "brighter", "dimmer", "darker", "louder",
     "quieter", "softer"}
)  # fmt: skip
TARGET_SLOTS = frozenset({"name", "area", "domain", "all", "plural", "ref", "devices", "there", "here"})
# Intents about no device at all: a pronoun in them ("what time is it") refers to nothing.
DEVICELESS = frozenset(
    {
        "get_time",
        "get_date",
        "nevermind",
        "capabilities",
        "start_timer",
        "cancel_timer",
        "timer_status",
        "repeat",
        "undo",
        "more",
        "less",
        "followup_value",
    }
)
# What a bare value sets on each type of device ("just 80 percent" said after a lamp, blinds, a speaker).
VALUE_BY_TYPE: Mapping[str, tuple[str, str]] = {
    "light": ("set_brightness", "brightness"),
    "cover": ("set_position", "position"),
    "media_player": ("set_volume", "volume"),
    "climate": ("set_temperature", "temperature"),
}
VALUE_INTENTS: Mapping[str, str] = dict(VALUE_BY_TYPE.values())
TEMPERATURE_RANGE = (5.0, 35.0)  # a setpoint outside it was not meant ("put it at 80" is no temperature)
PRONOUNS = frozenset({"it", "them", "that", "those", "this", "these", "they"})
# Words that may follow a pronoun standing for devices ("turn that off"); a noun there ("this song") means
# the pronoun is an article of something else.
PARTICLES = frozenset(
    {
        "on",
        "off",
        "up",
        "down",
        "back",
        "again",
        "to",
        "too",
        "please",
        "a",
        "bit",
        "for",
        "at",
        "now",
        "brighter",
        "dimmer",
        "darker",
        "louder",
        "quieter",
        "warmer",
        "cooler",
        "halfway",
    }
)
ANSWER_NOISE = frozenset(
    {
        "the",
        "one",
        "ones",
        "a",
        "an",
        "i",
        "mean",
        "meant",
        "please",
        "in",
        "on",
        "of",
        "yes",
        "no",
        "that",
        "thing",
        "light",
        "device",
    }
)
# A value of a list said alone after that setting ("actually, purple"): said in full, as a command.
RESTATED_VALUE: Mapping[str, tuple[str, ...]] = {
    "set_color": ("make", "it"),
    "set_fan_speed": ("set", "it", "to"),
}
# "Swap that for green": a value said again as a change of the last one.
SWAP_VERBS = frozenset({"swap", "change", "switch", "make"})
SWAP_WORDS = frozenset({"for", "to", "with", "into"})
# A value said alone for a device of this type, whatever was last done to it: (intent, words before it).
# Only speeds: a colour alone after a light went on is too far from what was done to be sure of.
RESTATED_BY_TYPE: Mapping[str, tuple[str, tuple[str, ...]]] = {"fan": ("set_fan_speed", ("set", "it", "to"))}
# Said after a value to accept it ("medium's fine", "low will do"): no part of the value.
ACCEPTING = (("is", "fine"), ("fine",), ("will", "do"), ("is", "good"), ("is", "ok"), ("is", "okay"))
# "All the way" after a step: the setting that step moves and where its end is, by the step last done.
ALL_THE_WAY = frozenset(
    {("all", "the", "way"), ("all", "the", "way", "up"), ("all", "the", "way", "down"), ("as", "far", "as",
     "it", "goes"), ("to", "the", "max"), ("max", "it", "out")}
)  # fmt: skip
FARTHEST: Mapping[str, tuple[str, str, int]] = {
    "brightness_up": ("set_brightness", "brightness", 100),
    "volume_up": ("set_volume", "volume", 100),
    "volume_down": ("set_volume", "volume", 0),
    "open_cover": ("set_position", "position", 100),
    "close_cover": ("set_position", "position", 0),
}
# Said before a value to choose it ("go with warm white", "let's try blue"): no part of the value.
CHOOSING = (
    ("let's", "go", "with"), ("go", "with"), ("let's", "try"), ("try",), ("how", "about"), ("what", "about"),
    ("let's", "have"), ("i'll", "have"), ("i'll", "take"),
)  # fmt: skip
MAX_VALUE_WORDS = 3  # "purple", "warm white", "a bit warmer": anything longer is no value alone
ORDINALS: Mapping[str, int] = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}
QUERY_INTENTS = frozenset({"get_state", "get_temperature", "get_humidity"})
MEASURE_INTENTS = frozenset({"get_temperature", "get_humidity"})


class FollowUps:
    """Resolves what depends on the conversation; knows the home's devices and areas."""

    def __init__(
        self, index: EntityIndex, areas: Sequence[AreaName], types: IntentTypes | None = None
    ) -> None:
        self.index = index
        self.types = types or (lambda _intent: None)
        self._area_words = {
            a.id: {w for n in a.names for w in tokenize(n, strip_phrases=False)} for a in areas
        }
        self._areas = {tuple(tokenize(n, strip_phrases=False)): a.id for a in areas for n in a.names}
        self._names: dict[tuple[str, ...], list[str]] = {}
        for entity in index.entities.values():
            for name in entity.names:
                ids = self._names.setdefault(tuple(tokenize(name, strip_phrases=False)), [])
                ids.append(entity.id)

    def resolve(
        self, found: Understanding, history: Sequence[Turn], client_area: str | None
    ) -> Understanding:
        """Replace context-dependent matches by concrete ones; a question when the context cannot tell.

        Earlier commands of the same utterance count as the most recent context: "turn on the tv and set
        the volume to 20" sets the tv's volume.
        """
        from .understand import Understanding

        resolved: list[IntentMatch] = []
        matches = _share_query_area(found.matches)
        for match in matches:
            recent = [*history, *(_as_turn(m, self.index.area_of) for m in resolved)]
            match = self._inherit_area(match, resolved, client_area)
            shared = self._same_target(match, resolved)
            if "there" in match.slots and "area" in match.slots:
                # the room an earlier command of the same utterance named ("… in the lounge and close
                # the blinds in there")
                match = replace(match, slots={k: v for k, v in match.slots.items() if k != "there"})
            room = self._room_of(resolved[-1], client_area) if resolved and "there" in match.slots else None
            if room is not None:
                # "what's the temperature in the bedroom and turn the heating up in there": that room
                slots = {k: v for k, v in match.slots.items() if k != "there"}
                match = replace(match, slots={**slots, "area": SlotValue(room, "")})
            if "there" in match.slots:
                there = self._there(match, recent)
                if there is None:
                    return Understanding(question="no-context", pending=match, layer="context")
                match = there
            if client_area is None and history and not resolved:
                match = self._in_room_talked_of(match, history)
            here = "here" in match.slots
            if here:
                match = replace(match, slots={k: v for k, v in match.slots.items() if k != "here"})
            concrete = [shared] if shared is not None else self._resolve_one(match, recent, client_area)
            if here and isinstance(concrete, list):
                concrete = self._here(match, concrete, client_area)
            if concrete is None:
                return Understanding(question="no-context", pending=match, layer="context")
            if isinstance(concrete, Ambiguous):
                asked = concrete.pending or match
                pending = replace(
                    asked, slots={k: v for k, v in asked.slots.items() if k not in TARGET_SLOTS}
                )
                return Understanding(
                    question="ambiguous", candidates=concrete.ids, pending=pending, layer="context"
                )
            resolved.extend(concrete)
        if not resolved:
            return Understanding(question="nothing-to-undo", layer="context")
        used_context = any(m.source == "context" for m in resolved)
        return replace(found, matches=tuple(resolved), layer="context" if used_context else found.layer)

    def _in_room_talked_of(self, match: IntentMatch, history: Sequence[Turn]) -> IntentMatch:
        """ "Turn the light off" from a phone, right after the garage door and the light in there: the
        light of the room just talked about, when it has one of that kind; the match as it is otherwise
        (a type said with no room from a phone asks which room)."""
        slots = match.slots
        domain = slots.get("domain")
        if domain is None or not domain.text or {"area", "name", "devices", "all", "ref"} & slots.keys():
            return match
        if _true_slot(slots.get("plural")) and domain.text.endswith("s"):
            return match  # "the lights": every one of them, never one room's guessed
        if len(self.index.of_type(str(domain.value), anywhere=True)) < 2:
            return match
        room = self._area_of(_latest_devices(history))
        if room is None or not self.index.of_type(str(domain.value), room):
            return match
        return replace(match, slots={**slots, "area": SlotValue(room, "")}, source="context")

    def _here(
        self, match: IntentMatch, concrete: list[IntentMatch], client_area: str | None
    ) -> list[IntentMatch] | None:
        """ "Make it warmer in here" after the bedroom heating was turned up, said in the lounge: "it" is
        the room here, so the lounge's heating; "turn it off in here" of a device elsewhere asks (None)."""
        if client_area is None:
            return concrete
        elsewhere = [m for m in concrete if any(self.index.area_of(i) != client_area for i in _ids_of(m))]
        if not elsewhere:
            return concrete
        if match.intent not in WEATHER_IT:
            return None
        slots = {k: v for k, v in match.slots.items() if k not in TARGET_SLOTS}
        return [replace(match, slots={**slots, "area": SlotValue(client_area, "here")})]

    def _resolve_one(
        self, match: IntentMatch, history: Sequence[Turn], client_area: str | None = None
    ) -> list[IntentMatch] | Ambiguous | None:
        if match.intent == "repeat":
            last = last_acting(history)
            if last is not None and "other" in match.slots:
                return self._other(last, match)
            return None if last is None else [_rebuild(c, match) for c in last.commands]
        if match.intent == "undo":
            last = last_acting(history)
            if last is not None and "opposite" in match.slots:
                return self._opposite(last, match)
            return [] if last is None else self._undo(last, match)
        if match.intent in ("followup_area", "followup_name"):
            return self._follow(match, history, client_area)
        if match.intent in ("more", "less"):
            return self._step(match, history)
        if match.intent == "followup_value":
            return self._value(match, history)
        timer_talk = history and history[-1].intent in ("start_timer", "timer_status")
        if match.intent == "nevermind" and timer_talk and self._pronoun(match):
            # "cancel it" right after setting a timer cancels that timer.
            slots = {k: SlotValue(v, "") for k, v in history[-1].slots.items() if k == "timer_name"}
            return [replace(match, intent="cancel_timer", slots=slots, source="context")]
        if match.intent in DEVICELESS:
            return [match]
        if (
            match.intent in WEATHER_IT
            and "ref" not in match.slots
            and contains_run(tokenize(match.text), ("in", "here"))
        ):
            return [match]  # "make it warmer in here": the room here, whatever was talked about before
        if "ref" in match.slots or self._pronoun(match):
            # In "make it 20 degrees" or "make it warmer" the "it" is the room as often as a device: the
            # thermostat just talked about, else the room's.
            weather = "ref" not in match.slots and match.intent in WEATHER_IT
            return self._refer(match, history, required=not weather)
        if _implicit(match):
            # "set the volume to 20", "a bit louder": the device just talked about, else the room's.
            return self._refer(match, history, required=False)
        return [match]

    def _other(self, last: Turn, match: IntentMatch) -> list[IntentMatch] | Ambiguous | None:
        """ "The other one": the last order on the device of the same kind in the same room that it did not
        touch; a question when there are several, nothing when there is none."""
        command = last.commands[-1]
        done = list(command.get("devices", ()))
        kind, area = self._type_of(done), self._area_of(done)
        if kind is None or area is None:
            return None
        others = [i for i in self.index.of_type(kind, area) if i not in done]
        if not others:
            return None
        if len(others) > 1:
            return Ambiguous(tuple(others), _rebuild(command, match))
        return [_explicit(_rebuild(command, match), others, "the other one")]

    def _chain(self, history: Sequence[Turn], allowed: Collection[str] | None) -> list[str]:
        """ "Turn on the hallway light", "and the garage", "now turn them off": "them" is every device the
        run of turns with the same order ending at the last turn acted on (the devices of its type)."""
        last = history[-1]
        intent = last.commands[-1].get("intent") if last.commands else None
        found: list[str] = []
        for turn in reversed(history):
            if not turn.commands or turn.commands[-1].get("intent") != intent:
                break
            found = [i for i in _devices(turn) if allowed is None or self.index.type_of(i) in allowed] + found
        return list(dict.fromkeys(found)) if len(set(found)) > 1 else []

    @staticmethod
    def _pronoun(match: IntentMatch) -> bool:
        said_target = any(k in match.slots and match.slots[k].text for k in ("name", "area", "devices"))
        return not said_target and refers(tokenize(match.text))

    def _refer(
        self, match: IntentMatch, history: Sequence[Turn], *, required: bool = True
    ) -> list[IntentMatch] | Ambiguous | None:
        latest = _latest_devices(history)
        kinds = {self.index.type_of(i) for i in latest}
        if history and not _devices(history[-1]) and history[-1].slots.get("domain"):
            kinds = {str(history[-1].slots["domain"])}  # an earlier part named only a type: "the next song"
        talked_of = bool(kinds)  # before `_by_device_type`, which takes the kind out of the set
        match = self._by_device_type(match, kinds)
        match = _value_for_type(match, kinds) or match
        allowed = self.types(match.intent)
        if "both" in tokenize(match.text):
            return self._both(match, history, allowed)
        for n in range(len(history) - 1, -1, -1):
            turn = history[n]
            if _not_understood(turn) and self._names_said(turn.text):
                # "same for the bedroom light but at 40" not understood, then "make that one warm white":
                # "that one" is most likely the device of the turn not understood; ask, never guess.
                return None
            ids = [i for i in _devices(turn) if allowed is None or self.index.type_of(i) in allowed]
            if len(ids) > 1 and _singular(match):
                return Ambiguous(tuple(dict.fromkeys(ids)))  # "turn it off" after two devices: which one?
            if len(ids) == 1 and _plural(match):
                ids = self._chain(history[: n + 1], allowed) or ids
            if ids:
                return [_explicit(match, ids, "that")]
        if not required:
            return [match]
        if latest:
            return None  # "it" is the thing just talked about, and that cannot do this: ask, never guess
        domain = DEFAULT_DOMAIN.get(match.intent)
        if domain is None or not (talked_of or kind_said(tokenize(match.text, strip_phrases=False), domain)):
            return None  # "turn it up" with nothing talked about: the lights, the music or the heating?
        slots = {k: v for k, v in match.slots.items() if k not in TARGET_SLOTS}
        slots.update(domain=SlotValue(domain, ""), plural=SlotValue(True, ""))
        return [replace(match, slots=slots)]

    def _names_said(self, text: str) -> bool:
        """Whether `text` holds the name of one of the home's devices."""
        words = tokenize(text, strip_phrases=False)
        return any(contains_run(words, name) for name in self._names)

    def _both(
        self, match: IntentMatch, history: Sequence[Turn], allowed: frozenset[str] | None
    ) -> list[IntentMatch] | Ambiguous | None:
        """ "Turn them both off": the two devices of the last turns (one turn may have named one, the turn
        before the other); a question when the last turn named more; nothing when fewer were named."""
        ids: list[str] = []
        for turn in reversed(history):
            found = [i for i in _devices(turn) if allowed is None or self.index.type_of(i) in allowed]
            ids.extend(i for i in dict.fromkeys(found) if i not in ids)
            if len(ids) >= 2:
                break
        if len(ids) == 2:
            return [_explicit(match, ids, "both")]
        return Ambiguous(tuple(ids)) if len(ids) > 2 else None

    def _follow(
        self, match: IntentMatch, history: Sequence[Turn], client_area: str | None = None
    ) -> list[IntentMatch] | Ambiguous | None:
        at = next((i for i in range(len(history) - 1, -1, -1) if _acted_or_asked(history[i])), None)
        if at is None or any(_not_understood(t) for t in history[at + 1 :]):
            # "no, swap that for green" not understood, then "and the bedroom light the same": the same
            # as what the speaker believes was just done, which is not the last thing done; ask
            return None
        last = history[at]
        # A question acts on nothing but was about devices: "is the hall light on?" then "what about the
        # garage" asks about the garage's light, not everything there.
        asked: Mapping[str, Any] = {
            "intent": last.intent,
            "slots": last.slots,
            "devices": list(last.device_ids),
        }
        base = last.commands[0] if last.commands else asked
        slots = {k: SlotValue(_restore(k, v), "") for k, v in base["slots"].items() if k not in TARGET_SLOTS}
        if "value" in match.slots:
            # "… but at 40": the new value takes the place of the last setting's, and there must be one
            setting = VALUE_INTENTS.get(str(base["intent"]))
            if setting is None or setting not in slots:
                return None
            slots[setting] = match.slots["value"]
            match = replace(match, slots={k: v for k, v in match.slots.items() if k != "value"})
        if match.intent == "followup_name" and "name" in match.slots:
            slots["name"] = match.slots["name"]
            words = tokenize(match.text)
            if "area" in match.slots:
                slots["area"] = match.slots["area"]  # "and the ceiling light in the kitchen too"
            elif contains_run(words, ("in", "there")) and self._area_of(base.get("devices", ())) is not None:
                # "and the ceiling light in there too": in the room of the devices just talked about
                slots["area"] = SlotValue(self._area_of(base.get("devices", ())), "")
            elif contains_run(words, ("in", "here")) and client_area is not None:
                slots["area"] = SlotValue(client_area, "")
            else:
                # "and the ceiling light" after the living room lamp: of the devices so called, the one in
                # the room just talked about, as within one utterance (see `_inherit_area`).
                slots["name"] = self.nearest(match.slots["name"], base.get("devices", ()))
        elif match.intent == "followup_name" and "area" in match.slots:
            # "the lamp in the living room as well": that kind of device, in the room said
            slots.update({k: v for k, v in match.slots.items() if k in ("domain", "plural", "area")})
        elif match.intent == "followup_name":
            # "and the fan": that kind of device where the last ones were.
            slots["domain"] = match.slots["domain"]
            area = self._area_of(base.get("devices", ()))
            pending = replace(match, intent=str(base["intent"]), slots=slots, source="context")
            words = tokenize(match.text)
            there = self._kind_in(pending, area) if not contains_run(words, ("in", "here")) else ()
            here = (
                self._kind_in(pending, client_area)
                if client_area != area and not contains_run(words, ("in", "there"))
                else ()
            )
            if there and here:
                # Where the last device was, or where the speaker is? Ask rather than pick a room.
                return Ambiguous(tuple(dict.fromkeys((*here, *there))), pending)
            if there:
                slots["area"] = SlotValue(area, "")
            elif here and contains_run(words, ("in", "here")):
                slots["area"] = SlotValue(client_area, "here")
        else:
            if "area" in match.slots:
                slots["area"] = match.slots["area"]
            elif client_area is not None:
                slots["area"] = SlotValue(client_area, "here")  # "and in here too"
            else:
                return None
            said = match.slots.get("domain")
            domain = base["slots"].get("domain") or self._type_of(base.get("devices", ()))
            if said is not None and said.text:
                # "the lamp in the living room as well": the kind of device said, read as said ("lamp")
                slots.update({k: v for k, v in match.slots.items() if k in ("domain", "plural")})
            elif domain is not None and base["intent"] not in ("get_temperature", "get_humidity"):
                # "The same for the kitchen" after one light: one light there, asked which if several;
                # after several, all of that kind there.
                several = len(base.get("devices", ())) > 1 or "plural" in base["slots"]
                slots.update(domain=SlotValue(domain, ""), plural=SlotValue(several, ""))
        return [replace(match, intent=str(base["intent"]), slots=slots, source="context")]

    def nearest(self, name: SlotValue, devices: Sequence[str]) -> SlotValue:
        """A name shared by several devices, narrowed to the one in the room of `devices` when exactly one
        is there and it is not one of them; the name as said otherwise."""
        area = self._area_of(devices)
        if len(name.value) < 2 or area is None:
            return name
        there = tuple(i for i in name.value if self.index.area_of(i) == area)
        return SlotValue(there, name.text) if len(there) == 1 and there[0] not in devices else name

    def restatements(self, tokens: Sequence[str], history: Sequence[Turn]) -> list[tuple[list[str], str]]:
        """Words that lean on the last turn, said in full, each with the intent it must then have: "the
        hallway one" with the noun of the device just named ("the hallway light"), and a colour or a
        speed alone after one was set ("actually, purple": "make it purple")."""
        found: list[tuple[list[str], str]] = []
        # "And switch the light off in there", "and again": a turn carrying on the last one, as if said alone.
        carried = list(tokens[1:] if len(tokens) > 1 and tokens[0] == "and" else tokens)
        there = self._there_said(carried, history)
        if there is not None:
            found.append((there, ""))
        elif len(carried) < len(tokens):
            found.append((carried, ""))
        last = last_acting(history)
        if last is None or not last.commands:
            return found
        way = [w for w in carried if w not in ("ok", "okay", "again", "now")]
        if way in (["on"], ["off"], ["back", "on"], ["back", "off"]):
            found.append((["turn", "it", way[-1]], ""))  # "ok, off again": the device just switched
        command = last.commands[-1]
        intent = str(command["intent"])
        noun = self._shared_noun(list(command.get("devices", ())))
        spots = [i for i, w in enumerate(tokens) if w in ("one", "ones") and i > 0 and tokens[i - 1] != "the"]
        if noun is not None and len(spots) == 1:
            i = spots[0]
            said = noun if tokens[i] == "one" or noun.endswith("s") else f"{noun}s"  # "blinds" stays
            found.append(([*tokens[:i], said, *tokens[i + 1 :]], ""))
        lead = RESTATED_VALUE.get(intent)
        kinds = {self.index.type_of(i) for i in command.get("devices", ())}
        if lead is None and len(kinds) == 1:
            # "on high" right after the fan was switched on: its speed
            intent, lead = RESTATED_BY_TYPE.get(kinds.pop() or "", (intent, None))
        value = tokens[1:] if tokens and tokens[0] in ("no", "nope") else tokens  # "no, red": a correction
        if (
            len(value) > 3
            and value[0] in SWAP_VERBS
            and value[1] in ("that", "it")
            and value[2] in SWAP_WORDS
        ):
            value = value[3:]  # "swap that for green", "change it to high"
        value = _value_alone(value)
        if lead is not None and value and len(value) <= MAX_VALUE_WORDS and not refers(value):
            found.append(([*lead, *value], intent))
        return found

    def _there_said(self, tokens: Sequence[str], history: Sequence[Turn]) -> list[str] | None:
        """ "Switch the light off in there": the room of the devices talked about last, said by its name
        ("… in the garage"); None without "in there" or such a room."""
        spots = [i for i in range(len(tokens) - 1) if tokens[i] in ("in", "out") and tokens[i + 1] == "there"]
        latest = _latest_devices(history)
        area = self._area_of(latest)
        if len(spots) != 1 or area is None:
            return None
        name = next((words for words, a in self._areas.items() if a == area), None)
        if name is None:
            return None
        i = spots[0]
        return [*tokens[: i + 1], "the", *name, *tokens[i + 2 :]]

    def _shared_noun(self, ids: Sequence[str]) -> str | None:
        """The last word of the names of the devices ("light" for the bedroom light), when they share it."""
        nouns = set()
        for device in ids:
            entity = self.index.entities.get(device)
            words = tokenize(entity.names[0], strip_phrases=False) if entity is not None else []
            if not words:
                return None
            nouns.add(words[-1])
        return nouns.pop() if len(nouns) == 1 else None

    def _step(self, match: IntentMatch, history: Sequence[Turn]) -> list[IntentMatch] | None:
        """ "A bit more" / "a little less": one more relative step the way the last change went, or one
        back. After a setting, the way is from the state before it; after anything else it is unclear."""
        last = last_acting(history)
        if last is None or not last.commands:
            return None
        command = last.commands[-1]
        devices = list(command.get("devices", ()))
        kinds = {self.index.type_of(i) for i in devices}
        if not devices or len(kinds) != 1:
            return None
        kind = kinds.pop() or ""
        up, down = _UP.get(kind), _DOWN.get(kind)
        if up is None or down is None:
            return None
        intent = str(command["intent"])
        if intent == up:
            went_up = True
        elif intent == down:
            went_up = False
        elif VALUE_BY_TYPE.get(kind, ("", ""))[0] == intent:
            went = self._direction(last, command, devices, VALUE_BY_TYPE[kind][1])
            if went is None:
                return None
            went_up = went
        else:
            return None  # "more" after turning the lamp on: more of what?
        chosen = up if went_up == (match.intent == "more") else down
        return [_explicit(IntentMatch(chosen, {}, match.text, match.confidence, "context"), devices, "that")]

    @staticmethod
    def _direction(turn: Turn, command: Mapping[str, Any], devices: Sequence[str], slot: str) -> bool | None:
        """Whether a setting raised the value (True), lowered it (False), or that is unknown (None)."""
        new = command.get("slots", {}).get(slot)
        state = turn.before.get(devices[0], {})
        if slot == "brightness" and state.get("state") == "OFF" and isinstance(new, int | float) and new > 0:
            return True  # "set the bedroom light to 40" from off, then "a little more": brighter
        before = _restore_state(state)
        if not isinstance(new, int | float) or before is None or before[1] != slot:
            return None
        old = before[2]
        if not isinstance(old, int | float) or old == new:
            return None
        return bool(new > old)

    def _value(self, match: IntentMatch, history: Sequence[Turn]) -> list[IntentMatch] | Ambiguous | None:
        """ "Just 80 percent", "put it at halfway": the value for the devices just talked about."""
        latest = _latest_devices(history)
        kinds = {self.index.type_of(i) for i in latest}
        if not latest or len(kinds) != 1:
            return None
        if len(latest) > 1 and _singular(match):
            return Ambiguous(tuple(dict.fromkeys(latest)))
        concrete = _typed_value(match, match.slots.get("value"), next(iter(kinds)), {})
        if concrete is None:
            return None
        return [_explicit(concrete, latest, "that")]

    def bare_value(self, tokens: Sequence[str], history: Sequence[Turn]) -> IntentMatch | None:
        """ "(Now) 70" right after a setting: the same setting again with this value, for the same devices.
        Only a number said alone, and only when the last thing done set that value, so a stray number is
        never taken for a brightness; None otherwise."""
        parsed = parse_number(tokens, 0) if tokens else None
        last = last_acting(history)
        if parsed is None or parsed[1] != len(tokens) or last is None or not last.commands:
            return None
        command = last.commands[-1]
        kinds = {self.index.type_of(i) for i in command.get("devices", ())}
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is None or kind not in VALUE_BY_TYPE or VALUE_BY_TYPE[kind][0] != command["intent"]:
            return None
        value = SlotValue(parsed[0], " ".join(tokens))
        return IntentMatch("followup_value", {"value": value}, " ".join(tokens), 1.0, "context")

    def all_the_way(self, tokens: Sequence[str], history: Sequence[Turn]) -> IntentMatch | None:
        """ "All the way" right after a step brighter, louder, open or closed: that setting at its end
        (full brightness after "brighter"), for the same devices; None after anything else."""
        words = tuple(tokens)
        last = last_acting(history)
        if words not in ALL_THE_WAY or last is None or not last.commands:
            return None
        command = last.commands[-1]
        devices = tuple(command.get("devices", ()))
        intent = str(command["intent"])
        if intent == "turn_on" and devices and all(self.index.type_of(i) == "light" for i in devices):
            intent = "brightness_up"  # "turn on the ceiling light" … "all the way": full brightness
        farthest = FARTHEST.get(intent)
        if farthest is None or not devices:
            return None
        setting, slot, value = farthest
        if words[-1] in ("up", "down") and (words[-1] == "up") != (value > 0):
            return None  # "all the way down" after "brighter": said the other way, never guessed
        said = " ".join(words)
        slots = {slot: SlotValue(value, said), "devices": SlotValue(devices, "that")}
        return IntentMatch(setting, slots, said, 1.0, "context")

    def _kind_in(self, match: IntentMatch, area: str | None) -> tuple[str, ...]:
        """The devices a type-only match ("the light") could mean in one room (none without a room)."""
        if area is None:
            return ()
        slots = {**match.slots, "area": SlotValue(area, "")}
        found = resolve_targets(replace(match, slots=slots), self.index, None, types=self.types(match.intent))
        return found.ids or found.candidates

    @staticmethod
    def _by_device_type(match: IntentMatch, kinds: set[str | None]) -> IntentMatch:
        """ "Turn it up" means volume for a speaker, heat for a thermostat, light for a lamp."""
        family = RELATIVE_FAMILIES.get(match.intent)
        if family is None or len(kinds) != 1:
            return match
        if OWN_WAY_WORDS & set(tokenize(match.text)):
            return match  # "make it warmer" is heat whatever "it" was; a light is not made warmer by light
        intent = family.get(kinds.pop() or "")
        return match if intent is None else replace(match, intent=intent)

    def _inherit_area(
        self, match: IntentMatch, earlier: Sequence[IntentMatch], client_area: str | None
    ) -> IntentMatch:
        """ "Set the bedroom light to 10 percent and close the shutters": the shutters of that room. "Turn
        off the living room lamp and ceiling light": of several ceiling lights, the living room's."""
        if not earlier or {"area", "devices", "all"} & match.slots.keys():
            return match
        shared_name = "name" in match.slots and len(match.slots["name"].value) > 1
        said_type = "domain" in match.slots and bool(match.slots["domain"].text) and "name" not in match.slots
        if not (shared_name or said_type):
            return match
        previous = earlier[-1].slots
        ids = (
            previous["devices"].value
            if "devices" in previous
            else previous.get("name", SlotValue((), "")).value
        )
        area = self._room_of(earlier[-1], client_area)
        if area is None:
            return match
        if shared_name:
            name = match.slots["name"]
            there = tuple(i for i in name.value if self.index.area_of(i) == area)
            if len(there) != 1 or there[0] in ids:
                return match  # none or several there, or the device just named: the usual question
            return replace(match, slots={**match.slots, "name": SlotValue(there, name.text)})
        inherited = replace(match, slots={**match.slots, "area": SlotValue(area, "")})
        found = resolve_targets(inherited, self.index, None, types=self.types(match.intent))
        # "… and the lamp to 20 percent" after the kitchen light: no lamp in the kitchen, so the room said
        # before is not this part's; the part is resolved as said.
        return match if found.problem in (NO_DEVICE, AMBIGUOUS) else inherited

    def _room_of(self, match: IntentMatch, client_area: str | None) -> str | None:
        """The one room an earlier command of the utterance was about: the room said, else its devices'
        ("turn on the lamp and turn off the ceiling light": the lamp's room); None when not one room."""
        if "area" in match.slots:
            return str(match.slots["area"].value)
        slots = match.slots
        ids = slots["devices"].value if "devices" in slots else slots.get("name", SlotValue((), "")).value
        if not ids and "domain" in slots:
            found = resolve_targets(match, self.index, client_area, types=self.types(match.intent))
            ids = found.ids if found.problem is None else ()
        return self._area_of(ids) if ids else None

    def _same_target(self, match: IntentMatch, earlier: Sequence[IntentMatch]) -> IntentMatch | None:
        """ "Skip this track and turn it up to 50": "it" is what the earlier part of the same utterance was
        about, even when that was only a type of device ("the music" here); None when that does not apply."""
        if not earlier or not ("ref" in match.slots or self._pronoun(match)):
            return None
        previous = earlier[-1].slots
        if {"name", "devices"} & previous.keys() or "domain" not in previous:
            return None  # named devices: the pronoun rules find them in the context as usual
        allowed = self.types(match.intent)
        if allowed is not None and str(previous["domain"].value) not in allowed:
            return None
        slots = {k: v for k, v in match.slots.items() if k not in TARGET_SLOTS}
        slots.update({k: v for k, v in previous.items() if k in TARGET_SLOTS})
        return replace(match, slots=slots, source="context")

    def _there(self, match: IntentMatch, history: Sequence[Turn]) -> IntentMatch | None:
        """ "In there": the room of the devices talked about last; None when there were none."""
        latest = _latest_devices(history)
        area = self._area_of(latest)
        if area is None:
            return None
        slots = {k: v for k, v in match.slots.items() if k != "there"}
        slots["area"] = SlotValue(area, "")
        return replace(match, slots=slots, source="context")

    def _area_of(self, ids: Sequence[str]) -> str | None:
        areas = {self.index.area_of(i) for i in ids}
        area = areas.pop() if len(areas) == 1 else None
        return area

    def _type_of(self, ids: Sequence[str]) -> str | None:
        types = [self.index.type_of(i) for i in ids]
        return types[0] if types and types[0] is not None else None

    def _opposite(self, turn: Turn, match: IntentMatch) -> list[IntentMatch]:
        """ "The other way": the opposite of each order of the last turn (close for open, cooler for warmer);
        nothing when one has no opposite ("the other way" after a setting says no value)."""
        opposite: list[IntentMatch] = []
        for command in turn.commands:
            intent = str(command["intent"])
            other = INVERSE.get(intent) or _OPPOSITE_STEP.get(intent)
            if other is None:
                return []
            opposite.append(_rebuild({**command, "intent": other}, match))
        return opposite

    def _undo(self, turn: Turn, match: IntentMatch) -> list[IntentMatch]:
        undone: list[IntentMatch] = []
        for command in turn.commands:
            inverse = INVERSE.get(str(command["intent"]))
            if inverse is not None:
                undone.append(_rebuild({**command, "intent": inverse}, match))
                continue
            for device in command.get("devices", ()):
                restored = _restore_state(turn.before.get(device, {}))
                if restored is not None:
                    intent, slot, value = restored
                    undone.append(
                        _explicit(
                            replace(match, intent=intent, slots={slot: SlotValue(value, "")}),
                            [device],
                            "that",
                        )
                    )
        return undone

    def answer(self, tokens: Sequence[str], last: Turn, parse: Parser) -> IntentMatch | None:
        """The pending intent of the last turn's question, when `tokens` answer it; else None."""
        if last.pending is None:
            return None
        words = last.pending.get("words") or {}
        pending = IntentMatch(
            str(last.pending["intent"]),
            {k: SlotValue(_restore(k, v), str(words.get(k, ""))) for k, v in last.pending["slots"].items()},
            " ".join(tokens),
            1.0,
            "context",
        )
        if len(tokens) > 1 and tokens[0] in ANSWER_PREPOSITIONS:
            tokens = tokens[1:]  # "on the speaker" to "which one?" after "next track": the speaker
        own = parse(tokens)
        if own is not None and own.source != "classifier" and own.intent not in ANSWERS and _said(own):
            return None  # "brighten the kitchen light": a whole command of its own, understood as said
        named = self._named(tokens, own, pending, last.candidates)
        if named is not None:
            return named
        if last.question == "need-duration":
            return self.duration_given(tokens, pending, parse)
        if last.question == "need-area":
            area = self._area_in(tokens)
            if area is None:
                return self._every_one(tokens, last, pending, parse)
            slots = {**pending.slots, "area": SlotValue(area, "")}
            return replace(pending, slots=slots)
        chosen = self._choose(tokens, last.candidates)
        return None if chosen is None else _explicit(pending, chosen, "")

    @staticmethod
    def duration_given(tokens: Sequence[str], pending: IntentMatch, parse: Parser) -> IntentMatch | None:
        """ "15 minutes", "for an hour and a half" to "for how long?": the timer asked for, that long."""
        words = [t for t in tokens if t not in ("for", "make", "it", "please")]
        timed = parse(["set", "a", "timer", "for", *words]) if words else None
        if timed is None or timed.intent != "start_timer" or TIMER_SPANS.isdisjoint(timed.slots):
            return None
        slots = {**pending.slots, **{k: v for k, v in timed.slots.items() if k != "timer_name"}}
        return replace(pending, slots=slots, text=" ".join(tokens))

    def _named(
        self, tokens: Sequence[str], own: IntentMatch | None, pending: IntentMatch, candidates: Sequence[str]
    ) -> IntentMatch | None:
        """ "The kitchen light", "the tv": an answer naming one device (read as a follow-up, or said by its
        exact name), the one offered or, to "which room?", the one that can do what was asked."""
        words = tuple(t for t in tokens if t not in ARTICLES)
        if own is not None and own.intent == "followup_name" and "name" in own.slots:
            said, text = own.slots["name"].value, own.slots["name"].text
        else:
            said, text = tuple(self._names.get(words, ())), " ".join(words)
        domain = pending.slots.get("domain")
        if not said and domain is not None and words.count("one") == 1 and self._area_in(tokens) is None:
            # "The hall one" to "which light?": "one" stands for the kind asked about ("the hall light"). A
            # room said ("the kitchen one") is answered as a room, as before.
            kind = str(domain.value)
            words = tuple(kind if w == "one" else w for w in words)
            said, text = tuple(self._names.get(words, ())), " ".join(words)
        ids = [i for i in said if not candidates or i in candidates]
        allowed = self.types(pending.intent)
        fitting = [
            i
            for i in ids
            if (allowed is None or self.index.type_of(i) in allowed)
            and (domain is None or self.index.type_of(i) == domain.value)
        ]
        return _explicit(pending, fitting, text) if len(fitting) == 1 else None

    def _every_one(
        self, tokens: Sequence[str], last: Turn, pending: IntentMatch, parse: Parser
    ) -> IntentMatch | None:
        """ "Both", "all of them" to "which room?": every device of the kind asked about, in the whole home
        ("both" only when there are two); the kind as first said ("the blinds", not the garage door)."""
        every = set(tokens) & {"both", "all"}
        asked = parse(tokenize(last.text))
        if len(every) != 1 or asked is None or asked.intent != pending.intent or "domain" not in asked.slots:
            return None
        wide = IntentMatch(pending.intent, {"domain": asked.slots["domain"], "all": SlotValue(True, "")}, "")
        ids = resolve_targets(wide, self.index, None, types=self.types(pending.intent)).ids
        if not ids or (every == {"both"} and len(ids) != 2):
            return None
        return _explicit(pending, ids, "both" if every == {"both"} else "all")

    def _area_in(self, tokens: Sequence[str]) -> str | None:
        found = {area for words, area in self._areas.items() if contains_run(tokens, words)}
        return found.pop() if len(found) == 1 else None

    def _choose(self, tokens: Sequence[str], candidates: Sequence[str]) -> list[str] | None:
        words = [t for t in tokens if t not in ANSWER_NOISE]
        for word in tokens:
            position = ORDINALS.get(word)
            if position is not None and -len(candidates) <= position < len(candidates):
                return [candidates[position]]
        if set(tokens) & {"both", "all"}:
            return list(candidates)
        if not words:
            return None
        fitting = [c for c in candidates if all(self._describes(w, c) for w in words)]
        return fitting if len(fitting) == 1 else None

    def _describes(self, word: str, device: str) -> bool:
        entity = self.index.entities.get(device)
        if entity is None:
            return False
        vocabulary = {w for n in entity.names for w in tokenize(n, strip_phrases=False)}
        vocabulary |= self._area_words.get(entity.area or "", set())
        if word in MAIN_LIGHT_WORDS and "ceiling" in vocabulary:
            return True  # "the big one" to "the lamp or the ceiling light?"
        return any(word == v or (len(word) > 3 and fuzz.ratio(word, v) >= 80) for v in vocabulary)


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A reference that fits several earlier devices; the user is asked which."""

    ids: tuple[str, ...]
    pending: IntentMatch | None = None  # what to do once answered, when not the match itself


ARTICLES = frozenset({"the", "my", "our"})
# What an answer that only names a target is understood as.
ANSWERS = frozenset({"followup_name", "followup_area"})
# What people call a room's main light in an answer: "the big one", "the main one" (see targets).
MAIN_LIGHT_WORDS = frozenset({"big", "main", "overhead"})
# The slots a timer's length is said in (folded into "duration" later).
TIMER_SPANS = frozenset({"duration", "hours", "minutes", "seconds"})


# A preposition before the device or room that answers "which one?": "on the speaker", "in the kitchen".
ANSWER_PREPOSITIONS = frozenset({"on", "in", "for", "with", "at", "to"})


def _said(match: IntentMatch) -> bool:
    """Whether a command said its own target: a device or a room named."""
    return any(match.slots[k].text for k in ("name", "area") if k in match.slots)


def _share_query_area(matches: Sequence[IntentMatch]) -> list[IntentMatch]:
    """ "What's the temperature and humidity in the office": readings asked together share the room said."""
    out = list(matches)
    for i in range(len(out) - 2, -1, -1):
        match, after = out[i], out[i + 1]
        if (
            match.intent in MEASURE_INTENTS
            and after.intent in MEASURE_INTENTS
            and not TARGET_SLOTS & match.slots.keys()
            and "area" in after.slots
            and "name" not in after.slots
        ):
            out[i] = replace(match, slots={**match.slots, "area": after.slots["area"]})
    return out


def _value_for_type(match: IntentMatch, kinds: set[str | None]) -> IntentMatch | None:
    """A value set on a pronoun, as the device's type takes it: "set it to 80" is a brightness for a lamp
    and a volume for a speaker. None when the type takes no such value or the unit said is not its own."""
    if match.intent not in VALUE_INTENTS or len(kinds) != 1 or {"name", "domain"} & match.slots.keys():
        return None  # a type or device said ("set the heating to 21") decides for itself
    said_slot = VALUE_INTENTS[match.intent]
    slots = {k: v for k, v in match.slots.items() if k != said_slot}
    return _typed_value(match, match.slots.get(said_slot), next(iter(kinds)), slots)


def _typed_value(
    match: IntentMatch, said: SlotValue | None, kind: str | None, slots: dict[str, SlotValue]
) -> IntentMatch | None:
    """`match` as the setting a device of `kind` takes for the value said (added to `slots`), or None
    when the type takes no such value, the unit said is not its own or the value is out of its range."""
    if kind is None or kind not in VALUE_BY_TYPE or said is None or not isinstance(said.value, int | float):
        return None
    intent, slot = VALUE_BY_TYPE[kind]
    words = set(tokenize(match.text))
    if ("degrees" in words) != (kind == "climate") and {"degrees", "percent"} & words:
        return None  # "put it at 50 percent" said after a thermostat: not a temperature
    value = said.value
    low, high = TEMPERATURE_RANGE if kind == "climate" else (0, 100)
    if not low <= value <= high:
        return None
    if kind != "climate":
        value = round(value)
    return replace(match, intent=intent, slots={**slots, slot: SlotValue(value, said.text)})


def _singular(match: IntentMatch) -> bool:
    words = set(tokenize(match.text))
    return bool(words & {"it", "this", "that"}) and not words & {
        "them",
        "they",
        "those",
        "these",
        "both",
        "all",
    }


# Word beginnings that tell which kind a step is for ("make it brighter", "warm it up"); "turn it up" and
# "a bit more" tell none.
KIND_STEMS: Mapping[str, tuple[str, ...]] = {
    "light": ("bright", "dim", "dark", "light", "lamp"),
    "climate": ("warm", "cool", "heat", "hot", "cold", "chill", "temp", "freez", "boil", "stuffy"),
    "media_player": ("loud", "quiet", "volume", "sound", "noise", "music", "soft"),
}


def kind_said(words: Sequence[str], domain: str) -> bool:
    """Whether the words say a step is for this kind of device ("brighter", "too dark": a light)."""
    return any(w.startswith(KIND_STEMS.get(domain, ())) for w in words)


def _plural(match: IntentMatch) -> bool:
    """Whether the words point back at several devices: "turn them off", "close those"."""
    return not {"them", "they", "those", "these"}.isdisjoint(tokenize(match.text))


# Intents whose "it" may be the weather "it" ("make it warmer", "how cold is it"), not a device named before.
WEATHER_IT = frozenset({"set_temperature", "temperature_up", "temperature_down", *MEASURE_INTENTS})


def refers(tokens: Sequence[str]) -> bool:
    """Whether words point back at devices: "turn it off", "make those brighter"; not "skip this song"."""
    for i, token in enumerate(tokens):
        if token in ("it", "them", "they"):
            return True
        if token in PRONOUNS:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is None or following in PARTICLES:
                return True
    return False


def _implicit(match: IntentMatch) -> bool:
    """Whether the target was not said at all (only fixed slots of the sentence chose it)."""
    return not any(match.slots[k].text for k in ("name", "area", "domain", "devices") if k in match.slots)


def _as_turn(match: IntentMatch, area_of: Callable[[str], str | None]) -> Turn:
    """An earlier command of the same utterance, seen as context for the later ones."""
    ids = (
        match.slots["devices"].value
        if "devices" in match.slots
        else match.slots.get("name", SlotValue((), "")).value
    )
    if "area" in match.slots and "devices" not in match.slots:
        # "the ceiling light in the living room": a name several rooms share, narrowed by the room said
        ids = tuple(i for i in ids if area_of(i) == match.slots["area"].value) or ids
    command = {"intent": match.intent, "slots": {}, "devices": list(ids)}
    kind = {"domain": match.slots["domain"].value} if "domain" in match.slots else {}
    return Turn(match.text, match.intent, kind, tuple(ids), "", 0.0, True, commands=(command,) if ids else ())


def _value_alone(words: Sequence[str]) -> list[str]:
    """ "On high" → "high", "medium's fine" → "medium": the value without the words around it."""
    out = list(words)
    choice = next((c for c in CHOOSING if tuple(out[: len(c)]) == c and len(out) > len(c)), ())
    out = out[len(choice) :]  # "go with warm white", "how about blue"
    for phrase in ACCEPTING:
        if len(out) > len(phrase) and tuple(out[-len(phrase) :]) == phrase:
            out = out[: -len(phrase)]
            break
    if out and out[-1].endswith("'s"):
        out[-1] = out[-1][:-2]
    if len(out) > 1 and out[0] in ("on", "at", "to"):
        out = out[1:]
    return out


def _acted_or_asked(turn: Turn) -> bool:
    """Whether a turn carried out commands or asked about a device's state or a reading."""
    return bool(turn.commands) or turn.intent in QUERY_INTENTS


def _not_understood(turn: Turn) -> bool:
    """Whether a turn was not understood at all: it meant nothing, did nothing and asked nothing."""
    return turn.intent is None and not turn.commands and turn.question is None and not turn.device_ids


def _true_slot(slot: SlotValue | None) -> bool:
    return slot is not None and slot.value is True


def _ids_of(match: IntentMatch) -> tuple[str, ...]:
    """The device ids a resolved match names ("devices" or "name"); none when it names none."""
    slot = match.slots.get("devices") or match.slots.get("name")
    return tuple(slot.value) if slot is not None else ()


def _latest_devices(history: Sequence[Turn]) -> list[str]:
    """The devices of the most recent turn that named or acted on any; none when no turn did."""
    return next((found for t in reversed(history) if (found := _devices(t))), [])


def _devices(turn: Turn) -> list[str]:
    return [d for c in turn.commands for d in c.get("devices", ())] or list(turn.device_ids)


def last_acting(history: Sequence[Turn]) -> Turn | None:
    """The latest turn that carried out commands, if any."""
    return next((t for t in reversed(history) if t.commands), None)


def _restore(slot: str, value: Any) -> Any:
    """Slot values come back from plain JSON: device-id lists were tuples."""
    return tuple(value) if slot in ("name", "devices") and isinstance(value, list) else value


def _rebuild(command: Mapping[str, Any], match: IntentMatch) -> IntentMatch:
    slots = {k: SlotValue(_restore(k, v), "") for k, v in command["slots"].items() if k not in TARGET_SLOTS}
    rebuilt = IntentMatch(str(command["intent"]), slots, match.text, match.confidence, "context")
    return _explicit(rebuilt, list(command.get("devices", ())), "that")


def _explicit(match: IntentMatch, ids: Sequence[str], what: str) -> IntentMatch:
    slots = {k: v for k, v in match.slots.items() if k not in TARGET_SLOTS}
    slots["devices"] = SlotValue(tuple(ids), what)
    return replace(match, slots=slots, source="context")


def _restore_state(state: Mapping[str, Any]) -> tuple[str, str, Any] | None:
    """The command that puts a device back into a remembered state (the first setting it had)."""
    if "brightness" in state and state.get("state") == "ON":
        return "set_brightness", "brightness", round(int(state["brightness"]) * 100 / 254)
    if "occupied_heating_setpoint" in state:
        return "set_temperature", "temperature", state["occupied_heating_setpoint"]
    if "position" in state:
        return "set_position", "position", state["position"]
    if "volume" in state:
        return "set_volume", "volume", state["volume"]
    if state.get("fan_mode") in ("low", "medium", "high"):
        return "set_fan_speed", "speed", state["fan_mode"]
    return None
