"""Automations on a running hub: real broker, simulator, WebSocket clients and a manual clock."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from assistant.events import Announce
from assistant.speech.corpus import synthesize
from devices.model import Action, Command
from devices.protocols import encode
from tests.assistant.conftest import BEDROOM_TOKEN, KITCHEN_TOKEN, PHONE_TOKEN, of_type, open_client
from tests.automations.conftest import AFTER_SUNSET, Start
from tests.mqtt_recorder import Recorder, eventually
from tests.speech.conftest import require_speech_tools

HALL_SET = "home/hallway/light/set"


async def test_motion_after_sunset_lights_the_hallway_for_two_minutes(
    automated: Start, recorder: Recorder
) -> None:
    home = await automated(now=AFTER_SUNSET)
    recorder.clear()
    await home.report("zigbee2mqtt/hallway_motion", json.dumps({"occupancy": True}))
    await recorder.wait_for(lambda c: [m.payload for m in c if m.topic == HALL_SET] == ["ON"])
    await eventually(lambda: home.clock.now() + 120 in home.clock.deadlines())  # the delay has begun
    await home.advance(119)
    assert [m.payload for m in recorder.on(HALL_SET)] == ["ON"]
    await home.advance(1)
    await recorder.wait_for(lambda c: [m.payload for m in c if m.topic == HALL_SET] == ["ON", "OFF"])
    (run,) = await home.finished_runs("hallway_motion_light")
    assert run["outcome"] == "done"
    assert run["trigger"]["device"] == "hallway_motion" and run["trigger"]["to"] is True
    assert [a["action"] for a in run["actions"]] == ["turn_on", "delay", "turn_off"]
    assert all(a["ok"] for a in run["actions"])


async def test_motion_at_noon_does_nothing(automated: Start, recorder: Recorder) -> None:
    home = await automated()  # noon
    recorder.clear()
    await home.report("zigbee2mqtt/hallway_motion", json.dumps({"occupancy": True}))
    (run,) = await home.finished_runs("hallway_motion_light")
    assert run["outcome"] == "conditions-failed"
    assert run["conditions"] == [{"condition": "time after sunset before sunrise", "ok": False}]
    assert recorder.on(HALL_SET) == []


async def test_garage_open_ten_minutes_is_announced_on_every_client(automated: Start) -> None:
    home = await automated()
    kitchen = await open_client(home.url, KITCHEN_TOKEN)
    phone = await open_client(home.url, PHONE_TOKEN)
    await home.report("zigbee2mqtt/garage_door", json.dumps({"state": "OPEN", "position": 100}))
    await eventually(lambda: bool(home.service.engine.pending))
    await home.advance(599)
    await home.advance(1)
    for client in (kitchen, phone):
        event = await client.next_event()
        assert event == Announce(text="The garage door has been open for 10 minutes.").to_dict()
    (run,) = await home.finished_runs("garage_door_left_open")
    assert run["actions"][0]["clients"] == 2


async def test_garage_closed_in_time_is_not_announced(automated: Start) -> None:
    home = await automated()
    await home.report("zigbee2mqtt/garage_door", json.dumps({"state": "OPEN", "position": 100}))
    await eventually(lambda: bool(home.service.engine.pending))
    await home.advance(300)
    await home.report("zigbee2mqtt/garage_door", json.dumps({"state": "CLOSE", "position": 0}))
    await eventually(lambda: not home.service.engine.pending)
    await home.advance(600)
    assert home.history("garage_door_left_open") == []


async def test_good_night_turns_off_every_light_and_locks_the_doors(
    automated: Start, recorder: Recorder
) -> None:
    home = await automated()
    registry = home.hub.registry
    lights = [d for d in registry.devices() if d.type.value == "light"]
    expected = {p.topic: p.payload for d in lights for p in encode(d, Command(d.id, Action.TURN_OFF))}
    front = registry.device("front_door")
    expected.update({p.topic: p.payload for p in encode(front, Command(front.id, Action.LOCK))})
    recorder.clear()
    client = await open_client(home.url, BEDROOM_TOKEN)
    events = await client.run("Good night!")
    assert of_type(events, "intent")[0]["slots"] == {"automation": "good_night"}
    assert (
        of_type(events, "reply")[0]["text"] == "Good night. All lights are off and the front door is locked."
    )
    assert events[-1]["ok"] is True
    carried = await recorder.wait_for(lambda c: expected.items() <= {m.topic: m.payload for m in c}.items())
    assert {m.topic for m in carried if m.topic in expected} == set(expected)
    (run,) = await home.finished_runs("good_night")
    assert run["outcome"] == "done" and run["trigger"] == {
        "id": "good_night",
        "kind": "sentence",
        "sentence": "Good night!",
    }


async def test_good_night_said_aloud(automated: Start, recorder: Recorder, tmp_path: Path) -> None:
    """The embedded recogniser listens for the sentences of automations too (the sample's good-night
    automation also runs on "we are going to bed", which espeak-ng says more clearly than "good night")."""
    require_speech_tools()
    home = await automated()
    pcm = synthesize("we are going to bed", cache_dir=tmp_path)
    client = await open_client(home.url, BEDROOM_TOKEN)
    events = await client.speak(pcm, wait=30.0)
    transcript = [e["text"] for e in of_type(events, "transcript") if not e.get("partial")]
    assert transcript == ["we are going to bed"]
    assert of_type(events, "intent")[0]["slots"] == {"automation": "good_night"}
    front = home.hub.registry.device("front_door")
    (lock,) = encode(front, Command(front.id, Action.LOCK))
    await recorder.wait_for(lambda carried: any(m.topic == lock.topic for m in carried))


RAW = """
- id: button
  mode: queued
  triggers:
    - mqtt: test/auto/+/button
      payload: pressed
  conditions:
    - device: office_sensor
      attribute: temperature
      below: 25
  actions:
    - publish: test/auto/echo
      payload: >-
        {{ trigger.topic }} at {{ states.office_sensor.temperature | round }} degrees,
        lamp {{ state("living_room_lamp") | lower }}
      retain: false
      qos: 0
- id: hot
  triggers:
    - mqtt: test/auto/hot
  conditions:
    - device: office_sensor
      attribute: temperature
      above: 25
  actions:
    - publish: test/auto/never
      payload: hot
- id: started
  triggers: [{hub: start}]
  actions:
    - publish: test/auto/started
      payload: up
- id: every_five
  triggers: [{cron: "*/5 * * * *"}, {at: "12:02"}]
  actions:
    - publish: test/auto/tick
      payload: '{{ trigger.kind }}'
- id: wait_then
  triggers: [{mqtt: test/auto/go}]
  actions:
    - wait: {mqtt: test/auto/ack}
      timeout: 30s
      on_timeout: stop
    - publish: test/auto/acked
      payload: "yes"
"""


async def test_raw_mqtt_trigger_conditions_and_templates(automated: Start, recorder: Recorder) -> None:
    home = await automated(RAW)
    await recorder.wait_for(lambda c: any(m.topic == "test/auto/started" for m in c))
    await home.report("test/auto/hall/button", "pressed")
    await home.report("test/auto/hall/button", "released")
    await home.report("test/auto/hot", "1")
    echo = await recorder.wait_for(lambda c: any(m.topic == "test/auto/echo" for m in c))
    (message,) = [m for m in echo if m.topic == "test/auto/echo"]
    assert (message.payload, message.qos, message.retain) == (
        "test/auto/hall/button at 22 degrees, lamp off",
        0,
        False,
    )
    (hot,) = await home.finished_runs("hot")
    assert hot["outcome"] == "conditions-failed" and recorder.on("test/auto/never") == []
    assert len(home.history("button")) == 1  # "released" does not match the payload


async def test_cron_and_time_of_day(automated: Start, recorder: Recorder) -> None:
    home = await automated(RAW)  # Monday 12:00
    recorder.clear()
    await home.advance(120)  # 12:02
    await recorder.wait_for(lambda c: [m.payload for m in c if m.topic == "test/auto/tick"] == ["time"])
    await home.advance(180)  # 12:05
    await recorder.wait_for(
        lambda c: [m.payload for m in c if m.topic == "test/auto/tick"] == ["time", "cron"]
    )


async def test_wait_for_a_trigger_or_stop_on_timeout(automated: Start, recorder: Recorder) -> None:
    home = await automated(RAW)
    await home.report("test/auto/go", "1")
    await eventually(lambda: "wait_then" in home.service.runs)
    await home.report("test/auto/ack", "1")
    await recorder.wait_for(lambda c: any(m.topic == "test/auto/acked" for m in c))
    await home.report("test/auto/go", "2")
    await eventually(lambda: "wait_then" in home.service.runs)
    await home.advance(30)
    runs = await home.finished_runs("wait_then", 2)
    assert [r["outcome"] for r in runs] == ["done", "stopped"]
    assert runs[1]["actions"][-1]["code"] == "wait-timeout"
    assert len(recorder.on("test/auto/acked")) == 1


LOOP = """
- id: ping
  triggers: [{mqtt: test/loop/ping}]
  actions:
    - publish: test/loop/ping
      payload: again
- id: deeper
  triggers: [{mqtt: test/loop/deeper}]
  actions:
    - run: deeper
- id: slow
  triggers: [{mqtt: test/slow/go}]
  actions:
    - delay: 1h
    - device: kitchen_light
      action: turn_off
"""


async def test_an_automation_that_triggers_itself_is_stopped(automated: Start, recorder: Recorder) -> None:
    home = await automated(LOOP)
    client = await open_client(home.url, KITCHEN_TOKEN)
    await home.report("test/loop/ping", "start")
    error = await client.next_event()
    assert error["type"] == "error" and error["code"] == "automation-loop" and "ping" in error["message"]
    await eventually(
        lambda: home.history("ping")[-1:] and home.history("ping")[-1]["outcome"] == "loop-stopped"
    )
    await asyncio.sleep(0.2)
    count = len(recorder.on("test/loop/ping"))
    await asyncio.sleep(0.3)
    assert len(recorder.on("test/loop/ping")) == count  # it stays stopped
    assert "ping" in home.service.disabled


async def test_a_slow_automation_does_not_block_a_voice_run(automated: Start, recorder: Recorder) -> None:
    home = await automated(LOOP)
    client = await open_client(home.url, KITCHEN_TOKEN)
    await home.report("test/slow/go", "1")
    await eventually(lambda: "slow" in home.service.runs)
    events = await client.run("turn on the kitchen light")
    assert of_type(events, "action")[0]["ok"] is True and events[-1]["ok"] is True
    assert "slow" in home.service.runs and home.history("slow") == []  # still sleeping its hour


async def test_hot_reload_keeps_a_pending_for_and_refuses_a_broken_file(
    automated: Start, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    home = await automated()
    await home.report("zigbee2mqtt/garage_door", json.dumps({"state": "OPEN", "position": 100}))
    await eventually(lambda: bool(home.service.engine.pending))
    await home.advance(300)
    file = home.directory / "automations.yaml"
    added = (
        "\n- id: added\n  triggers: [{mqtt: test/reload/go}]\n"
        "  actions: [{publish: test/reload/done, payload: ok}]\n"
    )
    file.write_text(file.read_text() + added)
    await eventually(lambda: home.service.automations.get("added") is not None)
    assert [key[0] for key in home.service.engine.pending] == ["garage_door_left_open"]
    await home.service.mqtt.wait_subscribed()  # the new automation's topic
    await home.report("test/reload/go", "1")
    await recorder.wait_for(lambda c: any(m.topic == "test/reload/done" for m in c))
    file.write_text(file.read_text().replace("action: turn_on", "action: turn_onn"))
    await eventually(lambda: "not reloaded" in caplog.text)
    assert "did you mean 'turn_on'" in caplog.text
    assert home.service.automations.get("added") is not None  # the running set stays
    await home.advance(300)
    (run,) = await home.finished_runs("garage_door_left_open")
    assert run["outcome"] == "done"


async def test_a_finished_timer_triggers_an_automation(automated: Start, recorder: Recorder) -> None:
    home = await automated(
        "- id: tea\n  triggers: [{timer: any}]\n"
        "  actions: [{publish: test/timer/done, payload: '{{ trigger.timer }}'}]\n"
    )
    client = await open_client(home.url, KITCHEN_TOKEN)
    events = await client.run("set a tea timer for 1 second")
    assert events[-1]["ok"] is True, events
    done = await recorder.wait_for(lambda c: any(m.topic == "test/timer/done" for m in c), within=5)
    assert [m.payload for m in done if m.topic == "test/timer/done"] == ["tea"]


async def test_an_automation_running_itself_is_stopped(automated: Start) -> None:
    home = await automated(LOOP)
    client = await open_client(home.url, KITCHEN_TOKEN)
    await home.report("test/loop/deeper", "go")
    error = await client.next_event()
    assert (error["type"], error["code"]) == ("error", "automation-loop")
    assert "levels deep" in error["message"]
    runs = await home.finished_runs("deeper", 2)
    assert {r["outcome"] for r in runs} == {"loop-stopped"}


async def test_an_announcement_for_one_client_reaches_only_it_and_is_spoken(automated: Start) -> None:
    home = await automated(
        "- id: to_phone\n  triggers: [{mqtt: test/announce/go}]\n"
        "  actions: [{announce: 'Lamp is {{ state(\"living_room_lamp\") | lower }}', client: phone}]\n"
    )
    kitchen = await open_client(home.url, KITCHEN_TOKEN)
    phone = await open_client(home.url, PHONE_TOKEN, tts=True)
    await home.report("test/announce/go", "1")
    assert await phone.next_event() == {"type": "announce", "text": "Lamp is off"}
    if home.hub.tts is not None:  # the sample home speaks with espeak-ng where it is installed
        spoken = await phone.next_event()
        assert spoken["type"] in ("tts-start", "error"), spoken
    (run,) = await home.finished_runs("to_phone")
    assert run["actions"][0]["clients"] == 1
    with pytest.raises(TimeoutError):
        await kitchen.next_event(wait=0.3)
