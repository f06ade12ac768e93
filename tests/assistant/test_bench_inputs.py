"""The homes and days the start-up and cache benchmarks replay are valid and understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.bench_caches import DAY, day_of_commands
from assistant.bench_startup import RENAMED, big_home, rename_device
from assistant.config import load_config
from assistant.pipeline import build_understander, load_classifier
from intents.understand import Understander

from .conftest import SAMPLE


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
