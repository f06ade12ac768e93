"""Everyday ways of saying a command that the templates do not: rewritten into plain words, tried last.

Each rewrite keeps every word that says what to do or which way ("down" stays "down"); it only replaces a
household idiom by the order it stands for ("make me a coffee" is "turn on the coffee maker"), a colourful
verb by a plain one ("knock the heating down"), drops a reason said after the order ("… for the
postman"), or puts a name back in its usual order ("the door at the front"). The rewritten words must
still parse as a whole, so a rewrite never makes a command of words that were none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Sequence

from .mood import DAY_PARTS, REPEAT_UNITS, TIMER_WORDS, WHEN_WORDS
from .normalize import GERUND_BASES, contains_run, tokenize
from .numbers import NUMBER_WORDS

# Whole clauses that are household idioms, and the order each stands for. "{a}" is an optional article.
_DRINKS = ("coffee", "espresso", "latte", "cappuccino")
_COFFEE_ON = ("turn", "on", "the", "coffee", "maker")


def _coffee_idioms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """ "make me a coffee", "brew some coffee", "put the coffee on", "get a coffee going" …"""
    idioms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for drink in _DRINKS:
        for article in ((), ("a",), ("some",), ("the",), ("a", "cup", "of"), ("a", "pot", "of")):
            for verb in (
                ("make",),
                ("brew",),
                ("make", "me"),
                ("make", "us"),
                ("brew", "me"),
                ("brew", "us"),
            ):
                idioms[(*verb, *article, drink)] = _COFFEE_ON
            idioms[("put", *article, drink, "on")] = _COFFEE_ON
            idioms[("get", *article, drink, "going")] = _COFFEE_ON
            idioms[("start", *article, drink)] = _COFFEE_ON
        for the in ((), ("the",)):  # "coffee on", "turn on the coffee": the machine, said short
            idioms[(*the, drink, "on")] = _COFFEE_ON
            for turn in ("turn", "switch"):
                idioms[(turn, "on", *the, drink)] = _COFFEE_ON
                idioms[(turn, *the, drink, "on")] = _COFFEE_ON
    return idioms


def _music_idioms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """ "Give me some music", "I'd love some music in here": play music (in the room here)."""
    idioms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for wish in (("give", "me"), ("i'd", "love"), ("i", "would", "love"), ("i'd", "like"), ("let's", "have")):
        for music in (("some", "music"), ("music",), ("a", "bit", "of", "music")):
            for here in ((), ("in", "here")):
                idioms[(*wish, *music, *here)] = ("play", "music")  # the room here either way
    return idioms


# Light asked for as a thing: "some light please" is the light on.
LIGHT_ASKED: dict[tuple[str, ...], tuple[str, ...]] = {
    ("some", light): ("turn", "on", "the", light) for light in ("light", "lights")
}
IDIOMS: dict[tuple[str, ...], tuple[str, ...]] = {**_coffee_idioms(), **_music_idioms(), **LIGHT_ASKED}

# Verbs people use for "turn" when a direction follows: "knock the heating down a notch", "nudge it up".
TURN_VERBS = frozenset(
    {
        "knock",
        "nudge",
        "kick",
        "bump",
        "push",
        "crank",
        "notch",
        "jack",
        "ramp",
        "ease",
        "dial",
        "take",
        "tone",
    }
)
# What "hold" pauses: "hold the music a sec" (never "hold the door").
HELD_MEDIA = frozenset({"music", "song", "track", "tv", "telly", "film", "movie", "show", "playback"})
UP_DOWN = frozenset({"up", "down"})
# Verbs people use for "put" when "on" or "off" follows: "stick the kettle on", "pop the hall light on".
PUT_VERBS = frozenset({"stick", "pop", "bung", "whack", "chuck", "throw"})
ON_OFF = frozenset({"on", "off"})
# Other verbs for a plain one: "drop the blinds" lowers them, "unbolt the front door" unlocks it.
PLAIN_VERBS = {"drop": "lower", "unbolt": "unlock", "bolt": "lock", "bin": "cancel", "scrap": "cancel"}
# Verbs for "turn" when "on" or "off" follows: "flick the lamp on", "knock the fan off".
SWITCH_VERBS = frozenset({"flick", "flip", "click", "knock", "kick"})
# Number words that say a value ("drop it to ten"); "a" and "an" only say how much ("a bit").
COUNTED = NUMBER_WORDS - {"a", "an"}

# A reason after the order: "for the postman", "for my son". Never a time ("for the evening", "for an
# hour"): Hearth cannot schedule, so those must stay unsaid-to-be-done.
REASON_OWNERS = frozenset({"the", "my", "our", "his", "her", "their", "your"})
TIME_NOUNS = (
    REPEAT_UNITS
    | DAY_PARTS
    | WHEN_WORDS
    | frozenset(
        {
            "weekend",
            "week",
            "month",
            "year",
            "moment",
            "while",
            "rest",
            "next",
            "today",
            "holiday",
            "holidays",
            "summer",
            "winter",
            "timer",
            "duration",
            "meantime",
        }
    )
)
MAX_REASON = 2  # words after the owner: "for the postman", "for my little sister"

# Positions that go before a name's noun: "the door at the front" is the front door.
POSITIONS = frozenset({"front", "back", "side"})
POSITION_LINKS = frozenset({"at", "on", "in", "by"})


def rephrase(tokens: Sequence[str], names: Collection[str]) -> list[str]:
    """The tokens with idioms said in plain words; the same tokens when none applies.

    `names`: the words of the home's device and area names; a "for …" naming one of them is no reason.
    """
    words = _at_half(_left_at(_set_said_short(_wished_so(_plain_verb(list(tokens))))))
    words = room_felt(words) or words
    whole = IDIOMS.get(tuple(words))
    if whole is not None:
        return list(whole)
    words = _asked_as_wish(_without_remembering(words))
    words = asked_indirectly(words, names) or words
    words = _without_reason(words, names)
    words = order_first(_verb_not_gerund(words), names)
    return _positions_first(words)


# How a room feels, said as a complaint that names it: "it's freezing in the bedroom", "the lounge is
# boiling". Naming the room and a direction makes it a request (a warmer or cooler room).
FELT_COLD = frozenset({"cold", "chilly", "freezing", "icy", "nippy", "frosty", "baltic"})
FELT_HOT = frozenset({"hot", "boiling", "roasting", "sweltering", "stuffy", "stifling", "muggy", "baking"})
FELT = FELT_COLD | FELT_HOT  # never spell-corrected: "stuffy" is no misspelt "stuff"
# "the" too: a recogniser's "is a bit cold" is read "is the bit cold" (see `understand.ASR_FIXES`)
_DEGREES = frozenset(
    {"a", "the", "bit", "little", "too", "so", "really", "very", "way", "quite", "pretty", "rather"}
)
_IT_IS = (("it's",), ("its",), ("it", "is"))


def room_felt(words: Sequence[str]) -> list[str] | None:
    """ "It's freezing in the bedroom" → "make the bedroom warmer"; "the lounge is boiling" → "make the
    lounge cooler". The place words are left for the templates to read as a room (or not at all)."""
    words = list(words)
    for i, word in enumerate(words):
        if word not in FELT:
            continue
        way = "warmer" if word in FELT_COLD else "cooler"
        before = list(itertools.dropwhile(lambda w: w in _DEGREES, reversed(words[:i])))[::-1]
        after = words[i + 1 :]
        it_is = tuple(before) in _IT_IS
        if it_is and after == ["in", "here"]:
            return ["make", "it", way, "in", "here"]  # "it's roasting in here": the room the speaker is in
        if it_is and after[:1] in (["in"], ["on"]) and len(after) > 1:
            place = after[2:] if after[1:2] == ["the"] else after[1:]
            return ["make", "the", *place, way]
        if not after and len(before) > 1 and before[-1] == "is":
            place = before[1:-1] if before[0] in ("the", "my", "our") else before[:-1]
            return ["make", "the", *place, way] if place else None
        return None
    return None


# Orders said after their device, as in notes and lists: "front door unlock", "garage door shut",
# "bedroom heating up a notch"; each with the words that say it first. Not "lock": "the front door lock" is
# as likely the lock itself, named.
TRAILING_ORDERS: dict[str, tuple[str, ...]] = {
    "unlock": ("unlock",),
    "open": ("open",),
    "close": ("close",),
    "shut": ("close",),
    "pause": ("pause",),
    "play": ("play",),
    "resume": ("resume",),
    "up": ("turn",),
    "down": ("turn",),
}
# What may follow such an order: "a notch", "a bit", "please".
ORDER_TAILS = frozenset({"a", "bit", "little", "notch", "touch", "please", "now", "thanks"})


def order_first(words: list[str], names: Collection[str], *, said_apart: bool = False) -> list[str]:
    """ "front door unlock" → "unlock front door"; "bedroom heating up a notch" → "turn bedroom heating up a
    notch". Only when every word before the order is a device or room name (or an article), so no
    sentence with a verb of its own is ever turned around. `said_apart`: a pause or a colon set the order
    off ("front door: lock"), so "lock" is the order too."""
    orders = {**TRAILING_ORDERS, "lock": ("lock",)} if said_apart else TRAILING_ORDERS
    at = next((i for i, w in enumerate(words) if w in orders), None)
    if at is None:
        return words
    word, before, after = words[at], words[:at], words[at + 1 :]
    if not before or any(w not in names and w not in REASON_OWNERS for w in before):
        return words
    if any(w not in ORDER_TAILS for w in after):
        return words
    if word in UP_DOWN:
        return ["turn", *before, word, *after]
    return [*orders[word], *before, *after]


# Orders said as "-ing" after "as well as", "along with": "… as well as closing the garage door".
def _verb_not_gerund(words: list[str]) -> list[str]:
    """ "closing the garage door" → "close the garage door"."""
    if words and words[0] in GERUND_BASES:
        return [GERUND_BASES[words[0]], *words[1:]]
    return words


# Asking to be given a timer: "give me a timer for ten minutes" sets one.
GIVE_ME = (("give", "me"), ("get", "me"), ("give", "us"), ("get", "us"))
# Asking whether a device can be so: "can the lamp be red" is "make the lamp red".
CAN_BE = frozenset({"can", "could"})


def _asked_as_wish(words: list[str]) -> list[str]:
    """ "Give me a timer for …" → "set a timer for …"; "can the lamp be red" → "make the lamp red"."""
    if tuple(words[:2]) in GIVE_ME and words[2:3] in (["a"], ["an"]) and TIMER_WORDS & set(words):
        return ["set", *words[2:]]
    if words[:2] in ([w, "the"] for w in CAN_BE) and words.count("be") == 1 and words[-1] != "be":
        return ["make", *(w for w in words[1:] if w != "be")]
    return words


# How people ask a yes/no question as a statement of doubt: "I wonder if …", "I'm not sure I locked …".
WONDERING: tuple[tuple[str, ...], ...] = (
    ("i", "wonder"), ("i'm", "wondering"), ("i", "am", "wondering"), ("i", "was", "wondering"),
    ("i'm", "not", "sure"), ("i", "am", "not", "sure"), ("not", "sure"), ("i", "can't", "remember"),
    ("i", "cannot", "remember"), ("i", "don't", "remember"), ("i", "dont", "remember"),
    ("i'd", "like", "to", "know"), ("i", "would", "like", "to", "know"), ("i", "want", "to", "know"),
    ("i", "need", "to", "know"), ("do", "you", "know"), ("any", "idea"), ("i", "just", "want", "to", "know"),
    ("i", "just", "wanna", "know"), ("i", "wanna", "know"), ("i", "only", "want", "to", "know"),
)  # fmt: skip
# Who may have left a device so: "I wonder if the kids left the hall light on" asks its state.
DOERS = frozenset({"i", "we", "you", "someone", "somebody", "anyone", "anybody", "he", "she", "they"})
DOER_NOUNS = frozenset({"kids", "children", "boys", "girls", "cleaner", "husband", "wife", "son", "daughter"})
# Past tense → the form "did I …" takes: "I'm not sure I locked the front door" → "did I lock …".
DONE: dict[str, str] = {
    "locked": "lock", "unlocked": "unlock", "left": "leave", "switched": "switch", "turned": "turn",
    "closed": "close", "shut": "shut", "opened": "open", "put": "put",
}  # fmt: skip


def asked_indirectly(words: Sequence[str], names: Collection[str]) -> list[str] | None:
    """ "I wonder if the garage door's still open" → "is the garage door still open"; "I can't remember if
    I switched the fan off" → "did I switch the fan off". None when the words open with no such doubt."""
    frame = next((f for f in WONDERING if tuple(words[: len(f)]) == f), None)
    if frame is None:
        return None
    rest = list(words[len(frame) :])
    if rest[:1] in (["if"], ["whether"]):
        rest = rest[1:]
    spread: list[str] = []
    for word in rest:  # "the garage door's still open": "door is"
        stem = word[:-2] if word.endswith("'s") else None
        spread += [stem, "is"] if stem is not None and stem in names else [word]
    owner = 2 if spread[:1] in (["the"], ["my"], ["our"]) and spread[1:2] and spread[1] in DOER_NOUNS else 0
    doer = spread[:1] if owner == 0 and spread[:1] and spread[0] in DOERS else None
    if (doer or owner) and len(spread) > max(owner, 1) and spread[max(owner, 1)] in DONE:
        at = max(owner, 1)
        return ["did", *(doer or ["someone"]), DONE[spread[at]], *spread[at + 1 :]]
    verb = next((i for i, w in enumerate(spread) if w in ("is", "are")), None)
    if verb is None or verb == 0:
        return None
    return [spread[verb], *spread[:verb], *spread[verb + 1 :]]


# "Did I remember to lock the door", "did we forget to switch the fan off": asks what "did I lock the door"
# asks, the state of the device (either way the answer is the state).
ASKERS = frozenset({"i", "we", "you"})
REMEMBERING = frozenset({"remember", "forget", "remembered", "forgot", "forgotten"})
ASKING_AUXILIARIES = frozenset({"did", "have"})  # "have I remembered to lock …" asks what "did I …" asks


def _without_remembering(words: list[str]) -> list[str]:
    """ "Did I remember to lock the front door" → "did I lock the front door": only as a question."""
    asked = len(words) > 4 and words[0] in ASKING_AUXILIARIES and words[1] in ASKERS
    if asked and words[2] in REMEMBERING and words[3] == "to":
        return [*words[:2], *words[4:]]
    return words


def _plain_verb(words: list[str]) -> list[str]:
    """ "Knock the thermostat down" → "turn the thermostat down": only with "up" or "down" said after;
    "stick the coffee on" → "put the coffee on": only with "on" or "off" said after."""
    if words and words[0] in TURN_VERBS | PUT_VERBS and UP_DOWN & set(words[1:]):
        return ["turn", *words[1:]]  # "whack the heating up a notch"
    if words and words[0] in PUT_VERBS and ON_OFF & set(words[1:]):
        return ["put", *words[1:]]
    if words and words[0] in SWITCH_VERBS and ON_OFF & set(words[1:]):
        return ["turn", *words[1:]]
    if (
        words[:1] == ["hold"]
        and next((w for w in words[1:3] if w not in ("the", "this")), None) in HELD_MEDIA
    ):
        return ["pause", *words[1:]]
    if words[:1] == ["crank"] and UP_DOWN.isdisjoint(words) and ON_OFF.isdisjoint(words) and len(words) > 1:
        return ["turn", *words[1:], "up"]  # "crank the office speaker": up, the only way one cranks
    if words[:1] == ["switch"] and "to" in words[2:] and ON_OFF.isdisjoint(words):
        return ["set", *words[1:]]  # "switch the bedroom fan to low": a setting changed
    if words[:1] in (["set"], ["get"]) and words[-1:] == ["going"] and len(words) > 2:
        return ["turn", *words[1:-1], "on"]  # "set the bathroom fan going", "get the coffee maker going"
    if words[:2] == ["max", "out"] and len(words) > 2:
        return ["set", *words[2:], "to", "max"]  # "max out the ceiling fan": at its highest
    if words and words[0] in PLAIN_VERBS and not any(w.isdigit() or w in COUNTED for w in words):
        # "drop the blinds" lowers them; "drop the thermostat to 17" is a setting, left to the classifier
        return [PLAIN_VERBS[words[0]], *words[1:]]
    for i in range(len(words) - 2):
        if words[i] == "a" and words[i + 1] in SMALL and words[i + 2] == "bit":
            return _plain_verb([*words[: i + 1], *words[i + 2 :]])  # "a tiny bit dimmer": a bit dimmer
    for said, plain in SAID_PLAINLY:
        if tuple(words[: len(said)]) == said and len(words) > len(said):
            return [*plain, *words[len(said) :]]  # "cut power to the fan", "lock up the front door"
    if words[:2] == ["never", "mind"] and len(words) > 2 and words[2] in ("the", "about", "that"):
        return ["never", "mind"]  # "never mind the lights": forget it
    if len(words) > 2 and words[0] in ("you", "to") and words[1] in ORDER_VERBS:
        return words[1:]  # "the front door, you lock it", "please to unlock the door": the order itself
    if len(words) > 3 and words[-2] == "make" and words[-1] in ("on", "off"):
        return ["turn", *words[:-2], words[-1]]  # "the light of garage make on", as learners say it
    if len(words) > 2 and words[0] == "make" and words[-1] in MADE_SO:
        # "make the kitchen light (to) open", "make it on": as learners of English say "turn on"
        middle = words[1:-2] if words[-2] == "to" else words[1:-1]
        way = words[-1]
        return ["turn", *middle, way] if way in ("on", "off") else [way, *middle]
    return words


# Words that only make "a bit" smaller: "a tiny bit", "a teeny bit".
SMALL = frozenset({"tiny", "teeny", "wee", "little", "weeny", "touch"})
# Openings said for a plain verb: "cut power to the fan", "energise the coffee maker", "lock up the door".
SAID_PLAINLY: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("cut", "power", "to"), ("turn", "off")),
    (("cut", "the", "power", "to"), ("turn", "off")),
    (("kill", "power", "to"), ("turn", "off")),
    (("energise",), ("turn", "on")),
    (("energize",), ("turn", "on")),
    (("lock", "up"), ("lock",)),
    # very formal English: "kindly extinguish the hallway light", "secure the front door"
    (("extinguish",), ("turn", "off")),
    (("illuminate",), ("turn", "on")),
    (("secure",), ("lock",)),
    (("reduce", "the", "volume", "of"), ("set", "the", "volume", "of")),
    (("increase", "the", "volume", "of"), ("set", "the", "volume", "of")),
    (("inform", "me", "of", "the", "present"), ("tell", "me", "the")),  # "… the present time"
    (("inform", "me", "of"), ("tell", "me")),
    (("press", "play", "on"), ("play",)),  # "press play on the telly"
    (("hit", "play", "on"), ("play",)),
    (("press", "pause", "on"), ("pause",)),
    (("hit", "pause", "on"), ("pause",)),
)
# Verbs an order starts with, said after a subject or "to" by learners of English ("you lock it").
ORDER_VERBS = frozenset(
    {
        "turn",
        "switch",
        "lock",
        "unlock",
        "open",
        "close",
        "shut",
        "set",
        "dim",
        "start",
        "stop",
        "pause",
        "play",
    }
)
# "Make <device> (to) open / on / close / off": "turn <device> on", "open <device>" (a light opened is
# switched on, as the understander reads "open the lamp").
MADE_SO = frozenset({"on", "off", "open", "close"})


# A wish for the room to be otherwise: "I wish it were warmer in here", "I want it cooler" → "make it …".
WISHED_SO: tuple[tuple[str, ...], ...] = tuple(
    (*wish, "it", *be)
    for wish in (("i", "want"), ("i", "wish"), ("i'd", "like"), ("i", "would", "like"), ("we", "want"),
                 ("i'd", "love"), ("i'd", "really", "like"), ("we'd", "like"))
    for be in ((), ("were",), ("was",), ("to", "be"))
)  # fmt: skip
COMPARATIVES = frozenset(
    {"warmer", "cooler", "hotter", "colder", "brighter", "darker", "dimmer", "louder", "quieter", "softer"}
)


def _wished_so(words: list[str]) -> list[str]:
    """ "I wish it were warmer in here" → "make it warmer in here": only before a word of more or less."""
    for wish in WISHED_SO:
        size = len(wish)
        if tuple(words[:size]) == wish and words[size : size + 1] and words[size] in COMPARATIVES:
            more, rest = words[size], words[size + 1 :]
            if rest[:2] == ["in", "the"] and len(rest) > 2:
                return ["make", *rest[1:], more]  # "… cooler in the bedroom": "make the bedroom cooler"
            return ["make", "it", more, *rest]
    return words


def _left_at(words: list[str]) -> list[str]:
    """ "Leave them halfway", "leave it at 30": set them there (a correction of how far they went)."""
    if len(words) > 2 and words[0] == "leave" and words[1] in ("it", "them"):
        rest = words[3:] if words[2] == "at" else words[2:]
        if rest and (rest[0] in ("halfway", "half") or rest[0].isdigit() or rest[0] in COUNTED):
            return ["set", words[1], "to", *rest]
    return words


def _at_half(words: list[str]) -> list[str]:
    """ "Put it at half" → "put it at 50 percent"; "half" said as a value at the end."""
    if len(words) > 2 and words[-2] in ("at", "to") and words[-1] == "half":
        return [*words[:-1], "50", "percent"]
    return words


def _set_said_short(words: list[str]) -> list[str]:
    """ "Bedroom light at full" → "set bedroom light to full": a device and its end setting, no verb."""
    ends_full = len(words) > 2 and words[-2] in ("at", "to") and words[-1] in ("full", "max", "maximum")
    return ["set", *words[:-2], "to", words[-1]] if ends_full and words[0] != "set" else words


def _without_reason(words: list[str], names: Collection[str]) -> list[str]:
    """ "Unlock the door for the postman" → "unlock the door": a reason at the end is dropped when it names
    nobody Hearth knows as a device or room and is no time."""
    if TIMER_WORDS & set(words):
        return words  # "a timer for the pasta": the name of the timer
    for size in range(1, MAX_REASON + 1):
        start = len(words) - size - 2
        if start < 2 or words[start] != "for" or words[start + 1] not in REASON_OWNERS:
            continue
        reason = words[start + 2 :]
        if any(
            w in names or w in TIME_NOUNS or w in NUMBER_WORDS or not w.replace("'", "").isalpha()
            for w in reason
        ):
            return words
        return words[:start]
    return words


def _positions_first(words: list[str]) -> list[str]:
    """ "the door at the front" → "the front door"."""
    for i in range(1, len(words) - 3):
        noun, link, article, position = words[i : i + 4]
        if words[i - 1] == "the" and link in POSITION_LINKS and article == "the" and position in POSITIONS:
            return [*words[:i], position, noun, *words[i + 4 :]]
    return words


# Words that point back at a thing: "unlock it", "turn them off".
POINTING = frozenset({"it", "them"})
# Words that open a noun phrase in a reason: "the guests are at the door".
_DETERMINED = frozenset({"the", "my", "our"})


def reason_readings(
    reason: Sequence[str],
    order: Sequence[str],
    room: tuple[str, ...] | None,
    rooms: Sequence[tuple[str, ...]],
) -> list[list[str]]:
    """Readings of an order said after a reason, each with what the reason named put in: "set the heating in
    there to 20" with the reason's room for "there", "turn the fan on" in that room when the order names
    none, "unlock it" with each thing the reason named ("the door") for "it"."""
    readings: list[list[str]] = []
    order = list(order)
    names_room = any(contains_run(order, name) for name in rooms)
    if room is not None and not names_room:
        there = next(
            (i for i in range(1, len(order)) if order[i] == "there" and order[i - 1] in ("in", "out")), None
        )
        if there is not None:
            readings.append([*order[:there], "the", *room, *order[there + 1 :]])
        elif not POINTING & set(order):
            readings.append([*order, "in", "the", *room])
    spots = [i for i, word in enumerate(order) if word in POINTING]
    if len(spots) == 1:
        for phrase in _noun_phrases(reason):
            readings.append([*order[: spots[0]], *phrase, *order[spots[0] + 1 :]])
    elif not spots:
        readings.append(order)  # "it's stuffy in the bedroom, turn the kitchen light on": as said
    return readings


def _noun_phrases(words: Sequence[str]) -> list[list[str]]:
    """ "The guests are at the door" → "the door", "the guests are", "the guests": two- and one-word
    phrases after a determiner, the last said first (the thing nearest the order)."""
    found: list[list[str]] = []
    for i in range(len(words) - 2, -1, -1):
        if words[i] in _DETERMINED:
            found += [["the", *words[i + 1 : i + 3]], ["the", words[i + 1]]]
    return [list(p) for p in dict.fromkeys(tuple(p) for p in found)]


# A clause that only says the question is no order: "don't turn it on, just tell me", "I'm not asking you
# to lock it". Dropped when what is left asks something; the question is then answered and nothing done.
DISCLAIMER_OPENERS: tuple[tuple[str, ...], ...] = (
    ("don't",), ("dont",), ("do", "not"), ("no", "need", "to"), ("you", "don't", "need", "to"),
    ("i'm", "not", "asking", "you", "to"), ("i", "am", "not", "asking", "you", "to"),
    ("not", "asking", "you", "to"), ("i'm", "not", "telling", "you", "to"), ("leave",),
)  # fmt: skip
JUST_ASKING: tuple[tuple[str, ...], ...] = (
    ("just", "tell", "me"), ("just", "checking"), ("only", "asking"), ("just", "asking"), ("tell", "me"),
)  # fmt: skip
_CLAUSE_CUT = re.compile(r"(?<=[,;?.!\u2014])\s*")
_POINTING = frozenset({"it", "them", "that", "anything"})


def without_disclaimers(text: str, asks: Callable[[str], bool]) -> str:
    """`text` without the clauses that say it is only a question ("is the tv on? don't turn it on, just
    tell me" → "is the tv on?"), when some clause is left that `asks` is true of; else `text` as it is."""
    clauses = [c for c in _CLAUSE_CUT.split(text) if c.strip()]
    if len(clauses) < 2:
        return text
    kept = [c for c in clauses if not _disclaims(tokenize(c, strip_phrases=False))]
    if len(kept) == len(clauses) or not kept or not any(asks(c) for c in kept):
        return text
    return " ".join(kept).rstrip(",;— ")


def _disclaims(words: list[str]) -> bool:
    if any(tuple(words) == phrase for phrase in JUST_ASKING):
        return True
    opener = next((o for o in DISCLAIMER_OPENERS if tuple(words[: len(o)]) == o), None)
    # only an order on what the question is about ("it"), never one naming a device of its own
    return opener is not None and bool(_POINTING & set(words[len(opener) :]))
