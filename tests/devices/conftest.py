"""Fixtures for the devices tests: a sample home, a raw MQTT recorder, and started clients."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from devices.config import DevicesConfig, parse_devices
from devices.mqtt import MqttClient
from tests.mqtt_recorder import Recorder, start_recorder


def sample_doc(prefix: str = "t") -> dict[str, Any]:
    """A devices.yaml document with every device type and all three protocols; topics start with prefix."""
    return {
        "areas": ["Kitchen", {"name": "Living Room", "aliases": ["lounge"]}, "Bedroom", "Hall", "Garage"],
        "devices": [
            _z2m("kitchen_light", "Kitchen Light", "light", "kitchen", prefix, aliases=["ceiling light"]),
            {
                "id": "coffee",
                "name": "Coffee Machine",
                "type": "switch",
                "area": "Kitchen",
                "protocol": "tasmota",
                "topic": f"{prefix}_coffee",
            },
            _z2m("living_blinds", "Blinds", "cover", "living room", prefix),
            {
                "id": "bedroom_shutter",
                "name": "Shutter",
                "type": "cover",
                "area": "bedroom",
                "protocol": "tasmota",
                "topic": f"{prefix}_shutter",
            },
            _z2m("thermostat", "Thermostat", "climate", "living_room", prefix),
            {
                "id": "bedroom_fan",
                "name": "Fan",
                "type": "fan",
                "area": "bedroom",
                "protocol": "tasmota",
                "topic": f"{prefix}_ifan",
            },
            _z2m("front_door", "Front Door", "lock", "hall", prefix),
            _z2m("speaker", "Speaker", "media_player", "living room", prefix),
            {
                "id": "hall_sensor",
                "name": "Hall Sensor",
                "type": "sensor",
                "area": "hall",
                "protocol": "tasmota",
                "topic": f"{prefix}_hall_sensor",
            },
            {
                "id": "desk_lamp",
                "name": "Desk Lamp",
                "type": "light",
                "area": "bedroom",
                "protocol": "generic",
                "command_topic": f"{prefix}/desk_lamp/command",
                "state_topic": f"{prefix}/desk_lamp/state",
                "commands": {
                    "turn_on": '{"state": "ON"}',
                    "turn_off": '{"state": "OFF"}',
                    "set_brightness": '{"brightness_pct": {brightness}}',
                    "set_color": '{"rgb": [{r}, {g}, {b}]}',
                },
                "state_format": "json",
            },
            {
                "id": "porch_light",
                "name": "Porch Light",
                "type": "switch",
                "area": "hall",
                "protocol": "generic",
                "command_topic": f"{prefix}/porch/command",
                "state_topic": f"{prefix}/porch/state",
                "commands": {"turn_on": "ON", "turn_off": "OFF"},
                "state_format": "plain",
            },
            _z2m("garage_light", "Garage Light", "light", "garage", prefix),
        ],
    }


def _z2m(device_id: str, name: str, kind: str, area: str, prefix: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": device_id,
        "name": name,
        "type": kind,
        "area": area,
        "protocol": "zigbee2mqtt",
        "topic": f"{prefix}z2m/{device_id}",
        **extra,
    }


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    """A topic prefix unique to this test, so tests sharing the session broker never see each other."""
    return "h" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:10]


@pytest.fixture
def home(prefix: str) -> DevicesConfig:
    """The sample home with this test's topics."""
    return parse_devices(sample_doc(prefix))


@pytest.fixture
def recorder(mosquitto: tuple[str, int], prefix: str) -> Iterator[Recorder]:
    """Everything the session broker carries on this test's topics."""
    rec, client = start_recorder(*mosquitto, prefix)
    yield rec
    client.disconnect()
    client.loop_stop()


MqttFactory = Callable[..., Awaitable[MqttClient]]


@pytest.fixture
async def mqtt_factory(mosquitto: tuple[str, int], prefix: str) -> AsyncIterator[MqttFactory]:
    """Start MqttClients on the session broker; all are stopped after the test."""
    started: list[MqttClient] = []

    async def make(name: str, **options: Any) -> MqttClient:
        client = MqttClient(*mosquitto, client_id=f"{name}-{prefix}", **options)
        await client.start()
        started.append(client)
        return client

    yield make
    for client in started:
        await client.stop()
