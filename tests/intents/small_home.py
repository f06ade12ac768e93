"""A small home for the understanding tests: its understander, what a sentence would do, and conversations
kept turn by turn the way the hub keeps them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from intents.classifier import load_or_train
from intents.classify import ClassifierLayer
from intents.context import Turn
from intents.linker import EntityLinker
from intents.model import AreaName, EntityName, IntentMatch
from intents.mood import acts
from intents.recognizer import IntentData
from intents.targets import AMBIGUOUS, NEED_AREA, EntityIndex, Targets, resolve_targets
from intents.understand import Understander, Understanding
from intents.vocabulary import template_words


class SmallHome:
    """Devices, areas and which device types each intent acts on."""

    def __init__(
        self, entities: Sequence[EntityName], areas: Sequence[AreaName], types: Mapping[str, frozenset[str]]
    ) -> None:
        self.entities = list(entities)
        self.areas = list(areas)
        self.types = dict(types)
        self.index = EntityIndex(self.entities)
        self._built: dict[tuple[int, Path], Understander] = {}

    def understander(self, data: IntentData, model_cache: Path) -> Understander:
        """The layered understander over this home, with the cached classifier; built once for the data and
        model folder, however many test modules share this home."""
        built = self._built.get((id(data), model_cache))
        if built is not None:
            return built
        classifier, _trained = load_or_train(data, model_cache)
        linker = EntityLinker(self.entities, self.areas, vocabulary=template_words(data))
        layer = ClassifierLayer(classifier, linker, data, self.index, intent_types=self.types.get)
        understander = Understander(
            data, self.entities, self.areas, classifier=layer, intent_types=self.types.get
        )
        self.index = understander.index  # as the hub resolves: with the home's kind words
        self._built[id(data), model_cache] = understander
        return understander

    def targets(self, match: IntentMatch, area: str | None) -> Targets:
        """The devices a match acts on, or the problem that stops it."""
        return resolve_targets(match, self.index, area, types=self.types.get(match.intent))

    def actions(self, found: Understanding, area: str | None = None) -> list[tuple[str, Any]]:
        """(intent, device ids or the problem that stops it) of every match that acts; a question: none."""
        if found.question is not None:
            return []
        out: list[tuple[str, Any]] = []
        for match in found.matches:
            if acts(match.intent):
                targets = self.targets(match, area)
                out.append((match.intent, targets.problem or targets.ids))
        return out

    def talk(
        self, understander: Understander, texts: Sequence[str], area: str | None = None
    ) -> Understanding:
        """Say each text in turn, kept as the hub keeps turns: what was done, what was asked and what was
        pending (a target that needs a room or a choice asks, as the hub does); the last one's result."""
        history: list[Turn] = []
        found = Understanding()
        for text in texts:
            found = understander.understand(text, history, area)
            question, candidates, pending = found.question, found.candidates, found.pending
            commands = []
            for match in found.matches:
                targets = self.targets(match, area)
                if targets.problem in (NEED_AREA, AMBIGUOUS) and question is None:
                    question, candidates, pending = targets.problem, targets.candidates, match
                elif targets.problem is None:
                    commands.append(
                        {"intent": match.intent, "slots": values(match), "devices": list(targets.ids)}
                    )
            asked = None if pending is None else {"intent": pending.intent, "slots": values(pending)}
            devices = tuple(d for c in commands for d in c["devices"])
            turn = Turn(
                text, None, {}, devices, "", 0.0, True, question, candidates, asked, commands=tuple(commands)
            )
            history.append(turn)
        return found


def values(match: IntentMatch) -> dict[str, Any]:
    """The slot values of a match, as the hub keeps them (plain values, no words)."""
    return {k: v.value for k, v in match.slots.items()}


def said(matches: Sequence[IntentMatch]) -> list[tuple[str, dict[str, Any]]]:
    """Each match's intent and slot values, as a test compares them."""
    return [(m.intent, values(m)) for m in matches]
