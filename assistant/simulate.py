"""`hearth simulate`: play the devices of a config on an MQTT broker, like their firmware would."""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit

from devices.mqtt import MqttClient, MqttUnavailable
from devices.simulator import DeviceSimulator

from .config import HearthConfig


def broker_of(config: HearthConfig, override: str | None) -> tuple[str, int]:
    """The broker the simulator should use: --broker, else the hub's (managed or configured)."""
    if override:
        url = urlsplit(override)
        if url.scheme not in ("mqtt", "") or not url.hostname:
            raise ValueError(f"--broker {override!r} is not like mqtt://127.0.0.1:1883")
        return url.hostname, url.port or 1883
    return config.mqtt.host, config.mqtt.port


async def run_simulator(
    config: HearthConfig,
    broker: str | None,
    unresponsive: frozenset[str],
    delay: float,
    *,
    wait: float = 30.0,
) -> None:
    """Connect (waiting up to `wait` s for a managed broker to come up) and play devices until cancelled."""
    host, port = broker_of(config, broker)
    unknown = unresponsive - {d.id for d in config.devices.devices}
    if unknown:
        raise ValueError(f"--unresponsive names unknown devices: {', '.join(sorted(unknown))}")
    mqtt = MqttClient(
        host, port, client_id="hearth-simulator", username=config.mqtt.username, password=config.mqtt.password
    )
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        try:
            await mqtt.start()
            break
        except MqttUnavailable:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
    simulator = DeviceSimulator(config.devices, mqtt, delay=delay, unresponsive=unresponsive)
    try:
        await simulator.start()
        print(
            f"Simulating {len(config.devices.devices)} devices on mqtt://{host}:{port}",
            file=sys.stderr,
            flush=True,
        )
        await asyncio.Event().wait()
    finally:
        await simulator.stop()
        await mqtt.stop()
