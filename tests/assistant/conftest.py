"""Fixtures for hub tests: a sample home on a real broker, a WebSocket client and an MQTT recorder."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from assistant.config import HearthConfig, load_config
from assistant.hub import Hub
from devices.mqtt import MqttClient
from devices.simulator import DeviceSimulator
from tests.mqtt_recorder import Carried, Recorder, start_recorder

SAMPLE = Path(__file__).resolve().parents[2] / "config"
KITCHEN_TOKEN = "demo-kitchen-7c1f9a2e"
BEDROOM_TOKEN = "demo-bedroom-e52a9c17"
PHONE_TOKEN = "demo-phone-91d6b0c3"
UNRESPONSIVE = frozenset({"garage_light"})


def commands(recorder: Recorder, expect: int = 0, within: float = 2.0) -> list[Carried]:
    """Device commands the broker carried (state reports left out); waits up to `within` s for `expect`."""
    deadline = time.monotonic() + within
    while True:
        found = [m for m in recorder.carried() if _is_command(m.topic)]
        if len(found) >= expect or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def nothing_published(recorder: Recorder) -> bool:
    """True when no command shows up within a grace period (so a late publish would be caught)."""
    time.sleep(0.3)
    return commands(recorder) == []


def _is_command(topic: str) -> bool:
    return topic.endswith("/set") or topic.startswith("cmnd/") or topic.endswith("/command")


@pytest.fixture
def recorder(mosquitto: tuple[str, int]) -> Iterator[Recorder]:
    """Everything the session broker carries while the test runs."""
    rec, client = start_recorder(*mosquitto, prefix="")
    yield rec
    client.loop_stop()
    client.disconnect()


def make_home(directory: Path, broker: tuple[str, int] | None, **hub: Any) -> Path:
    """Copy the sample home, pointing it at a test broker (or managed) and a free hub port."""
    target = directory / "config"
    shutil.copytree(SAMPLE, target)
    # The sample automations act on their own (schedules, sensors): tests that want some write their own.
    (target / "automations.yaml").unlink(missing_ok=True)
    text = (target / "hearth.yaml").read_text()
    text = text.replace('listen: "127.0.0.1:8765"', 'listen: "127.0.0.1:0"')
    if broker is None:
        text = text.replace("broker: managed", "broker: managed\n  managed_port: 0")
    else:
        text = text.replace("broker: managed", f"broker: mqtt://{broker[0]}:{broker[1]}")
    text = text.replace("confirm_timeout: 3", "confirm_timeout: 0.6")
    for key, value in hub.items():
        text = text.replace("hub:\n", f"hub:\n  {key}: {value}\n")
    (target / "hearth.yaml").write_text(text)
    return target


@dataclass
class RunningHome:
    """A hub and simulator on a real broker."""

    hub: Hub
    config: HearthConfig

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.hub.port}/ws"


@asynccontextmanager
async def running_hub(
    config: HearthConfig,
    broker: tuple[str, int],
    recorder: Recorder,
    *,
    unresponsive: frozenset[str] = frozenset(),
) -> AsyncIterator[Hub]:
    """A hub and the device simulator on the test broker, with the recorder cleared once they settled."""
    sim_mqtt = MqttClient(*broker, client_id=f"sim-{config.directory.parent.name}")
    await sim_mqtt.start()
    simulator = DeviceSimulator(config.devices, sim_mqtt, unresponsive=unresponsive)
    await simulator.start()
    hub = Hub(config)
    try:
        await hub.start()
        await asyncio.sleep(0.2)  # retained states reach the registry
        recorder.clear()
        yield hub
    finally:
        await hub.stop()
        await simulator.stop()
        await sim_mqtt.stop()


@pytest.fixture
async def home(tmp_path: Path, mosquitto: tuple[str, int], recorder: Recorder) -> AsyncIterator[RunningHome]:
    config = load_config(make_home(tmp_path, mosquitto, max_frame_bytes=4096))
    async with running_hub(config, mosquitto, recorder, unresponsive=UNRESPONSIVE) as hub:
        yield RunningHome(hub, config)


class Client:
    """A protocol v1 client over a real WebSocket, collecting events per run."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.states: list[dict[str, Any]] = []
        self.home: dict[str, Any] | None = None

    async def send(self, **event: Any) -> None:
        await self.ws.send(json.dumps(event))

    async def next_event(self, wait: float = 5.0) -> dict[str, Any]:
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), wait)
            event: dict[str, Any] = json.loads(raw)
            if event["type"] == "state":
                self.states.append(event)
                continue
            if event["type"] == "home":
                self.home = event  # sent once after welcome, like the state snapshot
                continue
            return event

    async def run(self, text: str, run_id: str = "r1") -> list[dict[str, Any]]:
        """Send a text run and return its events up to and including run-end."""
        await self.send(type="run", id=run_id, text=text)
        return await self.until_end(run_id)

    async def until_end(self, run_id: str, wait: float = 5.0) -> list[dict[str, Any]]:
        """The events of a run already sent, up to and including its run-end."""
        events = []
        while True:
            event = await self.next_event(wait)
            events.append(event)
            if event["type"] == "run-end" and event.get("id") == run_id:
                return events

    async def speak(
        self,
        pcm: bytes,
        run_id: str = "a1",
        *,
        rate: int = 16000,
        channels: int = 1,
        frame_ms: int = 40,
        pace: float = 0.0,
        end: bool = True,
        wait: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Stream audio as an audio run (`pace` seconds between frames, 0 = as fast as possible).

        Returns the run's events up to and including run-end.
        """
        await self.send(type="run", id=run_id, audio={"rate": rate, "width": 2, "channels": channels})
        step = rate * channels * 2 * frame_ms // 1000
        for offset in range(0, len(pcm), step):
            await self.ws.send(pcm[offset : offset + step])
            if pace:
                await asyncio.sleep(pace)
        if end:
            await self.send(type="audio-end", id=run_id)
        return await self.until_end(run_id, wait)


async def open_client(url: str, token: str, **hello: Any) -> Client:
    ws = await connect(url)
    client = Client(ws)
    await client.send(type="hello", token=token, **hello)
    welcome = await client.next_event()
    assert welcome["type"] == "welcome", welcome
    return client


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]
