"""Compile merged intent data into a token-level DFA whose edges are words or slot lists, once per data."""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cachefiles import pickled, write_atomic
from .document import IntentData, ListValue, RangeList, Sentence, SentenceGroup, SlotList
from .numbers import Number, parse_number
from .templates import Node, RuleRef, Seq, SlotRef, Template, Word

# One way a slot list can consume tokens at a position: (slot value, end index), longest last.
Matches = list[tuple[Any, int]]
MatchFn = Callable[[Sequence[str], int], Matches]


class TrieNode:
    """A node of a token trie: children by token, and the value of the phrase ending here."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[str, TrieNode] = {}
        self.value: Any = None


class PhraseMatcher:
    """Phrases (names, list values) in a dict-of-dicts token trie: matching costs O(phrase length)."""

    def __init__(self, phrases: Iterable[tuple[Sequence[str], Any]] = ()) -> None:
        self.root = TrieNode()
        for tokens, value in phrases:
            self.add(tokens, value)

    def add(self, tokens: Sequence[str], value: Any) -> None:
        """Add a phrase; the first value given for a phrase is kept (values must not be None)."""
        node = self.root
        for token in tokens:
            node = node.children.setdefault(token, TrieNode())
        if node.value is None:
            node.value = value

    def match(self, tokens: Sequence[str], pos: int) -> Matches:
        """Every phrase that starts at `pos`, as (value, end)."""
        found: Matches = []
        node = self.root
        n = len(tokens)
        while pos < n:
            child = node.children.get(tokens[pos])
            if child is None:
                break
            node, pos = child, pos + 1
            if node.value is not None:
                found.append((node.value, pos))
        return found


class RangeMatcher:
    """A number (digits or words) that must fall inside a range."""

    def __init__(self, spec: RangeList) -> None:
        self.spec = spec

    def match(self, tokens: Sequence[str], pos: int) -> Matches:
        """The longest number at `pos`, if it is in range."""
        parsed = parse_number(tokens, pos)
        if parsed is None:
            return []
        value: Number | None = self.spec.accept(parsed[0])
        return [] if value is None else [(value, parsed[1])]


def list_matcher(spec: SlotList) -> PhraseMatcher | RangeMatcher:
    """The matcher of a YAML-defined list."""
    if isinstance(spec, RangeList):
        return RangeMatcher(spec)
    return PhraseMatcher((v.tokens, _Boxed(v)) for v in spec.values)


@dataclass(frozen=True, slots=True)
class _Boxed:
    """Wraps a list value so a falsy or None `out` still counts as a match in the trie."""

    item: ListValue


@dataclass(frozen=True, slots=True)
class Accept:
    """A sentence that ends in a state: its intent, fixed slots, type restriction and rank (lower wins)."""

    intent: str
    slots: Mapping[str, Any]
    requires_domain: frozenset[str]
    priority: int


# A DFA state: word edges, slot edges (list name, slot name, target) and accepted sentences best first.
State = tuple[dict[str, int], tuple[tuple[str, str, int], ...], tuple[Accept, ...]]


@dataclass(frozen=True, slots=True)
class Grammar:
    """The compiled automaton (state 0 is the start) and the matchers of the YAML lists."""

    states: tuple[State, ...]
    matchers: Mapping[str, PhraseMatcher | RangeMatcher]
    nfa_size: int


class _Nfa:
    """Thompson construction: every template becomes a chain of states hanging off the start state 0."""

    def __init__(self, rules: Mapping[str, Template]) -> None:
        self.rules = rules
        self.eps: list[list[int]] = [[]]
        self.words: list[list[tuple[str, int]]] = [[]]
        self.slots: list[list[tuple[str, str, int]]] = [[]]
        self.accepts: dict[int, Accept] = {}

    def new(self) -> int:
        self.eps.append([])
        self.words.append([])
        self.slots.append([])
        return len(self.eps) - 1

    def build(self, node: Node, state: int) -> int:
        """Add `node` starting at `state`; returns the state where it ends."""
        if isinstance(node, Word):
            end = self.new()
            self.words[state].append((node.text, end))
            return end
        if isinstance(node, SlotRef):
            end = self.new()
            self.slots[state].append((node.list_name, node.slot_name, end))
            return end
        if isinstance(node, RuleRef):
            return self.build(self.rules[node.name].root, state)
        if isinstance(node, Seq):
            for item in node.items:
                state = self.build(item, state)
            return state
        # Options hang off the same state: the automaton has no cycles, so they cannot leak into each other.
        end = self.new()
        for option in node.options:
            self.eps[self.build(option, state)].append(end)
        return end


class _Determinizer:
    """Subset construction over the NFA; slot edges are labelled by (list, slot) like words by text."""

    def __init__(self, nfa: _Nfa) -> None:
        self.nfa = nfa
        self.closures: dict[int, frozenset[int]] = {}
        self.ids: dict[frozenset[int], int] = {}
        self.sets: list[frozenset[int]] = []

    def closure_of(self, state: int) -> frozenset[int]:
        cached = self.closures.get(state)
        if cached is None:
            seen, stack = {state}, [state]
            while stack:
                for nxt in self.nfa.eps[stack.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            cached = self.closures[state] = frozenset(seen)
        return cached

    def state_id(self, targets: Iterable[int]) -> int:
        closed = frozenset().union(*(self.closure_of(t) for t in targets))
        found = self.ids.get(closed)
        if found is None:
            found = self.ids[closed] = len(self.sets)
            self.sets.append(closed)
        return found

    def run(self) -> tuple[State, ...]:
        self.state_id([0])
        states: list[State] = []
        while len(states) < len(self.sets):
            members = self.sets[len(states)]
            words: dict[str, list[int]] = {}
            slots: dict[tuple[str, str], list[int]] = {}
            for s in members:
                for word, target in self.nfa.words[s]:
                    words.setdefault(word, []).append(target)
                for list_name, slot_name, target in self.nfa.slots[s]:
                    slots.setdefault((list_name, slot_name), []).append(target)
            accepts = sorted((self.nfa.accepts[s] for s in members if s in self.nfa.accepts), key=_rank)
            states.append(
                (
                    {word: self.state_id(ts) for word, ts in words.items()},
                    tuple((ls[0], ls[1], self.state_id(ts)) for ls, ts in slots.items()),
                    tuple(_unique(accepts)),
                )
            )
        return tuple(states)


def _rank(accept: Accept) -> int:
    return accept.priority


def _unique(accepts: list[Accept]) -> list[Accept]:
    """Drop accepts that repeat a better-ranked one (same intent, slots and restriction)."""
    seen: list[tuple[str, Mapping[str, Any], frozenset[str]]] = []
    kept = []
    for accept in accepts:
        key = (accept.intent, accept.slots, accept.requires_domain)
        if key not in seen:
            seen.append(key)
            kept.append(accept)
    return kept


def _ranked_sentences(data: IntentData) -> list[tuple[str, SentenceGroup, Sentence]]:
    """All sentences, best rank first: later documents, then type-restricted groups, then file order."""
    keyed: list[tuple[tuple[int, int, int], tuple[str, SentenceGroup, Sentence]]] = []
    for intent, definition in data.intents.items():
        for group in definition.groups:
            for sentence in group.sentences:
                key = (-sentence.document, 0 if group.requires_domain else 1, len(keyed))
                keyed.append((key, (intent, group, sentence)))
    keyed.sort(key=lambda item: item[0])
    return [item for _, item in keyed]


def _compile(data: IntentData) -> Grammar:
    nfa = _Nfa(data.expansion_rules)
    for priority, (intent, group, sentence) in enumerate(_ranked_sentences(data)):
        end = nfa.build(sentence.template.root, 0)
        nfa.accepts[end] = Accept(intent, group.slots, group.requires_domain, priority)
    states = _Determinizer(nfa).run()
    return Grammar(states, _matchers(data), len(nfa.eps))


def _matchers(data: IntentData) -> dict[str, PhraseMatcher | RangeMatcher]:
    return {name: list_matcher(spec) for name, spec in data.lists.items()}


_CACHE: dict[str, Grammar] = {}
_CACHE_SIZE = 4
CACHE_PREFIX = "template-grammar-"


def compile_grammar(data: IntentData, cache_dir: Path | None = None) -> Grammar:
    """The grammar of `data`, compiled once per fingerprint (it does not depend on the devices).

    With `cache_dir`, the automaton is also kept on disk, so a restart with unchanged templates loads it
    instead of compiling again; device names are not part of it, so renaming a device keeps it.
    """
    key = data.fingerprint()
    grammar = _CACHE.get(key)
    if grammar is None:
        grammar = _load_or_compile(data, key, cache_dir)
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = grammar
    return grammar


def grammar_file(cache_dir: Path, fingerprint: str) -> Path:
    """Where the compiled automaton of templates with this fingerprint is kept."""
    # The compiler's own source is part of the key: a changed compiler never loads an old automaton.
    digest = hashlib.sha256(fingerprint.encode())
    for module in _COMPILER_SOURCES:
        digest.update(module.read_bytes())
    return cache_dir / f"{CACHE_PREFIX}{digest.hexdigest()[:20]}.pickle"


_COMPILER_SOURCES = (Path(__file__), Path(__file__).with_name("templates.py"))


def _load_or_compile(data: IntentData, key: str, cache_dir: Path | None) -> Grammar:
    path = None if cache_dir is None else grammar_file(cache_dir, key)
    if path is not None and path.is_file():
        try:
            states, nfa_size = pickle.loads(path.read_bytes())
            return Grammar(states, _matchers(data), nfa_size)
        except Exception:  # a damaged or foreign file is only a cache miss: compile and replace it
            path.unlink(missing_ok=True)
    grammar = _compile(data)
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only cache folder only costs the next start its time
            write_atomic(path, pickled((grammar.states, grammar.nfa_size)))
    return grammar


def value_of(matched: Any) -> Any:
    """The slot value of a trie match: list values are boxed, names and areas are not."""
    return matched.item.out if isinstance(matched, _Boxed) else matched
