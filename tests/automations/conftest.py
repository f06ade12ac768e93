"""Fixtures of the automation tests: the sample home as automations see it, and hubs running it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.automations import AutomationOptions, AutomationService, ManualClock
from assistant.config import load_config
from assistant.hub import Hub
from devices.automations import AutomationSet, Home, Location, parse_automations
from devices.automations.schedule import sun_event
from devices.config import parse_devices
from devices.mqtt import MqttClient
from devices.simulator import DeviceSimulator
from tests.assistant.conftest import make_home, recorder  # noqa: F401
from tests.mqtt_recorder import eventually

SAMPLE = Path(__file__).resolve().parents[2] / "config"
BERLIN = Location(52.52, 13.40)


@pytest.fixture(scope="session")
def sample_home() -> Home:
    devices = parse_devices(yaml.safe_load((SAMPLE / "devices.yaml").read_text()))
    return Home(
        devices={d.id: d.type for d in devices.devices},
        device_areas={d.id: d.area for d in devices.devices},
        areas=frozenset(a.id for a in devices.areas),
        clients=frozenset({"kitchen-pi", "phone"}),
        location=BERLIN,
    )


def parse(text: str, home: Home) -> AutomationSet:
    """Automations from YAML text."""
    return parse_automations(yaml.safe_load(text), home)


# --- a running hub with automations -------------------------------------------------------------------------


# A Monday in March, one hour after sunset in the sample home (Berlin): local time, as automations use.
MONDAY_NOON = datetime(2026, 3, 2, 12, 0).timestamp()
_SUNSET = sun_event(date(2026, 3, 2), BERLIN, "sunset")
assert _SUNSET is not None
AFTER_SUNSET = _SUNSET + 3600


@dataclass
class Automated:
    """A hub with automations, its manual clock, the simulator and an MQTT client acting as devices."""

    hub: Hub
    clock: ManualClock
    directory: Path
    device_mqtt: MqttClient

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.hub.port}/ws"

    @property
    def service(self) -> AutomationService:
        assert self.hub.automations is not None
        return self.hub.automations

    async def report(self, topic: str, payload: str) -> None:
        """Publish as a device (or a button) would."""
        await self.device_mqtt.publish(topic, payload, qos=1)

    async def advance(self, seconds: float) -> None:
        """Move the automations' clock and let what became due run."""
        self.clock.advance(seconds)
        for _ in range(5):
            await asyncio.sleep(0.01)

    def history(self, automation: str | None = None) -> list[dict[str, Any]]:
        return self.service.history.read(0, automation)

    async def finished_runs(
        self, automation: str, count: int = 1, within: float = 3.0
    ) -> list[dict[str, Any]]:
        await eventually(lambda: len(self.history(automation)) >= count, within)
        return self.history(automation)


Start = Callable[..., Awaitable[Automated]]


@pytest.fixture
async def automated(tmp_path: Path, mosquitto: tuple[str, int]) -> AsyncIterator[Start]:
    """Start the sample home with the given automations.yaml text (or the sample file) on a manual clock."""
    started: list[tuple[Hub, DeviceSimulator, MqttClient, MqttClient]] = []

    async def start(
        text: str | None = None, *, now: float = MONDAY_NOON, unresponsive: frozenset[str] = frozenset()
    ) -> Automated:
        directory = make_home(tmp_path, mosquitto)
        if text is None:
            shutil.copy(SAMPLE / "automations.yaml", directory / "automations.yaml")
        else:
            (directory / "automations.yaml").write_text(text)
        config = load_config(directory)
        sim_mqtt = MqttClient(*mosquitto, client_id=f"sim-{tmp_path.name}")
        await sim_mqtt.start()
        simulator = DeviceSimulator(config.devices, sim_mqtt, unresponsive=unresponsive)
        await simulator.start()
        clock = ManualClock(now)
        options = AutomationOptions(clock=clock, history=tmp_path / "history.jsonl", poll_seconds=0.05)
        hub = Hub(config, automation_options=options)
        device_mqtt = MqttClient(*mosquitto, client_id=f"dev-{tmp_path.name}")
        started.append((hub, simulator, sim_mqtt, device_mqtt))
        await hub.start()
        await device_mqtt.start()
        await asyncio.sleep(0.2)  # retained states reach the registry
        return Automated(hub, clock, directory, device_mqtt)

    yield start
    for hub, simulator, sim_mqtt, device_mqtt in started:
        await hub.stop()
        await simulator.stop()
        for client in (sim_mqtt, device_mqtt):
            await client.stop()
