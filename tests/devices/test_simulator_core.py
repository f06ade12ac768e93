"""The simulator's sans-I/O core: how simulated firmware applies commands and reports state."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devices.config import DevicesConfig
from devices.model import Action, DeviceSpec, DeviceType, Protocol, Publish
from devices.protocols import confirms, decode, encode
from devices.simulator import apply_change, handle_command, initial_state, initial_state_of, state_messages
from tests.devices.test_protocols import SPECS, cmd

A = Action


def test_defaults() -> None:
    assert initial_state(DeviceType.LIGHT) == {
        "state": "OFF",
        "brightness": 254,
        "color": {"r": 255, "g": 255, "b": 255},
    }
    assert initial_state(DeviceType.COVER) == {"state": "CLOSE", "position": 0}
    climate = initial_state(DeviceType.CLIMATE)
    assert climate["occupied_heating_setpoint"] == 20 and climate["local_temperature"] == 19.5
    assert initial_state(DeviceType.SENSOR) == {"temperature": 21.5, "humidity": 45}
    assert initial_state(DeviceType.LOCK) == {"state": "LOCK"}
    first = initial_state(DeviceType.LIGHT)
    first["color"]["r"] = 0
    assert initial_state(DeviceType.LIGHT)["color"]["r"] == 255  # each call gets its own copy


def test_initial_messages_are_retained(home: DevicesConfig, prefix: str) -> None:
    by_id = {spec.id: spec for spec in home.devices}
    light = state_messages(by_id["kitchen_light"], initial_state(DeviceType.LIGHT), initial=True)
    assert light == [
        Publish(
            f"{prefix}z2m/kitchen_light",
            '{"state":"OFF","brightness":254,"color":{"r":255,"g":255,"b":255}}',
            retain=True,
        )
    ]
    sensor = state_messages(by_id["hall_sensor"], initial_state(DeviceType.SENSOR), initial=True)
    assert sensor == [
        Publish(
            f"tele/{prefix}_hall_sensor/SENSOR",
            '{"AM2301":{"Temperature":21.5,"Humidity":45},"TempUnit":"C"}',
            retain=True,
        )
    ]
    thermostat = state_messages(by_id["thermostat"], initial_state(DeviceType.CLIMATE), initial=True)
    assert "state" not in json.loads(thermostat[0].payload)  # zigbee thermostats speak system_mode


def test_tasmota_answers_with_result_power_and_telemetry() -> None:
    spec = SPECS["coffee"]
    state = initial_state(spec.type)
    replies = handle_command(spec, state, "cmnd/t_coffee/POWER", b"ON")
    assert replies == [
        Publish("stat/t_coffee/RESULT", '{"POWER":"ON"}'),
        Publish("stat/t_coffee/POWER", "ON"),
        Publish("tele/t_coffee/STATE", '{"POWER":"ON"}', retain=True),
    ]
    assert handle_command(spec, state, "cmnd/t_coffee/POWER", b"TOGGLE")[1].payload == "OFF"
    assert handle_command(spec, state, "cmnd/t_coffee/POWER", b"")[1].payload == "OFF"  # a query
    assert handle_command(spec, state, "cmnd/t_coffee/Bogus", b"1") == []


@pytest.mark.parametrize(
    ("device_id", "action", "params", "expected"),
    [
        ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 50}, {"state": "ON", "brightness": 127}),
        ("kitchen_light", A.SET_BRIGHTNESS, {"brightness": 0}, {"state": "OFF", "brightness": 254}),
        (
            "kitchen_light",
            A.SET_COLOR,
            {"color": {"r": 1, "g": 2, "b": 3}},
            {"color": {"r": 1, "g": 2, "b": 3}},
        ),
        ("living_blinds", A.OPEN, {}, {"state": "OPEN", "position": 100}),
        ("living_blinds", A.SET_POSITION, {"position": 30}, {"state": "OPEN", "position": 30}),
        ("bedroom_shutter", A.OPEN, {}, {"state": "OPEN", "position": 100}),
        ("bedroom_shutter", A.SET_POSITION, {"position": 0}, {"state": "CLOSE", "position": 0}),
        ("thermostat", A.SET_TEMPERATURE, {"temperature": 22.3}, {"occupied_heating_setpoint": 22.5}),
        ("thermostat", A.TURN_OFF, {}, {"system_mode": "off", "state": "OFF"}),
        ("bedroom_fan", A.TURN_ON, {}, {"fan_mode": "medium", "state": "ON"}),
        ("bedroom_fan", A.SET_FAN_SPEED, {"speed": "high"}, {"fan_mode": "high", "state": "ON"}),
        ("front_door", A.UNLOCK, {}, {"state": "UNLOCK"}),
        ("speaker", A.MEDIA_PLAY, {}, {"state": "ON", "playback": "playing"}),
        ("speaker", A.MEDIA_NEXT, {}, {"track": 2, "playback": "playing"}),
        ("speaker", A.SET_VOLUME, {"volume": 55}, {"volume": 55}),
        ("desk_lamp", A.SET_BRIGHTNESS, {"brightness": 40}, {"state": "ON", "brightness": 102}),
        ("desk_lamp", A.SET_COLOR, {"color": {"r": 9, "g": 8, "b": 7}}, {"color": {"r": 9, "g": 8, "b": 7}}),
        ("porch_light", A.TURN_ON, {}, {"state": "ON"}),
    ],
)
def test_every_encoded_command_is_understood_and_confirmed(
    device_id: str, action: Action, params: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Round trip through the codec and the simulated firmware: the reports confirm the command."""
    spec: DeviceSpec = SPECS[device_id]
    state = initial_state(spec.type)
    command = cmd(device_id, action, **params)
    replies: list[Publish] = []
    for message in encode(spec, command):
        replies += handle_command(spec, state, message.topic, message.payload.encode())
    assert replies, "the simulated device did not answer"
    assert expected.items() <= state.items()
    decoded = [decode(spec, reply.topic, reply.payload.encode()) for reply in replies]
    assert any(update and confirms(spec, command, update) for update in decoded)


def test_fan_resumes_its_last_speed() -> None:
    state = initial_state(DeviceType.FAN)
    apply_change(DeviceType.FAN, state, {"fan_mode": "high"})
    apply_change(DeviceType.FAN, state, {"fan_mode": "off"})
    apply_change(DeviceType.FAN, state, {"fan_mode": "on"})
    assert state["fan_mode"] == "high"


def test_invalid_changes_are_ignored() -> None:
    state = initial_state(DeviceType.LIGHT)
    assert not apply_change(DeviceType.LIGHT, state, {"brightness": 999, "position": 3, "bogus": 1})
    assert state == initial_state(DeviceType.LIGHT)
    spec = SPECS["kitchen_light"]
    assert handle_command(spec, state, "tz2m/kitchen_light/set", b"{not json") == []
    assert handle_command(spec, state, "tz2m/kitchen_light/set", b'{"brightness": 999}') == []
    assert handle_command(SPECS["porch_light"], {"state": "OFF"}, "t/porch/command", b"MAYBE") == []


def test_a_motion_sensor_reports_occupancy_not_a_climate() -> None:
    motion = DeviceSpec(
        id="hall_motion", name="hallway motion sensor", type=DeviceType.SENSOR, area="hall",
        protocol=Protocol.ZIGBEE2MQTT, topic="zigbee2mqtt/hall_motion",
    )  # fmt: skip
    assert initial_state_of(motion) == {"occupancy": False}
    thermometer = DeviceSpec(
        id="office_sensor", name="office sensor", type=DeviceType.SENSOR, area="office",
        protocol=Protocol.ZIGBEE2MQTT, topic="zigbee2mqtt/office_sensor",
    )  # fmt: skip
    assert initial_state_of(thermometer) == initial_state(DeviceType.SENSOR)
