"""DeviceService with the simulator on a real Mosquitto: exact messages carried, confirmations, failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from devices.broker import ManagedBroker
from devices.config import DevicesConfig
from devices.model import Action, Command
from devices.mqtt import MqttClient
from devices.registry import Registry, StateChange
from devices.service import ActionResult, DeviceService
from devices.simulator import DeviceSimulator
from tests.devices.conftest import MqttFactory
from tests.mqtt_recorder import Carried, Recorder, eventually

UNRESPONSIVE = frozenset({"garage_light"})


@dataclass
class Home:
    service: DeviceService
    simulator: DeviceSimulator
    changes: list[StateChange]


@pytest.fixture
async def running(home: DevicesConfig, mqtt_factory: MqttFactory, recorder: Recorder) -> AsyncIterator[Home]:
    """Simulator and service on the session broker; the recorder is cleared once initial states settled."""
    simulator = DeviceSimulator(home, await mqtt_factory("sim"), unresponsive=UNRESPONSIVE)
    await simulator.start()
    service = DeviceService(Registry(home), await mqtt_factory("hub"), confirm_timeout=0.4)
    changes: list[StateChange] = []
    service.add_listener(changes.append)
    await service.start()
    # Every device's initial retained state reached the registry and the recorder (its own thread).
    await eventually(lambda: len(changes) >= len(home.devices))
    await recorder.wait_for(lambda carried: len(carried) >= len(home.devices))
    recorder.clear()
    yield Home(service, simulator, changes)
    await service.stop()
    await simulator.stop(clear_retained=True)


async def test_initial_retained_states_reach_the_registry(running: Home) -> None:
    service = running.service
    assert service.state("kitchen_light") == {
        "state": "OFF",
        "brightness": 254,
        "color": {"r": 255, "g": 255, "b": 255},
    }
    assert service.state("living_blinds") == {"state": "CLOSE", "position": 0}
    assert service.state("bedroom_shutter") == {"state": "CLOSE", "position": 0, "moving": "STOP"}
    assert service.state("thermostat")["occupied_heating_setpoint"] == 20
    assert service.state("hall_sensor") == {"temperature": 21.5, "humidity": 45}
    assert service.state("porch_light") == {"state": "OFF"}
    assert all(change.changed for change in running.changes)


async def test_z2m_command_is_carried_exactly_and_confirmed(
    running: Home, recorder: Recorder, prefix: str
) -> None:
    result = await running.service.execute(
        Command("kitchen_light", Action.SET_BRIGHTNESS, {"brightness": 50})
    )
    assert result == ActionResult(
        device_id="kitchen_light",
        action=Action.SET_BRIGHTNESS,
        topic=f"{prefix}z2m/kitchen_light/set",
        payload='{"state":"ON","brightness":127}',
        ok=True,
        code=None,
        message="Kitchen Light: set_brightness confirmed",
        state={"state": "ON", "brightness": 127, "color": {"r": 255, "g": 255, "b": 255}},
    )
    carried = await recorder.wait_for(lambda c: len(c) >= 2)
    assert carried == [
        Carried(f"{prefix}z2m/kitchen_light/set", '{"state":"ON","brightness":127}', 1, False),
        Carried(
            f"{prefix}z2m/kitchen_light",
            '{"state":"ON","brightness":127,"color":{"r":255,"g":255,"b":255}}',
            1,
            True,
        ),
    ]
    last = running.changes[-1]
    assert last.device_id == "kitchen_light" and last.changed and last.state == result.state


async def test_tasmota_command_is_carried_exactly_and_confirmed(
    running: Home, recorder: Recorder, prefix: str
) -> None:
    result = await running.service.execute(Command("coffee", Action.TURN_ON))
    assert (result.ok, result.topic, result.payload, result.state) == (
        True,
        f"cmnd/{prefix}_coffee/POWER",
        "ON",
        {"state": "ON"},
    )
    carried = await recorder.wait_for(lambda c: len(c) >= 4)
    assert carried == [
        Carried(f"cmnd/{prefix}_coffee/POWER", "ON", 1, False),
        Carried(f"stat/{prefix}_coffee/RESULT", '{"POWER":"ON"}', 1, False),
        Carried(f"stat/{prefix}_coffee/POWER", "ON", 1, False),
        Carried(f"tele/{prefix}_coffee/STATE", '{"POWER":"ON"}', 1, True),
    ]


async def test_generic_commands(running: Home, recorder: Recorder, prefix: str) -> None:
    lamp = await running.service.execute(Command("desk_lamp", Action.SET_BRIGHTNESS, {"brightness": 40}))
    porch = await running.service.execute(Command("porch_light", Action.TURN_ON))
    assert lamp.ok and lamp.state["brightness"] == 102
    assert porch.ok and porch.state == {"state": "ON"}
    carried = await recorder.wait_for(lambda c: len(c) >= 4)
    assert carried[0] == Carried(f"{prefix}/desk_lamp/command", '{"brightness_pct": 40}', 1, False)
    assert json.loads(carried[1].payload)["brightness"] == 102
    assert carried[2:] == [
        Carried(f"{prefix}/porch/command", "ON", 1, False),
        Carried(f"{prefix}/porch/state", "ON", 1, True),
    ]


async def test_every_type_confirms(running: Home) -> None:
    commands = [
        Command("living_blinds", Action.SET_POSITION, {"position": 30}),
        Command("bedroom_shutter", Action.OPEN),
        Command("thermostat", Action.SET_TEMPERATURE, {"temperature": 22.5}),
        Command("bedroom_fan", Action.SET_FAN_SPEED, {"speed": "high"}),
        Command("front_door", Action.UNLOCK),
        Command("speaker", Action.MEDIA_PLAY),
        Command("kitchen_light", Action.SET_COLOR, {"color": {"r": 255, "g": 0, "b": 0}}),
    ]
    results = await running.service.execute_many(commands)
    assert [(r.device_id, r.ok, r.code) for r in results] == [(c.device_id, True, None) for c in commands]
    assert running.service.state("bedroom_shutter")["position"] == 100
    assert running.service.state("front_door") == {"state": "UNLOCK"}


async def test_unresponsive_device_times_out(running: Home, recorder: Recorder, prefix: str) -> None:
    result = await running.service.execute(Command("garage_light", Action.TURN_ON), timeout=0.2)
    assert (result.ok, result.code) == (False, "device-timeout")
    assert result.message == "Garage Light did not respond within 0.2 s"
    assert result.topic == f"{prefix}z2m/garage_light/set" and result.state == {"state": "OFF", **_LIGHT_REST}
    carried = await recorder.wait_for(lambda c: len(c) >= 1)
    await asyncio.sleep(0.05)  # and nothing answers
    assert (
        carried
        == [Carried(f"{prefix}z2m/garage_light/set", '{"state":"ON"}', 1, False)]
        == recorder.carried()
    )


_LIGHT_REST = {"brightness": 254, "color": {"r": 255, "g": 255, "b": 255}}


async def test_a_report_from_before_the_command_does_not_confirm_it(
    running: Home, mqtt_factory: MqttFactory, prefix: str
) -> None:
    """The unresponsive light already reports ON; turning it on must still wait for a new report."""
    other = await mqtt_factory("other")
    await other.publish(f"{prefix}z2m/garage_light", '{"state":"ON"}', retain=True)
    await eventually(lambda: running.service.state("garage_light").get("state") == "ON")
    result = await running.service.execute(Command("garage_light", Action.TURN_ON), timeout=0.2)
    assert result.code == "device-timeout"
    await other.publish(f"{prefix}z2m/garage_light", b"", retain=True)


async def test_a_late_report_after_the_command_confirms(
    running: Home, mqtt_factory: MqttFactory, prefix: str
) -> None:
    other = await mqtt_factory("late")
    pending = asyncio.ensure_future(
        running.service.execute(Command("garage_light", Action.TURN_ON), timeout=2)
    )
    await asyncio.sleep(0.05)
    await other.publish(f"{prefix}z2m/garage_light", '{"state":"OFF"}')  # not yet
    await other.publish(f"{prefix}z2m/garage_light", '{"state":"ON"}')
    result = await pending
    assert result.ok and result.state["state"] == "ON"


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (Command("no_such_device", Action.TURN_ON), "device-unknown"),
        (Command("hall_sensor", Action.TURN_ON), "action-unsupported"),
        (Command("coffee", Action.SET_BRIGHTNESS, {"brightness": 50}), "action-unsupported"),
        (Command("kitchen_light", Action.SET_BRIGHTNESS, {"brightness": 150}), "invalid-params"),
        (Command("bedroom_fan", Action.SET_FAN_SPEED, {"speed": "ludicrous"}), "invalid-params"),
    ],
)
async def test_refused_commands_publish_nothing(
    running: Home, recorder: Recorder, command: Command, code: str
) -> None:
    result = await running.service.execute(command)
    assert (result.ok, result.code, result.topic, result.payload) == (False, code, "", "")
    assert result.message
    await asyncio.sleep(0.1)
    assert recorder.carried() == []


async def test_broker_down_is_reported(home: DevicesConfig, fresh_mosquitto: ManagedBroker) -> None:
    mqtt = MqttClient(fresh_mosquitto.host, fresh_mosquitto.port, client_id="down", reconnect_min=5)
    await mqtt.start()
    service = DeviceService(Registry(home), mqtt)
    await service.start()
    await asyncio.to_thread(fresh_mosquitto.stop)
    await eventually(lambda: not mqtt.connected)
    result = await service.execute(Command("coffee", Action.TURN_ON))
    assert (result.ok, result.code) == (False, "mqtt-unavailable")
    assert result.topic.startswith("cmnd/") and "not connected" in result.message
    await service.stop()
    await mqtt.stop()


async def test_service_and_simulator_recover_after_broker_restart(
    home: DevicesConfig, fresh_mosquitto: ManagedBroker
) -> None:
    broker = fresh_mosquitto
    hub = MqttClient(broker.host, broker.port, client_id="hub", reconnect_min=0.05)
    sim_mqtt = MqttClient(broker.host, broker.port, client_id="sim", reconnect_min=0.05)
    await hub.start()
    await sim_mqtt.start()
    simulator = DeviceSimulator(home, sim_mqtt)
    await simulator.start()
    service = DeviceService(Registry(home), hub, confirm_timeout=1.0)
    await service.start()
    assert (await service.execute(Command("coffee", Action.TURN_ON))).ok

    await asyncio.to_thread(broker.stop)
    await asyncio.to_thread(broker.start)
    async with asyncio.timeout(5):
        await hub.wait_connected()
        await sim_mqtt.wait_connected()
    await hub.wait_subscribed()
    await sim_mqtt.wait_subscribed()
    result = await service.execute(Command("coffee", Action.TURN_OFF))
    assert (result.ok, result.state) == (True, {"state": "OFF"})
    # The simulator reported its states again, so a newcomer learns them from retained messages.
    newcomer = DeviceService(Registry(home), hub)
    await newcomer.start()
    await eventually(lambda: newcomer.registry.state("thermostat").get("occupied_heating_setpoint") == 20)
    await newcomer.stop()
    await service.stop()
    await simulator.stop()
    await hub.stop()
    await sim_mqtt.stop()


def test_action_result_to_dict() -> None:
    result = ActionResult("d", Action.TURN_ON, "t", "p", False, "device-timeout", "m", {"state": "OFF"})
    assert json.loads(json.dumps(result.to_dict())) == {
        "device": "d",
        "command": "turn_on",
        "topic": "t",
        "payload": "p",
        "ok": False,
        "code": "device-timeout",
        "message": "m",
        "state": {"state": "OFF"},
    }


async def test_stopping_the_service_ends_pending_commands(running: Home) -> None:
    pending = asyncio.ensure_future(
        running.service.execute(Command("garage_light", Action.TURN_ON), timeout=5)
    )
    await asyncio.sleep(0.05)
    await running.service.stop()
    result = await pending
    assert (result.ok, result.code, result.message) == (
        False,
        "mqtt-unavailable",
        "the device service stopped",
    )


async def test_simulator_delay_drift_and_command_log(
    home: DevicesConfig, mqtt_factory: MqttFactory, prefix: str
) -> None:
    simulator = DeviceSimulator(home, await mqtt_factory("slow-sim"), delay=0.1, drift_interval=0.02)
    await simulator.start()
    service = DeviceService(Registry(home), await mqtt_factory("slow-hub"), confirm_timeout=1.0)
    await service.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await service.execute(Command("front_door", Action.UNLOCK))
    assert result.ok and loop.time() - started >= 0.1
    assert simulator.commands == [("front_door", f"{prefix}z2m/front_door/set", b'{"state":"UNLOCK"}')]
    assert simulator.state("front_door") == {"state": "UNLOCK"}
    await eventually(lambda: service.state("hall_sensor").get("temperature") != 21.5)
    await eventually(lambda: service.state("thermostat").get("local_temperature") != 19.5)
    await service.stop()
    await simulator.stop(clear_retained=True)
