"""Sans-I/O codecs for the MQTT conventions of zigbee2mqtt, Tasmota and generic devices."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from devices import templates
from devices.errors import CommandError, ErrorCode
from devices.model import (
    FAN_SPEEDS,
    SUPPORTED_ACTIONS,
    Action,
    Command,
    DeviceSpec,
    DeviceType,
    Protocol,
    Publish,
)

# Device types each convention can command and read; config validation refuses the other combinations.
PROTOCOL_TYPES: Mapping[Protocol, frozenset[DeviceType]] = {
    Protocol.ZIGBEE2MQTT: frozenset(DeviceType),
    Protocol.TASMOTA: frozenset(
        {DeviceType.SWITCH, DeviceType.LIGHT, DeviceType.FAN, DeviceType.COVER, DeviceType.SENSOR}
    ),
    Protocol.GENERIC: frozenset(DeviceType),
}

TEMPERATURE_RANGE = (5.0, 35.0)  # thermostat setpoints outside this are almost surely a misheard number
TASMOTA_FAN_SPEEDS: tuple[str, ...] = ("off", *FAN_SPEEDS)  # index = Tasmota FanSpeed 0-3
TASMOTA_FAN_ON = 2  # Tasmota cannot resume the last speed, so "on" means medium (as Home Assistant does)

_PLAYBACK: Mapping[Action, str] = {
    Action.MEDIA_PLAY: "play",
    Action.MEDIA_PAUSE: "pause",
    Action.MEDIA_NEXT: "next",
    Action.MEDIA_PREVIOUS: "previous",
}


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))


def percent_to_254(percent: float) -> int:
    """Scale a 0-100 percentage to zigbee's 0-254 brightness."""
    return round(percent * 254 / 100)


# --- parameter validation -------------------------------------------------------------------------------


def _invalid(message: str) -> CommandError:
    return CommandError(ErrorCode.INVALID_PARAMS.value, message)


def _number(params: Mapping[str, Any], key: str, low: float, high: float) -> float:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"{key} must be a number from {low:g} to {high:g}, got {value!r}")
    if not low <= value <= high:
        raise _invalid(f"{key} must be from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _color(params: Mapping[str, Any]) -> dict[str, int]:
    value = params.get("color")
    if isinstance(value, Mapping):
        channels = [value.get(c) for c in ("r", "g", "b")]
    elif isinstance(value, list | tuple) and len(value) == 3:
        channels = list(value)
    else:
        raise _invalid(f"color must be {{'r', 'g', 'b'}} with values 0-255, got {value!r}")
    rgb: dict[str, int] = {}
    for name, channel in zip(("r", "g", "b"), channels, strict=True):
        if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel <= 255:
            raise _invalid(f"color channels must be integers 0-255, got {value!r}")
        rgb[name] = channel
    return rgb


def _speed(params: Mapping[str, Any]) -> str:
    value = params.get("speed")
    speed = value.strip().lower() if isinstance(value, str) else None
    if speed not in FAN_SPEEDS:
        raise _invalid(f"speed must be one of {', '.join(FAN_SPEEDS)}, got {value!r}")
    return speed


def command_values(command: Command) -> dict[str, Any]:
    """Validate a command's params and return the normalised values its templates use."""
    action, params = command.action, command.params
    if action is Action.SET_BRIGHTNESS:
        return {"brightness": round(_number(params, "brightness", 0, 100))}
    if action is Action.SET_POSITION:
        return {"position": round(_number(params, "position", 0, 100))}
    if action is Action.SET_VOLUME:
        return {"volume": round(_number(params, "volume", 0, 100))}
    if action is Action.SET_TEMPERATURE:
        temperature = _number(params, "temperature", *TEMPERATURE_RANGE)
        return {"temperature": int(temperature) if temperature.is_integer() else temperature}
    if action is Action.SET_COLOR:
        return _color(params)
    if action is Action.SET_FAN_SPEED:
        return {"speed": _speed(params)}
    return {}


# --- encode ---------------------------------------------------------------------------------------------


def encode(spec: DeviceSpec, command: Command) -> list[Publish]:
    """The MQTT messages that carry a command to a device; raises CommandError when it cannot be sent."""
    if not spec.supports(command.action):
        raise CommandError(
            ErrorCode.ACTION_UNSUPPORTED.value,
            f"{spec.name} is a {spec.type.value} and cannot {command.action.value}",
        )
    values = command_values(command)
    if spec.protocol is Protocol.ZIGBEE2MQTT:
        return [Publish(f"{spec.topic}/set", _dumps(z2m_payload(spec, command.action, values)))]
    if spec.protocol is Protocol.TASMOTA:
        name, payload = _tasmota_command(spec, command.action, values)
        return [Publish(f"cmnd/{spec.topic}/{name}", payload)]
    return [_generic_publish(spec, command.action, values)]


def z2m_payload(spec: DeviceSpec, action: Action, values: Mapping[str, Any]) -> dict[str, Any]:
    """The zigbee2mqtt `/set` object for an action with validated values (see command_values)."""
    on_off = "ON" if action is Action.TURN_ON else "OFF"
    if spec.type is DeviceType.CLIMATE and action in (Action.TURN_ON, Action.TURN_OFF):
        return {"system_mode": "heat" if action is Action.TURN_ON else "off"}
    if spec.type is DeviceType.FAN and action in (Action.TURN_ON, Action.TURN_OFF):
        return {"fan_mode": on_off.lower()}
    simple: dict[Action, dict[str, Any]] = {
        Action.TURN_ON: {"state": "ON"},
        Action.TURN_OFF: {"state": "OFF"},
        Action.OPEN: {"state": "OPEN"},
        Action.CLOSE: {"state": "CLOSE"},
        Action.LOCK: {"state": "LOCK"},
        Action.UNLOCK: {"state": "UNLOCK"},
    }
    if action in simple:
        return simple[action]
    if action in _PLAYBACK:
        return {"playback": _PLAYBACK[action]}
    if action is Action.SET_BRIGHTNESS:
        # 0 % means off: zigbee lights treat brightness 0 inconsistently, "OFF" is understood by all.
        if values["brightness"] == 0:
            return {"state": "OFF"}
        return {"state": "ON", "brightness": percent_to_254(values["brightness"])}
    if action is Action.SET_COLOR:
        # Most bulbs ignore a colour change while off; a user asking for red expects the light on.
        return {"state": "ON", "color": {c: values[c] for c in ("r", "g", "b")}}
    if action is Action.SET_POSITION:
        return {"position": values["position"]}
    if action is Action.SET_TEMPERATURE:
        return {"occupied_heating_setpoint": values["temperature"]}
    if action is Action.SET_FAN_SPEED:
        return {"fan_mode": values["speed"]}
    return {"volume": values["volume"]}  # SET_VOLUME, the last action media players accept


def _tasmota_command(spec: DeviceSpec, action: Action, values: Mapping[str, Any]) -> tuple[str, str]:
    if spec.type not in PROTOCOL_TYPES[Protocol.TASMOTA]:
        raise CommandError(ErrorCode.ACTION_UNSUPPORTED.value, f"tasmota cannot command a {spec.type.value}")
    if spec.type is DeviceType.FAN:
        if action is Action.SET_FAN_SPEED:
            return "FanSpeed", str(TASMOTA_FAN_SPEEDS.index(values["speed"]))
        return "FanSpeed", str(TASMOTA_FAN_ON if action is Action.TURN_ON else 0)
    if action in (Action.TURN_ON, Action.TURN_OFF):
        return "POWER", "ON" if action is Action.TURN_ON else "OFF"
    if action is Action.SET_BRIGHTNESS:
        return "Dimmer", str(values["brightness"])
    if action is Action.SET_COLOR:
        return "Color", "{r:02X}{g:02X}{b:02X}".format(**values)
    if action is Action.OPEN:
        return "ShutterOpen", ""
    if action is Action.CLOSE:
        return "ShutterClose", ""
    return "ShutterPosition", str(values["position"])  # SET_POSITION, the last action left


def _generic_publish(spec: DeviceSpec, action: Action, values: Mapping[str, Any]) -> Publish:
    generic = spec.generic
    template = generic.commands.get(action.value) if generic else None
    if generic is None or template is None:
        raise CommandError(
            ErrorCode.ACTION_UNSUPPORTED.value,
            f"{spec.name} has no command template for {action.value} in devices.yaml",
        )
    return Publish(generic.command_topic, templates.render(template, values))


# --- decode ---------------------------------------------------------------------------------------------

_TASMOTA_SUFFIXES = ("stat/{}/RESULT", "stat/{}/POWER", "tele/{}/STATE", "tele/{}/SENSOR")


def state_topics(spec: DeviceSpec) -> list[str]:
    """The exact topics on which a device reports its state."""
    if spec.protocol is Protocol.ZIGBEE2MQTT:
        return [spec.topic]
    if spec.protocol is Protocol.TASMOTA:
        return [pattern.format(spec.topic) for pattern in _TASMOTA_SUFFIXES]
    return [spec.generic.state_topic if spec.generic else spec.topic]


def command_topics(spec: DeviceSpec) -> list[str]:
    """Topic filters on which a device listens for commands (what firmware, or the simulator, subscribes)."""
    if spec.protocol is Protocol.ZIGBEE2MQTT:
        return [f"{spec.topic}/set"]
    if spec.protocol is Protocol.TASMOTA:
        return [f"cmnd/{spec.topic}/+"]
    return [spec.generic.command_topic] if spec.generic and spec.generic.command_topic else []


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return value if isinstance(value, dict) else None


def _derive_power(spec: DeviceSpec, update: dict[str, Any]) -> dict[str, Any]:
    """Add the canonical on/off `state` that climate and fan devices express through their mode."""
    if "state" in update:
        return update
    if spec.type is DeviceType.CLIMATE and isinstance(update.get("system_mode"), str):
        update["state"] = "OFF" if update["system_mode"] == "off" else "ON"
    elif spec.type is DeviceType.FAN and isinstance(update.get("fan_mode"), str):
        update["state"] = "OFF" if update["fan_mode"] == "off" else "ON"
    return update


def decode(spec: DeviceSpec, topic: str, payload: bytes) -> dict[str, Any] | None:
    """Canonical state keys reported by a message, or None when it says nothing about state; never raises."""
    try:
        if spec.protocol is Protocol.ZIGBEE2MQTT:
            obj = _json_object(payload) if topic == spec.topic else None
            return _derive_power(spec, obj) if obj else None
        if spec.protocol is Protocol.TASMOTA:
            return _decode_tasmota(spec, topic, payload)
        return _decode_generic(spec, topic, payload)
    except Exception:  # a device must never be able to crash the hub with a strange payload
        return None


_PLAIN_ALIASES: Mapping[str, str] = {
    "CLOSED": "CLOSE",
    "LOCKED": "LOCK",
    "UNLOCKED": "UNLOCK",
    "OPENED": "OPEN",
}


def _decode_generic(spec: DeviceSpec, topic: str, payload: bytes) -> dict[str, Any] | None:
    generic = spec.generic
    if generic is None or topic != generic.state_topic:
        return None
    if generic.state_format == "json":
        obj = _json_object(payload)
        return _derive_power(spec, obj) if obj else None
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    upper = text.upper()
    return {"state": _PLAIN_ALIASES.get(upper, upper)}


def _decode_tasmota(spec: DeviceSpec, topic: str, payload: bytes) -> dict[str, Any] | None:
    prefix, _, rest = topic.partition("/")
    device_topic, _, kind = rest.rpartition("/")
    if device_topic != spec.topic or (prefix, kind) not in {
        ("stat", "RESULT"),
        ("stat", "POWER"),
        ("tele", "STATE"),
        ("tele", "SENSOR"),
    }:
        return None
    if kind == "POWER":
        text = payload.decode("utf-8", "replace").strip().upper()
        obj: dict[str, Any] | None = {"POWER": text}
    else:
        obj = _json_object(payload)
    update = tasmota_fields(spec.type, obj) if obj else {}
    return update or None


def _tasmota_color(value: object) -> dict[str, int] | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("#")
    try:
        if "," in text:  # SetOption17 1 reports decimal "r,g,b"
            r, g, b = (int(part) for part in text.split(",")[:3])
        elif len(text) >= 6:  # "RRGGBB" followed by white channels on RGBW/RGBCCT bulbs
            r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
        else:
            return None
    except ValueError:
        return None
    return {"r": r, "g": g, "b": b}


def _tasmota_power(obj: Mapping[str, Any]) -> str | None:
    power = obj.get("POWER", obj.get("POWER1"))
    return power if power in ("ON", "OFF") else None


def tasmota_fields(device_type: DeviceType, obj: Mapping[str, Any]) -> dict[str, Any]:
    """Map Tasmota's RESULT/STATE/SENSOR keys onto canonical state keys for a device type."""
    out: dict[str, Any] = {}
    if device_type in (DeviceType.LIGHT, DeviceType.SWITCH) and (power := _tasmota_power(obj)):
        out["state"] = power
    dimmer = obj.get("Dimmer")
    if device_type is DeviceType.LIGHT and isinstance(dimmer, int | float) and not isinstance(dimmer, bool):
        out["brightness"] = percent_to_254(dimmer)
    if device_type is DeviceType.LIGHT and (color := _tasmota_color(obj.get("Color"))):
        out["color"] = color
    fan_speed = obj.get("FanSpeed")
    if device_type is DeviceType.FAN and isinstance(fan_speed, int) and 0 <= fan_speed < 4:
        out["fan_mode"] = TASMOTA_FAN_SPEEDS[fan_speed]
        out["state"] = "OFF" if fan_speed == 0 else "ON"
    shutter = obj.get("Shutter1")
    if device_type is DeviceType.COVER and isinstance(shutter, Mapping):
        out.update(_tasmota_shutter(shutter))
    if device_type is DeviceType.SENSOR:
        out.update(_tasmota_sensor(obj))
    return out


def _tasmota_shutter(shutter: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    position = shutter.get("Position")
    if isinstance(position, int | float) and not isinstance(position, bool):
        out["position"] = position
        out["state"] = "OPEN" if position > 0 else "CLOSE"  # zigbee2mqtt's convention for covers
    direction = shutter.get("Direction")
    if direction in (-1, 0, 1):
        out["moving"] = {1: "UP", -1: "DOWN", 0: "STOP"}[direction]
    return out


_SENSOR_KEYS: Mapping[str, str] = {
    "Temperature": "temperature",
    "Humidity": "humidity",
    "Pressure": "pressure",
}


def _tasmota_sensor(obj: Mapping[str, Any]) -> dict[str, Any]:
    # Readings sit under the sensor's name ("AM2301", "DS18B20", "BME280", ...); the first of each wins.
    out: dict[str, Any] = {}
    for value in obj.values():
        if not isinstance(value, Mapping):
            continue
        for key, canonical in _SENSOR_KEYS.items():
            reading = value.get(key)
            if canonical not in out and isinstance(reading, int | float) and not isinstance(reading, bool):
                out[canonical] = reading
    return out


# --- confirms -------------------------------------------------------------------------------------------

_STATE_TARGET: Mapping[Action, str] = {
    Action.TURN_ON: "ON",
    Action.TURN_OFF: "OFF",
    Action.LOCK: "LOCK",
    Action.UNLOCK: "UNLOCK",
}


def _near(value: object, target: float, tolerance: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value - target) <= tolerance


def _color_matches(reported: object, target: Mapping[str, int]) -> bool:
    if not isinstance(reported, Mapping):
        return False
    channels: list[float] = []
    for name in ("r", "g", "b"):
        channel = reported.get(name)
        if isinstance(channel, bool) or not isinstance(channel, int | float):
            return True  # zigbee bulbs report xy/hue, which cannot be compared exactly: any colour counts
        channels.append(channel)
    # Tasmota scales the reported colour by the dimmer, so compare the hue-carrying proportions.
    wanted = [target[c] for c in ("r", "g", "b")]
    got_max, want_max = max(channels), max(wanted)
    if want_max == 0 or got_max == 0:
        return want_max == got_max
    pairs = zip(channels, wanted, strict=True)
    return all(abs(got * 255 / got_max - want * 255 / want_max) <= 8 for got, want in pairs)


def _confirms_open_close(action: Action, update: Mapping[str, Any]) -> bool:
    opening = action is Action.OPEN
    if update.get("state") == ("OPEN" if opening else "CLOSE"):
        return True
    if update.get("position") == (100 if opening else 0):
        return True
    return update.get("moving") == ("UP" if opening else "DOWN")  # a slow cover that started moving


def _confirm_rules() -> dict[Action, Callable[[Mapping[str, Any], Mapping[str, Any]], bool]]:
    return {
        Action.SET_BRIGHTNESS: lambda u, v: (
            u.get("state") == "OFF" or _near(u.get("brightness"), 0, 2)
            if v["brightness"] == 0
            else _near(u.get("brightness"), percent_to_254(v["brightness"]), 2)
        ),
        Action.SET_COLOR: lambda u, v: _color_matches(u.get("color"), v),
        Action.SET_POSITION: lambda u, v: _near(u.get("position"), v["position"], 0),
        Action.SET_TEMPERATURE: lambda u, v: _near(u.get("occupied_heating_setpoint"), v["temperature"], 0.5),
        Action.SET_FAN_SPEED: lambda u, v: u.get("fan_mode") == v["speed"],
        Action.SET_VOLUME: lambda u, v: _near(u.get("volume"), v["volume"], 1),
        Action.MEDIA_PLAY: lambda u, v: u.get("playback") == "playing",
        Action.MEDIA_PAUSE: lambda u, v: u.get("playback") == "paused",
        Action.MEDIA_NEXT: lambda u, v: True,  # a new track leaves nothing to compare: any report counts
        Action.MEDIA_PREVIOUS: lambda u, v: True,
    }


_CONFIRM_RULES = _confirm_rules()


def confirms(spec: DeviceSpec, command: Command, state_update: Mapping[str, Any]) -> bool:
    """Whether a decoded state report shows that the command took effect."""
    if not state_update or command.action not in SUPPORTED_ACTIONS[spec.type]:
        return False
    action = command.action
    if action in _STATE_TARGET:
        return state_update.get("state") == _STATE_TARGET[action]
    if action in (Action.OPEN, Action.CLOSE):
        return _confirms_open_close(action, state_update)
    if spec.generic is not None and spec.generic.state_format == "plain":
        return True  # a plain topic carries only on/off-like state, so any report is the best evidence
    try:
        values = command_values(command)
    except CommandError:
        return False
    return _CONFIRM_RULES[action](state_update, values)
