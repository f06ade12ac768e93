"""The sans-I/O registry: lookups, the topic index, and merging state reports."""

from __future__ import annotations

import pytest

from devices.config import DevicesConfig
from devices.protocols import state_topics
from devices.registry import Registry, StateChange


def test_lookups(home: DevicesConfig, prefix: str) -> None:
    registry = Registry(home)
    assert registry.get("coffee") is home.devices[1]
    assert registry.get("nope") is None
    assert registry.device("coffee") is home.devices[1]
    with pytest.raises(KeyError):
        registry.device("nope")
    assert "coffee" in registry and "nope" not in registry
    assert registry.devices() == home.devices
    assert registry.areas() == home.areas
    assert registry.area("living_room") is home.areas[1]
    assert [d.id for d in registry.devices_in_area("kitchen")] == ["kitchen_light", "coffee"]
    assert registry.state("coffee") == {}
    assert registry.device_for_topic(f"stat/{prefix}_coffee/POWER") is home.devices[1]
    assert registry.device_for_topic(f"cmnd/{prefix}_coffee/POWER") is None


def test_subscriptions_cover_every_state_topic(home: DevicesConfig) -> None:
    registry = Registry(home)
    expected = {topic for spec in home.devices for topic in state_topics(spec)}
    assert set(registry.subscriptions()) == expected
    assert len(registry.subscriptions()) == len(expected)


def test_apply_merges_and_reports_changes(home: DevicesConfig, prefix: str) -> None:
    registry = Registry(home)
    topic = f"{prefix}z2m/kitchen_light"
    first = registry.apply(topic, b'{"state":"ON","brightness":100}')
    assert first == StateChange(
        device_id="kitchen_light",
        update={"state": "ON", "brightness": 100},
        state={"state": "ON", "brightness": 100},
        changed=True,
    )
    second = registry.apply(topic, b'{"brightness":100}')
    assert second is not None and second.changed is False
    third = registry.apply(topic, b'{"color":{"r":1,"g":2,"b":3}}')
    assert third is not None and third.changed
    assert third.state == {"state": "ON", "brightness": 100, "color": {"r": 1, "g": 2, "b": 3}}
    assert registry.state("kitchen_light") == third.state


def test_apply_ignores_unknown_topics_and_junk(home: DevicesConfig, prefix: str) -> None:
    registry = Registry(home)
    assert registry.apply("somewhere/else", b'{"state":"ON"}') is None
    assert registry.apply(f"{prefix}z2m/kitchen_light", b"garbage") is None
    assert registry.state("kitchen_light") == {}


def test_tasmota_reports_merge_across_topics(home: DevicesConfig, prefix: str) -> None:
    registry = Registry(home)
    registry.apply(f"tele/{prefix}_coffee/STATE", b'{"POWER":"OFF"}')
    change = registry.apply(f"stat/{prefix}_coffee/POWER", b"ON")
    assert change is not None and change.changed and change.state == {"state": "ON"}


def test_state_copies_are_isolated(home: DevicesConfig, prefix: str) -> None:
    registry = Registry(home)
    change = registry.apply(f"{prefix}z2m/kitchen_light", b'{"color":{"r":1,"g":2,"b":3}}')
    assert change is not None
    change.state["color"]["r"] = 99
    registry.state("kitchen_light")["color"]["g"] = 99
    assert registry.state("kitchen_light")["color"] == {"r": 1, "g": 2, "b": 3}
    states = registry.states()
    assert states["kitchen_light"]["color"] == {"r": 1, "g": 2, "b": 3} and states["coffee"] == {}
