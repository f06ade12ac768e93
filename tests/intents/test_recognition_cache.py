"""The recognition cache on disk: warm after a restart, never reused once templates or names change."""

from __future__ import annotations

from pathlib import Path

import yaml

from intents.model import EntityName
from intents.recognizer import IntentData, merge, parse_intent_document
from intents.understand import RECOGNITIONS_PREFIX, Understander

from .conftest import AREAS, ENTITIES

TYPO = "turn on the kitchen lihgt"


def _sources(understander: Understander, text: str) -> list[str]:
    return [m.source for m in understander.understand(text).matches]


def test_a_restart_answers_from_the_saved_cache(data: IntentData, tmp_path: Path) -> None:
    first = Understander(data, ENTITIES, AREAS)
    assert _sources(first, TYPO) == ["fuzzy"]
    assert first.save_recognitions(tmp_path) == 1

    again = Understander(data, ENTITIES, AREAS)
    assert again.load_recognitions(tmp_path) == 1
    found = again.understand(TYPO)
    assert [m.source for m in found.matches] == ["cache"]
    assert found.matches[0].intent == "turn_on"
    assert found.matches[0].slots["name"].value == ("kitchen_light",)


def test_a_renamed_device_starts_an_empty_cache(data: IntentData, tmp_path: Path) -> None:
    """A cached "kitchen light" must not survive the kitchen light becoming something else."""
    first = Understander(data, ENTITIES, AREAS)
    first.understand(TYPO)
    first.save_recognitions(tmp_path)
    renamed = [EntityName("kitchen_light", ("Kitchen Pendant",), "light", "kitchen"), *ENTITIES[1:]]
    again = Understander(data, renamed, AREAS)
    assert again.recognitions_file(tmp_path) != first.recognitions_file(tmp_path)
    assert again.load_recognitions(tmp_path) == 0
    assert "cache" not in _sources(again, TYPO)


def test_changed_templates_start_an_empty_cache(data: IntentData, tmp_path: Path) -> None:
    first = Understander(data, ENTITIES, AREAS)
    first.understand(TYPO)
    first.save_recognitions(tmp_path)
    custom = parse_intent_document(
        yaml.safe_load("language: en\nintents:\n  movie_mode:\n    sentences: ['movie time']\n"), "c.yaml"
    )
    again = Understander(merge(*data.documents, custom), ENTITIES, AREAS)
    assert again.load_recognitions(tmp_path) == 0


def test_a_damaged_file_is_an_empty_cache(data: IntentData, tmp_path: Path) -> None:
    understander = Understander(data, ENTITIES, AREAS)
    understander.recognitions_file(tmp_path).write_bytes(b"\x80garbage")
    assert understander.load_recognitions(tmp_path) == 0
    assert not understander.recognitions_file(tmp_path).exists()
    assert _sources(understander, TYPO) == ["fuzzy"]


def test_old_homes_are_pruned(data: IntentData, tmp_path: Path) -> None:
    for index in range(6):
        names = [EntityName("kitchen_light", (f"Kitchen Light {index}",), "light", "kitchen")]
        latest = Understander(data, [*names, *ENTITIES[1:]], AREAS)
        latest.save_recognitions(tmp_path)
        assert latest.recognitions_file(tmp_path).exists()  # the home just saved is never the one pruned
    assert len(list(tmp_path.glob(f"{RECOGNITIONS_PREFIX}*"))) == 4
