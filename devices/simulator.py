"""A device simulator that answers commands on MQTT the way zigbee2mqtt, Tasmota and generic firmware do."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import random
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from devices import templates
from devices.config import DevicesConfig
from devices.errors import MqttUnavailable
from devices.model import Action, DeviceSpec, DeviceType, Protocol, Publish
from devices.mqtt import MqttClient
from devices.protocols import (
    TASMOTA_FAN_SPEEDS,
    command_topics,
    percent_to_254,
    z2m_payload,
)

logger = logging.getLogger(__name__)

_DEFAULTS: Mapping[DeviceType, dict[str, Any]] = {
    DeviceType.LIGHT: {"state": "OFF", "brightness": 254, "color": {"r": 255, "g": 255, "b": 255}},
    DeviceType.SWITCH: {"state": "OFF"},
    DeviceType.COVER: {"state": "CLOSE", "position": 0},
    DeviceType.CLIMATE: {
        "state": "ON",
        "system_mode": "heat",
        "occupied_heating_setpoint": 20,
        "local_temperature": 19.5,
    },
    DeviceType.FAN: {"state": "OFF", "fan_mode": "off"},
    DeviceType.LOCK: {"state": "LOCK"},
    DeviceType.MEDIA_PLAYER: {"state": "OFF", "playback": "paused", "volume": 30, "track": 1},
    DeviceType.SENSOR: {"temperature": 21.5, "humidity": 45},
}
_RESUME_SPEED = "medium"  # what a fan told "on" spins at before it has had a speed


def initial_state(device_type: DeviceType) -> dict[str, Any]:
    """The state a freshly powered simulated device reports (canonical keys)."""
    return copy.deepcopy(_DEFAULTS[device_type])


# Sensors named for motion or presence report occupancy, as zigbee2mqtt's motion sensors do, not a climate.
_OCCUPANCY_WORDS = frozenset({"motion", "occupancy", "presence", "pir"})


def initial_state_of(spec: DeviceSpec) -> dict[str, Any]:
    """The first state of one simulated device: its type's, or occupancy for a motion sensor."""
    words = {w for name in (spec.name, *spec.aliases) for w in name.lower().split()}
    if spec.type is DeviceType.SENSOR and words & _OCCUPANCY_WORDS:
        return {"occupancy": False}
    return initial_state(spec.type)


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


# --- applying changes (sans-I/O) ------------------------------------------------------------------------


def apply_change(device_type: DeviceType, state: dict[str, Any], change: Mapping[str, Any]) -> bool:
    """Apply a zigbee2mqtt-style `/set` object to a canonical state; False if nothing applied."""
    applied = False
    for key, value in change.items():
        handler = _HANDLERS.get(key)
        if handler is not None and handler(device_type, state, value):
            applied = True
    return applied


def _set_state(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, str):
        return False
    value = value.upper()
    if device_type is DeviceType.COVER:
        if value in ("OPEN", "CLOSE"):
            return _set_position(device_type, state, 100 if value == "OPEN" else 0)
        return bool(value == "STOP")
    if device_type is DeviceType.LOCK:
        if value in ("LOCK", "UNLOCK"):
            state["state"] = value
            return True
        return False
    if value == "TOGGLE":
        value = "OFF" if state.get("state") == "ON" else "ON"
    if value not in ("ON", "OFF") or device_type in (DeviceType.SENSOR, DeviceType.COVER):
        return False
    if device_type is DeviceType.FAN:
        return _set_fan_mode(device_type, state, "on" if value == "ON" else "off")
    if device_type is DeviceType.CLIMATE:
        return _set_system_mode(device_type, state, "heat" if value == "ON" else "off")
    state["state"] = value
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _set_brightness(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.LIGHT or not _is_number(value) or not 0 <= value <= 254:
        return False
    if value == 0:  # zigbee lights switch off at brightness 0 and remember the last level
        state["state"] = "OFF"
    else:
        state["brightness"], state["state"] = round(value), "ON"
    return True


def _set_color(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.LIGHT or not isinstance(value, Mapping):
        return False
    channels = [value.get(c) for c in ("r", "g", "b")]
    if not all(isinstance(c, int) and 0 <= c <= 255 for c in channels):
        return False
    state["color"] = dict(zip(("r", "g", "b"), channels, strict=True))
    state["state"] = "ON"
    return True


def _set_position(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.COVER or not _is_number(value) or not 0 <= value <= 100:
        return False
    state["position"] = round(value)
    state["state"] = "OPEN" if value > 0 else "CLOSE"
    return True


def _set_setpoint(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.CLIMATE or not _is_number(value):
        return False
    state["occupied_heating_setpoint"] = round(value * 2) / 2  # thermostats step in half degrees
    return True


def _set_system_mode(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.CLIMATE or value not in ("off", "heat", "auto", "cool"):
        return False
    state["system_mode"] = value
    state["state"] = "OFF" if value == "off" else "ON"
    return True


def _set_fan_mode(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.FAN or value not in ("on", *TASMOTA_FAN_SPEEDS):
        return False
    if value == "on":
        value = state.get("_last_speed", _RESUME_SPEED)
    if value != "off":
        state["_last_speed"] = value
    state["fan_mode"] = value
    state["state"] = "OFF" if value == "off" else "ON"
    return True


def _set_playback(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.MEDIA_PLAYER or value not in ("play", "pause", "next", "previous"):
        return False
    if value in ("next", "previous"):
        state["track"] = max(1, int(state.get("track", 1)) + (1 if value == "next" else -1))
        state["playback"] = "playing"
    else:
        state["playback"] = "playing" if value == "play" else "paused"
    state["state"] = "ON"
    return True


def _set_volume(device_type: DeviceType, state: dict[str, Any], value: Any) -> bool:
    if device_type is not DeviceType.MEDIA_PLAYER or not _is_number(value) or not 0 <= value <= 100:
        return False
    state["volume"] = round(value)
    return True


_HANDLERS: Mapping[str, Callable[[DeviceType, dict[str, Any], Any], bool]] = {
    "state": _set_state,
    "brightness": _set_brightness,
    "color": _set_color,
    "position": _set_position,
    "occupied_heating_setpoint": _set_setpoint,
    "system_mode": _set_system_mode,
    "fan_mode": _set_fan_mode,
    "playback": _set_playback,
    "volume": _set_volume,
}


# --- parsing commands per protocol ----------------------------------------------------------------------


def parse_command(spec: DeviceSpec, topic: str, payload: bytes) -> dict[str, Any] | None:
    """Translate a command message into a zigbee2mqtt-style change; {} for a query, None if not understood."""
    text = payload.decode("utf-8", "replace").strip()
    if spec.protocol is Protocol.ZIGBEE2MQTT:
        try:
            obj = json.loads(text)
        except ValueError:
            return None
        return obj if isinstance(obj, dict) else None
    if spec.protocol is Protocol.TASMOTA:
        return _parse_tasmota(spec, topic.rpartition("/")[2].lower(), text)
    return _parse_generic(spec, text)


def _parse_tasmota(spec: DeviceSpec, name: str, text: str) -> dict[str, Any] | None:
    upper = text.upper()
    if name in ("power", "power1"):
        if not text:
            return {}
        value = {"1": "ON", "0": "OFF", "2": "TOGGLE"}.get(upper, upper)
        return {"state": value} if spec.type is not DeviceType.FAN else None  # iFan's POWER is its light
    if name == "shutteropen":
        return {"position": 100}
    if name == "shutterclose":
        return {"position": 0}
    try:
        if name == "dimmer":
            return {"brightness": percent_to_254(int(text))} if text else {}
        if name == "shutterposition":
            return {"position": int(text)} if text else {}
        if name == "fanspeed":
            return {"fan_mode": TASMOTA_FAN_SPEEDS[int(text)]} if text else {}
    except (ValueError, IndexError):
        return None
    if name == "color":
        hex_text = text.lstrip("#")
        try:
            rgb = {c: int(hex_text[i : i + 2], 16) for c, i in zip("rgb", (0, 2, 4), strict=True)}
        except ValueError:
            return None
        return {"color": rgb} if len(hex_text) >= 6 else None
    return None


def _parse_generic(spec: DeviceSpec, text: str) -> dict[str, Any] | None:
    if spec.generic is None:
        return None
    for action_name, template in spec.generic.commands.items():
        match = templates.matcher(template).fullmatch(text)
        if match is None:
            continue
        values: dict[str, Any] = {}
        for key, raw in match.groupdict().items():
            values[key] = raw if key == "speed" else float(raw) if "." in raw else int(raw)
        # Template values are already what command_values produces (percentages, degrees, speed names).
        return z2m_payload(spec, Action(action_name), values)
    return None


# --- reporting state per protocol -----------------------------------------------------------------------


def _public(state: Mapping[str, Any]) -> dict[str, Any]:
    return {key: copy.deepcopy(value) for key, value in state.items() if not key.startswith("_")}


def tasmota_json(device_type: DeviceType, state: Mapping[str, Any]) -> dict[str, Any]:
    """A canonical state in Tasmota's RESULT/STATE/SENSOR vocabulary."""
    if device_type is DeviceType.FAN:
        return {"FanSpeed": TASMOTA_FAN_SPEEDS.index(state.get("fan_mode", "off"))}
    if device_type is DeviceType.COVER:
        position = state.get("position", 0)
        return {"Shutter1": {"Position": position, "Direction": 0, "Target": position, "Tilt": 0}}
    if device_type is DeviceType.SENSOR:
        reading = {"Temperature": state.get("temperature"), "Humidity": state.get("humidity")}
        return {"AM2301": reading, "TempUnit": "C"}
    out: dict[str, Any] = {"POWER": state.get("state", "OFF")}
    if device_type is DeviceType.LIGHT:
        out["Dimmer"] = round(state.get("brightness", 254) * 100 / 254)
        color = state.get("color", {"r": 255, "g": 255, "b": 255})
        out["Color"] = "{r:02X}{g:02X}{b:02X}".format(**color)
    return out


def state_messages(spec: DeviceSpec, state: Mapping[str, Any], *, initial: bool = False) -> list[Publish]:
    """The messages a device publishes to report its state (after a command, or `initial` at power-up)."""
    public = _public(state)
    if spec.protocol is Protocol.ZIGBEE2MQTT:
        if spec.type is DeviceType.CLIMATE:
            public.pop("state", None)  # zigbee thermostats report system_mode only
        return [Publish(spec.topic, _dumps(public), retain=True)]
    if spec.protocol is Protocol.TASMOTA:
        return _tasmota_messages(spec, public, initial=initial)
    generic = spec.generic
    if generic is None:
        return []
    if generic.state_format == "plain":
        value = public.get("state")
        return [Publish(generic.state_topic, str(value), retain=True)] if value is not None else []
    return [Publish(generic.state_topic, _dumps(public), retain=True)]


def _tasmota_messages(spec: DeviceSpec, public: Mapping[str, Any], *, initial: bool) -> list[Publish]:
    body = tasmota_json(spec.type, public)
    tele = "SENSOR" if spec.type in (DeviceType.COVER, DeviceType.SENSOR) else "STATE"
    # Telemetry is retained so that a hub started later still learns the current state.
    messages = [] if initial else [Publish(f"stat/{spec.topic}/RESULT", _dumps(body))]
    if not initial and "POWER" in body:
        messages.append(Publish(f"stat/{spec.topic}/POWER", body["POWER"]))
    messages.append(Publish(f"tele/{spec.topic}/{tele}", _dumps(body), retain=True))
    return messages


def handle_command(spec: DeviceSpec, state: dict[str, Any], topic: str, payload: bytes) -> list[Publish]:
    """Apply one command message to a device's state and return the reports it answers with."""
    change = parse_command(spec, topic, payload)
    if change is None:
        return []
    if change and not apply_change(spec.type, state, change):
        return []  # real firmware ignores a command it cannot apply (z2m logs an error instead)
    return state_messages(spec, state)


# --- the asyncio adapter --------------------------------------------------------------------------------


class DeviceSimulator:
    """Plays every device of a configuration on MQTT."""

    def __init__(
        self,
        config: DevicesConfig,
        mqtt: MqttClient,
        *,
        delay: float = 0.0,
        unresponsive: frozenset[str] = frozenset(),
        drift_interval: float | None = None,
    ) -> None:
        self.config, self.mqtt = config, mqtt
        self.delay, self.unresponsive, self.drift_interval = delay, unresponsive, drift_interval
        self.states = {spec.id: initial_state_of(spec) for spec in config.devices}
        self.commands: list[tuple[str, str, bytes]] = []  # (device id, topic, payload) of every command seen
        self._unsubscribe: list[Callable[[], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._random = random.Random(0)
        self._tasmota = {s.topic: s for s in config.devices if s.protocol is Protocol.TASMOTA}
        self._by_command_topic = {
            topic: spec
            for spec in config.devices
            if spec.protocol is not Protocol.TASMOTA
            for topic in command_topics(spec)
        }

    def state(self, device_id: str) -> dict[str, Any]:
        """The simulated device's current state (canonical keys)."""
        return _public(self.states[device_id])

    async def start(self) -> None:
        """Publish every device's initial retained state, then listen for commands."""
        for spec in self.config.devices:
            for message in state_messages(spec, self.states[spec.id], initial=True):
                await self.mqtt.publish(message.topic, message.payload, message.qos, message.retain)
        filters = [f for spec in self.config.devices for f in command_topics(spec)]
        self._unsubscribe.append(self.mqtt.subscribe_many(filters, self._on_command, qos=1))
        await self.mqtt.wait_subscribed()
        # A restarted broker (persistence off) forgets retained states: report them again on reconnect.
        self._unsubscribe.append(self.mqtt.add_connection_listener(self._on_connection))
        if self.drift_interval:
            self._spawn(self._drift(self.drift_interval))

    async def stop(self, *, clear_retained: bool = False) -> None:
        """Stop answering; with `clear_retained`, also delete the retained states it published."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if clear_retained and self.mqtt.connected:
            for spec in self.config.devices:
                for message in state_messages(spec, self.states[spec.id], initial=True):
                    await self.mqtt.publish(message.topic, b"", retain=True)

    def _on_connection(self, connected: bool) -> None:
        if connected:
            for spec in self.config.devices:
                self._publish_now(state_messages(spec, self.states[spec.id], initial=True))

    def _device_for(self, topic: str) -> DeviceSpec | None:
        if topic.startswith("cmnd/") and (spec := self._tasmota.get(topic[5:].rpartition("/")[0])):
            return spec  # tasmota: cmnd/<device topic>/<command>
        return self._by_command_topic.get(topic)

    def _on_command(self, topic: str, payload: bytes, retain: bool) -> None:
        spec = self._device_for(topic)
        if spec is None:
            return
        self.commands.append((spec.id, topic, payload))
        if spec.id in self.unresponsive or retain:  # a retained command is history, not a request
            return
        replies = handle_command(spec, self.states[spec.id], topic, payload)
        if not replies:
            return
        if self.delay > 0:
            self._spawn(self._publish_later(replies, self.delay))
        else:
            self._publish_now(replies)

    def _publish_now(self, messages: list[Publish]) -> None:
        try:
            for message in messages:
                self.mqtt.publish_nowait(message.topic, message.payload, message.qos, message.retain)
        except MqttUnavailable as err:
            logger.warning("simulator could not report state: %s", err)

    async def _publish_later(self, messages: list[Publish], delay: float) -> None:
        await asyncio.sleep(delay)
        self._publish_now(messages)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drift(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            for spec in self.config.devices:
                if self._drift_one(spec.type, self.states[spec.id]):
                    self._publish_now(state_messages(spec, self.states[spec.id], initial=True))

    def _drift_one(self, device_type: DeviceType, state: dict[str, Any]) -> bool:
        if device_type is DeviceType.SENSOR and "temperature" in state:
            state["temperature"] = round(state["temperature"] + self._random.uniform(-0.2, 0.2), 1)
            state["humidity"] = min(80, max(20, state["humidity"] + self._random.choice((-1, 0, 1))))
            return True
        if device_type is DeviceType.CLIMATE:
            target = state["occupied_heating_setpoint"] if state.get("state") == "ON" else 16.0
            step = 0.1 if target > state["local_temperature"] else -0.1
            if abs(target - state["local_temperature"]) >= 0.1:
                state["local_temperature"] = round(state["local_temperature"] + step, 1)
                return True
        return False
