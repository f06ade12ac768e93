"""Fuzzy entity linking: device and area mentions in tokens, tolerant of typos, plurals and compounds.

Names and utterances are normalised alike, at three levels compared as strings with the spaces removed
(so "livingroom" equals "living room"): the *surface* (numbers as digits, fillers and repeats dropped),
the *singular* (plural words made singular) and the *sound* (a rough spelling key: "lite" = "light").
Names sit in a token trie of sound keys; each utterance token steps into it through the name words it
is close to (a deletion index), through two-word compounds it spells, or joined with the next token.
Every complete walk is scored with `fuzz.ratio`, and the best non-overlapping spans become mentions.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from .model import AreaName, EntityName
from .normalize import FILLERS, tokenize
from .numbers import ONES, TEENS, TENS, parse_number
from .partial import partial_names
from .speller import DeleteIndex, max_edits

MentionKind = Literal["name", "area"]
PLACEHOLDERS: dict[MentionKind, str] = {"name": "<name>", "area": "<area>"}

EXACT = 1.0  # the words as written (numbers, compounds and repeats aside)
PLURAL_EXACT = 0.98  # the same words up to plurals: still exact for the margin rule
FUZZY_MAX = 0.96  # a typo never scores like an exact match, however long the name
MARGIN = 0.08  # fuzzy candidates of different devices closer than this are ambiguous
VOCABULARY_MIN = 0.92  # a command word may be read as a name word only inside a near-perfect span

_ARTICLES = frozenset({"the", "my"})
_NUMBER_STARTS = frozenset({*ONES, *TEENS, *TENS, "zero", "hundred"})
_SOUNDS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (("ph", "f"), ("tch", "ch"), ("ck", "k"), ("ight", "ite"), ("wh", "w"))
)
_DOUBLES = re.compile(r"(.)\1+")
_CACHE_LIMIT = 50_000  # distinct tokens whose trie steps are remembered


# Rooms many homes have, never read as a room or name of this home that merely sounds like them ("the
# dining room" is no "living room"): a room the home lacks is then no room at all, and nothing is guessed.
OTHER_ROOMS = frozenset(
    {"dining", "utility", "laundry", "nursery", "attic", "basement", "cellar", "porch", "patio", "garden",
     "loft", "conservatory", "pantry", "playroom", "spare", "guest", "upstairs", "downstairs", "landing",
     "balcony", "shed", "driveway", "yard", "toilet", "loo", "ensuite"}
)  # fmt: skip


def min_score(length: int) -> float:
    """The lowest fuzzy score accepted for a name of `length` letters: short names need near-exact input."""
    if length <= 4:
        return 0.9
    return 0.84 if length <= 8 else 0.78


@lru_cache(maxsize=65_536)
def singular(word: str) -> str:
    """A crude singular ("lights" -> "light", "switches" -> "switch"), applied alike to names and input;
    "'s" is dropped ("the telly's quiet", "the bedroom's light": the telly, the bedroom)."""
    if word.endswith("'s") and len(word) > 3:
        word = word[:-2]
    if len(word) < 4 or not word.isalpha() or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


@lru_cache(maxsize=65_536)
def sound(word: str) -> str:
    """A rough key of how a word sounds, so common misspellings ("lite", "dor", "kichen") compare equal."""
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return _DOUBLES.sub(r"\1", word)


def _number_token(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def normal_tokens(tokens: Sequence[str], *, repeats: bool = False) -> tuple[list[str], list[tuple[int, int]]]:
    """Surface tokens (numbers as digits; fillers and, unless `repeats`, repeats dropped) and their spans."""
    lowered = [token.lower() for token in tokens]
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(lowered):
        token, end = lowered[i], i + 1
        if token in _NUMBER_STARTS:
            parsed = parse_number(lowered, i)
            if parsed is not None:
                token, end = _number_token(parsed[0]), parsed[1]
        if token in FILLERS:
            pass
        elif out and out[-1] == token and not repeats:  # "the the": the repeat joins the first one's span
            spans[-1] = (spans[-1][0], end)
        else:
            out.append(token)
            spans.append((i, end))
        i = end
    return out, spans


def _name_forms(name: str) -> list[tuple[str, ...]]:
    """A name's surface tokens without a leading article ("the hall light" is said "hall light").

    A name with a repeated word ("door door lock") is indexed both as written, so that a typo in one of
    the repeats still finds it, and with the repeat dropped, as the utterance side drops it.
    """
    forms = []
    for repeats in (False, True):
        words, _ = normal_tokens(tokenize(name, strip_phrases=False), repeats=repeats)
        if len(words) > 1 and words[0] in _ARTICLES:
            words = words[1:]
        if words and tuple(words) not in forms:
            forms.append(tuple(words))
    return forms


@dataclass(frozen=True, slots=True)
class Mention:
    """A device or area mentioned in tokens[start:end]; `ids` are its candidates, best name first."""

    kind: MentionKind
    start: int
    end: int
    text: str
    ids: tuple[str, ...]
    score: float
    ambiguous: bool = False
    alternatives: tuple[str, ...] = ()
    matched: str = ""


@dataclass(frozen=True, slots=True)
class Linked:
    """The tokens with each mention replaced by one placeholder, and the mentions in order."""

    tokens: tuple[str, ...]
    mentions: tuple[Mention, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    """One distinct name (or alias) and every device or area that carries it."""

    kind: MentionKind
    ids: tuple[str, ...]
    canonical: str
    surface: str
    singular: str
    sound: str
    words_in_order: tuple[str, ...]  # its singular words
    keys: tuple[str, ...]  # the sound key of each word: its path in the trie
    words: frozenset[str]  # its singular words: a command word among them is said, not misheard
    partial: bool = False  # a partial name ("the strip"): matched as said (or plural), never fuzzily


@dataclass(slots=True, eq=False)  # nodes hash by identity
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int  # normalised token indexes
    end: int
    entry: _Entry
    score: float  # what ranks spans: exact 1.0, plural 0.98, fuzzy capped at FUZZY_MAX
    raw: float  # the uncapped fuzzy similarity, for the margin rule
    said: int  # span tokens that are words of the name as said (singular forms)


# A token's surface, singular and sound forms.
_Forms = tuple[str, str, str]
# One way a token steps into the trie: the sound keys walked and the number of tokens consumed.
_Step = tuple[tuple[str, ...], int]


class EntityLinker:
    """Links device-name and area mentions in tokens; see the module docstring for the method."""

    def __init__(
        self,
        entities: Sequence[EntityName],
        areas: Sequence[AreaName],
        *,
        vocabulary: Collection[str] = (),
    ) -> None:
        self.vocabulary = frozenset(vocabulary)
        self._root = _Node()
        self._paths: dict[str, list[tuple[str, ...]]] = {}
        for entry in _entries(entities, areas):
            self._insert(entry)
        full = {entry.keys for entry in self._all_entries()}
        # Partial names need the command words, to tell which words of a name are its own.
        partial = partial_names(entities, areas, self.vocabulary) if self.vocabulary else {}
        for words, ids in partial.items():
            entry = _entry("name", words, " ".join(words), list(ids), partial=True)
            if entry.keys not in full:  # "the hall" is never read as part of a name when it is a name
                self._insert(entry)
        self._index = DeleteIndex(word for word in self._paths if not _has_digit(word))
        self._steps_cache: dict[str, tuple[tuple[str, ...], ...]] = {}

    def _insert(self, entry: _Entry) -> None:
        """Put an entry in the trie; index its words and each adjacent pair as a compound ("livingroom")."""
        keys = entry.keys
        node = self._root
        for key in keys:
            node = node.children.setdefault(key, _Node())
        node.entries.append(entry)
        # Words are found by their sound key ("lite") and by their spelling ("lihgt" is near "light").
        for word, key in zip(entry.words_in_order, keys, strict=True):
            self._add_path(key, (key,))
            self._add_path(word, (key,))
        for first, second in itertools.pairwise(keys):
            if not _has_digit(first + second):
                self._add_path(sound(first + second), (first, second))

    def _all_entries(self) -> Iterator[_Entry]:
        stack = [self._root]
        while stack:
            node = stack.pop()
            yield from node.entries
            stack.extend(node.children.values())

    def _add_path(self, word: str, path: tuple[str, ...]) -> None:
        paths = self._paths.setdefault(word, [])
        if path not in paths:
            paths.append(path)

    def link(self, tokens: Sequence[str]) -> Linked:
        """Find the mentions in `tokens` (from `normalize.tokenize`) and abstract them into placeholders."""
        words, spans = normal_tokens(tokens)
        candidates = self._candidates(words)
        mentions = [self._mention(group, tokens, spans) for group in _select(candidates)]
        mentions.sort(key=lambda mention: mention.start)
        out: list[str] = []
        position = 0
        for mention in mentions:
            out += tokens[position : mention.start]
            out.append(PLACEHOLDERS[mention.kind])
            position = mention.end
        out += tokens[position:]
        return Linked(tuple(out), tuple(mentions))

    def _candidates(self, words: list[str]) -> list[_Candidate]:
        """Every scored (span, entry) pair reachable in the trie, above its threshold."""
        forms = [(word, singular(word), sound(singular(word))) for word in words]
        steps = [self._token_steps(words, i) for i in range(len(words))]
        found: list[_Candidate] = []
        for start in range(len(words)):
            if words[start] in _ARTICLES:
                continue  # names never start with an article: they are indexed without it
            for end, node in self._walk(steps, start):
                span = forms[start:end]
                for entry in node.entries:
                    candidate = self._score(span, entry, start, end)
                    if candidate is not None:
                        found.append(candidate)
        return found

    def _walk(self, steps: list[list[_Step]], start: int) -> set[tuple[int, _Node]]:
        """The trie nodes with entries reachable from `start`, with the token index where each is reached."""
        reached: set[tuple[int, _Node]] = set()
        seen: set[tuple[int, _Node]] = set()  # a compound and its two words may lead to the same place
        stack = [(self._root, start)]
        while stack:
            node, pos = stack.pop()
            if node.entries and pos > start:
                reached.add((pos, node))
            if pos == len(steps):
                continue
            for path, used in steps[pos]:
                child: _Node | None = node
                for key in path:
                    child = child.children.get(key) if child is not None else None
                if child is not None and (pos + used, child) not in seen:
                    seen.add((pos + used, child))
                    stack.append((child, pos + used))
        return reached

    def _token_steps(self, words: list[str], i: int) -> list[_Step]:
        """How token i can step into the trie: alone (near words, compounds) or joined with the next one."""
        result: list[_Step] = [(path, 1) for path in self._near_paths(words[i])]
        if i + 1 < len(words):
            joined = sound(singular(words[i] + words[i + 1]))
            result += [(path, 2) for path in self._paths.get(joined, ()) if len(path) == 1]
        return result

    def _near_paths(self, word: str) -> tuple[tuple[str, ...], ...]:
        """Trie paths of the name words (and word pairs) whose sound key is near this token's; cached."""
        cached = self._steps_cache.get(word)
        if cached is not None:
            return cached
        single = singular(word)
        key = sound(single)
        if _has_digit(key):
            near = [key]  # numbers match exactly or not at all: "lamp 2" is never "lamp 3"
        else:
            # By sound ("lite"), by singular spelling ("lihgts") and as said, in case the singular
            # rule mangled a typo ("gues" for "guest" is not the plural of "gue").
            near = [*self._index.near(key, max_edits(len(key)))]
            for form in {single, word}:
                near += self._index.near(form, max_edits(len(form)))
        paths = tuple(dict.fromkeys(path for found in near for path in self._paths.get(found, ())))
        if len(self._steps_cache) >= _CACHE_LIMIT:
            self._steps_cache.clear()
        self._steps_cache[word] = paths
        return paths

    def _score(self, span: list[_Forms], entry: _Entry, start: int, end: int) -> _Candidate | None:
        """Score a span against an entry (1.0 exact); None below the entry's threshold."""
        surface = "".join(form[0] for form in span)
        if surface == entry.surface:
            return _Candidate(start, end, entry, EXACT, EXACT, len(span))
        single = "".join(form[1] for form in span)
        said = sum(form[1] in entry.words for form in span)
        if single == entry.singular:
            return _Candidate(start, end, entry, PLURAL_EXACT, PLURAL_EXACT, said)
        if entry.partial:
            return None
        if any(form[0] in OTHER_ROOMS and form[0] not in entry.words for form in span):
            return None  # "the dining room" is a room this home lacks, never a misheard "living room"
        keyed = "".join(form[2] for form in span)
        raw = max(fuzz.ratio(single, entry.singular), FUZZY_MAX * fuzz.ratio(keyed, entry.sound)) / 100
        floor = min_score(len(entry.singular))
        # A command word read as a different name word ("lift" as "left") must be carried by the span.
        if any(form[0] in self.vocabulary and form[1] not in entry.words for form in span):
            floor = max(floor, VOCABULARY_MIN)
        if raw < floor:
            return None
        return _Candidate(start, end, entry, min(raw, FUZZY_MAX), raw, said)

    def _mention(
        self, group: list[_Candidate], tokens: Sequence[str], spans: list[tuple[int, int]]
    ) -> Mention:
        """The mention of a span's best candidate, ambiguous when a different name is within the margin."""
        best = group[0]
        if best.score >= PLURAL_EXACT:
            close = [c for c in group[1:] if c.score >= best.score]  # only two equally exact names
        else:
            # A rival is close when its score is within the margin and it keeps as many of the words
            # said intact: "sunrom desk lamp" is not "mudroom desk lamp", "lift lamp" may be "left" or "loft".
            close = [c for c in group[1:] if c.raw > best.raw - MARGIN and c.said >= best.said]
        alternatives = tuple(dict.fromkeys(i for c in close for i in c.entry.ids if i not in best.entry.ids))
        start, end = spans[best.start][0], spans[best.end - 1][1]
        return Mention(
            kind=best.entry.kind,
            start=start,
            end=end,
            text=" ".join(tokens[start:end]),
            ids=best.entry.ids,
            score=best.score,
            ambiguous=bool(alternatives),
            alternatives=alternatives,
            matched=best.entry.canonical,
        )


def _has_digit(word: str) -> bool:
    return any(char.isdigit() for char in word)


def _entries(entities: Sequence[EntityName], areas: Sequence[AreaName]) -> list[_Entry]:
    """One entry per distinct spoken name and kind; a shared device name lists all its devices."""
    grouped: dict[tuple[MentionKind, tuple[str, ...]], tuple[str, list[str]]] = {}
    named: list[tuple[MentionKind, str, str]] = [
        ("name", entity.id, name) for entity in entities for name in entity.names
    ]
    named += [("area", area.id, name) for area in areas for name in area.names]
    for kind, ident, name in named:
        for words in _name_forms(name):
            ids = grouped.setdefault((kind, words), (name, []))[1]
            # Two areas sharing a name: the first listed wins, as in the exact area matcher.
            if ident not in ids and (kind == "name" or not ids):
                ids.append(ident)
    return [_entry(kind, words, canonical, ids) for (kind, words), (canonical, ids) in grouped.items()]


def _entry(
    kind: MentionKind, words: tuple[str, ...], canonical: str, ids: list[str], *, partial: bool = False
) -> _Entry:
    singulars = tuple(singular(word) for word in words)
    return _Entry(
        kind=kind,
        ids=tuple(ids),
        canonical=canonical,
        surface="".join(words),
        singular="".join(singulars),
        sound="".join(sound(word) for word in singulars),
        words_in_order=singulars,
        keys=tuple(sound(word) for word in singulars),
        words=frozenset(singulars),
        partial=partial,
    )


def _select(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Non-overlapping spans, greedily by score x coverage; each as its candidates, best first."""
    groups: dict[tuple[int, int, MentionKind], list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.start, candidate.end, candidate.entry.kind), []).append(candidate)
    ranked = []
    for (start, end, kind), group in groups.items():
        group.sort(key=lambda c: (-c.score, -c.raw, -c.said))
        # Longer and better spans first; on a tie a device name beats an area, then the earlier span.
        ranked.append(((group[0].score * (end - start), group[0].score, kind == "name", -start), group))
    ranked.sort(key=lambda item: item[0], reverse=True)
    taken: list[list[_Candidate]] = []
    used: set[int] = set()
    for _rank, group in ranked:
        span = range(group[0].start, group[0].end)
        if used.isdisjoint(span):
            used.update(span)
            taken.append(group)
    return taken
