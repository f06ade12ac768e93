"""Template recognition: utterance text in, the best complete parse as an IntentMatch out (or None)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .document import IntentData, IntentDocument, load_builtin, merge, parse_intent_document
from .grammar import Accept, MatchFn, PhraseMatcher, RangeMatcher, compile_grammar, value_of
from .model import AreaName, EntityName, IntentMatch, SlotValue
from .normalize import tokenize
from .numbers import ONES, TEENS, TENS, number_to_words
from .partial import partial_names
from .vocabulary import template_words

# A slot filled on the way: (slot name, list name, matched value, start token, end token).
Binding = tuple[str, str, Any, int, int]
# (literal tokens, name tokens, -number of slots, -priority): the larger, the better the parse.
Score = tuple[int, int, int, int]

# Paths explored per utterance at most; real grammars need tens, this only stops pathological input.
# Type words that are verbs too: first in a sentence without an article, they are the verb. Narrower than
# the classifier's VERB_TYPE_WORDS: "light off" and "fan on" name their device.
VERBS_BEFORE_TARGETS = frozenset({"switch", "switches", "lock", "locks", "plug", "plugs"})

MAX_STEPS = 20_000


# Single-word numbers, so "Lamp 2" can be called "lamp two" and "Bedroom Two" "bedroom 2".
_WORD_NUMBERS = {**ONES, **TEENS, **TENS}
_ARTICLES = frozenset({"the", "my"})
MAX_VARIANTS = 8  # per name: bounds the work for names full of numbers


def spoken_variants(name: str) -> list[tuple[str, ...]]:
    """The token sequences a name can be said as: as written, numbers as digits or words, no leading "the"."""
    options: list[list[tuple[str, ...]]] = []
    for token in tokenize(name, strip_phrases=False):
        choices: list[tuple[str, ...]] = [(token,)]
        if token.isdigit() and len(token) <= 6:
            choices.append(tuple(number_to_words(int(token)).split()))
        elif token in _WORD_NUMBERS:
            choices.append((str(_WORD_NUMBERS[token]),))
        options.append(choices)
    if not options:
        return []
    variants = []
    for combination in itertools.islice(itertools.product(*options), MAX_VARIANTS):
        phrase = tuple(itertools.chain.from_iterable(combination))
        variants.append(phrase)
        if phrase[0] in _ARTICLES and len(phrase) > 1:
            variants.append(phrase[1:])
    return variants


def name_matcher(
    entities: Sequence[EntityName], partial: Mapping[tuple[str, ...], tuple[str, ...]] | None = None
) -> PhraseMatcher:
    """Device names and aliases in a token trie; a phrase shared by several devices yields all their ids.

    `partial` adds partial names ("the strip"), never in place of a real name or alias.
    """
    ids_by_phrase: dict[tuple[str, ...], list[str]] = {}
    for entity in entities:
        for name in entity.names:
            for phrase in spoken_variants(name):
                ids = ids_by_phrase.setdefault(phrase, [])
                if entity.id not in ids:
                    ids.append(entity.id)
    for phrase, shared in (partial or {}).items():
        ids_by_phrase.setdefault(phrase, list(shared))
    return PhraseMatcher((phrase, tuple(ids)) for phrase, ids in ids_by_phrase.items())


def area_matcher(areas: Sequence[AreaName]) -> PhraseMatcher:
    """Area names and aliases in a token trie; if two areas share a name the first one listed wins."""
    return PhraseMatcher(
        (phrase, area.id) for area in areas for name in area.names for phrase in spoken_variants(name)
    )


def _edge_parts(matcher: PhraseMatcher | RangeMatcher) -> tuple[dict[str, Any] | None, MatchFn]:
    if isinstance(matcher, PhraseMatcher):
        return matcher.root.children, matcher.match
    return None, matcher.match


class TemplateRecognizer:
    """Matches utterances against the compiled templates of `data` for one home's devices and areas.

    Construction builds the name and area tries (linear in the number of names); the grammar itself
    is compiled once per data fingerprint and shared. Matching walks the automaton token by token, so
    its cost depends on the utterance, not on the number of devices or sentences.
    """

    def __init__(
        self,
        data: IntentData,
        entities: Sequence[EntityName],
        areas: Sequence[AreaName],
        *,
        partial: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        self.data = data
        grammar = compile_grammar(data, cache_dir)
        matchers: dict[str, PhraseMatcher | RangeMatcher] = dict(grammar.matchers)
        shorter = partial_names(entities, areas, template_words(data)) if partial else None
        matchers["name"] = name_matcher(entities, shorter)
        matchers["area"] = area_matcher(areas)
        self._types = {entity.id: entity.type for entity in entities}
        edges = {lst: _edge_parts(matcher) for lst, matcher in matchers.items()}
        # Slot edges carry their bound match function and, for phrase lists, the tokens a phrase can
        # start with: most edges fail on the first token, and a set lookup is cheaper than a call.
        self._states = [
            (words, tuple((slot, lst, *edges[lst], target) for lst, slot, target in slot_edges), accepts)
            for words, slot_edges, accepts in grammar.states
        ]

    def recognize(self, text: str) -> IntentMatch | None:
        """The best complete parse of `text`, or None when no template matches all of it."""
        return self.recognize_tokens(tokenize(text), text)

    def recognize_tokens(self, tokens: Sequence[str], text: str = "") -> IntentMatch | None:
        """Like `recognize`, for tokens already normalised (e.g. spell-corrected or split off)."""
        tokens = list(tokens)
        if not tokens:
            return None
        best = self._search(tokens)
        if best is None:
            return None
        accept, bindings = best
        # Fixed slots of a sentence group were not said, so their text is empty.
        slots = {key: SlotValue(value, "") for key, value in accept.slots.items()}
        for slot, _lst, value, start, end in bindings:
            if slot == "domain" and start == 0 and tokens[0] in VERBS_BEFORE_TARGETS:
                return None  # "switch off" orders something off; it does not name the switch
            slots[slot] = SlotValue(value, " ".join(tokens[start:end]))
        return IntentMatch(accept.intent, slots, text or " ".join(tokens), 1.0, "template")

    def _search(self, tokens: list[str]) -> tuple[Accept, tuple[Binding, ...]] | None:
        """Depth-first over the automaton; keeps the best-scoring complete parse."""
        n = len(tokens)
        states = self._states
        best: tuple[Accept, tuple[Binding, ...]] | None = None
        best_score: Score | None = None
        stack: list[tuple[int, int, tuple[Binding, ...]]] = [(0, 0, ())]
        steps = 0
        while stack and steps < MAX_STEPS:
            steps += 1
            state, pos, bindings = stack.pop()
            words, slot_edges, accepts = states[state]
            if pos == n:
                if accepts:
                    found = self._accept(accepts, bindings, n, best_score)
                    if found is not None:
                        best_score, best = found[0], (found[1], found[2])
                continue
            token = tokens[pos]
            following = words.get(token)
            if following is not None:
                stack.append((following, pos + 1, bindings))
            for slot, lst, first, match, target in slot_edges:
                if first is not None and token not in first:
                    continue
                for value, end in match(tokens, pos):
                    stack.append((target, end, (*bindings, (slot, lst, value, pos, end))))
        return best

    def _accept(
        self, accepts: tuple[Accept, ...], bindings: tuple[Binding, ...], n: int, best: Score | None
    ) -> tuple[Score, Accept, tuple[Binding, ...]] | None:
        """Score a complete parse; the first accept (best ranked) whose type restriction holds wins."""
        slot_tokens = name_tokens = 0
        for _slot, lst, _value, start, end in bindings:
            slot_tokens += end - start
            if lst == "name":
                name_tokens += end - start
        for accept in accepts:
            score: Score = (n - slot_tokens, name_tokens, -len(bindings), -accept.priority)
            if best is not None and score <= best:
                return None  # later accepts rank lower still
            restricted = self._restrict(accept, bindings)
            if restricted is not None:
                return score, accept, restricted
        return None

    def _restrict(self, accept: Accept, bindings: tuple[Binding, ...]) -> tuple[Binding, ...] | None:
        """Apply the accept's type restriction: narrow named ids, check the domain; None when it fails."""
        domains = accept.requires_domain
        result = []
        for slot, lst, raw, start, end in bindings:
            value = value_of(raw)
            if domains and lst == "name":
                value = tuple(i for i in value if self._types.get(i) in domains)
                if not value:
                    return None
            elif domains and slot == "domain" and value not in domains:
                return None
            result.append((slot, lst, value, start, end))
        return tuple(result)


__all__ = [
    "IntentData",
    "IntentDocument",
    "TemplateRecognizer",
    "area_matcher",
    "load_builtin",
    "merge",
    "name_matcher",
    "parse_intent_document",
    "spoken_variants",
]
