"""Layered understanding: cache, templates, spelling-corrected templates, split commands, classifier, context.

Each layer answers only when it is sure enough; otherwise the next one tries. The result says which layer
answered (`source` of each match) so the hub can report it and benchmarks can time it.
"""

from __future__ import annotations

import hashlib
import itertools
import pickle
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from .address import for_assistant
from .brands import KindWords
from .cachefiles import pickled, write_atomic
from .classify import (
    DIRECTED_INTENTS,
    NUMBER_SLOTS,
    POLARITY,
    RELATIVE_TO_SET,
    SPEAKER_TELLS,
    UNIT_SECONDS,
    ClassifierLayer,
)
from .context import Turn
from .described import Descriptions
from .document import IntentData
from .exceptions import ExceptionSaid, kept_out, split_exception
from .followup import (
    DEFAULT_DOMAIN,
    RELATIVE_FAMILIES,
    TIMER_SPANS,
    FollowUps,
    IntentTypes,
    kind_said,
    last_acting,
    refers,
)
from .idioms import (
    FELT,
    asked_indirectly,
    order_first,
    reason_readings,
    rephrase,
    room_felt,
    without_disclaimers,
)
from .linker import OTHER_ROOMS
from .model import AreaName, EntityName, IntentMatch, SlotValue, with_area_aliases
from .mood import (
    TIME_UNITS,
    TIMER_INTENTS,
    TIMER_WORDS,
    acts,
    describes_state,
    gives_a_reason,
    narrated,
    not_an_order,
    opening_stripped,
)
from .normalize import GERUND_BASES, contains_run, strip_edge_phrases, tokenize
from .numbers import DENOMINATORS, NUMBER_WORDS, TENS, parse_number
from .partial import partial_names
from .places import Places
from .recognizer import TemplateRecognizer
from .repair import Repair, after_leading_no, find_repair, readings, without_restarts
from .speller import SpellCorrector
from .split import CARRIERS, GATHERING, JOINER_WORDS, CommandSplitter
from .targets import EntityIndex, resolve_targets
from .vocabulary import kind_words, sentence_words, template_words

# Intents whose meaning depends on earlier turns; their results are never cached.
CONTEXT_INTENTS = frozenset(
    {"repeat", "undo", "more", "less", "followup_value", "followup_area", "followup_name"}
)
# Ways of addressing someone, never spell-corrected: "thank you, dear" is no "hear".
ADDRESSED = frozenset({"dear", "darling", "honey", "babe", "sweetie", "mate", "love", "hun"})
# Joiners ("plus" is no misspelt "plugs"), "-ing" orders ("closing" no "cooking") and ways of addressing.
# Rooms the home may lack ("the dining room") are never corrected into one it has, either.
NEVER_CORRECTED = JOINER_WORDS | GERUND_BASES.keys() | ADDRESSED | OTHER_ROOMS
# Common speech-recognition slips worth fixing before anything else ("turn of the light" means off).
ASR_FIXES: dict[tuple[str, str], tuple[str, str]] = {
    ("turn", "of"): ("turn", "off"),
    ("switch", "of"): ("switch", "off"),
    ("turned", "of"): ("turned", "off"),
    ("never", "mine"): ("never", "mind"),
    ("you", "due"): ("you", "do"),
    ("front", "or"): ("front", "door"),
    ("garage", "or"): ("garage", "door"),
    ("is", "a"): ("is", "the"),  # "is a garage door open"
    ("turn", "odd"): ("turn", "off"),  # a thumb on the neighbouring keys
    ("of", "in"): ("off", "in"),  # "lights of in the kitchen": "of in" is never said
    **{
        ("two", felt): ("too", felt)
        for felt in ("loud", "quiet", "hot", "cold", "bright", "dark", "dim", "warm")
    },
}

# One word heard as two: "cancel the time her" is "cancel the timer".
ASR_MERGES: dict[tuple[str, str], str] = {
    ("time", "her"): "timer",
    ("time", "or"): "timer",
    ("speak", "her"): "speaker",
    ("un", "lock"): "unlock",
}
# Words heard as others around them: "turn on the tell a vision", "a past a timer".
ASR_RUNS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("tell", "a", "vision"): ("television",),
    ("extract", "a", "fan"): ("extractor", "fan"),
    ("past", "a", "timer"): ("pasta", "timer"),
}
# Number words heard as other words right before a unit of time ("a timer for ate minutes").
HEARD_COUNTS: dict[str, str] = {"ate": "eight", "for": "four", "too": "two", "to": "two", "won": "one"}
COUNT_UNITS = frozenset({"minute", "minutes", "second", "seconds", "hour", "hours"})
# What a heard count follows: "for ate minutes", "in too minutes", "timer to minutes".
COUNT_OPENERS = frozenset({"for", "in", "timer", "another", "extra"})

# Words speech recognisers put in place of command words. Only used when the rewritten sentence then
# parses with the templates, so a real "read" or "clothes" elsewhere changes nothing.
HOMOPHONES: dict[str, str] = {
    "clothes": "close",
    "counsel": "cancel",
    "council": "cancel",
    "paused": "pause",
    "closed": "close",
    "paws": "pause",
    "pores": "pause",
    "blew": "blue",
    "read": "red",
    "hi": "high",
    "too": "to",
    "two": "to",
    "lite": "light",
    "lamb": "lamp",
    "won": "one",
    "hole": "hall",
    "store": "door",
    "thyme": "time",
    "heeding": "heating",
}
# Homophones that only hold in one place: "of" for "off" at the end ("turn the tv of"), "lock" for
# "locked" at the end of a question ("is the front door lock").
LAST_WORD_HOMOPHONES: dict[str, str] = {"of": "off", "lock": "locked"}
# Only at the end of a yes/no question: "is the garage door close" asks whether it is closed, while
# "garage door close" is an order.
QUESTION_LAST_WORD_HOMOPHONES: dict[str, str] = {"close": "closed"}
QUESTION_WORDS = frozenset({"is", "are", "was", "were"})


def sound_alike(tokens: Sequence[str]) -> list[str]:
    """The tokens with command-word homophones replaced ("paws the tv" → "pause the tv")."""
    out = [HOMOPHONES.get(t, t) for t in tokens]
    if out:
        out[-1] = LAST_WORD_HOMOPHONES.get(out[-1], out[-1])
        if out[0] in QUESTION_WORDS:
            out[-1] = QUESTION_LAST_WORD_HOMOPHONES.get(out[-1], out[-1])
    return out


@dataclass(frozen=True, slots=True)
class Understanding:
    """What an utterance means: one match per command said, or a question to ask back, or nothing."""

    matches: tuple[IntentMatch, ...] = ()
    question: str | None = None  # an `_errors` outcome to ask with: "did-you-mean", "no-context", ...
    candidates: tuple[str, ...] = ()  # device ids offered in the question
    pending: IntentMatch | None = None  # what to do once the question is answered
    layer: str = ""  # the layer that decided: cache, template, fuzzy, split, classifier, context
    corrected: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def understood(self) -> bool:
        """Whether there is something to act on or answer."""
        return bool(self.matches)


# Words that may follow a spoken value ("twenty too degrees").
VALUE_UNITS = frozenset({"degrees", "degree", "percent", "per", "minutes", "seconds", "please"})
_TENS_DIGITS = frozenset(str(n) for n in TENS.values())


def fix_asr(tokens: list[str]) -> list[str]:
    """Repair word pairs speech recognisers often get wrong."""
    for i in range(len(tokens) - 1):
        fixed = ASR_FIXES.get((tokens[i], tokens[i + 1]))
        if fixed is not None:
            tokens[i], tokens[i + 1] = fixed
    for i in range(1, len(tokens) - 1):
        if tokens[i + 1] in COUNT_UNITS and tokens[i] in HEARD_COUNTS and tokens[i - 1] in COUNT_OPENERS:
            tokens[i] = HEARD_COUNTS[tokens[i]]
    for i in range(1, len(tokens)):
        if tokens[i] == "our" and (tokens[i - 1] in NUMBER_WORDS or tokens[i - 1].isdigit()):
            tokens[i] = "hour"  # "a timer for one our"
    for run, heard in ASR_RUNS.items():
        if run[0] in tokens and contains_run(tokens, run):
            at = next(i for i in range(len(tokens)) if tuple(tokens[i : i + len(run)]) == run)
            tokens[at : at + len(run)] = heard
    if tokens[:3] == ["turn", "in", "the"]:
        tokens[1] = "on"  # "turn in the hall light": a slip for "on" (to turn in is to go to bed)
    if tokens[:2] == ["on", "lock"]:
        tokens[:2] = ["unlock"]  # "on lock the front door": only at the start, where "on" cannot be
    if len(tokens) > 2 and tokens[-2:] == ["back", "on"]:
        tokens[-2:] = ["on"]  # "music back on", "the light back on": on again, never the previous song
    if tokens and tokens[0] in _MUSIC_OPENERS and not MUSIC_WORDS.isdisjoint(tokens):
        tokens = _music_played(tokens)
    for i in range(len(tokens) - 1, 0, -1):
        merged = ASR_MERGES.get((tokens[i - 1], tokens[i]))
        if merged is not None:
            tokens[i - 1 : i + 1] = [merged]
        elif tokens[i - 1 : i + 1] == ["off", "is"] and i > 1 and tokens[i - 2] == "the":
            tokens[i - 1 : i + 1] = ["office"]  # "the temperature in the off is"
    return tokens


MUSIC_WORDS = frozenset({"music", "tunes", "song", "songs", "playlist"})
_MUSIC_DETERMINERS = frozenset({"the", "some", "my", "our"})
_MUSIC_OPENERS = frozenset({"turn", "switch", *MUSIC_WORDS, *_MUSIC_DETERMINERS})


def _music_played(tokens: list[str]) -> list[str]:
    """ "Turn on the music", "switch the music on (in the office)", "music on": play it. The classifier
    read it as "turn up", a step in the volume. Only the music itself turned on: "turn on the tv, play a
    song" and "turn on the lamp and play some music" keep their words."""
    at = next(i for i, t in enumerate(tokens) if t in MUSIC_WORDS)
    verb = tokens[0] in ("turn", "switch")  # or none: "music on, volume forty"
    before = tokens[int(verb) : at]
    if not set(before) <= _MUSIC_DETERMINERS | {"on"}:
        return tokens
    if "on" in before:
        rest = tokens[at + 1 :]
    elif tokens[at + 1 : at + 2] == ["on"] and tokens[at + 2 : at + 3] not in (["the"], ["my"], ["our"]):
        rest = tokens[at + 2 :]  # not "the music on the tv": there "on" says where
    else:
        return tokens
    return ["play", *(t for t in before if t != "on"), tokens[at], *rest]


class Understander:
    """Understands utterances of one home; rebuilt when the configuration changes (so caches stay valid)."""

    def __init__(
        self,
        data: IntentData,
        entities: Sequence[EntityName],
        areas: Sequence[AreaName],
        *,
        classifier: ClassifierLayer | None = None,
        intent_types: IntentTypes | None = None,
        cache_size: int = 1024,
        cache_dir: Path | None = None,
    ) -> None:
        self.data = data
        entities = with_area_aliases(entities, areas)
        self._entities, self._areas = tuple(entities), tuple(areas)
        # `cache_dir` keeps the compiled templates on disk, for a fast restart with unchanged templates.
        self.recognizer = TemplateRecognizer(data, entities, areas, cache_dir=cache_dir)
        kinds = kind_words(data)
        self.index = EntityIndex(entities, kinds)
        words = template_words(data)
        self.places = Places(entities, areas)
        names = set(self.places.name_words)
        # Everyday words for a name ("telly" for the tv, "big light") are names too: never "corrected".
        names |= {w for run in partial_names(entities, areas, words) for w in run}
        # Command words only: a misspelt name goes to the linker, whose margin rule asks "did you mean the
        # bedroom or the bathroom light?" instead of correcting to whichever is one letter closer.
        # Number and fraction words and negations are never corrected either: "ten" is not a misspelt "tea",
        # "thirds" no misspelt "third", and "not the speaker" must never become "now the speaker".
        # A name word said in two ("bath room") is that name word, even when both halves are words too.
        compounds = {w for w in names - words if w.isalpha() and len(w) > 5}
        self.speller = SpellCorrector(
            words,
            keep=names | NUMBER_WORDS | DENOMINATORS.keys() | NEGATIONS | GATHERING | NEVER_CORRECTED | FELT,
            compounds=compounds,
        )
        self._name_words = frozenset(names)
        self.kinds = KindWords(entities, kinds, names)
        self.described = Descriptions(areas, kinds, names)
        # Words never taken for the name of a person spoken to ("Kitchen, lights on" is for the assistant).
        self._command_words = frozenset(names | sentence_words(data) | NUMBER_WORDS)
        self.classifier = classifier
        self.followups = FollowUps(self.index, areas, intent_types)
        area_names = [tuple(tokenize(n, strip_phrases=False)) for a in areas for n in a.names]
        self.splitter = CommandSplitter(data, area_names, names - words)
        self._area_names = sorted(set(area_names), key=len, reverse=True)
        self._area_ids = {a.id for a in areas}
        self._area_names_of = {a.id: tuple(a.names) for a in areas}
        self._cache: OrderedDict[str, Understanding] = OrderedDict()
        self._cache_size = cache_size

    def understand(
        self, text: str, history: Sequence[Turn] = (), client_area: str | None = None
    ) -> Understanding:
        """Understand `text` in the light of the session's recent turns (oldest first)."""
        spoken = for_assistant(text, self._command_words.__contains__)
        if spoken is not None:
            text = spoken  # "Jack, the bath's running. Fan on": only what is said to the assistant
        text = without_restarts(text)  # "open the, open the garage door": what was said again counts once
        exception = split_exception(text)
        if exception is not None:
            return self._excepting(exception, history, client_area)
        text = self.kinds.rewrite(text)  # "the Hue bulb", "the smart plug for the coffee maker"
        text = self.described.rewrite(text)  # "the thing that makes coffee", "whatever's on the telly"
        text = self.places.rewrite(text)  # "the lamp by the sofa": the lamp in the living room
        text = without_disclaimers(text, self._asks)  # "is the tv on? don't turn it on, just tell me"
        text = after_leading_no(text, _starts_an_order)  # "no, 20": the correction is "20"
        tokens = _timers_talked_of(_two_heard_as_too(fix_asr(tokenize(text)), history), history)
        if not tokens:
            return Understanding()
        if history and history[-1].question:
            answered = self.followups.answer(tokens, history[-1], self._single_tokens)
            if answered is not None:
                answered = timer_duration(answered)  # "15 minutes" to "for how long?"
                return self._checked(Understanding((answered,), layer="context"), tokens, text, client_area)
        untimed = _timer_without_length(tokens)
        if untimed is not None:
            return self._checked(untimed, tokens, text, client_area)
        boundaries = comma_boundaries(text, len(tokens))
        timer = self._timer_length_apart(tokens, boundaries)
        if timer is not None:
            return self._checked(Understanding((timer,), layer="split"), tokens, text, client_area)
        repair = find_repair(tokens, boundaries, text)
        repaired = self._repaired(repair) if repair is not None else None
        if repaired is not None:
            found = repaired
        else:
            also = self._also(tokens, history) if history else None
            found = (
                Understanding((also,), layer="context")
                if also is not None
                else self._context_free(tokens, text)
            )
            pointing = bool(found.matches) and all("ref" in m.slots for m in found.matches)
            if (not found.matches and found.question in (None, "no-context")) or (pointing and not history):
                # "the guests are at the door, unlock it": with no conversation, "it" is what the reason named
                found = self._after_reason(tokens, boundaries) or found
        if history and len(found.matches) == 1 and _room_temperature_without_unit(found.matches[0], tokens):
            # "make it 20" right after the tv's volume was set: the volume, as "make that 20" would be
            bare = self.followups.bare_value(_trailing_number(tokens), history)
            found = Understanding((bare,)) if bare is not None else found
        if history and repaired is None and boundaries and _bare_value(tokens[boundaries[-1] :]):
            # "too loud, 20", "a bit more, 50": the step only says why; the value is what to set
            bare = self._value_after_step(tokens, boundaries[-1], history)
            found = Understanding((bare,)) if bare is not None else found
        if not found.matches and found.question is None and history and repaired is None:
            bare = self.followups.all_the_way(tokens, history) or self.followups.bare_value(tokens, history)
            found = self._restated(tokens, history) or (Understanding((bare,)) if bare else found)
        if not found.matches:
            return self._checked(found, tokens, text, client_area)
        found = replace(found, matches=_value_over_vague_step(found.matches))
        resolved = self.followups.resolve(found, history, client_area)
        if any(m.intent in VERBLESS for m in found.matches) and any(
            _other_verb_said(m.intent, tokens) for m in resolved.matches
        ):
            # "and also the door of garage open" after "turn on the garage light": the words say another
            # order than the one the follow-up would repeat; doing neither beats doing the wrong one
            return Understanding()
        resolved = replace(
            resolved,
            matches=tuple(_fully(self._switched(m), tokens) for m in _value_over_step(resolved.matches)),
        )
        if found.corrected:
            resolved = replace(
                resolved, matches=tuple(_name_as_said(m, found.corrected) for m in resolved.matches)
            )
        # One command: its timer's name may be in any clause ("start a lasagne timer, forty minutes").
        said = tokens if len(resolved.matches) == 1 else None
        resolved = replace(
            resolved, matches=tuple(timer_named(timer_duration(m), said) for m in resolved.matches)
        )
        return self._checked(resolved, tokens, text, client_area)

    def _timer_length_apart(self, tokens: Sequence[str], boundaries: Sequence[int]) -> IntentMatch | None:
        """ "Quarter of an hour, set a timer", "set a timer, ten minutes": a timer asked for in one clause
        and its length said alone in the other."""
        if len(boundaries) != 1:
            return None
        cut = boundaries[0]
        for asked, length in ((tokens[cut:], tokens[:cut]), (tokens[:cut], tokens[cut:])):
            untimed = _timer_without_length(strip_edge_phrases(list(asked)))
            if untimed is not None and untimed.pending is not None:
                timed = self.followups.duration_given(length, untimed.pending, self._single_tokens)
                if timed is not None:
                    return replace(timer_duration(timed), source="split")
        return None

    def _excepting(
        self, exception: ExceptionSaid, history: Sequence[Turn], client_area: str | None
    ) -> Understanding:
        """ "All the lights except the hall light": the order without its exception, on the devices it
        would act on less those the exception names. Not understood unless the first order acts on
        several devices, the exception names some of them plainly, and some are left."""
        found = self.understand(exception.without_exception, history, client_area)
        if not found.matches or found.question is not None:
            return Understanding()
        first = found.matches[0]
        if not acts(first.intent):
            return Understanding()  # "is anything on apart from the lamp": not answered yet
        targets = resolve_targets(first, self.index, client_area, types=self.followups.types(first.intent))
        if targets.problem is not None or len(targets.ids) < 2:
            return Understanding()
        kept = kept_out(exception.kept, targets.ids, self.index.entities, self._area_names_of)
        left = tuple(i for i in targets.ids if i not in kept)
        if not kept or not left:
            return Understanding()
        slots = {k: v for k, v in first.slots.items() if k not in TARGET_WORDS}
        slots["devices"] = SlotValue(left, _target_text(first))
        return replace(found, matches=(replace(first, slots=slots), *found.matches[1:]))

    def _value_after_step(self, tokens: list[str], cut: int, history: Sequence[Turn]) -> IntentMatch | None:
        """The value said after a step the way of the last setting ("too loud, 20" after the volume was set;
        "a bit more, 50" after the blinds): that setting at the value; None when the step is another's."""
        bare = self.followups.bare_value(tokens[cut:], history)
        last = last_acting(history)
        if bare is None or last is None:
            return None
        step = self._single_tokens(tokens[:cut])
        if step is None:
            return None
        setting = RELATIVE_TO_SET.get(step.intent)
        vague = step.intent in ("more", "less") or (step.intent in DIRECTED_INTENTS and not _named(step))
        if not vague or (setting is not None and setting != last.commands[-1]["intent"]):
            return None
        return bare

    def _asks(self, clause: str) -> bool:
        """Whether a clause asks a question: a question mark, a yes/no opener or a doubt ("I wonder if")."""
        words = tokenize(clause, strip_phrases=False)
        return (
            clause.rstrip().endswith("?")
            or words[:1] in (["is"], ["are"], ["did"], ["was"], ["were"], ["has"], ["have"])
            or asked_indirectly(words, self._name_words) is not None
        )

    def _after_reason(self, tokens: list[str], cuts: Sequence[int]) -> Understanding | None:
        """ "It's stuffy in the bedroom, turn the fan on", "the guests are at the door, unlock it": an order
        after a reason that is no order itself, read with the room or the thing the reason named. None
        unless one reading is understood and names what it acts on. `cuts`: where the clauses meet."""
        if len(cuts) != 1:
            return None
        reason, order = tokens[: cuts[0]], tokens[cuts[0] :]
        if not reason or not order or any(_starts_an_order(w) or w in ORDER_WORDS for w in reason):
            return None  # "before the film starts could you close the blinds, …": that clause orders too
        if NEGATIONS & set(reason):
            return None  # "not the office speaker, louder": the first clause takes something back
        if self._context_free(reason, " ".join(reason)).matches:
            return None  # the first clause is an order of its own: both or neither are done
        rooms = {name for name in self._area_names if contains_run(reason, name)}
        room = next(iter(rooms)) if len(rooms) == 1 else None
        for words in reason_readings(reason, order, room, self._area_names):
            found = self._context_free(words, " ".join(words))
            if found.matches and all(not _vague(m) and "ref" not in m.slots for m in found.matches):
                return found
        return None

    def _repaired(self, repair: Repair) -> Understanding | None:
        """What the speaker meant after correcting themselves ("set it to 60, no, 45"): the first reading
        of the correction that is understood; nothing when none is, as what was taken back must not be
        done. None when this was no correction after all (nothing taken back is a command, or what follows
        is a remark)."""
        taken_back = self._context_free(list(repair.taken_back), " ".join(repair.taken_back))
        old = [*taken_back.matches, *([taken_back.pending] if taken_back.pending else [])]
        intents = [m.intent for m in old]
        named = _target_text(old[-1]).split() if old and _has_target(old[-1]) else []
        target = named if named[:1] in (["the"], ["my"], ["our"], ["both"]) or not named else ["the", *named]
        for words, said_anew in readings(repair, target):
            found = self._context_free(words, " ".join(words))
            if not found.matches and found.question is None:
                continue
            if any(
                m.intent in CONTEXT_INTENTS or m.intent in VERBLESS or "ref" in m.slots for m in found.matches
            ):
                continue  # leans on a conversation there is none of: the old words are that context
            # A fragment spliced into the old words must keep their orders, only with the new value or
            # device; the correction said in full ("sorry, I meant turn it down") may order anything.
            kept = [m.intent for m in found.matches][: len(intents)] == intents
            # "turn the tv up, I mean down": the way taken back, said the other way round
            turned = _turned_round(repair, words) and len(found.matches) == len(intents)
            if (
                said_anew
                or not old
                or kept
                or turned
                or (found.question is not None and found.pending is not None)
            ):
                return self._near(found, old)
        if not old or (
            CLAUSE_MARKERS & set(repair.correction) and not self._carries_content(repair.correction)
        ):
            return None  # "…, actually it's dark in here": a remark after the order, nothing taken back
        return Understanding()

    def _near(self, found: Understanding, old: Sequence[IntentMatch]) -> Understanding:
        """ "The reading lamp, oh wait, the ceiling light": a name that fits devices in several rooms means
        the one in the room of the device taken back, as a follow-up's "and the ceiling light" does."""
        ids = [i for m in old if "name" in m.slots for i in m.slots["name"].value]
        matches = tuple(
            replace(m, slots={**m.slots, "name": self.followups.nearest(m.slots["name"], ids)})
            if "name" in m.slots
            else m
            for m in found.matches
        )
        return replace(found, matches=matches)

    def _switched(self, match: IntentMatch) -> IntentMatch:
        """ "Open the light", "close the tv": in many languages a switch is opened and closed; on devices
        that only switch, opening is switching on and closing switching off, never a cover's order."""
        switched = OPENED_AS_SWITCHED.get(match.intent)
        if switched is None:
            return match
        domain = match.slots.get("domain")
        named = match.slots.get("name")
        ids = named.value if named is not None and isinstance(named.value, tuple) else ()
        types = {self.index.type_of(i) for i in ids} | ({domain.value} if domain is not None else set())
        if types and types <= SWITCHED_TYPES:
            return replace(match, intent=switched)
        return match

    def _carries_content(self, words: Sequence[str]) -> bool:
        """Whether the words name a device, a room, a number or an order: what a correction says anew."""
        return any(
            w in self._name_words or w in ORDER_WORDS or w.isdigit() or w in NUMBER_WORDS for w in words
        )

    def _also(self, tokens: Sequence[str], history: Sequence[Turn]) -> IntentMatch | None:
        """ "And the lights too" after "turn off the tv": the last order's verb on the devices said, read
        as a whole command ("turn off the lights"); None unless it reads as that same order."""
        inner = _without_too(tokens[1:]) if tokens[:1] == ["and"] else None
        if not inner or inner[0] not in ("the", "my", "our", "all"):
            return None
        if contains_run(inner, ("in", "there")) or contains_run(inner, ("in", "here")):
            return None  # "and the ceiling light in there too": a room only the follow-ups know
        last = last_acting(history)
        if last is None:
            return None
        intent = str(last.commands[-1]["intent"])
        carrier = CARRIERS.get(intent)
        if carrier is None or carrier == ("set",):
            return None  # a value order ("set …") restated is "do the same", the follow-ups' to read
        match = self._single_tokens([*carrier, *inner])
        return match if match is not None and match.intent == intent else None

    def _restated(self, tokens: list[str], history: Sequence[Turn]) -> Understanding | None:
        """Words only the last turn makes whole ("and the hallway one too", "actually, purple"), read in
        full; None when no such reading is understood as the intent it must be."""
        for words, intent in self.followups.restatements(tokens, history):
            found = self._context_free(words, " ".join(words))
            if found.matches and all(m.intent == (intent or m.intent) for m in found.matches):
                return found
        return None

    def _checked(
        self, found: Understanding, tokens: list[str], text: str, client_area: str | None
    ) -> Understanding:
        """The last word on safety: words that are no order (narration, a question about who or why, a
        request for advice, a description of a state) never act, and "both" acts on two devices or asks."""
        meant = [*found.matches, *([found.pending] if found.pending is not None else [])]
        if not meant:
            return found
        acting = any(acts(m.intent) for m in meant)
        said = fix_asr(tokenize(text, strip_phrases=False))
        if said[:2] == ["what", "if"] or said[:1] in (["suppose"], ["imagine"]):
            return Understanding()  # "what if I unlocked the front door": supposed, neither asked nor ordered
        if _exclaims(said) and not acting:
            return Understanding()  # "ugh, what a day": a sigh, not a question about the date
        timed = any(acts(m.intent) and not _timer_said(m, said) for m in meant)
        if acting and self._no_order(said, text, timed=timed):
            return Understanding()
        if not acting and not_an_order(said, timed=False) == "kept as it is":
            return Understanding()  # "no, leave the garage door closed": nothing to do, nothing asked
        if all(m.intent in ("capabilities", "nevermind") for m in meant):
            reason = not_an_order(said, timed=False)
            if reason == "narration" or (
                reason == "advice"
                and all(not_an_order(tokenize(m.text, strip_phrases=False)) != "advice" for m in meant)
            ):
                # "he told me to lock the front door, but I forgot": told, nothing called off;
                # "should I get a bigger tv, what do you reckon": an opinion asked, not what Hearth can do
                return Understanding()
        wondered = not acting and asked_indirectly(said, self._name_words) is not None
        if (
            said[:1] in (["i"], ["we"])
            and narrated(said)
            and not text.rstrip().endswith("?")
            and not wondered
        ):
            return Understanding()  # "I just locked the front door myself": told what was done, no question
        if self._statement(tokens, text) and (acting or not (text.rstrip().endswith("?") or wondered)):
            return Understanding()  # "the hall light's on": told, not asked; nothing to do or answer
        if "both" in tokens and found.matches:
            return self._both(found, client_area)
        return found

    def _no_order(self, said: list[str], text: str, *, timed: bool) -> bool:
        """Whether the words cannot be an order (see `not_an_order`). A clause set off by a comma that tells
        of something done but names no device and points at none ("hands covered in flour, set the light
        to full") is a remark: the rest is judged without it."""
        reason = not_an_order(said, timed=timed)
        if reason is None:
            return False
        if self.classifier is None:
            return True
        if self._reasons_after_an_order(said, text, timed=timed):
            return False
        if reason != "narration":
            return True
        cuts = [0, *comma_boundaries(text, len(said)), len(said)]
        clauses = [said[a:b] for a, b in itertools.pairwise(cuts) if b > a]
        told = [c for c in clauses if narrated(opening_stripped(c))]
        rest = [c for c in clauses if c not in told]
        if not rest or any(self._linker_mentions(c) or POINTERS & set(c) for c in told):
            return True
        return any(not_an_order(c, timed=timed) is not None for c in rest)

    def _reasons_after_an_order(self, said: list[str], text: str, *, timed: bool) -> bool:
        """Whether the words are an order naming a device or room, then clauses set off by commas that only
        tell why (see `gives_a_reason`): "can you turn off the kitchen lights, someone's left them on
        again". A pointer in such a clause is the device just named; the order is judged without them."""
        cuts = [0, *comma_boundaries(text, len(said)), len(said)]
        clauses = [said[a:b] for a, b in itertools.pairwise(cuts) if b > a]
        ordered, kept, reasons = False, [], 0
        for clause in clauses:
            if not_an_order(clause, timed=timed) is None:
                kept += clause
                ordered = ordered or bool(self._linker_mentions(clause))
            elif ordered and gives_a_reason(clause) and not self._linker_mentions(clause):
                reasons += 1
            else:
                return False
        # the words kept must be an order on their own too ("…, just kidding" calls the whole off)
        return reasons > 0 and not_an_order(kept, timed=timed) is None

    @staticmethod
    def _statement(tokens: Sequence[str], text: str) -> bool:
        """Whether every clause of the utterance describes a state ("the lamp's on, the fan's off")."""
        cuts = [0, *comma_boundaries(text, len(tokens)), len(tokens)]
        clauses = [list(tokens[a:b]) for a, b in itertools.pairwise(cuts) if b > a]
        return bool(clauses) and all(describes_state(c) for c in clauses)

    def _both(self, found: Understanding, client_area: str | None) -> Understanding:
        """ "Both" means two devices: the two of the kind said (in the room said, else here, else in the
        home), or a question when there are more; never one of them."""
        matches: list[IntentMatch] = []
        for match in found.matches:
            if "both" not in tokenize(match.text, strip_phrases=False) or not _has_target(match):
                matches.append(match)
                continue
            types = self.followups.types(match.intent)
            targets = resolve_targets(match, self.index, client_area, types=types)
            if targets.problem is None and len(targets.ids) == 2:
                matches.append(match)
                continue
            pool = self._pair(match, targets.ids or targets.candidates, client_area)
            if len(pool) == 2:
                slots = {k: v for k, v in match.slots.items() if k not in TARGET_WORDS}
                slots["devices"] = SlotValue(pool, _target_text(match))
                matches.append(replace(match, slots=slots))
                continue
            if len(pool) > 2:
                pending = replace(
                    match, slots={k: v for k, v in match.slots.items() if k not in TARGET_WORDS}
                )
                return Understanding(
                    question="ambiguous", candidates=pool, pending=pending, layer=found.layer
                )
            return Understanding()
        return replace(found, matches=tuple(matches))

    def _pair(self, match: IntentMatch, ids: Sequence[str], client_area: str | None) -> tuple[str, ...]:
        """The devices "both" can mean: of the one kind named, in the room said, else here when there are
        two here, else in the whole home. A reference to earlier devices ("them both") is not widened."""
        if "devices" in match.slots or "ref" in match.slots:
            return tuple(dict.fromkeys(ids)) if len(set(ids)) > 2 else ()
        kinds = {self.index.type_of(i) for i in ids}
        if "domain" in match.slots:
            kinds.add(str(match.slots["domain"].value))
        kinds.discard(None)
        if len(kinds) != 1:
            return ()
        kind = str(kinds.pop())
        said = match.slots["name"].text.split() if "name" in match.slots else []
        if not said and "domain" in match.slots and match.slots["domain"].text:
            said = match.slots["domain"].text.split()[-1:]  # "both blinds": the covers called blinds
        if "area" in match.slots:
            return self._called(self.index.of_type(kind, str(match.slots["area"].value)), said)
        here = self._called(self.index.of_type(kind, client_area), said) if client_area is not None else ()
        return here if len(here) == 2 else self._called(self.index.of_type(kind, anywhere=True), said)

    def _called(self, ids: Sequence[str], words: Sequence[str]) -> tuple[str, ...]:
        """The devices whose names hold every word said ("both ceiling lights": those called so)."""
        forms = [{w, w[:-1]} if w.endswith("s") and len(w) > 3 else {w} for w in words]
        return tuple(
            i
            for i in ids
            if any(
                all(form & name_words for form in forms)
                for name in self.index.entities[i].names
                for name_words in [set(tokenize(name, strip_phrases=False))]
            )
        )

    def _context_free(self, tokens: list[str], text: str) -> Understanding:
        """Every layer that does not need the conversation, with the cache in front of the slow ones."""
        match = self.recognizer.recognize_tokens(tokens, text)
        if match is not None:
            return Understanding((match,), layer="template")
        key = " ".join(tokens)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return replace(cached, matches=tuple(replace(m, source="cache") for m in cached.matches))
        found = self._slow_layers(tokens, text)
        if found.matches and not any(m.intent in CONTEXT_INTENTS for m in found.matches):
            self._remember(key, found)
        return found

    def _slow_layers(self, tokens: list[str], text: str) -> Understanding:
        match = self._without_tail(tokens, text)
        if match is not None:
            return Understanding((match,), layer="template")
        corrected = self.speller.correct(tokens)
        if corrected.changes:
            match = self.recognizer.recognize_tokens(corrected.tokens, text)
            if match is not None:
                fuzzy = replace(match, confidence=corrected.confidence, source="fuzzy")
                return Understanding((fuzzy,), layer="fuzzy", corrected=corrected.changes)
        # The words as corrected, then as said: a homophone may itself look like a slip ("hole" → "home")
        for words in dict.fromkeys((tuple(corrected.tokens), tuple(tokens))):
            heard = sound_alike(words)
            if heard != list(words):
                match = self.recognizer.recognize_tokens(heard, text)
                if match is not None:
                    fuzzy = replace(match, confidence=corrected.confidence * 0.9, source="fuzzy")
                    return Understanding((fuzzy,), layer="fuzzy", corrected=corrected.changes)
        match = self._rephrased(tokens, corrected.tokens, text)
        if match is not None:
            fuzzy = replace(match, confidence=corrected.confidence * 0.9, source="fuzzy")
            return Understanding((fuzzy,), layer="fuzzy", corrected=corrected.changes)
        boundaries = comma_boundaries(text, len(tokens))
        parts = self.splitter.split(corrected.tokens, self._clause, boundaries, strict=self._exact_clause)
        if parts is not None:
            kept = _without_echoes(_without_reasons(parts))
            return Understanding(kept, layer="split", corrected=corrected.changes)
        if boundaries:
            clause = self._one_command_in_clauses(corrected.tokens, boundaries)
            if clause is None and corrected.changes:
                # a word the speller did not know may be the verb of an idiom ("pop the light on")
                clause = self._one_command_in_clauses(tokens, boundaries)
            if clause is not None:
                return Understanding((clause,), layer="split", corrected=corrected.changes)
            parts = self._commands_between_remarks(corrected.tokens, boundaries)
            if parts is not None:
                kept = _without_echoes(_without_reasons(parts))
                return Understanding(kept, layer="split", corrected=corrected.changes)
        amid = self._command_amid_remarks(corrected.tokens)
        if amid is not None:
            return Understanding((amid,), layer="split", corrected=corrected.changes)
        if self.splitter.joined(corrected.tokens, boundaries):
            return Understanding()  # several commands, not all understood: do none rather than a wrong one
        if self.classifier is not None:
            # The original words: the linker copes with misspelt names itself, and a speller's guess at an
            # ordinary word ("did" → "dim") must not steer the classifier.
            found = self.classifier.classify(tokens, text)
            alone = _without_too(tokens)
            if not found.matches and found.question is None and alone is not None:
                # "drop the bedroom heating to twelve as well": "too" adds nothing to the order itself
                found = self.classifier.classify(alone, text)
            if not found.matches and found.question is None and _only_swaps(corrected.changes):
                # "plya the tv": two letters swapped keep every letter said, the likeliest slip of all;
                # such a fix may steer the classifier where a guessed letter may not.
                swapped = self.classifier.classify(list(corrected.tokens), text)
                found = replace(swapped, corrected=corrected.changes)
            return found
        return Understanding()

    def _one_command_in_clauses(self, tokens: Sequence[str], boundaries: Sequence[int]) -> IntentMatch | None:
        """One command said with remarks around it, in clauses split by punctuation: "ceiling fan on, it's
        stuffy", "the lamp in the living room, switch it on", "too loud! turn the television down".

        A pronoun in the command stands for the one device another clause names. Every other clause must
        be a remark: not understood as a command (or the same command again), no negation, no room and no
        device but the command's own; otherwise nothing is done.
        """
        if self.classifier is None:
            return None  # without the linker the remarks cannot be checked for devices and rooms
        cuts = [0, *boundaries, len(tokens)]
        clauses = [strip_edge_phrases(list(tokens[a:b])) for a, b in itertools.pairwise(cuts)]
        # "…, but the fan in here, …": a clause's opening "but" joins it to the last, says nothing of it
        clauses = [c[1:] if len(c) > 1 and c[0] == "but" else c for c in clauses if c]
        clauses = [c for c in clauses if not (len(c) == 1 and c[0] in INTERJECTIONS)]  # "…, sorry, go on"
        if not 2 <= len(clauses) <= MAX_CLAUSES:
            return None
        links = [self._linker_mentions(c) for c in clauses]
        parsed = [self._clause(c) for c in clauses]
        consumed: set[int] = set()
        for i, match in enumerate(parsed):
            if match is None or not refers(clauses[i]):
                continue
            others = [j for j in range(len(clauses)) if j != i]
            # The clause that only names the target ("the lamp in the living room, switch it on") stands in
            # for the pronoun whole; else the one device another clause names.
            bare = [
                j
                for j in others
                if (links[j] or _timer_named_alone(clauses[j]))
                and _no_command(parsed[j])
                and not describes_state(clauses[j])
            ]
            named = {m[1]: m[2] for j in others for m in links[j] if m[0] == "name"}
            attempts: list[tuple[list[str] | None, int | None]] = []
            if len(bare) == 1:
                attempts.append((_replace_pronoun(clauses[i], clauses[bare[0]]), bare[0]))
            if len(named) == 1:
                # "I can barely hear the telly, turn it up": no bare target, or it does not read as one
                named_words = ["the", *next(iter(named.values())).split()]
                attempts.append((_replace_pronoun(clauses[i], named_words), None))
            readings = [(self._single_tokens(words), used) for words, used in attempts if words is not None]
            if readings:
                reading, used = next((r for r in readings if r[0] is not None), readings[0])
                parsed[i] = reading
                if used is not None:
                    consumed.add(used)
        commands = [(i, m) for i, m in enumerate(parsed) if m is not None and m.intent not in VERBLESS]
        if not commands:
            return self._one_command_said_apart(tokens, clauses)
        best_i, best = max(commands, key=lambda item: _specificity(item[1]))
        if "ref" in best.slots and best.intent in DEFAULT_DOMAIN:
            # "too bright in here, knock it down a bit": the remark says what kind "it" is, when nothing
            # was talked about before; its words go with the order's
            remarks = [
                c for j, c in enumerate(clauses) if j != best_i and kind_said(c, DEFAULT_DOMAIN[best.intent])
            ]
            if len(remarks) == 1:
                best = replace(best, text=f"{' '.join(remarks[0])}, {best.text}")
        if "ref" in best.slots:
            # "it's way too loud, turn it down": the step the remark asks for says what "it" is
            family = RELATIVE_FAMILIES.get(best.intent, {})
            felt = [
                (i, m)
                for i, m in commands
                if "ref" not in m.slots
                and _vague(m)
                and family.get(DEFAULT_DOMAIN.get(m.intent, "")) == m.intent
            ]
            if len(felt) == 1:
                consumed.add(best_i)
                best_i, best = felt[0]
        if (
            _vague(best)
            and not refers(clauses[best_i])
            and not _guessed_from_a_statement(best, clauses[best_i])
        ):
            # "I can't hear the telly, louder please": the one device another clause names.
            sources = [j for j in range(len(clauses)) if j != best_i and links[j]]
            if len(sources) == 1 and len(links[sources[0]]) == 1:
                aimed = self._aimed_at(best, links[sources[0]][0])
                if aimed is not None and not NEGATIONS & set(clauses[sources[0]]):
                    best = aimed
                    consumed.add(sources[0])
        if best.intent == "brightness_up" and _vague(best):
            for i, clause in enumerate(clauses):
                if i != best_i and [w for w in clause if w != "the"] in (["light"], ["lights"]):
                    # "pitch black in here, light please": the light asked for is the light on
                    best = replace(best, intent="turn_on")
                    consumed.add(i)
        whole = self._one_command_said_apart(tokens, clauses)
        if whole is not None and _says_more(whole, best):
            return whole  # "do a rice timer, 12 minutes": read as one sentence, the name is kept too
        targets = set(best.slots["name"].value) if "name" in best.slots else set()
        for i, clause in enumerate(clauses):
            if i == best_i or i in consumed:
                continue
            match = parsed[i]
            if match is not None and match.intent in VERBLESS:
                match = None  # a room or device said alone: weighed below by what it names
            differs = match is not None and (match.intent != best.intent or _specificity(match) > 0)
            if differs and match is not None and not _same_command(match, best):
                return None
            negated = NEGATIONS & set(clause) or "not" in clause or "no" in clause
            if negated and not _unknowing(clause) and (POINTERS & set(clause) or not gives_a_reason(clause)):
                return None  # "I'm not going out again tonight" tells why; "not the lamp" is no remark
            if _bare_value(clause) and not _values(best):
                return None  # "too loud, 20": a value said beside an order that sets none is no remark
            if match is None and _opens_an_order(clause):
                return None  # "…, then set them both to 70 percent": an order not understood is no remark
            for kind, ids, _text in links[i]:
                # a remark on the room of the order's own devices ("chuck the extractor fan on, the
                # bathroom's all steamy") is its reason; another room, or another device, is not
                ours = bool(targets) and all(self.index.area_of(t) in ids for t in targets)
                if (kind == "area" and not ours) or (kind != "area" and not set(ids) <= targets):
                    return None
        return replace(best, source="split")

    def _one_command_said_apart(self, tokens: Sequence[str], clauses: list[list[str]]) -> IntentMatch | None:
        """ "Bedroom fan, medium please": no clause is a command alone, so the clauses are one command with
        a pause in it; understood as if said without one. Never with a negation or a described state."""
        if any(NEGATIONS & set(c) or describes_state(c) for c in clauses):
            return None
        match = self._clause(strip_edge_phrases(list(tokens)))
        if match is None and len(clauses[-1]) == 1:
            # "front door: lock": an order set off after its device
            match = self._clause(order_first(list(tokens), self._name_words, said_apart=True))
        return None if match is None or match.intent in VERBLESS else replace(match, source="split")

    def _command_amid_remarks(self, tokens: Sequence[str]) -> IntentMatch | None:
        """One command joined to remarks by "so", "and", "because" … with no comma (as speech comes):
        "draw the bedroom blinds so the little one can nap", "my head is pounding and the bedroom light is
        far too bright". The command must parse with the templates alone; every remark must be no command
        and name no device, room or pronoun, and hold no negation; the longest such command is taken, and
        two different ones are none."""
        if self.classifier is None or len(tokens) > MAX_REMARKED_WORDS:
            return None  # without the linker the remarks cannot be checked for devices and rooms
        cuts = [i for i, w in enumerate(tokens) if w in REMARK_JOINERS]
        # "unlock the front door I'm home": a remark after the command may start with its own subject
        told = [i for i, w in enumerate(tokens) if i > 1 and w in TELLING_SUBJECTS and i - 1 not in cuts]
        if not 1 <= len(cuts) + len(told) <= 3:
            return None
        found: list[tuple[int, IntentMatch]] = []
        for a in (0, *(c + 1 for c in cuts)):
            for b in (*cuts, *told, len(tokens)):
                if b - a < 2 or (a, b) == (0, len(tokens)):
                    continue
                match = self._exact_clause(strip_edge_phrases(list(tokens[a:b])))
                if match is None or match.intent in VERBLESS:
                    continue
                remarks = [list(tokens[:a]), list(tokens[b:])]
                if all(self._aside(r, match) for r in remarks):
                    found.append((b - a, match))
        if not found:
            return None
        longest = max(size for size, _ in found)
        best = [m for size, m in found if size == longest]
        if any(not _same_command(m, best[0]) for _, m in found):
            return None
        return replace(best[0], source="split")

    def _aside(self, words: list[str], command: IntentMatch) -> bool:
        """Whether words around a command only remark (see `_command_amid_remarks`); none is fine. A
        complaint the command answers ("turn the fan on in the bedroom it's too hot") is a remark too."""
        words = [w for w in words if w not in REMARK_JOINERS]
        if not words:
            return True
        said = self._clause(strip_edge_phrases(words))
        return (
            bool(CLAUSE_MARKERS & set(words))  # a remark is a clause; "and the back one" names a target
            and not (NEGATIONS & set(words))
            and not ({"it", "them", "that", "this"} & set(words))
            and (said is None or (_vague(said) and command.intent in _ANSWERING.get(said.intent, ())))
            and not self._linker_mentions(words)
        )

    def _aimed_at(self, match: IntentMatch, mention: tuple[str, tuple[str, ...], str]) -> IntentMatch | None:
        """A command that named no target, aimed at the one device a remark names when that device can
        do it (a relative change by the device's kind: louder for a speaker); None otherwise."""
        kind, ids, text = mention
        if kind != "name" or len(ids) != 1:
            return None
        device_type = self.index.type_of(ids[0])
        intent = RELATIVE_FAMILIES.get(match.intent, {}).get(device_type or "", match.intent)
        allowed = self.followups.types(intent)
        if allowed is not None and device_type not in allowed:
            return None
        slots = {k: v for k, v in match.slots.items() if k not in TARGET_WORDS}
        slots["name"] = SlotValue(ids, text)
        return replace(match, intent=intent, slots=slots)

    def _commands_between_remarks(
        self, tokens: Sequence[str], boundaries: Sequence[int]
    ) -> tuple[IntentMatch, ...] | None:
        """Several commands with a remark before or after them, set off by a comma: "open the blinds and
        turn the light off, I'm up". The remark must be no command, name no device or room and hold no
        negation; the commands are then split as if it had not been said."""
        if self.classifier is None:
            return None  # without the linker a remark cannot be checked for devices and rooms
        first, last = boundaries[0], boundaries[-1]
        # a remark before the commands, or after them
        for start, end, remark in ((first, len(tokens), tokens[:first]), (0, last, tokens[last:])):
            if not self._remark(strip_edge_phrases(list(remark))):
                continue
            inner = [b - start for b in boundaries if start < b < end]
            parts = self.splitter.split(tokens[start:end], self._clause, inner, strict=self._exact_clause)
            if parts is not None:
                return parts
        return None

    def _remark(self, words: list[str]) -> bool:
        """Whether a clause only remarks on something ("I'm up", "we're back"): no command (understood or
        not), no device or room named, no negation."""
        return (
            bool(words)
            and not (NEGATIONS & set(words))
            and not _opens_an_order(words)
            and self._clause(words) is None
            and not self._linker_mentions(words)
        )

    def _linker_mentions(self, tokens: Sequence[str]) -> list[tuple[str, tuple[str, ...], str]]:
        assert self.classifier is not None
        return [(m.kind, m.ids, m.text) for m in self.classifier.linker.link(list(tokens)).mentions]

    def _exact_tokens(self, tokens: Sequence[str]) -> IntentMatch | None:
        """One command from tokens, templates only (exact or spell-corrected)."""
        match = self.recognizer.recognize_tokens(tokens)
        if match is not None:
            return match
        match = self._without_tail(tokens)
        if match is not None:
            return match
        corrected = self.speller.correct(tokens)
        if corrected.changes:
            match = self.recognizer.recognize_tokens(corrected.tokens)
            if match is not None:
                return replace(match, confidence=corrected.confidence, source="fuzzy")
        match = self._rephrased(tokens, corrected.tokens)
        return (
            None if match is None else replace(match, confidence=corrected.confidence * 0.9, source="fuzzy")
        )

    def _without_tail(self, tokens: Sequence[str], text: str = "") -> IntentMatch | None:
        """The templates' whole command in words that end in "too", "as well", "in here" or "in there":
        "open the garage door too" (whatever came before), "turn off the lights in here" (the speaker's
        room is where "the lights" are anyway); None when there is no such ending or no such command."""
        here = None if _without_too(tokens) is not None else _without_here(tokens)
        alone = _without_too(tokens) or here
        there = None if alone is not None else _without_there(tokens)
        said = alone if alone is not None else there
        match = self.recognizer.recognize_tokens(said, text) if said is not None else None
        if match is None or match.intent in CONTEXT_INTENTS | VERBLESS:
            return None
        if here is not None and ("ref" in match.slots or refers(here)):
            # "make it warmer in here": whatever "it" is, it is here (see FollowUps.resolve)
            return replace(match, slots={**match.slots, "here": SlotValue(True, "here")})
        if there is not None and not {"name", "area", "devices"} & match.slots.keys():
            # "turn off the light in there": the room of the devices just talked about (see FollowUps)
            return replace(match, slots={**match.slots, "there": SlotValue(True, "there")})
        return match

    def _rephrased(self, said: Sequence[str], corrected: Sequence[str], text: str = "") -> IntentMatch | None:
        """The templates' reading of an idiom said in plain words (see `idioms`), from the words as said
        ("a cup of coffee": "cup" is no misspelt "up") or else as spell-corrected; None when none reads."""
        for tokens in dict.fromkeys((tuple(said), tuple(corrected))):
            rephrased = rephrase(tokens, self._name_words)
            if rephrased != list(tokens):
                # "in here" or "too" after the idiom ("a tiny bit dimmer in here") as after plain words
                match = self.recognizer.recognize_tokens(rephrased, text) or self._without_tail(
                    rephrased, text
                )
                if match is not None and room_felt(tokens) is not None:
                    # "the lounge is boiling": a complaint, in its own words (a reason beside an order)
                    return replace(match, text=" ".join(tokens))
                if match is not None:
                    return match
        return None

    def _clause(self, tokens: Sequence[str]) -> IntentMatch | None:
        """One command from one part of an utterance; a part that describes a state ("the front door's
        unlocked") or is no order at all ("who left it on") is a remark, never a command."""
        return None if describes_state(tokens) else _an_order(self._single_tokens(tokens), tokens)

    def _exact_clause(self, tokens: Sequence[str]) -> IntentMatch | None:
        return None if describes_state(tokens) else _an_order(self._exact_tokens(tokens), tokens)

    def _single_tokens(self, tokens: Sequence[str]) -> IntentMatch | None:
        """One command from tokens with every context-free layer (used for split parts and answers)."""
        match = self._exact_tokens(tokens)
        if match is not None:
            return match
        if self.classifier is not None and not self.splitter.joined(tokens):
            # words that join several commands are never one guessed command ("open the blinds and turn
            # off the lights" is no "turn off the blinds"); the splitter reads them
            found = self.classifier.classify(list(tokens), " ".join(tokens))
            if len(found.matches) == 1:
                return found.matches[0]
        return None

    def _remember(self, key: str, found: Understanding) -> None:
        self._cache[key] = found
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def recognitions_file(self, directory: Path) -> Path:
        """Where this home's recognition cache is kept: its name hashes everything a cached result
        depends on (templates, device and area names, the classifier, this package's code), so a change to
        any of them starts a new, empty cache instead of serving a stale answer."""
        digest = hashlib.sha256(self.data.fingerprint().encode())
        digest.update(repr((self._entities, self._areas, self.classifier is not None)).encode())
        digest.update(_code_digest().encode())
        return directory / f"{RECOGNITIONS_PREFIX}{digest.hexdigest()[:20]}.pickle"

    def save_recognitions(self, directory: Path) -> int:
        """Keep the recognition cache on disk for the next start; returns how many entries were saved.

        It holds what utterances meant (intents, slots, device ids), never device states: a reply is
        always made from the state at the time of the run.
        """
        path = self.recognitions_file(directory)
        entries = list(self._cache.items())
        write_atomic(path, pickled(entries))
        others = sorted((p for p in directory.glob(f"{RECOGNITIONS_PREFIX}*") if p != path), key=_mtime)
        for old in others[: max(0, len(others) - RECOGNITION_FILES + 1)]:
            old.unlink(missing_ok=True)  # caches of earlier configurations, least recently used first
        return len(entries)

    def load_recognitions(self, directory: Path) -> int:
        """Fill the recognition cache from the last run with the same home; returns entries loaded."""
        path = self.recognitions_file(directory)
        try:
            entries = pickle.loads(path.read_bytes())
            self._cache.update(
                (str(key), found) for key, found in entries if isinstance(found, Understanding)
            )
        except FileNotFoundError:
            return 0
        except Exception:  # a damaged file is only an empty cache
            path.unlink(missing_ok=True)
            self._cache.clear()
            return 0
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return len(self._cache)


RECOGNITIONS_PREFIX = "recognitions-"
RECOGNITION_FILES = 4  # homes remembered side by side (a config switched back and forth stays warm)


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A hash of this package's source: new code never reuses what old code understood."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


MAX_CLAUSES = 3
# Intents of a clause that only names a target ("the lamp in the living room"), which is no command.
VERBLESS = frozenset({"followup_name", "followup_area"})
# Words that join a remark to a command: "… so the baby can sleep", "I'm off to bed and …".
REMARK_JOINERS = frozenset({"so", "and", "because", "cause", "cos", "since", "as", "but", "while"})
# Subjects, forms of "be" and modals: one of them makes words a clause of their own ("the baby can sleep").
CLAUSE_MARKERS = frozenset(
    {"i", "i'm", "i've", "i'll", "we", "we're", "we've", "we'll", "you", "you're", "he", "she", "they",
     "they're", "it's", "there's", "that's", "he's", "she's", "is", "are", "am", "was", "were", "can",
     "could", "will", "would", "should", "must", "need", "needs", "want", "wants", "have", "has", "had",
     "got", "feel", "feels", "let"}
)  # fmt: skip
# Subjects that open a remark said after a command with no joiner and no comma.
TELLING_SUBJECTS = SPEAKER_TELLS | {"it's", "there's"}
MAX_REMARKED_WORDS = 24  # longer utterances are not searched for a command among remarks
# Words that point at a device without naming it: a clause with one is about a device.
POINTERS = frozenset({"it", "them", "that", "those", "this", "these", "one", "ones", "everything"})
NEGATIONS = frozenset({"don't", "dont", "never", "doesn't", "shouldn't", "won't", "not", "no"})
# A word said as a clause of its own that only marks a turn in talk: no remark to weigh, no command.
INTERJECTIONS = frozenset({"sorry", "yeah", "yes", "ok", "okay", "right", "oh", "well", "so", "hmm", "um"})
# A remark that the speaker does not know something: its "not" denies nothing of the order beside it ("I
# don't know which button is which — can you turn on the coffee machine").
UNKNOWING: tuple[tuple[str, ...], ...] = (
    ("i", "don't", "know"), ("i", "dont", "know"), ("i", "do", "not", "know"), ("not", "sure"), ("i'm", "not",
    "sure"), ("i", "never", "know"), ("no", "idea"), ("i", "have", "no", "idea"), ("i've", "no", "idea"),
)  # fmt: skip


def _unknowing(clause: Sequence[str]) -> bool:
    """Whether a clause only says the speaker does not know something ("not sure what you call it"), with
    no device, order or negation of its own after that."""
    words = [w for w in clause if w not in ("but", "and", "so", "well", "oh")]
    for opener in UNKNOWING:
        size = len(opener)
        start = next((i for i in range(len(words) - size + 1) if tuple(words[i : i + size]) == opener), None)
        if start is not None:
            after = set(words[start + size :])
            return not (NEGATIONS & after) and not (ORDER_WORDS & after)
    return False


# Ways a command goes; a correction that swaps one for another turns the same command round.
_WAYS = frozenset({"up", "down", "on", "off"})


def _turned_round(repair: Repair, words: Sequence[str]) -> bool:
    """Whether `words` are the words taken back with only their last word, a way ("up"), said the other
    way ("down")."""
    before, after = repair.taken_back, repair.correction
    return (
        len(after) == 1
        and bool(before)
        and {before[-1], after[0]} <= _WAYS
        and before[-1] != after[0]
        and list(words) == [*before[:-1], after[0]]
    )


def _guessed_from_a_statement(match: IntentMatch, words: Sequence[str]) -> bool:
    """Whether the classifier read an order into a clause that tells of the speaker ("I'm on my last
    set"): too weak a reading to aim at a device another clause names."""
    return match.source == "classifier" and words[:1] != [] and words[0] in SPEAKER_TELLS


def _timer_named_alone(words: Sequence[str]) -> bool:
    """Whether a clause only names a timer: "the laundry timer", "my pasta timer"."""
    return 2 <= len(words) <= 4 and words[0] in ("the", "my", "that") and words[-1] in TIMER_WORDS


def _no_command(match: IntentMatch | None) -> bool:
    return match is None or match.intent in VERBLESS


def _replace_pronoun(words: Sequence[str], target: list[str]) -> list[str] | None:
    """The words with their one device pronoun ("it", "them") replaced by the target's words."""
    spots = [i for i, w in enumerate(words) if w in ("it", "them", "that", "this")]
    if len(spots) != 1:
        return None
    i = spots[0]
    return [*words[:i], *target, *words[i + 1 :]]


def _without_echoes(parts: tuple[IntentMatch, ...]) -> tuple[IntentMatch, ...]:
    """ "Too loud! Turn the tv down", "the speaker is too loud, turn it down": the same command said twice,
    once with its target and once without (or with a pronoun), is one command."""
    timed = [p for p in parts if p.intent == "start_timer" and not TIMER_SPANS.isdisjoint(p.slots)]
    if len(timed) == 1:
        # "quarter of an hour, set a timer": the timer asked for is the one whose length is said
        untimed = [p for p in parts if p.intent == "start_timer" and TIMER_SPANS.isdisjoint(p.slots)]
        names = {p.slots["timer_name"].value for p in (*timed, *untimed) if "timer_name" in p.slots}
        if untimed and len(names) <= 1:
            named = next((p for p in (*timed, *untimed) if "timer_name" in p.slots), None)
            slots = {**timed[0].slots, **({"timer_name": named.slots["timer_name"]} if named else {})}
            one = replace(timed[0], slots=slots)
            parts = tuple(one if p is timed[0] else p for p in parts if p not in untimed)
    kept: list[IntentMatch] = []
    for part in parts:
        twin = next((k for k in kept if _kind(k) == _kind(part)), None)
        if twin is not None and (_vague(part) or _vague(twin)) and _values(part) == _values(twin):
            if _vague(twin) and not _vague(part):
                kept[kept.index(twin)] = part
            elif not _vague(twin) and twin.intent != part.intent:
                continue  # the family of the named device decides: "turn it down" of a speaker is volume
            continue
        kept.append(part)
    return tuple(kept)


# How a remark on the weather or the room opens: "it's getting chilly", "it is so stuffy".
IMPERSONAL = (
    ("it's",), ("its",), ("it", "is"), ("it", "was"), ("it", "gets"), ("it", "got"),
    ("that's",), ("that", "is"),
)  # fmt: skip


def _other_verb_said(intent: str, tokens: Sequence[str]) -> bool:
    """Whether the tokens hold a word that orders something else than `intent` ("open" beside turn_on)."""
    own = POLARITY[intent][0] if intent in POLARITY else frozenset()
    # "same on the tv": "on" there says where, not what
    said = set(tokens) - own - ({"on"} if contains_run(tokens, ("same", "on")) else set())
    others = [
        words for other, (words, _) in POLARITY.items() if other not in (intent, *TIMER_INTENTS, "nevermind")
    ]
    return any(said & words for words in others)


# Verbs that open an order (after a joiner): a clause that starts with one is no remark.
ORDER_OPENERS = frozenset(
    {"set", "make", "put", "turn", "switch", "dim", "change", "lock", "unlock", "open", "close", "leave"}
)


def _opens_an_order(words: Sequence[str]) -> bool:
    """Whether the clause starts, after "and"/"then"/"also", with a verb that gives an order."""
    rest = list(itertools.dropwhile(lambda w: w in ("and", "then", "also", "so", "now"), words))
    return bool(rest) and rest[0] in ORDER_OPENERS


# Number words that start a value said alone ("no, twenty"); "a", "point", "oh" and such start other words.
_VALUE_STARTS = NUMBER_WORDS - {"a", "an", "and", "oh", "point", "minus", "negative", "hundred", "thousand",
                                "million", "billion"}  # fmt: skip


def _fully(match: IntentMatch, tokens: Sequence[str]) -> IntentMatch:
    """ "Open the blinds fully": a position of 100 said with "open" is opening (0 with "close", closing)."""
    position = match.slots.get("position")
    if match.intent != "set_position" or position is None:
        return match
    said = set(tokens)
    if position.value == 100 and "open" in said:
        intent = "open_cover"
    elif position.value == 0 and {"close", "shut"} & said:
        intent = "close_cover"
    else:
        return match
    return replace(match, intent=intent, slots={k: v for k, v in match.slots.items() if k != "position"})


def _room_temperature_without_unit(match: IntentMatch, tokens: Sequence[str]) -> bool:
    """Whether `match` is "make it <number>" read as the room's temperature with no unit said."""
    if tokens[:2] not in (["make", "it"], ["set", "it"], ["put", "it"]):
        return False
    return (
        match.intent == "set_temperature"
        and "name" not in match.slots
        and "area" not in match.slots
        and not {"degrees", "degree", "celsius", "fahrenheit"} & set(tokens)
    )


def _starts_an_order(word: str) -> bool:
    """Whether an order or a bare value may start with this word ("turn", "20", "twenty")."""
    return word in ORDER_OPENERS or word.isdigit() or word in _VALUE_STARTS


def _bare_value(words: Sequence[str]) -> bool:
    """Whether the words are only a number, perhaps with its unit ("20", "twenty percent")."""
    numbers = [w for w in words if w.isdigit() or (w in NUMBER_WORDS and w not in ("a", "an"))]
    return bool(numbers) and all(w in numbers or w in ("percent", "degrees", "and") for w in words)


def _trailing_number(tokens: Sequence[str]) -> list[str]:
    """The words of the number that ends the tokens ("twenty two" of "make it twenty two"), else the last."""
    for start in range(max(0, len(tokens) - 6), len(tokens)):
        parsed = parse_number(tokens, start)
        if parsed is not None and parsed[1] == len(tokens):
            return list(tokens[start:])
    return list(tokens[-1:])


def _timers_talked_of(tokens: list[str], history: Sequence[Turn]) -> list[str]:
    """Right after a timer was started in minutes, "and a garlic bread timer for 5" is 5 minutes too, and
    "cancel the pasta one" is the pasta timer: the words only the timer just talked about makes whole."""
    last = history[-1] if history else None
    if last is None or last.intent not in TIMER_INTENTS:
        return tokens
    if "one" in tokens[2:] and tokens[0] in ("cancel", "stop") and "timer" not in tokens:
        tokens = [("timer" if w == "one" and i > 1 else w) for i, w in enumerate(tokens)]
    duration = last.slots.get("duration")
    minutes = isinstance(duration, int | float) and duration % 60 == 0 and duration < 3600
    if minutes and "timer" in tokens and len(tokens) > 2 and tokens[-2] == "for":
        parsed = parse_number(tokens, len(tokens) - 1)
        if parsed is not None and parsed[1] == len(tokens):
            return [*tokens, "minutes"]
    return tokens


def _two_heard_as_too(tokens: list[str], history: Sequence[Turn]) -> list[str]:
    """ "Set the thermostat to twenty too" is 22 as a recogniser hears it, unless an earlier turn set
    something to 20: only then can "too" mean "as well"."""
    for i in range(1, len(tokens)):
        if tokens[i] != "too" or (i + 1 < len(tokens) and tokens[i + 1] not in VALUE_UNITS):
            continue
        tens = TENS.get(tokens[i - 1]) or (int(tokens[i - 1]) if tokens[i - 1] in _TENS_DIGITS else None)
        if tens is None:
            continue
        # slot values may be colours (dicts): compared, never hashed
        if not any(v == tens for turn in history for c in turn.commands for v in c.get("slots", {}).values()):
            return [*tokens[:i], "two", *tokens[i + 1 :]]
    return tokens


def _without_too(tokens: Sequence[str]) -> list[str] | None:
    """The tokens without a closing "too", "also" or "as well"; None when there is none."""
    if len(tokens) > 2 and tokens[-1] in ("too", "also"):
        return list(tokens[:-1])
    if len(tokens) > 3 and tokens[-2:] == ["as", "well"]:
        return list(tokens[:-2])
    return None


def _without_here(tokens: Sequence[str]) -> list[str] | None:
    """The tokens without a closing "in here"; None when there is none."""
    return list(tokens[:-2]) if len(tokens) > 3 and tokens[-2:] == ["in", "here"] else None


def _without_there(tokens: Sequence[str]) -> list[str] | None:
    """The tokens without a closing "in there"; None when there is none."""
    return list(tokens[:-2]) if len(tokens) > 3 and tokens[-2:] == ["in", "there"] else None


OPENED_AS_SWITCHED = {"open_cover": "turn_on", "close_cover": "turn_off"}
SWITCHED_TYPES = frozenset({"light", "switch", "fan", "media_player"})
# Every word that says an order ("open", "lock", "pause", …): a correction with one says something anew.
ORDER_WORDS = frozenset(w for said, _ in POLARITY.values() for w in said)
# Orders that already do what a complaint asks for ("too dark": switching a light on, or brighter).
SUPPORTED_BY: dict[str, frozenset[str]] = {
    "brightness_up": frozenset({"turn_on", "set_brightness", "brightness_up"}),
    "brightness_down": frozenset({"turn_off", "set_brightness", "brightness_down"}),
    "temperature_up": frozenset({"set_temperature", "temperature_up"}),
    "temperature_down": frozenset({"set_temperature", "temperature_down"}),
    "volume_up": frozenset({"set_volume", "volume_up"}),  # "too quiet, put it at 60"
    "volume_down": frozenset({"set_volume", "volume_down", "media_pause"}),
}


def _without_reasons(parts: tuple[IntentMatch, ...]) -> tuple[IntentMatch, ...]:
    """ "Bedroom fan off, it's getting chilly": a remark on the room ("it's …") that names nothing, said
    beside an order that names its device, is the order's reason, not a second order (a guess at what
    it wants, of the classifier's, or a complaint an order beside it answers); dropped. Never the only
    part, and never one that names a device. A complaint that names only a room ("it's dark in the office,
    turn the light on") gives the order its room."""
    reasons = [
        p
        for p in parts
        if (_vague(p) or _only_room_said(p))
        # opening the part, perhaps after one word of address ("sweetheart, that's far too loud"), or a
        # room said to be so ("the lounge is boiling")
        and (
            any(tuple(p.text.split()[k : k + len(o)]) == o for k in (0, 1) for o in IMPERSONAL)
            or (_only_room_said(p) and "is" in p.text.split()[1:4])
        )
        and (
            (p.source == "classifier" and _vague(p))
            # how a room feels, read by rewording ("it's stuffy in the bedroom"), beside an order on a
            # device said: why that is done, as it was when no layer read the complaint at all
            or (
                p.source == "fuzzy"
                and room_felt(p.text.split()) is not None
                and any(not _vague(n) for n in parts if n is not p)
            )
            # a complaint the templates read as an order of its own ("it's cold in here") is kept, unless
            # the order beside it already does what it asks ("it's pitch dark in here, put the light on")
            or (
                p.source in ("template", "classifier", "fuzzy")
                and any(_answers(n, p) for n in parts if n is not p)
            )
        )
    ]
    # an order on "it" names its device as well ("ugh, it's too loud, turn it off": the thing just on)
    named = [p for p in parts if p not in reasons and (not _vague(p) or "ref" in p.slots)]
    if not named or not reasons:
        return parts
    parts = tuple(_felt(p, reasons) if "ref" in p.slots else p for p in parts)
    rooms = {p.slots["area"].value for p in reasons if "area" in p.slots}
    room = next(iter(rooms)) if len(rooms) == 1 else None
    return tuple(
        replace(p, slots={**p.slots, "area": SlotValue(room, "")})
        if room is not None and not {"name", "area", "all"} & p.slots.keys()
        else p
        for p in parts
        if p not in reasons
    )


# Orders that answer how a room feels with another device: "it's stuffy in the bedroom, turn the fan on".
ANSWERED_BY_SWITCHING: dict[str, frozenset[str]] = {
    "temperature_up": frozenset({"turn_off", "close_cover"}),
    "temperature_down": frozenset({"turn_on", "open_cover"}),
}


_ANSWERING = {k: SUPPORTED_BY[k] | ANSWERED_BY_SWITCHING.get(k, frozenset()) for k in SUPPORTED_BY}


def _answers(order: IntentMatch, complaint: IntentMatch) -> bool:
    """Whether the order does what the complaint asks: a setting of its kind, or a device of another kind
    switched for a complaint that names no room ("ceiling fan on, it's hot as blazes"), or said by its
    kind only ("it's stuffy in the bedroom, turn the fan on": the fan there). A named device in another
    room than the one complained of ("bedroom fan off, it's chilly in the office") answers nothing."""
    if _vague(order):
        return False
    if order.intent in SUPPORTED_BY.get(complaint.intent, ()):
        return True
    where = "area" not in complaint.slots or not {"name", "area"} & order.slots.keys()
    return where and order.intent in ANSWERED_BY_SWITCHING.get(complaint.intent, ())


def _felt(order: IntentMatch, reasons: Sequence[IntentMatch]) -> IntentMatch:
    """ "It's way too loud, turn it down": a step on "it" takes the kind of the one step its reason asks for
    (the volume), and the reason's words, which say that kind when nothing was talked about before."""
    family = RELATIVE_FAMILIES.get(order.intent, {})
    felt = [r for r in reasons if family.get(DEFAULT_DOMAIN.get(r.intent, "")) == r.intent]
    if len(felt) != 1:
        return order
    return replace(order, intent=felt[0].intent, text=f"{felt[0].text}, {order.text}")


def _only_room_said(match: IntentMatch) -> bool:
    """Whether a command said a room and nothing else of its target ("it's dark in the office")."""
    return (
        "area" in match.slots
        and bool(match.slots["area"].text)
        and _vague(replace(match, slots={k: v for k, v in match.slots.items() if k != "area"}))
    )


def _value_over_vague_step(matches: tuple[IntentMatch, ...]) -> tuple[IntentMatch, ...]:
    """ "A bit less, say 70 percent": a step of no stated kind, then a value, is the value alone. "Too
    loud, make it 20": a step, then "make it <number>" with no unit, is that step's setting at the number
    (not the room's temperature)."""
    if any(m.intent == "followup_value" for m in matches[1:]) and matches[0].intent in ("more", "less"):
        return matches[1:]
    if len(matches) == 2 and matches[0].intent in DIRECTED_INTENTS:
        step, value = matches
        setting = RELATIVE_TO_SET.get(step.intent)
        said = tokenize(value.text)
        if (
            setting is not None
            and setting != "set_temperature"
            and _room_temperature_without_unit(value, said)
        ):
            slots = {k: v for k, v in step.slots.items() if k in TARGET_WORDS}
            slots[NUMBER_SLOTS[setting]] = value.slots["temperature"]
            return (replace(value, intent=setting, slots=slots),)
    return matches


def _value_over_step(matches: tuple[IntentMatch, ...]) -> tuple[IntentMatch, ...]:
    """ "That's too loud, put it at 30": a step and then a value for the same target are one wish, the
    value, set on the step's target ("it" there is what the step was about)."""
    if len(matches) < 2:
        return matches
    out: list[IntentMatch | None] = list(matches)
    for i, step in enumerate(matches):
        setting = RELATIVE_TO_SET.get(step.intent) if step.intent in DIRECTED_INTENTS else None
        later = next((j for j in range(i + 1, len(matches)) if _same_target(step, matches[j])), None)
        if setting is None or later is None:
            continue
        value = matches[later]
        if value.intent == "followup_value" and "value" in value.slots:
            slots = {k: v for k, v in step.slots.items() if k in TARGET_WORDS}
            slots[NUMBER_SLOTS[setting]] = value.slots["value"]
            out[later] = replace(value, intent=setting, slots=slots)
        elif value.intent != setting:
            continue
        out[i] = None
    return tuple(m for m in out if m is not None)


def _name_as_said(match: IntentMatch, changes: Sequence[tuple[str, str]]) -> IntentMatch:
    """A timer's name as said: any word names a timer, so "toast" is never the speller's "roast"."""
    name = match.slots.get("timer_name")
    said = next((a for a, b in changes if name is not None and b == name.value), None)
    if said is None or name is None:
        return match
    return replace(match, slots={**match.slots, "timer_name": SlotValue(said, said)})


def _same_target(a: IntentMatch, b: IntentMatch) -> bool:
    """Whether two matches name their devices alike: the same devices, or the same words for them."""
    if _device_ids(a) and _device_ids(a) == _device_ids(b):
        return True
    said = ("domain", "area", "plural", "all")
    return not _device_ids(a) and {k: a.slots[k].value for k in said if k in a.slots} == {
        k: b.slots[k].value for k in said if k in b.slots
    }


def _device_ids(match: IntentMatch) -> frozenset[str]:
    said = match.slots.get("devices") or match.slots.get("name")
    return frozenset(said.value) if said is not None and isinstance(said.value, tuple) else frozenset()


def _kind(match: IntentMatch) -> str:
    """The intent, with relative changes by direction: "turn it down" is brightness or volume by device."""
    if match.intent in RELATIVE_FAMILIES:
        return match.intent.rsplit("_", 1)[-1]
    return match.intent


def _vague(match: IntentMatch) -> bool:
    """Whether a command said nothing of its target: only fixed slots or a pronoun chose it."""
    said = any(match.slots[k].text for k in ("name", "area", "domain", "devices") if k in match.slots)
    return not said


def _values(match: IntentMatch) -> dict[str, object]:
    return {k: v.value for k, v in match.slots.items() if k not in TARGET_WORDS}


TARGET_WORDS = frozenset({"name", "area", "domain", "all", "plural", "ref", "devices", "there", "here"})


def _an_order(match: IntentMatch | None, tokens: Sequence[str]) -> IntentMatch | None:
    """The match, unless it would act on words that are no order."""
    if (
        match is not None
        and acts(match.intent)
        and not_an_order(tokens, timed=match.intent not in TIMER_INTENTS) is not None
    ):
        return None
    return match


def _exclaims(tokens: Sequence[str]) -> bool:
    """Whether the words exclaim ("what a day", "what an evening") rather than ask or order."""
    return any(w == "what" and nxt in ("a", "an") for w, nxt in itertools.pairwise(tokens))


def _timer_said(match: IntentMatch, tokens: Sequence[str]) -> bool:
    """Whether a timer was asked for, so the time said is its duration: a timer intent read from a timer's
    own sentence (as said or spell-corrected), or guessed with "timer" (or a misheard "time") said.
    "Turn it off in ten minutes", guessed as a timer, is an order for later, which Hearth cannot do."""
    said = TIMER_WORDS & set(tokens) or "time" in tokens
    return match.intent in TIMER_INTENTS and (match.source != "classifier" or bool(said))


def _says_more(whole: IntentMatch, part: IntentMatch) -> bool:
    """Whether a reading of the whole utterance is the part's command with more slots said, and the
    same values for those the part has."""
    return (
        whole.intent == part.intent
        and whole.slots.keys() > part.slots.keys()
        and all(whole.slots[k].value == v.value for k, v in part.slots.items())
    )


def _named(match: IntentMatch) -> bool:
    """Whether a match names its devices or room in words said (not a type its template fixed)."""
    return any(k in match.slots and match.slots[k].text for k in ("name", "area", "devices"))


def _has_target(match: IntentMatch) -> bool:
    return bool(TARGET_WORDS & match.slots.keys())


def _target_text(match: IntentMatch) -> str:
    said = [match.slots[k].text for k in ("name", "domain", "devices") if k in match.slots]
    return next((t for t in said if t), "both")


def _specificity(match: IntentMatch) -> int:
    """How precisely a command says its target: a name, a room, or nothing (the room's devices)."""
    if "name" in match.slots or "devices" in match.slots:
        return 2
    return 1 if "area" in match.slots else 0


def _same_command(a: IntentMatch, b: IntentMatch) -> bool:
    keys = ("name", "area", "domain")
    return a.intent == b.intent and all(
        (a.slots[k].value if k in a.slots else None) == (b.slots[k].value if k in b.slots else None)
        for k in keys
    )


NEED_DURATION = "need-duration"
_TIMER_STARTS = frozenset({"set", "start", "create", "make", "add"})
_TIMER_ARTICLES = frozenset({"a", "an", "the", "another", "new", "my"})


def _timer_without_length(tokens: Sequence[str]) -> Understanding | None:
    """ "Set a timer", "start a pasta timer": no length said, so the question "for how long?", with the
    timer (and its name) kept until it is answered. None for anything else."""
    words = [w for w in tokens if w not in ("please", "up", "new")]
    if len(words) < 3 or words[0] not in _TIMER_STARTS or words[1] not in _TIMER_ARTICLES:
        return None
    if words[-1] not in TIMER_WORDS or len(words) > 5:
        return None
    name = words[2:-1]
    if any(w in NOT_TIMER_NAMES or w.isdigit() or w in NUMBER_WORDS or w in TIMER_WORDS for w in name):
        return None
    slots = {"timer_name": SlotValue(" ".join(name), " ".join(name))} if name else {}
    pending = IntentMatch("start_timer", slots, " ".join(tokens), 1.0, "template")
    return Understanding(question=NEED_DURATION, pending=pending, layer="template")


def timer_duration(match: IntentMatch) -> IntentMatch:
    """Fold "1 hour 30 minutes" slots into one `duration` slot in seconds."""
    if not UNIT_SECONDS.keys() & match.slots.keys():
        return match
    slots = dict(match.slots)
    total = slots.pop("duration").value if "duration" in slots else 0
    said = []
    for unit, factor in UNIT_SECONDS.items():
        if unit in slots:
            part = slots.pop(unit)
            total += part.value * factor
            said.append(part.text)
    slots["duration"] = SlotValue(int(total), " ".join(said))
    return replace(match, slots=slots)


# Words before "timer" that say which kind of timer, not what it is for ("a new timer", "a ten minute timer").
NOT_TIMER_NAMES = frozenset(
    {"a", "an", "the", "my", "our", "this", "that", "new", "another", "other", "quick", "short", "long",
     "second", "first", "next", "last", "same", "minute", "minutes", "hour", "hours", "seconds", "one",
     "all", "any", "every", "each", "no"}
)  # fmt: skip
ARTICLES = frozenset({"a", "an", "the", "my", "our"})


def timer_named(match: IntentMatch, said: Sequence[str] | None = None) -> IntentMatch:
    """A timer's name said before "timer" though no template lists it: "start a lasagne timer" names
    the timer "lasagne"; a name the templates know keeps the word said before it ("a garlic bread
    timer"). `said`: the words of the whole utterance when it holds this one command, else the match's
    own words are searched."""
    if match.intent not in TIMER_INTENTS:
        return match
    words = list(said) if said is not None else tokenize(match.text, strip_phrases=False)
    name = _timer_name_said(words)
    known = match.slots.get("timer_name")
    if name is None or (known is not None and not name.endswith(f" {known.value}")):
        return match
    return replace(match, slots={**match.slots, "timer_name": SlotValue(name, name)})


def _timer_name_said(words: Sequence[str]) -> str | None:
    """The word or two between an article and "timer" ("a lasagne timer", "a garlic bread timer"), or the
    word after "for the" at the end ("a ninety second timer for the bottle"); None when there is none."""
    for i, word in enumerate(words):
        if word not in TIMER_WORDS:
            continue
        for size in (2, 1):
            name = words[max(0, i - size) : i]
            # after an article, or after the length said first ("a 25 min practice timer")
            opener = words[i - size - 1] if i - size >= 1 else ""
            if (opener in ARTICLES or opener in TIME_UNITS) and all(_timer_word(w) for w in name):
                return " ".join(name)
        called = words[i + 1 : i + 3]
        if len(called) == 2 and called[0] in ("called", "named") and _timer_word(called[1]):
            return called[1]  # "a timer called standup for 25 minutes"
        last = words[i + 1 :][-3:]
        if len(last) == 3 and last[:2] == ["for", "the"] and _timer_word(last[2]):
            return last[2]
    return None


def _timer_word(word: str) -> bool:
    return word.isalpha() and not {word} & (NOT_TIMER_NAMES | NUMBER_WORDS | TIMER_WORDS)


def _only_swaps(changes: Sequence[tuple[str, str]]) -> bool:
    """Whether every correction swapped two neighbouring letters of a word ("donw" → "down"), nothing more."""
    return bool(changes) and all(_swapped(said, fixed) for said, fixed in changes)


def _swapped(said: str, fixed: str) -> bool:
    differ = [i for i, (a, b) in enumerate(zip(said, fixed, strict=False)) if a != b]
    return (
        len(said) == len(fixed)
        and len(differ) == 2
        and differ[1] == differ[0] + 1
        and said[differ[0]] == fixed[differ[1]]
        and said[differ[1]] == fixed[differ[0]]
    )


def comma_boundaries(text: str, count: int) -> tuple[int, ...]:
    """Token indexes where a comma, semicolon, dash, colon or full stop separated the text (they vanish in
    tokens)."""
    pieces = re.split(r"[,;!?\u2014\u2013\u2026\u2192]|:(?!\d)|\s-+\s|\.(?!\d)", text)
    if len(pieces) < 2:
        return ()
    lengths = [len(tokenize(piece, strip_phrases=False)) for piece in pieces]
    cuts = tuple(itertools.accumulate(lengths[:-1]))
    if sum(lengths) == count:
        return cuts
    # Phrases were stripped at the edges ("hold on, pause the tv, …"): shift the cuts by what went first.
    full = tokenize(text, strip_phrases=False)
    kept = strip_edge_phrases(list(full))
    if sum(lengths) != len(full) or len(kept) != count:
        return ()
    offset = next((k for k in range(len(full) - count + 1) if full[k : k + count] == kept), None)
    if offset is None:
        return ()  # a phrase was rewritten, not only dropped: positions would not line up
    return tuple(c - offset for c in cuts if 0 < c - offset < count)


SingleParser = Callable[[Sequence[str]], IntentMatch | None]
