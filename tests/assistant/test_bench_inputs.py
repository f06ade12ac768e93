"""The homes and days the start-up and cache benchmarks replay are valid and understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.bench_audio import AudioCase, CaseResult, summarize
from assistant.bench_caches import DAY, day_of_commands
from assistant.bench_startup import RENAMED, big_home, rename_device
from assistant.config import load_config
from assistant.pipeline import build_understander, load_classifier
from intents.understand import Understander

from .conftest import SAMPLE

ON = ("turn_on", '{"name": ["kitchen_light"]}')
OFF = ("turn_off", '{"name": ["kitchen_light"]}')


def test_the_big_home_loads_and_a_rename_changes_one_name(tmp_path: Path) -> None:
    home = big_home(tmp_path / "home", devices=100)
    config = load_config(home)
    assert len(config.devices.devices) == 100
    understander = build_understander(config, cache_dir=tmp_path / "cache")
    (match,) = understander.understand("turn on the kitchen lamp").matches
    assert match.slots["name"].value == ("kitchen_lamp",)
    rename_device(home, *RENAMED)
    renamed = {d.id: d.name for d in load_config(home).devices.devices}
    assert renamed[RENAMED[0]] == RENAMED[1]
    assert sum(name != d.name for d in config.devices.devices for name in [renamed[d.id]]) == 1


@pytest.fixture(scope="module")
def sample_home() -> Understander:
    """The sample home's understanding, with its classifier, as the hub builds it."""
    config = load_config(SAMPLE)
    classifier, _trained = load_classifier(config)
    return build_understander(config, classifier)


@pytest.mark.parametrize("text", DAY)
def test_every_command_of_the_day_is_understood(text: str, sample_home: Understander) -> None:
    found = sample_home.understand(text, client_area="kitchen")
    assert found.matches and found.question is None, text


def test_a_day_follows_the_household_mix() -> None:
    day = day_of_commands(400, seed=1)
    assert day == day_of_commands(400, seed=1)
    assert day.count(DAY[0]) > day.count(DAY[-1])


def test_the_audio_bench_counts_an_action_nobody_asked_for_as_wrong() -> None:
    said = AudioCase("a", bytes(3200), "turn on the kitchen light")
    lit = (("kitchen_light", "turn_on", "ON"),)
    results = [
        CaseResult(said, heard="turn on the kitchen light", acted=True, intent=ON, expected=ON, actions=lit,
                   expected_actions=lit),
        CaseResult(said, heard="turn off the kitchen light", acted=True, intent=OFF, expected=ON,
                   actions=(("kitchen_light", "turn_off", "OFF"),), expected_actions=lit),
        CaseResult(said, heard="", acted=False, expected=ON, expected_actions=lit),  # asked again: not wrong
        CaseResult(
            AudioCase("b", bytes(3200), "turn off the oven"),
            heard="turn off the outlet",
            acted=True,
            intent=OFF,
            actions=(("kitchen_socket", "turn_off", "OFF"),),
        ),
        # "the light" heard for "the lights" in a room with one light: other slots, the same action
        CaseResult(said, heard="turn on the kitchen lights", acted=True, intent=OFF, expected=ON, actions=lit,
                   expected_actions=lit),
    ]  # fmt: skip
    summary = summarize("mixed", results)
    assert (summary["intent_ok"], summary["intent_graded"], summary["wrong"]) == (1, 4, 2)
    assert summary["wrong_heard"] == [
        ("turn on the kitchen light", "turn off the kitchen light"),
        ("turn off the oven", "turn off the outlet"),
    ]
    assert summary["acted"] == ["turn on the kitchen light"] * 2 + [
        "turn off the oven",
        "turn on the kitchen light",
    ]
