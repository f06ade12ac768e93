"""The hub end to end: real WebSocket clients, a real Mosquitto, the device simulator."""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from assistant.config import load_config
from assistant.hub import Hub
from devices.broker import ManagedBroker, free_port

from .conftest import (
    BEDROOM_TOKEN,
    KITCHEN_TOKEN,
    PHONE_TOKEN,
    Carried,
    Recorder,
    RunningHome,
    commands,
    make_home,
    nothing_published,
    of_type,
    open_client,
)


async def test_turn_on_the_kitchen_light_end_to_end(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("turn on the kitchen light")
    kinds = [e["type"] for e in events]
    assert kinds == ["run-start", "intent", "action", "reply", "run-end"]
    assert all(e["id"] == "r1" for e in events)
    intent = of_type(events, "intent")[0]
    assert (intent["name"], intent["source"], intent["slots"]["name"]) == (
        "turn_on",
        "template",
        ["kitchen_light"],
    )
    action = of_type(events, "action")[0]
    assert action["ok"] is True
    assert (action["device"], action["command"], action["topic"]) == (
        "kitchen_light",
        "turn_on",
        "zigbee2mqtt/kitchen_light/set",
    )
    assert json.loads(action["payload"]) == {"state": "ON"}
    assert of_type(events, "reply")[0]["text"] == "Turned on the kitchen light"
    end = events[-1]
    assert end["ok"] is True
    assert {"intent", "action", "reply", "total"} <= set(end["timings"])
    [carried] = commands(recorder, expect=1)
    assert (carried.topic, json.loads(carried.payload), carried.qos, carried.retain) == (
        "zigbee2mqtt/kitchen_light/set",
        {"state": "ON"},
        1,
        False,
    )
    assert home.hub.registry.state("kitchen_light")["state"] == "ON"
    await client.ws.close()


@pytest.mark.parametrize(
    ("text", "topic", "payload"),
    [
        ("turn on the coffee maker", "cmnd/coffee_maker/POWER", "ON"),
        ("turn on the hall light", "home/hallway/light/set", "ON"),
        (
            "set the kitchen light to 50 percent",
            "zigbee2mqtt/kitchen_light/set",
            {"state": "ON", "brightness": 127},
        ),
        ("open the garage door", "zigbee2mqtt/garage_door/set", {"state": "OPEN"}),
        (
            "set the bedroom thermostat to twenty one degrees",
            "zigbee2mqtt/bedroom_thermostat/set",
            {"occupied_heating_setpoint": 21},
        ),
        ("lock the front door", "zigbee2mqtt/front_door/set", {"state": "LOCK"}),
        ("pause the tv", "home/living_room/tv/command", {"playback": "pause"}),
        ("set the living room lamp to 30 percent", "cmnd/living_room_lamp/Dimmer", "30"),
    ],
)
async def test_commands_reach_the_broker_in_each_convention(
    home: RunningHome, recorder: Recorder, text: str, topic: str, payload: object
) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    events = await client.run(text)
    actions = of_type(events, "action")
    assert actions and all(a["ok"] for a in actions), events
    carried = [m for m in commands(recorder, expect=1) if m.topic == topic]
    assert carried, commands(recorder)
    body = carried[0].payload if isinstance(payload, str) else json.loads(carried[0].payload)
    assert body == payload
    assert carried[0].qos == 1 and not carried[0].retain
    assert events[-1]["ok"] is True


async def test_client_area_is_used_when_no_area_is_said(home: RunningHome, recorder: Recorder) -> None:
    bedroom = await open_client(home.url, BEDROOM_TOKEN)
    events = await bedroom.run("turn on the light")
    assert [a["device"] for a in of_type(events, "action")] == ["bedroom_light"]
    kitchen = await open_client(home.url, KITCHEN_TOKEN)
    events = await kitchen.run("turn off the lights")
    assert sorted(a["device"] for a in of_type(events, "action")) == ["kitchen_light", "kitchen_light_strip"]


async def test_ambiguous_or_missing_area_asks_back_and_publishes_nothing(
    home: RunningHome, recorder: Recorder
) -> None:
    kitchen = await open_client(home.url, KITCHEN_TOKEN)
    events = await kitchen.run("turn on the light")  # two lights in the kitchen
    assert not of_type(events, "action")
    assert "?" in of_type(events, "reply")[0]["text"]
    phone = await open_client(home.url, PHONE_TOKEN)  # a phone has no area
    events = await phone.run("turn on the lights", run_id="r2")
    assert not of_type(events, "action")
    assert "?" in of_type(events, "reply")[0]["text"]
    assert nothing_published(recorder)


async def test_device_that_does_not_confirm(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    events = await client.run("turn on the garage light")
    [action] = of_type(events, "action")
    assert action["ok"] is False and action["code"] == "device-timeout"
    assert of_type(events, "reply")[0]["text"] == "The garage light did not respond"
    assert events[-1]["ok"] is False and events[-1]["code"] == "device-timeout"
    assert [m.topic for m in commands(recorder, expect=1)] == ["cmnd/garage_light/POWER"]


async def test_unsupported_action_publishes_nothing(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    events = await client.run("lock the kitchen light")
    # Refused when planning: nothing is sent to a device that cannot do it.
    assert not of_type(events, "action")
    assert of_type(events, "error")[0]["code"] == "action-unsupported"
    assert of_type(events, "reply")[0]["text"] == "The kitchen light can't do that"
    assert events[-1]["type"] == "run-end" and events[-1]["ok"] is False
    assert nothing_published(recorder)


async def test_not_understood_is_an_answer_not_a_crash(home: RunningHome, recorder: Recorder) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    events = await client.run("turn on the spaceship")
    assert of_type(events, "error")[0]["code"] in ("intent-no-match", "device-unknown")
    assert of_type(events, "reply")
    assert events[-1]["type"] == "run-end" and events[-1]["ok"] is False
    assert nothing_published(recorder)


async def test_questions_about_state(home: RunningHome) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    await client.run("close the garage door")
    events = await client.run("is the garage door open", run_id="r2")
    assert of_type(events, "reply")[0]["text"].startswith("No")
    events = await client.run("what's the temperature in the bathroom", run_id="r3")
    assert "degrees" in of_type(events, "reply")[0]["text"]


async def test_bad_tokens_are_refused_and_closed(home: RunningHome) -> None:
    for hello in (
        {"type": "hello", "token": "wrong-token-123"},
        {"type": "hello"},
        {"type": "run", "id": "x"},
    ):
        async with connect(home.url) as ws:
            await ws.send(json.dumps(hello))
            error = json.loads(await ws.recv())
            assert error == {"type": "error", "code": "unauthorized", "message": error["message"]}
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 1008


async def test_malformed_input_never_hurts_the_hub_or_other_sessions(home: RunningHome) -> None:
    bystander = await open_client(home.url, PHONE_TOKEN)
    client = await open_client(home.url, KITCHEN_TOKEN)
    for frame, code in (
        ("{oops", "bad-json"),
        ('{"type":"dance"}', "unknown-type"),
        ("[1]", "bad-event"),
        ('{"type":"run","id":"r"}', "bad-event"),
        (b"\x00\x01", "no-audio-run"),
    ):
        await client.ws.send(frame)
        event = await client.next_event()
        assert (event["type"], event["code"]) == ("error", code)
    await client.ws.send("x" * 10_000)  # larger than max_frame_bytes (4096 in this home)
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(client.next_event(), 5)
    assert client.ws.close_code == 1009
    events = await bystander.run("turn on the coffee maker")
    assert events[-1]["ok"] is True


async def test_new_client_gets_a_snapshot_of_every_device_state(home: RunningHome) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    await client.run("what time is it")  # the snapshot is queued before the run's events
    snapshot = {s["device"]: s["state"] for s in client.states}
    assert set(snapshot) == {d.id for d in home.config.devices.devices}
    assert snapshot["garage_door"]["state"] == "CLOSE"
    assert snapshot["bathroom_sensor"]["humidity"] == 45


async def test_several_clients_have_their_own_sessions_and_see_state(home: RunningHome) -> None:
    clients = [await open_client(home.url, token) for token in (KITCHEN_TOKEN, BEDROOM_TOKEN, PHONE_TOKEN)]
    for client in clients:
        client.states.clear()
    results = await asyncio.gather(
        *(c.run("turn on the coffee maker", run_id=f"c{n}") for n, c in enumerate(clients))
    )
    assert all(events[-1]["ok"] for events in results)
    await asyncio.sleep(0.1)
    for client in clients:
        await client.send(type="context", id="ctx")
        context = await client.next_event()
        assert [t["text"] for t in context["turns"]] == ["turn on the coffee maker"]
        assert any(s["device"] == "coffee_maker" for s in client.states)


async def test_context_window_keeps_the_last_five_turns(home: RunningHome) -> None:
    client = await open_client(home.url, PHONE_TOKEN)
    texts = [
        "turn on the coffee maker",
        "turn off the coffee maker",
        "what time is it",
        "what's the date",
        "turn on the hall light",
        "turn off the hall light",
    ]
    for n, text in enumerate(texts):
        await client.run(text, run_id=f"t{n}")
    await client.send(type="context", id="ctx")
    context = await client.next_event()
    turns = context["turns"]
    assert [t["text"] for t in turns] == texts[1:]
    assert turns[-1]["intent"] == "turn_off" and turns[-1]["devices"] == ["hallway_light"]
    assert turns[-1]["reply"] == "Turned off the hall light" or turns[-1]["reply"].startswith("Turned off")


async def test_web_page_is_served(home: RunningHome) -> None:
    def fetch() -> tuple[int, str]:
        with urllib.request.urlopen(f"http://127.0.0.1:{home.hub.port}/", timeout=5) as response:
            return response.status, response.read().decode()

    status, body = await asyncio.to_thread(fetch)
    assert status == 200 and 'data-testid="text"' in body


async def test_managed_broker_and_simulator(tmp_path: Path, mosquitto: tuple[str, int]) -> None:
    config = load_config(make_home(tmp_path, None))
    hub = Hub(config, simulate=True)
    await hub.start()
    try:
        client = await open_client(f"ws://127.0.0.1:{hub.port}/ws", KITCHEN_TOKEN)
        events = await client.run("turn on the kitchen light")
        assert of_type(events, "action")[0]["ok"] is True
        assert hub.broker_address[1] not in (0, mosquitto[1])
    finally:
        await hub.stop()


async def test_hearth_say_prints_the_events(home: RunningHome, recorder: Recorder) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "assistant.cli",
        "say",
        "--url",
        home.url,
        "turn on the coffee maker",
        env={"HEARTH_TOKEN": PHONE_TOKEN, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    text = out.decode()
    assert "Turned on the coffee maker" in text and "cmnd/coffee_maker/POWER" in text
    assert PHONE_TOKEN not in text + err.decode()
    assert Carried("cmnd/coffee_maker/POWER", "ON", 1, False) in commands(recorder, expect=1)


async def test_broker_that_goes_away_gives_a_clear_answer_and_recovers(
    tmp_path: Path, fresh_mosquitto: ManagedBroker
) -> None:
    address = (fresh_mosquitto.host, fresh_mosquitto.port)
    config = load_config(make_home(tmp_path, address))
    hub = Hub(config, simulate=True)
    await hub.start()
    try:
        client = await open_client(f"ws://127.0.0.1:{hub.port}/ws", PHONE_TOKEN)
        assert (await client.run("turn on the coffee maker"))[-1]["ok"] is True
        await asyncio.to_thread(fresh_mosquitto.stop)
        events = await client.run("turn off the coffee maker", run_id="r2")
        [action] = of_type(events, "action")
        assert (action["ok"], action["code"]) == (False, "mqtt-unavailable")
        assert "connection to the devices is down" in of_type(events, "reply")[0]["text"]
        assert events[-1]["code"] == "mqtt-unavailable"
        await asyncio.to_thread(fresh_mosquitto.start)
        for attempt in range(60):  # the hub and the simulator reconnect with backoff
            events = await client.run("turn off the coffee maker", run_id=f"again-{attempt}")
            if events[-1]["ok"]:
                break
            await asyncio.sleep(0.5)
        assert events[-1]["ok"] is True, events
    finally:
        await hub.stop()


async def test_serve_and_simulate_commands_as_a_user_runs_them(
    tmp_path: Path, mosquitto: tuple[str, int], recorder: Recorder
) -> None:
    config_dir = make_home(tmp_path, mosquitto)
    text = (config_dir / "hearth.yaml").read_text().replace("127.0.0.1:0", f"127.0.0.1:{free_port()}")
    (config_dir / "hearth.yaml").write_text(text)
    cli = [sys.executable, "-m", "assistant.cli"]
    serve = await asyncio.create_subprocess_exec(
        *cli,
        "serve",
        "--config",
        str(config_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    simulate = await asyncio.create_subprocess_exec(
        *cli,
        "simulate",
        "--config",
        str(config_dir),
        "--unresponsive",
        "garage_light",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert serve.stdout is not None and simulate.stderr is not None
        banner = await asyncio.wait_for(serve.stdout.readline(), 20)
        assert b"Hearth is listening on ws://127.0.0.1:" in banner
        assert b"Simulating 21 devices" in await asyncio.wait_for(simulate.stderr.readline(), 20)
        url = banner.split()[4].decode()
        client = await open_client(url, KITCHEN_TOKEN)
        events = await client.run("turn on the kitchen light strip")
        assert of_type(events, "reply")[0]["text"] == "Turned on the kitchen light strip"
        events = await client.run("turn on the garage light", run_id="r2")
        assert of_type(events, "action")[0]["code"] == "device-timeout"
        await client.ws.close()
    finally:
        for process in (serve, simulate):
            process.terminate()
            assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_client_that_never_says_hello_is_closed(tmp_path: Path, mosquitto: tuple[str, int]) -> None:
    config = load_config(make_home(tmp_path, mosquitto, hello_timeout=0.3))
    hub = Hub(config)
    await hub.start()
    try:
        async with connect(f"ws://127.0.0.1:{hub.port}/ws") as ws:
            error = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (error["type"], error["code"]) == ("error", "unauthorized")
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 1008
        assert hub.sessions == set()
    finally:
        await hub.stop()


async def test_several_commands_and_a_follow_up_over_the_websocket(
    home: RunningHome, recorder: Recorder
) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("turn on the coffee maker and close the garage door")
    assert [(a["device"], a["ok"]) for a in of_type(events, "action")] == [
        ("coffee_maker", True),
        ("garage_door", True),
    ]
    assert of_type(events, "reply")[0]["text"] == "Turned on the coffee maker. Closed the garage door"
    events = await client.run("turn it off", run_id="r2")  # "it": the coffee maker or the garage door?
    assert not of_type(events, "action")
    assert (
        of_type(events, "reply")[0]["text"] == "Which one did you mean: the coffee maker or the garage door?"
    )
    events = await client.run("the coffee maker", run_id="r3")
    assert [a["device"] for a in of_type(events, "action")] == ["coffee_maker"]
    assert of_type(events, "intent")[0]["source"] == "context"
    topics = [m.topic for m in commands(recorder, expect=3)]
    assert topics == ["cmnd/coffee_maker/POWER", "zigbee2mqtt/garage_door/set", "cmnd/coffee_maker/POWER"]


async def test_a_timer_without_its_length_asks_how_long(home: RunningHome) -> None:
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("set a tea timer")
    assert not of_type(events, "timer")
    assert of_type(events, "reply")[0]["text"] == "For how long?"
    events = await client.run("1 second", run_id="r2")
    [started] = of_type(events, "timer")
    assert (started["state"], started["name"], started["duration"]) == ("started", "tea", 1)
    assert of_type(events, "reply")[0]["text"] == "Your tea timer is set for 1 second"


async def test_timer_finishes_with_an_announcement_to_its_client(home: RunningHome) -> None:
    kitchen = await open_client(home.url, KITCHEN_TOKEN)
    bystander = await open_client(home.url, PHONE_TOKEN)
    events = await kitchen.run("set a tea timer for 1 second")
    assert of_type(events, "reply")[0]["text"] == "Your tea timer is set for 1 second"
    [started] = of_type(events, "timer")
    assert (started["state"], started["name"], started["duration"]) == ("started", "tea", 1)
    finished = await kitchen.next_event(wait=5)
    announce = await kitchen.next_event(wait=5)
    assert (finished["type"], finished["state"]) == ("timer", "finished")
    assert announce == {"type": "announce", "text": "Your tea timer is done"}
    bystander_events = await bystander.run("what time is it")
    assert not [e for e in bystander_events if e["type"] in ("timer", "announce")]
