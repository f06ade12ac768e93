"""Plain data model of a home: areas, devices, the actions each device type supports, commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DeviceType(StrEnum):
    """The kinds of device Hearth knows how to command."""

    LIGHT = "light"
    SWITCH = "switch"
    COVER = "cover"
    CLIMATE = "climate"
    FAN = "fan"
    LOCK = "lock"
    MEDIA_PLAYER = "media_player"
    SENSOR = "sensor"


class Protocol(StrEnum):
    """MQTT conventions a device speaks."""

    ZIGBEE2MQTT = "zigbee2mqtt"
    TASMOTA = "tasmota"
    GENERIC = "generic"


class Action(StrEnum):
    """Device-level actions; the pipeline maps recognised intents onto these."""

    TURN_ON = "turn_on"
    TURN_OFF = "turn_off"
    SET_BRIGHTNESS = "set_brightness"  # params: brightness (0-100 percent)
    SET_COLOR = "set_color"  # params: color ({"r","g","b"} 0-255) and optional color_name
    SET_TEMPERATURE = "set_temperature"  # params: temperature (degrees C, float)
    OPEN = "open"
    CLOSE = "close"
    SET_POSITION = "set_position"  # params: position (0-100 percent open)
    LOCK = "lock"
    UNLOCK = "unlock"
    SET_FAN_SPEED = "set_fan_speed"  # params: speed ("low" | "medium" | "high")
    MEDIA_PLAY = "media_play"
    MEDIA_PAUSE = "media_pause"
    MEDIA_NEXT = "media_next"
    MEDIA_PREVIOUS = "media_previous"
    SET_VOLUME = "set_volume"  # params: volume (0-100 percent)


# Which actions each device type accepts; anything else is refused before a byte is published.
SUPPORTED_ACTIONS: Mapping[DeviceType, frozenset[Action]] = {
    DeviceType.LIGHT: frozenset({Action.TURN_ON, Action.TURN_OFF, Action.SET_BRIGHTNESS, Action.SET_COLOR}),
    DeviceType.SWITCH: frozenset({Action.TURN_ON, Action.TURN_OFF}),
    DeviceType.COVER: frozenset({Action.OPEN, Action.CLOSE, Action.SET_POSITION}),
    DeviceType.CLIMATE: frozenset({Action.TURN_ON, Action.TURN_OFF, Action.SET_TEMPERATURE}),
    DeviceType.FAN: frozenset({Action.TURN_ON, Action.TURN_OFF, Action.SET_FAN_SPEED}),
    DeviceType.LOCK: frozenset({Action.LOCK, Action.UNLOCK}),
    DeviceType.MEDIA_PLAYER: frozenset(
        {
            Action.TURN_ON,
            Action.TURN_OFF,
            Action.MEDIA_PLAY,
            Action.MEDIA_PAUSE,
            Action.MEDIA_NEXT,
            Action.MEDIA_PREVIOUS,
            Action.SET_VOLUME,
        }
    ),
    DeviceType.SENSOR: frozenset(),
}

FAN_SPEEDS: tuple[str, ...] = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class Area:
    """A room or zone; `id` is the lower-case slug of the name."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GenericTopics:
    """Explicit topics and payload templates for `protocol: generic` devices.

    `commands` maps an Action value to a payload template; `{brightness}`, `{position}`, ... are filled from
    the command's params. `state_format` is `json` (the state topic carries a JSON object using the
    canonical state keys) or `plain` (the payload is the value of the `state` key, e.g. `ON`).
    """

    command_topic: str
    state_topic: str
    commands: Mapping[str, str] = field(default_factory=dict)
    state_format: str = "json"


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One configured device, as read from devices.yaml."""

    id: str
    name: str
    type: DeviceType
    protocol: Protocol
    topic: str  # zigbee2mqtt: base topic (e.g. "zigbee2mqtt/kitchen_light"); tasmota: the device topic
    area: str | None = None  # Area.id
    aliases: tuple[str, ...] = ()
    generic: GenericTopics | None = None  # required for protocol generic

    def supports(self, action: Action) -> bool:
        """Whether this device accepts the action: its type does, and a generic device has a command for it.

        A generic device can only be sent what its `commands` list a payload for ("hallway light" with only
        on and off cannot be dimmed, though lights can).
        """
        if self.generic is not None and action.value not in self.generic.commands:
            return False
        return action in SUPPORTED_ACTIONS[self.type]


@dataclass(frozen=True, slots=True)
class Command:
    """A request to change one device."""

    device_id: str
    action: Action
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Publish:
    """One MQTT message to send."""

    topic: str
    payload: str
    qos: int = 1
    retain: bool = False


# Canonical device state keys (zigbee2mqtt's vocabulary, so z2m state passes through unchanged):
#   state: "ON"/"OFF" (light, switch, fan, climate, media_player power), "OPEN"/"CLOSE" (cover),
#          "LOCK"/"UNLOCK" (lock)
#   brightness: 0-254 (light)          color: {"r","g","b"} 0-255 (light)
#   position: 0-100 (cover, 100 = fully open)
#   occupied_heating_setpoint, local_temperature: degrees C (climate)
#   fan_mode: "off" | "low" | "medium" | "high" (fan)
#   playback: "playing" | "paused" (media_player)   volume: 0-100 (media_player)
#   temperature, humidity: numbers (sensor)
DeviceState = Mapping[str, Any]
