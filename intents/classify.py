"""The classifier layer: link names, abstract them, ask the ONNX classifier, fill and check the slots.

It answers only when the classifier is confident, the words said agree with the intent's polarity (never
"off" for "on"), every required slot is there, and the device named is unambiguous; otherwise it stays
silent (or asks "did you mean …?") so nothing wrong is done.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from .classifier import IntentClassifier
from .document import IntentData, RangeList, ValueList
from .followup import DEFAULT_DOMAIN as RELATIVE_DEFAULT_DOMAIN
from .followup import IntentTypes, refers
from .linker import EntityLinker, Linked, Mention
from .model import IntentMatch, SlotValue
from .mood import TIMER_WORDS, acts
from .normalize import FILLERS
from .numbers import DENOMINATORS, fraction_percent, parse_number
from .targets import EntityIndex
from .vocabulary import template_words

if TYPE_CHECKING:
    from .understand import Understanding


_ON = frozenset({"on", "start", "activate", "enable", "resume"})
_OFF = frozenset({"off", "kill", "stop", "deactivate", "disable", "out"})
_OPEN = frozenset({"open", "raise", "lift", "opened"})
_CLOSE = frozenset({"close", "shut", "lower", "closed"})
_UP = frozenset(
    {"up", "brighter", "brighten", "increase", "raise", "lighter", "warmer", "hotter", "louder", "more"}
)
_DOWN = frozenset(
    {
        "down",
        "dim",
        "dimmer",
        "darker",
        "decrease",
        "lower",
        "reduce",
        "cooler",
        "colder",
        "quieter",
        "softer",
        "less",
    }
)
# A step up or down is only guessed when some word speaks of a direction, a level or how it feels: "it's
# raining" is no "warmer", though the classifier may rank it so.
DIRECTION_HINTS = (
    _UP
    | _DOWN
    | frozenset(
        {
            "cold", "chilly", "freezing", "hot", "warm", "cool", "stuffy", "boiling", "heat", "heating",
            "dark", "dim", "bright", "gloomy", "black", "glare", "blinding", "loud", "quiet", "noisy", "hear",
            "blasting", "deafening", "notch", "bit", "little", "touch", "turn", "crank", "bump", "nudge",
            "boost", "too", "much",
        }
    )
)  # fmt: skip
# (words that say this intent, words that say its opposite): a match is refused when only the opposite was
# said; for turn_on/turn_off the intent's own word must be there too.
POLARITY: Mapping[str, tuple[frozenset[str], frozenset[str]]] = {
    "turn_on": (_ON, _OFF),
    "turn_off": (_OFF, _ON),
    # "The bedroom blinds all the way": which way is a guess without a word of it.
    "open_cover": (_OPEN | {"up", "let", "daylight", "sunlight", "sun", "dark"}, _CLOSE),
    "close_cover": (_CLOSE | {"down", "draw", "privacy", "bright", "glare", "sun"}, _OPEN),
    "lock": (frozenset({"lock", "locked", "secure"}), frozenset({"unlock", "unlocked"})),
    "unlock": (frozenset({"unlock", "unlocked"}), frozenset({"lock", "locked"})),
    "media_play": (frozenset({"play", "resume", "continue", "unpause"}), frozenset({"pause", "stop"})),
    "media_pause": (frozenset({"pause", "stop"}), frozenset({"play", "resume", "unpause"})),
    # "Off" is never a step up: "turn off the lights in here" is no "brighter".
    "brightness_up": (_UP, _DOWN | _OFF),
    "brightness_down": (_DOWN, _UP | {"bright"}),  # "make it bright her": a misheard "brighter"
    "temperature_up": (_UP | {"cold", "chilly", "freezing"}, _DOWN | _OFF | {"hot"}),
    "temperature_down": (_DOWN | {"hot"}, _UP | {"cold", "chilly", "freezing"}),
    "volume_up": (_UP, _DOWN | _OFF),
    "volume_down": (_DOWN, _UP),
    "start_timer": (
        frozenset({"set", "start", "create", "make", "add", "put"}),
        frozenset({"cancel", "stop", "delete", "remove", "clear", "end", "kill"}),
    ),
    "cancel_timer": (
        frozenset(
            {
                "cancel",
                "stop",
                "delete",
                "remove",
                "clear",
                "end",
                "kill",
                "rid",
                "off",
                "forget",
                "scrap",
                "abort",
            }
        ),
        frozenset({"set", "start", "create", "add"}),
    ),
    # Calling a request off needs a word that calls it off: "I like that song" is none.
    "nevermind": (
        frozenset(
            {
                "mind",
                "nevermind",
                "cancel",
                "forget",
                "ignore",
                "scratch",
                "strike",
                "disregard",
                "nothing",
                "worry",
                "stop",
                "abort",
                "drop",
            }
        ),
        frozenset(),
    ),
}
# Questions the classifier may only guess when one of their own words was said (no order words: these are
# not kept in POLARITY, whose words say orders). "bedtime" alone asks no time; "can you fix that" asks for
# something done, not what Hearth can do.
ASKED_WITH: Mapping[str, frozenset[str]] = {
    "get_time": frozenset({"time", "time's", "clock", "late", "hour", "o'clock"}),
    # "change the tv to channel 5" is no volume: a setting the classifier guesses names what it sets
    "set_volume": frozenset({"volume", "sound", "loud", "loudness", "level", "percent", "audio"}),
    # what Hearth can do, asked by name ("help", "your skills"); see also ABLE_VERBS
    "capabilities": frozenset({"help", "say", "ask", "commands", "skills", "abilities", "features"}),
}
# Words that join a room to what follows it rather than name a thing there ("in the bathroom after my
# shower"): never taken for a thing the home lacks.
LINKING = frozenset(
    {"after", "before", "when", "while", "because", "since", "until", "so", "if", "as", "for", "with", "but"}
)
# Words that say an amount of their own ("all the way", "halfway", "max").
AMOUNT_WORDS = frozenset(
    {
        "way",
        "halfway",
        "half",
        "full",
        "fully",
        "max",
        "maximum",
        "percent",
        "quarter",
        "quarters",
        "third",
        "thirds",
    }
)
# Words after which "all" is every device: "all the lights", "all of them", "all in the kitchen".
ALL_FOLLOWERS = frozenset(
    {"the", "of", "my", "our", "these", "those", "them", "<area>", "in", "off", "on", "out"}
)
# Words of a wish: a state wished for is asked to be made, not asked about.
WISHING = frozenset({"lovely", "love", "like", "want", "wish", "prefer", "rather", "nice", "fancy", "need"})
_ASKING_FIRST = frozenset({"is", "are", "was", "were", "did", "does", "has", "have", "isn't", "aren't"})
# Words without which no time is asked: "movie time" announces, "what time is it" asks.
QUESTION_CUES = frozenset(
    {"what", "what's", "whats", "how", "how's", "hows", "tell", "know", "is", "got", "have", "left"}
    | {"remaining"}
)
# …or asked of "you" with a verb of ability: "what can you do", not "what should I do tonight" (the
# person's evening) nor "can you fix that" (something to be done).
ABLE_VERBS = frozenset({"do", "control", "handle", "know", "understand", "able", "capable", "run", "manage"})
# Two-word verbs that say on or off without the word itself.
PHRASAL: Mapping[tuple[str, str], str] = {
    ("power", "down"): "off",
    ("shut", "down"): "off",
    ("switch", "down"): "off",
    ("power", "up"): "on",
    ("fire", "up"): "on",
    ("start", "up"): "on",
    ("switch", "up"): "on",
}
# A room alone names the device for intents of one narrow type ("open the garage" is its door).
AREA_DOMAIN: Mapping[str, str] = {
    "open_cover": "cover",
    "close_cover": "cover",
    "set_position": "cover",
    "lock": "lock",
    "unlock": "lock",
    "set_fan_speed": "fan",
    "set_temperature": "climate",
}
# Words that stand for a percentage.
PERCENT_WORDS: Mapping[str, int] = {
    "half": 50,
    "halfway": 50,
    "quarter": 25,
    "full": 100,
    "fully": 100,
    "max": 100,
    "maximum": 100,
}


def said_percent(words: Sequence[str]) -> int | None:
    """A percentage said in words: a fraction ("three quarters" is 75, "a third" 33) or a word for one
    ("halfway", "full"); None when there is none, or when a fraction is said that is no single share."""
    fraction = fraction_percent(words)
    if fraction is not None or DENOMINATORS.keys() & set(words):
        return fraction  # "half … a quarter", "two halves": which share is meant is a guess
    return next((PERCENT_WORDS[w] for w in words if w in PERCENT_WORDS), None)


# Intents only ever understood with one of their own words said: a guess at either would undo something.
MUST_SAY = frozenset({"turn_on", "turn_off", "cancel_timer", "nevermind", "open_cover", "close_cover"})
# Intents whose object may be content rather than a device ("play some jazz"): every word must be known.
CONTENT_INTENTS = frozenset({"media_play"})
# Which way to change a setting must come from words Hearth knows: "make it cozy in here" is no "cooler".
DIRECTED_INTENTS = frozenset(
    {"brightness_up", "brightness_down", "temperature_up", "temperature_down", "volume_up", "volume_down"}
)
NUMBER_SLOTS: Mapping[str, str] = {
    "set_brightness": "brightness",
    "set_position": "position",
    "set_volume": "volume",
    "set_temperature": "temperature",
}
LIST_SLOTS: Mapping[str, tuple[str, str]] = {
    "set_color": ("color", "color"),
    "set_fan_speed": ("speed", "speed"),
    "get_state": ("state", "state"),
}
# The device type that makes "set X to N percent" mean brightness, position or volume.
PERCENT_BY_TYPE: Mapping[str, str] = {
    "light": "set_brightness",
    "cover": "set_position",
    "media_player": "set_volume",
    "climate": "set_temperature",
}
RELATIVE_TO_SET: Mapping[str, str] = {
    "brightness_up": "set_brightness",
    "brightness_down": "set_brightness",
    "temperature_up": "set_temperature",
    "temperature_down": "set_temperature",
    "volume_up": "set_volume",
    "volume_down": "set_volume",
    "open_cover": "set_position",
    "close_cover": "set_position",  # "open them halfway"
}
# Intents that set a number, and the relative ones that do when a number is said ("turn it down to 10").
VALUE_FAMILY = frozenset({*NUMBER_SLOTS, *(i for i, t in RELATIVE_TO_SET.items() if t != "set_position")})
# Device type, then the intent a value word turns "turn on" into, and the list the value comes from.
VALUE_ON: Mapping[str, tuple[str, str]] = {"fan": ("set_fan_speed", "speed"), "light": ("set_color", "color")}
AREA_INTENTS = frozenset({"get_temperature", "get_humidity"})
FALLBACK_PROBABILITY = (
    0.15  # a runner-up this likely may stand in when the top intent does not fit the device
)
# What an action leaves a device as: "did I lock the door?" asks about `locked`.
ACTION_STATE: Mapping[str, str] = {
    "turn_on": "on",
    "turn_off": "off",
    "open_cover": "open",
    "close_cover": "closed",
    "lock": "locked",
    "unlock": "unlocked",
    "media_play": "playing",
    "media_pause": "paused",
}
STATE_ACTION: Mapping[str, str] = {state: action for action, state in ACTION_STATE.items()}
VERB_TYPE_WORDS = frozenset({"switch", "lock", "plug", "light", "fan", "heat"})
PARTICLES_AFTER = frozenset({"on", "off", "up", "down", "in", "out"})
# Security devices take no guesses: every word said must be accounted for.
SENSITIVE = frozenset({"lock", "unlock"})
# Act on whatever was done last: only their own sentences may say them ("we're back" is no "go back").
TEMPLATE_ONLY = frozenset({"repeat", "undo", "more", "less", "followup_value"})
NEGATIONS = frozenset({"don't", "dont", "never", "doesn't", "shouldn't", "won't", "not"})
DETERMINERS = frozenset(
    {"the", "my", "our", "a", "an", "all", "it", "them", "this", "that", "<name>", "<area>"}
)
ARTICLES = frozenset({"the", "my", "our", "your"})
QUESTION_WORDS = frozenset({"is", "are", "did", "does", "do", "was", "were", "has", "have"})
ORDER_OPENERS = (("make", "sure"), ("ensure",))
# The context layer's defaults, and media commands said with no device ("pause") mean the room's player.
DEFAULT_DOMAIN: Mapping[str, str] = {
    **RELATIVE_DEFAULT_DOMAIN,
    "media_play": "media_player",
    "media_pause": "media_player",
    "media_next": "media_player",
    "media_previous": "media_player",
}
# Intents that need nothing else (no device): answered as soon as the classifier is sure.
NO_TARGET = frozenset(
    {
        "get_time",
        "get_date",
        "nevermind",
        "capabilities",
        "repeat",
        "undo",
        "cancel_timer",
        "timer_status",
        "get_temperature",
        "get_humidity",
    }
)
UNITS: Mapping[str, str] = {
    "hour": "hours",
    "hours": "hours",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "second": "seconds",
    "seconds": "seconds",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How sure the classifier must be: top probability and its lead over the runner-up."""

    probability: float = 0.5
    margin: float = 0.2


# Openings by which the speaker tells of themself, and the steps such a telling may ask for.
SPEAKER_TELLS = frozenset({"i'm", "i've", "we're", "we've"})
SWITCH_VERBS = frozenset({"turn", "switch", "put", "flick"})
FELT_INTENTS = frozenset(
    {"temperature_up", "temperature_down", "brightness_up", "brightness_down", "volume_up", "volume_down"}
)


def _switched(tokens: Sequence[str]) -> bool:
    """Whether "on" or "off" is said as a switch ("turn the fan on"), not before what it is on ("turn the
    volume up on the tv")."""
    return any(
        w in ("on", "off") and (i + 1 == len(tokens) or tokens[i + 1] not in DETERMINERS)
        for i, w in enumerate(tokens)
    )


class ClassifierLayer:
    """Classifier plus entity linker for one home."""

    def __init__(
        self,
        classifier: IntentClassifier,
        linker: EntityLinker,
        data: IntentData,
        index: EntityIndex,
        *,
        intent_types: IntentTypes | None = None,
        thresholds: Thresholds = Thresholds(),
    ) -> None:
        self.classifier = classifier
        self.linker = linker
        self.index = index
        self.thresholds = thresholds
        self.types = intent_types or (lambda _intent: None)
        self._lists = {name: spec for name, spec in data.lists.items()}
        kinds = [
            spec for name in ("domain", "domains") if isinstance(spec := self._lists.get(name), ValueList)
        ]
        self._kind_words = frozenset(w for spec in kinds for v in spec.values for w in v.tokens)
        command_words = template_words(data)
        self._known_words = command_words | FILLERS
        # Words that only name devices ("ceiling", "strip", "reading"): left unlinked, they mean the linker
        # missed part of a name, and acting on the rest could hit the wrong device.
        self._name_words = {
            w for e in index.entities.values() for n in e.names for w in n.lower().split()
        } - command_words

    def classify(self, tokens: list[str], text: str) -> Understanding:
        """Understand tokens the templates could not; an empty Understanding when unsure."""
        from .understand import Understanding

        if NEGATIONS & set(tokens) or ("do", "not") in set(itertools.pairwise(tokens)):
            return Understanding()  # "don't turn off the tv": whatever it means, it is not an order to act
        linked = self.linker.link(tokens)
        abstract, numbers = _abstract_numbers(list(linked.tokens))
        if self._unlinked_name_words(linked):
            return Understanding()
        names = [m for m in linked.mentions if m.kind == "name"]
        if len({m.ids for m in names}) > 1:
            return Understanding()  # two devices in one command: only the splitter may take those
        chosen = self._choose(self.classifier.predict(abstract), names, tokens, numbers)
        if chosen is None:
            return Understanding()
        asked, probability = chosen
        if asked in TEMPLATE_ONLY:
            return Understanding()
        if asked in FELT_INTENTS and not SWITCH_VERBS.isdisjoint(tokens) and _switched(tokens):
            # "turn the fan on in my room it's too hot": the order said is a switch, not a step
            return Understanding()
        if (
            tokens[:1]
            and tokens[0] in SPEAKER_TELLS
            and not linked.mentions
            and acts(asked)
            and asked not in FELT_INTENTS
        ):
            # "I'm on my last set", "I'm reading": the speaker tells of themself; only how a room feels to
            # them ("I'm freezing") asks for something without naming it
            return Understanding()
        if asked in ("followup_name", "followup_area") and AMOUNT_WORDS & set(tokens):
            return Understanding()  # "and the living room blinds all the way": an amount no follow-up keeps
        if self._unknown_thing(linked):
            return Understanding()  # "open the window in the bedroom": a thing the home does not have
        if asked in DIRECTED_INTENTS and DIRECTION_HINTS.isdisjoint(tokens):
            return Understanding()
        if (asked in CONTENT_INTENTS or asked in DIRECTED_INTENTS) and self._unknown_words(linked):
            # "play some jazz": what to play cannot be honoured, so play nothing; "make it cozy": which
            # way is a guess.
            return Understanding()
        if asked in SENSITIVE and not _all_words_explained(asked, abstract):
            return Understanding()
        intent = _question_or_order(asked, tokens)
        slots = self._slots(
            intent,
            linked,
            abstract,
            numbers,
            implied_state=ACTION_STATE.get(asked),
            area_domain=AREA_DOMAIN.get(asked),
        )
        if slots is None:
            return Understanding()
        intent = self._percent_intent(intent, slots)
        intent = self._turn_on_with_value(intent, slots, abstract)
        confidence = probability * min((m.score for m in linked.mentions), default=1.0)
        match = IntentMatch(intent, slots, text, confidence, "classifier")
        if names and names[0].ambiguous:
            candidates = tuple(dict.fromkeys((*names[0].ids, *names[0].alternatives)))
            pending = IntentMatch(
                intent, {k: v for k, v in slots.items() if k != "name"}, text, 1.0, "classifier"
            )
            return Understanding(
                question="did-you-mean", candidates=candidates, pending=pending, layer="classifier"
            )
        return Understanding((match,), layer="classifier")

    def _choose(
        self, ranked: list[tuple[str, float]], names: list[Mention], tokens: Sequence[str], numbers: list[Any]
    ) -> tuple[str, float] | None:
        """The intent to trust: confident, clear of the runner-up, said with the right polarity, and one the
        named device can do (else the best one that it can, if still likely)."""
        intent, probability = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        # "Half", "full" are amounts as much as numbers: "put the blinds at half" is a position.
        if (numbers or said_percent(tokens) is not None) and intent in VALUE_FAMILY:
            return self._value_member(ranked, names, tokens)
        if intent == "none" or probability < self.thresholds.probability:
            return None
        amount = numbers or said_percent(tokens) is not None
        if amount and intent in RELATIVE_TO_SET:
            intent = RELATIVE_TO_SET[intent]  # "turn the tv up to 60" sets the volume
        if names and not self._fits(intent, names[0]):
            fitting = [
                (i, p)
                for i, p in ranked[1:4]
                if i != "none" and p >= FALLBACK_PROBABILITY and self._fits(i, names[0])
            ]  # "none" is no intent to fall back on: it says the words are no command
            if not fitting or not _polarity_agrees(fitting[0][0], tokens):
                return None
            return fitting[0]
        close = probability - runner_up < self.thresholds.margin
        if (close and not _same_question(intent, ranked[1][0], tokens)) or not _polarity_agrees(
            intent, tokens
        ):
            return None
        return intent, probability

    def _value_member(
        self, ranked: list[tuple[str, float]], names: list[Mention], tokens: Sequence[str]
    ) -> tuple[str, float] | None:
        """A number said to set something: brightness, position, volume and temperature are one family
        whose member the named device's type decides ("set the bedrom thermostat to 20" is a temperature
        however the classifier split its vote), the family's total vote against everything else."""
        family = sum(p for i, p in ranked if i in VALUE_FAMILY)
        rest = max((p for i, p in ranked if i not in VALUE_FAMILY), default=0.0)
        if family < self.thresholds.probability or family - rest < self.thresholds.margin:
            return None
        top = RELATIVE_TO_SET.get(ranked[0][0], ranked[0][0])
        if names:
            kinds = {self.index.type_of(i) for i in names[0].ids}
            wanted = {PERCENT_BY_TYPE.get(k or "") for k in kinds}
            if len(wanted) != 1 or None in wanted:
                return None
            member = wanted.pop()
            assert member is not None
        else:
            member = top
        # The unit said must agree: degrees are a temperature, a percentage never is.
        said = set(tokens)
        if ("degrees" in said) != (member == "set_temperature") and ({"degrees", "percent"} & said):
            return None
        return member, family

    def _fits(self, intent: str, mention: Mention) -> bool:
        allowed = self.types(intent)
        if allowed is None:
            return True
        return any(self.index.type_of(i) in allowed for i in mention.ids)

    def _unknown_words(self, linked: Linked) -> bool:
        """Whether a word is neither a command word nor part of a device or room named."""
        covered = _covered(linked)
        return any(self._unknown(linked, covered, i) for i in range(len(linked.tokens)))

    def _unknown_thing(self, linked: Linked) -> bool:
        """Whether an article introduces a word that is neither a command word nor in a name: a thing
        the home does not have ("the window"), which no guess of the classifier may stand in for."""
        if TIMER_WORDS & set(linked.tokens):
            return False  # a timer's name is any word ("a timer for the bottle")
        covered = _covered(linked)
        return any(
            # "the window", or "the bedroom window": a room said before the thing
            (
                linked.tokens[i - 1] in ARTICLES
                or (linked.tokens[i - 1] == "<area>" and linked.tokens[i] not in LINKING)
            )
            and linked.tokens[i].isalpha()
            and self._unknown(linked, covered, i)
            for i in range(1, len(linked.tokens))
        )

    def _unknown(self, linked: Linked, covered: set[int], i: int) -> bool:
        """Whether the word at `i` is neither a command word nor part of a device or room named."""
        token = linked.tokens[i]
        return (
            not token.startswith("<")
            and i not in covered
            and token not in self._known_words
            # a misspelt command word ("plaese") is known; "jazz" and "relaxing" are not
            and process.extractOne(token, self._known_words, scorer=fuzz.ratio, score_cutoff=82) is None
        )

    def _unlinked_name_words(self, linked: Linked) -> bool:
        covered = _covered(linked)
        placeholders = 0
        for position, token in enumerate(linked.tokens):
            if token.startswith("<"):
                placeholders += 1
                continue
            if token in self._name_words and position not in covered:
                return True
        return False

    def _slots(
        self,
        intent: str,
        linked: Linked,
        abstract: list[str],
        numbers: list[Any],
        *,
        implied_state: str | None,
        area_domain: str | None = None,
    ) -> dict[str, SlotValue] | None:
        slots: dict[str, SlotValue] = {}
        linked, room_type = self._plural_names_as_rooms(linked)
        if room_type is not None:
            slots["domain"] = room_type
        if intent == "get_state" and implied_state is not None:
            slots["state"] = SlotValue(implied_state, "")
        for mention in linked.mentions:
            if mention.kind == "name" and "name" not in slots:
                slots["name"] = SlotValue(tuple(mention.ids), mention.text)
            elif mention.kind == "area" and "area" not in slots:
                slots["area"] = SlotValue(mention.ids[0], mention.text)
        if "domain" not in slots:
            self._list_slot(abstract, "domain", "domain", slots)
        if (
            "domain" not in slots
            and self._list_slot(abstract, "domains", "domain", slots)
            and "area" not in slots
        ):
            slots["plural"] = SlotValue(True, "")
        if "name" in slots and "domain" in slots and slots["domain"].value not in self._name_types(slots):
            return None  # "the living room lights and the tv": two targets; only the splitter may take those
        if "name" in slots and "area" in slots and not self._name_in_area(slots):
            return None  # "the kitchen light, the bedroom one": a device and a room it is not in; two targets
        if {"every", "everything", "everywhere"} & set(abstract) or self._all_said(abstract):
            slots["all"] = SlotValue(True, "")
        if numbers and intent not in NUMBER_SLOTS and intent != "start_timer":
            return None  # a number said but not used: something was misunderstood
        if not self._value_slots(intent, abstract, numbers, slots):
            return None
        return slots if self._has_target(intent, slots, abstract, area_domain) else None

    def _all_said(self, words: list[str]) -> bool:
        """Whether "all" says every device: "all the lights", "all lights", "lights off, all of them"; not
        "hotter'n all get out", whose "all" is only a word of the saying."""
        return any(
            w == "all"
            and (i + 1 == len(words) or words[i + 1] in ALL_FOLLOWERS or words[i + 1] in self._kind_words)
            for i, w in enumerate(words)
        )

    def _name_in_area(self, slots: dict[str, SlotValue]) -> bool:
        return any(self.index.area_of(i) == slots["area"].value for i in slots["name"].value)

    def _name_types(self, slots: dict[str, SlotValue]) -> set[str | None]:
        return {self.index.type_of(i) for i in slots["name"].value}

    def _value_slots(
        self, intent: str, abstract: list[str], numbers: list[Any], slots: dict[str, SlotValue]
    ) -> bool:
        if intent in NUMBER_SLOTS:
            slot = NUMBER_SLOTS[intent]
            spec = self._lists.get(slot)
            percent = said_percent(abstract) if not numbers and slot != "temperature" else None
            if percent is not None:
                numbers = [percent]
            if len(numbers) > 1:
                return False  # two numbers for one setting: which one was meant is a guess
            value = spec.accept(numbers[0]) if numbers and isinstance(spec, RangeList) else None
            if value is None:
                return False
            slots[slot] = SlotValue(value, str(numbers[0]))
        if intent in LIST_SLOTS:
            list_name, slot = LIST_SLOTS[intent]
            if not self._list_slot(abstract, list_name, slot, slots) and slot not in slots:
                return False
        if intent in ("start_timer", "cancel_timer", "timer_status"):
            self._list_slot(abstract, "timer_name", "timer_name", slots)
        if intent == "start_timer":
            return _duration(abstract, numbers, slots)
        return True

    def _plural_names_as_rooms(self, linked: Linked) -> tuple[Linked, SlotValue | None]:
        """ "The kitchen lights" names every light in the kitchen, not the one called "kitchen light"."""
        for n, m in enumerate(linked.mentions):
            words = m.text.split()
            kind = self._plural_type(words[-1]) if m.kind == "name" and len(words) > 1 else None
            if kind is None:
                continue
            room = self.linker.link(words[:-1]).mentions
            if len(room) == 1 and room[0].kind == "area" and room[0].end - room[0].start == len(words) - 1:
                area = replace(m, kind="area", ids=room[0].ids, text=" ".join(words[:-1]))
                mentions = (*linked.mentions[:n], area, *linked.mentions[n + 1 :])
                return replace(linked, mentions=mentions), SlotValue(kind, words[-1])
        return linked, None

    def _plural_type(self, word: str) -> str | None:
        spec = self._lists.get("domains")
        if isinstance(spec, ValueList):
            for value in spec.values:
                if value.tokens == (word,):
                    return str(value.out)
        return None

    def _has_target(
        self, intent: str, slots: dict[str, SlotValue], abstract: list[str], area_domain: str | None = None
    ) -> bool:
        if intent in NO_TARGET or intent in ("start_timer", "get_time", "get_date"):
            return True
        if intent in ("followup_area", "followup_name"):
            return ("area" if intent == "followup_area" else "name") in slots
        if {"name", "domain"} & set(slots):
            return True
        if "area" in slots:
            # A room alone is a target only for readings and for intents of one narrow device type ("open
            # the garage" is its door); "turn on the bedroom" would touch everything in it.
            kind = DEFAULT_DOMAIN.get(intent) or AREA_DOMAIN.get(intent) or area_domain
            if kind is not None:
                slots["domain"] = SlotValue(kind, "")
                return True
            return intent in AREA_INTENTS
        if refers(abstract):
            slots["ref"] = SlotValue(True, "")
            return True
        default = DEFAULT_DOMAIN.get(intent)
        if default is None:
            return False  # "lock the car", "turn on": no device of this home was named; never guess one
        slots.update(domain=SlotValue(default, ""), plural=SlotValue(True, ""))
        return True

    def _list_slot(self, words: list[str], list_name: str, slot: str, slots: dict[str, SlotValue]) -> bool:
        """Fill `slot` from the first place the words say a value of the list (longest value there)."""
        spec = self._lists.get(list_name)
        if not isinstance(spec, ValueList):
            return False
        values = sorted(spec.values, key=lambda v: len(v.tokens), reverse=True)
        for i in range(len(words)):
            if list_name in ("domain", "domains") and _verb_position(words, i):
                continue  # "switch the telly off", "lock the car": a type word used as the verb
            for value in values:
                if tuple(words[i : i + len(value.tokens)]) == value.tokens:
                    slots[slot] = SlotValue(value.out, value.text)
                    return True
        return False

    def _turn_on_with_value(self, intent: str, slots: dict[str, SlotValue], words: list[str]) -> str:
        """ "Fan on high", "the lamp on in red": turning on with a setting means setting it."""
        if intent != "turn_on":
            return intent
        types = self._target_types(slots)
        for kind, (value_intent, list_name) in VALUE_ON.items():
            if kind in types and self._list_slot(words, list_name, list_name, slots):
                return value_intent
        return intent

    def _target_types(self, slots: dict[str, SlotValue]) -> set[str | None]:
        if "name" in slots:
            return {self.index.type_of(i) for i in slots["name"].value}
        return {str(slots["domain"].value)} if "domain" in slots else set()

    def _percent_intent(self, intent: str, slots: dict[str, SlotValue]) -> str:
        """ "Set the blinds to 40 percent" is a position, on a speaker a volume: follow the device's type."""
        if intent not in NUMBER_SLOTS or not {"name", "domain"} & slots.keys():
            return intent
        types = self._target_types(slots)
        wanted = {PERCENT_BY_TYPE.get(t or "") for t in types}
        if len(wanted) != 1 or None in wanted:
            return intent
        target = wanted.pop()
        assert target is not None
        if target != intent:
            slots[NUMBER_SLOTS[target]] = slots.pop(NUMBER_SLOTS[intent])
        return target


def _abstract_numbers(tokens: list[str]) -> tuple[list[str], list[Any]]:
    """Replace each number (digits or words) by `<num>`, returning the values in order."""
    out: list[str] = []
    values: list[Any] = []
    i = 0
    while i < len(tokens):
        noun = _pronoun_one(tokens, i)
        parsed = parse_number(tokens, i) if not tokens[i].startswith("<") and not noun else None
        if parsed is None:
            out.append(tokens[i])
            i += 1
            continue
        value, end = parsed
        values.append(value)
        out.append("<num>")
        i = end
    return out, values


# Words after which "one" stands for a device ("the bedroom one", "that one", "the other one"): no number.
ONE_AFTER = frozenset(
    {"the", "this", "that", "which", "other", "another", "each", "every", "any", "same", "big", "small",
     "little", "main", "new", "old", "first", "last", "next", "front", "back", "top", "bottom"}
)  # fmt: skip


def _pronoun_one(tokens: Sequence[str], i: int) -> bool:
    """Whether "one" at i is a pronoun for a device: after an article, an adjective or a room or device
    placeholder ("set the bedroom one to 19"), and not the start of a bigger number ("one hundred")."""
    if tokens[i] != "one" or i == 0:
        return False
    following = tokens[i + 1] if i + 1 < len(tokens) else ""
    if following in ("hundred", "thousand", "million", "point", "and"):
        return False
    before = tokens[i - 1]
    return before in ONE_AFTER or (before.startswith("<") and before != "<num>")


def _all_words_explained(intent: str, words: list[str]) -> bool:
    """For locks: nothing but the verb, articles, politeness and the device may be said ("on lock" is not)."""
    own = POLARITY[intent][0] if intent in POLARITY else frozenset()
    allowed = own | DETERMINERS | {"up", "for", "the", "night", "now", "please", "door", "doors"}
    return all(w in allowed for w in words)


def _covered(linked: Linked) -> set[int]:
    """The token positions inside a device or room mention."""
    return {i for m in linked.mentions for i in range(m.start, m.end)}


def _verb_position(words: list[str], i: int) -> bool:
    """Whether a type word stands where a verb does: first, or before an article or a particle."""
    following = words[i + 1] if i + 1 < len(words) else None
    return words[i] in VERB_TYPE_WORDS and (
        i == 0 or following in DETERMINERS or following in PARTICLES_AFTER
    )


def _question_or_order(intent: str, tokens: Sequence[str]) -> str:
    """ "Did I lock the door?" asks, it does not lock; "make sure the door is locked" and "have the blinds
    open" order, not ask."""
    ordered = any(tuple(tokens[: len(o)]) == o for o in ORDER_OPENERS) or _causative_have(tokens)
    if intent in ACTION_STATE and tokens and tokens[0] in QUESTION_WORDS and not ordered:
        return "get_state"
    if intent == "get_state" and ordered:
        state = next((t for t in tokens if t in STATE_ACTION), None)
        return STATE_ACTION.get(state or "", intent)
    return intent


def _same_question(intent: str, other: str, tokens: Sequence[str]) -> bool:
    """Whether two intents ask one thing: "is it locked" read as `get_state` or as `lock` asked about is a
    question about the lock either way, so their closeness is no doubt about what to do."""
    return _question_or_order(intent, tokens) == _question_or_order(other, tokens) == "get_state"


def _causative_have(tokens: Sequence[str]) -> bool:
    """ "Have the blinds open": "have" with a device after it (not "have you …", "have the lights been …")
    asks for a state to be made."""
    return (
        len(tokens) > 2
        and tokens[0] == "have"
        and tokens[1] in ("the", "my", "our", "all")
        and not {"been", "being", "got", "had"} & set(tokens)
    )


def _polarity_agrees(intent: str, tokens: Sequence[str]) -> bool:
    if intent == "capabilities" and "you" in tokens and not ABLE_VERBS.isdisjoint(tokens):
        return True
    if (
        intent == "get_state"
        and not WISHING.isdisjoint(tokens)
        and not (tokens and tokens[0] in _ASKING_FIRST)
    ):
        return False  # "it'd be lovely to have the blinds open in here": a wish, not a question
    if intent in ("get_time", "timer_status") and QUESTION_CUES.isdisjoint(tokens) and "the" not in tokens:
        return False  # "movie time, close the blinds", "shower time": an announcement, no question
    if intent in ASKED_WITH:
        return not ASKED_WITH[intent].isdisjoint(tokens)
    rule = POLARITY.get(intent)
    if rule is None:
        return True
    own, opposite = rule
    said = set(tokens) | {PHRASAL[pair] for pair in itertools.pairwise(tokens) if pair in PHRASAL}
    if said & opposite and not said & own:
        return False
    if intent in ("turn_on", "turn_off") and said & opposite:
        return False  # "turn off the lamp but leave the ceiling light on": both ways said, either is a guess
    if said & own or intent not in MUST_SAY:
        return True
    # "opent he garage door": a typed word that runs on past the order word still says it
    return any(len(word) > 4 and word[:-1] in own for word in said)


FRACTION_OF_ONE = {"half": 0.5, "quarter": 0.25, "quarters": 0.75}
UNIT_SECONDS = {"hours": 3600, "minutes": 60, "seconds": 1}


def _and_a_half(abstract: list[str], unit: int) -> float:
    """0.5 when "and a half" follows the unit at `unit` ("a minute and a half", "two hours and a half")."""
    return 0.5 if abstract[unit + 1 : unit + 4] == ["and", "a", "half"] else 0.0


def _duration(abstract: list[str], numbers: list[Any], slots: dict[str, SlotValue]) -> bool:
    """Timer length from "<num> minutes"-style pairs; False when no unit follows a number."""
    seconds = 0.0
    n = 0
    for i, token in enumerate(abstract):
        if token in UNITS and i > 0 and abstract[i - 1] in ("a", "an"):
            # "an hour and ten minutes"; "half an hour", "a quarter of an hour": that part of one
            before = (
                abstract[i - 3] if i > 2 and abstract[i - 2] == "of" else abstract[i - 2] if i > 1 else ""
            )
            part = FRACTION_OF_ONE.get(before, 1.0) + _and_a_half(abstract, i)
            seconds += part * UNIT_SECONDS[UNITS[token]]
            continue
        if token != "<num>":
            continue
        unit = UNITS.get(abstract[i + 1]) if i + 1 < len(abstract) else None
        if unit is not None and n < len(numbers):
            seconds += (float(numbers[n]) + _and_a_half(abstract, i + 1)) * UNIT_SECONDS[unit]
        n += 1
    if seconds <= 0:
        return False
    slots["duration"] = SlotValue(int(seconds), "")
    return True
