"""`hearth bench --only automations`: 500 automations loaded, a state change → device command on MQTT."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from devices.automations import Home, parse_automations
from devices.broker import ManagedBroker
from devices.config import parse_devices
from devices.mqtt import MqttClient
from devices.registry import Registry
from devices.service import DeviceService
from devices.simulator import DeviceSimulator

from .automation_config import automation_home
from .automations import AutomationOptions, AutomationService, ManualClock
from .bench import Row, percentiles, print_table, progress
from .events import Event

AUTOMATIONS = 500
SENSORS = AUTOMATIONS // 2  # each sensor has two automations: one for occupancy on, one for off
LIGHTS = 100
TARGET_MS = 2.0


class _Nobody:
    """No clients: announcements go nowhere."""

    def announce(self, text: str, client: str | None, area: str | None) -> int:
        return 0

    def broadcast(self, event: Event) -> None:
        return None


def bench_devices() -> dict[str, Any]:
    """A home of motion sensors and lights."""
    devices = [
        {
            "id": f"motion_{i}",
            "name": f"motion {i}",
            "type": "sensor",
            "protocol": "zigbee2mqtt",
            "topic": f"bench/motion_{i}",
        }
        for i in range(SENSORS)
    ]
    devices += [
        {
            "id": f"light_{i}",
            "name": f"light {i}",
            "type": "light",
            "protocol": "zigbee2mqtt",
            "topic": f"bench/light_{i}",
        }
        for i in range(LIGHTS)
    ]
    return {"areas": ["lab"], "devices": devices}


def bench_automations() -> list[dict[str, Any]]:
    """500 automations: occupancy on/off of a sensor, two conditions, a light command."""
    automations = []
    for k in range(AUTOMATIONS):
        sensor, on = k % SENSORS, k < SENSORS
        automations.append(
            {
                "id": f"auto_{k}",
                "triggers": [{"device": f"motion_{sensor}", "attribute": "occupancy", "to": on}],
                "conditions": [
                    {"device": f"motion_{(sensor + 1) % SENSORS}", "attribute": "temperature", "above": 0},
                    {"or": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"]}, {"after": "00:00"}]},
                ],
                "actions": [{"device": f"light_{k % LIGHTS}", "action": "turn_on" if on else "turn_off"}],
            }
        )
    return automations


async def _measure(count: int) -> tuple[Row, float]:
    config = parse_devices(bench_devices())
    home: Home = automation_home(config, (), None)
    started = time.perf_counter()
    automations = parse_automations(bench_automations(), home)
    load_ms = (time.perf_counter() - started) * 1000
    with ManagedBroker() as broker:
        mqtt = MqttClient(broker.host, broker.port, client_id="bench-hub")
        sim_mqtt = MqttClient(broker.host, broker.port, client_id="bench-devices")
        await mqtt.start()
        await sim_mqtt.start()
        simulator = DeviceSimulator(config, sim_mqtt)
        await simulator.start()
        registry = Registry(config)
        devices = DeviceService(registry, mqtt)
        await devices.start()
        await asyncio.sleep(0.3)  # retained states arrive
        with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
            options = AutomationOptions(clock=ManualClock(time.time()), history=Path(tmp) / "history.jsonl")
            service = AutomationService(automations, devices, mqtt, _Nobody(), home=home, options=options)
            await service.start()
            try:
                samples = await _changes(service, registry, mqtt, count)
            finally:
                await service.stop()
                await devices.stop()
                await simulator.stop()
                await mqtt.stop()
                await sim_mqtt.stop()
    p50, p99 = percentiles(samples)
    label = f"state change → device command handed to MQTT, {AUTOMATIONS} automations"
    return Row(label, len(samples), p50, p99, f"≤ {TARGET_MS:g} ms"), load_ms


async def _changes(
    service: AutomationService, registry: Registry, mqtt: MqttClient, count: int
) -> list[float]:
    publish = mqtt.publish
    handed: list[int] = []
    reached = asyncio.Event()

    async def timed_publish(*args: Any, **kwargs: Any) -> None:
        handed.append(time.perf_counter_ns())
        reached.set()
        await publish(*args, **kwargs)

    mqtt.publish = timed_publish  # type: ignore[method-assign]
    samples: list[float] = []
    try:
        for n in progress(range(count), count, "state change → MQTT command"):
            sensor = n % SENSORS
            change = registry.merge(f"motion_{sensor}", {"occupancy": (n // SENSORS) % 2 == 0})
            reached.clear()
            begun = time.perf_counter_ns()
            service.on_state_change(change)
            await asyncio.wait_for(reached.wait(), 5)
            samples.append((handed[-1] - begun) / 1e6)
            await asyncio.gather(*(t for runs in list(service.runs.values()) for t in runs))
    finally:
        mqtt.publish = publish  # type: ignore[method-assign]
    return samples


def bench_automation_latency(*, quick: bool = False) -> int:
    """Run the automations benchmark and print its figures."""
    row, load_ms = asyncio.run(_measure(200 if quick else 2_000))
    print(f"loaded {AUTOMATIONS} automations in {load_ms:.1f} ms")
    print_table([row])
    verdict = "holds" if row.p50_ms <= TARGET_MS and row.p99_ms <= TARGET_MS else "does NOT hold"
    print(f"target ≤ {TARGET_MS:g} ms (hub side) {verdict}: p50 {row.p50_ms:.3f} ms, p99 {row.p99_ms:.3f} ms")
    return 0
