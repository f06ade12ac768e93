"""Layered understanding: cache, templates, spelling-corrected templates, split commands, classifier, context.

Each layer answers only when it is sure enough; otherwise the next one tries. The result says which layer
answered (`source` of each match) so the hub can report it and benchmarks can time it.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .classify import ClassifierLayer
from .context import Turn
from .document import IntentData
from .followup import FollowUps, IntentTypes
from .model import AreaName, EntityName, IntentMatch, SlotValue
from .normalize import tokenize
from .recognizer import TemplateRecognizer
from .speller import SpellCorrector
from .split import CommandSplitter
from .targets import EntityIndex
from .vocabulary import template_words

# Intents whose meaning depends on earlier turns; their results are never cached.
CONTEXT_INTENTS = frozenset({"repeat", "undo", "followup_area", "followup_name"})
# Common speech-recognition slips worth fixing before anything else ("turn of the light" means off).
ASR_FIXES: dict[tuple[str, str], tuple[str, str]] = {
    ("turn", "of"): ("turn", "off"),
    ("switch", "of"): ("switch", "off"),
    ("turned", "of"): ("turned", "off"),
}


# Words speech recognisers put in place of command words. Only used when the rewritten sentence then
# parses with the templates, so a real "read" or "clothes" elsewhere changes nothing.
HOMOPHONES: dict[str, str] = {
    "clothes": "close",
    "closed": "close",
    "paws": "pause",
    "pores": "pause",
    "blew": "blue",
    "read": "red",
    "hi": "high",
    "too": "to",
    "lite": "light",
    "lamb": "lamp",
    "won": "one",
}
# Homophones that only hold in one place: "of" for "off" at the end ("turn the tv of"), "lock" for
# "locked" at the end of a question ("is the front door lock").
LAST_WORD_HOMOPHONES: dict[str, str] = {"of": "off", "lock": "locked"}


def sound_alike(tokens: Sequence[str]) -> list[str]:
    """The tokens with command-word homophones replaced ("paws the tv" → "pause the tv")."""
    out = [HOMOPHONES.get(t, t) for t in tokens]
    if out:
        out[-1] = LAST_WORD_HOMOPHONES.get(out[-1], out[-1])
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


def fix_asr(tokens: list[str]) -> list[str]:
    """Repair word pairs speech recognisers often get wrong."""
    for i in range(len(tokens) - 1):
        fixed = ASR_FIXES.get((tokens[i], tokens[i + 1]))
        if fixed is not None:
            tokens[i], tokens[i + 1] = fixed
    return tokens


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
    ) -> None:
        self.data = data
        self.recognizer = TemplateRecognizer(data, entities, areas)
        self.index = EntityIndex(entities)
        words = template_words(data)
        names = {w for e in entities for n in e.names for w in tokenize(n, strip_phrases=False)}
        names |= {w for a in areas for n in a.names for w in tokenize(n, strip_phrases=False)}
        # Command words only: a misspelt name goes to the linker, whose margin rule asks "did you mean the
        # bedroom or the bathroom light?" instead of correcting to whichever is one letter closer.
        self.speller = SpellCorrector(words, keep=names)
        self.classifier = classifier
        self.followups = FollowUps(self.index, areas, intent_types)
        area_names = [tuple(tokenize(n, strip_phrases=False)) for a in areas for n in a.names]
        self.splitter = CommandSplitter(data, area_names, names - words)
        self._area_ids = {a.id for a in areas}
        self._cache: OrderedDict[str, Understanding] = OrderedDict()
        self._cache_size = cache_size

    def understand(
        self, text: str, history: Sequence[Turn] = (), client_area: str | None = None
    ) -> Understanding:
        """Understand `text` in the light of the session's recent turns (oldest first)."""
        tokens = fix_asr(tokenize(text))
        if not tokens:
            return Understanding()
        if history and history[-1].question:
            answered = self.followups.answer(tokens, history[-1], self._single_tokens)
            if answered is not None:
                return Understanding((answered,), layer="context")
        found = self._context_free(tokens, text)
        if not found.matches:
            return found
        resolved = self.followups.resolve(found, history, client_area)
        return replace(resolved, matches=tuple(timer_duration(m) for m in resolved.matches))

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
        corrected = self.speller.correct(tokens)
        if corrected.changes:
            match = self.recognizer.recognize_tokens(corrected.tokens, text)
            if match is not None:
                fuzzy = replace(match, confidence=corrected.confidence, source="fuzzy")
                return Understanding((fuzzy,), layer="fuzzy", corrected=corrected.changes)
        heard = sound_alike(corrected.tokens)
        if heard != list(corrected.tokens):
            match = self.recognizer.recognize_tokens(heard, text)
            if match is not None:
                fuzzy = replace(match, confidence=corrected.confidence * 0.9, source="fuzzy")
                return Understanding((fuzzy,), layer="fuzzy", corrected=corrected.changes)
        boundaries = comma_boundaries(text, len(tokens))
        parts = self.splitter.split(
            corrected.tokens, self._single_tokens, boundaries, strict=self._exact_tokens
        )
        if parts is not None:
            return Understanding(parts, layer="split", corrected=corrected.changes)
        if self.splitter.joined(corrected.tokens, boundaries):
            return Understanding()  # several commands, not all understood: do none rather than a wrong one
        if self.classifier is not None:
            # The original words: the linker copes with misspelt names itself, and a speller's guess at an
            # ordinary word ("did" → "dim") must not steer the classifier.
            return self.classifier.classify(tokens, text)
        return Understanding()

    def _exact_tokens(self, tokens: Sequence[str]) -> IntentMatch | None:
        """One command from tokens, templates only (exact or spell-corrected)."""
        match = self.recognizer.recognize_tokens(tokens)
        if match is not None:
            return match
        corrected = self.speller.correct(tokens)
        if not corrected.changes:
            return None
        match = self.recognizer.recognize_tokens(corrected.tokens)
        return None if match is None else replace(match, confidence=corrected.confidence, source="fuzzy")

    def _single_tokens(self, tokens: Sequence[str]) -> IntentMatch | None:
        """One command from tokens with every context-free layer (used for split parts and answers)."""
        match = self._exact_tokens(tokens)
        if match is not None:
            return match
        if self.classifier is not None:
            found = self.classifier.classify(list(tokens), " ".join(tokens))
            if len(found.matches) == 1:
                return found.matches[0]
        return None

    def _remember(self, key: str, found: Understanding) -> None:
        self._cache[key] = found
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


UNIT_SECONDS = {"hours": 3600, "minutes": 60, "seconds": 1}


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


def comma_boundaries(text: str, count: int) -> tuple[int, ...]:
    """Token indexes where a comma or semicolon separated the text (commas vanish in tokens)."""
    pieces = re.split(r"[,;]", text)
    if len(pieces) < 2:
        return ()
    lengths = [len(tokenize(piece, strip_phrases=False)) for piece in pieces]
    if sum(lengths) != count:
        return ()  # leading or trailing phrases were stripped: positions would not line up
    return tuple(itertools.accumulate(lengths[:-1]))


SingleParser = Callable[[Sequence[str]], IntentMatch | None]
