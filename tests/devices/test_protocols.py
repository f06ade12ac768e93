"""Codecs: the exact messages each protocol sends, what reports decode to, and what confirms a command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devices.config import parse_devices
from devices.errors import CommandError
from devices.model import Action, Command, DeviceSpec, Publish
from devices.protocols import command_topics, confirms, decode, encode, state_topics
from tests.devices.conftest import sample_doc

SPECS: dict[str, DeviceSpec] = {spec.id: spec for spec in parse_devices(sample_doc("t")).devices}
A = Action


def cmd(device_id: str, action: Action, **params: Any) -> Command:
    return Command(device_id, action, params)


ENCODE: list[tuple[str, Action, dict[str, Any], str, str]] = [
    # zigbee2mqtt
    ("kitchen_light", A.TURN_ON, {}, "tz2m/kitchen_light/set", '{"state":"ON"}'),
    ("kitchen_light", A.TURN_OFF, {}, "tz2m/kitchen_light/set", '{"state":"OFF"}'),
    (
        "kitchen_light",
        A.SET_BRIGHTNESS,
        {"brightness": 50},
        "tz2m/kitchen_light/set",
        '{"state":"ON","brightness":127}',
    ),
    (
        "kitchen_light",
        A.SET_BRIGHTNESS,
        {"brightness": 100},
        "tz2m/kitchen_light/set",
        '{"state":"ON","brightness":254}',
    ),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 0}, "tz2m/kitchen_light/set", '{"state":"OFF"}'),
    (
        "kitchen_light",
        A.SET_COLOR,
        {"color": {"r": 255, "g": 0, "b": 10}, "color_name": "red"},
        "tz2m/kitchen_light/set",
        '{"state":"ON","color":{"r":255,"g":0,"b":10}}',
    ),
    ("living_blinds", A.OPEN, {}, "tz2m/living_blinds/set", '{"state":"OPEN"}'),
    ("living_blinds", A.CLOSE, {}, "tz2m/living_blinds/set", '{"state":"CLOSE"}'),
    ("living_blinds", A.SET_POSITION, {"position": 40}, "tz2m/living_blinds/set", '{"position":40}'),
    (
        "thermostat",
        A.SET_TEMPERATURE,
        {"temperature": 21.5},
        "tz2m/thermostat/set",
        '{"occupied_heating_setpoint":21.5}',
    ),
    (
        "thermostat",
        A.SET_TEMPERATURE,
        {"temperature": 21.0},
        "tz2m/thermostat/set",
        '{"occupied_heating_setpoint":21}',
    ),
    ("thermostat", A.TURN_ON, {}, "tz2m/thermostat/set", '{"system_mode":"heat"}'),
    ("thermostat", A.TURN_OFF, {}, "tz2m/thermostat/set", '{"system_mode":"off"}'),
    ("front_door", A.LOCK, {}, "tz2m/front_door/set", '{"state":"LOCK"}'),
    ("front_door", A.UNLOCK, {}, "tz2m/front_door/set", '{"state":"UNLOCK"}'),
    ("speaker", A.TURN_ON, {}, "tz2m/speaker/set", '{"state":"ON"}'),
    ("speaker", A.MEDIA_PLAY, {}, "tz2m/speaker/set", '{"playback":"play"}'),
    ("speaker", A.MEDIA_PAUSE, {}, "tz2m/speaker/set", '{"playback":"pause"}'),
    ("speaker", A.MEDIA_NEXT, {}, "tz2m/speaker/set", '{"playback":"next"}'),
    ("speaker", A.MEDIA_PREVIOUS, {}, "tz2m/speaker/set", '{"playback":"previous"}'),
    ("speaker", A.SET_VOLUME, {"volume": 35}, "tz2m/speaker/set", '{"volume":35}'),
    # tasmota
    ("coffee", A.TURN_ON, {}, "cmnd/t_coffee/POWER", "ON"),
    ("coffee", A.TURN_OFF, {}, "cmnd/t_coffee/POWER", "OFF"),
    ("bedroom_shutter", A.OPEN, {}, "cmnd/t_shutter/ShutterOpen", ""),
    ("bedroom_shutter", A.CLOSE, {}, "cmnd/t_shutter/ShutterClose", ""),
    ("bedroom_shutter", A.SET_POSITION, {"position": 30}, "cmnd/t_shutter/ShutterPosition", "30"),
    ("bedroom_fan", A.TURN_ON, {}, "cmnd/t_ifan/FanSpeed", "2"),
    ("bedroom_fan", A.TURN_OFF, {}, "cmnd/t_ifan/FanSpeed", "0"),
    ("bedroom_fan", A.SET_FAN_SPEED, {"speed": "low"}, "cmnd/t_ifan/FanSpeed", "1"),
    ("bedroom_fan", A.SET_FAN_SPEED, {"speed": "High"}, "cmnd/t_ifan/FanSpeed", "3"),
    # generic
    ("desk_lamp", A.TURN_ON, {}, "t/desk_lamp/command", '{"state": "ON"}'),
    ("desk_lamp", A.SET_BRIGHTNESS, {"brightness": 42.4}, "t/desk_lamp/command", '{"brightness_pct": 42}'),
    (
        "desk_lamp",
        A.SET_COLOR,
        {"color": {"r": 1, "g": 2, "b": 3}},
        "t/desk_lamp/command",
        '{"rgb": [1, 2, 3]}',
    ),
    ("porch_light", A.TURN_OFF, {}, "t/porch/command", "OFF"),
]


@pytest.mark.parametrize(("device_id", "action", "params", "topic", "payload"), ENCODE)
def test_encode(device_id: str, action: Action, params: dict[str, Any], topic: str, payload: str) -> None:
    assert encode(SPECS[device_id], cmd(device_id, action, **params)) == [Publish(topic, payload, 1, False)]


def test_encode_tasmota_light() -> None:
    spec = DeviceSpec("l", "L", SPECS["kitchen_light"].type, SPECS["coffee"].protocol, "bulb")
    assert encode(spec, cmd("l", A.SET_BRIGHTNESS, brightness=55)) == [Publish("cmnd/bulb/Dimmer", "55")]
    color = cmd("l", A.SET_COLOR, color={"r": 255, "g": 16, "b": 0})
    assert encode(spec, color) == [Publish("cmnd/bulb/Color", "FF1000")]


INVALID: list[tuple[str, Action, dict[str, Any]]] = [
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 150}),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": -1}),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": "50"}),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": True}),
    ("kitchen_light", A.SET_BRIGHTNESS, {}),
    ("kitchen_light", A.SET_COLOR, {"color": {"r": 256, "g": 0, "b": 0}}),
    ("kitchen_light", A.SET_COLOR, {"color": "red"}),
    ("living_blinds", A.SET_POSITION, {"position": 101}),
    ("thermostat", A.SET_TEMPERATURE, {"temperature": 80}),
    ("bedroom_fan", A.SET_FAN_SPEED, {"speed": "turbo"}),
    ("bedroom_fan", A.SET_FAN_SPEED, {"speed": 2}),
    ("speaker", A.SET_VOLUME, {"volume": 200}),
]


@pytest.mark.parametrize(("device_id", "action", "params"), INVALID)
def test_invalid_params(device_id: str, action: Action, params: dict[str, Any]) -> None:
    with pytest.raises(CommandError) as info:
        encode(SPECS[device_id], cmd(device_id, action, **params))
    assert info.value.code == "invalid-params"


@pytest.mark.parametrize(
    ("device_id", "action"),
    [
        ("coffee", A.SET_BRIGHTNESS),
        ("hall_sensor", A.TURN_ON),
        ("front_door", A.TURN_ON),
        ("porch_light", A.SET_COLOR),  # not supported by a switch
        ("desk_lamp", A.SET_TEMPERATURE),
    ],
)
def test_unsupported_action(device_id: str, action: Action) -> None:
    with pytest.raises(CommandError) as info:
        encode(SPECS[device_id], cmd(device_id, action))
    assert info.value.code == "action-unsupported"


def test_generic_action_without_template_is_unsupported() -> None:
    spec = parse_devices(
        {
            "devices": [
                {
                    "id": "l",
                    "name": "L",
                    "type": "light",
                    "protocol": "generic",
                    "command_topic": "c",
                    "state_topic": "s",
                    "commands": {"turn_on": "1"},
                }
            ]
        }
    ).devices[0]
    # Planning asks the device first, so such a command is refused before it is ever encoded.
    assert spec.supports(A.TURN_ON) and not spec.supports(A.TURN_OFF)
    assert not spec.supports(A.SET_BRIGHTNESS)  # a light, but without a payload for it
    with pytest.raises(CommandError) as info:
        encode(spec, cmd("l", A.TURN_OFF))
    assert info.value.code == "action-unsupported"


def test_topics() -> None:
    assert state_topics(SPECS["kitchen_light"]) == ["tz2m/kitchen_light"]
    assert state_topics(SPECS["coffee"]) == [
        "stat/t_coffee/RESULT",
        "stat/t_coffee/POWER",
        "tele/t_coffee/STATE",
        "tele/t_coffee/SENSOR",
    ]
    assert state_topics(SPECS["porch_light"]) == ["t/porch/state"]
    assert command_topics(SPECS["kitchen_light"]) == ["tz2m/kitchen_light/set"]
    assert command_topics(SPECS["coffee"]) == ["cmnd/t_coffee/+"]
    assert command_topics(SPECS["porch_light"]) == ["t/porch/command"]


DECODE: list[tuple[str, str, bytes, dict[str, Any] | None]] = [
    (
        "kitchen_light",
        "tz2m/kitchen_light",
        b'{"state":"ON","brightness":200,"linkquality":90}',
        {"state": "ON", "brightness": 200, "linkquality": 90},
    ),
    ("kitchen_light", "tz2m/kitchen_light/set", b'{"state":"ON"}', None),
    ("kitchen_light", "tz2m/kitchen_light/availability", b'{"state":"online"}', None),
    ("kitchen_light", "tz2m/kitchen_light", b"not json", None),
    ("kitchen_light", "tz2m/kitchen_light", b"[1, 2]", None),
    ("kitchen_light", "tz2m/kitchen_light", b"", None),
    ("kitchen_light", "tz2m/kitchen_light", b"\xff\xfe", None),
    (
        "thermostat",
        "tz2m/thermostat",
        b'{"system_mode":"off","occupied_heating_setpoint":20}',
        {"system_mode": "off", "occupied_heating_setpoint": 20, "state": "OFF"},
    ),
    ("speaker", "tz2m/speaker", b'{"playback":"playing"}', {"playback": "playing"}),
    ("coffee", "stat/t_coffee/POWER", b"ON", {"state": "ON"}),
    ("coffee", "stat/t_coffee/RESULT", b'{"POWER":"OFF"}', {"state": "OFF"}),
    (
        "coffee",
        "tele/t_coffee/STATE",
        b'{"Time":"2024-01-01T00:00:00","POWER":"ON","Wifi":{}}',
        {"state": "ON"},
    ),
    ("coffee", "stat/t_coffee/RESULT", b'{"Command":"Unknown"}', None),
    ("coffee", "stat/other/RESULT", b'{"POWER":"OFF"}', None),
    ("coffee", "cmnd/t_coffee/POWER", b"ON", None),
    (
        "bedroom_shutter",
        "stat/t_shutter/RESULT",
        b'{"Shutter1":{"Position":100,"Direction":0,"Target":100}}',
        {"position": 100, "state": "OPEN", "moving": "STOP"},
    ),
    (
        "bedroom_shutter",
        "tele/t_shutter/SENSOR",
        b'{"Shutter1":{"Position":0,"Direction":-1}}',
        {"position": 0, "state": "CLOSE", "moving": "DOWN"},
    ),
    ("bedroom_shutter", "stat/t_shutter/POWER", b"ON", None),  # a shutter's relays are not its state
    ("bedroom_fan", "stat/t_ifan/RESULT", b'{"FanSpeed":2}', {"fan_mode": "medium", "state": "ON"}),
    (
        "bedroom_fan",
        "stat/t_ifan/RESULT",
        b'{"FanSpeed":0,"POWER":"ON"}',
        {"fan_mode": "off", "state": "OFF"},
    ),
    (
        "hall_sensor",
        "tele/t_hall_sensor/SENSOR",
        b'{"Time":"x","AM2301":{"Temperature":21.5,"Humidity":40},"TempUnit":"C"}',
        {"temperature": 21.5, "humidity": 40},
    ),
    (
        "hall_sensor",
        "tele/t_hall_sensor/SENSOR",
        b'{"BME280":{"Temperature":19,"Humidity":55.5,"Pressure":1013}}',
        {"temperature": 19, "humidity": 55.5, "pressure": 1013},
    ),
    ("hall_sensor", "tele/t_hall_sensor/SENSOR", b'{"AM2301":{"Temperature":"x"}}', None),
    (
        "desk_lamp",
        "t/desk_lamp/state",
        b'{"state":"ON","brightness":100}',
        {"state": "ON", "brightness": 100},
    ),
    ("desk_lamp", "t/desk_lamp/state", b"ON", None),
    ("porch_light", "t/porch/state", b" on\n", {"state": "ON"}),
    ("porch_light", "t/porch/state", b"", None),
    ("porch_light", "t/porch/other", b"ON", None),
]


@pytest.mark.parametrize(("device_id", "topic", "payload", "expected"), DECODE)
def test_decode(device_id: str, topic: str, payload: bytes, expected: dict[str, Any] | None) -> None:
    assert decode(SPECS[device_id], topic, payload) == expected


def test_decode_tasmota_light() -> None:
    spec = DeviceSpec("l", "L", SPECS["kitchen_light"].type, SPECS["coffee"].protocol, "bulb")
    payload = json.dumps({"POWER": "ON", "Dimmer": 50, "Color": "FF8000"}).encode()
    assert decode(spec, "stat/bulb/RESULT", payload) == {
        "state": "ON",
        "brightness": 127,
        "color": {"r": 255, "g": 128, "b": 0},
    }
    rgbww = decode(spec, "tele/bulb/STATE", b'{"Color":"00FF000000","Dimmer":100}')
    assert rgbww == {"brightness": 254, "color": {"r": 0, "g": 255, "b": 0}}
    decimal = decode(spec, "tele/bulb/STATE", b'{"Color":"10,20,30"}')
    assert decimal == {"color": {"r": 10, "g": 20, "b": 30}}
    assert decode(spec, "tele/bulb/STATE", b'{"Color":"zz"}') is None


CONFIRMS: list[tuple[str, Action, dict[str, Any], dict[str, Any], bool]] = [
    ("kitchen_light", A.TURN_ON, {}, {"state": "ON"}, True),
    ("kitchen_light", A.TURN_ON, {}, {"state": "OFF"}, False),
    ("kitchen_light", A.TURN_ON, {}, {}, False),
    ("kitchen_light", A.TURN_OFF, {}, {"state": "OFF", "brightness": 3}, True),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 50}, {"state": "ON", "brightness": 129}, True),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 50}, {"state": "ON", "brightness": 130}, False),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 50}, {"state": "ON"}, False),
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 0}, {"state": "OFF", "brightness": 200}, True),
    (
        "kitchen_light",
        A.SET_COLOR,
        {"color": {"r": 255, "g": 0, "b": 0}},
        {"color": {"r": 255, "g": 0, "b": 0}},
        True,
    ),
    (
        "kitchen_light",
        A.SET_COLOR,
        {"color": {"r": 255, "g": 0, "b": 0}},
        {"color": {"r": 127, "g": 0, "b": 0}},
        True,
    ),
    (
        "kitchen_light",
        A.SET_COLOR,
        {"color": {"r": 255, "g": 0, "b": 0}},
        {"color": {"r": 0, "g": 255, "b": 0}},
        False,
    ),
    (
        "kitchen_light",
        A.SET_COLOR,
        {"color": {"r": 255, "g": 0, "b": 0}},
        {"color": {"x": 0.7, "y": 0.3}},
        True,
    ),
    ("kitchen_light", A.SET_COLOR, {"color": {"r": 255, "g": 0, "b": 0}}, {"state": "ON"}, False),
    ("living_blinds", A.OPEN, {}, {"state": "OPEN"}, True),
    ("living_blinds", A.OPEN, {}, {"position": 100}, True),
    ("living_blinds", A.OPEN, {}, {"moving": "UP"}, True),
    ("living_blinds", A.OPEN, {}, {"state": "CLOSE", "position": 0}, False),
    ("living_blinds", A.CLOSE, {}, {"position": 0}, True),
    ("living_blinds", A.CLOSE, {}, {"moving": "UP", "state": "OPEN"}, False),
    ("living_blinds", A.SET_POSITION, {"position": 40}, {"position": 40, "state": "OPEN"}, True),
    ("living_blinds", A.SET_POSITION, {"position": 40}, {"position": 39}, False),
    ("thermostat", A.SET_TEMPERATURE, {"temperature": 21.3}, {"occupied_heating_setpoint": 21.5}, True),
    ("thermostat", A.SET_TEMPERATURE, {"temperature": 21}, {"occupied_heating_setpoint": 20}, False),
    ("thermostat", A.TURN_OFF, {}, {"state": "OFF"}, True),
    ("front_door", A.LOCK, {}, {"state": "LOCK"}, True),
    ("front_door", A.UNLOCK, {}, {"state": "LOCK"}, False),
    ("bedroom_fan", A.SET_FAN_SPEED, {"speed": "high"}, {"fan_mode": "high", "state": "ON"}, True),
    ("bedroom_fan", A.SET_FAN_SPEED, {"speed": "high"}, {"fan_mode": "low"}, False),
    ("bedroom_fan", A.TURN_ON, {}, {"fan_mode": "medium", "state": "ON"}, True),
    ("speaker", A.MEDIA_PLAY, {}, {"playback": "playing"}, True),
    ("speaker", A.MEDIA_PAUSE, {}, {"playback": "playing"}, False),
    ("speaker", A.MEDIA_NEXT, {}, {"track": 3}, True),
    ("speaker", A.MEDIA_PREVIOUS, {}, {"volume": 10}, True),
    ("speaker", A.SET_VOLUME, {"volume": 40}, {"volume": 41}, True),
    ("speaker", A.SET_VOLUME, {"volume": 40}, {"volume": 45}, False),
    ("porch_light", A.TURN_ON, {}, {"state": "ON"}, True),
    ("porch_light", A.TURN_ON, {}, {"state": "OFF"}, False),
    ("coffee", A.LOCK, {}, {"state": "LOCK"}, False),  # not an action of a switch
    ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 500}, {"brightness": 254}, False),
]


@pytest.mark.parametrize(("device_id", "action", "params", "update", "expected"), CONFIRMS)
def test_confirms(
    device_id: str, action: Action, params: dict[str, Any], update: dict[str, Any], expected: bool
) -> None:
    assert confirms(SPECS[device_id], cmd(device_id, action, **params), update) is expected
