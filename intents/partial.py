"""Partial device names: "the strip" for the kitchen light strip, "the ceiling light" in the living room.

People leave out what the situation makes obvious: the room ("turn off the ceiling light in the living
room", "the kitchen strip") or the type word ("the extractor" for the extractor fan). A partial name is a
shorter run of a name's words that still holds a *distinctive* word: one that is no command or type word
("light", "lamp", "door") and no room word. Every device whose name holds that run shares it, so the usual
rules apply: the room said or the speaker's room narrows the devices, and when several are left the
assistant asks which one. A partial name never shadows a real name or alias of any device.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from types import MappingProxyType

from .model import AreaName, EntityName
from .normalize import tokenize

_ARTICLES = frozenset({"the", "my", "our"})
# Head nouns that may be left out like a type word ("the coffee" for the coffee maker).
_GENERIC_HEADS = frozenset({"maker", "machine", "unit", "device"})


# Everyday words for the same thing: a name holding one may be said with another ("switch the telly off",
# "the big light" for a ceiling light). Used like partial names: never in place of a real name.
SYNONYMS: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {
    ("tv",): (("telly",), ("tele",), ("tee", "vee"), ("television",)),
    ("television",): (("tv",), ("telly",), ("tele",), ("tee", "vee")),
    ("ceiling", "light"): (("big", "light"), ("main", "light"), ("overhead", "light")),
    ("coffee", "maker"): (("coffee", "machine"), ("coffee", "pot")),
    ("coffee", "machine"): (("coffee", "maker"), ("coffee", "pot")),
    ("light", "strip"): (("led", "strip"), ("strip", "light"), ("led", "lights")),
}


def _with_synonyms(words: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The name said with everyday synonyms of its words (one replacement at a time)."""
    for phrase, others in SYNONYMS.items():
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == phrase:
                for other in others:
                    yield (*words[:i], *other, *words[i + n :])


def _words(name: str) -> tuple[str, ...]:
    words = tokenize(name, strip_phrases=False)
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return tuple(words)


def _shorter(words: tuple[str, ...], droppable: Collection[str]) -> Iterator[tuple[str, ...]]:
    """Runs of a name's words that may stand for it: every proper suffix ("strip", "ceiling light"), and
    prefixes that only drop type or generic words ("extractor" for "extractor fan")."""
    for start in range(1, len(words)):
        yield words[start:]
    for end in range(len(words) - 1, 0, -1):
        if all(w in droppable or w in _GENERIC_HEADS for w in words[end:]):
            yield words[:end]


PartialNames = Mapping[tuple[str, ...], tuple[str, ...]]
# The template recognizer and the entity linker of one home both need the same table; building it is
# the costliest step of loading a 1,000-device home, so the last few are kept.
_MEMO: dict[tuple[tuple[EntityName, ...], tuple[AreaName, ...], frozenset[str]], PartialNames] = {}
_MEMO_SIZE = 2


def partial_names(
    entities: Sequence[EntityName], areas: Sequence[AreaName], vocabulary: Collection[str]
) -> PartialNames:
    """Each partial name (as tokens) and the devices whose names hold it, in the order given.

    `vocabulary`: the command and type words of the templates; a partial name needs a word outside it.
    """
    key = (tuple(entities), tuple(areas), frozenset(vocabulary))
    found = _MEMO.get(key)
    if found is None:
        found = MappingProxyType(_partial_names(entities, areas, vocabulary))
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = found
    return found


def _partial_names(
    entities: Sequence[EntityName], areas: Sequence[AreaName], vocabulary: Collection[str]
) -> dict[tuple[str, ...], tuple[str, ...]]:
    area_words = {w for area in areas for name in area.names for w in tokenize(name, strip_phrases=False)}
    full: set[tuple[str, ...]] = set()
    names: list[tuple[str, tuple[str, ...]]] = []
    for entity in entities:
        for name in entity.names:
            words = _words(name)
            if words:
                full.add(words)
                names.append((entity.id, words))
    said = [(entity_id, other) for entity_id, words in names for other in _with_synonyms(words)]
    said = [(entity_id, other) for entity_id, other in said if other not in full]
    runs = {other for _entity_id, other in said}
    runs.update(
        run
        for _entity_id, words in names
        for run in _shorter(words, vocabulary)
        if run not in full and _distinctive(run, vocabulary, area_words)
    )
    runs.update(  # "the big light": a synonym said without the room, never cut short itself
        words[start:]
        for _entity_id, words in said
        for start in range(1, len(words) - 1)
        if words[start:] not in full and _distinctive(words[start:], vocabulary, area_words)
    )
    # Every device whose name holds the run shares it ("the ceiling" may be a light or the ceiling fan),
    # found by looking each slice of a name up in the set of runs: linear in the number of names (runs
    # of a thousand "room N lamp" names share first words, so scanning runs by first word is not).
    lengths = sorted({len(run) for run in runs})
    found: dict[tuple[str, ...], list[str]] = {}
    for entity_id, words in [*names, *said]:
        for i in range(len(words)):
            for length in lengths:
                run = words[i : i + length]
                if len(run) < length:
                    break
                if run in runs:
                    ids = found.setdefault(run, [])
                    if entity_id not in ids:
                        ids.append(entity_id)
    return {run: tuple(ids) for run, ids in found.items()}


def _distinctive(run: tuple[str, ...], vocabulary: Collection[str], area_words: Collection[str]) -> bool:
    return any(
        len(w) > 2 and w.isalpha() and w not in vocabulary and w not in area_words and w not in _ARTICLES
        for w in run
    )
