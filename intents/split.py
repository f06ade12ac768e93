"""Several commands in one utterance: split at conjunctions, recognise each part, let parts share a verb."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence

from .classify import AMOUNT_WORDS, DIRECTED_INTENTS, RELATIVE_TO_SET
from .document import IntentData, ValueList
from .model import IntentMatch
from .mood import TIME_UNITS
from .numbers import NUMBER_WORDS, parse_number

Parser = Callable[[Sequence[str]], IntentMatch | None]

# Words that join commands; "and then" and friends are handled as runs of these.
JOINERS = frozenset({"and", "then", "also", "plus", "afterwards"})
# Joiners of several words, cut as a whole: "after that" ("that" alone is not one), "as well as", "along
# with". Longest first, so "and then" is not cut twice.
JOINER_RUNS: tuple[tuple[str, ...], ...] = (
    # "… and while you're at it lock the door", "…, oh and start the coffee maker": an afterthought
    ("while", "you're", "at", "it"),
    ("while", "you", "are", "at", "it"),
    ("as", "well", "as"),
    ("oh", "and"),
    ("along", "with"),
    ("together", "with"),
    ("after", "that"),
    ("and", "also"),
    ("and", "then"),
)
# Every word of a joiner: never spell-corrected ("plus" is no misspelt "plugs").
JOINER_WORDS = JOINERS | {w for run in JOINER_RUNS for w in run}
# A part without a verb ("... and the bedroom fan") borrows the verb of the part before it.
CARRIERS: dict[str, tuple[str, ...]] = {
    "turn_on": ("turn", "on"),
    "turn_off": ("turn", "off"),
    "open_cover": ("open",),
    "close_cover": ("close",),
    "lock": ("lock",),
    "unlock": ("unlock",),
    "media_play": ("play",),
    "media_pause": ("pause",),
    "set_brightness": ("set",),
    "set_temperature": ("set",),
    "set_volume": ("set",),
    "set_fan_speed": ("set",),
    "set_color": ("set",),
    "set_position": ("set",),
    "get_temperature": ("what", "is", "the", "temperature", "in"),
    "get_humidity": ("what", "is", "the", "humidity", "in"),
}
# Words that order something by themselves when said after a target ("garage door open", "the fan off").
OWN_VERBS = frozenset(
    {"on", "off", "open", "close", "shut", "lock", "unlock", "play", "pause", "stop", "up", "down", "dim"}
)
# Words that say what a question or setting is about: a part with one says its own ("what's the humidity
# in the bathroom and the temperature in the office"), it borrows nothing from the part before.
QUANTITIES = frozenset({"temperature", "humidity", "brightness", "volume", "speed", "position"})
MAX_SEGMENTS = 6
NEGATIONS = frozenset({"not", "don't", "dont", "never", "no"})
# What a part that is only a target looks like on its own.
VERBLESS = frozenset({"followup_name", "followup_area"})


class CommandSplitter:
    """Splits token lists into commands; knows the area names and type words of one home."""

    def __init__(
        self, data: IntentData, area_names: Sequence[tuple[str, ...]], name_words: Collection[str] = ()
    ) -> None:
        self._areas = sorted(set(area_names), key=len, reverse=True)
        self._type_words: set[tuple[str, ...]] = set()
        for list_name in ("domain", "domains"):
            spec = data.lists.get(list_name)
            if isinstance(spec, ValueList):
                self._type_words.update(v.tokens for v in spec.values)
        # A part may borrow a verb only if it starts like a target ("the bedroom fan"), never when it has a
        # verb of its own ("put the lamp on"): a borrowed verb there would do the wrong thing.
        self._target_starts = {"the", "my", "our", "all", *name_words}
        self._target_starts.update(w for words in self._areas for w in words[:1])
        self._target_starts.update(w for words in self._type_words for w in words[:1])

    def joined(self, tokens: Sequence[str], boundaries: Sequence[int] = ()) -> bool:
        """Whether the tokens look like several commands (joiner words or commas between words)."""
        return len(_segments(self._share_type_word(list(tokens)), boundaries)) > 1

    def split(
        self,
        tokens: Sequence[str],
        parse: Parser,
        boundaries: Sequence[int] = (),
        *,
        strict: Parser | None = None,
    ) -> tuple[IntentMatch, ...] | None:
        """Two or more commands when every part is understood; None when it is not a list of commands.

        `strict` parses parts that keep a joiner inside ("salt and pepper lamp"): only an exact reading
        may hold two segments together, or a loose one would swallow a second command.
        """
        tokens = self._share_type_word(list(tokens))
        if tokens[:1] in (["is"], ["are"]):
            asked = _share_question(tokens, parse)
            if asked is not None:
                return asked
        segments = _segments(tokens, boundaries)
        if not 2 <= len(segments) <= MAX_SEGMENTS:
            return None
        # A value said once at the end is every target's ("dim the kitchen light and the hallway light to
        # 20 percent"), not only the last one's, the first being merely dimmed.
        # After "also" a new order begins ("close the garage door, also the blinds to 60"): nothing shared.
        shared = None if "also" in tokens else _share_value(segments, strict or parse)
        shared = shared or _share_tail(segments, parse)
        if shared is not None:
            return shared
        cache: dict[tuple[int, int], tuple[IntentMatch, ...] | None] = {}
        # Fewest parts first: words like "and" inside a device name keep their part whole.
        for cuts in _partitions(len(segments)):
            matches = self._parse_parts(segments, cuts, parse, strict or parse, cache)
            if matches is not None:
                return matches
        return None

    def _parse_parts(
        self,
        segments: list[list[str]],
        cuts: tuple[int, ...],
        parse: Parser,
        strict: Parser,
        cache: dict[tuple[int, int], tuple[IntentMatch, ...] | None],
    ) -> tuple[IntentMatch, ...] | None:
        matches: list[IntentMatch] = []
        bounds = (0, *cuts, len(segments))
        for start, end in itertools.pairwise(bounds):
            key = (start, end)
            if key not in cache:
                cache[key] = self._parse_group(segments, start, end, parse, strict, matches)
            found = cache[key]
            if found is None:
                return None
            matches.extend(found)
        return tuple(matches)

    def _parse_group(
        self,
        segments: list[list[str]],
        start: int,
        end: int,
        parse: Parser,
        strict: Parser,
        before: list[IntentMatch],
    ) -> tuple[IntentMatch, ...] | None:
        """The commands of segments[start:end] read as one part; None when they do not read."""
        words = [w for segment in segments[start:end] for w in (*segment, "and")][:-1]
        # "... not the speaker": a negated part is no command, and the rest may not be meant either.
        negated = NEGATIONS & set(words)
        match = None if negated else (parse if end - start == 1 else strict)(words)
        # "... and the bedroom fan": a part that names only a target takes the verb before it.
        verbless = bool(words) and words[0] in self._target_starts
        # A part the classifier guessed a verb for ("the lights in here" as "dim") borrows one too,
        # unless the part says its own ("garage door open"): that verb is the part's, not the last.
        guessed = (
            match is None
            or match.intent in VERBLESS
            or (match.source == "classifier" and not (OWN_VERBS | QUANTITIES) & set(words))
        )
        # "… and on the light": a direction first is the part's verb when the part names its own device
        own_device = match is not None and any(
            k in match.slots and match.slots[k].text for k in ("name", "domain")
        )
        if words and words[0] in DIRECTIONS and start > 0 and not negated and not own_device:
            # "temperature up in the bedroom and down in the lounge": "temperature down in …"
            match = _direction_anew(words, before[-1], parse)
        elif verbless and guessed and start > 0 and not negated:
            # "… and the lounge ceiling light too": the "too" only says the verb is shared
            borrowed = self._borrow_verb(_without_too(words), before[-1], parse)
            if borrowed is not None or match is None or match.intent in VERBLESS:
                match = borrowed
        elif match is not None and match.intent in VERBLESS and start == 0:
            match = None  # "the tv, turn it off": a target said first is no command of its own
        if match is not None:
            return (match,)
        if end - start == 1 or negated:
            return None
        # "set the lamp and the bedroom light to 30 percent and lock the front door": a value or a verb
        # said once for the first few parts is theirs, as it would be for the whole sentence.
        group = segments[start:end]
        return _share_value(group, strict) or _share_tail(group, parse)

    @staticmethod
    def _borrow_verb(words: list[str], previous: IntentMatch, parse: Parser) -> IntentMatch | None:
        # "turn the tv down and the speaker up": the verb said before, with this part's own direction.
        verb = _verb_before_target(previous)
        if verb is not None:
            match = parse([*verb, *words])
            if match is not None and _directed_alike(match, previous, words, verb):
                return match
        carrier = CARRIERS.get(previous.intent)
        own = words[-1] if words[-1] in DIRECTIONS else None
        if own is not None and own != SAID_DIRECTION.get(previous.intent):
            return None  # "… and the heating down" after "turn the fan off": never "turn off the heating"
        tries = [[*carrier, *words]] if carrier is not None else []
        domain = previous.slots.get("domain")
        if carrier is not None and domain is not None and domain.text:
            # "turn off the lights in the kitchen and the hallway": the hallway's lights.
            tries.append([*carrier, *words, *domain.text.split()])
        # "make the living room 21 degrees and the bedroom 18": the words around the earlier part's target
        # and value ("make" ... "degrees") frame the new target and value.
        frame = _frame(previous)
        if frame is not None:
            prefix, suffix = frame
            tries += [[*prefix, *words, *suffix], [*prefix, *words]]
        # "turn the heating up in the living room and the bedroom", "make the lamp blue and the ceiling light
        # too": the earlier part with its target swapped for this one
        swapped = _target_swapped(previous, words)
        if swapped is not None and not _says_amount(words):
            tries.append(swapped)  # never "the bedroom blinds all the way": that part says its own amount
        for attempt in tries:
            match = parse(attempt)
            if match is not None and match.intent == previous.intent:
                return match
        return None

    def _share_type_word(self, tokens: list[str]) -> list[str]:
        """ "the kitchen and bedroom lights" → "the kitchen lights and bedroom lights"."""
        for i, token in enumerate(tokens):
            if token != "and" or i == 0:
                continue
            left_area = self._area_ending_at(tokens, i)
            right = i + 1 + (tokens[i + 1 : i + 2] == ["the"])
            right_area = self._area_starting_at(tokens, right)
            if left_area is None or right_area is None:
                continue
            before = tokens[: i - left_area]
            if before[-1:] == ["in"] or before[-2:] == ["in", "the"]:
                continue  # "the lights in the kitchen and the hallway light": the type was said already
            type_word = self._type_word_at(tokens, right + right_area)
            if type_word is not None:
                return [*tokens[:i], *type_word, *tokens[i:]]
        return tokens

    def _area_ending_at(self, tokens: list[str], end: int) -> int | None:
        for name in self._areas:
            if tuple(tokens[max(0, end - len(name)) : end]) == name:
                return len(name)
        return None

    def _area_starting_at(self, tokens: list[str], start: int) -> int | None:
        for name in self._areas:
            if tuple(tokens[start : start + len(name)]) == name:
                return len(name)
        return None

    def _type_word_at(self, tokens: list[str], start: int) -> tuple[str, ...] | None:
        for words in sorted(self._type_words, key=len, reverse=True):
            if tuple(tokens[start : start + len(words)]) == words:
                return words
        return None


def _segments(tokens: list[str], boundaries: Sequence[int]) -> list[list[str]]:
    """Cut at joiner words (dropped) and at the given token boundaries (commas in the text)."""
    segments: list[list[str]] = [[]]
    cut_at = set(boundaries)
    i = 0
    while i < len(tokens):
        number = max(_number_with_and(tokens, i), _duration_with_and(tokens, i))
        if number > i:  # "twenty one and a half", "an hour and ten minutes": one number, not two commands
            segments[-1].extend(tokens[i:number])
            i = number
            continue
        run = next((r for r in JOINER_RUNS if tuple(tokens[i : i + len(r)]) == r), None)
        if run is not None or tokens[i] in JOINERS or i in cut_at:
            if segments[-1]:
                segments.append([])
            skip = len(run) if run is not None else (1 if tokens[i] in JOINERS else 0)
            if skip:
                i += skip
                continue
        segments[-1].append(tokens[i])
        i += 1
    return [s for s in segments if s]


TARGET_SLOTS = ("name", "area", "domain", "all")
VALUE_SLOTS = ("brightness", "temperature", "color", "speed", "position", "volume")


def _share_value(segments: list[list[str]], parse: Parser) -> tuple[IntentMatch, ...] | None:
    """ "Set the reading lamp and the bedroom light to 50 percent": the value said once at the end goes with
    every target, and the verb said once at the start too. Only when every part then parses exactly, as
    the same intent with the same value; None otherwise."""
    first, last = segments[0], [w for w in segments[-1] if w not in GATHERING]  # "… both green"
    for verb_words in (1, 2):
        verb = first[:verb_words]
        ending = parse([*verb, *last])
        tail = _after_target([*verb, *last], ending)
        if ending is None or tail is None:
            continue
        # "the heating down and the fan to medium": a first part with its own way to go keeps it
        alone = parse(first)
        if (
            alone is not None
            and alone.intent in DIRECTED_INTENTS
            and RELATIVE_TO_SET[alone.intent] != ending.intent
        ):
            return None
        value = {k: ending.slots[k].value for k in VALUE_SLOTS if k in ending.slots}
        parts = [
            parse([*(segment if i == 0 else [*verb, *segment]), *tail])
            for i, segment in enumerate(segments[:-1])
        ]
        if all(
            part is not None
            and part.intent == ending.intent
            and {k: part.slots[k].value for k in VALUE_SLOTS if k in part.slots} == value
            for part in parts
        ):
            return (*(part for part in parts if part is not None), ending)
    return None


def _share_tail(segments: list[list[str]], parse: Parser) -> tuple[IntentMatch, ...] | None:
    """ "The hall light, the garage light and the kitchen light on": a verb said once after the last of a
    list of targets is every target's. Only when every earlier part is a bare target (no verb, no
    negation) and reads, with those words after it, as the same command with the same values."""
    last = parse(segments[-1])
    if last is None or last.intent in VERBLESS:
        return None
    span = _target_span(segments[-1], last)
    if span is None or any(w not in ARTICLES for w in segments[-1][: span[0]]):
        return None  # a verb before the target ("turn on the lamp") is that part's alone
    tail = segments[-1][span[1] :]
    if not tail:
        return None
    parts: list[IntentMatch] = []
    for segment in segments[:-1]:
        alone = parse(segment)
        if NEGATIONS & set(segment) or (alone is not None and alone.intent not in VERBLESS):
            return None
        part = parse([*segment, *tail])
        if part is None or part.intent != last.intent or _values(part) != _values(last):
            return None
        parts.append(part)
    return (*parts, last)


ARTICLES = frozenset({"the", "my", "our"})
# Words that gather the devices of a question before its state: "are the tv and the speaker both off"
# ("all" stays: it says which devices, "all the blinds").
GATHERING = frozenset({"both", "either"})


def _share_question(tokens: list[str], parse: Parser) -> tuple[IntentMatch, ...] | None:
    """ "Are the bedroom blinds and the garage door both shut?", "is the garage door open or the front door
    unlocked": one question about each device, each with the state said after the last device, or its
    own when it has one. None unless every part reads so as a question about a device's state, with
    nothing but an article before its device ("… and turn off the hall light" is an order)."""
    parts: list[list[str]] = [[]]
    for token in tokens[1:]:
        if token in ("and", "or"):
            parts.append([])
        elif token not in GATHERING:
            parts[-1].append(token)
    parts = [p[1:] if p[:1] in (["is"], ["are"]) else p for p in parts]
    if len(parts) < 2 or not all(parts) or len(parts) > MAX_SEGMENTS:
        return None
    last = _asked_about(parts[-1], parse)
    if last is None:
        return None
    asked: list[IntentMatch] = []
    for part in parts[:-1]:
        found = _asked_about(part, parse) or _asked_about([*part, *last[1]], parse)
        if found is None:
            return None
        asked.append(found[0])
    return (*asked, last[0])


def _asked_about(words: list[str], parse: Parser) -> tuple[IntentMatch, list[str]] | None:
    """ "is <words>" as a question about a device's state, its device said first (after an article); with
    the words after the device (the state, which earlier devices of the question share)."""
    said = ["is", *words]
    match = parse(said)
    if match is None or match.intent != "get_state" or "state" not in match.slots:
        return None
    span = _target_span(said, match)
    if span is None or any(w not in ARTICLES and w != "all" for w in said[1 : span[0]]):
        return None
    return match, said[span[1] :]


def _values(match: IntentMatch) -> dict[str, object]:
    return {k: match.slots[k].value for k in VALUE_SLOTS if k in match.slots}


def _target_span(tokens: list[str], match: IntentMatch) -> tuple[int, int] | None:
    """Where the words naming a match's target start and end in `tokens`; None when not found."""
    spans = [
        (found, found + len(match.slots[k].text.split()))
        for k in TARGET_SLOTS
        if k in match.slots and (found := _find(tokens, match.slots[k].text)) is not None
    ]
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)


# Words that say which way a command goes; a borrowed verb keeps the part's own ("... and the fan off").
DIRECTIONS = frozenset({"on", "off", "up", "down"})
# Commands that differ only by the direction said: a part may borrow the verb of another of its group.
DIRECTED_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"turn_on", "turn_off"}),
    frozenset(
        {
            "brightness_up",
            "brightness_down",
            "volume_up",
            "volume_down",
            "temperature_up",
            "temperature_down",
        }
    ),
)
SAID_DIRECTION: dict[str, str] = {
    "turn_on": "on",
    "turn_off": "off",
    "brightness_up": "up",
    "volume_up": "up",
    "temperature_up": "up",
    "brightness_down": "down",
    "volume_down": "down",
    "temperature_down": "down",
}


TOO = (("too",), ("as", "well"))


def _without_too(words: list[str]) -> list[str]:
    """The words without a closing "too" or "as well"."""
    for tail in TOO:
        if len(words) > len(tail) and tuple(words[-len(tail) :]) == tail:
            return words[: -len(tail)]
    return words


def _says_amount(words: list[str]) -> bool:
    """Whether words say an amount of their own ("all the way", "to 40", "halfway")."""
    return any(w in AMOUNT_WORDS or w in NUMBER_WORDS or w[:1].isdigit() for w in words)


def _target_swapped(previous: IntentMatch, words: list[str]) -> list[str] | None:
    """The words of an earlier part with `words` said in place of its target: of its room when it named
    its devices by room ("… in the living room" → "… in the bedroom"), else of its whole target; None
    when the target's words cannot be found."""
    tokens = previous.text.split()
    area = previous.slots.get("area")
    if area is not None and area.text and "name" not in previous.slots:
        at = _find(tokens, area.text)
        span = None if at is None else (at, at + len(area.text.split()))
    else:
        span = _target_span(tokens, previous)
    if span is None:
        return None
    start, end = span
    said = words[1:] if words[:1] and words[0] in ARTICLES and tokens[start - 1 : start] == ["the"] else words
    return [*tokens[:start], *said, *tokens[end:]]


def _verb_before_target(match: IntentMatch) -> list[str] | None:
    """The verb of a part said before its target, without a direction ("turn" in "turn the tv down")."""
    tokens = match.text.split()
    span = _target_span(tokens, match)
    if span is None:
        return None
    verb = [w for w in tokens[: span[0]] if w not in DIRECTIONS and w not in ARTICLES]
    return verb or None


def _directed_alike(match: IntentMatch, previous: IntentMatch, words: list[str], verb: list[str]) -> bool:
    """Whether a part read with a borrowed verb is the same command, or one of its group whose direction
    the part says itself, once and at its end ("the speaker up"), so no direction is ever guessed. "Turn"
    carries every direction ("turn the fan off and the heating down")."""
    if match.intent == previous.intent:
        return False  # the usual carriers decide those, with their own checks
    said = SAID_DIRECTION.get(match.intent)
    return (
        said is not None
        and (verb == ["turn"] or any(match.intent in g and previous.intent in g for g in DIRECTED_GROUPS))
        and words[-1] == said
        and len(DIRECTIONS & set(words)) == 1
    )


def _direction_anew(words: list[str], previous: IntentMatch, parse: Parser) -> IntentMatch | None:
    """A part that opens with its direction ("and down in the lounge") read with the words the earlier
    part said before its own direction; only as a command of that direction, never a guess."""
    said = previous.text.split()
    spots = [i for i, w in enumerate(said) if w in DIRECTIONS]
    if len(spots) != 1 or spots[0] == 0:
        return None
    match = parse([*said[: spots[0]], *words])
    if match is None or SAID_DIRECTION.get(match.intent) != words[0]:
        return None
    return match


def _after_target(tokens: list[str], match: IntentMatch | None) -> list[str] | None:
    """The words after the target of a part that sets a value ("to 50 percent"); None when there are none."""
    if match is None or not any(k in match.slots for k in VALUE_SLOTS):
        return None
    ends = [
        found + len(match.slots[k].text.split())
        for k in TARGET_SLOTS
        if k in match.slots and (found := _find(tokens, match.slots[k].text)) is not None
    ]
    if not ends:
        return None
    tail = tokens[max(ends) :]
    return tail or None


def _frame(match: IntentMatch) -> tuple[list[str], list[str]] | None:
    """The words of a part before its target and after its value: ("make", "degrees") in "make the living
    room 21 degrees"; None when the part names no target or its words cannot be located."""
    tokens = match.text.split()
    found_at = [_find(tokens, match.slots[k].text) for k in TARGET_SLOTS if k in match.slots]
    starts = [i for i in found_at if i is not None]
    if not starts:
        return None
    start = min(starts)
    end = start
    for slot in VALUE_SLOTS:
        if slot in match.slots:
            found = _find(tokens, match.slots[slot].text, start)
            if found is None:
                return None
            end = max(end, found + len(match.slots[slot].text.split()))
    if end == start:
        return None  # no value: the carrier verb already says everything
    prefix = tokens[:start]
    if prefix and prefix[-1] in ("the", "my", "our"):
        prefix = prefix[:-1]
    return (prefix, tokens[end:]) if prefix else None


def _find(tokens: list[str], text: str, start: int = 0) -> int | None:
    words = text.split()
    if not words:
        return None
    for i in range(start, len(tokens) - len(words) + 1):
        if tokens[i : i + len(words)] == words:
            return i
    return None


def _number_with_and(tokens: list[str], i: int) -> int:
    """The end of a spoken number starting at i that holds the word "and"; i when there is none."""
    if tokens[i] not in NUMBER_WORDS and not tokens[i][:1].isdigit():
        return i
    parsed = parse_number(tokens, i)
    if parsed is None or "and" not in tokens[i : parsed[1]]:
        return i
    return parsed[1]


FRACTION_WORDS = frozenset({"half", "quarter"})


def _duration_with_and(tokens: list[str], i: int) -> int:
    """The end of "<unit> and <number> <unit>" or "<unit> and a half" at i ("an hour and ten minutes");
    i when the words there are no such duration."""
    if tokens[i] not in TIME_UNITS or tokens[i + 1 : i + 2] != ["and"]:
        return i
    if tokens[i + 2 : i + 3] in (["a"], ["an"]) and tokens[i + 3 : i + 4] and tokens[i + 3] in FRACTION_WORDS:
        return i + 4
    parsed = parse_number(tokens, i + 2)
    if parsed is None or tokens[parsed[1] : parsed[1] + 1] == [] or tokens[parsed[1]] not in TIME_UNITS:
        return i
    return parsed[1] + 1


def _partitions(count: int) -> list[tuple[int, ...]]:
    """Ways to cut `count` segments into at least two consecutive groups, fewest groups first."""
    inner = range(1, count)
    return [cuts for size in range(1, count) for cuts in itertools.combinations(inner, size)]
